//! Golden tests: every `values/<case>.env` renders to `golden/<case>/bundle.snap`, and its Helm
//! chart to `golden/<case>/chart.snap` (every file of the chart, sorted, each after a
//! `==> path <==` line).
//! Update goldens deliberately with `cargo insta review` (or INSTA_UPDATE=always), never from a test.

use napgen::{app, emit, input::Inputs};
use std::path::{Path, PathBuf};

/// Every `values/*.env`, sorted.
pub fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("values");
    let mut cases: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "env"))
        .collect();
    cases.sort();
    cases
}

fn configure(path: &Path) -> app::Configured {
    let inputs = Inputs {
        files: vec![path.to_string_lossy().into_owned()],
        sets: vec![],
    };
    app::configure(&inputs, Path::new("."), &mut std::io::empty())
        .unwrap_or_else(|f| panic!("{} is invalid: {f:?}", path.display()))
}

fn render_case(path: &Path) -> String {
    let configured = configure(path);
    let (plan, objects) = app::render_objects(&configured.settings).unwrap();
    emit::bundle(&objects, &app::header(&plan))
}

fn chart_case(path: &Path) -> String {
    let chart = app::build_chart(&configure(path).settings).unwrap();
    let mut out = String::new();
    for (name, bytes) in &chart.files {
        out.push_str(&format!("==> {name} <==\n"));
        out.push_str(std::str::from_utf8(bytes).expect("chart files are text"));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

#[test]
fn bundles_match_goldens() {
    let cases = cases();
    assert!(cases.len() >= 2, "values/ must hold the profiles");
    for path in cases {
        let case = path.file_stem().unwrap().to_string_lossy().into_owned();
        let bundle = render_case(&path);
        insta::with_settings!({
            snapshot_path => format!("../golden/{case}"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("napgen render -f values/{case}.env"),
        }, {
            insta::assert_snapshot!("bundle", bundle);
        });
    }
}

#[test]
fn charts_match_goldens() {
    for path in cases() {
        let case = path.file_stem().unwrap().to_string_lossy().into_owned();
        let chart = chart_case(&path);
        insta::with_settings!({
            snapshot_path => format!("../golden/{case}"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("napgen chart -f values/{case}.env (every file, sorted)"),
        }, {
            insta::assert_snapshot!("chart", chart);
        });
    }
}

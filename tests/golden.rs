//! Golden tests: every `values/<case>.env` renders to `golden/<case>/bundle.snap`, and its Helm
//! chart to `golden/<case>/chart.snap` (every file of the chart, sorted, each after a
//! `==> path <==` line).
//! Update goldens deliberately with `cargo insta review` (or INSTA_UPDATE=always), never from a test.

mod common;

use common::configure;
use napgen::app;
use napgen_core::output::bundle;
use std::path::Path;

fn render_case(path: &Path) -> String {
    let configured = configure(path);
    let (plan, objects) = app::render_objects(&configured.config).unwrap();
    bundle::bundle(&objects, &app::header(&plan))
}

fn chart_case(path: &Path) -> String {
    let chart = configure(path).chart().unwrap();
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
    let cases = common::profiles();
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
    for path in common::profiles() {
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

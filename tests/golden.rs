//! Golden tests: every `values/<case>.env` renders to `golden/<case>/bundle.snap`.
//! Update goldens deliberately with `cargo insta review` (or INSTA_UPDATE=always), never from a test.

use napgen::{app, emit, input::Inputs};
use std::path::{Path, PathBuf};

/// Every `values/*.env`, sorted.
pub fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("values");
    let mut cases: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "env")).collect();
    cases.sort();
    cases
}

fn render_case(path: &Path) -> String {
    let inputs = Inputs { files: vec![path.to_string_lossy().into_owned()], sets: vec![] };
    let configured = app::configure(&inputs, Path::new("."), &mut std::io::empty()).unwrap_or_else(|f| panic!("{} is invalid: {f:?}", path.display()));
    let (plan, objects) = app::render_objects(&configured.settings).unwrap();
    emit::bundle(&objects, &app::header(&plan))
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

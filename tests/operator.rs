//! The operator's commands as users run them: init, check, keys/explain, images, rbac, prereqs,
//! diff, completions and man; exit codes, stdout/stderr, files written or not.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn napgen(dir: &Path, args: &[&str]) -> Output {
    napgen_stdin(dir, args, None)
}

fn napgen_stdin(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_napgen"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\n{}",
        o.status.code(),
        stderr(o)
    );
}

#[track_caller]
fn assert_fails(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", stderr(o));
    assert!(o.stdout.is_empty(), "stdout on failure: {}", stdout(o));
    assert!(
        stderr(o).contains("\n  help: "),
        "no help line: {}",
        stderr(o)
    );
}

// ---- keys / explain / docs

#[test]
fn values_reference_doc_is_up_to_date() {
    let path = repo().join("docs/values-reference.md");
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == napgen::reference::markdown(),
        "docs/values-reference.md is out of date with the key registry; regenerate it with\n  cargo run -- keys --format markdown > docs/values-reference.md"
    );
}

#[test]
fn keys_lists_every_key_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let text = napgen(dir.path(), &["keys"]);
    assert_ok(&text);
    let json = napgen(dir.path(), &["keys", "--format", "json"]);
    assert_ok(&json);
    let keys: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(keys.len(), napgen::registry::KEYS.len());
    for k in napgen::registry::KEYS {
        assert!(stdout(&text).contains(k.name), "{} missing", k.name);
    }
    let secret = keys.iter().find(|k| k["name"] == "TOS_SECRET_KEY").unwrap();
    assert_eq!(secret["secret"], true);
    assert_eq!(secret["module"], "core");

    let browser = napgen(dir.path(), &["keys", "--module", "browser"]);
    assert_ok(&browser);
    assert!(stdout(&browser).contains("TURN_HOST") && !stdout(&browser).contains("LDAP_URL"));
    let bad = napgen(dir.path(), &["keys", "--module", "browsr"]);
    assert_fails(&bad, 3);
    assert!(stderr(&bad).contains("did you mean browser?"));
}

#[test]
fn explain_a_key_and_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(dir.path(), &["explain", "OPENSANDBOX_URL"]);
    assert_ok(&out);
    let text = stdout(&out);
    for part in [
        "type:",
        "default:",
        "derived:",
        "required:",
        "module:",
        "secret:",
        "example:  OPENSANDBOX_URL=",
    ] {
        assert!(text.contains(part), "{part} missing:\n{text}");
    }
    let out = napgen(dir.path(), &["explain", "SANDBOX_ENABLE"]);
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("did you mean SANDBOX_ENABLED?"),
        "{}",
        stderr(&out)
    );
}

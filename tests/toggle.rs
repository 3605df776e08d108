//! `napgen enable` / `napgen disable` as users run them: the file edited in place, its mode,
//! links, refusals, and what is printed.

mod common;

use common::{napgen, stderr};
use std::fs;
use std::path::Path;

/// A fresh values.env from napgen init, with the API key filled in.
fn init(dir: &Path) -> String {
    let out = napgen(dir, &["init", "--set", "OPENAI_API_KEY=sk-test-000000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    fs::read_to_string(dir.join("values.env")).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn enable_prints_required_lines_and_passes_check_once_filled() {
    let dir = tempfile::tempdir().unwrap();
    let before = init(dir.path());
    let out = napgen(dir.path(), &["enable", "browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let text = fs::read_to_string(dir.path().join("values.env")).unwrap();
    assert_ne!(text, before);
    let line = text
        .lines()
        .position(|l| l == "TURN_HOST=")
        .map(|i| i + 1)
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("browser switched on in values.env; fresh secret(s): BROWSER_JWT_SECRET, TURN_AUTH_SECRET"),
        "{err}"
    );
    assert!(
        err.contains(&format!("  values.env:{line}: TURN_HOST: ")),
        "{err}"
    );
    // check reports the same line until it is filled in, then passes.
    let check = napgen(dir.path(), &["check"]);
    assert_eq!(check.status.code(), Some(3));
    assert!(stderr(&check).contains(&format!("values.env:{line}: TURN_HOST")));
    fs::write(
        dir.path().join("values.env"),
        text.replace("\nTURN_HOST=\n", "\nTURN_HOST=192.0.2.7\n"),
    )
    .unwrap();
    let check = napgen(dir.path(), &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));

    // Again: nothing changes, and it says so.
    let filled = fs::read(dir.path().join("values.env")).unwrap();
    let again = napgen(dir.path(), &["enable", "browser"]);
    assert!(again.status.success());
    assert!(stderr(&again).contains("browser is already on in values.env; nothing to change"));
    assert_eq!(fs::read(dir.path().join("values.env")).unwrap(), filled);

    // Off and on again: the same bytes.
    let off = napgen(dir.path(), &["disable", "browser"]);
    assert!(off.status.success(), "{}", stderr(&off));
    assert!(napgen(dir.path(), &["check"]).status.success());
    let on = napgen(dir.path(), &["enable", "browser"]);
    assert!(on.status.success(), "{}", stderr(&on));
    assert_eq!(fs::read(dir.path().join("values.env")).unwrap(), filled);
}

#[cfg(unix)]
#[test]
fn the_mode_is_kept_and_never_widened() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let file = dir.path().join("values.env");
    assert_eq!(mode(&file), 0o600);
    assert!(napgen(dir.path(), &["enable", "sandbox"]).status.success());
    assert_eq!(mode(&file), 0o600);
    set_mode(&file, 0o400);
    assert!(napgen(dir.path(), &["disable", "sandbox"]).status.success());
    assert_eq!(mode(&file), 0o400);
    // A file others could read holds secrets: it is narrowed, and the operator is told.
    set_mode(&file, 0o644);
    let out = napgen(dir.path(), &["enable", "ldap"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&file), 0o600);
    assert!(stderr(&out).contains("mode 644"), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn a_link_is_followed_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    fs::rename(dir.path().join("values.env"), dir.path().join("real.env")).unwrap();
    std::os::unix::fs::symlink("real.env", dir.path().join("values.env")).unwrap();
    let out = napgen(dir.path(), &["enable", "claude-code"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fs::symlink_metadata(dir.path().join("values.env"))
        .unwrap()
        .file_type()
        .is_symlink());
    let text = fs::read_to_string(dir.path().join("real.env")).unwrap();
    assert!(text.contains("\nAGENT_TYPES=codex,claude-code\n"));
}

#[test]
fn unreadable_files_and_unknown_modules_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let bad = "A=1\nB='open\n";
    fs::write(dir.path().join("bad.env"), bad).unwrap();
    let out = napgen(dir.path(), &["enable", "browser", "-f", "bad.env"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("bad.env:2"), "{}", stderr(&out));
    assert!(stderr(&out).contains("help:"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(dir.path().join("bad.env")).unwrap(), bad);

    let out = napgen(dir.path(), &["enable", "browser"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("values.env") && stderr(&out).contains("napgen init"));

    init(dir.path());
    let before = fs::read(dir.path().join("values.env")).unwrap();
    let out = napgen(dir.path(), &["disable", "sandbx"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("did you mean sandbox?"),
        "{}",
        stderr(&out)
    );
    let out = napgen(dir.path(), &["disable", "codex"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(fs::read(dir.path().join("values.env")).unwrap(), before);
    let entries: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 2, "a temporary file was left behind");
}

#[test]
fn help_documents_agent_types_and_the_edit_commands() {
    let dir = tempfile::tempdir().unwrap();
    let help = |cmd: &str| String::from_utf8(napgen(dir.path(), &[cmd, "--help"]).stdout).unwrap();
    let init = help("init");
    assert!(init.contains("--without"), "{init}");
    assert!(
        init.contains("napgen init --with claude-code --without codex"),
        "{init}"
    );
    assert!(help("enable").contains("napgen enable sandbox,browser -f prod.env"));
    assert!(help("disable").contains("napgen disable codex -f prod.env"));
}

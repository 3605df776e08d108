//! The binary as users run it: exit codes, stdout/stderr, files written or not, determinism.

mod common;

use common::{napgen, napgen_env, repo, stderr};

use std::fs;

#[test]
fn render_with_no_values_uses_embedded_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(dir.path(), &["render"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(text.contains("kind: Cluster") && text.contains("kind: Namespace"));
    // No secret is shipped: the Secret is referenced and stderr says how to create it.
    assert!(!text.contains("kind: Secret\n"));
    assert!(stderr(&out).contains("kubectl -n nap create secret generic nap-secrets"));
}

#[test]
fn render_reads_values_env_in_the_current_folder() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("values.env"), "NAMESPACE=from-cwd\n").unwrap();
    let out = napgen(dir.path(), &["render"]);
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("namespace: from-cwd"));
}

#[test]
fn later_files_and_set_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.env"),
        "NAMESPACE=aaa\nTOS_HOST=10.0.0.1\n",
    )
    .unwrap();
    fs::write(dir.path().join("b.env"), "NAMESPACE=bbb\n").unwrap();
    let out = napgen(
        dir.path(),
        &[
            "render",
            "-f",
            "a.env",
            "-f",
            "b.env",
            "--set",
            "TOS_HOST=10.0.0.2",
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("namespace: bbb") && !text.contains("namespace: aaa"));
    assert!(text.contains("http://10.0.0.2:30080") && !text.contains("10.0.0.1"));
}

#[test]
fn invalid_values_fail_closed() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("bad.env"),
        "TOS_HOST=ok.example.com\nTOS_NODE_PORT=80\nSANDBOX_ENABLE=true\nADMIN_PASSWORD=short\n",
    )
    .unwrap();
    let out = napgen(
        dir.path(),
        &["render", "-f", "bad.env", "-o", "bundle.yaml"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("error: bad.env:2: TOS_NODE_PORT: 80 is outside 30000-32767"),
        "{err}"
    );
    assert!(
        err.contains(
            "error: bad.env:3: SANDBOX_ENABLE: unknown key\n  help: did you mean SANDBOX_ENABLED?"
        ),
        "{err}"
    );
    assert!(
        err.contains("bad.env:4: ADMIN_PASSWORD: is too short"),
        "{err}"
    );
    assert!(!err.contains("short\n"), "a secret leaked: {err}");
    assert!(!dir.path().join("bundle.yaml").exists());
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing but bad.env may exist"
    );
}

#[test]
fn invalid_values_to_stdout_print_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(dir.path(), &["render", "--set", "PROFILE=huge"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("error: --set: PROFILE: \"huge\" is not allowed"));
}

#[test]
fn missing_values_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(dir.path(), &["render", "-f", "nope.env"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("nope.env: cannot read values file"));
}

#[test]
fn usage_error_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(dir.path(), &["render", "--bogus"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_file_and_split_folder() {
    let dir = tempfile::tempdir().unwrap();
    let values = repo().join("values/multi-node.env");
    let values = values.to_str().unwrap();
    let out = napgen(dir.path(), &["render", "-f", values, "-o", "bundle.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout_render = napgen(dir.path(), &["render", "-f", values]).stdout;
    assert_eq!(
        fs::read(dir.path().join("bundle.yaml")).unwrap(),
        stdout_render
    );

    let out = napgen(
        dir.path(),
        &["render", "-f", values, "--split", "manifests"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let k = fs::read_to_string(dir.path().join("manifests/kustomization.yaml")).unwrap();
    let files: Vec<_> = k.lines().filter_map(|l| l.strip_prefix("  - ")).collect();
    assert!(files.len() > 15);
    let mut joined = String::new();
    for f in &files {
        joined.push_str(&fs::read_to_string(dir.path().join("manifests").join(f)).unwrap());
    }
    // The split files hold exactly the bundle's objects.
    let bundle = String::from_utf8(stdout_render).unwrap();
    let bundle_body: String = bundle
        .lines()
        .filter(|l| !l.starts_with("# Generated") && *l != "---")
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(joined, bundle_body);
    // Re-rendering into our own folder works; a foreign folder is refused and left alone.
    assert!(napgen(
        dir.path(),
        &["render", "-f", values, "--split", "manifests"]
    )
    .status
    .success());
    fs::create_dir(dir.path().join("mine")).unwrap();
    fs::write(dir.path().join("mine/notes.txt"), "keep").unwrap();
    let out = napgen(dir.path(), &["render", "-f", values, "--split", "mine"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("not written by napgen"));
    assert_eq!(fs::read_dir(dir.path().join("mine")).unwrap().count(), 1);
}

#[test]
fn only_seed_prints_the_seed_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(dir.path(), &["render", "--only", "seed"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(
        text.matches("\nkind: ").count(),
        text.matches("\nkind: Job\n").count()
    );
    assert!(text.contains("name: nap-seed-admin-"));
    // kubectl apply leaves an existing Job alone, so stderr says how to really re-seed: delete
    // the previous runs by their label, then apply this very command's output.
    let hint = stderr(&out);
    assert!(
        hint.contains(
            "\n  kubectl -n nap delete job -l app.kubernetes.io/part-of=nap,app.kubernetes.io/component=seed --ignore-not-found\n  napgen render --only seed | kubectl apply --server-side -f -\n"
        ),
        "{hint}"
    );
    assert!(
        hint.contains("  kubectl -n nap logs job/nap-seed-admin-"),
        "{hint}"
    );
    // Written to a file, the apply reads the file; a secret given with --set is never echoed.
    let secret = "0123456789abcdef0123456789abcdef";
    let out = napgen(
        dir.path(),
        &[
            "render",
            "--only",
            "seed",
            "-o",
            "seed jobs.yaml",
            "--set",
            &format!("ADMIN_PASSWORD={secret}"),
            "--set",
            &format!("TOS_SECRET_KEY={secret}"),
            "--set",
            &format!("OPENAI_API_KEY={secret}"),
        ],
    );
    let hint = stderr(&out);
    assert!(out.status.success(), "{hint}");
    assert!(
        hint.contains("\n  kubectl apply --server-side -f 'seed jobs.yaml'\n"),
        "{hint}"
    );
    assert!(!hint.contains(secret), "{hint}");
    // Other parts print no such hint.
    let out = napgen(dir.path(), &["render", "--only", "core"]);
    assert!(!stderr(&out).contains("delete job"), "{}", stderr(&out));
    let out = napgen(dir.path(), &["render", "--only", "seeds"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("did you mean seed?"));
}

#[test]
fn output_is_deterministic_and_ignores_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let values = repo().join("values/multi-node.env");
    let args = ["render", "-f", values.to_str().unwrap()];
    let clean = napgen(dir.path(), &args);
    assert!(clean.status.success());
    assert_eq!(
        clean.stdout,
        napgen(dir.path(), &args).stdout,
        "two renders differ"
    );
    // Every key name, and names dotenv substitution would expand, set to hostile values.
    let mut poison: Vec<(&str, &str)> = napgen_core::config::registry::KEYS
        .iter()
        .map(|k| (k.name, "POISON"))
        .collect();
    poison.extend([
        ("HOME", "/poison"),
        ("USER", "poison"),
        ("VAR", "poison"),
        ("SOURCE_DATE_EPOCH", "1"),
        ("TZ", "Asia/Tokyo"),
        ("LANG", "tr_TR.UTF-8"),
    ]);
    let poisoned = napgen_env(dir.path(), &args, &poison);
    assert!(poisoned.status.success(), "{}", stderr(&poisoned));
    assert_eq!(
        clean.stdout, poisoned.stdout,
        "output depends on the process environment"
    );
}

#[test]
fn check_reports_all_findings_and_json() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("v.env"), "TOS_NODE_PORT=1\nPROFILE=x\n").unwrap();
    let out = napgen(dir.path(), &["check", "-f", "v.env"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out).matches("error: ").count(),
        2,
        "{}",
        stderr(&out)
    );

    let out = napgen(dir.path(), &["check", "-f", "v.env", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"], 2);
    assert_eq!(report["diagnostics"][0]["origin"]["line"], 1);
    assert_eq!(report["diagnostics"][0]["key"], "TOS_NODE_PORT");

    let out = napgen(dir.path(), &["check", "--set", "TOS_HOST=nap.example.com"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

/// Every memory unit validation accepts means the same to the capacity check: `1Pi` once
/// passed validation and then warned of "0 MiB" and room for no workspace.
#[test]
fn check_reads_every_memory_unit_it_accepts() {
    let dir = tempfile::tempdir().unwrap();
    for memory in ["1Pi", "1P", "1Ei", "1E", "16000000k", "1.5Ti"] {
        let set = format!("NODE_MEMORY={memory}");
        let out = napgen(dir.path(), &["check", "--set", &set]);
        assert_eq!(out.status.code(), Some(0), "{memory}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("are valid"), "{memory}: {err}");
        assert!(!err.contains("leaving room for"), "{memory}: {err}");
    }
    // A node too small for workspaces is still reported, with its size as given.
    let out = napgen(dir.path(), &["check", "--set", "NODE_MEMORY=2.5Gi"]);
    let err = stderr(&out);
    assert!(err.contains("of \"4\" CPU / \"2.5Gi\""), "{err}");
    assert!(
        err.contains("and 1024 MiB, leaving room for 0 workspace"),
        "{err}"
    );
}

/// `check --format json` answers on stdout with exit 3 as with exit 0: the exit-code table and
/// `check --help` say so, and an unreadable file still leaves stdout empty.
#[test]
fn check_json_on_stdout_with_exit_3_is_documented() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("v.env"), "TOS_NODE_PORT=1\n").unwrap();
    for (file, code) in [("v.env", 3), ("missing.env", 4)] {
        let out = napgen(dir.path(), &["check", "-f", file, "--format", "json"]);
        assert_eq!(out.status.code(), Some(code), "{file}");
        if code == 3 {
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(report["ok"], false);
            assert!(out.stderr.is_empty(), "{}", stderr(&out));
        } else {
            assert!(out.stdout.is_empty());
        }
    }

    let readme = fs::read_to_string(repo().join("README.md")).unwrap();
    let row = readme
        .lines()
        .find(|l| l.starts_with("| 3 |"))
        .expect("the exit-code table has a row for 3");
    assert!(
        row.contains("`check --format json` prints its report on stdout"),
        "{row}"
    );
    let prose = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(prose.contains("prints one JSON report on stdout and nothing on stderr, with exit 0"));

    let help = napgen(dir.path(), &["check", "--help"]);
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("With --format json the report is on stdout for exit 0 and 3 alike"),
        "{help}"
    );
}

#[test]
fn that_storage_classes_are_fixed_is_said_by_prereqs_not_by_every_check() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("v.env"),
        "PROFILE=multi-node\nTOS_HOST=192.0.2.4\nRWX_STORAGE_CLASS=nfs-csi\nRWO_STORAGE_CLASS=ceph-rbd\n",
    )
    .unwrap();
    let out = napgen(dir.path(), &["check", "-f", "v.env"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !stderr(&out).contains("cannot change") && stderr(&out).contains(": 0 errors, 1 warning"),
        "only the note that no secrets are set: {}",
        stderr(&out)
    );
    let out = napgen(dir.path(), &["prereqs", "-f", "v.env"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("kubectl get storageclass nfs-csi ceph-rbd")
            && text.contains("a claim's storage class cannot change later"),
        "{text}"
    );
}

/// A failure as printed: nothing on stdout, `code`, and stderr ending with one `error:` line
/// that starts with `error` (what and where) and one `help:` line equal to `help`; warnings
/// printed before it are allowed.
fn assert_failure(out: &std::process::Output, code: i32, error: &str, help: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(out.stdout.is_empty(), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() >= 2, "{err}");
    let (message, help_line) = (lines[lines.len() - 2], lines[lines.len() - 1]);
    assert!(message.starts_with(error), "{err}");
    assert_eq!(help_line, format!("  help: {help}"), "{err}");
    assert_eq!(err.matches("error: ").count(), 1, "{err}");
}

#[test]
fn file_failures_say_what_where_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("ok.env"), "").unwrap();
    fs::write(d.join("notes.txt"), "key: [unclosed\n").unwrap();
    fs::write(d.join("list.yaml"), "- a\n").unwrap();
    fs::write(d.join("blocker"), "").unwrap();
    fs::create_dir(d.join("folder")).unwrap();
    let diff_help = "give napgen diff a values file (*.env) or a YAML bundle, or - for stdin";
    assert_failure(
        &napgen(d, &["render", "-f", "nope.env"]),
        4,
        "error: nope.env: cannot read values file: ",
        "check the path given to -f",
    );
    assert_failure(
        &napgen(d, &["render", "-f", "folder"]),
        4,
        "error: folder: cannot read values file: is a folder, not a values file",
        "give -f a values file, or - to read standard input",
    );
    assert_failure(
        &napgen(d, &["render", "-o", "folder"]),
        4,
        "error: folder: is a folder",
        "give a file name",
    );
    assert_failure(
        &napgen(d, &["diff", "-", "-"]),
        4,
        "error: both sides are standard input",
        "give at most one side as -",
    );
    assert_failure(
        &napgen(d, &["diff", "missing.yaml", "ok.env"]),
        4,
        "error: missing.yaml: cannot read it: ",
        diff_help,
    );
    assert_failure(
        &napgen(d, &["diff", "notes.txt", "ok.env"]),
        4,
        "error: notes.txt: not a YAML bundle: ",
        "values files must end in .env; anything else is read as Kubernetes YAML",
    );
    assert_failure(
        &napgen(d, &["diff", "list.yaml", "ok.env"]),
        4,
        "error: list.yaml: a document is not a Kubernetes object (apiVersion, kind and metadata.name)",
        "give a bundle written by napgen render, or a values file (*.env)",
    );
    assert_failure(
        &napgen(d, &["enable", "browser", "-f", "missing.env"]),
        4,
        "error: missing.env: ",
        "napgen enable edits an existing values.env (-f FILE); create one with napgen init",
    );
    assert_failure(
        &napgen(d, &["chart", "--tgz", "blocker/dist/"]),
        4,
        "error: blocker/dist/: cannot create the folder: ",
        "give --tgz a folder that can be created, or a file name",
    );
    assert_failure(
        &napgen(d, &["init", "-o", "ok.env"]),
        4,
        "error: ok.env: already exists; napgen does not overwrite it",
        "use --force to replace it (its secrets are lost unless you keep a copy), or write elsewhere with -o FILE",
    );
}

/// A full disk on stdout is an I/O error (exit 4) with a help line about stdout (it used to say
/// "check the path and its permissions"); `check --format json` and `diff` used to print the
/// error and exit 0 or 1.
#[cfg(target_os = "linux")]
#[test]
fn a_stdout_that_cannot_be_written_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.env"), "").unwrap();
    fs::write(dir.path().join("b.env"), "SANDBOX_ENABLED=true\n").unwrap();
    for args in [
        &["keys"][..],
        &["render"],
        &["check", "--format", "json"],
        &["diff", "a.env", "b.env"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_napgen"))
            .args(args)
            .current_dir(dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {err}");
        assert!(
            err.ends_with(
                "error: cannot write to stdout: No space left on device (os error 28)\n  \
                 help: check where standard output goes (a full disk, a closed file)\n"
            ),
            "{args:?}: {err}"
        );
    }
}

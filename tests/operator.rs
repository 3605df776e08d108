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
        committed == napgen_core::ops::reference::markdown(),
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
    assert_eq!(keys.len(), napgen_core::config::registry::KEYS.len());
    for k in napgen_core::config::registry::KEYS {
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

// ---- init

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_writes_a_private_file_and_never_overwrites_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(dir.path(), &["init"]);
    assert_ok(&out);
    assert!(out.stdout.is_empty());
    let path = dir.path().join("values.env");
    let first = fs::read_to_string(&path).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let err = stderr(&out);
    assert!(
        err.contains("wrote values.env with 2 fresh secret(s)")
            && err.contains("values.env:")
            && err.contains(": OPENAI_API_KEY:"),
        "{err}"
    );
    // Secrets never reach the terminal.
    let secret = first
        .lines()
        .find_map(|l| l.strip_prefix("TOS_SECRET_KEY="))
        .unwrap();
    assert_eq!(secret.len(), 64);
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!err.contains(secret));

    let again = napgen(dir.path(), &["init", "--with", "sandbox"]);
    assert_fails(&again, 4);
    assert!(stderr(&again).contains("already exists") && stderr(&again).contains("--force"));
    assert_eq!(fs::read_to_string(&path).unwrap(), first);

    let forced = napgen(dir.path(), &["init", "--force", "--with", "sandbox"]);
    assert_ok(&forced);
    let second = fs::read_to_string(&path).unwrap();
    assert!(second.contains("SANDBOX_ENABLED=true") && !second.contains(secret));
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn init_stdout_round_trips_through_check_and_render() {
    let dir = tempfile::tempdir().unwrap();
    // As generated, only the value only the operator knows is missing, and check says where.
    let text = napgen(dir.path(), &["init", "--stdout"]);
    assert_ok(&text);
    let check = napgen_stdin(dir.path(), &["check", "-f", "-"], Some(&text.stdout));
    assert_eq!(check.status.code(), Some(3));
    let err = stderr(&check);
    assert_eq!(err.matches("error: ").count(), 1, "{err}");
    let line = stdout(&text)
        .lines()
        .position(|l| l == "OPENAI_API_KEY=")
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("error: -:{line}: OPENAI_API_KEY: is empty")),
        "{err}"
    );

    // With that value given, the file passes check and renders as it is.
    let text = napgen(
        dir.path(),
        &[
            "init",
            "-o",
            "-",
            "--set",
            "OPENAI_API_KEY=sk-test-0000000000",
        ],
    );
    assert_ok(&text);
    assert!(
        stderr(&text).contains("it is complete"),
        "{}",
        stderr(&text)
    );
    let check = napgen_stdin(dir.path(), &["check", "-f", "-"], Some(&text.stdout));
    assert_ok(&check);
    assert!(
        stderr(&check).contains("are valid: 0 errors, 0 warnings"),
        "{}",
        stderr(&check)
    );
    let render = napgen_stdin(dir.path(), &["render", "-f", "-"], Some(&text.stdout));
    assert_ok(&render);
    assert!(stdout(&render).contains("kind: Secret\n"));
}

#[test]
fn init_multi_node_marks_each_value_check_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(
        dir.path(),
        &[
            "init",
            "--profile",
            "multi-node",
            "--with",
            "sandbox,browser",
            "--with",
            "ldap",
            "-o",
            "prod.env",
        ],
    );
    assert_ok(&out);
    let text = fs::read_to_string(dir.path().join("prod.env")).unwrap();
    let check = napgen(dir.path(), &["check", "-f", "prod.env"]);
    assert_eq!(check.status.code(), Some(3));
    let err = stderr(&check);
    let lines: Vec<&str> = text.lines().collect();
    let marked: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("# REQUIRED:"))
        .map(|(i, _)| i + 2)
        .collect();
    assert!(marked.len() >= 8, "{marked:?}");
    // Every marked value is reported: an error at its line, or a warning for an advised value.
    for line in &marked {
        let key = lines[line - 1].trim_end_matches('=');
        assert!(
            err.contains(&format!("error: prod.env:{line}: {key}: "))
                || err.contains(&format!("warning: prod.env:{line}: {key}: "))
                || err.contains(&format!("warning: {key}: ")),
            "{key} at {line} not reported:\n{err}"
        );
    }
    // And every error is at a marked line.
    for l in err.lines().filter(|l| l.starts_with("error: prod.env:")) {
        let line: usize = l["error: prod.env:".len()..]
            .split(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            marked.contains(&line),
            "error outside the marked lines: {l}"
        );
    }
}

#[test]
fn init_rejects_unknown_modules_and_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(dir.path(), &["init", "--with", "sandbx"]);
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("did you mean sandbox?"));
    let out = napgen(dir.path(), &["init", "--profile", "tiny"]);
    assert_eq!(out.status.code(), Some(2));
    let out = napgen(dir.path(), &["init", "--set", "TOS_NODE_PORT=80"]);
    assert_fails(&out, 3);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

/// The README's "First install, step by step", run as written: `init` prints exactly the sample
/// output shown under it; with the REQUIRED lines filled in, `check` passes; every file the
/// commands `prereqs` prints apply (`-f FILE`) was written by the README's `prereqs` command; and
/// `render` writes the bundle.
#[test]
fn readme_first_install_runs_as_written() {
    let readme = fs::read_to_string(repo().join("README.md")).unwrap();
    let block: Vec<&str> = readme
        .split("## First install, step by step")
        .nth(1)
        .and_then(|rest| rest.split("```sh\n").nth(1))
        .and_then(|code| code.split("```").next())
        .expect("README has the first-install code block")
        .lines()
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut ran = Vec::new();
    for (i, line) in block.iter().enumerate() {
        let Some(command) = line.strip_prefix("napgen ") else {
            continue;
        };
        let command = command.split(" #").next().unwrap();
        let args: Vec<&str> = command.split_whitespace().collect();
        let out = napgen(dir.path(), &args);
        match args[0] {
            "init" => {
                assert_ok(&out);
                let sample: Vec<&str> = block[i + 1..]
                    .iter()
                    .map_while(|l| l.strip_prefix("#    "))
                    .collect();
                assert_eq!(
                    sample,
                    stderr(&out).lines().collect::<Vec<_>>(),
                    "the README's sample output of `napgen {command}` is out of date; it is:\n{}",
                    stderr(&out)
                );
                fill_required(&dir.path().join("values.env"));
            }
            "check" | "render" => assert_ok(&out),
            "prereqs" => {
                assert_ok(&out);
                let printed = stdout(&out);
                let mut applied = 0;
                for command in printed.lines().filter(|l| !l.starts_with('#')) {
                    let words: Vec<&str> = command.split_whitespace().collect();
                    for pair in words.windows(2).filter(|w| w[0] == "-f" && w[1] != "-") {
                        applied += 1;
                        assert!(
                            dir.path().join(pair[1]).is_file(),
                            "`{command}` applies {}, which `napgen {}` did not write",
                            pair[1],
                            args.join(" ")
                        );
                    }
                }
                assert!(applied >= 2, "no file applied in:\n{printed}");
            }
            // `diff` compares the later edit of step 6, which the README leaves to an editor.
            "diff" => continue,
            other => panic!("the README's first install runs napgen {other}: test it here"),
        }
        ran.push(args[0]);
    }
    assert_eq!(ran, ["init", "check", "prereqs", "render"]);
    assert!(dir.path().join("bundle.yaml").is_file());
}

/// Step 2 of the first install: a plausible value on every line marked REQUIRED.
fn fill_required(path: &Path) {
    let text = fs::read_to_string(path).unwrap();
    let mut filled = String::new();
    let mut required = false;
    for line in text.lines() {
        match line.strip_suffix('=') {
            Some(name) if required => {
                let key = napgen_core::config::registry::key(name).unwrap();
                let value = if key.is_secret() {
                    "0123456789abcdef".repeat(4)
                } else {
                    napgen_core::ops::reference::example_value(key)
                };
                filled.push_str(&format!("{name}={value}\n"));
            }
            _ => {
                filled.push_str(line);
                filled.push('\n');
            }
        }
        required = line.starts_with("# REQUIRED:");
    }
    fs::write(path, filled).unwrap();
}

// ---- images

/// Every `image:`/`imageName:` in a rendered bundle, including the pod templates held as text in
/// ConfigMaps.
fn images_in_bundle(bundle: &str) -> std::collections::BTreeSet<String> {
    bundle
        .lines()
        .filter_map(|l| {
            let l = l.trim_start().trim_start_matches("- ");
            l.strip_prefix("image: ")
                .or_else(|| l.strip_prefix("imageName: "))
        })
        .map(|v| v.trim_matches('"').to_string())
        .collect()
}

#[test]
fn images_lists_every_image_the_bundle_pulls() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<Vec<String>> = vec![vec![]];
    for f in ["values/single-node.env", "values/multi-node.env"] {
        cases.push(vec![
            "-f".into(),
            repo().join(f).to_string_lossy().into_owned(),
        ]);
    }
    cases.push(
        [
            "--set",
            "SANDBOX_ENABLED=true",
            "--set",
            "BROWSER_ENABLED=true",
            "--set",
            "TURN_HOST=203.0.113.9",
            "--set",
            "LDAP_ENABLED=true",
            "--set",
            "LDAP_URL=ldap://ldap.example.com",
            "--set",
            "LDAP_BIND_DN=cn=x",
            "--set",
            "LDAP_USER_BASE_DN=ou=p",
            "--set",
            "AGENT_TYPES=codex,claude-code",
            "--set",
            "REGISTRY=mirror.example.com/nap",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    );
    for case in cases {
        let args = |cmd: &str, extra: &[&str]| -> Vec<String> {
            let mut a = vec![cmd.to_string()];
            a.extend(case.iter().cloned());
            a.extend(extra.iter().map(|s| s.to_string()));
            a
        };
        let run = |a: Vec<String>| {
            napgen(
                dir.path(),
                &a.iter().map(String::as_str).collect::<Vec<_>>(),
            )
        };
        let render = run(args("render", &[]));
        assert_ok(&render);
        let listed = run(args("images", &[]));
        assert_ok(&listed);
        let listed: Vec<String> = stdout(&listed).lines().map(str::to_string).collect();
        let unique: std::collections::BTreeSet<String> = listed.iter().cloned().collect();
        assert_eq!(unique.len(), listed.len(), "duplicates: {listed:?}");
        assert_eq!(unique, images_in_bundle(&stdout(&render)), "{case:?}");

        let json = run(args("images", &["--format", "json"]));
        let json: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(json.len(), listed.len());
        assert!(json
            .iter()
            .all(|i| i["used_by"].as_array().is_some_and(|u| !u.is_empty())));
        let mirror = run(args("images", &["--format", "mirror"]));
        for line in stdout(&mirror).lines() {
            let (src, dst) = line.split_once(' ').unwrap();
            assert!(listed.contains(&dst.to_string()));
            if case.iter().any(|a| a.starts_with("REGISTRY=")) {
                assert!(
                    dst.starts_with("mirror.example.com/nap/") && !src.starts_with("mirror"),
                    "{line}"
                );
            } else {
                assert_eq!(src, dst);
            }
        }
    }
    let bad = napgen(dir.path(), &["images", "--set", "REGISTRY=https://x"]);
    assert_fails(&bad, 3);
}

// ---- diff

const SECRET_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SECRET_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn values_with(secret: &str, extra: &str) -> String {
    format!(
        "TOS_HOST=192.0.2.10\nTOS_SECRET_KEY={secret}\nADMIN_PASSWORD=admin-password-1\nOPENAI_API_KEY=sk-test-00000000\n{extra}"
    )
}

#[test]
fn diff_exit_codes_and_masked_secrets() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.env"), values_with(SECRET_A, "")).unwrap();
    fs::write(
        dir.path().join("same.env"),
        values_with(SECRET_A, "# only a comment\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join("b.env"),
        values_with(
            SECRET_B,
            &format!(
                "NAP_VERSION=1.9.0\nSANDBOX_ENABLED=true\nSANDBOX_JWT_SECRET={SECRET_A}\n\
                 SANDBOX_SERVICE_KEY={SECRET_A}\nOPENSANDBOX_API_KEY={SECRET_A}\n"
            ),
        ),
    )
    .unwrap();

    let same = napgen(dir.path(), &["diff", "a.env", "same.env"]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert!(same.stdout.is_empty());
    assert!(stderr(&same).contains("render the same"));

    let out = napgen(dir.path(), &["diff", "a.env", "b.env"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("spec.template.spec.containers[0].image: ghcr.io/nap-platform/control-plane:1.8.0 → ghcr.io/nap-platform/control-plane:1.9.0"),
        "{text}"
    );
    assert!(
        text.contains("stringData.TOS_SECRET_KEY: changed (value hidden)"),
        "{text}"
    );
    assert!(
        text.contains("stringData.SANDBOX_JWT_SECRET: added (value hidden)"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("~ batch/v1 Job nap/nap-seed-admin-") && l.contains(" → ")),
        "{text}"
    );
    let json = napgen(dir.path(), &["diff", "a.env", "b.env", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    for o in [&out, &json] {
        let all = format!("{}{}", stdout(o), stderr(o));
        assert!(
            !all.contains(SECRET_A) && !all.contains(SECRET_B),
            "a secret leaked:\n{all}"
        );
    }
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["equal"], false);
    assert!(report["changed"].as_u64().unwrap() > 0);

    // A rendered bundle against its own values: the same; stdin works as a side.
    let bundle = napgen(dir.path(), &["render", "-f", "a.env"]);
    assert_ok(&bundle);
    fs::write(dir.path().join("a.yaml"), &bundle.stdout).unwrap();
    assert_eq!(
        napgen(dir.path(), &["diff", "a.yaml", "a.env"])
            .status
            .code(),
        Some(0)
    );
    let piped = napgen_stdin(dir.path(), &["diff", "b.env", "-"], Some(&bundle.stdout));
    assert_eq!(piped.status.code(), Some(1));
}

#[test]
fn diff_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bad.env"), "TOS_NODE_PORT=1\n").unwrap();
    fs::write(dir.path().join("ok.env"), "").unwrap();
    fs::write(dir.path().join("notes.txt"), "key: [unclosed\n").unwrap();
    let out = napgen(dir.path(), &["diff", "ok.env", "bad.env"]);
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("bad.env:1: TOS_NODE_PORT"));
    assert_fails(&napgen(dir.path(), &["diff", "ok.env", "missing.yaml"]), 4);
    let out = napgen(dir.path(), &["diff", "notes.txt", "ok.env"]);
    assert_fails(&out, 4);
    assert!(
        stderr(&out).contains("not a YAML bundle"),
        "{}",
        stderr(&out)
    );
    assert_fails(&napgen(dir.path(), &["diff", "-", "-"]), 4);
}

// ---- rbac

/// Values that switch every module on, with the secrets given.
fn everything_on() -> Vec<String> {
    let secret = "s".repeat(64);
    let mut sets = vec![
        "SANDBOX_ENABLED=true".to_string(),
        "BROWSER_ENABLED=true".into(),
        "TURN_HOST=203.0.113.9".into(),
        "TURN_NODE=worker-1".into(),
        "LDAP_ENABLED=true".into(),
        "LDAP_URL=ldaps://ldap.example.com".into(),
        "LDAP_BIND_DN=cn=nap".into(),
        "LDAP_USER_BASE_DN=ou=people".into(),
        "LDAP_CA_CERT=-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into(),
        "AGENT_TYPES=codex,claude-code".into(),
        "PROFILE=multi-node".into(),
        "TOS_HOST=nap.example.com".into(),
        "RWX_STORAGE_CLASS=nfs-csi".into(),
        "RWO_STORAGE_CLASS=ceph-rbd".into(),
    ];
    for k in napgen_core::config::registry::KEYS
        .iter()
        .filter(|k| k.is_secret())
    {
        sets.push(format!("{}={secret}", k.name));
    }
    sets.into_iter()
        .flat_map(|s| ["--set".to_string(), s])
        .collect()
}

fn run(dir: &Path, cmd: &[&str], extra: &[String]) -> Output {
    let mut args: Vec<&str> = cmd.to_vec();
    args.extend(extra.iter().map(String::as_str));
    napgen(dir, &args)
}

/// Whether `rules` grant `verb` on `resource` of `group` (optionally for object `name`).
fn grants(rules: &serde_json::Value, group: &str, resource: &str, name: &str, verb: &str) -> bool {
    let has = |v: &serde_json::Value, x: &str| {
        v.as_array()
            .is_some_and(|a| a.iter().any(|i| i == x || i == "*"))
    };
    rules.as_array().unwrap().iter().any(|r| {
        has(&r["apiGroups"], group)
            && has(&r["resources"], resource)
            && has(&r["verbs"], verb)
            && (r["resourceNames"].is_null() || has(&r["resourceNames"], name))
    })
}

#[test]
fn rbac_covers_every_object_of_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    for extra in [vec![], everything_on()] {
        let bundle = run(dir.path(), &["render"], &extra);
        assert_ok(&bundle);
        let objects = napgen_core::output::yaml::parse_documents(&stdout(&bundle)).unwrap();
        let out = run(dir.path(), &["rbac", "--user", "alice"], &extra);
        assert_ok(&out);
        let roles = napgen_core::output::yaml::parse_documents(&stdout(&out)).unwrap();
        let cluster = roles.iter().find(|r| r["kind"] == "ClusterRole").unwrap();
        for o in &objects {
            let (api, kind) = (
                o["apiVersion"].as_str().unwrap(),
                o["kind"].as_str().unwrap(),
            );
            let resource = napgen_core::ops::rbac::resource_of(api, kind)
                .unwrap_or_else(|| panic!("{api} {kind} has no resource"));
            let name = o["metadata"]["name"].as_str().unwrap();
            let rules = match o["metadata"]["namespace"].as_str() {
                Some(ns) => &roles
                    .iter()
                    .find(|r| r["kind"] == "Role" && r["metadata"]["namespace"] == ns)
                    .unwrap_or_else(|| panic!("no Role in {ns}"))["rules"],
                None => &cluster["rules"],
            };
            for verb in ["create", "patch", "get"] {
                assert!(
                    grants(rules, resource.group, resource.plural, name, verb),
                    "{verb} {kind} {name} not granted"
                );
            }
            // Escalation: whatever a role in the bundle grants, the installer holds in the same scope.
            if kind == "Role" || kind == "ClusterRole" {
                for rule in o["rules"].as_array().unwrap() {
                    for group in rule["apiGroups"].as_array().unwrap() {
                        for res in rule["resources"].as_array().unwrap() {
                            for verb in rule["verbs"].as_array().unwrap() {
                                assert!(
                                    grants(
                                        rules,
                                        group.as_str().unwrap(),
                                        res.as_str().unwrap(),
                                        "",
                                        verb.as_str().unwrap()
                                    ),
                                    "{kind} {name}: {verb} {res} not held by the installer"
                                );
                            }
                        }
                    }
                }
            }
        }
        // Bindings name the subject.
        let bindings: Vec<_> = roles
            .iter()
            .filter(|r| r["kind"].as_str().unwrap().ends_with("Binding"))
            .collect();
        assert!(bindings.len() >= 2);
        assert!(bindings.iter().all(|b| b["subjects"][0]["name"] == "alice"));
        // Nothing is granted on kinds the bundle lacks.
        assert!(!grants(
            &cluster["rules"],
            "storage.k8s.io",
            "storageclasses",
            "x",
            "create"
        ));
    }
}

#[test]
fn rbac_kind_table_covers_the_goldens() {
    let mut cases: Vec<String> = fs::read_dir(repo().join("golden"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(cases.len() >= 2);
    for case in cases {
        let text = fs::read_to_string(repo().join(format!("golden/{case}/bundle.snap"))).unwrap();
        let body = text.splitn(3, "---\n").nth(2).unwrap();
        for o in napgen_core::output::yaml::parse_documents(body).unwrap() {
            let (api, kind) = (
                o["apiVersion"].as_str().unwrap(),
                o["kind"].as_str().unwrap(),
            );
            assert!(
                napgen_core::ops::rbac::resource_of(api, kind).is_some(),
                "golden/{case}: {api} {kind} is missing from rbac::RESOURCES"
            );
        }
    }
}

#[test]
fn rbac_without_subjects_and_with_prereqs() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(dir.path(), &["rbac"]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(
        text.contains("No subject was given") && !text.contains("Binding\n"),
        "{text}"
    );
    assert!(text.contains("kubectl create namespace nap"));

    let out = napgen(
        dir.path(),
        &[
            "rbac",
            "--group",
            "ops",
            "--with-prereqs",
            "--set",
            "CNPG_OPERATOR_NAMESPACE=db-ops",
        ],
    );
    assert_ok(&out);
    let text = stdout(&out);
    assert!(
        text.contains("close to cluster-admin") || text.contains("treat it as cluster-admin"),
        "{text}"
    );
    let roles = napgen_core::output::yaml::parse_documents(&text).unwrap();
    let prereqs = roles
        .iter()
        .find(|r| r["kind"] == "ClusterRole" && r["metadata"]["name"] == "nap-installer-prereqs")
        .unwrap();
    assert!(grants(
        &prereqs["rules"],
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        "",
        "create"
    ));
    assert!(grants(
        &prereqs["rules"],
        "rbac.authorization.k8s.io",
        "clusterroles",
        "",
        "escalate"
    ));
    assert!(roles
        .iter()
        .any(|r| r["kind"] == "RoleBinding" && r["metadata"]["namespace"] == "db-ops"));

    let bad = napgen(dir.path(), &["rbac", "--service-account", "nonamespace"]);
    assert_fails(&bad, 3);
}

// ---- prereqs

#[test]
fn prereqs_lists_the_operator_and_storage() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(
        dir.path(),
        &["prereqs", "--set", "CNPG_OPERATOR_NAMESPACE=db-ops"],
    );
    assert_ok(&out);
    let text = stdout(&out);
    assert!(
        text.contains("helm repo add cnpg https://cloudnative-pg.github.io/charts\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "helm upgrade --install cnpg cnpg/cloudnative-pg --namespace db-ops --create-namespace"
        ),
        "{text}"
    );
    assert!(
        text.contains("kubectl get storageclass local-path\n"),
        "{text}"
    );
    assert!(
        text.contains("Secrets nap/nap-secrets")
            && text.contains("--from-literal=TOS_SECRET_KEY=<TOS_SECRET_KEY>"),
        "{text}"
    );
    assert!(!text.contains("OpenSandbox"), "sandbox is off");
    let json = napgen(dir.path(), &["prereqs", "--format", "json"]);
    let steps: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(steps[0]["id"], "cloudnative-pg");
    assert_eq!(steps[0]["namespace"], "cnpg-system");
}

#[test]
fn prereqs_opensandbox_values_and_secret() {
    let dir = tempfile::tempdir().unwrap();
    let init = napgen(
        dir.path(),
        &[
            "init",
            "--with",
            "sandbox",
            "--set",
            "OPENAI_API_KEY=sk-test-00000000",
            "--set",
            "OPENSANDBOX_URL=http://opensandbox-server.sandbox.svc:80",
        ],
    );
    assert_ok(&init);
    let key = fs::read_to_string(dir.path().join("values.env"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("OPENSANDBOX_API_KEY=").map(str::to_string))
        .unwrap();

    let out = napgen(dir.path(), &["prereqs", "--write-values", "os"]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(
        text.contains("git clone --depth 1 https://github.com/alibaba/OpenSandbox"),
        "{text}"
    );
    assert!(
        text.contains("helm dependency build OpenSandbox/kubernetes/charts/opensandbox"),
        "{text}"
    );
    assert!(
        text.contains("--namespace sandbox -f os/opensandbox-values.yaml"),
        "{text}"
    );
    assert!(text.contains("create secret generic opensandbox-api-key --from-literal=api-key=<OPENSANDBOX_API_KEY>") || text.contains("opensandbox-api-key.yaml"), "{text}");
    let values = fs::read_to_string(dir.path().join("os/opensandbox-values.yaml")).unwrap();
    let parsed = &napgen_core::output::yaml::parse_documents(&values).unwrap()[0];
    assert_eq!(parsed["opensandbox-server"]["namespaceOverride"], "sandbox");
    assert_eq!(
        parsed["opensandbox-controller"]["namespaceOverride"],
        "sandbox"
    );
    assert_eq!(
        parsed["opensandbox-server"]["server"]["env"][0]["name"],
        "OPENSANDBOX_SERVER_API_KEY"
    );
    assert!(!values.contains(&key));
    assert!(
        !dir.path().join("os/opensandbox-api-key.yaml").exists(),
        "the key is written only when asked"
    );

    let out = napgen(
        dir.path(),
        &["prereqs", "--write-values", "os", "--with-secret"],
    );
    assert_ok(&out);
    assert!(
        !stdout(&out).contains(&key) && !stderr(&out).contains(&key),
        "the key reached the terminal"
    );
    let secret_path = dir.path().join("os/opensandbox-api-key.yaml");
    let secret =
        &napgen_core::output::yaml::parse_documents(&fs::read_to_string(&secret_path).unwrap())
            .unwrap()[0];
    assert_eq!(secret["stringData"]["api-key"], key.as_str());
    assert_eq!(secret["metadata"]["namespace"], "sandbox");
    #[cfg(unix)]
    assert_eq!(mode(&secret_path), 0o600);

    // A URL that is not the chart's Service is explained; --with-secret needs the key in values.env.
    let foreign = napgen(
        dir.path(),
        &[
            "prereqs",
            "--set",
            "OPENSANDBOX_URL=https://sandbox.example.com",
            "-f",
            "values.env",
        ],
    );
    assert_ok(&foreign);
    assert!(
        stdout(&foreign).contains("is not the address of the chart's server Service"),
        "{}",
        stdout(&foreign)
    );
    let dir2 = tempfile::tempdir().unwrap();
    let out = napgen(
        dir2.path(),
        &[
            "prereqs",
            "--set",
            "SANDBOX_ENABLED=true",
            "--write-values",
            "o",
            "--with-secret",
        ],
    );
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("OPENSANDBOX_API_KEY"));
}

/// The sandbox/browser page's values block, as the page prints it (one key per line, its comments
/// kept), with the secrets filled in and the core keys `napgen init` marks REQUIRED.
fn seed_page_values() -> String {
    let secret = |c: char| c.to_string().repeat(64);
    format!(
        "PROFILE=single-node\nTOS_HOST=192.0.2.10\nTOS_SECRET_KEY={}\nADMIN_PASSWORD={}\nOPENAI_API_KEY=sk-test-00000000\n\
         # Code Sandbox\nSANDBOX_ENABLED=true\nSANDBOX_NODE_PORT=30086\n\
         SANDBOX_JWT_SECRET={} # openssl rand -hex 32\n\
         SANDBOX_SERVICE_KEY={} # openssl rand -hex 32, shared between browser and sandbox\n\
         # Remote Browser (incl. TURN)\nBROWSER_ENABLED=true\nBROWSER_NODE_PORT=30085\n\
         BROWSER_JWT_SECRET={} # openssl rand -hex 32\n\
         TURN_HOST=192.0.2.10 # public / LAN IP browsers can reach, required\n\
         TURN_AUTH_SECRET={} # openssl rand -hex 32\n\
         SANDBOX_PUBLIC_URL=\nBROWSER_PUBLIC_URL=\n",
        secret('a'),
        secret('b'),
        secret('c'),
        secret('d'),
        secret('e'),
        secret('f'),
    )
}

#[test]
fn the_seed_pages_values_render_without_an_opensandbox_key() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("values.env"), seed_page_values()).unwrap();
    let out = napgen(dir.path(), &["check"]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains("warning: OPENSANDBOX_API_KEY: is not set: nap-sandbox sends no API key")
            && err.ends_with("are valid: 0 errors, 1 warning\n"),
        "{err}"
    );
    let out = napgen(dir.path(), &["render"]);
    assert_ok(&out);
    assert!(
        !stdout(&out).contains("OPENSANDBOX_API_KEY"),
        "no key is mounted"
    );

    // prereqs starts OpenSandbox without a key, in its own namespace, and asks for no Secret.
    let out = napgen(dir.path(), &["prereqs", "--write-values", "os"]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(!text.contains("opensandbox-api-key"), "{text}");
    assert!(
        text.contains("--namespace opensandbox-system -f os/opensandbox-values.yaml"),
        "{text}"
    );
    let values = fs::read_to_string(dir.path().join("os/opensandbox-values.yaml")).unwrap();
    assert!(
        values.contains("# It has no API key, as nap-sandbox sends none"),
        "{values}"
    );
    let parsed = &napgen_core::output::yaml::parse_documents(&values).unwrap()[0];
    assert_eq!(
        parsed["opensandbox-server"]["server"]["env"],
        serde_json::json!([{"name": "OPENSANDBOX_INSECURE_SERVER", "value": "YES"}])
    );
    assert_eq!(
        parsed["opensandbox-server"]["namespaceOverride"],
        "opensandbox-system"
    );
    let out = napgen(
        dir.path(),
        &["prereqs", "--write-values", "os", "--with-secret"],
    );
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("OpenSandbox runs without one"),
        "{}",
        stderr(&out)
    );
}

// ---- CLI habits

#[test]
fn completions_and_man_pages() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = napgen(dir.path(), &["completions", shell]);
        assert_ok(&out);
        let text = stdout(&out);
        for cmd in [
            "render", "check", "init", "diff", "rbac", "prereqs", "images", "explain",
        ] {
            assert!(text.contains(cmd), "{shell} completion lacks {cmd}");
        }
    }
    assert_eq!(
        napgen(dir.path(), &["completions", "tcsh"]).status.code(),
        Some(2)
    );

    let out = napgen(dir.path(), &["man"]);
    assert_ok(&out);
    assert!(stdout(&out).contains(".TH napgen 1"), "{}", stdout(&out));
    let out = napgen(dir.path(), &["man", "diff"]);
    assert_ok(&out);
    assert!(stdout(&out).contains(".TH napgen-diff 1") && stdout(&out).contains("Exit codes"));
    let out = napgen(dir.path(), &["man", "rendr"]);
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("did you mean render?"));
}

#[test]
fn every_command_has_help_with_examples() {
    let dir = tempfile::tempdir().unwrap();
    let top = napgen(dir.path(), &["--help"]);
    assert_ok(&top);
    let commands: Vec<String> = stdout(&top)
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 11, "{commands:?}");
    for c in commands {
        let out = napgen(dir.path(), &[&c, "--help"]);
        assert_ok(&out);
        assert!(
            stdout(&out).contains("Examples:"),
            "napgen {c} --help has no examples"
        );
    }
}

#[test]
fn colours_only_on_a_terminal() {
    // Under test, stderr is a pipe: no escape codes, with or without NO_COLOR.
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(dir.path(), &["check", "--set", "PROFILE=x"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(!stderr(&out).contains('\u{1b}'), "{}", stderr(&out));
    assert!(stderr(&out).contains("error: --set: PROFILE:") && stderr(&out).contains("\n  help: "));
}

// ---- check

#[test]
fn check_reports_hazards_as_warnings() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("base.env"),
        "PROFILE=multi-node\nTOS_HOST=203.0.113.10\nRWX_STORAGE_CLASS=nfs-csi\nRWO_STORAGE_CLASS=ceph-rbd\nBROWSER_ENABLED=true\nTURN_HOST=10.0.0.21\nTURN_NODE=worker-1\n",
    )
    .unwrap();
    let out = napgen(
        dir.path(),
        &[
            "check",
            "-f",
            "base.env",
            "--set",
            "RWX_STORAGE_CLASS=cephfs",
        ],
    );
    assert_ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains("warning: base.env:6: TURN_HOST: 10.0.0.21 is a private address"),
        "{err}"
    );
    assert!(
        err.contains(
            "warning: --set: RWX_STORAGE_CLASS: overrides the storage class set at base.env:3"
        ),
        "{err}"
    );
    assert!(err.contains("are valid: 0 errors"), "{err}");

    let json = napgen(dir.path(), &["check", "-f", "base.env", "--format", "json"]);
    assert_ok(&json);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["ok"], true);
    let turn = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "TURN_HOST")
        .unwrap();
    assert_eq!(turn["severity"], "warning");
    assert_eq!(turn["origin"]["line"], 6);
    assert!(turn["help"].as_str().unwrap().contains("3478"));
}

/// The README's "Where napgen differs from the self-host pages" shows commands that work against
/// what napgen renders (every module on, `NAMESPACE=nap`): each `kubectl -n NS` selector or
/// `kind/name` finds a pod-bearing object there, the namespaces it creates are those the derived
/// Roles live in, `napgen rbac` runs, and OpenSandbox's group is the one napgen's RBAC uses.
#[test]
fn readme_differences_from_the_pages_show_working_commands() {
    let readme = fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("### Where napgen differs from the self-host pages, and why\n")
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("the README has the section");
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        repo().join("values/all-modules.env"),
        dir.path().join("values.env"),
    )
    .unwrap();
    let bundle = napgen(dir.path(), &["render"]);
    assert_ok(&bundle);
    let objects = napgen_core::output::yaml::parse_documents(&stdout(&bundle)).unwrap();
    let labels_match = |labels: &serde_json::Value, selector: &str| {
        let (k, v) = selector.split_once('=').unwrap();
        labels[k] == v
    };
    let (mut kubectl, mut ran_rbac) = (0, false);
    let commands = section
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("kubectl ") || l.starts_with("napgen "));
    for command in commands {
        let words: Vec<&str> = command.split_whitespace().collect();
        let after = |flag: &str| {
            words
                .windows(2)
                .find(|w| w[0] == flag)
                .map(|w| w[1].to_string())
        };
        if words[0] == "napgen" {
            let args: Vec<&str> = command
                .split(" | ")
                .next()
                .unwrap()
                .split_whitespace()
                .collect();
            assert_ok(&napgen(dir.path(), &args[1..]));
            ran_rbac = true;
            continue;
        }
        kubectl += 1;
        if command.contains("opensandbox-system") {
            // OpenSandbox is not napgen's to render: its namespace is the one the default
            // OPENSANDBOX_URL points into.
            assert!(
                stdout(&bundle).contains("opensandbox-server.opensandbox-system.svc"),
                "`{command}`: OPENSANDBOX_URL does not point into opensandbox-system"
            );
            continue;
        }
        if words[1] == "create" {
            let created: std::collections::BTreeSet<String> = command
                .split("&&")
                .map(|c| c.split_whitespace().last().unwrap().to_string())
                .collect();
            let wanted = napgen(dir.path(), &["rbac", "--user", "alice"]);
            let roles = napgen_core::output::yaml::parse_documents(&stdout(&wanted)).unwrap();
            let namespaces: std::collections::BTreeSet<String> = roles
                .iter()
                .filter(|o| o["kind"] == "Role")
                .map(|o| o["metadata"]["namespace"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(created, namespaces, "`{command}`");
            continue;
        }
        if command.contains("sandbox.opensandbox.io") {
            let batch = napgen_core::ops::rbac::RESOURCES
                .iter()
                .find(|r| r.kind == "BatchSandbox")
                .unwrap();
            assert!(
                command.contains(&format!("={}", batch.group))
                    || command.contains(&format!("{}.{}", batch.plural, batch.group)),
                "`{command}` does not name {}.{}",
                batch.plural,
                batch.group
            );
            continue;
        }
        let ns = after("-n").unwrap_or_else(|| panic!("`{command}` names no namespace"));
        let in_ns: Vec<&serde_json::Value> = objects
            .iter()
            .filter(|o| o["metadata"]["namespace"] == ns.as_str())
            .collect();
        let found = if let Some(selector) = after("-l") {
            let kind = if words.contains(&"job") { "Job" } else { "" };
            in_ns.iter().any(|o| {
                (kind.is_empty() || o["kind"] == kind)
                    && labels_match(&o["spec"]["template"]["metadata"]["labels"], &selector)
                    && (kind.is_empty() || labels_match(&o["metadata"]["labels"], &selector))
            })
        } else {
            let target = words.iter().find(|w| w.contains('/')).unwrap();
            let (short, name) = target.split_once('/').unwrap();
            let kind = match short {
                "deploy" => "Deployment",
                "job" => "Job",
                other => panic!("`{command}`: add kind {other} to this test"),
            };
            in_ns
                .iter()
                .any(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        };
        assert!(found, "`{command}` matches nothing napgen renders");
    }
    assert!(kubectl >= 7, "{kubectl} kubectl commands");
    assert!(ran_rbac, "no napgen rbac command");
}

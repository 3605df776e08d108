//! `napgen chart`: the folder and the archive, their layout, the objects they install and the
//! values and schema they carry.

mod common;

use common::{names_in, napgen, napgen_env, stderr};

use napgen_core::config::registry::KEYS;
use napgen_core::output::chart::{self, HOOK_ANNOTATIONS};
use napgen_core::output::yaml;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

fn values(case: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("values")
        .join(format!("{case}.env"))
        .to_string_lossy()
        .into_owned()
}

fn profiles() -> Vec<String> {
    common::profiles().iter().map(|p| common::name(p)).collect()
}

/// LDAP on, with values that Helm's template engine would act on if it ever saw them.
const TEMPLATE_LIKE: &[&str] = &[
    "--set",
    "LDAP_ENABLED=true",
    "--set",
    "LDAP_URL=ldaps://ldap.example.com",
    "--set",
    "LDAP_BIND_DN=cn={{ .Release.Name }},dc=example,dc=com",
    "--set",
    "LDAP_USER_BASE_DN={{ include \"x\" . }}",
    "--set",
    "LDAP_USER_FILTER=(uid={{ .Values.x }}){{- fail \"templated\" -}}",
    "--set",
    "LDAP_CA_CERT=-----BEGIN CERTIFICATE-----\n---\nkind: Secret\n---\n-----END CERTIFICATE-----",
];

/// Every file of a folder, by its path relative to the folder.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The chart folder for `args` (plus `-o`), read back.
fn chart_tree(args: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["chart", "-o", "nap"];
    all.extend_from_slice(args);
    let out = napgen(dir.path(), &all);
    assert!(out.status.success(), "{}", stderr(&out));
    read_tree(&dir.path().join("nap"))
}

fn text(tree: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(
        tree.get(path)
            .unwrap_or_else(|| panic!("no {path}"))
            .clone(),
    )
    .unwrap()
}

fn parse_yaml(text: &str) -> Vec<Value> {
    yaml::parse_documents(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The objects of the chart's files/, with exactly the documented differences undone: the hook
/// annotations are removed (and an annotations map they leave empty).
fn chart_objects_without_hooks(tree: &BTreeMap<String, Vec<u8>>) -> Vec<Value> {
    let mut objects = Vec::new();
    for (path, bytes) in tree {
        if !path.starts_with("files/") || path == chart::RECORD || path == "files/NOTES.txt" {
            continue;
        }
        for mut o in parse_yaml(std::str::from_utf8(bytes).unwrap()) {
            let is_job = o["kind"] == "Job";
            let metadata = o["metadata"].as_object_mut().unwrap();
            if let Some(Value::Object(a)) = metadata.get_mut("annotations") {
                let hook = a.contains_key(HOOK_ANNOTATIONS[0]);
                for k in HOOK_ANNOTATIONS {
                    a.remove(k);
                }
                assert_eq!(hook, is_job, "only the seed Jobs are hooks: {path}");
                if a.is_empty() {
                    metadata.remove("annotations");
                }
            }
            objects.push(o);
        }
    }
    objects
}

fn sorted(mut objects: Vec<Value>) -> Vec<String> {
    let mut out: Vec<String> = objects.drain(..).map(|o| o.to_string()).collect();
    out.sort();
    out
}

#[test]
fn chart_objects_equal_the_bundle_objects() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<Vec<String>> = profiles()
        .iter()
        .map(|c| vec!["-f".to_string(), values(c)])
        .collect();
    cases.push(TEMPLATE_LIKE.iter().map(|s| s.to_string()).collect());
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut render = vec!["render"];
        render.extend_from_slice(&args);
        let out = napgen(dir.path(), &render);
        assert!(out.status.success(), "{}", stderr(&out));
        let bundle = parse_yaml(&String::from_utf8(out.stdout).unwrap());
        // The release namespace is left out of the chart; coturn's namespace stays in it.
        let release_namespace =
            bundle.iter().find(|o| o["kind"] == "Namespace").unwrap()["metadata"]["name"].clone();
        let (namespaces, rest): (Vec<Value>, Vec<Value>) = bundle
            .into_iter()
            .partition(|o| o["kind"] == "Namespace" && o["metadata"]["name"] == release_namespace);
        assert_eq!(namespaces.len(), 1);
        // The seed Jobs: `nap-seed-<task>-<hash>` in the bundle, the pages' `nap-seed-<task>` in
        // the chart (Helm deletes the previous run itself).
        let rest: Vec<Value> = rest
            .into_iter()
            .map(|mut o| {
                if o["kind"] == "Job"
                    && o["metadata"]["labels"]["app.kubernetes.io/component"] == "seed"
                {
                    let name = o["metadata"]["name"].as_str().unwrap().to_string();
                    let (fixed, hash) = name.rsplit_once('-').unwrap();
                    assert!(
                        hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
                        "{name}"
                    );
                    o["metadata"]["name"] = fixed.into();
                }
                o
            })
            .collect();
        let tree = chart_tree(&args);
        let objects = chart_objects_without_hooks(&tree);
        assert_eq!(sorted(objects), sorted(rest), "{args:?}");
    }
}

#[test]
fn seed_jobs_are_ordered_hooks() {
    let tree = chart_tree(&["-f", &values("multi-node")]);
    let jobs = parse_yaml(&text(&tree, "files/core/seed/jobs.yaml"));
    assert!(!jobs.is_empty());
    for job in jobs {
        let a = &job["metadata"]["annotations"];
        assert_eq!(a["helm.sh/hook"], "post-install,post-upgrade,post-rollback");
        assert_eq!(a["helm.sh/hook-delete-policy"], "before-hook-creation");
        let name = job["metadata"]["name"].as_str().unwrap();
        let task = chart::SEED_ORDER
            .iter()
            .find(|t| name == format!("nap-seed-{t}"))
            .unwrap_or_else(|| panic!("{name}: a seed task without a place in SEED_ORDER"));
        assert_eq!(
            a["helm.sh/hook-weight"],
            chart::seed_weight(task).to_string()
        );
    }
    assert!(chart::seed_weight("admin") < chart::seed_weight("oauth-clients"));
}

#[test]
fn values_reach_files_only_never_templates() {
    let tree = chart_tree(TEMPLATE_LIKE);
    let hostile = ["{{ .Values.x }}", "{{ .Release.Name }}", "{{ include"];
    for (path, bytes) in &tree {
        let t = String::from_utf8_lossy(bytes);
        if path.starts_with("templates/") {
            for h in hostile {
                assert!(!t.contains(h), "{path} contains a value: {t}");
            }
        }
    }
    // Every object template is one `.Files.Get` of its own file; NOTES too.
    for (path, bytes) in tree.iter().filter(|(p, _)| p.starts_with("templates/")) {
        let t = String::from_utf8_lossy(bytes);
        if path == "templates/guard.yaml" {
            assert!(!t.contains(".Values."), "the guard only compares values");
            continue;
        }
        let file = format!("files/{}", path.strip_prefix("templates/").unwrap());
        let body: Vec<&str> = t.lines().filter(|l| !l.starts_with("{{- /*")).collect();
        assert_eq!(
            body,
            vec![format!("{{{{ .Files.Get \"{file}\" }}}}")],
            "{path}"
        );
        assert!(tree.contains_key(&file), "{path} emits a missing {file}");
    }
    // The values arrive in the objects exactly as written.
    let config = parse_yaml(&text(&tree, "files/core/config.yaml"));
    let data = &config[0]["data"];
    assert_eq!(
        data["LDAP_USER_FILTER"],
        "(uid={{ .Values.x }}){{- fail \"templated\" -}}"
    );
    assert_eq!(
        data["LDAP_BIND_DN"],
        "cn={{ .Release.Name }},dc=example,dc=com"
    );
    assert_eq!(data["LDAP_USER_BASE_DN"], "{{ include \"x\" . }}");
    let ca = parse_yaml(&text(&tree, "files/ldap/ca.yaml"));
    assert_eq!(ca.len(), 1, "a `---` line in a value splits no document");
    assert_eq!(
        ca[0]["data"]["ca.crt"],
        "-----BEGIN CERTIFICATE-----\n---\nkind: Secret\n---\n-----END CERTIFICATE-----"
    );
    let recorded = parse_yaml(&text(&tree, "values.yaml"));
    assert_eq!(
        recorded[0]["LDAP_USER_FILTER"],
        "(uid={{ .Values.x }}){{- fail \"templated\" -}}"
    );
}

#[test]
fn chart_yaml_and_version() {
    let a = chart_tree(&["-f", &values("single-node")]);
    let meta = &parse_yaml(&text(&a, "Chart.yaml"))[0];
    assert_eq!(meta["apiVersion"], "v2");
    assert_eq!(meta["name"], "nap");
    assert_eq!(meta["type"], "application");
    assert_eq!(meta["kubeVersion"], ">=1.28.0-0");
    assert_eq!(meta["appVersion"], "1.8.0");
    assert!(text(&a, "Chart.yaml").contains("\nappVersion: \"1.8.0\"\n"));
    assert!(meta["description"]
        .as_str()
        .unwrap()
        .contains("namespace nap"));
    let version = meta["version"].as_str().unwrap();
    assert!(chart::is_strict_semver(version), "{version}");
    assert!(version.starts_with("1.8.0+"), "{version}");

    // The same configuration gives the same version; another one a new version.
    let same = chart_tree(&["-f", &values("single-node")]);
    assert_eq!(a, same);
    let other = chart_tree(&["-f", &values("single-node"), "--set", "TOS_NODE_PORT=30099"]);
    let other_version = parse_yaml(&text(&other, "Chart.yaml"))[0]["version"].clone();
    assert_ne!(other_version, version);
    assert!(other_version.as_str().unwrap().starts_with("1.8.0+"));
}

#[test]
fn chart_files_and_helmignore() {
    let tree = chart_tree(&["-f", &values("single-node")]);
    for f in [
        "Chart.yaml",
        "values.yaml",
        "values.schema.json",
        "README.md",
        ".helmignore",
        "templates/NOTES.txt",
        "templates/guard.yaml",
        "files/NOTES.txt",
        chart::RECORD,
        ".napgen",
    ] {
        assert!(tree.contains_key(f), "missing {f}");
    }
    assert_eq!(tree["values.yaml"], tree[chart::RECORD]);
    let ignore = text(&tree, ".helmignore");
    assert!(ignore.lines().any(|l| l == ".napgen"));
    assert!(!ignore
        .lines()
        .any(|l| l.starts_with("files") || l.starts_with("templates")));
    // No Namespace object: the namespace exists before Helm runs.
    for (path, bytes) in &tree {
        if path.starts_with("files/") {
            assert!(!String::from_utf8_lossy(bytes).contains("\nkind: Namespace\n"));
        }
    }
    // NOTES: the URL users open, the admin login, the seed logs and the database.
    let notes = text(&tree, "files/NOTES.txt");
    for needle in [
        "http://192.0.2.10:30080",
        "Sign in as admin@nap.local",
        "kubectl -n nap logs job/nap-seed-admin ",
        "kubectl -n nap get cluster nap-postgres",
        "kubectl -n nap create secret generic nap-secrets",
    ] {
        assert!(notes.contains(needle), "NOTES lacks {needle:?}:\n{notes}");
    }
    // The multi-node profile holds its secrets, so NOTES does not ask for the Secret.
    let multi = chart_tree(&["-f", &values("multi-node")]);
    assert!(!text(&multi, "files/NOTES.txt").contains("create secret"));
}

/// Checks one value against one property of the schema: type, enum, bounds, pattern, not-const.
fn check_value(key: &str, value: &Value, property: &Value) {
    let ty = property["type"].as_str().unwrap();
    let ok = match ty {
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64(),
        "string" => value.is_string(),
        _ => panic!("{key}: unexpected type {ty}"),
    };
    assert!(ok, "{key}: {value} is not {ty}");
    if let Some(options) = property["enum"].as_array() {
        assert!(options.contains(value), "{key}: {value} not in {options:?}");
    }
    if let Some(min) = property["minimum"].as_i64() {
        assert!(value.as_i64().unwrap() >= min, "{key}");
    }
    if let Some(max) = property["maximum"].as_i64() {
        assert!(value.as_i64().unwrap() <= max, "{key}");
    }
    if let Some(pattern) = property["pattern"].as_str() {
        let re = regex::Regex::new(pattern).unwrap();
        assert!(
            re.is_match(value.as_str().unwrap()),
            "{key}: {value} does not match {pattern}"
        );
    }
    if let Some(not) = property.get("not") {
        assert_ne!(&not["const"], value, "{key}");
    }
}

#[test]
fn recorded_values_satisfy_the_schema() {
    let mut cases: Vec<Vec<String>> = profiles()
        .iter()
        .map(|c| vec!["-f".to_string(), values(c)])
        .collect();
    cases.push(TEMPLATE_LIKE.iter().map(|s| s.to_string()).collect());
    // Every pattern exercised with less common, valid forms.
    let varied = [
        "PROFILE=multi-node",
        "TOS_HOST=2001:db8::10",
        "RWX_STORAGE_CLASS=nfs-csi",
        "RWO_STORAGE_CLASS=ceph-rbd",
        "REGISTRY=[2001:db8::5]:5000/nap/mirror",
        "NAP_VERSION=v1.9.0-rc.1",
        "WORKSPACE_CPU=0.5",
        "WORKSPACE_MEMORY=1.5Gi",
        "AGENT_TYPES=claude-code,codex",
        "ANTHROPIC_BASE_URL=http://10.0.0.5:8080/anthropic/v1",
        "ADMIN_EMAIL=first.last+ops@sub.example.co",
        "CLUSTER_POD_CIDRS=10.42.0.0/16,fd00:10:42::/56",
        "INGRESS_MODE=external",
        "TOS_PUBLIC_URL=https://nap.example.com",
        "BROWSER_ENABLED=true",
        "TURN_HOST=198.51.100.7",
        "TURN_NODE=worker-1",
        "BROWSER_PUBLIC_URL=https://browser.example.com",
        "LDAP_ENABLED=true",
        "LDAP_URL=ldap://[2001:db8::9]:389",
        "LDAP_BIND_DN=cn=nap",
        "LDAP_USER_BASE_DN=dc=example",
        "LDAP_CA_CERT=-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    ];
    cases.push(
        varied
            .iter()
            .flat_map(|v| ["--set".to_string(), v.to_string()])
            .collect(),
    );
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let tree = chart_tree(&args);
        let schema: Value = serde_json::from_slice(&tree["values.schema.json"]).unwrap();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(schema["additionalProperties"], false);
        assert!(
            !String::from_utf8_lossy(&tree["values.schema.json"]).contains("$ref"),
            "the schema is self-contained"
        );
        let properties = schema["properties"].as_object().unwrap();
        let expected: Vec<&str> = KEYS
            .iter()
            .filter(|k| !k.is_secret())
            .map(|k| k.name)
            .collect();
        assert_eq!(
            properties.keys().map(String::as_str).collect::<Vec<_>>(),
            expected,
            "one property per non-secret key, in registry order"
        );
        let recorded = &parse_yaml(&text(&tree, "values.yaml"))[0];
        let recorded = recorded.as_object().unwrap();
        for key in schema["required"].as_array().unwrap() {
            assert!(recorded.contains_key(key.as_str().unwrap()), "{key}");
        }
        for (key, value) in recorded {
            let property = properties
                .get(key)
                .unwrap_or_else(|| panic!("{key} is not in the schema"));
            check_value(key, value, property);
            if let Some(default) = property.get("default") {
                check_value(key, default, property);
            }
        }
    }
}

#[test]
fn archive_is_reproducible_and_matches_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let v = values("multi-node");
    let a = napgen(dir.path(), &["chart", "-f", &v, "--tgz", "a.tgz"]);
    assert!(a.status.success(), "{}", stderr(&a));
    let poisoned = napgen_env(
        dir.path(),
        &["chart", "-f", &v, "--tgz", "b.tgz"],
        &[
            ("SOURCE_DATE_EPOCH", "1"),
            ("TZ", "Asia/Tokyo"),
            ("HOME", "/x"),
        ],
    );
    assert!(poisoned.status.success());
    let bytes = fs::read(dir.path().join("a.tgz")).unwrap();
    assert_eq!(
        bytes,
        fs::read(dir.path().join("b.tgz")).unwrap(),
        "two archives differ"
    );
    // gzip header: no file name, mtime 0.
    assert_eq!(bytes[3] & 0x08, 0, "FNAME set");
    assert_eq!(&bytes[4..8], &[0, 0, 0, 0]);

    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
    let mut entries = BTreeMap::new();
    let mut order = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let h = entry.header();
        assert_eq!(h.entry_type(), tar::EntryType::Regular);
        assert_eq!(h.mode().unwrap(), 0o644);
        assert_eq!(h.mtime().unwrap(), 0);
        assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
        assert_eq!(h.username().unwrap(), Some(""));
        assert_eq!(h.groupname().unwrap(), Some(""));
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let rel = path
            .strip_prefix("nap/")
            .unwrap_or_else(|| panic!("{path} is not under nap/"))
            .to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        order.push(path);
        entries.insert(rel, content);
    }
    let mut sorted_order = order.clone();
    sorted_order.sort();
    assert_eq!(order, sorted_order, "entries are sorted");

    // The archive holds what `helm package` would take from the folder: all but the marker.
    let out = napgen(dir.path(), &["chart", "-f", &v, "-o", "nap"]);
    assert!(out.status.success());
    let mut folder = read_tree(&dir.path().join("nap"));
    folder.remove(".napgen");
    assert_eq!(entries, folder);
}

#[test]
fn archive_into_a_folder_takes_helms_file_name() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("dist")).unwrap();
    let out = napgen(dir.path(), &["chart", "--tgz", "dist"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let names: Vec<String> = fs::read_dir(dir.path().join("dist"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1);
    let name = &names[0];
    assert!(
        name.starts_with("nap-1.8.0+") && name.ends_with(".tgz"),
        "{name}"
    );
    assert!(stderr(&out).contains(&format!("wrote chart nap {}", &name[4..name.len() - 4])));
}

#[test]
fn foreign_folders_are_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    assert!(napgen(dir.path(), &["chart", "-o", "nap"]).status.success());
    // napgen's own folder is replaced.
    let again = napgen(
        dir.path(),
        &["chart", "-o", "nap", "--set", "TOS_NODE_PORT=30099"],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(fs::read_to_string(dir.path().join("nap/values.yaml"))
        .unwrap()
        .contains("TOS_NODE_PORT: 30099"));
    // A folder napgen did not write is left alone.
    fs::create_dir(dir.path().join("mine")).unwrap();
    fs::write(dir.path().join("mine/Chart.yaml"), "name: mine\n").unwrap();
    let out = napgen(dir.path(), &["chart", "-o", "mine"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("not written by napgen"));
    assert_eq!(
        fs::read_to_string(dir.path().join("mine/Chart.yaml")).unwrap(),
        "name: mine\n"
    );
    assert_eq!(fs::read_dir(dir.path().join("mine")).unwrap().count(), 1);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        2,
        "nothing left beside"
    );
}

#[test]
fn invalid_values_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for target in [
        &["-o", "nap"][..],
        &["--tgz", "nap.tgz"],
        &["--tgz", "dist/"],
        &[],
    ] {
        let mut args = vec!["chart", "--set", "TOS_NODE_PORT=80"];
        args.extend_from_slice(target);
        let out = napgen(dir.path(), &args);
        assert_eq!(out.status.code(), Some(3));
        assert!(out.stdout.is_empty());
        assert!(stderr(&out).contains("TOS_NODE_PORT: 80 is outside 30000-32767"));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

#[test]
fn at_most_one_target() {
    let dir = tempfile::tempdir().unwrap();
    let both = napgen(dir.path(), &["chart", "-o", "nap", "--tgz", "nap.tgz"]);
    assert_eq!(both.status.code(), Some(2));
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// `helm upgrade --install nap "$(napgen chart)"`: with no target the archive goes into the
/// current folder under the name `helm package` gives it, and stdout holds its path and nothing
/// else.
#[test]
fn without_a_target_the_archive_goes_here_and_stdout_is_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let v = values("multi-node");
    let out = napgen(dir.path(), &["chart", "-f", &v]);
    assert!(out.status.success(), "{}", stderr(&out));
    let names = names_in(dir.path());
    assert_eq!(names.len(), 1, "{names:?}");
    let name = &names[0];
    assert!(
        name.starts_with("nap-1.8.0+") && name.ends_with(".tgz"),
        "{name}"
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("./{name}\n")
    );
    // The same archive --tgz writes.
    assert!(napgen(dir.path(), &["chart", "-f", &v, "--tgz", "x.tgz"])
        .status
        .success());
    assert_eq!(
        fs::read(dir.path().join(name)).unwrap(),
        fs::read(dir.path().join("x.tgz")).unwrap()
    );
}

#[test]
fn every_target_prints_the_path_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    for (args, printed) in [
        (&["-o", "nap"][..], "nap"),
        (&["--tgz", "nap.tgz"][..], "nap.tgz"),
    ] {
        let mut all = vec!["chart"];
        all.extend_from_slice(args);
        let out = napgen(dir.path(), &all);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("{printed}\n")
        );
        assert!(dir.path().join(printed).exists());
    }
}

/// `--tgz DIR/` names a folder even when it does not exist yet: napgen creates it (and its
/// parents) rather than failing with "Not a directory".
#[test]
fn archive_into_a_missing_folder_with_a_slash_creates_it() {
    let dir = tempfile::tempdir().unwrap();
    for target in ["dist/", "out/charts/"] {
        let out = napgen(dir.path(), &["chart", "--tgz", target]);
        assert!(out.status.success(), "{target}: {}", stderr(&out));
        let folder = dir.path().join(target);
        let names = names_in(&folder);
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].starts_with("nap-1.8.0+") && names[0].ends_with(".tgz"));
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("{target}{}\n", names[0])
        );
    }
}

/// Without the slash a missing path is the archive's file name, as documented.
#[test]
fn archive_to_a_missing_path_without_a_slash_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(dir.path(), &["chart", "--tgz", "dist"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let path = dir.path().join("dist");
    assert!(path.is_file());
    assert_eq!(&fs::read(&path).unwrap()[..2], &[0x1f, 0x8b], "a gzip file");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "dist\n");
}

#[test]
fn archive_folder_blocked_by_a_file_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("dist"), "mine").unwrap();
    for target in ["dist/", "dist/sub/"] {
        let out = napgen(dir.path(), &["chart", "--tgz", target]);
        assert_eq!(out.status.code(), Some(4), "{target}");
        assert!(out.stdout.is_empty());
        let err = stderr(&out);
        assert!(
            err.contains("cannot create the folder") && err.contains("help:"),
            "{err}"
        );
        assert_eq!(fs::read_to_string(dir.path().join("dist")).unwrap(), "mine");
        assert_eq!(names_in(dir.path()), vec!["dist"]);
    }
}

#[test]
fn only_namespace_prints_the_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let out = napgen(
        dir.path(),
        &["render", "--only", "namespace", "--set", "NAMESPACE=team-a"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = parse_yaml(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["kind"], "Namespace");
    assert_eq!(docs[0]["metadata"]["name"], "team-a");
    assert_eq!(
        docs[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
}

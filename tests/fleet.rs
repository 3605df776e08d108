//! `napgen render --each ... --out-dir DIR`: many environments in one run, each bundle
//! byte-identical to rendering that environment alone, all or nothing.

mod common;

use common::{names_in, napgen, stderr};

use std::fs;
use std::path::PathBuf;

/// A folder `envs/` holding a copy of every profile in values/.
fn profiles_folder() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("envs")).unwrap();
    let mut names = Vec::new();
    let values = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("values");
    for entry in fs::read_dir(values).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "env") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            fs::copy(&path, dir.path().join("envs").join(format!("{name}.env"))).unwrap();
            names.push(name);
        }
    }
    names.sort();
    assert!(names.len() >= 4, "values/ must hold the profiles");
    (dir, names)
}

#[test]
fn each_bundle_equals_rendering_it_alone() {
    let (dir, names) = profiles_folder();
    let d = dir.path();
    fs::write(d.join("shared.env"), "IMAGE_PULL_POLICY=Always\n").unwrap();
    let shared = ["-f", "shared.env", "--set", "NAP_VERSION=1.9.0"];
    for (only, jobs) in [(None, "3"), (Some("core"), "1")] {
        let mut args = vec!["render"];
        args.extend(shared);
        args.extend(["--each", "envs", "--out-dir", "out", "-j", jobs]);
        if let Some(part) = only {
            args.extend(["--only", part]);
        }
        let out = napgen(d, &args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains(&format!("rendered {} environment(s)", names.len())));
        let mut expected: Vec<String> = names.iter().map(|n| format!("{n}.yaml")).collect();
        expected.push(".napgen".into());
        expected.sort();
        assert_eq!(names_in(&d.join("out")), expected);
        for name in &names {
            let file = format!("envs/{name}.env");
            let mut alone = vec!["render"];
            alone.extend(shared);
            alone.extend(["-f", &file]);
            if let Some(part) = only {
                alone.extend(["--only", part]);
            }
            let single = napgen(d, &alone);
            assert!(single.status.success(), "{name}: {}", stderr(&single));
            let bundle = fs::read(d.join("out").join(format!("{name}.yaml"))).unwrap();
            assert!(
                single.stdout == bundle,
                "{name}: differs from rendering it alone"
            );
        }
    }
}

#[test]
fn files_and_folders_mix_and_warnings_name_their_environment() {
    let (dir, names) = profiles_folder();
    let d = dir.path();
    fs::create_dir(d.join("more")).unwrap();
    fs::write(d.join("more/extra.env"), "NAMESPACE=extra\n").unwrap();
    let out = napgen(
        d,
        &[
            "render",
            "--each",
            "envs/",
            "--each",
            "more/extra.env",
            "--out-dir",
            "out",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(d.join("out/extra.yaml").is_file());
    assert_eq!(names_in(&d.join("out")).len(), names.len() + 2);
    // The embedded-defaults profile has no secrets: the warning names the file it is about.
    assert!(
        stderr(&out).contains("warning: more/extra.env: no secrets are set"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn one_bad_environment_fails_the_run_and_writes_nothing() {
    let (dir, _) = profiles_folder();
    let d = dir.path();
    fs::write(
        d.join("envs/broken.env"),
        "NAMESPACE=ok\nTOS_NODE_PORT=99\n",
    )
    .unwrap();
    // An earlier run's folder stays as it was.
    fs::create_dir(d.join("out")).unwrap();
    fs::write(
        d.join("out/.napgen"),
        format!("{}old.yaml\n", napgen::emit::MARKER_HEADER),
    )
    .unwrap();
    fs::write(d.join("out/old.yaml"), "old").unwrap();
    let before = names_in(d);
    let out = napgen(d, &["render", "--each", "envs", "--out-dir", "out"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("envs/broken.env:2: TOS_NODE_PORT"), "{err}");
    assert!(err.contains("1 of "), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(names_in(d), before, "temporary folders were left behind");
    assert_eq!(names_in(&d.join("out")), vec![".napgen", "old.yaml"]);
}

#[test]
fn unreadable_file_same_names_and_foreign_folders_are_refused() {
    let (dir, _) = profiles_folder();
    let d = dir.path();
    let run = |args: &[&str]| napgen(d, args);

    let out = run(&["render", "--each", "missing.env", "--out-dir", "out"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("missing.env"));

    fs::create_dir(d.join("other")).unwrap();
    fs::copy(
        d.join("envs/single-node.env"),
        d.join("other/single-node.env"),
    )
    .unwrap();
    let out = run(&[
        "render",
        "--each",
        "envs",
        "--each",
        "other",
        "--out-dir",
        "out",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("would both write single-node.yaml"));

    fs::create_dir(d.join("mine")).unwrap();
    fs::write(d.join("mine/notes.txt"), "keep").unwrap();
    let out = run(&["render", "--each", "envs", "--out-dir", "mine"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("not written by napgen"));
    assert_eq!(
        fs::read_to_string(d.join("mine/notes.txt")).unwrap(),
        "keep"
    );

    let out = run(&["render", "-f", "-", "--each", "envs", "--out-dir", "out"]);
    assert_eq!(out.status.code(), Some(3));
    // --each and --out-dir go together, and not with -o or --split.
    for args in [
        &["render", "--each", "envs"][..],
        &["render", "--out-dir", "out"],
        &[
            "render",
            "--each",
            "envs",
            "--out-dir",
            "out",
            "-o",
            "x.yaml",
        ],
    ] {
        assert_eq!(run(args).status.code(), Some(2), "{args:?}");
    }
    assert!(!d.join("out").exists());
}

//! What the integration tests share: the profiles in values/ and running the binary.
// Each test file uses only some of these.
#![allow(dead_code)]

pub mod secret_refs;

use napgen::{app, input::Inputs};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `values/*.env`, sorted.
pub fn profiles() -> Vec<PathBuf> {
    let mut cases: Vec<_> = std::fs::read_dir(repo().join("values"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "env"))
        .collect();
    cases.sort();
    cases
}

/// The profile's name: its file name without `.env`.
pub fn name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// A values file loaded, validated and planned; a profile that does not validate fails the test.
pub fn configure(path: &Path) -> app::Configured {
    let inputs = Inputs {
        files: vec![path.to_string_lossy().into_owned()],
        sets: vec![],
    };
    app::configure(&inputs, Path::new("."), &mut std::io::empty())
        .unwrap_or_else(|f| panic!("{} is invalid: {f:?}", path.display()))
}

pub fn napgen(dir: &Path, args: &[&str]) -> Output {
    napgen_env(dir, args, &[])
}

pub fn napgen_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_napgen"));
    cmd.args(args).current_dir(dir).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The names in a folder, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

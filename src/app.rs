//! The commands' file side: values read from files and standard input, archives written to
//! disk. Everything else is the core library's [`napgen_core::pipeline`].

use crate::emit;
use crate::input::{self, Inputs};
use napgen_core::diagnostic::Diagnostic;
use napgen_core::error::Error;
use napgen_core::ops::prereqs;
use napgen_core::output::bundle;
use napgen_core::output::chart::Chart;
pub use napgen_core::pipeline::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Load and validate. Syntax and validation problems are reported together.
pub fn configure(inputs: &Inputs, cwd: &Path, stdin: &mut dyn Read) -> Result<Configured, Error> {
    let loaded = input::read(inputs, cwd, stdin)?;
    napgen_core::pipeline::configure(loaded)
}

/// Load and validate for `napgen check`: the findings `render` reports too. Reminders nothing in
/// values.env can act on (a storage class is fixed at the first install) are `napgen prereqs`'s.
pub fn check(inputs: &Inputs, cwd: &Path, stdin: &mut dyn Read) -> Result<Configured, Error> {
    configure(inputs, cwd, stdin)
}

/// Write the chart's archive and return its path. `target` is `--tgz`: none means
/// `./nap-<version>.tgz`, as `helm package` writes it into the current folder; an existing folder
/// or a path ending in `/` means `<target>/nap-<version>.tgz` (the folder is created when it is
/// missing, and removed again if the write fails); anything else is the file itself.
pub fn write_archive(chart: &Chart, target: Option<&Path>) -> Result<PathBuf, Error> {
    let bytes = bundle::tar_gz(chart.name, &chart.files)
        .map_err(|e| Error::internal(format!("packing the chart: {e}")))?;
    let target = target.unwrap_or(Path::new("./"));
    if !(target.is_dir() || ends_with_separator(target)) {
        emit::write_file_atomic(target, &bytes)?;
        return Ok(target.to_path_buf());
    }
    let created = create_missing_dirs(target).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::AlreadyExists => "a file of that name is in the way".to_string(),
            _ => e.to_string(),
        };
        Error::io_at(
            target.display().to_string(),
            format!("cannot create the folder: {reason}"),
            "give --tgz a folder that can be created, or a file name",
        )
    })?;
    let path = target.join(chart.archive_name());
    emit::write_file_atomic(&path, &bytes).inspect_err(|_| {
        // Nothing half-written: the folders made for this archive go with it.
        for dir in created.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    })?;
    Ok(path)
}

/// `dist/` names a folder even before it exists (`dist` alone names a file).
fn ends_with_separator(path: &Path) -> bool {
    path.as_os_str()
        .as_encoded_bytes()
        .last()
        .is_some_and(|&b| std::path::is_separator(char::from(b)))
}

/// `mkdir -p dir`, returning the folders it created, outermost first.
fn create_missing_dirs(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(dir)?;
    Ok(missing.into_iter().rev().collect())
}

/// Read one side of `napgen diff`: a values file is rendered, anything else is read as YAML
/// documents.
pub fn diff_side(
    path: &str,
    cwd: &Path,
    stdin: &mut dyn Read,
) -> Result<Vec<serde_json::Value>, Error> {
    use napgen_core::ops::diff;
    if diff::is_values_file(path) {
        let inputs = Inputs {
            files: vec![path.to_string()],
            sets: vec![],
        };
        let configured = configure(&inputs, cwd, stdin)?;
        let objects = configured.render()?;
        return Ok(objects.into_iter().map(|o| o.value).collect());
    }
    let text = input::read_bundle(path, cwd, stdin)?;
    diff::bundle_objects(path, &text)
}

/// `--write-values DIR`: OpenSandbox's values file, and with `with_secret` the Secret holding its
/// API key (mode 0600). Returns what was done, one line each.
pub fn write_prereq_files(
    ctx: &prereqs::Context,
    dir: &Path,
    with_secret: bool,
) -> Result<Vec<String>, Error> {
    let Some(values) = prereqs::sandbox_values(ctx) else {
        return Ok(vec![
            "the sandbox is off (SANDBOX_ENABLED), so there is no opensandbox-values.yaml to write"
                .into(),
        ]);
    };
    let secret = match (with_secret, prereqs::sandbox_secret(ctx)) {
        (false, _) => None,
        (true, Some(s)) => Some(s),
        (true, None) => {
            return Err(Error::invalid(Diagnostic::error(
                Some("OPENSANDBOX_API_KEY"),
                None,
                "--with-secret: values.env does not hold the key, so OpenSandbox runs without one and there is no Secret to write",
                "drop --with-secret, or set OPENSANDBOX_API_KEY in values.env (openssl rand -hex 32) to give OpenSandbox a key",
            )))
        }
    };
    emit::create_private_dir_all(dir).map_err(|e| {
        Error::io_at(
            dir.display().to_string(),
            format!("cannot create the folder: {e}"),
            "choose a writable folder for --write-values",
        )
    })?;
    let values_path = dir.join(prereqs::SANDBOX_VALUES_FILE);
    emit::write_file_atomic(&values_path, values.as_bytes())?;
    let mut done = vec![format!("wrote {}", values_path.display())];
    if let Some(secret) = secret {
        let path = dir.join(prereqs::SANDBOX_SECRET_FILE);
        emit::write_private_file(&path, secret.as_bytes(), true)?;
        done.push(format!(
            "wrote {} (mode 0600; it holds the API key)",
            path.display()
        ));
    }
    Ok(done)
}

/// The operating system's secure random source.
pub fn os_random(buf: &mut [u8]) -> Result<(), String> {
    getrandom::fill(buf).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use napgen_core::ops::init::{generate, Request};

    #[test]
    fn os_random_gives_distinct_secrets() {
        let request = Request {
            profile: "single-node".into(),
            with: vec![],
            without: vec![],
            sets: vec![],
        };
        let a = generate(&request, &mut os_random).unwrap();
        let b = generate(&request, &mut os_random).unwrap();
        assert_ne!(a.text, b.text);
    }
}

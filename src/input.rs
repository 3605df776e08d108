//! Where values come from: `-f` files (later ones win), `-` for stdin, `./values.env` when no
//! file is named, else the embedded defaults; then `--set KEY=VALUE` flags, which win over files.
//! Values are read into a list of entries and never into the process environment.

pub use napgen_core::config::sources::{Loaded, EMBEDDED};
use napgen_core::error::Error;
use std::io::Read;
use std::path::Path;

/// The values files and `--set` flags a command was given.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub files: Vec<String>,
    pub sets: Vec<String>,
}

/// The most napgen reads from one values file or from standard input: 4 MiB. A values file is a
/// few kilobytes; the limit stops a wrong `-f` (a log, a disk image, a never-ending stream) from
/// filling memory.
pub const MAX_VALUES_BYTES: u64 = 4 << 20;

/// The most `napgen diff` reads from one YAML bundle: 64 MiB, far more than an install's bundle
/// (a few hundred kilobytes).
pub const MAX_BUNDLE_BYTES: u64 = 64 << 20;

/// One kind of input: how much of it napgen reads, and what a message calls it.
struct InputKind {
    max_bytes: u64,
    /// `a values file`, `a YAML bundle`.
    what: &'static str,
    /// How a message about it starts: `cannot read values file`.
    cannot_read: &'static str,
    /// What to do when it is too large.
    too_large_help: &'static str,
    /// What to do when it is a folder or a device.
    wrong_type_help: &'static str,
    /// What to do when it cannot be read at all.
    unreadable_help: &'static str,
}

const VALUES_FILE: InputKind = InputKind {
    max_bytes: MAX_VALUES_BYTES,
    what: "a values file",
    cannot_read: "cannot read values file",
    too_large_help: "check that -f names your values file (KEY=VALUE lines, a few kilobytes)",
    wrong_type_help: "give -f a values file, or - to read standard input",
    unreadable_help: "check the path given to -f",
};

const BUNDLE_FILE: InputKind = InputKind {
    max_bytes: MAX_BUNDLE_BYTES,
    what: "a YAML bundle",
    cannot_read: "cannot read it",
    too_large_help: "give napgen diff a values file (*.env) or a rendered bundle",
    wrong_type_help: "give napgen diff a values file (*.env) or a YAML bundle, or - for stdin",
    unreadable_help: "give napgen diff a values file (*.env) or a YAML bundle, or - for stdin",
};

/// An input of `kind`, shown as `shown`, that could not be read.
fn read_error(shown: &str, kind: &InputKind, message: &str, help: &str) -> Error {
    Error::io_at(shown, format!("{}: {message}", kind.cannot_read), help)
}

/// An input that could not be read at all, with the help its kind gives.
fn unreadable(shown: &str, kind: &InputKind, message: impl AsRef<str>) -> Error {
    read_error(shown, kind, message.as_ref(), kind.unreadable_help)
}

/// Read a values source to its end, refusing one larger than [`MAX_VALUES_BYTES`].
fn read_limited(source: impl Read, shown: &str) -> Result<String, Error> {
    read_limited_as(source, shown, &VALUES_FILE)
}

/// Read a source of `kind` to its end, refusing one larger than its limit.
fn read_limited_as(source: impl Read, shown: &str, kind: &InputKind) -> Result<String, Error> {
    let mut bytes = Vec::new();
    source
        .take(kind.max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(shown, kind, e.to_string()))?;
    if bytes.len() as u64 > kind.max_bytes {
        let message = format!(
            "larger than {} MiB, far more than {} holds",
            kind.max_bytes >> 20,
            kind.what
        );
        return Err(read_error(shown, kind, &message, kind.too_large_help));
    }
    String::from_utf8(bytes)
        .map_err(|_| unreadable(shown, kind, "stream did not contain valid UTF-8"))
}

/// Read a values file: a regular file or a FIFO (`-f <(...)`), never a device or a folder.
fn read_file(path: &Path, shown: &str) -> Result<String, Error> {
    read_file_as(path, shown, &VALUES_FILE)
}

/// Read one side of `napgen diff` that is not a values file: a YAML bundle from a regular file,
/// a FIFO or standard input (`-`), with its own size limit.
pub fn read_bundle(path: &str, cwd: &Path, stdin: &mut dyn Read) -> Result<String, Error> {
    if path == "-" {
        read_limited_as(stdin, "-", &BUNDLE_FILE)
    } else {
        read_file_as(&cwd.join(path), path, &BUNDLE_FILE)
    }
}

fn read_file_as(path: &Path, shown: &str, kind: &InputKind) -> Result<String, Error> {
    let refuse = |meta: &std::fs::Metadata| {
        let file_type = meta.file_type();
        #[cfg(unix)]
        let fifo = std::os::unix::fs::FileTypeExt::is_fifo(&file_type);
        #[cfg(not(unix))]
        let fifo = false;
        if file_type.is_file() || fifo {
            return None;
        }
        let what = if file_type.is_dir() {
            "a folder"
        } else {
            "a device or socket"
        };
        let message = format!("is {what}, not {}", kind.what);
        Some(read_error(shown, kind, &message, kind.wrong_type_help))
    };
    // Looked at before opening: opening a device can block or act on it.
    let meta = std::fs::metadata(path).map_err(|e| unreadable(shown, kind, e.to_string()))?;
    if let Some(e) = refuse(&meta) {
        return Err(e);
    }
    let file = std::fs::File::open(path).map_err(|e| unreadable(shown, kind, e.to_string()))?;
    let meta = file
        .metadata()
        .map_err(|e| unreadable(shown, kind, e.to_string()))?;
    if let Some(e) = refuse(&meta) {
        return Err(e);
    }
    read_limited_as(file, shown, kind)
}

/// Read every source in precedence order. `cwd` is where `./values.env` is looked for.
pub fn read(inputs: &Inputs, cwd: &Path, stdin: &mut dyn Read) -> Result<Loaded, Error> {
    let mut loaded = Loaded::default();
    if inputs.files.is_empty() {
        let default = cwd.join("values.env");
        if default.is_file() {
            let text = read_file(&default, "values.env")?;
            loaded.add_text(&text, "values.env");
        } else {
            loaded.sources.push(EMBEDDED.into());
        }
    }
    let mut stdin_used = false;
    for file in &inputs.files {
        let text = if file == "-" {
            if stdin_used {
                return Err(unreadable(
                    "-",
                    &VALUES_FILE,
                    "standard input can be read only once",
                ));
            }
            stdin_used = true;
            read_limited(&mut *stdin, "-")?
        } else {
            read_file(&cwd.join(file), file)?
        };
        loaded.add_text(&text, file);
    }
    for set in &inputs.sets {
        loaded.add_set(set);
    }
    Ok(loaded)
}

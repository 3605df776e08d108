//! Where values come from: `-f` files (later ones win), `-` for stdin, `./values.env` when no
//! file is named, else the embedded defaults; then `--set KEY=VALUE` flags, which win over files.
//! Values are read into a list of entries and never into the process environment.

use crate::diagnostic::Diagnostic;
use crate::load::{self, Entry};
use std::io::Read;
use std::path::Path;

/// The values files and `--set` flags a command was given.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub files: Vec<String>,
    pub sets: Vec<String>,
}

/// Entries in precedence order (later wins) and the syntax problems found reading them.
#[derive(Debug, Default)]
pub struct Loaded {
    pub entries: Vec<Entry>,
    pub diagnostics: Vec<Diagnostic>,
    /// What was read, for messages: file names, `-`, or `<embedded defaults>`.
    pub sources: Vec<String>,
}

/// A values file that could not be read.
#[derive(Debug)]
pub struct ReadError {
    pub path: String,
    pub message: String,
    pub help: String,
}

impl ReadError {
    fn new(path: &str, message: impl Into<String>) -> Self {
        ReadError {
            path: path.into(),
            message: message.into(),
            help: "check the path given to -f".into(),
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "error: {}: cannot read values file: {}\n  help: {}",
            self.path, self.message, self.help
        )
    }
}

/// The most napgen reads from one values file or from standard input: 4 MiB. A values file is a
/// few kilobytes; the limit stops a wrong `-f` (a log, a disk image, a never-ending stream) from
/// filling memory.
pub const MAX_VALUES_BYTES: u64 = 4 << 20;

/// Read a values source to its end, refusing one larger than [`MAX_VALUES_BYTES`].
fn read_limited(source: impl Read, shown: &str) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    source
        .take(MAX_VALUES_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::new(shown, e.to_string()))?;
    if bytes.len() as u64 > MAX_VALUES_BYTES {
        return Err(ReadError {
            path: shown.into(),
            message: format!(
                "larger than {} MiB, far more than a values file holds",
                MAX_VALUES_BYTES >> 20
            ),
            help: "check that -f names your values file (KEY=VALUE lines, a few kilobytes)".into(),
        });
    }
    String::from_utf8(bytes)
        .map_err(|_| ReadError::new(shown, "stream did not contain valid UTF-8"))
}

/// Read a values file: a regular file or a FIFO (`-f <(...)`), never a device or a folder.
fn read_file(path: &Path, shown: &str) -> Result<String, ReadError> {
    let refuse = |meta: &std::fs::Metadata| {
        let kind = meta.file_type();
        #[cfg(unix)]
        let fifo = std::os::unix::fs::FileTypeExt::is_fifo(&kind);
        #[cfg(not(unix))]
        let fifo = false;
        if kind.is_file() || fifo {
            return None;
        }
        let what = if kind.is_dir() {
            "a folder"
        } else {
            "a device or socket"
        };
        Some(ReadError {
            path: shown.into(),
            message: format!("is {what}, not a values file"),
            help: "give -f a values file, or - to read standard input".into(),
        })
    };
    // Looked at before opening: opening a device can block or act on it.
    let meta = std::fs::metadata(path).map_err(|e| ReadError::new(shown, e.to_string()))?;
    if let Some(e) = refuse(&meta) {
        return Err(e);
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::new(shown, e.to_string()))?;
    let meta = file
        .metadata()
        .map_err(|e| ReadError::new(shown, e.to_string()))?;
    if let Some(e) = refuse(&meta) {
        return Err(e);
    }
    read_limited(file, shown)
}

/// The name used when no values file exists: the registry's defaults apply.
pub const EMBEDDED: &str = "<embedded defaults>";

/// Read every source in precedence order. `cwd` is where `./values.env` is looked for.
pub fn read(inputs: &Inputs, cwd: &Path, stdin: &mut dyn Read) -> Result<Loaded, ReadError> {
    let mut loaded = Loaded::default();
    let add = |text: &str, source: &str, loaded: &mut Loaded| {
        let (entries, diagnostics) = load::parse_dotenv(text, source);
        // The first file's entries are taken over rather than copied.
        if loaded.entries.is_empty() {
            loaded.entries = entries;
        } else {
            loaded.entries.extend(entries);
        }
        loaded.diagnostics.extend(diagnostics);
        loaded.sources.push(source.to_string());
    };
    if inputs.files.is_empty() {
        let default = cwd.join("values.env");
        if default.is_file() {
            let text = read_file(&default, "values.env")?;
            add(&text, "values.env", &mut loaded);
        } else {
            loaded.sources.push(EMBEDDED.into());
        }
    }
    let mut stdin_used = false;
    for file in &inputs.files {
        let text = if file == "-" {
            if stdin_used {
                return Err(ReadError::new("-", "standard input can be read only once"));
            }
            stdin_used = true;
            read_limited(&mut *stdin, "-")?
        } else {
            read_file(&cwd.join(file), file)?
        };
        add(&text, file, &mut loaded);
    }
    for set in &inputs.sets {
        match load::parse_set_flag(set) {
            Ok(entry) => loaded.entries.push(entry),
            Err(d) => loaded.diagnostics.push(d),
        }
    }
    Ok(loaded)
}

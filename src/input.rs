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
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "error: {}: cannot read values file: {}\n  help: check the path given to -f",
            self.path, self.message
        )
    }
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
            let text = std::fs::read_to_string(&default).map_err(|e| ReadError {
                path: "values.env".into(),
                message: e.to_string(),
            })?;
            add(&text, "values.env", &mut loaded);
        } else {
            loaded.sources.push(EMBEDDED.into());
        }
    }
    let mut stdin_used = false;
    for file in &inputs.files {
        let text = if file == "-" {
            if stdin_used {
                return Err(ReadError {
                    path: "-".into(),
                    message: "standard input can be read only once".into(),
                });
            }
            stdin_used = true;
            let mut text = String::new();
            stdin.read_to_string(&mut text).map_err(|e| ReadError {
                path: "-".into(),
                message: e.to_string(),
            })?;
            text
        } else {
            std::fs::read_to_string(cwd.join(file)).map_err(|e| ReadError {
                path: file.clone(),
                message: e.to_string(),
            })?
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

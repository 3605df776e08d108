//! Values sources read into one list of entries: files in precedence order (later wins), then
//! `--set KEY=VALUE` flags. Reading files is the caller's job; this only parses their text.

use crate::config::dotenv::{self, Entry};
use crate::diagnostic::Diagnostic;

/// The name used when no values file exists: the registry's defaults apply.
pub const EMBEDDED: &str = "<embedded defaults>";

/// Entries in precedence order (later wins) and the syntax problems found reading them.
#[derive(Debug, Default)]
pub struct Loaded {
    pub entries: Vec<Entry>,
    pub diagnostics: Vec<Diagnostic>,
    /// What was read, for messages: file names, `-`, or `<embedded defaults>`.
    pub sources: Vec<String>,
}

impl Loaded {
    /// The values text of one source, named `source` in messages.
    pub fn add_text(&mut self, text: &str, source: &str) {
        let (entries, diagnostics) = dotenv::parse_dotenv(text, source);
        // The first file's entries are taken over rather than copied.
        if self.entries.is_empty() {
            self.entries = entries;
        } else {
            self.entries.extend(entries);
        }
        self.diagnostics.extend(diagnostics);
        self.sources.push(source.to_string());
    }

    /// One `--set KEY=VALUE` flag: it wins over every file.
    pub fn add_set(&mut self, flag: &str) {
        match dotenv::parse_set_flag(flag) {
            Ok(entry) => self.entries.push(entry),
            Err(d) => self.diagnostics.push(d),
        }
    }
}

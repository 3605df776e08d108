//! Findings about the inputs: where they come from and how they print.

use serde::Serialize;
use std::fmt;

/// Where a value came from: a file and line, a `--set` flag, or the embedded defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// A file path as the user gave it, `--set`, or `<embedded defaults>`.
    pub source: String,
    /// 1-based line number in `source`, where there is one.
    pub line: Option<usize>,
}

impl Origin {
    pub fn file(source: impl Into<String>, line: usize) -> Self {
        Origin {
            source: source.into(),
            line: Some(line),
        }
    }
    pub fn set_flag() -> Self {
        Origin {
            source: "--set".into(),
            line: None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.source, line),
            None => f.write_str(&self.source),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding. `message` and `help` never contain a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The values.env key the finding is about, if any.
    pub key: Option<String>,
    pub origin: Option<Origin>,
    /// What is wrong (the rule broken).
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl Diagnostic {
    pub fn error(
        key: Option<&str>,
        origin: Option<Origin>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            key: key.map(str::to_owned),
            origin,
            message: message.into(),
            help: help.into(),
        }
    }
    pub fn warning(
        key: Option<&str>,
        origin: Option<Origin>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(key, origin, message, help)
        }
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl Diagnostic {
    /// The finding as printed, with the `error:`/`warning:`/`help:` labels in colour when `color`
    /// is set (see [`use_color`]).
    pub fn render(&self, color: bool) -> String {
        let (label, style) = match self.severity {
            Severity::Error => ("error", ERROR_STYLE),
            Severity::Warning => ("warning", WARNING_STYLE),
        };
        let mut out = paint(color, style, label);
        out.push_str(": ");
        if let Some(origin) = &self.origin {
            out.push_str(&format!("{origin}: "));
        }
        if let Some(key) = &self.key {
            out.push_str(&format!("{key}: "));
        }
        out.push_str(&self.message);
        if !self.help.is_empty() {
            out.push_str(&format!(
                "\n  {}: {}",
                paint(color, HELP_STYLE, "help"),
                self.help
            ));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    /// `error: values.env:12: TOS_NODE_PORT: must be in 30000-32767` then a `help:` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// ANSI styles of the labels: bold red, bold yellow, bold cyan.
const ERROR_STYLE: &str = "\x1b[1;31m";
const WARNING_STYLE: &str = "\x1b[1;33m";
const HELP_STYLE: &str = "\x1b[1;36m";

/// `text` in `style` when `color` is set.
pub fn paint(color: bool, style: &str, text: &str) -> String {
    if color {
        format!("{style}{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Whether to colour messages: only on a terminal, and never when `NO_COLOR` is set to anything
/// non-empty (https://no-color.org).
pub fn use_color(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_when_asked() {
        let d = Diagnostic::error(Some("K"), None, "is wrong", "fix it");
        assert_eq!(d.render(false), "error: K: is wrong\n  help: fix it");
        assert_eq!(d.to_string(), d.render(false));
        let coloured = d.render(true);
        assert!(coloured.starts_with("\x1b[1;31merror\x1b[0m: K: is wrong"));
        assert!(coloured.contains("\x1b[1;36mhelp\x1b[0m: fix it"));
    }

    #[test]
    fn no_color_and_terminals() {
        use std::ffi::OsStr;
        assert!(use_color(true, None));
        assert!(use_color(true, Some(OsStr::new(""))));
        assert!(!use_color(true, Some(OsStr::new("1"))));
        assert!(!use_color(false, None));
    }
}

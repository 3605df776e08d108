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

impl fmt::Display for Diagnostic {
    /// `error: values.env:12: TOS_NODE_PORT: must be in 30000-32767` then a `help:` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: ")?;
        if let Some(origin) = &self.origin {
            write!(f, "{origin}: ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        write!(f, "{}", self.message)?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

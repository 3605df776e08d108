//! Why a command failed: one type for every failure, kept as what went wrong, where and what to
//! do until it is printed, and mapped to the exit codes the README documents.
//!
//! Every message napgen prints on failure starts with `error:` and ends with a `help:` line;
//! [`Error::render`] is the one place that formats them.

use crate::diagnostic::{Diagnostic, Origin};
use std::fmt;

/// Exit codes, documented in the README.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// `diff`: the two renders differ.
    pub const DIFFERENT: i32 = 1;
    /// Bad command-line usage (unknown flag, missing argument).
    pub const USAGE: i32 = 2;
    /// The values are invalid: every problem is printed on stderr.
    pub const INVALID: i32 = 3;
    /// A file could not be read or written.
    pub const IO: i32 = 4;
    /// A bug in napgen.
    pub const INTERNAL: i32 = 5;
}

/// What an internal error tells the reader to do.
pub const INTERNAL_HELP: &str =
    "this is a bug in napgen: please report it with the command line and the values (without secrets)";

/// Why a command failed.
#[derive(Debug)]
pub enum Error {
    /// The inputs are invalid: findings with at least one error (and any warnings).
    Invalid(Vec<Diagnostic>),
    /// A file, a folder or a stream could not be read or written.
    Io {
        /// The file or folder as the user named it; none for a stream (stdout, the random
        /// source).
        path: Option<String>,
        /// What went wrong.
        message: String,
        /// What to do about it.
        help: String,
    },
    /// A bug in napgen.
    Internal {
        /// What went wrong; the help is always [`INTERNAL_HELP`].
        message: String,
    },
}

impl Error {
    /// One finding that makes the inputs invalid.
    pub fn invalid(diagnostic: Diagnostic) -> Self {
        Error::Invalid(vec![diagnostic])
    }

    /// `path` could not be read or written.
    pub fn io_at(
        path: impl Into<String>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Error::Io {
            path: Some(path.into()),
            message: message.into(),
            help: help.into(),
        }
    }

    /// A stream with no path (stdout, the random source) could not be read or written.
    pub fn io(message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Io {
            path: None,
            message: message.into(),
            help: help.into(),
        }
    }

    /// A bug in napgen.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal {
            message: message.into(),
        }
    }

    /// The process's exit code for this failure (see [`exit`]).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) => exit::INVALID,
            Error::Io { .. } => exit::IO,
            Error::Internal { .. } => exit::INTERNAL,
        }
    }

    /// The failure as printed on stderr, ending with a newline: every message starts with
    /// `error:` and ends with a `help:` line; labels are coloured when `color` is set. Invalid
    /// inputs print every finding, then how many errors there were.
    pub fn render(&self, color: bool) -> String {
        let (path, message, help) = match self {
            Error::Invalid(diagnostics) => return render_invalid(diagnostics, color),
            Error::Io {
                path,
                message,
                help,
            } => (path.as_deref(), message, help.as_str()),
            Error::Internal { message } => (None, message, INTERNAL_HELP),
        };
        // Printed as a finding about the file as a whole: `error: PATH: MESSAGE`, then the help.
        let origin = path.map(|path| Origin {
            source: path.to_string(),
            line: None,
        });
        let mut out = Diagnostic::error(None, origin, message.as_str(), help).render(color);
        out.push('\n');
        out
    }
}

/// Every finding, then the count of errors.
fn render_invalid(diagnostics: &[Diagnostic], color: bool) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&d.render(color));
        out.push('\n');
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let plural = if errors == 1 { "" } else { "s" };
    out.push_str(&format!(
        "napgen: {errors} error{plural}; nothing was written\n"
    ));
    out
}

impl fmt::Display for Error {
    /// [`Error::render`] without colour and without the final newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render(false).trim_end_matches('\n'))
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_ends_with_help() {
        let io = Error::io_at("x.env", "gone", "check the path");
        assert_eq!(
            io.render(false),
            "error: x.env: gone\n  help: check the path\n"
        );
        let stream = Error::io("cannot write to stdout: closed", "check where stdout goes");
        assert_eq!(
            stream.render(false),
            "error: cannot write to stdout: closed\n  help: check where stdout goes\n"
        );
        let internal = Error::internal("internal error while rendering: boom");
        assert_eq!(
            internal.render(false),
            format!("error: internal error while rendering: boom\n  help: {INTERNAL_HELP}\n")
        );
        let invalid = Error::Invalid(vec![
            Diagnostic::warning(None, None, "odd", "look"),
            Diagnostic::error(Some("K"), None, "bad", "fix it"),
        ]);
        assert_eq!(
            invalid.render(false),
            "warning: odd\n  help: look\nerror: K: bad\n  help: fix it\nnapgen: 1 error; nothing was written\n"
        );
        let two = Error::Invalid(vec![
            Diagnostic::error(None, None, "a", "b"),
            Diagnostic::error(None, None, "c", "d"),
        ]);
        assert!(two
            .render(false)
            .ends_with("napgen: 2 errors; nothing was written\n"));
        for e in [io, stream, internal] {
            let text = e.render(false);
            assert!(text.starts_with("error: "), "{text}");
            assert_eq!(
                text.lines().last().map(|l| l.starts_with("  help: ")),
                Some(true)
            );
            assert_eq!(e.to_string(), text.trim_end_matches('\n'));
        }
    }

    #[test]
    fn colour_only_on_the_labels() {
        let text = Error::io_at("x.env", "gone", "check the path").render(true);
        assert_eq!(
            text,
            "\x1b[1;31merror\x1b[0m: x.env: gone\n  \x1b[1;36mhelp\x1b[0m: check the path\n"
        );
    }

    #[test]
    fn each_kind_has_its_exit_code() {
        assert_eq!(Error::Invalid(vec![]).exit_code(), exit::INVALID);
        assert_eq!(Error::io("m", "h").exit_code(), exit::IO);
        assert_eq!(Error::internal("m").exit_code(), exit::INTERNAL);
    }
}

//! Findings about the inputs: where they come from and how they print.

use crate::config::registry::Key;
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

/// The longest text, in characters, a message quotes; longer text is described instead.
///
/// 64 fits every name Kubernetes allows (63) and most URLs, hosts and list items a reader would
/// recognise, while a message stays one readable line.
pub const MAX_QUOTED_CHARS: usize = 64;

/// How a message shows text from the input: a value, or a part of one (a list item, a URL's
/// host). This is the one place that decides whether input text may appear in a message.
///
/// The text is quoted only when it is on a single line, at most [`MAX_QUOTED_CHARS`] characters
/// long, and not from a secret (a key of type secret). Otherwise the message describes it: `the value (80
/// characters)`, `the value (23 characters on 2 lines)`. A part of a secret's value is as secret
/// as the value.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    text: &'a str,
    secret: bool,
    /// What the text is, when it is described: "the value", "the item", "the host".
    noun: &'static str,
    /// Whether the quoted form names it too (`the host "x"` rather than `"x"`).
    named: bool,
}

impl<'a> Shown<'a> {
    /// `text` given as the value of `key`. The registry's key types say which keys are secret
    /// (and its tests that every key named like a secret is typed as one).
    pub fn value(key: &Key, text: &'a str) -> Self {
        Shown {
            text,
            secret: key.is_secret(),
            noun: "the value",
            named: false,
        }
    }

    /// Text that is no key's value (a quantity napgen fixes itself, a test's input): shown as
    /// a non-secret value.
    pub fn literal(text: &'a str) -> Self {
        Shown {
            text,
            secret: false,
            noun: "the value",
            named: false,
        }
    }

    /// A part of this value (a list item, a URL's scheme): shown by the same rule, and secret
    /// when the value is. Quoted, it is the bare text: `"x" is not a CIDR block`.
    pub fn part(&self, text: &'a str, noun: &'static str) -> Shown<'a> {
        Shown {
            text,
            secret: self.secret,
            noun,
            named: false,
        }
    }

    /// Like [`Shown::part`], but the quoted form names the part as well: `the host "x"`.
    pub fn named_part(&self, text: &'a str, noun: &'static str) -> Shown<'a> {
        Shown {
            named: true,
            ..self.part(text, noun)
        }
    }

    /// The text itself, when the rule lets a message show it (for helps such as `e.g. 20Gi`).
    pub fn text(&self) -> Option<&'a str> {
        (!self.secret
            && !self.text.contains(is_line_break)
            && self.text.chars().count() <= MAX_QUOTED_CHARS)
            .then_some(self.text)
    }

    /// The first character that `offending` picks out, named and placed: `a tab at column 5`,
    /// `a line break at column 3`. A character that is neither white space nor a control
    /// character is quoted only when the text may be shown. Columns count characters from 1 on
    /// the line of the value where the character is; a value on several lines names the line.
    pub fn first(&self, offending: impl Fn(char) -> bool) -> Option<String> {
        let (index, c) = self.text.char_indices().find(|&(_, c)| offending(c))?;
        let before = &self.text[..index];
        // The `\n` of a `\r\n` is placed where that line break starts.
        let before = match c {
            '\n' => before.strip_suffix('\r').unwrap_or(before),
            _ => before,
        };
        let line_start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| is_line_break(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let column = before[line_start..].chars().count() + 1;
        let lines = line_count(self.text);
        let line = line_count(before);
        let name = match c {
            ' ' => "a space".to_string(),
            '\t' => "a tab".to_string(),
            '\n' => "a line break".to_string(),
            '\r' => "a carriage return".to_string(),
            c if c.is_whitespace() || c.is_control() => format!("U+{:04X}", c as u32),
            _ if self.secret => "a character".to_string(),
            c => format!("{c:?}"),
        };
        Some(if lines > 1 {
            format!("{name} at line {line}, column {column}")
        } else {
            format!("{name} at column {column}")
        })
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = self.text() {
            return if self.named {
                write!(f, "{} {text:?}", self.noun)
            } else {
                write!(f, "{text:?}")
            };
        }
        let chars = self.text.chars().count();
        let unit = if chars == 1 {
            "character"
        } else {
            "characters"
        };
        let lines = line_count(self.text);
        if lines > 1 && !self.secret {
            write!(f, "{} ({chars} {unit} on {lines} lines)", self.noun)
        } else {
            write!(f, "{} ({chars} {unit})", self.noun)
        }
    }
}

/// How many lines `text` has for a reader: one more than its line breaks, `\r\n` counting once.
fn line_count(text: &str) -> usize {
    text.chars().filter(|&c| is_line_break(c)).count() - text.matches("\r\n").count() + 1
}

/// Characters that end a line for a reader: a message showing one would break in two.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
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

    fn key(name: &str) -> &'static Key {
        crate::config::registry::key(name).expect("a registry key")
    }

    #[test]
    fn short_single_line_values_are_quoted() {
        let shown = Shown::value(key("TOS_HOST"), "nap example");
        assert_eq!(shown.to_string(), "\"nap example\"");
        assert_eq!(shown.text(), Some("nap example"));
        let bound = "x".repeat(MAX_QUOTED_CHARS);
        assert_eq!(
            Shown::value(key("TOS_HOST"), &bound).to_string(),
            format!("\"{bound}\"")
        );
        // Tabs and other controls that do not break the line are quoted escaped.
        assert_eq!(
            Shown::value(key("TOS_HOST"), "a\tb\u{1b}").to_string(),
            "\"a\\tb\\u{1b}\""
        );
    }

    #[test]
    fn long_multi_line_and_secret_values_are_described() {
        let long = "x".repeat(MAX_QUOTED_CHARS + 1);
        let shown = Shown::value(key("TOS_HOST"), &long);
        assert_eq!(shown.to_string(), "the value (65 characters)");
        assert_eq!(shown.text(), None);
        for (text, lines) in [("a\nb", 2), ("a\rb", 2), ("a\r\nb\n", 3), ("a\u{2028}b", 2)] {
            let shown = Shown::value(key("NAMESPACE"), text);
            let chars = text.chars().count();
            assert_eq!(
                shown.to_string(),
                format!("the value ({chars} characters on {lines} lines)")
            );
            assert_eq!(shown.text(), None);
        }
        let secret = Shown::value(key("ADMIN_PASSWORD"), "hunter2\nhunter2");
        assert_eq!(secret.to_string(), "the value (15 characters)");
        assert_eq!(secret.text(), None);
        assert_eq!(
            Shown::value(key("ADMIN_PASSWORD"), "x").to_string(),
            "the value (1 character)"
        );
    }

    #[test]
    fn parts_follow_the_rule_and_the_secrecy_of_their_value() {
        let url = format!("https://{}", "h".repeat(70));
        let value = Shown::value(key("TOS_PUBLIC_URL"), &url);
        let host = value.named_part(&url[8..], "the host");
        assert_eq!(host.to_string(), "the host (70 characters)");
        assert_eq!(
            value.named_part("h", "the host").to_string(),
            "the host \"h\""
        );
        assert_eq!(value.part("h", "the item").to_string(), "\"h\"");
        let secret = Shown::value(key("ADMIN_PASSWORD"), "pw,x");
        assert_eq!(
            secret.part("x", "the item").to_string(),
            "the item (1 character)"
        );
        assert_eq!(secret.part("x", "the item").text(), None);
    }

    #[test]
    fn the_first_offending_character_is_named_and_placed() {
        let shown = Shown::value(key("TOS_HOST"), "ab cd");
        assert_eq!(
            shown.first(char::is_whitespace).as_deref(),
            Some("a space at column 3")
        );
        assert_eq!(
            shown.first(|c| c == 'd').as_deref(),
            Some("'d' at column 5")
        );
        assert_eq!(shown.first(|c| c == '!'), None);
        let lines = Shown::value(key("NAMESPACE"), "ab\ncd\tx");
        assert_eq!(
            lines.first(|c| c == '\t').as_deref(),
            Some("a tab at line 2, column 3")
        );
        assert_eq!(
            lines.first(char::is_control).as_deref(),
            Some("a line break at line 1, column 3")
        );
        // Line breaks of more than one byte, and `\r\n` as one break.
        let wide = Shown::value(key("NAMESPACE"), "a\u{2028}é\r\nb\tc");
        assert_eq!(
            wide.first(|c| c == '\t').as_deref(),
            Some("a tab at line 3, column 2")
        );
        assert_eq!(
            wide.first(|c| c == '\n').as_deref(),
            Some("a line break at line 2, column 2")
        );
        // A secret's visible characters are not named.
        let secret = Shown::value(key("ADMIN_PASSWORD"), "pw\u{a0}!");
        assert_eq!(
            secret.first(|c| c == '!').as_deref(),
            Some("a character at column 4")
        );
        assert_eq!(
            secret.first(char::is_whitespace).as_deref(),
            Some("U+00A0 at column 3")
        );
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

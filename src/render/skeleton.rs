//! A fast reader for the YAML napgen's templates are written in, after rendering with every
//! `{{ }}` replaced by a slot marker (see [`super::SLOT`]).
//!
//! The text it reads comes from the templates alone: values never reach it (they are put into
//! the slots after reading). So it only has to understand the YAML that templates use, and it
//! reads a strict subset of YAML: block mappings and sequences, plain scalars that are clearly
//! strings, integers, `true`/`false`/`null`, single-line quoted scalars, single-line flow
//! sequences, `{}`, `|`/`>` block scalars with simple content, comments and `---` separators.
//! Anything else (anchors, tags, multi-line flow or plain scalars, ambiguous plain scalars such
//! as `yes` or `0755`, duplicate keys, ...) makes [`read`] answer `None`, and the caller reads the
//! text with the full YAML reader instead ([`crate::yaml::parse_documents`]). Within the subset it
//! reads exactly what the full reader reads: a test compares both on every template of every
//! profile and on a corpus of snippets.

use serde_json::{Map, Number, Value};

/// The documents of `text` (empty documents skipped), or `None` when the text is outside the
/// subset this reader understands.
pub fn read(text: &str) -> Option<Vec<Value>> {
    if text.contains('\r') || text.starts_with('\u{feff}') {
        return None;
    }
    let mut documents = Vec::new();
    let mut lines = Vec::new();
    for raw in text.split('\n') {
        if let Some(rest) = raw.strip_prefix("---") {
            if !ends_line(rest) {
                return None;
            }
            documents.extend(document(std::mem::take(&mut lines))?);
            continue;
        }
        if raw.starts_with("...") || raw.starts_with('%') {
            return None;
        }
        lines.push(Line::new(raw)?);
    }
    documents.extend(document(lines)?);
    Some(documents)
}

/// Empty, or only spaces and a comment.
fn is_blank(text: &str) -> bool {
    let t = text.trim_start_matches(' ');
    t.is_empty() || t.starts_with('#')
}

/// What may follow a scalar or indicator on its line: nothing, spaces, or spaces and a comment.
fn ends_line(after: &str) -> bool {
    after.is_empty() || after.starts_with(' ') && is_blank(after)
}

#[derive(Clone, Copy)]
struct Line<'a> {
    /// Leading spaces.
    indent: usize,
    /// The line after its indentation.
    text: &'a str,
    /// The whole line, for block scalar content.
    raw: &'a str,
}

impl<'a> Line<'a> {
    fn new(raw: &'a str) -> Option<Self> {
        let text = raw.trim_start_matches(' ');
        // Tabs never indent in YAML; leave such text to the full reader.
        if text.starts_with('\t') {
            return None;
        }
        Some(Line {
            indent: raw.len() - text.len(),
            text,
            raw,
        })
    }

    /// Neither content nor a comment's owner: empty, spaces, or a comment.
    fn is_blank(&self) -> bool {
        is_blank(self.text)
    }
}

/// One document: `Some(None)` when it holds no node (only comments).
fn document(lines: Vec<Line<'_>>) -> Option<Option<Value>> {
    let mut reader = Reader { lines, pos: 0 };
    reader.skip_blank();
    let Some(first) = reader.peek() else {
        return Some(None);
    };
    let value = if is_seq_entry(first.text) {
        reader.block_seq(first.indent)?
    } else {
        reader.block_map(first.indent)?
    };
    reader.skip_blank();
    if reader.peek().is_some() {
        return None;
    }
    Some(Some(value))
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
}

fn is_seq_entry(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.pos).copied()
    }

    fn skip_blank(&mut self) {
        while self.peek().is_some_and(|l| l.is_blank()) {
            self.pos += 1;
        }
    }

    /// The next line with content, when it is indented more than `indent`.
    fn deeper(&mut self, indent: usize) -> Option<Line<'a>> {
        self.skip_blank();
        self.peek().filter(|l| l.indent > indent)
    }

    /// A block node starting at the current line, which is indented by `indent`.
    fn block_node(&mut self, indent: usize) -> Option<Value> {
        let line = self.peek()?;
        if is_seq_entry(line.text) {
            self.block_seq(indent)
        } else if map_entry(line.text)?.is_some() {
            self.block_map(indent)
        } else {
            None
        }
    }

    fn block_map(&mut self, indent: usize) -> Option<Value> {
        let mut map = Map::new();
        loop {
            self.skip_blank();
            let Some(line) = self.peek() else { break };
            if line.indent < indent {
                break;
            }
            if line.indent > indent {
                return None;
            }
            let (key, rest) = map_entry(line.text)??;
            self.pos += 1;
            let value = self.value_after(rest, indent, true)?;
            if map.insert(key, value).is_some() {
                return None;
            }
        }
        Some(Value::Object(map))
    }

    fn block_seq(&mut self, indent: usize) -> Option<Value> {
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            let Some(line) = self.peek() else { break };
            if line.indent != indent || !is_seq_entry(line.text) {
                if line.indent > indent {
                    return None;
                }
                break;
            }
            let after_dash = &line.text[1..];
            let rest = after_dash.trim_start_matches(' ');
            let item = if !rest.is_empty() && !rest.starts_with('#') && map_entry(rest)?.is_some() {
                // A mapping that starts on the dash line: its keys line up with the first one.
                let column = indent + 1 + (after_dash.len() - rest.len());
                self.lines[self.pos] = Line {
                    indent: column,
                    text: rest,
                    raw: line.raw,
                };
                self.block_map(column)?
            } else if is_seq_entry(rest) {
                return None;
            } else {
                self.pos += 1;
                self.value_after(rest, indent, false)?
            };
            items.push(item);
        }
        Some(Value::Array(items))
    }

    /// The value after `key:` or `-` (whose line is indented by `indent`), `rest` being the text
    /// after the indicator. In a mapping, a sequence may sit at the key's own indentation.
    fn value_after(&mut self, rest: &str, indent: usize, in_map: bool) -> Option<Value> {
        let rest = rest.trim_start_matches(' ');
        if is_blank(rest) {
            self.skip_blank();
            return match self.peek() {
                Some(l) if l.indent > indent => self.block_node(l.indent),
                Some(l) if in_map && l.indent == indent && is_seq_entry(l.text) => {
                    self.block_seq(indent)
                }
                _ => Some(Value::Null),
            };
        }
        if rest.starts_with('|') || rest.starts_with('>') {
            return self.block_scalar(rest, indent);
        }
        let (value, after) = inline(rest, false)?;
        if !ends_line(after) {
            return None;
        }
        // A value continued on the next lines (a multi-line scalar) is the full reader's job.
        if self.deeper(indent).is_some() {
            return None;
        }
        Some(value)
    }

    /// A `|` or `>` block scalar whose header is `header`, owned by a key or dash at `indent`.
    fn block_scalar(&mut self, header: &str, indent: usize) -> Option<Value> {
        let mut chars = header.chars();
        let folded = chars.next()? == '>';
        let rest = chars.as_str();
        let (chomp, rest) = match rest.as_bytes().first() {
            Some(b'-') => (Chomp::Strip, &rest[1..]),
            Some(b'+') => return None,
            _ => (Chomp::Clip, rest),
        };
        if !ends_line(rest) {
            return None;
        }
        // The content's indentation is that of its first line, which must not be empty.
        let first = self.peek()?;
        if first.text.is_empty() || first.indent <= indent {
            return None;
        }
        let column = first.indent;
        let mut body: Vec<&str> = Vec::new();
        let mut empty = 0;
        while let Some(line) = self.peek() {
            if line.raw.is_empty() {
                empty += 1;
            } else if line.text.is_empty() {
                // Spaces only: whether they are content depends on rules left to the full reader.
                return None;
            } else if line.indent >= column {
                // Empty lines between content lines: simple only in a literal scalar.
                if folded && (empty > 0 || line.indent > column) {
                    return None;
                }
                body.extend(std::iter::repeat_n("", empty));
                empty = 0;
                body.push(&line.raw[column..]);
            } else {
                break;
            }
            self.pos += 1;
        }
        // Trailing empty lines are not content: clipping keeps one line break, stripping none.
        let mut text = body.join(if folded { " " } else { "\n" });
        if chomp == Chomp::Clip {
            text.push('\n');
        }
        Some(Value::String(text))
    }
}

#[derive(PartialEq, Eq)]
enum Chomp {
    Strip,
    Clip,
}

/// `Some(Some((key, rest)))` for a `key: value` or `key:` line, `Some(None)` for a line that is
/// no mapping entry, `None` when unsure.
#[allow(clippy::option_option)]
fn map_entry(text: &str) -> Option<Option<(String, &str)>> {
    if text.starts_with('"') || text.starts_with('\'') {
        let (key, after) = inline(text, false)?;
        let Value::String(key) = key else { return None };
        return Some(
            after
                .strip_prefix(':')
                .filter(|r| r.is_empty() || r.starts_with(' '))
                .map(|rest| (key, rest)),
        );
    }
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b':' if i + 1 == bytes.len() || bytes[i + 1] == b' ' => {
                let Value::String(key) = plain(&text[..i], false)? else {
                    return None;
                };
                return Some(Some((key, &text[i + 1..])));
            }
            b'#' if i > 0 && bytes[i - 1] == b' ' => return Some(None),
            _ => {}
        }
    }
    Some(None)
}

/// A scalar or flow collection at the start of `text` and the text after it. In flow context
/// (inside `[ ]`), plain scalars end at `,` `[` `]` `{` `}`.
fn inline(text: &str, flow: bool) -> Option<(Value, &str)> {
    let first = *text.as_bytes().first()?;
    match first {
        b'"' => double_quoted(&text[1..]),
        b'\'' => single_quoted(&text[1..]),
        b'[' => flow_seq(&text[1..]),
        b'{' => {
            let rest = text[1..].trim_start_matches(' ');
            let rest = rest.strip_prefix('}')?;
            Some((Value::Object(Map::new()), rest))
        }
        _ => {
            let bytes = text.as_bytes();
            let mut end = bytes.len();
            for (i, &b) in bytes.iter().enumerate() {
                let stop = match b {
                    b'#' => i > 0 && bytes[i - 1] == b' ',
                    b',' | b'[' | b']' | b'{' | b'}' => flow,
                    _ => false,
                };
                if stop {
                    end = i;
                    break;
                }
            }
            let scalar = text[..end].trim_end_matches(' ');
            Some((plain(scalar, flow)?, &text[scalar.len()..]))
        }
    }
}

fn flow_seq(mut text: &str) -> Option<(Value, &str)> {
    let mut items = Vec::new();
    text = text.trim_start_matches(' ');
    if let Some(rest) = text.strip_prefix(']') {
        return Some((Value::Array(items), rest));
    }
    loop {
        let (item, rest) = inline(text, true)?;
        items.push(item);
        let rest = rest.trim_start_matches(' ');
        if let Some(rest) = rest.strip_prefix(']') {
            return Some((Value::Array(items), rest));
        }
        text = rest.strip_prefix(',')?.trim_start_matches(' ');
        if text.starts_with(']') || text.starts_with(',') {
            return None;
        }
    }
}

/// A double-quoted scalar of printable ASCII on one line with only simple escapes; `text` starts
/// after the quote.
fn double_quoted(text: &str) -> Option<(Value, &str)> {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((Value::String(out), &text[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                out.push(match e {
                    '\\' => '\\',
                    '"' => '"',
                    '/' => '/',
                    'n' => '\n',
                    't' => '\t',
                    _ => return None,
                });
            }
            c if !(' '..='~').contains(&c) => return None,
            c => out.push(c),
        }
    }
    None
}

/// A single-quoted scalar of printable ASCII on one line; `text` starts after the quote.
fn single_quoted(text: &str) -> Option<(Value, &str)> {
    let mut out = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if chars.peek().map(|&(_, c)| c) == Some('\'') => {
                chars.next();
                out.push('\'');
            }
            '\'' => return Some((Value::String(out), &text[i + 1..])),
            c if !(' '..='~').contains(&c) => return None,
            c => out.push(c),
        }
    }
    None
}

/// Words some reader resolves to a boolean, null or float when plain; never read as strings here.
const AMBIGUOUS_WORDS: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "inf", "infinity", "nan",
];

/// Kubernetes quantity suffixes allowed after digits in a plain string (`64Mi`, `500m`).
const QUANTITY_SUFFIXES: &[&str] = &["m", "k", "M", "G", "T", "Ki", "Mi", "Gi", "Ti"];

/// What a plain scalar means, when that is certain: `null`, `true`, `false`, a decimal integer,
/// a slot marker, or a string that no YAML 1.1 or 1.2 reader takes for anything else.
fn plain(s: &str, flow: bool) -> Option<Value> {
    match s {
        "null" | "~" => return Some(Value::Null),
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    if s.starts_with(super::SLOT) {
        return Some(Value::String(s.to_string()));
    }
    let bytes = s.as_bytes();
    let first = *bytes.first()?;
    // Printable ASCII only, no `: ` (a mapping), ` #` (a comment) or final `:`, and in flow
    // context no `:` at all.
    let mut prev = b' ';
    for &b in bytes {
        if !(b' '..=b'~').contains(&b)
            || (prev == b':' && b == b' ')
            || (prev == b' ' && b == b'#')
            || (flow && b == b':')
        {
            return None;
        }
        prev = b;
    }
    if prev == b':' {
        return None;
    }
    if first.is_ascii_digit() || first == b'-' && bytes.get(1).is_some_and(u8::is_ascii_digit) {
        let digits = s.strip_prefix('-').unwrap_or(s);
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            if digits.len() > 1 && digits.starts_with('0') {
                return None;
            }
            return s
                .parse::<i64>()
                .ok()
                .map(|n| Value::Number(Number::from(n)));
        }
        let unit = digits.trim_start_matches(|c: char| c.is_ascii_digit());
        if first != b'-' && !digits.starts_with('0') && QUANTITY_SUFFIXES.contains(&unit) {
            return Some(Value::String(s.to_string()));
        }
        return None;
    }
    let starts_well = first.is_ascii_alphabetic()
        || first == b'/'
        || first == b'-' && bytes.get(1).is_some_and(u8::is_ascii_alphabetic);
    // The ambiguous words are at most eight letters long.
    if !starts_well || s.len() <= 8 && AMBIGUOUS_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        return None;
    }
    Some(Value::String(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;
    use proptest::prelude::*;

    /// Every snippet the fast reader accepts reads the same as with the full reader.
    fn agrees(text: &str) -> bool {
        let full = parse_documents(text);
        match read(text) {
            Some(fast) => {
                assert_eq!(Ok(&fast), full.as_ref(), "the readers disagree on:\n{text}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn reads_what_templates_use() {
        let accepted = [
            "a: 1\nb: x\n",
            "# c\napiVersion: v1\nkind: List # trailing\nitems:\n- a\n- b\n",
            "a:\n  b:\n    - name: x\n      port: 80\n    - name: w\n  c: [get, list, \"\"]\n",
            "a: [/bin/sh, -c]\nb: []\nc: {}\nd: { }\ne: 'it''s'\nf: \"q\\\"x\\n\"\n",
            "a: >-\n  one two\n  three 'x' \"$(y)\" >> z &&\n  four\nb: 1\n",
            "a: |\n  line\n\n    indented\n  # not a comment\nb: |-\n  x\n",
            "s:\n  - |\n    text\n  - x\n",
            "---\n# only comments\n---\na: 1\n---\n\nb: 2\n",
            "cpu: 50m\nmemory: 64Mi\nneg: -12\nz: 0\nt: true\nf: false\nnull_: null\nt2: ~\n",
            "url: http://x.y:80/p\nk8s.io/name: v\n\"quoted key\": v\n'single': v\n",
            "a: b#c\nempty:\nnext: 1\n",
            "a:\n  - x\n  -\n    k: 1\n  - z\n",
            "a: |\n  x\n\n\nb: >\n  w\n",
            "a: \u{e000}12\n\u{e000}3: x\nb: [seed, \u{e000}4]\n",
        ];
        let rejected = [
            "a: yes\n",
            "a: y\n",
            "a: On\n",
            "a: 0755\n",
            "a: 1.5\n",
            "a: 1e3\n",
            "a: .inf\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: b\n  c\n",
            "a: [x,\n  y]\n",
            "a: \"x\n  y\"\n",
            "a: 1\na: 2\n",
            "a: |+\n  x\n\n",
            "a: |2\n  x\n",
            "a: >\n  x\n\n  y\n",
            "a:\n\tb: 1\n",
            "%YAML 1.2\n---\na: 1\n",
            "--- a\n",
            "? a\n: b\n",
            "a: b: c\n",
            "a: [x, ]\n",
            "a: {b: 1}\n",
            "a: \"\\x41\"\n",
            "plain scalar document\n",
            "a: 1\r\nb: 2\n",
            "a:\n  - - nested\n",
            "a: |\n  x\n  \n  y\n",
            "a: \"\u{2028}\"\n",
        ];
        for text in accepted {
            assert!(agrees(text), "not read by the fast reader:\n{text}");
        }
        for text in rejected {
            assert!(
                !agrees(text),
                "read by the fast reader, but outside its subset:\n{text}"
            );
        }
    }

    fn scalar() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "x",
            "a b",
            "64Mi",
            "50m",
            "0",
            "-3",
            "12",
            "0755",
            "1e3",
            "1.5",
            "yes",
            "Y",
            "on",
            "true",
            "False",
            "null",
            "~",
            "-c",
            "/p",
            "http://h:80/p",
            "a:b",
            "a#b",
            "\"\"",
            "\"q x\"",
            "\"a\\\"b\"",
            "'s''t'",
            "[]",
            "{}",
            "[a, b]",
            "[a, [b]]",
            "[a,b]",
            "[a, ]",
            "{a: 1}",
            "&x a",
            "*x",
            "!!str a",
            "|",
            ">-",
            "|-",
            "\u{e000}1",
            "%",
            "@x",
            "`x`",
            "a: b",
            ".inf",
            "2001-01-01",
            "1:20",
            "=",
            "<<",
            "- x",
            "? x",
        ])
        .prop_map(str::to_string)
    }

    /// A YAML tree written in block style, with the layout choices templates make.
    #[derive(Debug, Clone)]
    enum Node {
        Scalar(String),
        /// Header (`|`, `>-`, ...) and content lines.
        Block(String, Vec<String>),
        /// Entries, extra indentation, and a comment line before the first entry.
        Map(Vec<(String, Node)>, usize, bool),
        /// Items, extra indentation (0 under a key: a compact sequence).
        Seq(Vec<Node>, usize),
    }

    fn node() -> impl Strategy<Value = Node> {
        let block = (
            prop::sample::select(vec!["|", "|-", ">", ">-", "|+", "|2"]),
            prop::collection::vec(
                prop::sample::select(vec!["text", "  more", "", "# not a comment", "a: b", "x"]),
                1..4,
            ),
        )
            .prop_map(|(h, lines)| {
                Node::Block(h.to_string(), lines.into_iter().map(String::from).collect())
            });
        let leaf = prop_oneof![4 => scalar().prop_map(Node::Scalar), 1 => block];
        let key = prop::sample::select(vec!["a", "b", "k8s.io/x", "\"q\"", "y", "a b", "1", "c"]);
        leaf.prop_recursive(4, 24, 4, move |inner| {
            prop_oneof![
                (
                    prop::collection::vec(
                        (key.clone().prop_map(String::from), inner.clone()),
                        1..4
                    ),
                    0usize..3,
                    any::<bool>()
                )
                    .prop_map(|(e, x, c)| Node::Map(e, x, c)),
                (prop::collection::vec(inner, 1..4), 0usize..3).prop_map(|(i, x)| Node::Seq(i, x)),
            ]
        })
    }

    /// Write `node` as the value after `key:` or `- ` whose line is indented by `indent`.
    fn write_value(out: &mut String, node: &Node, indent: usize, in_map: bool) {
        match node {
            Node::Scalar(s) => out.push_str(&format!(" {s}\n")),
            Node::Block(h, lines) => {
                out.push_str(&format!(" {h}\n"));
                for l in lines {
                    out.push_str(&format!("{}{l}\n", " ".repeat(indent + 2)));
                }
            }
            Node::Seq(_, 0) if in_map => {
                out.push('\n');
                write_node(out, node, indent);
            }
            Node::Map(_, x, _) | Node::Seq(_, x) => {
                out.push('\n');
                write_node(out, node, indent + 1 + x);
            }
        }
    }

    fn write_node(out: &mut String, node: &Node, indent: usize) {
        let pad = " ".repeat(indent);
        match node {
            Node::Map(entries, _, comment) => {
                if *comment {
                    out.push_str(&format!("{pad}# c\n"));
                }
                for (k, v) in entries {
                    out.push_str(&format!("{pad}{k}:"));
                    write_value(out, v, indent, true);
                }
            }
            Node::Seq(items, _) => {
                for item in items {
                    match item {
                        // A mapping on the dash line: its keys line up after the dash.
                        Node::Map(entries, x, false) if *x > 0 => {
                            let column = indent + 2;
                            for (i, (k, v)) in entries.iter().enumerate() {
                                let lead = if i == 0 {
                                    format!("{pad}- ")
                                } else {
                                    " ".repeat(column)
                                };
                                out.push_str(&format!("{lead}{k}:"));
                                write_value(out, v, column, true);
                            }
                        }
                        _ => {
                            out.push_str(&format!("{pad}-"));
                            write_value(out, item, indent, false);
                        }
                    }
                }
            }
            _ => {
                out.push_str(&pad);
                write_value(out, node, indent, false);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// The same on well-formed trees in every layout templates use.
        #[test]
        fn agrees_on_block_layouts(root in node(), separators in any::<bool>()) {
            let mut text = String::new();
            if separators {
                text.push_str("# leading\n---\n");
            }
            write_node(&mut text, &root, 0);
            if separators {
                text.push_str("---\n");
            }
            agrees(&text);
        }
    }

    fn line() -> impl Strategy<Value = String> {
        let indent = prop::sample::select(vec![0usize, 1, 2, 3, 4, 6]);
        let key = prop::sample::select(vec!["a", "b", "k8s.io/x", "\"q\"", "y", "a b", "1"]);
        let body = prop_oneof![
            (key.clone(), scalar()).prop_map(|(k, v)| format!("{k}: {v}")),
            key.clone().prop_map(|k| format!("{k}:")),
            scalar().prop_map(|v| format!("- {v}")),
            (key, scalar()).prop_map(|(k, v)| format!("- {k}: {v}")),
            Just("-".to_string()),
            Just("# c".to_string()),
            Just(String::new()),
            Just("---".to_string()),
            scalar(),
        ];
        (indent, body).prop_map(|(i, b)| format!("{}{b}", " ".repeat(i)))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Whatever the fast reader reads, the full reader reads the same; it never reads text
        /// the full reader rejects.
        #[test]
        fn never_disagrees_with_the_full_reader(lines in prop::collection::vec(line(), 1..8)) {
            let text = lines.join("\n") + "\n";
            agrees(&text);
        }
    }
}

//! YAML text in and out: the block-style emitter for rendered objects, the scalar formatter the
//! templates use for every `{{ }}`, and the multi-document reader used to read rendered templates
//! back.
//!
//! The emitted YAML is read by kubectl (sigs.k8s.io/yaml, a go-yaml v2 fork that follows YAML 1.1
//! in places: `yes`/`on`/`y` are booleans, `0755` is octal, `1:20` is sexagesimal, U+0085/U+2028/
//! U+2029 are line breaks) and by Helm and other YAML 1.2 readers. So every choice here is the one
//! that reads the same under both specifications, falling back to JSON-style double quotes (which
//! are valid YAML double-quoted scalars) whenever a nicer form would be ambiguous.

use serde_json::Value;
use std::fmt::Write as _;

/// A value as one JSON scalar/flow text that is also a valid YAML flow scalar: serde_json's
/// serialisation, with U+007F..=U+009F, U+2028 and U+2029 additionally escaped as `\uXXXX` (JSON
/// encoders leave them raw; YAML readers reject or fold them). U+FEFF, U+FFFE and U+FFFF are
/// escaped too: the latter two are outside YAML's printable set (go-yaml rejects them) and a raw
/// byte-order mark is stripped or rejected by some readers. Used by the template formatter for
/// every `{{ }}`.
///
/// Arrays and objects come out in compact JSON flow style (`{"a":[1,"x"]}`), which YAML readers
/// accept as flow collections.
pub fn json_scalar(value: &Value) -> String {
    match value {
        Value::String(s) => {
            let mut out = String::with_capacity(s.len() + 2);
            write_json_string(&mut out, s);
            out
        }
        _ => escape_yaml_hostile(&value.to_string()),
    }
}

/// [`json_scalar`] of a string, appended to `out`: serde_json's escaping (`\"`, `\\`, `\n`, `\r`,
/// `\t`, `\b`, `\f`, other C0 controls as `\u00XX`) plus the YAML-hostile characters as
/// `\uXXXX`, all in lowercase hex.
fn write_json_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Most bytes need no escape: skip them a byte at a time without decoding characters.
        if !ESCAPE_CANDIDATE[usize::from(bytes[i])] {
            i += 1;
            continue;
        }
        // A candidate is ASCII or a lead byte, so `i` is on a character boundary.
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        let short = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if c < ' ' || is_yaml_hostile(c) => "",
            c => {
                i += c.len_utf8();
                continue;
            }
        };
        out.push_str(&s[start..i]);
        if short.is_empty() {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push_str(short);
        }
        i += c.len_utf8();
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// The bytes that may start a character [`write_json_string`] escapes: `"`, `\`, C0 controls,
/// DEL, and the UTF-8 lead bytes of the other YAML-hostile characters (U+0080..=U+009F start with
/// 0xC2, U+2028/U+2029 with 0xE2, U+FEFF/U+FFFE/U+FFFF with 0xEF).
static ESCAPE_CANDIDATE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[0x7f] = true;
    table[0xc2] = true;
    table[0xe2] = true;
    table[0xef] = true;
    table
};

/// Serialise a value as one block-style YAML document (no leading `---`, ends with "\n").
///
/// Maps keep their order; nested maps and sequences are indented by two spaces, with sequences
/// indented under their key (`containers:\n  - name: x`) and a map in a sequence starting on the
/// dash line. Strings and keys are plain only when unambiguous under YAML 1.1 and 1.2 (a letter
/// or `/` first, then only `[A-Za-z0-9._/-]` and inner `:`, and not a boolean/null word such as
/// `yes`, `on`, `n` or `null` in any case), multi-line strings use literal block scalars where
/// that is exact, and everything else is double-quoted with [`json_scalar`]'s escaping. Keys
/// longer than YAML's 1024-character implicit-key limit are written as explicit `? key` entries.
pub fn to_yaml<'a, T: Tree<'a>>(value: T) -> String {
    // Most documents are a few KB: start there rather than grow from nothing.
    let mut out = String::with_capacity(4096);
    write_yaml(&mut out, value);
    out
}

/// [`to_yaml`], appended to `out`: of JSON data, or of any other [`Tree`].
pub fn write_yaml<'a, T: Tree<'a>>(out: &mut String, value: T) {
    match Class::of(value) {
        Class::Map(first, rest) => write_map(out, first, rest, 0, false),
        Class::Seq(first, rest) => write_seq(out, first, rest, 0, false),
        Class::Leaf(leaf) => write_leaf(out, leaf, 0),
    }
}

/// The text of the mapping entry `key: value` whose key is at `indent`, as the writer writes it
/// in a mapping (without the indentation before the key): for texts known before writing
/// ([`Tree::written`]).
// Used when templates are compiled (build.rs and the tests).
#[cfg_attr(not(test), allow(dead_code))]
pub fn entry_text<'a, T: Tree<'a>>(key: &'a str, value: T, indent: usize) -> String {
    let mut out = String::new();
    write_entry(&mut out, (key, value), indent);
    out
}

/// The text of the sequence item `- item` whose dash is at `indent`, as the writer writes it in
/// a sequence (without the indentation before the dash): see [`entry_text`].
#[cfg_attr(not(test), allow(dead_code))]
pub fn item_text<'a, T: Tree<'a>>(item: T, indent: usize) -> String {
    let mut out = String::new();
    write_item(&mut out, item, indent);
    out
}

/// A value as the writer sees it: a scalar, or a mapping or sequence to iterate.
pub enum Shape<'a, E, I> {
    Scalar(Scalar<'a>),
    Map(E),
    Seq(I),
}

pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(&'a str),
}

impl<'a> Scalar<'a> {
    /// The scalar of JSON data that is not an array or object.
    pub fn of(value: &'a Value) -> Scalar<'a> {
        match value {
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Number(n) => Scalar::Number(n.clone()),
            Value::String(s) => Scalar::Str(s),
            _ => Scalar::Null,
        }
    }
}

/// What the writer can write: JSON data, and the documents of templates being rendered (which
/// are written without first being built as JSON data).
pub trait Tree<'a>: Copy {
    type Entries: Iterator<Item = (&'a str, Self)>;
    type Items: Iterator<Item = Self>;
    fn shape(self) -> Shape<'a, Self::Entries, Self::Items>;
    /// The text of this value at its place, when it is known before writing: as a mapping
    /// value, its entry's text from the key on ([`entry_text`]); as a sequence item, its text
    /// from the dash on ([`item_text`]).
    fn written(self) -> Option<&'a str> {
        None
    }
}

impl<'a> Tree<'a> for &'a Value {
    type Entries = std::iter::Map<
        serde_json::map::Iter<'a>,
        fn((&'a String, &'a Value)) -> (&'a str, &'a Value),
    >;
    type Items = std::slice::Iter<'a, Value>;
    fn shape(self) -> Shape<'a, Self::Entries, Self::Items> {
        match self {
            Value::Object(map) => Shape::Map(map.iter().map(|(k, v)| (k.as_str(), v))),
            Value::Array(items) => Shape::Seq(items.iter()),
            v => Shape::Scalar(Scalar::of(v)),
        }
    }
}

/// How a value is written: a non-empty mapping or sequence in block style (its first entry or item
/// taken, so that emptiness is known without a `Peekable` in every later step), or on one line.
enum Class<'a, T: Tree<'a>> {
    Map((&'a str, T), T::Entries),
    Seq(T, T::Items),
    Leaf(Leaf<'a>),
}

/// What is written on one line (or as a block scalar): a scalar or an empty collection.
enum Leaf<'a> {
    Scalar(Scalar<'a>),
    EmptyMap,
    EmptySeq,
}

impl<'a, T: Tree<'a>> Class<'a, T> {
    fn of(value: T) -> Self {
        match value.shape() {
            Shape::Map(mut entries) => match entries.next() {
                Some(first) => Class::Map(first, entries),
                None => Class::Leaf(Leaf::EmptyMap),
            },
            Shape::Seq(mut items) => match items.next() {
                Some(first) => Class::Seq(first, items),
                None => Class::Leaf(Leaf::EmptySeq),
            },
            Shape::Scalar(scalar) => Class::Leaf(Leaf::Scalar(scalar)),
        }
    }
}

/// Parse a multi-document YAML text into JSON values (one per non-empty document), for reading
/// rendered templates back. Errors carry the parser's message with line numbers.
///
/// Documents that are empty or plain null (`---` alone, `null`, `~`) are skipped, so the result
/// can hold fewer values than there are `---` separators. Untyped scalars are resolved the way
/// serde-saphyr resolves them by default, which leans towards kubectl's YAML 1.1 reading: plain
/// `yes`/`on`/`y` become booleans, while a plain `.inf`/`.nan` is an error (JSON cannot hold it)
/// and a plain `0755` reads as the float 755.0 (kubectl would read octal 493). [`to_yaml`] and
/// [`json_scalar`] quote every such string, so their output reads back exactly. Duplicate keys
/// are an error. The error text reads `error: line L column C: message`, followed by a
/// snippet of the offending lines.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, String> {
    // The default budget allows only 1 024 documents; a rendered bundle is our own output, so its
    // size is not an attack surface and a large install must not fail on that count.
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! { max_documents: 1 << 20 },
    };
    serde_saphyr::from_multiple_with_options::<Value>(text, options).map_err(|e| e.to_string())
}

/// Characters serde_json leaves raw that a YAML reader rejects or treats as a line break.
fn is_yaml_hostile(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
    )
}

/// Replace YAML-hostile characters in JSON text by `\uXXXX` escapes. Such characters can only
/// occur inside JSON string literals (everything outside them is ASCII), so a plain text scan is
/// enough; the escapes mean the same in JSON and in YAML double-quoted scalars.
fn escape_yaml_hostile(json: &str) -> String {
    if !json.chars().any(is_yaml_hostile) {
        return json.to_owned();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_yaml_hostile(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `s` can be written as a plain scalar (value or key) and read back as the same string by
/// YAML 1.1 and 1.2 readers alike.
///
/// Deliberately narrower than either specification: a letter or `/` first (which rules out
/// numbers, octal/hex/sexagesimal forms, timestamps, `.inf`, `~`, `-`/`?`/`:` indicators, `<<`,
/// `=` and every other indicator), then only `[A-Za-z0-9._/-]` and `:` that is neither last nor
/// followed by a space (no space is allowed anyway), and none of the boolean/null words. Keys like
/// `app.kubernetes.io/name` and values like `http://host:8080/path` or `registry/app:1.2` stay
/// plain.
fn is_plain_safe(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    // A space is never plain, so the only `:` to refuse is a last one.
    if !(first.is_ascii_alphabetic() || first == b'/') || last == b':' {
        return false;
    }
    // Eight bytes at a time without a branch per byte, stopping at the first bad eight: long
    // strings (block scalars, quoted text) usually fail early.
    let all_plain = |chunk: &[u8]| chunk.iter().fold(true, |ok, &b| ok & PLAIN[usize::from(b)]);
    let mut chunks = bytes.chunks_exact(8);
    if !chunks.all(all_plain) || !all_plain(chunks.remainder()) {
        return false;
    }
    // The special words are at most five letters long, and start with one of these letters.
    bytes.len() > 5
        || !matches!(first | 0x20, b'y' | b'n' | b'o' | b't' | b'f')
        || !is_special_word(bytes)
}

/// Whether `bytes` (at most five of [`PLAIN`]) is one of the words that some YAML reader resolves
/// to a boolean or null when plain: `y`, `n`, `yes`, `no`, `on`, `off`, `true`, `false`, `null`.
/// Compared ignoring ASCII case: YAML 1.1 only lists three spellings of each, but no reader is
/// harmed by quoting `yEs`.
fn is_special_word(bytes: &[u8]) -> bool {
    // Packed little-endian into an integer with 0x20 set in each byte: that lowercases letters
    // and maps no other plain byte to a letter, and a packed word fits in one comparison.
    const fn pack(word: &[u8]) -> u64 {
        let mut packed = 0;
        let mut i = word.len();
        while i > 0 {
            i -= 1;
            packed = packed << 8 | (word[i] | 0x20) as u64;
        }
        packed
    }
    const WORDS: [u64; 9] = [
        pack(b"y"),
        pack(b"n"),
        pack(b"yes"),
        pack(b"no"),
        pack(b"on"),
        pack(b"off"),
        pack(b"true"),
        pack(b"false"),
        pack(b"null"),
    ];
    bytes.len() <= 5 && WORDS.contains(&pack(bytes))
}

/// The bytes a plain scalar may hold ([`is_plain_safe`]): `[A-Za-z0-9._/-]`, and `:` (not last).
/// A table, because every key and string of the output is checked.
static PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/' | b'-' | b':');
        b += 1;
    }
    table
};

/// Characters that must not appear raw in a literal block scalar: C0 controls other than tab and
/// newline (including `\r`, which a reader would normalise away), DEL and C1 controls (U+0085 is a
/// YAML 1.1 line break), the Unicode line/paragraph separators (YAML 1.1 line breaks), the byte
/// order mark and the non-characters outside YAML's printable set.
fn is_literal_hostile(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || is_yaml_hostile(c)
}

/// Write `s` as a literal block scalar (`|`, `|-`, `|+`) with content at `indent`, if it is
/// multi-line and reads back exactly that way; otherwise write nothing and return false.
///
/// Conservative on purpose: the first line must be non-empty and must not start with whitespace
/// (the reader detects the indentation from it; an indentation indicator would work but reads
/// worse and is less well supported), no line may consist only of whitespace (readers disagree on
/// such lines and they are invisible in review anyway), and no [`is_literal_hostile`] character
/// may occur. The chomping indicator keeps the exact number of trailing newlines: `|-` none, `|`
/// one, `|+` several (kept as empty lines).
///
/// Checked while writing, in one pass over the bytes (only non-ASCII characters are decoded); a
/// string that fails is cut off again.
#[inline(never)]
fn write_literal(out: &mut String, s: &str, indent: usize) -> bool {
    // The first line is non-empty and starts with no whitespace exactly when the first character
    // is not whitespace (`\n` is whitespace).
    if s.chars().next().is_none_or(char::is_whitespace) || !s.as_bytes().contains(&b'\n') {
        return false;
    }
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    let start = out.len();
    out.push_str(match trailing {
        0 => "|-\n",
        1 => "|\n",
        _ => "|+\n",
    });
    let bytes = body.as_bytes();
    let mut line_start = 0;
    // Whether the current line so far is non-empty and only whitespace.
    let mut blank = false;
    let mut i = 0;
    loop {
        // Runs of printable ASCII, spaces and tabs eight bytes at a time (written as comparisons,
        // which the compiler turns into vector instructions).
        while let Some(chunk) = bytes.get(i..i + 8) {
            let is_space = |b: u8| b == b' ' || b == b'\t';
            if !chunk.iter().fold(true, |ok, &b| {
                ok & ((b' '..=b'~').contains(&b) || b == b'\t')
            }) {
                break;
            }
            if chunk.iter().fold(true, |all, &b| all & is_space(b)) {
                blank |= i == line_start;
            } else {
                blank = false;
            }
            i += 8;
        }
        let Some(&b) = bytes.get(i) else {
            break;
        };
        match LITERAL[usize::from(b)] {
            LITERAL_TEXT => blank = false,
            LITERAL_SPACE => blank |= i == line_start,
            LITERAL_NEWLINE => {
                if blank {
                    break;
                }
                // Empty lines carry no indentation, so the output has no trailing whitespace.
                if i > line_start {
                    pad(out, indent);
                    out.push_str(&body[line_start..i]);
                }
                out.push('\n');
                line_start = i + 1;
            }
            LITERAL_OTHER => {
                let Some(c) = body[i..].chars().next() else {
                    break;
                };
                if is_literal_hostile(c) {
                    break;
                }
                if c.is_whitespace() {
                    blank |= i == line_start;
                } else {
                    blank = false;
                }
                i += c.len_utf8();
                continue;
            }
            _ => break,
        }
        i += 1;
    }
    // The loop only runs to the end of a string that is fine so far; the last line of the body is
    // never empty (the body is not, and does not end with a newline).
    if i < bytes.len() || blank {
        out.truncate(start);
        return false;
    }
    pad(out, indent);
    out.push_str(&body[line_start..]);
    out.push('\n');
    out.extend(std::iter::repeat_n('\n', trailing.saturating_sub(1)));
    true
}

const LITERAL_HOSTILE: u8 = 0;
const LITERAL_TEXT: u8 = 1;
const LITERAL_SPACE: u8 = 2;
const LITERAL_NEWLINE: u8 = 3;
const LITERAL_OTHER: u8 = 4;

/// How [`write_literal`] sees each byte: ASCII text, a space or tab, a newline, a control that is
/// never allowed, or the lead byte of a non-ASCII character to decode.
static LITERAL: [u8; 256] = {
    let mut table = [LITERAL_HOSTILE; 256];
    let mut b = 0x20;
    while b < 0x7f {
        table[b] = LITERAL_TEXT;
        b += 1;
    }
    table[b' ' as usize] = LITERAL_SPACE;
    table[b'\t' as usize] = LITERAL_SPACE;
    table[b'\n' as usize] = LITERAL_NEWLINE;
    let mut b = 0x80;
    while b < 0x100 {
        table[b] = LITERAL_OTHER;
        b += 1;
    }
    table
};

/// YAML's limit on the length of an implicit (`key: value`) key is 1024 characters, and readers
/// enforce it (libyaml/go-yaml, serde-saphyr's lookahead). Longer keys are written as explicit
/// `? key` entries. Measured in bytes, which is never less than characters, with some slack.
const MAX_IMPLICIT_KEY_BYTES: usize = 1000;

/// Plain or double-quoted text of a single-line scalar string (also used for keys).
fn write_inline_string(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else {
        write_json_string(out, s);
    }
}

fn pad(out: &mut String, indent: usize) {
    const SPACES: &str = "                                                                ";
    // One copy for any usual depth.
    if let Some(spaces) = SPACES.get(..indent) {
        out.push_str(spaces);
        return;
    }
    let mut n = indent;
    while n > 0 {
        let step = n.min(SPACES.len());
        out.push_str(&SPACES[..step]);
        n -= step;
    }
}

/// Write a non-empty block's entries or items at `indent`, each with `write_one` on a line of its
/// own: `first`, then `rest`. With `inline_first`, the first continues the current line (after a
/// sequence dash).
// Inlined into write_map and write_seq so each keeps its direct call to write_one, as when the
// two were written out (callgrind: 20 K instructions more per render without it).
#[inline(always)]
fn write_block<E>(
    out: &mut String,
    first: E,
    rest: impl Iterator<Item = E>,
    indent: usize,
    inline_first: bool,
    write_one: impl Fn(&mut String, E, usize),
) {
    if !inline_first {
        pad(out, indent);
    }
    write_one(out, first, indent);
    for element in rest {
        pad(out, indent);
        write_one(out, element, indent);
    }
}

/// Write a non-empty map's entries at `indent` ([`write_block`]).
fn write_map<'a, T: Tree<'a>>(
    out: &mut String,
    first: (&'a str, T),
    rest: impl Iterator<Item = (&'a str, T)>,
    indent: usize,
    inline_first: bool,
) {
    write_block(out, first, rest, indent, inline_first, write_entry);
}

/// Write one `key: value` entry whose key is at `indent`, from the current position.
fn write_entry<'a, T: Tree<'a>>(out: &mut String, (key, value): (&'a str, T), indent: usize) {
    if let Some(text) = value.written() {
        out.push_str(text);
        return;
    }
    // A key's text is never shorter than the key.
    if key.len() <= MAX_IMPLICIT_KEY_BYTES && is_plain_safe(key) {
        out.push_str(key);
    } else {
        let mut key_text = String::new();
        write_inline_string(&mut key_text, key);
        if key_text.len() > MAX_IMPLICIT_KEY_BYTES {
            out.push_str("? ");
            out.push_str(&key_text);
            out.push('\n');
            pad(out, indent);
        } else {
            out.push_str(&key_text);
        }
    }
    write_after_indicator(out, value, indent);
}

/// Write a non-empty sequence's items at `indent` ([`write_block`]; inline first: a sequence
/// directly inside a sequence, `- - a`).
fn write_seq<'a, T: Tree<'a>>(
    out: &mut String,
    first: T,
    rest: impl Iterator<Item = T>,
    indent: usize,
    inline_first: bool,
) {
    write_block(out, first, rest, indent, inline_first, write_item);
}

/// Write one `- item` whose dash is at `indent`, from the current position.
fn write_item<'a, T: Tree<'a>>(out: &mut String, item: T, indent: usize) {
    if let Some(text) = item.written() {
        out.push_str(text);
        return;
    }
    out.push_str("- ");
    match Class::of(item) {
        Class::Map(first, rest) => write_map(out, first, rest, indent + 2, true),
        Class::Seq(first, rest) => write_seq(out, first, rest, indent + 2, true),
        Class::Leaf(leaf) => write_leaf(out, leaf, indent),
    }
}

/// Write a map value after its key (the key being at `indent`), from the `:` on.
fn write_after_indicator<'a, T: Tree<'a>>(out: &mut String, value: T, indent: usize) {
    match Class::of(value) {
        Class::Map(first, rest) => {
            out.push_str(":\n");
            write_map(out, first, rest, indent + 2, false);
        }
        Class::Seq(first, rest) => {
            out.push_str(":\n");
            write_seq(out, first, rest, indent + 2, false);
        }
        Class::Leaf(leaf) => {
            out.push_str(": ");
            write_leaf(out, leaf, indent);
        }
    }
}

/// Write a scalar, empty collection or block string at the current position, ending the line.
/// `indent` is the indentation of the owning key or dash; block scalar content goes 2 deeper.
fn write_leaf(out: &mut String, leaf: Leaf, indent: usize) {
    match leaf {
        // Plain first: the usual case, and a plain string (no newline) is never a literal block.
        Leaf::Scalar(Scalar::Str(s)) if is_plain_safe(s) => out.push_str(s),
        Leaf::Scalar(Scalar::Str(s)) => {
            // A block scalar ends with its own newline.
            if write_literal(out, s, indent + 2) {
                return;
            }
            write_json_string(out, s);
        }
        Leaf::EmptyMap => out.push_str("{}"),
        Leaf::EmptySeq => out.push_str("[]"),
        // null, booleans and numbers print the same in JSON and YAML.
        Leaf::Scalar(Scalar::Null) => out.push_str("null"),
        Leaf::Scalar(Scalar::Bool(b)) => out.push_str(if b { "true" } else { "false" }),
        Leaf::Scalar(Scalar::Number(n)) => {
            let _ = write!(out, "{n}");
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn roundtrip(value: &Value) -> Value {
        let text = to_yaml(value);
        let docs = parse_documents(&text).unwrap_or_else(|e| panic!("{e}\n--- text:\n{text}"));
        assert_eq!(docs.len(), 1, "text:\n{text}");
        docs.into_iter().next().unwrap()
    }

    #[test]
    fn deployment_like_value() {
        let value = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "nap-api",
                "labels": {"app.kubernetes.io/name": "nap-api", "app.kubernetes.io/part-of": "nap"},
                "annotations": {}
            },
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app.kubernetes.io/name": "nap-api"}},
                "template": {
                    "spec": {
                        "containers": [{
                            "name": "api",
                            "image": "registry.local/nap/api:1.4.2",
                            "args": ["--port=8080", "serve"],
                            "command": ["/bin/sh", "-c", "set -eu\necho \"starting\"\n\nexec /app/server\n"],
                            "env": [
                                {"name": "ENABLED", "value": "true"},
                                {"name": "CALLBACK", "value": "http://127.0.0.1:30080/api/auth/callback"}
                            ],
                            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                            "resources": {"limits": {"cpu": 0.5, "memory": "512Mi"}},
                            "readOnly": true,
                            "volumeMounts": []
                        }],
                        "nodeSelector": {},
                        "priorityClassName": null,
                        "matrix": [["a", 1], []]
                    }
                }
            }
        });
        let expected = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: nap-api
  labels:
    app.kubernetes.io/name: nap-api
    app.kubernetes.io/part-of: nap
  annotations: {}
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: nap-api
  template:
    spec:
      containers:
        - name: api
          image: registry.local/nap/api:1.4.2
          args:
            - "--port=8080"
            - serve
          command:
            - /bin/sh
            - "-c"
            - |
              set -eu
              echo "starting"

              exec /app/server
          env:
            - name: ENABLED
              value: "true"
            - name: CALLBACK
              value: http://127.0.0.1:30080/api/auth/callback
          ports:
            - containerPort: 8080
              protocol: TCP
          resources:
            limits:
              cpu: 0.5
              memory: "512Mi"
          readOnly: true
          volumeMounts: []
      nodeSelector: {}
      priorityClassName: null
      matrix:
        - - a
          - 1
        - []
"#;
        assert_eq!(to_yaml(&value), expected);
        assert_eq!(roundtrip(&value), value);
    }

    #[test]
    fn config_file_values_read_nicely() {
        let value = json!({
            "data": {
                "nginx.conf": "server {\n  listen 80;\n}",
                "keep.txt": "a\n\n",
                ".dockerconfigjson": "{\"auths\":{}}"
            }
        });
        let expected = "data:\n  nginx.conf: |-\n    server {\n      listen 80;\n    }\n  keep.txt: |+\n    a\n\n  \".dockerconfigjson\": \"{\\\"auths\\\":{}}\"\n";
        assert_eq!(to_yaml(&value), expected);
        assert_eq!(roundtrip(&value), value);
    }

    #[test]
    fn scalars_and_empty_roots() {
        assert_eq!(to_yaml(&json!({})), "{}\n");
        assert_eq!(to_yaml(&json!([])), "[]\n");
        assert_eq!(to_yaml(&json!(null)), "null\n");
        assert_eq!(to_yaml(&json!(false)), "false\n");
        assert_eq!(to_yaml(&json!(-12)), "-12\n");
        assert_eq!(to_yaml(&json!(1.5e300)), "1.5e+300\n");
        assert_eq!(to_yaml(&json!("a\nb")), "|-\n  a\n  b\n");
        assert_eq!(to_yaml(&json!([{}, [], "x"])), "- {}\n- []\n- x\n");
        // A null document is skipped by the reader: "one value per non-empty document".
        assert_eq!(
            parse_documents(&to_yaml(&json!(null))).unwrap(),
            Vec::<Value>::new()
        );
    }

    #[test]
    fn quoting_decisions() {
        let quoted = [
            "yes",
            "Yes",
            "on",
            "NO",
            "n",
            "Y",
            "off",
            "True",
            "NULL",
            "~",
            "null",
            "1e3",
            "0o17",
            "012",
            "0x1F",
            "1:20",
            ".inf",
            "-.inf",
            ".nan",
            "500Gi",
            "10.0.0.0/8",
            "-x",
            "",
            "a: b",
            "a #b",
            "{{ .Values.x }}",
            "*ref",
            "&a",
            "!tag",
            "%x",
            "@x",
            "|",
            ">",
            "`x`",
            "?x",
            "<<",
            "=",
            "a:",
            "a b",
            "a,b",
            "[x]",
            "{x}",
            "'x'",
            "\"x\"",
            "-",
            "---",
            "...",
            "x ",
            " x",
            "é",
            "_x",
            "2024-01-01",
        ];
        for s in quoted {
            let expected = format!("{}\n", serde_json::to_string(s).unwrap());
            assert_eq!(to_yaml(&json!(s)), expected, "{s:?} should be quoted");
            assert_eq!(roundtrip(&json!(s)), json!(s));
            assert_eq!(
                roundtrip(&json!({ s: s })),
                json!({ s: s }),
                "as key: {s:?}"
            );
        }
        let plain = [
            "http://127.0.0.1:30080/api/auth/callback",
            "app.kubernetes.io/name",
            "nap-control-plane",
            "registry.local/nap/api:1.4.2",
            "Deployment",
            "/bin/sh",
            "a:b",
            "yess",
            "nil",
            "nan",
            "inf",
            "e3",
        ];
        for s in plain {
            assert_eq!(to_yaml(&json!(s)), format!("{s}\n"));
            assert_eq!(to_yaml(&json!({ s: 1 })), format!("{s}: 1\n"));
            assert_eq!(roundtrip(&json!({ s: s })), json!({ s: s }), "{s:?}");
        }
    }

    #[test]
    fn multiline_falls_back_to_quotes_when_unsafe() {
        for s in [
            "\nleading empty line",
            " indented first\nx",
            "\tfirst\nx",
            "a\n  \nb",
            "a\n\t\n",
            "crlf\r\nline",
            "nel\u{85}\nx",
            "ls\u{2028}\nx",
            "bom\u{feff}\nx",
            "bell\u{7}\nx",
            "\n",
            "\n\n",
        ] {
            let text = to_yaml(&json!({ "k": s }));
            assert_eq!(text, format!("k: {}\n", json_scalar(&json!(s))), "{s:?}");
            assert_eq!(roundtrip(&json!({ "k": s })), json!({ "k": s }));
        }
        // Tabs and spaces inside later lines are fine in a literal block.
        assert_eq!(
            to_yaml(&json!({"k": "a\n\tb\n  c "})),
            "k: |-\n  a\n  \tb\n    c \n"
        );
    }

    #[test]
    fn long_keys_use_explicit_entries() {
        let long = "k".repeat(1500);
        let quoted_long = format!("{} x", "k".repeat(1200));
        let value = json!({
            long.clone(): {"a": 1},
            "short": [{ quoted_long.clone(): "v", "b": "x\ny" }],
            "k".repeat(1000): "boundary",
        });
        let text = to_yaml(&value);
        assert!(
            text.starts_with(&format!("? {long}\n:\n  a: 1\n")),
            "{text}"
        );
        assert!(
            text.contains(&format!("  - ? \"{quoted_long}\"\n    : v\n    b: |-\n")),
            "{text}"
        );
        assert_eq!(roundtrip(&value), value);
    }

    #[test]
    fn json_scalar_escapes_yaml_hostile_characters() {
        let s = "a\u{7f}b\u{85}c\u{9f}d\u{2028}e\u{2029}f\u{feff}g\u{fffe}\u{ffff}\u{a0}";
        let text = json_scalar(&json!(s));
        assert_eq!(
            text,
            "\"a\\u007fb\\u0085c\\u009fd\\u2028e\\u2029f\\ufeffg\\ufffe\\uffff\u{a0}\""
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json!(s));
        let nested = json!({"k": [s, 1, null]});
        assert_eq!(
            serde_json::from_str::<Value>(&json_scalar(&nested)).unwrap(),
            nested
        );
        assert_eq!(json_scalar(&json!(1.0)), "1.0");
        assert_eq!(json_scalar(&json!("tab\there")), "\"tab\\there\"");
    }

    #[test]
    fn numbers_and_bools_round_trip() {
        let value = json!({
            "u": u64::MAX, "i": i64::MIN, "f": 0.1, "whole": 3.0, "tiny": 5e-324,
            "big": 1.7976931348623157e308, "neg": -2.5e-7, "t": true, "f2": false, "z": null
        });
        assert_eq!(roundtrip(&value), value);
        // Integers stay integers and floats stay floats.
        let back = roundtrip(&value);
        assert!(back["u"].is_u64() && back["i"].is_i64() && back["whole"].is_f64());
    }

    #[test]
    fn parse_documents_reads_streams_and_reports_lines() {
        let docs =
            parse_documents("a: 1\n---\n# only a comment\n---\nb: [x, \"y\"]\n...\n").unwrap();
        assert_eq!(docs, vec![json!({"a": 1}), json!({"b": ["x", "y"]})]);
        assert_eq!(parse_documents("").unwrap(), Vec::<Value>::new());
        let err = parse_documents("a: 1\nb: [1,\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        let err = parse_documents("a: 1\na: 2\n").unwrap_err();
        assert!(err.contains("duplicate"), "{err}");
    }

    /// Characters that stress quoting and block-scalar decisions.
    const TRICKY_CHARS: &[char] = &[
        'a',
        'Z',
        'y',
        'n',
        '0',
        '9',
        ' ',
        ' ',
        '\t',
        '\n',
        '\n',
        '\r',
        ':',
        '#',
        '-',
        '.',
        '/',
        '_',
        '"',
        '\'',
        '\\',
        '{',
        '}',
        '[',
        ']',
        ',',
        '*',
        '&',
        '!',
        '%',
        '@',
        '|',
        '>',
        '`',
        '?',
        '~',
        '<',
        '=',
        '+',
        '\u{0}',
        '\u{8}',
        '\u{b}',
        '\u{c}',
        '\u{1b}',
        '\u{7f}',
        '\u{80}',
        '\u{85}',
        '\u{9f}',
        '\u{a0}',
        '\u{2028}',
        '\u{2029}',
        '\u{3000}',
        '\u{feff}',
        '\u{fffe}',
        '\u{ffff}',
        'é',
        '日',
        '\u{1f600}',
    ];

    const TRICKY_WORDS: &[&str] = &[
        "yes",
        "No",
        "ON",
        "off",
        "y",
        "N",
        "true",
        "False",
        "null",
        "Null",
        "~",
        "",
        "---",
        "...",
        "- ",
        "? ",
        ": ",
        "<<",
        "=",
        "1e3",
        "0o17",
        "0x1F",
        "012",
        "1:20",
        ".inf",
        "-.Inf",
        ".NaN",
        "+1",
        "1_000",
        "2001-12-14",
        "500Gi",
        "10.0.0.0/8",
        "{{ .Values.x }}",
        "#",
        "a: b",
        "a #b",
        "http://x:80/",
        "app.kubernetes.io/name",
    ];

    /// Lines for multi-line strings, so block scalars get exercised with awkward content.
    const TRICKY_LINES: &[&str] = &[
        "",
        "",
        " ",
        "\t",
        "x",
        "echo \"hi\" # c",
        "  indented",
        "\tTabbed",
        "---",
        "...",
        "- a",
        "key: value",
        "#!/bin/sh",
        "|",
        "> x",
        "trailing  ",
        "'q'",
    ];

    fn tricky_string() -> impl Strategy<Value = String> {
        let chars = prop::collection::vec(
            prop_oneof![4 => prop::sample::select(TRICKY_CHARS), 1 => any::<char>()],
            0..14,
        )
        .prop_map(|cs| cs.into_iter().collect::<String>());
        let lines = (
            prop::collection::vec(prop::sample::select(TRICKY_LINES), 1..6),
            0..4usize,
        )
            .prop_map(|(lines, trailing)| lines.join("\n") + &"\n".repeat(trailing));
        let prefixed = (
            prop::sample::select(&['*', '&', '!', '%', '@', '|', '>', '-', '#'][..]),
            chars.clone(),
        )
            .prop_map(|(c, rest)| format!("{c}{rest}"));
        let word_mix = (
            prop::sample::select(TRICKY_WORDS),
            prop::sample::select(TRICKY_WORDS),
        )
            .prop_map(|(a, b)| format!("{a}{b}"));
        prop_oneof![
            3 => chars,
            2 => prop::sample::select(TRICKY_WORDS).prop_map(String::from),
            2 => "[a-z/][a-zA-Z0-9./:_-]{0,16}",
            3 => lines,
            1 => prefixed,
            1 => word_mix,
            1 => any::<String>(),
        ]
    }

    fn any_number() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
                .map(Value::Number)),
            (-1000i32..1000, 0u32..4).prop_map(|(m, e)| json!(f64::from(m) / 10f64.powi(e as i32))),
        ]
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            1 => Just(Value::Null),
            1 => any::<bool>().prop_map(Value::Bool),
            1 => any_number(),
            4 => tricky_string().prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((tricky_string(), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// The writer's string decisions as they were first written, straightforwardly:
    /// the faster versions must agree with them on every string.
    mod reference {
        use super::super::{is_literal_hostile, pad};

        const SPECIAL_WORDS: &[&str] =
            &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

        pub fn is_plain_safe(s: &str) -> bool {
            let bytes = s.as_bytes();
            let Some(&first) = bytes.first() else {
                return false;
            };
            if !(first.is_ascii_alphabetic() || first == b'/') {
                return false;
            }
            let chars_ok = bytes.iter().enumerate().all(|(i, &b)| match b {
                b':' => i + 1 < bytes.len() && bytes[i + 1] != b' ',
                b => b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-'),
            });
            chars_ok && (s.len() > 5 || !SPECIAL_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)))
        }

        pub fn is_literal_safe(s: &str) -> bool {
            if !s.contains('\n') || s.chars().any(is_literal_hostile) {
                return false;
            }
            let body = s.trim_end_matches('\n');
            let first_ok = body.chars().next().is_some_and(|c| !c.is_whitespace());
            first_ok
                && body
                    .split('\n')
                    .all(|line| line.is_empty() || !line.chars().all(char::is_whitespace))
        }

        pub fn write_literal(out: &mut String, s: &str, indent: usize) {
            let body = s.trim_end_matches('\n');
            let trailing = s.len() - body.len();
            out.push_str(match trailing {
                0 => "|-",
                1 => "|",
                _ => "|+",
            });
            out.push('\n');
            for line in body.split('\n') {
                if !line.is_empty() {
                    pad(out, indent);
                    out.push_str(line);
                }
                out.push('\n');
            }
            out.extend(std::iter::repeat_n('\n', trailing.saturating_sub(1)));
        }
    }

    /// Strings for comparing the writer's decisions with [`reference`]: the tricky ones,
    /// plain-looking ones with a character or word spliced in anywhere (so that the eight-byte
    /// steps and their remainders all meet it), and multi-line text.
    fn decision_string() -> impl Strategy<Value = String> {
        let spliced = (
            "[a-zA-Z/][a-zA-Z0-9./:_-]{0,40}",
            prop_oneof![
                prop::sample::select(TRICKY_CHARS).prop_map(String::from),
                prop::sample::select(TRICKY_WORDS).prop_map(String::from),
                prop::sample::select(TRICKY_LINES).prop_map(|l| format!("\n{l}")),
            ],
            any::<prop::sample::Index>(),
        )
            .prop_map(|(s, insert, at)| {
                let at = at.index(s.len() + 1);
                format!("{}{insert}{}", &s[..at], &s[at..])
            });
        // Lines long enough for the eight-byte steps, some of them only spaces and tabs.
        let long_lines = (
            prop::collection::vec("[ \t]{0,12}[a-z #\t\u{a0}é]{0,20}", 1..5),
            0..3usize,
        )
            .prop_map(|(lines, trailing)| lines.join("\n") + &"\n".repeat(trailing));
        prop_oneof![3 => tricky_string(), 2 => spliced, 2 => long_lines]
    }

    #[test]
    fn special_words_are_recognised() {
        for word in ["y", "N", "yes", "No", "ON", "off", "True", "FALSE", "nuLL"] {
            assert!(!is_plain_safe(word), "{word}");
        }
        for word in [
            "ye", "yess", "o", "of", "nul", "tru", "fals", "nulll", "a_", "y-", "n/",
        ] {
            assert!(is_plain_safe(word), "{word}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// The plain and literal-block decisions and texts are those of [`reference`]; quoted text
        /// is serde_json's with the YAML-hostile escapes.
        #[test]
        fn writer_matches_reference(s in decision_string(), indent in 0usize..80) {
            prop_assert_eq!(is_plain_safe(&s), reference::is_plain_safe(&s));
            let mut out = String::from("x: ");
            let mut expected = out.clone();
            let written = write_literal(&mut out, &s, indent);
            prop_assert_eq!(written, reference::is_literal_safe(&s));
            if written {
                reference::write_literal(&mut expected, &s, indent);
            }
            prop_assert_eq!(&out, &expected);
            // Quoted text is serde_json's escaping plus the YAML-hostile characters.
            write_json_string(&mut out, &s);
            expected.push_str(&escape_yaml_hostile(&serde_json::to_string(&s).unwrap()));
            prop_assert_eq!(out, expected);
        }

        #[test]
        fn to_yaml_round_trips(value in any_value().prop_filter("null root is no document", |v| !v.is_null())) {
            let text = to_yaml(&value);
            prop_assert!(text.ends_with('\n') && !text.starts_with("---"));
            let docs = parse_documents(&text).map_err(|e| TestCaseError::fail(format!("{e}\n--- text:\n{text}")))?;
            prop_assert_eq!(docs.len(), 1, "text:\n{}", text);
            prop_assert_eq!(&docs[0], &value, "text:\n{}", text);
        }

        #[test]
        fn json_scalar_strings_embed_as_yaml_values(s in tricky_string()) {
            let text = format!("key: {}\n", json_scalar(&Value::String(s.clone())));
            let docs = parse_documents(&text).map_err(|e| TestCaseError::fail(format!("{e}\n--- text:\n{text}")))?;
            prop_assert_eq!(docs, vec![json!({ "key": s })], "text:\n{}", text);
        }

        /// Strings are escaped exactly as serde_json escapes them, plus the YAML-hostile characters.
        #[test]
        fn string_escaping_is_serde_json_plus_hostile_characters(s in tricky_string()) {
            prop_assert_eq!(
                json_scalar(&Value::String(s.clone())),
                escape_yaml_hostile(&serde_json::to_string(&s).unwrap())
            );
        }

        /// Whole values (flow collections with awkward keys included) embed the same way, and the
        /// text stays JSON that serde_json reads back unchanged.
        #[test]
        fn json_scalar_values_embed_as_yaml_values(value in any_value()) {
            let scalar = json_scalar(&value);
            // Compared with serde_json's own reading of its unescaped output, not with `value`:
            // without its `float_roundtrip` feature serde_json may misread a float's last digit.
            let plain_json = serde_json::from_str::<Value>(&value.to_string()).unwrap();
            prop_assert_eq!(serde_json::from_str::<Value>(&scalar).unwrap(), plain_json);
            let text = format!("key: {scalar}\n");
            let docs = parse_documents(&text).map_err(|e| TestCaseError::fail(format!("{e}\n--- text:\n{text}")))?;
            prop_assert_eq!(docs, vec![json!({ "key": value })], "text:\n{}", text);
        }
    }
}

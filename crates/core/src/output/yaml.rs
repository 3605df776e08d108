//! YAML text in and out: objects written as block-style YAML (serde-saphyr's serializer), the
//! scalar formatter the templates use for every `{{ }}`, and the multi-document reader used to
//! read rendered templates back.
//!
//! The written YAML is read by kubectl (sigs.k8s.io/yaml, a go-yaml v2 fork that follows YAML 1.1
//! in places: `yes`/`on`/`y` are booleans, `0755` is octal, `1:20` is sexagesimal, U+0085/U+2028/
//! U+2029 are line breaks) and by Helm and other YAML 1.2 readers, so every string must read the
//! same under both specifications: the tests below hold the serializer to that.

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

/// Serialise a value as one block-style YAML document (no leading `---`, ends with "\n"), with
/// serde-saphyr's serializer.
///
/// Its choices read the same under YAML 1.1 and 1.2: strings that a YAML 1.1 reader would take
/// for a boolean, null, number or timestamp (`yes`, `on`, `y`, `~`, `0o17`, `1e3`, `1:20`,
/// `2024-01-01`) are quoted, and characters readers reject or fold (C0 and C1 controls, U+2028,
/// U+2029, U+FEFF) are escaped in double quotes. Sequences are indented under their key
/// (`containers:\n  - name: x`, as kubectl and Helm write them). Multi-line strings are literal
/// block scalars only where every reader reads them back exactly ([`is_literal_safe`]), and
/// double-quoted otherwise; long single-line strings are never folded (`>`), whose reading depends
/// on trailing spaces and line breaks an editor may change. Keys longer than YAML's
/// 1024-character limit for implicit keys are written as explicit `? key` entries.
pub fn to_yaml(value: &Value) -> String {
    let options = serde_saphyr::ser_options! {
        compact_list_indent: false,
        folded_wrap_chars: usize::MAX,
    };
    let text = serde_saphyr::to_string_with_options(&Styled(value), options)
        .expect("JSON data serialises as YAML");
    quote_marker_lines(text)
}

/// JSON data as serde-saphyr writes it, but with the multi-line strings that are not
/// [`is_literal_safe`] double-quoted: serde-saphyr would write them as block scalars (after an
/// empty first line, or starting with a tab or space, with an indentation indicator), which
/// kubectl's YAML reader rejects ("found a tab character where an indentation space is expected")
/// or which read differently after an editor strips trailing whitespace.
struct Styled<'a>(&'a Value);

impl serde::Serialize for Styled<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::String(s) if s.contains('\n') && !is_literal_safe(s) => {
                serde_saphyr::DoubleQuoted(s.as_str()).serialize(serializer)
            }
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Styled(item))?;
                }
                seq.end()
            }
            Value::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, &Styled(value))?;
                }
                map.end()
            }
            scalar => scalar.serialize(serializer),
        }
    }
}

/// Whether a multi-line string reads back exactly as a literal block scalar in every reader: its
/// first line is not empty and does not start with whitespace (readers detect the indentation
/// from it), no line consists only of whitespace (readers disagree on such lines, and they are
/// invisible in review), and it holds no control character but tab and newline and none of
/// [`is_yaml_hostile`] (YAML 1.1 reads U+0085, U+2028 and U+2029 as line breaks).
fn is_literal_safe(s: &str) -> bool {
    let body = s.trim_end_matches('\n');
    body.chars().next().is_some_and(|c| !c.is_whitespace())
        && !s
            .chars()
            .any(|c| (c.is_control() && c != '\t' && c != '\n') || is_yaml_hostile(c))
        && body
            .split('\n')
            .all(|line| line.is_empty() || !line.chars().all(char::is_whitespace))
}

/// serde-saphyr writes a top-level key or scalar such as `---x` plain: valid YAML (a document
/// marker is `---` followed by a space or the line's end), but Helm splits manifests on any line
/// that starts with `---`, and `...` ends a document for some readers. Such a plain scalar starts
/// its line (nothing else in block style starts at column 0 with them: nested nodes are
/// indented, quoted text is on one line), so it is quoted with [`json_scalar`].
fn quote_marker_lines(text: String) -> String {
    let starts_with_marker = |line: &str| line.starts_with("---") || line.starts_with("...");
    // Searched for in the whole text first (quicker than line by line): most texts have none.
    if !starts_with_marker(&text) && !text.contains("\n---") && !text.contains("\n...") {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split_inclusive('\n') {
        if !starts_with_marker(line) {
            out.push_str(line);
            continue;
        }
        // A plain scalar holds no `: ` and does not end with `:`, so the first of them ends a
        // key; without one, the line is a whole scalar.
        let body = line.trim_end_matches('\n');
        let end = body
            .find(": ")
            .or_else(|| body.strip_suffix(':').map(str::len))
            .unwrap_or(body.len());
        out.push_str(&json_scalar(&Value::String(body[..end].to_owned())));
        out.push_str(&line[end..]);
    }
    out
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
            - --port=8080
            - serve
          command:
            - /bin/sh
            - -c
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
              memory: 512Mi
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
        let expected = "data:\n  nginx.conf: |-\n    server {\n      listen 80;\n    }\n  keep.txt: |+\n    a\n\n  .dockerconfigjson: \"{\\\"auths\\\":{}}\"\n";
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
            "<<",
            "=",
            "a:",
            "[x]",
            "{x}",
            "'x'",
            "\"x\"",
            "-",
            "---",
            "...",
            "x ",
            " x",
            "2024-01-01",
            "2001-12-14t21:59:43.10-05:00",
            "+1",
            "1_000",
            "0b101",
            "+.5",
            "1.",
        ];
        // A YAML 1.1 or 1.2 reader would read these plain as another type, or as syntax.
        for s in quoted {
            let text = to_yaml(&json!(s));
            assert!(
                text.starts_with(['"', '\'']),
                "{s:?} should be quoted: {text}"
            );
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
            "e3",
            "500Gi",
            "-x",
            "--port=8080",
            "_x",
            "?x",
            "a b",
            "a,b",
        ];
        for s in plain {
            assert_eq!(to_yaml(&json!(s)), format!("{s}\n"));
            assert_eq!(roundtrip(&json!({ s: s })), json!({ s: s }), "{s:?}");
        }
    }

    /// Multi-line text reads back exactly, as a literal block or quoted; characters readers
    /// reject or read as line breaks are never written raw.
    #[test]
    fn multiline_text_round_trips_and_hostile_characters_are_escaped() {
        for s in [
            "\nleading empty line",
            " indented first\nx",
            "\tfirst\nx",
            "a\n  \nb",
            "a\n\t\n",
            "crlf\r\nline",
            "nel\u{85}\nx",
            "ls\u{2028}\nx",
            "ps\u{2029}x",
            "bom\u{feff}\nx",
            "c1\u{80}\u{9f}\u{7f}x",
            "bell\u{7}\nx",
            "\n",
            "\n\n",
        ] {
            let text = to_yaml(&json!({ "k": s }));
            assert!(!text.chars().any(is_yaml_hostile), "{s:?}: {text}");
            assert_eq!(roundtrip(&json!({ "k": s })), json!({ "k": s }), "{text}");
            assert_eq!(roundtrip(&json!({ s: 1 })), json!({ s: 1 }), "as key");
        }
        // A block scalar whose first line is empty or starts with whitespace, or with a line of
        // only whitespace, is refused by kubectl's reader or changed by editors: quoted instead.
        for s in [
            "\nleading empty line",
            "\n\tTabbed",
            " indented first\nx",
            "\tfirst\nx",
            "a\n  \nb",
            "a\n\t\n",
            "\n",
        ] {
            let text = to_yaml(&json!({ "k": s }));
            assert!(text.starts_with("k: \""), "{s:?}: {text}");
        }
        assert_eq!(
            to_yaml(&json!({"k": "a\n\tb\n  c "})),
            "k: |-\n  a\n  \tb\n    c \n"
        );
        // Long lines are not folded.
        let long = "word ".repeat(40);
        assert_eq!(to_yaml(&json!({ "k": long })), format!("k: \"{long}\"\n"));
    }

    /// A top-level key or scalar that starts like a document marker is quoted.
    #[test]
    fn document_markers_are_quoted_at_the_start_of_a_line() {
        for s in ["---x", "...x", "---", "--- x", "---a:b", "...:"] {
            for value in [json!({ s: 1 }), json!({ s: {"a": s} }), json!(s)] {
                let text = to_yaml(&value);
                assert!(
                    text.lines()
                        .all(|l| !l.starts_with("---") && !l.starts_with("...")),
                    "{text}"
                );
                assert_eq!(roundtrip(&value), value, "{text}");
            }
        }
    }

    #[test]
    fn long_keys_use_explicit_entries() {
        let long = "k".repeat(1500);
        let spaced_long = format!("{} x", "k".repeat(1200));
        let value = json!({
            long.clone(): {"a": 1},
            "short": [{ spaced_long.clone(): "v", "b": "x\ny" }],
            "k".repeat(1000): "boundary",
        });
        let text = to_yaml(&value);
        assert!(text.starts_with(&format!("? {long}\n: a: 1\n")), "{text}");
        assert!(
            text.contains(&format!("  - ? {spaced_long}\n    : v\n")),
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

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        #[test]
        fn to_yaml_round_trips(value in any_value().prop_filter("null root is no document", |v| !v.is_null())) {
            let text = to_yaml(&value);
            prop_assert!(text.ends_with('\n'));
            prop_assert!(text.lines().all(|l| !l.starts_with("---") && !l.starts_with("...")), "text:\n{}", text);
            prop_assert!(!text.chars().any(is_yaml_hostile), "text:\n{}", text);
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

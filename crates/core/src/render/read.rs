//! Reading a rendered template's text into its documents: the events of granit-parser (the
//! YAML parser serde-saphyr reads with), built into JSON values directly.
//!
//! The text is napgen's own template text with placeholders, never a value, so the reader is
//! strict where YAML leaves room for surprise and fails rather than guess: no tags, anchors,
//! aliases or merge keys, keys are scalars, duplicate keys are errors, and a plain scalar must
//! read the same under YAML 1.1 and 1.2. A plain scalar is null (empty, `~`, `null`, `Null`,
//! `NULL`), a boolean (`true`/`false`, `True`/`False`, `TRUE`/`FALSE`), a decimal integer
//! without leading zeros, a Kubernetes quantity (`500m`, `64Mi`: text), or text that starts
//! with a letter, `/`, `--` or `-` and a letter (`--port`, `-c`) and is none of YAML 1.1's
//! boolean words (`yes`, `no`, `on`, `off`, `y`, `n` in any case); anything else (`0755`, `1e3`,
//! `.inf`, `1.5`, `yes`) is an error asking for quotes. Quoted and block scalars are text.
//! Within those rules the documents are those serde-saphyr reads (a test compares the two on
//! every template of every profile). Reading this way costs less than half of going through
//! serde's deserializer (docs/performance.md).

use granit_parser::{Event, Parser, ScalarStyle};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// A collection being read: a sequence, or a mapping with the key that waits for its value.
enum Open {
    Sequence(Vec<Value>),
    Mapping(Map<String, Value>, Option<String>),
}

/// The documents of `text` that are not empty or null. Errors read `line L column C: message`.
pub(super) fn documents(text: &str) -> Result<Vec<Value>, String> {
    let mut documents = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    for next in Parser::new_from_str(text) {
        let (event, span) = next.map_err(|e| {
            let at = e.marker();
            format!("line {} column {}: {}", at.line(), at.col() + 1, e.info())
        })?;
        let at = |message: String| {
            format!(
                "line {} column {}: {message}",
                span.start.line(),
                span.start.col() + 1
            )
        };
        let (anchor, tagged) = match &event {
            Event::Scalar(_, _, anchor, tag)
            | Event::SequenceStart(_, anchor, tag)
            | Event::MappingStart(_, anchor, tag) => (*anchor, tag.is_some()),
            _ => (0, false),
        };
        if anchor != 0 || tagged {
            return Err(at("templates use no anchors or tags".into()));
        }
        let value = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(..) => continue,
            Event::DocumentEnd => continue,
            Event::SequenceStart(..) => {
                open.push(Open::Sequence(Vec::new()));
                continue;
            }
            Event::MappingStart(..) => {
                open.push(Open::Mapping(Map::new(), None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some(Open::Sequence(items)) => Value::Array(items),
                Some(Open::Mapping(entries, _)) => Value::Object(entries),
                None => return Err(at("a collection ends that never started".into())),
            },
            Event::Scalar(text, style, ..) => {
                if let Some(Open::Mapping(_, key @ None)) = open.last_mut() {
                    if style == ScalarStyle::Plain && text == "<<" {
                        return Err(at("templates use no merge keys".into()));
                    }
                    *key = Some(text.into_owned());
                    continue;
                }
                scalar(&text, style).map_err(at)?
            }
            // Aliases, anchors' names (and comments, which this parser is built without).
            _ => return Err(at("templates use no anchors or aliases".into())),
        };
        place(value, &mut open, &mut documents).map_err(at)?;
    }
    Ok(documents)
}

/// Put a finished value into the collection it belongs to, or among the documents.
fn place(value: Value, open: &mut [Open], documents: &mut Vec<Value>) -> Result<(), String> {
    match open.last_mut() {
        None if value.is_null() => {}
        None => documents.push(value),
        Some(Open::Sequence(items)) => items.push(value),
        Some(Open::Mapping(_, None)) => return Err("a key is a collection, not text".into()),
        Some(Open::Mapping(entries, key)) => {
            match entries.entry(key.take().expect("the key is set")) {
                Entry::Occupied(entry) => return Err(format!("duplicate key {:?}", entry.key())),
                Entry::Vacant(entry) => entry.insert(value),
            };
        }
    }
    Ok(())
}

/// The suffixes of Kubernetes quantities (`500m`, `64Mi`): digits and one of them read as text.
const QUANTITY_SUFFIXES: &[&str] = &[
    "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
];

/// The value of a scalar: quoted and block scalars are text; plain ones as the module says.
fn scalar(text: &str, style: ScalarStyle) -> Result<Value, String> {
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        _ => {}
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || digits.starts_with(|c: char| ('1'..='9').contains(&c)));
    let number = match canonical {
        true if text.starts_with('-') => text.parse::<i64>().ok().map(Value::from),
        true => text.parse::<u64>().ok().map(Value::from),
        false => None,
    };
    if let Some(number) = number {
        return Ok(number);
    }
    let yaml_11_word = ["yes", "no", "on", "off", "y", "n", "true", "false"]
        .iter()
        .any(|word| text.eq_ignore_ascii_case(word));
    let starts_as_text = match text.as_bytes() {
        [b'-', b'-' | b'a'..=b'z' | b'A'..=b'Z', ..] => true,
        [first, ..] => first.is_ascii_alphabetic() || *first == b'/',
        [] => false,
    };
    let quantity = text
        .find(|c: char| !c.is_ascii_digit())
        .filter(|&end| end > 0)
        .is_some_and(|end| QUANTITY_SUFFIXES.contains(&&text[end..]));
    if yaml_11_word || !(starts_as_text || quantity) {
        return Err(format!(
            "the plain scalar {text:?} may not read as text everywhere: quote it"
        ));
    }
    Ok(Value::String(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_documents_as_serde_saphyr_does() {
        let text = "# c\n---\na: 1\nb: [x, \"\u{e000}0\", -2, true, ~]\nc:\n  - d: 'e'\n    f: |\n      g\n---\n---\nnull\n---\nh: {i: j}\nk:\nl: /x\nm: [-c, --port, -5, 500m, 64Mi, 1E]\n";
        let read = documents(text).unwrap();
        assert_eq!(read, crate::output::yaml::parse_documents(text).unwrap());
        assert_eq!(
            read,
            vec![
                json!({"a": 1, "b": ["x", "\u{e000}0", -2, true, null], "c": [{"d": "e", "f": "g\n"}]}),
                json!({"h": {"i": "j"}, "k": null, "l": "/x", "m": ["-c", "--port", -5, "500m", "64Mi", "1E"]}),
            ]
        );
    }

    #[test]
    fn refuses_what_could_read_differently_or_is_not_plain_data() {
        for (text, message) in [
            ("a: yes\n", "quote it"),
            ("a: Off\n", "quote it"),
            ("a: 0755\n", "quote it"),
            ("a: 1e3\n", "quote it"),
            ("a: .inf\n", "quote it"),
            ("a: 1.5\n", "quote it"),
            ("a: 1Mb\n", "quote it"),
            ("a: 0xF\n", "quote it"),
            ("a: +1\n", "quote it"),
            ("a: 99999999999999999999\n", "quote it"),
            ("a: !!str x\n", "tags"),
            ("a: &x 1\nb: *x\n", "anchors"),
            ("<<: {a: 1}\n", "merge keys"),
            ("{a: 1}: 2\n", "a key is a collection"),
            ("a: 1\nb: 2\na: 3\n", "duplicate key \"a\""),
            ("a: [1,\n", "unclosed bracket"),
            ("a: -1x\n", "quote it"),
            ("a: -.5\n", "quote it"),
        ] {
            let e = documents(text).unwrap_err();
            assert!(e.contains(message), "{text:?}: {e}");
            assert!(e.starts_with("line "), "{text:?}: {e}");
        }
    }

    /// Every plain scalar written after `key: ` or `- ` in a template's text (branches no
    /// profile takes included) is one the reader accepts; flow collections are read by the
    /// profile tests.
    #[test]
    fn every_block_plain_scalar_of_the_templates_is_accepted() {
        for (name, source) in crate::render::TEMPLATES {
            for (number, line) in source.lines().enumerate() {
                let line = line.trim_start();
                if line.starts_with('#') || line.contains("{{") || line.contains("{%") {
                    continue;
                }
                let value = match line.split_once(": ") {
                    Some((_, value)) => value,
                    None => line.strip_prefix("- ").unwrap_or(""),
                };
                let value = value.split(" #").next().unwrap_or("").trim();
                if value.is_empty()
                    || value.contains(": ")
                    || value.starts_with(['"', '\'', '[', '{', '|', '>', '-', '&', '*', '!'])
                {
                    continue;
                }
                if let Err(e) = scalar(value, ScalarStyle::Plain) {
                    panic!("{name} line {}: {e}", number + 1);
                }
            }
        }
    }
}

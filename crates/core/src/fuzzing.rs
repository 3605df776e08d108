//! The properties the fuzz target (`fuzz/`) checks, shared with the test that replays saved
//! inputs (`tests/fuzz_regressions.rs`) so every crash found stays fixed.

use crate::config::{dotenv, registry, validate};
use crate::diagnostic::Shown;
use crate::output::{bundle, yaml};
use crate::pipeline;

/// Run load → validate → plan → render → emit over arbitrary input and panic if a property
/// fails. The input is a values file, optionally followed by a NUL byte and `--set` lines.
///
/// Properties: nothing panics; valid settings always render; the bundle parses back into exactly
/// the rendered objects; no message quotes a value given in the input that messages may not
/// quote (a secret's, or one on several lines or longer than they quote; see [`Shown`]).
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (file, sets) = text.split_once('\0').unwrap_or((&text, ""));
    let (mut entries, mut diagnostics) = dotenv::parse_dotenv(file, "fuzz.env");
    for line in sets.lines() {
        match dotenv::parse_set_flag(line) {
            Ok(entry) => entries.push(entry),
            Err(d) => diagnostics.push(d),
        }
    }
    let validated = validate::validate(&entries);
    diagnostics.extend(validated.diagnostics);
    // A value messages may not quote: a secret's, or one on several lines or too long to quote.
    let hidden = |e: &dotenv::Entry| {
        registry::key(&e.key).is_some_and(|k| Shown::value(k, &e.value).text().is_none())
    };
    let secret = |e: &dotenv::Entry| registry::key(&e.key).is_some_and(|k| k.is_secret());
    // Text the input also gives where messages may show it: a key, a quotable value, and for a
    // secret's text also any part of a non-secret value (messages quote short parts of those).
    let quotable: Vec<&str> = entries
        .iter()
        .filter(|e| !hidden(e))
        .flat_map(|e| [e.key.as_str(), e.value.as_str()])
        .collect();
    let not_secret: Vec<&str> = entries
        .iter()
        .filter(|e| !secret(e))
        .flat_map(|e| [e.key.as_str(), e.value.as_str()])
        .collect();
    for entry in entries.iter().filter(|e| hidden(e)) {
        let given_elsewhere = if secret(entry) {
            &not_secret
        } else {
            &quotable
        };
        let also_public = given_elsewhere
            .iter()
            .any(|p| p.contains(entry.value.as_str()));
        // Short values may occur in any message by chance; a real secret is long.
        if !also_public && entry.value.chars().count() >= 12 {
            for d in &diagnostics {
                assert!(
                    !d.to_string().contains(&entry.value),
                    "a value messages may not quote appears in: {d}"
                );
            }
        }
    }
    if let Some(config) = validated.config {
        let (_, objects) =
            pipeline::render_objects(&config).expect("a valid configuration always renders");
        let bundle = bundle::bundle(&objects, "fuzz");
        let documents = yaml::parse_documents(&bundle).expect("the bundle always parses");
        assert_eq!(documents.len(), objects.len());
        for (doc, object) in documents.iter().zip(&objects) {
            assert_eq!(
                doc, &object.value,
                "{} did not read back as rendered",
                object.source
            );
        }
    }
}

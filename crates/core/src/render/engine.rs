//! The template engine: minijinja at run time, each `{{ }}` kept out of the YAML text.
//!
//! A template renders to YAML text in which every `{{ }}` is a placeholder: a double-quoted
//! string holding a private-use character and the expression's number, while the value itself
//! is kept aside as JSON data. The text, which holds nothing but the template's own words and
//! placeholders, is read with napgen's YAML reader; then every placeholder is replaced by its
//! value, after checking that it stands for a whole key or value and appears exactly once.
//!
//! So no value can change a document's structure, whatever characters it holds: values never
//! pass through the YAML reader at all, and a reading error can only quote the template's text,
//! never a value (a secret). The result is the same as writing each value as escaped JSON into
//! the text and reading that ([`crate::output::yaml::json_scalar`]); a test renders every
//! template of every profile both ways. Keeping the values out of the text also makes reading
//! three times cheaper (the values are most of a bundle's bytes), and the text of a template
//! depends only on which branches it takes, so a thread reads each distinct text once
//! (docs/performance.md has the figures).

use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde_json::map::Entry;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;

/// Starts every placeholder; no template holds it (a test checks).
pub(super) const PLACEHOLDER: char = '\u{e000}';

/// How many distinct template texts a thread keeps read; past it the memory starts again.
const READ_TEXTS_KEPT: usize = 512;

thread_local! {
    /// The environment, with each embedded template compiled on first use.
    static ENVIRONMENT: RefCell<Environment<'static>> = RefCell::new(environment());
    /// The values of the `{{ }}` of the template being rendered, by number.
    static VALUES: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
    /// Template texts already read, with their documents (placeholders not yet replaced).
    static READ_TEXTS: RefCell<HashMap<String, Vec<Value>>> = RefCell::new(HashMap::new());
}

/// The environment templates are rendered in: undefined names are errors, and every `{{ }}`
/// writes a placeholder and keeps its value in [`VALUES`].
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(|out, _, value| {
        let json = serde_json::to_value(value)
            .map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
        let number = VALUES.with_borrow_mut(|values| {
            values.push(json);
            values.len() - 1
        });
        write!(out, "\"{PLACEHOLDER}{number}\"").map_err(Error::from)
    });
    env
}

/// Render the embedded template `name` (whose text is `source`) into its documents.
pub(super) fn render_template(
    name: &'static str,
    source: &'static str,
    context: &minijinja::Value,
) -> Result<Vec<Value>, String> {
    ENVIRONMENT.with_borrow_mut(|env| {
        if env.get_template(name).is_err() {
            env.add_template(name, source)
                .map_err(|e| format!("{e:#}"))?;
        }
        Ok::<_, String>(())
    })?;
    let text = ENVIRONMENT.with_borrow(|env| {
        start_values();
        env.get_template(name)
            .and_then(|t| t.render(context))
            .map_err(|e| format!("{e:#}"))
    })?;
    documents(name, text)
}

/// Render `source`, a template that is not embedded (compiled each time), into its documents.
#[cfg(test)]
pub(super) fn render_source(
    name: &str,
    source: &str,
    context: &minijinja::Value,
) -> Result<Vec<Value>, String> {
    let text = ENVIRONMENT.with_borrow(|env| {
        start_values();
        env.render_named_str(name, source, context)
            .map_err(|e| format!("{e:#}"))
    })?;
    documents(name, text)
}

fn start_values() {
    VALUES.with_borrow_mut(Vec::clear);
}

/// The documents of a rendered text: read (or found already read), placeholders replaced.
fn documents(name: &str, text: String) -> Result<Vec<Value>, String> {
    let mut values: Vec<Option<Value>> = VALUES
        .with_borrow_mut(std::mem::take)
        .into_iter()
        .map(Some)
        .collect();
    let known = READ_TEXTS.with_borrow(|texts| {
        let read = texts.get(&text)?;
        Some(fill_documents(read, &mut values))
    });
    let filled = match known {
        Some(filled) => filled,
        None => {
            let read = super::read::documents(&text).map_err(|e| format!("{name}: {e}"))?;
            let filled = fill_documents(&read, &mut values);
            READ_TEXTS.with_borrow_mut(|texts| {
                if texts.len() >= READ_TEXTS_KEPT {
                    texts.clear();
                }
                texts.insert(text, read);
            });
            filled
        }
    }
    .map_err(|e| format!("{name}: {e}"))?;
    if let Some(number) = values.iter().position(Option::is_some) {
        return Err(format!(
            "{name}: {{{{ }}}} number {number} is not in the YAML (in a comment?)"
        ));
    }
    Ok(filled)
}

/// Copies of the documents `read` with their placeholders replaced.
fn fill_documents(read: &[Value], values: &mut [Option<Value>]) -> Result<Vec<Value>, String> {
    read.iter().map(|document| fill(document, values)).collect()
}

/// A copy of `value` with every placeholder replaced by its value from `values` (each taken
/// once). A placeholder must be a whole scalar or key, and a key's value must be text.
fn fill(value: &Value, values: &mut [Option<Value>]) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => take(s, values)?.unwrap_or_else(|| Value::String(s.clone())),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| fill(item, values))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut filled = serde_json::Map::with_capacity(map.len());
            for (key, item) in map {
                let key = match take(key, values)? {
                    Some(Value::String(key)) => key,
                    Some(other) => {
                        return Err(format!("a {{{{ }}}} used as a key is {other}, not text"))
                    }
                    None => key.clone(),
                };
                match filled.entry(key) {
                    Entry::Occupied(entry) => {
                        return Err(format!("duplicate key {:?}", entry.key()))
                    }
                    Entry::Vacant(entry) => entry.insert(fill(item, values)?),
                };
            }
            Value::Object(filled)
        }
        scalar => scalar.clone(),
    })
}

/// The value of the placeholder `s`, or `None` when `s` holds none.
fn take(s: &str, values: &mut [Option<Value>]) -> Result<Option<Value>, String> {
    if !s.contains(PLACEHOLDER) {
        return Ok(None);
    }
    let number: usize = s
        .strip_prefix(PLACEHOLDER)
        .and_then(|n| n.parse().ok())
        .filter(|&n| n < values.len())
        .ok_or_else(|| "a {{ }} is part of a longer text, not a whole value".to_string())?;
    match values[number].take() {
        Some(value) => Ok(Some(value)),
        None => Err(format!("{{{{ }}}} number {number} appears twice")),
    }
}

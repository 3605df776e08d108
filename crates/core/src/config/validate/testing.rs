//! Helpers the validation tests share: entries at lines of values.env, and messages as printed.

use super::*;

pub(super) fn entry(key: &str, value: &str, line: usize) -> Entry {
    Entry {
        key: key.into(),
        value: value.into(),
        origin: Origin::file("values.env", line),
    }
}

/// Validate `pairs` as the lines of values.env, in order.
pub(crate) fn run(pairs: &[(&str, &str)]) -> Validated {
    let entries: Vec<_> = pairs
        .iter()
        .enumerate()
        .map(|(i, (k, v))| entry(k, v, i + 1))
        .collect();
    validate(&entries)
}

pub(super) fn messages(v: &Validated) -> Vec<String> {
    v.diagnostics.iter().map(|d| d.to_string()).collect()
}

/// The single error for `key`, as printed.
pub(super) fn error_for(pairs: &[(&str, &str)], key: &str) -> String {
    let v = run(pairs);
    let errs: Vec<_> = v
        .errors()
        .filter(|d| d.key.as_deref() == Some(key))
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        errs.len(),
        1,
        "expected one error for {key}, got {:?}",
        messages(&v)
    );
    errs[0].clone()
}

pub(super) const SECRET_VALUE: &str = "hunter2-very-secret";

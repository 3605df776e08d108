//! Validated, typed settings: one value per registry key, defaults applied.

use crate::config::registry::{self, KEYS};
use crate::diagnostic::Origin;
use indexmap::IndexMap;
use std::fmt;

/// A parsed value of the type its key declares.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    Unset,
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<String>),
}

/// A value and where it came from (`None`: the registry default).
#[derive(Clone)]
pub struct Setting {
    pub value: Value,
    pub origin: Option<Origin>,
}

/// Every registry key with its value. Accessors take the key's name and panic on a name the
/// registry does not declare or on a type mismatch: both are programming errors that any render
/// test exposes.
#[derive(Clone, Default)]
pub struct Settings {
    values: crate::OrderedMap<&'static str, Setting>,
}

impl Settings {
    /// Empty, with room for every registry key.
    pub(crate) fn for_registry() -> Self {
        Settings {
            values: crate::OrderedMap::with_capacity_and_hasher(KEYS.len(), Default::default()),
        }
    }

    pub(crate) fn insert(&mut self, name: &'static str, setting: Setting) {
        self.values.insert(name, setting);
    }

    fn get(&self, name: &str) -> &Value {
        match self.values.get(name) {
            Some(s) => &s.value,
            None => {
                assert!(
                    registry::key(name).is_some(),
                    "{name} is not a registry key"
                );
                &Value::Unset
            }
        }
    }

    pub fn bool(&self, name: &str) -> bool {
        match self.get(name) {
            Value::Bool(b) => *b,
            Value::Unset => false,
            _ => panic!("{name} is not a bool"),
        }
    }

    pub fn int(&self, name: &str) -> i64 {
        match self.get(name) {
            Value::Int(i) => *i,
            _ => panic!("{name} is not a set int"),
        }
    }

    /// The value as a number, `None` when unset (e.g. because the given value was invalid).
    pub fn int_opt(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Value::Int(i) => Some(*i),
            Value::Unset => None,
            _ => panic!("{name} is not an int"),
        }
    }

    /// The value as text; `""` when unset.
    pub fn str(&self, name: &str) -> &str {
        self.opt(name).unwrap_or("")
    }

    /// The value as text, `None` when unset.
    pub fn opt(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Value::Str(s) => Some(s),
            Value::Unset => None,
            _ => panic!("{name} is not a string"),
        }
    }

    pub fn list(&self, name: &str) -> &[String] {
        match self.get(name) {
            Value::List(l) => l,
            Value::Unset => &[],
            _ => panic!("{name} is not a list"),
        }
    }

    pub fn is_set(&self, name: &str) -> bool {
        !matches!(self.get(name), Value::Unset)
    }

    /// Where the user gave the value; `None` for defaults.
    pub fn origin(&self, name: &str) -> Option<&Origin> {
        self.values.get(name).and_then(|s| s.origin.as_ref())
    }

    /// The non-secret settings as text, in registry order (for the chart's values.yaml).
    pub fn public_values(&self) -> IndexMap<&'static str, String> {
        KEYS.iter()
            .filter(|k| !k.is_secret() && self.is_set(k.name))
            .map(|k| (k.name, self.display(k.name)))
            .collect()
    }

    /// A value as it would be written in values.env (lists comma-joined). Secrets print as `<secret>`.
    pub fn display(&self, name: &str) -> String {
        if registry::key(name).is_some_and(|k| k.is_secret()) && self.is_set(name) {
            return "<secret>".into();
        }
        match self.get(name) {
            Value::Unset => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Str(s) => s.clone(),
            Value::List(l) => l.join(","),
        }
    }
}

impl fmt::Debug for Settings {
    /// Secrets are redacted so a stray `{:?}` cannot leak them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.values.keys().map(|k| (k, self.display(k))))
            .finish()
    }
}

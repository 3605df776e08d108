//! A template compiled ahead of time: its YAML documents as trees, with a slot wherever a `{{ }}`
//! stands, inside the loops and conditions that repeat or select them.
//!
//! `build.rs` compiles every file under templates/ into these types ([`super::compile`]) and
//! embeds them in the binary as static data, so a run neither parses a template nor reads YAML.
//! Slices are `Cow`s so that the same types hold the static data and templates compiled at run
//! time (in tests).

use std::borrow::Cow;

/// A run of a template's output: documents, or a loop or condition around more of them.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// One YAML document. Its slots index `exprs`.
    Document {
        root: Node,
        exprs: Cow<'static, [Expr]>,
        /// Whether a slot stands for a key somewhere in it (such keys are checked when
        /// rendering).
        slot_keys: bool,
    },
    /// `{% for var in iter %}…{% endfor %}`.
    For {
        var: &'static str,
        iter: Expr,
        body: Cow<'static, [Item]>,
    },
    /// `{% if cond %}…{% else %}…{% endif %}`.
    If {
        cond: Expr,
        then: Cow<'static, [Item]>,
        otherwise: Cow<'static, [Item]>,
    },
}

/// A YAML value of a document, as written in the template.
// Not every variant occurs in the templates napgen ships.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// A positive integer above `i64::MAX`.
    UInt(u64),
    Float(f64),
    Str(&'static str),
    Seq(Cow<'static, [Node]>),
    Map(Cow<'static, [(Key, Node)]>),
    /// A `{{ }}`: the value of the document's expression with this index.
    Slot(usize),
    /// A mapping value or sequence item without slots (and not null), with its text as written
    /// at its place in the document: a mapping entry's from its key on, a sequence item's from
    /// its dash on, without the indentation before them. Written by copying the text; read as
    /// `node` for everything else.
    Fixed {
        text: &'static str,
        node: &'static Node,
    },
}

/// A mapping key: text, or a `{{ }}` that must give a string.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Str(&'static str),
    Slot(usize),
}

/// The expressions templates may use: a name with attributes (`policy.pod_selector`), a string
/// constant, and `~` (concatenation as text).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Path {
        name: &'static str,
        attrs: Cow<'static, [&'static str]>,
    },
    Str(&'static str),
    Concat(Cow<'static, [Expr]>),
}

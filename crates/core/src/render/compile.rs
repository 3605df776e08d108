//! Compiling a template ([`super::template`]): minijinja parses it, then each run of text
//! between `{% %}` tags is read as YAML, with a marker where each `{{ }}` stands, and every
//! marker becomes a slot of its document. Parts of a document without slots keep the text the
//! writer gives them at their place ([`Node::Fixed`]), so writing them is a copy.
//!
//! `build.rs` runs this on every file under templates/ (a template that does not compile fails
//! the build, naming the file and line); the tests run it on templates written inline. Values
//! are never part of the text that is read as YAML, so no value can change a document's
//! structure.
//!
//! Templates keep to what can be compiled this way: `{{ }}` holds a name with attributes, a
//! string, or `~` of those, and stands for a whole YAML value (a mapping value, a sequence item
//! or a key); `{% for x in … %}` and `{% if … %}` (with `{% else %}`) hold whole documents,
//! each starting with `---`, and the text after them starts a new document too.

use super::template::{Expr, Item, Key, Node};
use minijinja::machinery::ast;
use serde_json::Value;
use std::borrow::Cow;

/// Starts a slot marker in the text read as YAML: a private-use character no template holds.
const MARKER: char = '\u{e000}';

/// Compile the template `name` from its text.
pub fn compile(name: &str, source: &str) -> Result<Vec<Item>, String> {
    if source.contains(MARKER) {
        return Err(format!(
            "{name}: holds the character U+E000, which is reserved"
        ));
    }
    let ast = minijinja::machinery::parse(source, name, Default::default())
        .map_err(|e| format!("{e:#}"))?;
    let ast::Stmt::Template(template) = ast else {
        return Err(format!("{name}: not a template"));
    };
    Compiler { name }.block(&template.children, false)
}

struct Compiler<'n> {
    name: &'n str,
}

/// Text between tags, with a marker for each `{{ }}`, and those expressions.
#[derive(Default)]
struct Segment {
    text: String,
    exprs: Vec<Expr>,
    /// The line the segment starts on, for errors.
    line: u16,
}

impl Compiler<'_> {
    fn error(&self, line: u16, message: &str) -> String {
        format!("{}:{line}: {message}", self.name)
    }

    /// The items of a run of statements. `after_tag`: the run follows a `{% %}` tag, so its
    /// first document must start with `---`.
    fn block(&self, stmts: &[ast::Stmt], after_tag: bool) -> Result<Vec<Item>, String> {
        let mut items = Vec::new();
        let mut segment = Segment::default();
        let mut after_tag = after_tag;
        for stmt in stmts {
            match stmt {
                ast::Stmt::EmitRaw(raw) => {
                    if segment.text.is_empty() {
                        segment.line = raw.span().start_line;
                    }
                    segment.text.push_str(raw.raw);
                }
                ast::Stmt::EmitExpr(emit) => {
                    let line = emit.span().start_line;
                    if segment.text.is_empty() {
                        segment.line = line;
                    }
                    let expr = self.expr(&emit.expr, line)?;
                    segment.text.push(MARKER);
                    segment.text.push_str(&segment.exprs.len().to_string());
                    segment.exprs.push(expr);
                }
                ast::Stmt::ForLoop(lp) => {
                    let line = lp.span().start_line;
                    self.flush(&mut segment, after_tag, &mut items)?;
                    let ast::Expr::Var(var) = &lp.target else {
                        return Err(self.error(line, "a for loop must bind one name"));
                    };
                    if lp.filter_expr.is_some() || lp.recursive || !lp.else_body.is_empty() {
                        return Err(self.error(
                            line,
                            "for loops with a filter, `recursive` or `else` are not supported",
                        ));
                    }
                    items.push(Item::For {
                        var: leak(var.id),
                        iter: self.expr(&lp.iter, line)?,
                        body: Cow::Owned(self.block(&lp.body, true)?),
                    });
                    after_tag = true;
                }
                ast::Stmt::IfCond(cond) => {
                    let line = cond.span().start_line;
                    self.flush(&mut segment, after_tag, &mut items)?;
                    items.push(Item::If {
                        cond: self.expr(&cond.expr, line)?,
                        then: Cow::Owned(self.block(&cond.true_body, true)?),
                        otherwise: Cow::Owned(self.block(&cond.false_body, true)?),
                    });
                    after_tag = true;
                }
                _ => {
                    return Err(self.error(
                        stmt_line(stmt),
                        "only {{ }}, {% for %} and {% if %} are supported in templates",
                    ))
                }
            }
        }
        self.flush(&mut segment, after_tag, &mut items)?;
        Ok(items)
    }

    fn expr(&self, expr: &ast::Expr, line: u16) -> Result<Expr, String> {
        match expr {
            ast::Expr::Var(var) => Ok(Expr::Path {
                name: leak(var.id),
                attrs: Cow::Owned(Vec::new()),
            }),
            ast::Expr::GetAttr(get) => match self.expr(&get.expr, line)? {
                Expr::Path { name, attrs } => {
                    let mut attrs = attrs.into_owned();
                    attrs.push(leak(get.name));
                    Ok(Expr::Path {
                        name,
                        attrs: Cow::Owned(attrs),
                    })
                }
                _ => Err(self.error(line, "attributes are only looked up on names")),
            },
            ast::Expr::Const(c) => match c.value.as_str() {
                Some(s) => Ok(Expr::Str(leak(s))),
                None => Err(self.error(line, "only string constants are supported")),
            },
            ast::Expr::BinOp(op) if matches!(op.op, ast::BinOpKind::Concat) => {
                let mut parts = Vec::new();
                for side in [&op.left, &op.right] {
                    match self.expr(side, line)? {
                        Expr::Concat(inner) => parts.extend(inner.into_owned()),
                        other => parts.push(other),
                    }
                }
                Ok(Expr::Concat(Cow::Owned(parts)))
            }
            _ => Err(self.error(
                line,
                "only names with attributes, strings and `~` are supported in expressions",
            )),
        }
    }

    /// Read a segment's text as YAML documents and add them to `items`.
    fn flush(
        &self,
        segment: &mut Segment,
        after_tag: bool,
        items: &mut Vec<Item>,
    ) -> Result<(), String> {
        let Segment { text, exprs, line } = std::mem::take(segment);
        let documents = crate::output::yaml::parse_documents(&text)
            .map_err(|e| self.error(line, &format!("invalid YAML: {e}")))?;
        if documents.is_empty() {
            return Ok(());
        }
        if after_tag && !starts_with_document_marker(&text) {
            return Err(self.error(
                line,
                "text after a {% %} tag must start a new document with `---`, so that loops \
                 and conditions hold whole documents",
            ));
        }
        for document in documents {
            let mut used = Vec::new();
            let mut root = self.node(document, &exprs, &mut used, line)?;
            fix(&mut root, 0);
            items.push(Item::Document {
                slot_keys: has_slot(&root, false),
                root,
                exprs: Cow::Owned(used),
            });
        }
        Ok(())
    }

    /// A YAML value as a node; each marker becomes a slot numbered in the order of `used`.
    fn node(
        &self,
        value: Value,
        exprs: &[Expr],
        used: &mut Vec<Expr>,
        line: u16,
    ) -> Result<Node, String> {
        Ok(match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Node::Int(i),
                (None, Some(u), _) => Node::UInt(u),
                (None, None, Some(f)) => Node::Float(f),
                _ => return Err(self.error(line, "a number out of range")),
            },
            Value::String(s) => match self.slot(&s, exprs, used, line)? {
                Some(slot) => Node::Slot(slot),
                None => Node::Str(leak(&s)),
            },
            Value::Array(items) => Node::Seq(Cow::Owned(
                items
                    .into_iter()
                    .map(|v| self.node(v, exprs, used, line))
                    .collect::<Result<_, _>>()?,
            )),
            Value::Object(map) => {
                let mut entries = Vec::with_capacity(map.len());
                for (k, v) in map {
                    let key = match self.slot(&k, exprs, used, line)? {
                        Some(slot) => Key::Slot(slot),
                        None => Key::Str(leak(&k)),
                    };
                    entries.push((key, self.node(v, exprs, used, line)?));
                }
                Node::Map(Cow::Owned(entries))
            }
        })
    }

    /// The slot a scalar stands for, if it is a marker; an error if a marker is part of it.
    fn slot(
        &self,
        text: &str,
        exprs: &[Expr],
        used: &mut Vec<Expr>,
        line: u16,
    ) -> Result<Option<usize>, String> {
        if !text.contains(MARKER) {
            return Ok(None);
        }
        let expr = text
            .strip_prefix(MARKER)
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| exprs.get(n))
            .ok_or_else(|| {
                self.error(
                    line,
                    "a {{ }} must stand for a whole YAML value (a mapping value, a sequence \
                     item or a key), not part of one",
                )
            })?;
        used.push(expr.clone());
        Ok(Some(used.len() - 1))
    }
}

/// Make the parts of a document that hold no slot [`Node::Fixed`], with the text the writer
/// gives them at their place: `node` is a mapping whose keys are at `indent`, or a sequence
/// whose dashes are (the root at 0; nested blocks two deeper, as `yaml` writes them).
fn fix(node: &mut Node, indent: usize) {
    let fixed = |value: &Node, text: String| Node::Fixed {
        text: leak(&text),
        node: Box::leak(Box::new(value.clone())),
    };
    match node {
        Node::Map(entries) => {
            for (key, value) in entries.to_mut() {
                match key {
                    // A null value leaves its entry out: nothing to write.
                    Key::Str(key) if !has_slot(value, true) && *value != Node::Null => {
                        let text = crate::output::yaml::entry_text(key, &as_json(value), indent);
                        *value = fixed(value, text);
                    }
                    _ => fix(value, indent + 2),
                }
            }
        }
        Node::Seq(items) => {
            for item in items.to_mut() {
                if has_slot(item, true) {
                    fix(item, indent + 2);
                } else {
                    let text = crate::output::yaml::item_text(&as_json(item), indent);
                    *item = fixed(item, text);
                }
            }
        }
        _ => {}
    }
}

/// Whether a slot stands somewhere in `node` as a key, or (with `as_value`) as a value too.
fn has_slot(node: &Node, as_value: bool) -> bool {
    match node {
        Node::Slot(_) => as_value,
        Node::Map(entries) => entries
            .iter()
            .any(|(key, value)| matches!(key, Key::Slot(_)) || has_slot(value, as_value)),
        Node::Seq(items) => items.iter().any(|item| has_slot(item, as_value)),
        Node::Fixed { node, .. } => has_slot(node, as_value),
        _ => false,
    }
}

/// A node without slots as the JSON data it renders to: mapping entries whose value is null
/// left out, as when rendering.
fn as_json(node: &Node) -> Value {
    match node {
        Node::Null | Node::Slot(_) => Value::Null,
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => Value::from(*i),
        Node::UInt(u) => Value::from(*u),
        Node::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Node::Str(s) => Value::from(*s),
        Node::Seq(items) => Value::Array(items.iter().map(as_json).collect()),
        Node::Map(entries) => Value::Object(
            entries
                .iter()
                .filter(|(_, value)| *value != Node::Null)
                .map(|(key, value)| {
                    let Key::Str(key) = key else {
                        unreachable!("a node without slots has no slot keys")
                    };
                    (key.to_string(), as_json(value))
                })
                .collect(),
        ),
        Node::Fixed { node, .. } => as_json(node),
    }
}

/// Whether the first line that is neither blank nor a comment is a `---` document marker.
fn starts_with_document_marker(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .is_some_and(|line| line == "---" || line.starts_with("--- "))
}

fn stmt_line(stmt: &ast::Stmt) -> u16 {
    match stmt {
        ast::Stmt::Set(s) => s.span().start_line,
        ast::Stmt::SetBlock(s) => s.span().start_line,
        ast::Stmt::WithBlock(s) => s.span().start_line,
        ast::Stmt::AutoEscape(s) => s.span().start_line,
        ast::Stmt::FilterBlock(s) => s.span().start_line,
        _ => 0,
    }
}

/// Compiled templates live as long as the program (they are static data in the binary).
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

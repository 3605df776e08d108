//! Embeds every file under templates/ into the binary, in sorted order, both as text and
//! compiled ahead of time (src/render/compile.rs), so napgen never reads or compiles a template
//! at run time. A template that does not compile fails the build with its file and line.
use std::fmt::Write as _;
use std::{env, fs, path::Path};

#[allow(dead_code)]
#[path = "src/render/template.rs"]
mod template;

#[path = "src/render/compile.rs"]
mod compile;

/// The YAML reader templates are read with, as at run time.
#[path = "src/output"]
mod output {
    #[allow(dead_code)]
    pub mod yaml;
}

use template::{Expr, Item, Node};

fn main() {
    for file in [
        "src/render/template.rs",
        "src/render/compile.rs",
        "src/output/yaml.rs",
    ] {
        println!("cargo:rerun-if-changed={file}");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut entries: Vec<(String, String)> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("templates/ is readable"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            println!("cargo:rerun-if-changed={}", e.path().display());
            let name = e
                .path()
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (name, e.path().display().to_string())
        })
        .collect();
    entries.sort();
    let mut out = String::from("/// Every template, by its path under templates/.\npub static TEMPLATES: &[(&str, &str)] = &[\n");
    for (name, path) in &entries {
        out.push_str(&format!("    ({name:?}, include_str!({path:?})),\n"));
    }
    out.push_str("];\n\n/// Every template, compiled, by its path under templates/.\npub(crate) static COMPILED: &[(&str, &[Item])] = &[\n");
    let mut failed = false;
    for (name, path) in &entries {
        let source = fs::read_to_string(path).expect("a template is UTF-8 text");
        match compile::compile(name, &source) {
            Ok(items) => {
                let _ = write!(out, "    ({name:?}, ");
                items_code(&mut out, &items);
                out.push_str("),\n");
            }
            Err(e) => {
                println!("cargo:warning=templates/{e}");
                failed = true;
            }
        }
    }
    out.push_str("];\n");
    if failed {
        eprintln!("some templates do not compile (see the warnings above)");
        std::process::exit(1);
    }
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("templates.rs"),
        out,
    )
    .unwrap();
}

/// Rust code for compiled templates, as static data.
fn items_code(out: &mut String, items: &[Item]) {
    out.push_str("&[");
    for item in items {
        match item {
            Item::Document {
                root,
                exprs,
                slot_keys,
            } => {
                out.push_str("Item::Document { root: ");
                node_code(out, root);
                out.push_str(", exprs: Cow::Borrowed(");
                list_code(out, exprs, expr_code);
                let _ = write!(out, "), slot_keys: {slot_keys} }}");
            }
            Item::For { var, iter, body } => {
                let _ = write!(out, "Item::For {{ var: {var:?}, iter: ");
                expr_code(out, iter);
                out.push_str(", body: Cow::Borrowed(");
                items_code(out, body);
                out.push_str(") }");
            }
            Item::If {
                cond,
                then,
                otherwise,
            } => {
                out.push_str("Item::If { cond: ");
                expr_code(out, cond);
                out.push_str(", then: Cow::Borrowed(");
                items_code(out, then);
                out.push_str("), otherwise: Cow::Borrowed(");
                items_code(out, otherwise);
                out.push_str(") }");
            }
        }
        out.push_str(", ");
    }
    out.push(']');
}

fn list_code<T>(out: &mut String, list: &[T], each: fn(&mut String, &T)) {
    out.push_str("&[");
    for x in list {
        each(out, x);
        out.push_str(", ");
    }
    out.push(']');
}

/// Scalars and keys are written by their `Debug` text (`Str("a\n")`, `Float(1.5)`,
/// `Slot(3)`), which is valid Rust for them; collections borrow static slices.
fn node_code(out: &mut String, node: &Node) {
    match node {
        Node::Seq(items) => {
            out.push_str("Node::Seq(Cow::Borrowed(");
            list_code(out, items, node_code);
            out.push_str("))");
        }
        Node::Map(entries) => {
            out.push_str("Node::Map(Cow::Borrowed(");
            list_code(out, entries, |out, (key, value)| {
                let _ = write!(out, "(Key::{key:?}, ");
                node_code(out, value);
                out.push(')');
            });
            out.push_str("))");
        }
        Node::Fixed { text, node } => {
            let _ = write!(out, "Node::Fixed {{ text: {text:?}, node: &");
            node_code(out, node);
            out.push_str(" }");
        }
        scalar => {
            let _ = write!(out, "Node::{scalar:?}");
        }
    }
}

fn expr_code(out: &mut String, expr: &Expr) {
    match expr {
        Expr::Path { name, attrs } => {
            let _ = write!(
                out,
                "Expr::Path {{ name: {name:?}, attrs: Cow::Borrowed(&{attrs:?}) }}"
            );
        }
        Expr::Str(_) => {
            let _ = write!(out, "Expr::{expr:?}");
        }
        Expr::Concat(parts) => {
            out.push_str("Expr::Concat(Cow::Borrowed(");
            list_code(out, parts, expr_code);
            out.push_str("))");
        }
    }
}

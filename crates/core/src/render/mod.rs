//! Rendering: plan → Kubernetes objects, through the templates under templates/.
//!
//! Templates are minijinja templates, compiled when napgen is built ([`compile`], run by
//! `build.rs`): minijinja parses each one, and its YAML is read once, into document trees with a
//! slot wherever a `{{ }}` stands ([`template`]). Rendering fills the slots with the plan's values
//! and writes the trees out; nothing is parsed or compiled at run time.
//!
//! Injection-proofing: templates give the objects their structure and values never change it. A
//! value is never read as YAML at all, so no value can add, remove or reshape an object, whatever
//! characters it holds; the tests prove that rendering with minijinja itself (every `{{ }}`
//! written as a JSON scalar, the text read back as YAML) gives the same objects for every
//! profile. Undefined names are errors, and every document is checked before it is emitted.

#[cfg(test)]
mod compile;
mod template;

use crate::data::{Data, Text};
use crate::output::yaml::{Scalar, Shape, Tree};
use crate::plan::Plan;
use serde_json::Value;
use std::borrow::Cow;
use template::{Expr, Item, Key, Node};

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// One rendered Kubernetes object.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// The template it came from, e.g. `core/database.yaml`.
    pub source: &'static str,
    pub value: Value,
}

impl Object {
    pub fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or("")
    }
    pub fn api_version(&self) -> &str {
        self.value["apiVersion"].as_str().unwrap_or("")
    }
    pub fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or("")
    }
    pub fn namespace(&self) -> Option<&str> {
        self.value["metadata"]["namespace"].as_str()
    }
}

/// A template that did not render into valid objects: always a bug in napgen, never in the input.
#[derive(Debug)]
pub struct RenderError(pub String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "internal error while rendering: {} (please report this as a napgen bug)",
            self.0
        )
    }
}

impl std::error::Error for RenderError {}

/// Render the plan's templates into objects, in Helm's install order.
pub fn render(plan: &Plan) -> Result<Vec<Object>, RenderError> {
    let root = crate::data::to_data(plan)
        .map_err(|e| RenderError(format!("the plan does not serialise: {e}")))?;
    let mut objects = Vec::new();
    render_each(&root, &plan.templates, |source, node, slots| {
        let document = Instance::Node(node, &slots);
        identify(document)?;
        objects.push(Object {
            source,
            value: to_json(document),
        });
        Ok(())
    })?;
    sort_install_order(&mut objects);
    Ok(objects)
}

/// The plan as its templates read it, made by moving the plan rather than copying it.
pub struct Rendering {
    root: Data,
    templates: Vec<&'static str>,
}

impl Rendering {
    pub fn new(plan: Plan) -> Rendering {
        Rendering {
            templates: plan.templates.clone(),
            root: crate::data::to_data(&plan).expect("the plan serialises"),
        }
    }

    /// Write the documents of the plan's templates that `keep` accepts (by template name) to
    /// `out`, in Helm's install order, each as `bundle::write_bundle_document` writes it:
    /// the same text as writing the objects of [`render`], written straight from the templates
    /// without building them. Returns the number of documents written.
    pub fn write_bundle(
        &self,
        keep: impl Fn(&str) -> bool,
        out: &mut String,
    ) -> Result<usize, RenderError> {
        // Documents are written once their order is known, straight into `out`.
        let mut documents = Vec::new();
        render_each(&self.root, &self.templates, |source, node, slots| {
            if keep(source) {
                documents.push((source, node, slots));
            }
            Ok(())
        })?;
        let identities = documents
            .iter()
            .map(|(source, node, slots)| {
                identify(Instance::Node(node, slots))
                    .map_err(|e| RenderError(format!("{source}: {e}")))
            })
            .collect::<Result<Vec<_>, RenderError>>()?;
        for i in install_order(&identities) {
            let (source, node, slots) = &documents[i];
            crate::output::bundle::write_bundle_document(out, source, Instance::Node(node, slots));
        }
        Ok(documents.len())
    }
}

/// Render `templates` in order with `root` (the plan as templates read it), handing each
/// document to `each`: its template, tree and slot values. `each` checks it ([`identify`]).
fn render_each<'a>(
    root: &'a Data,
    templates: &[&'static str],
    mut each: impl FnMut(&'static str, &'a Node, Vec<Resolved<'a>>) -> Result<(), String>,
) -> Result<(), RenderError> {
    let mut scope = Scope::new(root);
    for &name in templates {
        let items = compiled(name).ok_or_else(|| RenderError(format!("no template {name}")))?;
        run(items, &mut scope, &mut |node, slots| {
            each(name, node, slots)
        })
        .map_err(|e| RenderError(format!("{name}: {e}")))?;
    }
    Ok(())
}

fn compiled(name: &str) -> Option<&'static [Item]> {
    COMPILED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, items)| *items)
}

/// The names a template sees: the plan's fields, and the loop variables in scope.
struct Scope<'a> {
    /// The plan's fields by name: every `{{ }}` starts with one.
    fields: std::collections::HashMap<&'a str, &'a Data, foldhash::fast::FixedState>,
    vars: Vec<(&'a str, &'a Data)>,
}

/// The value of a `{{ }}`: part of the plan, or text made by the template.
enum Resolved<'a> {
    Data(&'a Data),
    Text(Cow<'a, str>),
}

impl<'a> Scope<'a> {
    fn new(root: &'a Data) -> Scope<'a> {
        let mut fields = std::collections::HashMap::default();
        if let Data::Map(entries) = root {
            for (name, value) in entries {
                // As `Data::get`: the first of repeated names.
                fields.entry(name.as_ref()).or_insert(value);
            }
        }
        Scope {
            fields,
            vars: Vec::new(),
        }
    }

    fn eval(&self, expr: &'a Expr) -> Result<Resolved<'a>, String> {
        match expr {
            Expr::Path { name, attrs } => {
                let mut value = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(var, _)| var == name)
                    .map(|(_, value)| *value)
                    .or_else(|| self.fields.get(name).copied());
                for attr in attrs.iter() {
                    value = value.and_then(|v| v.get(attr));
                }
                value.map(Resolved::Data).ok_or_else(|| {
                    let path: Vec<&str> = std::iter::once(*name)
                        .chain(attrs.iter().copied())
                        .collect();
                    format!("`{}` is undefined", path.join("."))
                })
            }
            Expr::Str(s) => Ok(Resolved::Text(Cow::Borrowed(s))),
            Expr::Concat(parts) => {
                let mut text = String::new();
                for part in parts.iter() {
                    match self.eval(part)? {
                        Resolved::Text(t) => text.push_str(&t),
                        Resolved::Data(v) => match Instance::Data(v).shape() {
                            Shape::Scalar(Scalar::Str(s)) => text.push_str(s),
                            Shape::Scalar(Scalar::Number(n)) => text.push_str(&n.to_string()),
                            Shape::Scalar(Scalar::Bool(b)) => text.push_str(&b.to_string()),
                            _ => return Err("`~` joins only strings, numbers and booleans".into()),
                        },
                    }
                }
                Ok(Resolved::Text(Cow::Owned(text)))
            }
        }
    }
}

/// Render `items`, handing each document to `each`.
fn run<'a>(
    items: &'a [Item],
    scope: &mut Scope<'a>,
    each: &mut dyn FnMut(&'a Node, Vec<Resolved<'a>>) -> Result<(), String>,
) -> Result<(), String> {
    for item in items {
        match item {
            Item::Document {
                root,
                exprs,
                slot_keys,
            } => {
                let slots = exprs
                    .iter()
                    .map(|e| scope.eval(e))
                    .collect::<Result<Vec<_>, _>>()?;
                if *slot_keys {
                    check_keys(root, &slots)?;
                }
                each(root, slots)?;
            }
            Item::For { var, iter, body } => match scope.eval(iter)? {
                Resolved::Data(Data::Seq(list)) => {
                    for value in list {
                        scope.vars.push((var, value));
                        let result = run(body, scope, each);
                        scope.vars.pop();
                        result?;
                    }
                }
                _ => return Err(format!("`for {var}` needs a list")),
            },
            Item::If {
                cond,
                then,
                otherwise,
            } => {
                let branch = if is_true(&scope.eval(cond)?) {
                    then
                } else {
                    otherwise
                };
                run(branch, scope, each)?;
            }
        }
    }
    Ok(())
}

/// minijinja's truth: none, false, zero and empty text, lists and maps are false.
fn is_true(value: &Resolved) -> bool {
    match value {
        Resolved::Text(t) => !t.is_empty(),
        Resolved::Data(v) => match v {
            Data::Null => false,
            Data::Bool(b) => *b,
            Data::Int(i) => *i != 0,
            Data::Float(f) => *f != 0.0,
            Data::Str(s) => !s.is_empty(),
            Data::Seq(a) => !a.is_empty(),
            Data::Map(m) => !m.is_empty(),
        },
    }
}

/// A `{{ }}` used as a key must give a string, and must not repeat a key of its mapping.
fn check_keys(node: &Node, slots: &[Resolved]) -> Result<(), String> {
    match node {
        Node::Map(entries) => {
            if entries.iter().any(|(k, _)| matches!(k, Key::Slot(_))) {
                let mut seen = std::collections::HashSet::new();
                for (key, _) in entries.iter() {
                    let text = key_text(key, slots)
                        .ok_or_else(|| "a {{ }} used as a key must be a string".to_string())?;
                    if !seen.insert(text) {
                        return Err("a {{ }} used as a key repeats a key".into());
                    }
                }
            }
            entries.iter().try_for_each(|(_, v)| check_keys(v, slots))
        }
        Node::Seq(items) => items.iter().try_for_each(|v| check_keys(v, slots)),
        _ => Ok(()),
    }
}

fn key_text<'a>(key: &'a Key, slots: &'a [Resolved]) -> Option<&'a str> {
    match key {
        Key::Str(s) => Some(s),
        Key::Slot(i) => match &slots[*i] {
            Resolved::Text(t) => Some(t),
            Resolved::Data(Data::Str(s)) => Some(s),
            Resolved::Data(_) => None,
        },
    }
}

/// A document being rendered, or a value in it: a template node with its document's slots
/// resolved, or a value of the plan placed in a slot. A `null` in a template means "leave this
/// field out" (e.g. `nodePort` of a ClusterIP Service): map entries whose value is null are left
/// out, in the template's text and in the plan's values alike.
#[derive(Clone, Copy)]
enum Instance<'a> {
    Node(&'a Node, &'a [Resolved<'a>]),
    Data(&'a Data),
    Text(&'a str),
}

impl<'a> Instance<'a> {
    fn is_null(self) -> bool {
        match self {
            Instance::Node(Node::Null, _) | Instance::Data(Data::Null) => true,
            Instance::Node(Node::Slot(i), slots) => {
                matches!(slots[*i], Resolved::Data(Data::Null))
            }
            _ => false,
        }
    }
}

fn slot<'a>(i: usize, slots: &'a [Resolved<'a>]) -> Instance<'a> {
    match &slots[i] {
        Resolved::Data(v) => Instance::Data(v),
        Resolved::Text(t) => Instance::Text(t),
    }
}

/// The entries of a mapping being rendered, without those whose value is null.
enum Entries<'a> {
    Node(std::slice::Iter<'a, (Key, Node)>, &'a [Resolved<'a>]),
    Data(std::slice::Iter<'a, (Text, Data)>),
}

impl<'a> Iterator for Entries<'a> {
    type Item = (&'a str, Instance<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (key, value) = match self {
                Entries::Node(iter, slots) => {
                    let (key, node) = iter.next()?;
                    // Checked by check_keys before the document is handed out.
                    let key = key_text(key, slots).unwrap_or_default();
                    let value = match node {
                        Node::Slot(i) => slot(*i, slots),
                        node => Instance::Node(node, slots),
                    };
                    (key, value)
                }
                Entries::Data(iter) => {
                    let (key, value) = iter.next()?;
                    (key.as_ref(), Instance::Data(value))
                }
            };
            if !value.is_null() {
                return Some((key, value));
            }
        }
    }
}

/// The items of a sequence being rendered.
enum Items<'a> {
    Node(std::slice::Iter<'a, Node>, &'a [Resolved<'a>]),
    Data(std::slice::Iter<'a, Data>),
}

impl<'a> Iterator for Items<'a> {
    type Item = Instance<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Items::Node(iter, slots) => iter.next().map(|node| match node {
                Node::Slot(i) => slot(*i, slots),
                node => Instance::Node(node, slots),
            }),
            Items::Data(iter) => iter.next().map(Instance::Data),
        }
    }
}

impl<'a> Tree<'a> for Instance<'a> {
    type Entries = Entries<'a>;
    type Items = Items<'a>;
    fn shape(self) -> Shape<'a, Entries<'a>, Items<'a>> {
        match self {
            Instance::Data(data) => match data {
                Data::Map(entries) => Shape::Map(Entries::Data(entries.iter())),
                Data::Seq(items) => Shape::Seq(Items::Data(items.iter())),
                Data::Null => Shape::Scalar(Scalar::Null),
                Data::Bool(b) => Shape::Scalar(Scalar::Bool(*b)),
                Data::Int(i) => Shape::Scalar(Scalar::Number((*i).into())),
                Data::Float(f) => Shape::Scalar(
                    serde_json::Number::from_f64(*f).map_or(Scalar::Null, Scalar::Number),
                ),
                Data::Str(s) => Shape::Scalar(Scalar::Str(s)),
            },
            Instance::Text(t) => Shape::Scalar(Scalar::Str(t)),
            Instance::Node(node, slots) => match node {
                Node::Map(entries) => Shape::Map(Entries::Node(entries.iter(), slots)),
                Node::Seq(items) => Shape::Seq(Items::Node(items.iter(), slots)),
                Node::Slot(i) => slot(*i, slots).shape(),
                Node::Fixed { node, .. } => Instance::Node(node, slots).shape(),
                Node::Null => Shape::Scalar(Scalar::Null),
                Node::Bool(b) => Shape::Scalar(Scalar::Bool(*b)),
                Node::Int(i) => Shape::Scalar(Scalar::Number((*i).into())),
                Node::UInt(u) => Shape::Scalar(Scalar::Number((*u).into())),
                Node::Float(f) => Shape::Scalar(
                    serde_json::Number::from_f64(*f).map_or(Scalar::Null, Scalar::Number),
                ),
                Node::Str(s) => Shape::Scalar(Scalar::Str(s)),
            },
        }
    }
    fn written(self) -> Option<&'a str> {
        match self {
            Instance::Node(Node::Fixed { text, .. }, _) => Some(text),
            _ => None,
        }
    }
}

/// A rendered document as JSON data.
fn to_json(value: Instance) -> Value {
    match value.shape() {
        Shape::Map(entries) => {
            Value::Object(entries.map(|(k, v)| (k.to_owned(), to_json(v))).collect())
        }
        Shape::Seq(items) => Value::Array(items.map(to_json).collect()),
        Shape::Scalar(Scalar::Null) => Value::Null,
        Shape::Scalar(Scalar::Bool(b)) => Value::Bool(b),
        Shape::Scalar(Scalar::Number(n)) => Value::Number(n),
        Shape::Scalar(Scalar::Str(s)) => Value::String(s.to_owned()),
    }
}

/// The text at a path of mappings in a document, if there is text there.
fn text_at<'a>(document: Instance<'a>, path: &[&str]) -> Option<&'a str> {
    let mut value = document;
    for key in path {
        let Shape::Map(mut entries) = value.shape() else {
            return None;
        };
        value = entries.find(|(k, _)| k == key)?.1;
    }
    match value.shape() {
        Shape::Scalar(Scalar::Str(s)) => Some(s),
        _ => None,
    }
}

/// What a rendered object is: its kind, namespace and name.
struct Identity<'a> {
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
}

/// A document's [`Identity`], once checked that it is an object with apiVersion, kind and
/// metadata.name.
fn identify(document: Instance) -> Result<Identity, String> {
    let text = |path: &[&str]| text_at(document, path).filter(|s| !s.is_empty());
    match (
        text(&["apiVersion"]),
        text(&["kind"]),
        text(&["metadata", "name"]),
    ) {
        (Some(_), Some(kind), Some(name)) => Ok(Identity {
            kind,
            namespace: text_at(document, &["metadata", "namespace"]),
            name,
        }),
        _ => Err("a document is not an object with apiVersion, kind and metadata.name".into()),
    }
}

/// A value of the plan as YAML, written as documents are: map entries whose value is null are
/// left out (for manifests the plan writes out itself).
pub(crate) fn yaml_without_nulls(value: &Data) -> String {
    crate::output::yaml::to_yaml(Instance::Data(value))
}

/// Helm's install order (pkg/release/util/kind_sorter.go); other kinds go last, by kind.
const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// The indices that put objects with these identities into Helm's install order: by kind's rank,
/// kind, namespace and name; objects that tie keep their order.
fn install_order(identities: &[Identity]) -> Vec<usize> {
    // Each object's sort key is made once, not at every comparison.
    let keys: Vec<_> = identities
        .iter()
        .map(|id| {
            let rank = INSTALL_ORDER
                .iter()
                .position(|k| *k == id.kind)
                .unwrap_or(INSTALL_ORDER.len());
            (rank, id.kind, id.namespace, id.name)
        })
        .collect();
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| keys[i]);
    order
}

fn sort_install_order(objects: &mut Vec<Object>) {
    let identities: Vec<Identity> = objects
        .iter()
        .map(|o| Identity {
            kind: o.kind(),
            namespace: o.namespace(),
            name: o.name(),
        })
        .collect();
    let order = install_order(&identities);
    let mut unsorted: Vec<Option<Object>> = std::mem::take(objects).into_iter().map(Some).collect();
    objects.extend(order.into_iter().filter_map(|i| unsorted[i].take()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::yaml;
    use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
    use serde_json::json;

    /// Compile `source` and render it with `context` as the plan.
    fn render_source(source: &str, context: &Value) -> Result<Vec<Value>, String> {
        let items = compile::compile("test.yaml", source)?;
        let root = crate::data::to_data(context).unwrap();
        let mut scope = Scope::new(&root);
        let mut documents = Vec::new();
        run(&items, &mut scope, &mut |node, slots| {
            documents.push(to_json(Instance::Node(node, &slots)));
            Ok(())
        })?;
        Ok(documents)
    }

    /// Rendering with minijinja itself: every `{{ }}` written as a JSON scalar (a valid YAML
    /// scalar, [`yaml::json_scalar`]), the text read back with the full YAML reader, nulls
    /// dropped. Compiled templates must give the same objects.
    fn reference_environment() -> Environment<'static> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(|out, _, value| {
            let json = serde_json::to_value(value)
                .map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
            out.write_str(&yaml::json_scalar(&json))
                .map_err(Error::from)
        });
        for (name, source) in TEMPLATES {
            env.add_template(name, source).unwrap();
        }
        env
    }

    /// A `null` in a template means "leave this field out".
    fn drop_nulls(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|_, v| !v.is_null());
                map.values_mut().for_each(drop_nulls);
            }
            Value::Array(items) => items.iter_mut().for_each(drop_nulls),
            _ => {}
        }
    }

    fn reference_documents(env: &Environment, source: &str, context: &Value) -> Vec<Value> {
        let context = minijinja::Value::from(minijinja::value::Serde(context));
        let text = env.render_str(source, context).unwrap();
        let mut documents = yaml::parse_documents(&text).unwrap();
        documents.iter_mut().for_each(drop_nulls);
        documents
    }

    const HOSTILE: &str = "a\"\n: {{ b }}\u{85}\n---\nkind: Secret\n\u{e000}0 # x\t'|>*&!%@";

    #[test]
    fn values_fill_slots_and_never_change_the_structure() {
        let source = "kind: {{ v }}\nlist: [x, {{ v }}]\nmap:\n  {{ k }}: 1\n  n: {{ nothing }}\n  m: {{ m }}\nseq:\n  - {{ v }}\njoined: {{ v ~ \"-\" ~ i }}\n";
        let context = json!({ "v": HOSTILE, "k": HOSTILE, "nothing": null, "i": 7, "m": {"a": [1, null, HOSTILE], "gone": null} });
        let expected = json!({
            "kind": HOSTILE,
            "list": ["x", HOSTILE],
            "map": {HOSTILE: 1, "m": {"a": [1, null, HOSTILE]}},
            "seq": [HOSTILE],
            "joined": format!("{HOSTILE}-7"),
        });
        assert_eq!(render_source(source, &context), Ok(vec![expected]));
        assert_eq!(
            render_source(source, &context).unwrap(),
            reference_documents(&reference_environment(), source, &context)
        );
    }

    /// Parts of a template without slots are written from the text made when it was compiled:
    /// the same text as writing the document's object, in every kind of place and at every
    /// depth (after a dash, in nested sequences, as block scalars, quoted, with long keys).
    #[test]
    fn fixed_parts_are_written_as_their_objects_are() {
        let long_key = "k".repeat(1100);
        let source = format!(
            "kind: Test\nmetadata:\n  name: {{{{ v }}}}\n  labels:\n    a: b\n    \"yes\": \"no\"\n\
             spec:\n  list:\n    - plain\n    - {{{{ v }}}}\n    - a: 1\n      b: [x, {{y: z}}]\n\
             \x20   - - nested\n      - {{{{ v }}}}\n      - [deep, [deeper]]\n\
             \x20   - k: {{{{ v }}}}\n      fixed: {{c: d, e: [1, 2.5, true, null]}}\n      gone: null\n\
             \x20   - {{{{ nothing }}}}\n    - null\n\
             \x20 empty: {{}}\n  none: []\n  nothing: null\n  all_null: {{x: null}}\n\
             \x20 text: \"line one\\n  indented\\n\\n\"\n  quoted: \"a: b\"\n\
             \x20 ? {long_key}\n  : 1\n  {{{{ v }}}}: [x]\n"
        );
        let items = compile::compile("test.yaml", &source).unwrap();
        fn count_fixed(node: &Node) -> usize {
            match node {
                Node::Fixed { .. } => 1,
                Node::Map(entries) => entries.iter().map(|(_, v)| count_fixed(v)).sum(),
                Node::Seq(items) => items.iter().map(count_fixed).sum(),
                _ => 0,
            }
        }
        let Item::Document { root, .. } = &items[0] else {
            panic!("one document");
        };
        assert_eq!(count_fixed(root), 15);
        for v in ["x", HOSTILE] {
            let root = crate::data::to_data(&json!({ "v": v, "nothing": null })).unwrap();
            let mut scope = Scope::new(&root);
            let mut written = 0;
            run(&items, &mut scope, &mut |node, slots| {
                let document = Instance::Node(node, &slots);
                assert_eq!(yaml::to_yaml(document), yaml::to_yaml(&to_json(document)));
                written += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(written, 1);
        }
    }

    #[test]
    fn loops_and_conditions_repeat_and_select_whole_documents() {
        let source = "# c\n{%- for p in ps %}\n---\nname: {{ p.name }}\nns: {{ ns }}\n{%- endfor %}\n{%- if on %}\n---\nname: enabled\n{%- else %}\n---\nname: disabled\n{%- endif %}\n";
        for on in [true, false] {
            let context = json!({ "ps": [{"name": "a"}, {"name": "b"}], "ns": "x", "on": on });
            let rendered = render_source(source, &context).unwrap();
            assert_eq!(
                rendered,
                vec![
                    json!({"name": "a", "ns": "x"}),
                    json!({"name": "b", "ns": "x"}),
                    json!({"name": if on { "enabled" } else { "disabled" }}),
                ]
            );
            assert_eq!(
                rendered,
                reference_documents(&reference_environment(), source, &context)
            );
        }
    }

    #[test]
    fn templates_that_cannot_be_compiled_say_why() {
        for (source, message) in [
            ("x: pre-{{ v }}\n", "whole YAML value"),
            ("x: {{ v }}{{ v }}\n", "whole YAML value"),
            ("x: |\n  text {{ v }}\n", "whole YAML value"),
            ("x: [a{{ v }}]\n", "whole YAML value"),
            // Nothing bypasses the slots: filters, `safe` among them, are not supported.
            ("y: {{ v|safe }}\n", "only names with attributes"),
            (
                "{% set a = 1 %}x: 1\n",
                "only {{ }}, {% for %} and {% if %}",
            ),
            (
                "a: 1\n{% if c %}b: 2\n{% endif %}\n",
                "must start a new document",
            ),
            (
                "{% if c %}\n---\na: 1\n{% endif %}\nb: 2\n",
                "must start a new document",
            ),
            ("x: [\n", "invalid YAML"),
            ("x: {{ v \n", "test.yaml"),
        ] {
            let e = compile::compile("test.yaml", source).unwrap_err();
            assert!(e.contains(message), "{source:?}: {e}");
            assert!(e.contains("test.yaml"), "{source:?}: {e}");
        }
    }

    #[test]
    fn rendering_errors_name_the_problem() {
        for (source, context, message) in [
            ("x: {{ nope }}\n", json!({}), "`nope` is undefined"),
            (
                "x: {{ a.b.c }}\n",
                json!({"a": {"b": {}}}),
                "`a.b.c` is undefined",
            ),
            ("{{ n }}: 1\n", json!({"n": 1}), "must be a string"),
            ("{{ k }}: 1\na: 2\n", json!({"k": "a"}), "repeats a key"),
            (
                "{% for x in n %}\n---\na: 1\n{% endfor %}\n",
                json!({"n": 1}),
                "needs a list",
            ),
            (
                "x: {{ a ~ b }}\n",
                json!({"a": "x", "b": [1]}),
                "`~` joins only",
            ),
        ] {
            let e = render_source(source, &context).unwrap_err();
            assert!(e.contains(message), "{source:?}: {e}");
        }
    }

    /// Only objects with apiVersion, kind and metadata.name are rendered; their identity is
    /// what install order sorts by.
    #[test]
    fn only_objects_pass_the_document_check() {
        let root = crate::data::to_data(&json!({"n": "x", "absent": null})).unwrap();
        let object = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ n }}\n";
        for (source, expected) in [
            (
                format!("{object}  namespace: ns\n"),
                Ok(("ConfigMap", Some("ns"), "x")),
            ),
            (object.to_string(), Ok(("ConfigMap", None, "x"))),
            ("kind: ConfigMap\nmetadata:\n  name: x\n".into(), Err(())),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n".into(),
                Err(()),
            ),
            (
                "apiVersion: v1\nkind: ''\nmetadata:\n  name: x\n".into(),
                Err(()),
            ),
            (object.replace("{{ n }}", "{{ absent }}"), Err(())),
            ("- apiVersion\n".into(), Err(())),
        ] {
            let items = compile::compile("test.yaml", &source).unwrap();
            let mut scope = Scope::new(&root);
            let mut found = Vec::new();
            run(&items, &mut scope, &mut |node, slots| {
                found.push(match identify(Instance::Node(node, &slots)) {
                    Ok(id) => Ok((id.kind.to_owned(), id.namespace.map(str::to_owned), id.name.to_owned())),
                    Err(e) => {
                        assert!(e.contains("not an object with apiVersion, kind and metadata.name"));
                        Err(())
                    }
                });
                Ok(())
            })
            .unwrap();
            let expected =
                expected.map(|(k, ns, n)| (k.to_owned(), ns.map(str::to_owned), n.to_owned()));
            assert_eq!(found, vec![expected], "{source:?}");
        }
    }

    #[test]
    fn truth_follows_minijinja() {
        let env = reference_environment();
        let source = "{% if c %}\n---\nx: yes\n{% endif %}\n";
        for c in [
            json!(null),
            json!(false),
            json!(true),
            json!(0),
            json!(1),
            json!(0.0),
            json!(""),
            json!("a"),
            json!([]),
            json!([0]),
            json!({}),
            json!({"a": 1}),
        ] {
            let context = json!({ "c": c });
            assert_eq!(
                render_source(source, &context).unwrap(),
                reference_documents(&env, source, &context),
                "{c}"
            );
        }
    }

    /// The compiled templates in the binary are those of the files under templates/.
    #[test]
    fn every_template_is_compiled_into_the_binary() {
        assert_eq!(COMPILED.len(), TEMPLATES.len());
        for ((name, items), (source_name, source)) in COMPILED.iter().zip(TEMPLATES) {
            assert_eq!(name, source_name);
            assert_eq!(
                compile::compile(name, source).unwrap(),
                items.to_vec(),
                "{name}"
            );
            assert!(!source.contains('\u{e000}'), "{name}");
        }
    }

    fn profiles() -> Vec<(std::path::PathBuf, Plan)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../values");
        let mut plans = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "env") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let (entries, _) = crate::config::dotenv::parse_dotenv(&text, "profile.env");
            let settings = crate::config::validate::validate(&entries)
                .settings
                .unwrap();
            plans.push((
                path,
                crate::plan::plan(&crate::config::Config::from_settings(&settings)),
            ));
        }
        assert!(plans.len() >= 2);
        plans
    }

    /// Every profile: each template gives the same objects as rendering it with minijinja
    /// (values as JSON text, the whole text read by the full YAML reader).
    #[test]
    fn compiled_templates_agree_with_minijinja() {
        let reference = reference_environment();
        for (path, plan) in profiles() {
            // The reference sees the plan as JSON; napgen as Data.
            let context = serde_json::to_value(&plan).unwrap();
            let root = crate::data::to_data(&plan).unwrap();
            for &name in &plan.templates {
                let mut scope = Scope::new(&root);
                let mut documents = Vec::new();
                run(compiled(name).unwrap(), &mut scope, &mut |node, slots| {
                    documents.push(to_json(Instance::Node(node, &slots)));
                    Ok(())
                })
                .unwrap();
                let source = TEMPLATES.iter().find(|(n, _)| *n == name).unwrap().1;
                assert_eq!(
                    documents,
                    reference_documents(&reference, source, &context),
                    "{name} ({})",
                    path.display()
                );
            }
        }
    }

    /// Every profile: the documents written straight from the templates are the objects of
    /// [`render`], written, in the same order; `keep` selects by template. (app's tests check
    /// every `--only` part the same way.)
    #[test]
    fn documents_are_the_objects_written() {
        for (path, plan) in profiles() {
            let objects = render(&plan).unwrap();
            let expected = crate::output::bundle::bundle(&objects, "");
            let mut written = String::new();
            let count = Rendering::new(plan)
                .write_bundle(|_| true, &mut written)
                .unwrap();
            assert_eq!(count, objects.len(), "{}", path.display());
            assert!(written == expected, "{}", path.display());
        }
        let (path, plan) = profiles().remove(0);
        let core = |source: &str| source.starts_with("core/");
        let all = render(&plan).unwrap();
        let objects: Vec<Object> = all.iter().filter(|o| core(o.source)).cloned().collect();
        let mut written = String::new();
        let count = Rendering::new(plan)
            .write_bundle(core, &mut written)
            .unwrap();
        assert!(0 < count && count < all.len(), "{}", path.display());
        assert_eq!(count, objects.len());
        assert!(written == crate::output::bundle::bundle(&objects, ""));
    }
}

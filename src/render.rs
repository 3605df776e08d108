//! Rendering: plan → Kubernetes objects, through minijinja templates embedded in the binary.
//!
//! Injection-proofing: templates give the objects their structure and values never change it.
//! Every `{{ }}` goes through [`format_value`], which keeps the value aside and writes a slot
//! marker in its place (the private-use character [`SLOT`] and the value's number). The rendered
//! text, made of template text and markers only, is read as YAML, and each marker is then
//! replaced by its value: a value is never parsed, so no value can add, remove or reshape an
//! object, whatever characters it holds. A marker must stand for a whole YAML value (a mapping
//! value, a sequence item or a key); one inside other text is an error. The `safe` filter is
//! removed, undefined names are errors, and every document is checked before it is emitted.
//!
//! Reading the rendered text is the main cost of rendering, so it goes through a fast reader for
//! the YAML subset templates are written in ([`skeleton`]), and through the full YAML reader
//! only for text outside that subset.

mod skeleton;

use crate::plan::Plan;
use crate::yaml;
use minijinja::{Environment, Error, ErrorKind, Output, State, Template, UndefinedBehavior};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// Starts a slot marker: a private-use character that no template contains.
pub(crate) const SLOT: char = '\u{e000}';

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

/// The values of one render's `{{ }}`s, by slot number.
#[derive(Default)]
struct Slots(Vec<Value>);

/// Keeps the value of a `{{ }}` aside, as JSON data, and writes its slot marker.
fn format_value(
    out: &mut Output,
    state: &mut State,
    value: &minijinja::Value,
) -> Result<(), Error> {
    let json = serde_json::to_value(value)
        .map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
    let slots = &mut state.get_or_insert_extension_with(Slots::default).0;
    slots.push(json);
    write!(out, "{SLOT}{}", slots.len() - 1).map_err(Error::from)
}

/// Whether compiled templates are kept for later renders. Not by a process's first render: a
/// one-off run uses each template once, and kept templates would be the largest part of its
/// memory. From the second render on (a fleet, tests), they are.
static KEEP_COMPILED: AtomicBool = AtomicBool::new(false);

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(format_value);
        // Nothing may bypass the formatter.
        env.remove_filter("safe");
        // Templates compile when first used, so a run compiles only those its plan renders.
        env.set_loader(|name| Ok(template_source(name)));
        env
    })
}

fn template_source(name: &str) -> Option<&'static str> {
    TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, source)| *source)
}

/// Render the plan's templates into objects, in Helm's install order.
pub fn render(plan: &Plan) -> Result<Vec<Object>, RenderError> {
    let mut objects = Vec::new();
    render_each(plan, |object| objects.push(object))?;
    sort_install_order(&mut objects);
    Ok(objects)
}

/// One object written as text: its `# Source:` line and YAML ([`crate::emit::object_yaml`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The template it came from.
    pub source: &'static str,
    pub text: String,
}

/// [`render`], with each object written as text as soon as it is read, so that the objects are
/// never all held at once (the text takes a fifth of their memory). In Helm's install order.
pub fn render_documents(plan: &Plan) -> Result<Vec<Document>, RenderError> {
    let mut keyed = Vec::new();
    // Each object is written here first, then copied out at its exact size.
    let mut scratch = String::with_capacity(1 << 14);
    render_each(plan, |object| {
        let (rank, kind, namespace, name) = install_order_key(&object);
        let key = (
            rank,
            kind.to_owned(),
            namespace.map(str::to_owned),
            name.to_owned(),
        );
        scratch.clear();
        crate::emit::write_object(&mut scratch, &object);
        let text = scratch.as_str().to_owned();
        keyed.push((
            key,
            Document {
                source: object.source,
                text,
            },
        ));
    })?;
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed.into_iter().map(|(_, document)| document).collect())
}

/// Render the plan's templates in order, handing each checked object to `each`.
fn render_each(plan: &Plan, mut each: impl FnMut(Object)) -> Result<(), RenderError> {
    let env = environment();
    let context = minijinja::Value::from(minijinja::value::Serde(plan));
    let keep = KEEP_COMPILED.swap(true, Ordering::Relaxed);
    for &name in &plan.templates {
        let template = if keep {
            env.get_template(name)
        } else {
            let source = template_source(name).unwrap_or_default();
            env.template_from_named_str(name, source)
        }
        .map_err(|e| RenderError(format!("{name}: {e:#}")))?;
        for value in
            documents(&template, &context).map_err(|e| RenderError(format!("{name}{e}")))?
        {
            check_object(name, &value)?;
            each(Object {
                source: name,
                value,
            });
        }
    }
    Ok(())
}

/// The documents one template renders to, with the values in place and nulls dropped. Errors
/// read `: message`, to follow the template's name.
fn documents(template: &Template, context: &minijinja::Value) -> Result<Vec<Value>, String> {
    let mut captured = template
        .render_captured(context)
        .map_err(|e| format!(": {e:#}"))?;
    let slots = captured
        .with_state_mut(|state| state.get_extension_mut::<Slots>().map(std::mem::take))
        .unwrap_or_default();
    let text = captured.output();
    let documents = match skeleton::read(text) {
        Some(documents) => documents,
        None => yaml::parse_documents(text).map_err(|e| format!(" rendered invalid YAML: {e}"))?,
    };
    let mut slots: Vec<Option<Value>> = slots.0.into_iter().map(Some).collect();
    documents
        .into_iter()
        .map(|mut document| {
            fill(&mut document, &mut slots)?;
            drop_nulls(&mut document);
            Ok(document)
        })
        .collect()
}

/// The value a slot marker stands for (each is used once), `Ok(None)` for text that is no
/// marker, an error for a marker inside other text.
fn slot_value(text: &str, slots: &mut [Option<Value>]) -> Result<Option<Value>, String> {
    if !may_hold_slot(text) || !text.contains(SLOT) {
        return Ok(None);
    }
    text.strip_prefix(SLOT)
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| slots.get_mut(n))
        .and_then(Option::take)
        .map(Some)
        .ok_or_else(|| {
            ": a {{ }} must stand for a whole YAML value (a mapping value, a sequence item or a key), not part of one".to_string()
        })
}

/// Whether `text` may contain [`SLOT`]: a quick byte test (U+E000 is `EE 80 80` in UTF-8).
fn may_hold_slot(text: &str) -> bool {
    text.as_bytes().contains(&0xEE)
}

/// Replace every slot marker in a document read from rendered text by its value.
fn fill(value: &mut Value, slots: &mut [Option<Value>]) -> Result<(), String> {
    match value {
        Value::String(s) => {
            if let Some(v) = slot_value(s, slots)? {
                *value = v;
            }
        }
        Value::Array(items) => {
            for item in items {
                fill(item, slots)?;
            }
        }
        Value::Object(map) => {
            if map.keys().any(|k| may_hold_slot(k)) {
                let mut renamed = serde_json::Map::new();
                for (key, v) in std::mem::take(map) {
                    let key = match slot_value(&key, slots)? {
                        Some(Value::String(k)) => k,
                        Some(_) => return Err(": a {{ }} used as a key must be a string".into()),
                        None => key,
                    };
                    if renamed.insert(key, v).is_some() {
                        return Err(": a {{ }} used as a key repeats a key".into());
                    }
                }
                *map = renamed;
            }
            for v in map.values_mut() {
                fill(v, slots)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A `null` in a template means "leave this field out" (e.g. `nodePort` of a ClusterIP Service).
pub(crate) fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

fn check_object(source: &str, value: &Value) -> Result<(), RenderError> {
    let text = |v: &Value| v.as_str().is_some_and(|s| !s.is_empty());
    if !value.is_object()
        || !text(&value["apiVersion"])
        || !text(&value["kind"])
        || !text(&value["metadata"]["name"])
    {
        return Err(RenderError(format!("{source} produced a document that is not an object with apiVersion, kind and metadata.name")));
    }
    Ok(())
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

/// Where an object goes in Helm's install order: by kind's rank, kind, namespace and name.
fn install_order_key(object: &Object) -> (usize, &str, Option<&str>, &str) {
    let kind = object.kind();
    let rank = INSTALL_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(INSTALL_ORDER.len());
    (rank, kind, object.namespace(), object.name())
}

fn sort_install_order(objects: &mut Vec<Object>) {
    // Each object's sort key is looked up once, not at every comparison.
    let order = {
        let keys: Vec<_> = objects.iter().map(install_order_key).collect();
        let mut order: Vec<usize> = (0..objects.len()).collect();
        order.sort_by_key(|&i| keys[i]);
        order
    };
    let mut unsorted: Vec<Option<Object>> = std::mem::take(objects).into_iter().map(Some).collect();
    objects.extend(order.into_iter().filter_map(|i| unsorted[i].take()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;
    use serde_json::json;

    #[test]
    fn every_template_compiles() {
        let env = environment();
        for (name, source) in TEMPLATES {
            env.get_template(name).unwrap();
            assert!(!source.contains(SLOT), "{name} holds the slot character");
        }
    }

    fn render_source(source: &str, context: minijinja::Value) -> Result<Vec<Value>, String> {
        let template = environment().template_from_str(source).unwrap();
        documents(&template, &context)
    }

    /// How rendering worked before slots: every `{{ }}` written as JSON text, the whole text read
    /// with the full YAML reader. Slots must give the same objects.
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

    fn reference_documents(template: &Template, context: &minijinja::Value) -> Vec<Value> {
        let text = template.render(context).unwrap();
        let mut documents = yaml::parse_documents(&text).unwrap();
        documents.iter_mut().for_each(drop_nulls);
        documents
    }

    const HOSTILE: &str = "a\"\n: {{ b }}\u{85}\n---\nkind: Secret\n\u{e000}0 # x\t'|>*&!%@";

    #[test]
    fn values_fill_slots_and_never_change_the_structure() {
        let source = "kind: {{ v }}\nlist: [x, {{ v }}]\nmap:\n  {{ k }}: 1\n  n: {{ none }}\n  m: {{ m }}\nseq:\n  - {{ v }}\n";
        let context = context! { v => HOSTILE, k => HOSTILE, m => minijinja::Value::from(minijinja::value::Serde(json!({"a": [1, null, HOSTILE]}))) };
        let expected = json!({
            "kind": HOSTILE,
            "list": ["x", HOSTILE],
            "map": {HOSTILE: 1, "m": {"a": [1, null, HOSTILE]}},
            "seq": [HOSTILE],
        });
        assert_eq!(render_source(source, context.clone()), Ok(vec![expected]));
        let reference = reference_environment();
        let template = reference.template_from_str(source).unwrap();
        assert_eq!(
            render_source(source, context.clone()).unwrap(),
            reference_documents(&template, &context)
        );
    }

    #[test]
    fn a_slot_must_be_a_whole_value() {
        for source in [
            "x: pre-{{ v }}\n",
            "x: {{ v }}{{ v }}\n",
            "x: |\n  text {{ v }}\n",
            "x: [a{{ v }}]\n",
            "{{ n }}: 1\n",
        ] {
            let e = render_source(source, context! { v => "v", n => 1 }).unwrap_err();
            assert!(e.contains("{{ }}"), "{source}: {e}");
        }
        // `safe` is gone: nothing bypasses the formatter.
        let out = environment()
            .render_str("y: {{ v|safe }}", context! { v => "x" })
            .map_err(|e| e.kind());
        assert_eq!(out, Err(ErrorKind::UnknownFilter));
    }

    #[test]
    fn undefined_is_an_error() {
        assert!(render_source("x: {{ nope }}", context! {}).is_err());
    }

    /// Every profile: the fast reader reads every rendered template (the full reader is never
    /// needed), agrees with the full reader on it, and the objects equal those of the reference
    /// rendering (values as JSON text, the whole text read by the full YAML reader).
    #[test]
    fn fast_reader_covers_every_template_and_agrees() {
        let reference = reference_environment();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("values");
        let mut profiles = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "env") {
                continue;
            }
            profiles += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            let (entries, _) = crate::load::parse_dotenv(&text, "profile.env");
            let settings = crate::validate::validate(&entries).settings.unwrap();
            let plan = crate::plan::plan(&settings);
            let context = minijinja::Value::from(minijinja::value::Serde(&plan));
            for &name in &plan.templates {
                let template = environment().get_template(name).unwrap();
                let rendered = template.render_captured(&context).unwrap();
                let skeleton = rendered.output();
                let fast = skeleton::read(skeleton).unwrap_or_else(|| {
                    panic!(
                        "{name} ({}): the fast reader does not read this template's YAML; keep \
                         templates to its subset (src/render/skeleton.rs) or extend it",
                        path.display()
                    )
                });
                assert_eq!(Ok(fast), yaml::parse_documents(skeleton), "{name}");
                assert_eq!(
                    documents(&template, &context).unwrap(),
                    reference_documents(&reference.get_template(name).unwrap(), &context),
                    "{name} ({})",
                    path.display()
                );
            }
        }
        assert!(profiles >= 2);
    }
}

//! Rendering: plan → Kubernetes objects, through minijinja templates embedded in the binary.
//!
//! Injection-proofing: every `{{ }}` goes through [`format_value`], which writes the whole value
//! as one JSON text (a valid YAML flow scalar or collection), so no value can add, remove or
//! reshape an object. The `safe` filter is removed, undefined names are errors, and every
//! rendered document is parsed back and checked before it is emitted.

use crate::plan::Plan;
use crate::yaml;
use minijinja::{Environment, Error, ErrorKind, Output, State, UndefinedBehavior};
use serde_json::Value;
use std::sync::OnceLock;

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

/// Writes any value as one JSON text with YAML-hostile characters escaped.
fn format_value(
    out: &mut Output,
    _state: &mut State,
    value: &minijinja::Value,
) -> Result<(), Error> {
    let json = serde_json::to_value(value)
        .map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
    out.write_str(&yaml::json_scalar(&json))
        .map_err(Error::from)
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(format_value);
        // Nothing may bypass the formatter's escaping.
        env.remove_filter("safe");
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} does not compile: {e:#}"));
        }
        env
    })
}

/// Render the plan's templates into objects, in Helm's install order.
pub fn render(plan: &Plan) -> Result<Vec<Object>, RenderError> {
    let env = environment();
    let context = minijinja::Value::from(minijinja::value::Serde(plan));
    let mut objects = Vec::new();
    for &name in &plan.templates {
        let template = env
            .get_template(name)
            .map_err(|e| RenderError(format!("{name}: {e:#}")))?;
        let text = template
            .render(&context)
            .map_err(|e| RenderError(format!("{name}: {e:#}")))?;
        let documents = yaml::parse_documents(&text)
            .map_err(|e| RenderError(format!("{name} rendered invalid YAML: {e}")))?;
        for mut value in documents {
            drop_nulls(&mut value);
            check_object(name, &value)?;
            objects.push(Object {
                source: name,
                value,
            });
        }
    }
    sort_install_order(&mut objects);
    Ok(objects)
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

fn sort_install_order(objects: &mut [Object]) {
    let rank = |kind: &str| {
        INSTALL_ORDER
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(INSTALL_ORDER.len())
    };
    objects.sort_by(|a, b| {
        (rank(a.kind()), a.kind(), a.namespace(), a.name()).cmp(&(
            rank(b.kind()),
            b.kind(),
            b.namespace(),
            b.name(),
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let env = environment();
        for (name, _) in TEMPLATES {
            env.get_template(name).unwrap();
        }
    }

    #[test]
    fn formatter_escapes_everything() {
        let env = environment();
        let out = env
            .render_str(
                "x: {{ v }}\ny: {{ v|safe }}",
                minijinja::context! { v => "a\"\n: {{ b }}\u{85}" },
            )
            .map_err(|e| e.kind());
        // `safe` is gone, so the second line is an error rather than raw text.
        assert_eq!(out, Err(ErrorKind::UnknownFilter));
        let out = env
            .render_str(
                "x: {{ v }}",
                minijinja::context! { v => "a\"\n: {{ b }}\u{85}" },
            )
            .unwrap();
        assert_eq!(out, "x: \"a\\\"\\n: {{ b }}\\u0085\"");
    }

    #[test]
    fn undefined_is_an_error() {
        assert!(environment()
            .render_str("x: {{ nope }}", minijinja::context! {})
            .is_err());
    }
}

//! Rendering: plan → Kubernetes objects, through the templates under templates/.
//!
//! Templates are minijinja templates, embedded in the binary and rendered at run time with the
//! plan as their context ([`engine`]). Each `{{ }}` is kept out of the YAML text as a placeholder
//! and put in its place after the text is read, so every document's structure comes from the
//! template alone; every document is then checked to be an object.
//!
//! Injection-proofing: templates give the objects their structure and values never change it. A
//! value is never read as YAML, and each `{{ }}` must stand for a whole YAML value (a mapping
//! value, a sequence item or a key), which the engine checks at every render and the tests check
//! on the text of every template. Undefined names are errors. A `null` in a document means "leave
//! this field out" (e.g. `nodePort` of a ClusterIP Service): mapping entries whose value is null
//! are dropped.

mod engine;
mod read;

use crate::output::yaml;
use crate::plan::Plan;
use serde_json::Value;

/// Every template, by its path under templates/ (a test holds this list to the folder).
pub static TEMPLATES: &[(&str, &str)] = &[
    (
        "backup/network-policies.yaml",
        include_str!("../../templates/backup/network-policies.yaml"),
    ),
    (
        "backup/object-store.yaml",
        include_str!("../../templates/backup/object-store.yaml"),
    ),
    (
        "backup/scheduled-backup.yaml",
        include_str!("../../templates/backup/scheduled-backup.yaml"),
    ),
    (
        "bridge/config.yaml",
        include_str!("../../templates/bridge/config.yaml"),
    ),
    (
        "bridge/deployment.yaml",
        include_str!("../../templates/bridge/deployment.yaml"),
    ),
    (
        "bridge/disruption-budget.yaml",
        include_str!("../../templates/bridge/disruption-budget.yaml"),
    ),
    (
        "bridge/network-policies.yaml",
        include_str!("../../templates/bridge/network-policies.yaml"),
    ),
    (
        "bridge/service.yaml",
        include_str!("../../templates/bridge/service.yaml"),
    ),
    (
        "browser/coturn-secret.yaml",
        include_str!("../../templates/browser/coturn-secret.yaml"),
    ),
    (
        "browser/coturn.yaml",
        include_str!("../../templates/browser/coturn.yaml"),
    ),
    (
        "browser/deployment.yaml",
        include_str!("../../templates/browser/deployment.yaml"),
    ),
    (
        "browser/disruption-budget.yaml",
        include_str!("../../templates/browser/disruption-budget.yaml"),
    ),
    (
        "browser/network-policies.yaml",
        include_str!("../../templates/browser/network-policies.yaml"),
    ),
    (
        "browser/service.yaml",
        include_str!("../../templates/browser/service.yaml"),
    ),
    (
        "core/autoscalers.yaml",
        include_str!("../../templates/core/autoscalers.yaml"),
    ),
    (
        "core/ca-bundle.yaml",
        include_str!("../../templates/core/ca-bundle.yaml"),
    ),
    (
        "core/config.yaml",
        include_str!("../../templates/core/config.yaml"),
    ),
    (
        "core/control-plane/deployment.yaml",
        include_str!("../../templates/core/control-plane/deployment.yaml"),
    ),
    (
        "core/control-plane/rbac.yaml",
        include_str!("../../templates/core/control-plane/rbac.yaml"),
    ),
    (
        "core/control-plane/service.yaml",
        include_str!("../../templates/core/control-plane/service.yaml"),
    ),
    (
        "core/database-connection.yaml",
        include_str!("../../templates/core/database-connection.yaml"),
    ),
    (
        "core/database.yaml",
        include_str!("../../templates/core/database.yaml"),
    ),
    (
        "core/disruption-budgets.yaml",
        include_str!("../../templates/core/disruption-budgets.yaml"),
    ),
    (
        "core/gateway/deployment.yaml",
        include_str!("../../templates/core/gateway/deployment.yaml"),
    ),
    (
        "core/gateway/service.yaml",
        include_str!("../../templates/core/gateway/service.yaml"),
    ),
    (
        "core/http-routes.yaml",
        include_str!("../../templates/core/http-routes.yaml"),
    ),
    (
        "core/ingress.yaml",
        include_str!("../../templates/core/ingress.yaml"),
    ),
    (
        "core/namespace.yaml",
        include_str!("../../templates/core/namespace.yaml"),
    ),
    (
        "core/network-policies.yaml",
        include_str!("../../templates/core/network-policies.yaml"),
    ),
    (
        "core/nfs-storage-class.yaml",
        include_str!("../../templates/core/nfs-storage-class.yaml"),
    ),
    (
        "core/openshift-routes.yaml",
        include_str!("../../templates/core/openshift-routes.yaml"),
    ),
    (
        "core/secret.yaml",
        include_str!("../../templates/core/secret.yaml"),
    ),
    (
        "core/seed/jobs.yaml",
        include_str!("../../templates/core/seed/jobs.yaml"),
    ),
    (
        "core/shared-dir.yaml",
        include_str!("../../templates/core/shared-dir.yaml"),
    ),
    (
        "core/workspace/runtime.yaml",
        include_str!("../../templates/core/workspace/runtime.yaml"),
    ),
    ("ldap/ca.yaml", include_str!("../../templates/ldap/ca.yaml")),
    (
        "monitoring/network-policies.yaml",
        include_str!("../../templates/monitoring/network-policies.yaml"),
    ),
    (
        "monitoring/pod-monitor.yaml",
        include_str!("../../templates/monitoring/pod-monitor.yaml"),
    ),
    (
        "monitoring/service-monitor.yaml",
        include_str!("../../templates/monitoring/service-monitor.yaml"),
    ),
    (
        "sandbox/deployment.yaml",
        include_str!("../../templates/sandbox/deployment.yaml"),
    ),
    (
        "sandbox/disruption-budget.yaml",
        include_str!("../../templates/sandbox/disruption-budget.yaml"),
    ),
    (
        "sandbox/network-policies.yaml",
        include_str!("../../templates/sandbox/network-policies.yaml"),
    ),
    (
        "sandbox/pod-template.yaml",
        include_str!("../../templates/sandbox/pod-template.yaml"),
    ),
    (
        "sandbox/service.yaml",
        include_str!("../../templates/sandbox/service.yaml"),
    ),
];

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
    let context = minijinja::Value::from(minijinja::value::Serde(plan));
    let mut objects = Vec::new();
    for &name in &plan.templates {
        let (name, source) = TEMPLATES
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| RenderError(format!("no template {name}")))?;
        for mut value in engine::render_template(name, source, &context).map_err(RenderError)? {
            drop_nulls(&mut value);
            plan.metadata.apply(&mut value);
            identify(&value).map_err(|e| RenderError(format!("{name}: {e}")))?;
            objects.push(Object {
                source: name,
                value,
            });
        }
    }
    sort_install_order(&mut objects);
    Ok(objects)
}

/// Leave out every mapping entry whose value is null, at any depth (items of sequences stay).
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

/// A value of the plan as YAML, written as documents are: mapping entries whose value is null
/// are left out (for manifests the plan writes out itself).
pub(crate) fn yaml_without_nulls<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut json = serde_json::to_value(value).expect("the plan's values serialise as JSON");
    drop_nulls(&mut json);
    yaml::to_yaml(&json)
}

/// What a rendered object is: its kind, namespace and name.
struct Identity<'a> {
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
}

/// A document's [`Identity`], once checked that it is an object with apiVersion, kind and
/// metadata.name (non-empty text).
fn identify(document: &Value) -> Result<Identity<'_>, String> {
    fn text(value: &Value) -> Option<&str> {
        value.as_str().filter(|s| !s.is_empty())
    }
    match (
        text(&document["apiVersion"]),
        text(&document["kind"]),
        text(&document["metadata"]["name"]),
    ) {
        (Some(_), Some(kind), Some(name)) => Ok(Identity {
            kind,
            namespace: document["metadata"]["namespace"].as_str(),
            name,
        }),
        _ => Err("a document is not an object with apiVersion, kind and metadata.name".into()),
    }
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
    use serde_json::json;

    /// Render `source` as a template with `context` as the plan, as [`render`] does.
    fn render_source(source: &str, context: &Value) -> Result<Vec<Value>, String> {
        let context = minijinja::Value::from(minijinja::value::Serde(context));
        let mut documents = engine::render_source("test.yaml", source, &context)?;
        documents.iter_mut().for_each(drop_nulls);
        Ok(documents)
    }

    /// An environment whose `{{ }}` write their value into the text, as one JSON scalar or flow
    /// collection with YAML-hostile characters escaped ([`yaml::json_scalar`]).
    fn text_environment() -> minijinja::Environment<'static> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_formatter(|out, _, value| {
            let json = serde_json::to_value(value).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::BadSerialization, e.to_string())
            })?;
            out.write_str(&yaml::json_scalar(&json))
                .map_err(minijinja::Error::from)
        });
        env
    }

    const HOSTILE: &str =
        "a\"\n: {{ b }}\u{85}\n---\nkind: Secret\n\u{e000}0 # x\t'|>*&!%@\u{2028}\u{9f}\u{7f}";

    #[test]
    fn values_fill_their_places_and_never_change_the_structure() {
        let source = "kind: {{ v }}\nlist: [x, {{ v }}]\nmap:\n  {{ k }}: 1\n  n: {{ nothing }}\n  m: {{ m }}\nseq:\n  - {{ v }}\njoined: {{ v ~ \"-\" ~ i }}\nsafe: {{ v|safe }}\n";
        let context = json!({ "v": HOSTILE, "k": HOSTILE, "nothing": null, "i": 7, "m": {"a": [1, null, HOSTILE], "gone": null} });
        let expected = json!({
            "kind": HOSTILE,
            "list": ["x", HOSTILE],
            "map": {HOSTILE: 1, "m": {"a": [1, null, HOSTILE]}},
            "seq": [HOSTILE],
            "joined": format!("{HOSTILE}-7"),
            "safe": HOSTILE,
        });
        assert_eq!(render_source(source, &context), Ok(vec![expected]));
    }

    #[test]
    fn every_value_is_written_as_json_with_hostile_characters_escaped() {
        let env = text_environment();
        for (value, text) in [
            (
                json!("a\u{2028}b\u{85}\u{7f}"),
                "\"a\\u2028b\\u0085\\u007f\"",
            ),
            (json!("yes"), "\"yes\""),
            (json!(7), "7"),
            (json!(null), "null"),
            (json!({"a": [1, "x"]}), "{\"a\":[1,\"x\"]}"),
        ] {
            let context = minijinja::Value::from(minijinja::value::Serde(json!({ "v": value })));
            assert_eq!(env.render_str("{{ v }}", context).unwrap(), text);
        }
    }

    #[test]
    fn loops_and_conditions_repeat_and_select_documents() {
        let source = "# c\n{%- for p in ps %}\n---\nname: {{ p.name }}\nns: {{ ns }}\n{%- endfor %}\n{%- if on %}\n---\nname: enabled\n{%- else %}\n---\nname: disabled\n{%- endif %}\n";
        for on in [true, false] {
            let context = json!({ "ps": [{"name": "a"}, {"name": "b"}], "ns": "x", "on": on });
            assert_eq!(
                render_source(source, &context).unwrap(),
                vec![
                    json!({"name": "a", "ns": "x"}),
                    json!({"name": "b", "ns": "x"}),
                    json!({"name": if on { "enabled" } else { "disabled" }}),
                ]
            );
        }
    }

    #[test]
    fn rendering_errors_name_the_problem() {
        for (source, context, message) in [
            ("x: {{ nope }}\n", json!({}), "undefined"),
            ("x: {{ a.b.c }}\n", json!({"a": {"b": {}}}), "undefined"),
            (
                "{% if nope %}\n---\nx: 1\n{% endif %}\n",
                json!({}),
                "undefined",
            ),
            ("{{ k }}: 1\na: 2\n", json!({"k": "a"}), "duplicate"),
            ("x: [{{ v }}\n", json!({"v": "a"}), "test.yaml"),
        ] {
            let e = render_source(source, &context).unwrap_err();
            assert!(e.contains(message), "{source:?}: {e}");
        }
    }

    /// Only objects with apiVersion, kind and metadata.name pass; their identity is what
    /// install order sorts by.
    #[test]
    fn only_objects_pass_the_document_check() {
        let context = json!({"n": "x", "absent": null});
        let object = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ n }}\n";
        for (source, expected) in [
            (
                format!("{object}  namespace: ns\n"),
                Some(("ConfigMap", Some("ns"), "x")),
            ),
            (object.to_string(), Some(("ConfigMap", None, "x"))),
            ("kind: ConfigMap\nmetadata:\n  name: x\n".into(), None),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n".into(),
                None,
            ),
            (
                "apiVersion: v1\nkind: ''\nmetadata:\n  name: x\n".into(),
                None,
            ),
            (object.replace("{{ n }}", "{{ absent }}"), None),
            ("- apiVersion\n".into(), None),
        ] {
            let documents = render_source(&source, &context).unwrap();
            assert_eq!(documents.len(), 1, "{source:?}");
            let found = identify(&documents[0]).map(|id| (id.kind, id.namespace, id.name));
            match (found, expected) {
                (Ok(found), Some(expected)) => assert_eq!(found, expected, "{source:?}"),
                (Err(e), None) => assert!(e.contains("not an object"), "{e}"),
                (found, expected) => panic!("{source:?}: {found:?} / {expected:?}"),
            }
        }
    }

    /// The embedded templates are the files under templates/, in sorted order.
    #[test]
    fn every_template_file_is_embedded() {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else {
                    let name = path
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    out.push((name, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files = Vec::new();
        walk(&root, &root, &mut files);
        files.sort();
        let embedded: Vec<(String, String)> = TEMPLATES
            .iter()
            .map(|(name, source)| (name.to_string(), source.to_string()))
            .collect();
        assert_eq!(embedded, files);
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
            let config = crate::config::validate::validate(&entries).config.unwrap();
            plans.push((path, crate::plan::plan(&config)));
        }
        assert!(plans.len() >= 2);
        plans
    }

    /// Keeping values out of the text gives the documents that writing them into it gives
    /// ([`text_environment`]), for every template of every profile; every template is rendered
    /// by some profile, and none holds the placeholder character.
    #[test]
    fn placeholders_give_what_values_written_into_the_text_give() {
        let mut rendered = std::collections::BTreeSet::new();
        for (path, plan) in profiles() {
            let context = minijinja::Value::from(minijinja::value::Serde(&plan));
            for &name in &plan.templates {
                let (name, source) = TEMPLATES.iter().find(|(n, _)| *n == name).unwrap();
                assert!(!source.contains(engine::PLACEHOLDER), "{name}");
                let mut placed = engine::render_template(name, source, &context)
                    .unwrap_or_else(|e| panic!("{name} ({}): {e}", path.display()));
                placed.iter_mut().for_each(drop_nulls);
                let text = text_environment()
                    .render_named_str(name, source, &context)
                    .unwrap();
                let mut written = yaml::parse_documents(&text)
                    .unwrap_or_else(|e| panic!("{name} ({}): {e}", path.display()));
                written.iter_mut().for_each(drop_nulls);
                assert_eq!(placed, written, "{name} ({})", path.display());
                rendered.insert(*name);
            }
        }
        let all: std::collections::BTreeSet<&str> = TEMPLATES.iter().map(|(n, _)| *n).collect();
        assert_eq!(rendered, all, "templates no profile renders");
    }

    /// A `{{ }}` that is not a whole key or value, that is repeated or lost (in a comment), or a
    /// key that is not text or is a duplicate, fails the render, naming the template.
    #[test]
    fn misplaced_values_fail_the_render() {
        let context = json!({"v": "x", "n": 1});
        for (source, message) in [
            ("x: \"a{{ v }}\"\n", "test.yaml"),
            ("x: a{{ v }}\n", "part of a longer text"),
            ("# {{ v }}\nx: 1\n", "not in the YAML"),
            ("{{ n }}: 1\n", "not text"),
            ("{{ v }}: 1\nx: 2\n", "duplicate key"),
            ("x: 1\n{{ v }}: 2\n", "duplicate key"),
        ] {
            let e = render_source(source, &context).unwrap_err();
            assert!(
                e.contains(message) && e.contains("test.yaml"),
                "{source:?}: {e}"
            );
        }
    }

    /// Where a `{{ }}` may stand in a template's line: as a whole block value or key (after
    /// indentation, `- `, `key: ` or `? `), or as a whole item of a flow collection; never inside
    /// a block scalar, a quoted string, a comment or other text. Checked on the text, so that the
    /// branches no profile takes are checked too.
    fn misplaced_expressions(source: &str) -> Vec<String> {
        let mut problems = Vec::new();
        // The indentation of the block scalar being read, if any.
        let mut block_scalar: Option<usize> = None;
        for (number, line) in source.lines().enumerate() {
            let indent = line.len() - line.trim_start().len();
            if let Some(parent) = block_scalar {
                if line.trim().is_empty() || indent > parent {
                    if line.contains("{{") {
                        problems.push(format!("line {}: in a block scalar", number + 1));
                    }
                    continue;
                }
                block_scalar = None;
            }
            let trimmed = line.trim_end();
            if ["|", "|-", "|+", ">", ">-", ">+"].iter().any(|h| {
                trimmed.ends_with(&format!(": {h}")) || trimmed.ends_with(&format!("- {h}"))
            }) {
                block_scalar = Some(indent);
            }
            let mut rest = line;
            let mut offset = 0;
            while let Some(start) = rest.find("{{") {
                let Some(len) = rest[start..].find("}}") else {
                    problems.push(format!("line {}: a {{{{ }}}} spans lines", number + 1));
                    break;
                };
                let end = start + len + 2;
                let before = line[..offset + start].trim_end();
                let after = rest[end..].trim_start();
                let as_block = (before.is_empty()
                    || before.ends_with(" -")
                    || before == "-"
                    || before.ends_with(':')
                    || before.ends_with(" ?"))
                    && !before.contains('#')
                    && !before.contains(['"', '\''])
                    && (after.is_empty() || after == ":" || after.starts_with(": "));
                let in_flow = (before.ends_with('[') || before.ends_with(','))
                    && before.contains('[')
                    && (after.starts_with(',') || after.starts_with(']'));
                if !as_block && !in_flow {
                    problems.push(format!("line {}: {}", number + 1, line.trim()));
                }
                offset += end;
                rest = &rest[end..];
            }
        }
        problems
    }

    #[test]
    fn every_expression_is_placed_as_a_whole_value_in_the_text() {
        for (name, source) in TEMPLATES {
            assert_eq!(
                misplaced_expressions(source),
                Vec::<String>::new(),
                "{name}"
            );
        }
        for bad in [
            "x: pre-{{ v }}\n",
            "x: {{ v }}{{ v }}\n",
            "x: \"{{ v }}\"\n",
            "x: |\n  text\n  {{ v }}\n",
            "x: [a{{ v }}]\n",
            "# {{ v }}\n",
            "x: {{ v }} # c\n",
            "x: {{ v\n  }}\n",
        ] {
            assert!(!misplaced_expressions(bad).is_empty(), "{bad:?}");
        }
        for good in [
            "x: {{ v }}\n",
            "- {{ v }}\n",
            "{{ k }}: 1\n",
            "x: [a, {{ v }}]\n",
            "x: |\n  a\ny: {{ v }}\n",
        ] {
            assert_eq!(
                misplaced_expressions(good),
                Vec::<String>::new(),
                "{good:?}"
            );
        }
    }
}

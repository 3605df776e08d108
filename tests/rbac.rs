//! Least privilege, proven: every RBAC rule of every profile is in tests/rbac-allowlist.txt with
//! a reason; no wildcards; cluster-scoped rights are get/list/watch on nodes only.

mod common;

use napgen::app;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

type Right = (String, String, String, String, String);

fn allowlist() -> BTreeSet<Right> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rbac-allowlist.txt"),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert!(
                f.len() >= 6,
                "an allow-list line needs kind, component, group, resource, verb and a reason: {l}"
            );
            let group = f[2].trim_matches('"');
            (
                f[0].into(),
                f[1].into(),
                group.into(),
                f[3].into(),
                f[4].into(),
            )
        })
        .collect()
}

fn rights(objects: &[Value]) -> Vec<Right> {
    let mut out = Vec::new();
    for o in objects
        .iter()
        .filter(|o| o["kind"] == "Role" || o["kind"] == "ClusterRole")
    {
        let kind = o["kind"].as_str().unwrap();
        let component = o["metadata"]["labels"]["app.kubernetes.io/component"]
            .as_str()
            .unwrap_or("?");
        for rule in o["rules"].as_array().unwrap() {
            assert!(
                rule.get("nonResourceURLs").is_none(),
                "{kind} {component} grants non-resource URLs"
            );
            let list = |f: &str| {
                rule[f]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| v.as_str().unwrap().to_string())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            };
            for group in list("apiGroups") {
                for resource in list("resources") {
                    for verb in list("verbs") {
                        out.push((
                            kind.to_string(),
                            component.to_string(),
                            group.clone(),
                            resource.clone(),
                            verb,
                        ));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_rule_is_allowed_and_explained() {
    let allowed = allowlist();
    let mut used = BTreeSet::new();
    for path in common::profiles() {
        let configured = common::configure(&path);
        let (_, objects) = app::render_objects(&configured.config).unwrap();
        let values: Vec<Value> = objects.into_iter().map(|o| o.value).collect();
        for right in rights(&values) {
            let (kind, _, group, resource, verb) = &right;
            assert!(
                ![group, resource, verb].iter().any(|x| x.contains('*')),
                "{}: wildcard in {right:?}",
                path.display()
            );
            if kind == "ClusterRole" {
                assert!(
                    group.is_empty()
                        && resource == "nodes"
                        && ["get", "list", "watch"].contains(&verb.as_str()),
                    "{}: cluster-scoped right beyond reading nodes: {right:?}",
                    path.display()
                );
            }
            assert!(allowed.contains(&right), "{}: {right:?} is not in tests/rbac-allowlist.txt (add it with a reason, or remove the rule)", path.display());
            used.insert(right);
        }
    }
    let stale: Vec<_> = allowed.difference(&used).collect();
    assert!(
        stale.is_empty(),
        "allow-list entries no profile uses: {stale:?}"
    );
}

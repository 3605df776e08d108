//! `napgen diff A B`: the semantic difference between two installs, object by object.
//!
//! Each side is a values file (`*.env`, rendered with the same pipeline as `napgen render`) or a
//! YAML bundle (anything else, `-` for stdin). Objects are matched by API group, kind, namespace
//! and name; a Job's name without the 8-hex-digit hash suffix napgen gives seed Jobs, so a
//! re-seed shows as a change of name rather than a removed and an added Job. Changed objects
//! list their changed fields by path (`spec.template.spec.containers[0].image: a → b`). The values
//! under a Secret's `data` and `stringData` are never shown: only that they changed.

use crate::error::Error;
use crate::output::yaml;
use serde::Serialize;
use serde_json::{Map, Value};

/// Whether a side of `napgen diff` named `path` is a values file (rendered first) rather than a
/// YAML bundle.
pub fn is_values_file(path: &str) -> bool {
    path.ends_with(".env")
}

/// The objects of one side read as a YAML bundle (`text`, read from `path`).
pub fn bundle_objects(path: &str, text: &str) -> Result<Vec<Value>, Error> {
    let documents = yaml::parse_documents(text).map_err(|e| {
        // The reader's message, without its own `error:` label (the line has one already).
        let reason = e.lines().next().unwrap_or("");
        let reason = reason.strip_prefix("error: ").unwrap_or(reason);
        Error::io_at(
            path,
            format!("not a YAML bundle: {reason}"),
            "values files must end in .env; anything else is read as Kubernetes YAML",
        )
    })?;
    let mut objects = Vec::new();
    for doc in documents {
        // `kubectl get -o yaml` wraps objects in a List.
        if doc["kind"] == "List" {
            if let Some(items) = doc["items"].as_array() {
                objects.extend(items.iter().cloned());
                continue;
            }
        }
        objects.push(doc);
    }
    for o in &objects {
        if !o["apiVersion"].is_string()
            || !o["kind"].is_string()
            || !o["metadata"]["name"].is_string()
        {
            return Err(Error::io_at(
                path,
                "a document is not a Kubernetes object (apiVersion, kind and metadata.name)",
                "give a bundle written by napgen render, or a values file (*.env)",
            ));
        }
    }
    Ok(objects)
}

/// What happened to an object or a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Removed,
    Changed,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
        }
    }
}

/// One changed field. `from`/`to` are `None` when absent or hidden (`masked`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    pub change: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
    /// A Secret's value: shown only as changed.
    pub masked: bool,
    /// Why this change needs care (an immutable field, say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

/// One object that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectDiff {
    pub change: Status,
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// The name on side A when it differs (a seed Job with a new hash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_before: Option<String>,
    pub fields: Vec<FieldChange>,
    /// What adding or removing this object means for users (a route to the platform, say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

/// The whole comparison.
#[derive(Debug, Serialize)]
pub struct Report {
    pub equal: bool,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub objects: Vec<ObjectDiff>,
    /// What the changes mean beyond their objects (a database moving, say), in plain words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<&'static str>,
}

/// B no longer runs PostgreSQL in a CloudNativePG Cluster (DATABASE_MODE=external).
pub const TO_EXTERNAL_DATABASE: &str = "PostgreSQL moves from the CloudNativePG Cluster to an external server: no data is moved. The external database starts as the DBA left it; copy the data first (pg_dump from the Cluster, pg_restore into it). The Cluster and its volumes are deleted when the removed objects are (kubectl apply --prune, helm upgrade): keep a dump before.";
/// B runs PostgreSQL in a new CloudNativePG Cluster where A used an external server.
pub const TO_CLOUDNATIVE_PG: &str = "PostgreSQL moves from the external server to a new CloudNativePG Cluster: no data is moved. The Cluster starts with an empty database; copy the data first (pg_dump from the external server, pg_restore into the Cluster once it is healthy). The external server is left as it is.";

/// Whether `objects` hold a CloudNativePG Cluster.
fn has_cnpg_cluster(objects: &[Value]) -> bool {
    objects
        .iter()
        .any(|o| o["kind"] == "Cluster" && group(text_of(o, "apiVersion")) == "postgresql.cnpg.io")
}

/// The database's move between modes, when A and B keep PostgreSQL in different places. A side
/// without a Cluster uses an external server only if it has platform objects at all.
fn database_notes(a: &[Value], b: &[Value]) -> Vec<&'static str> {
    match (has_cnpg_cluster(a), has_cnpg_cluster(b)) {
        (true, false) if !b.is_empty() => vec![TO_EXTERNAL_DATABASE],
        (false, true) if !a.is_empty() => vec![TO_CLOUDNATIVE_PG],
        _ => Vec::new(),
    }
}

fn text_of<'a>(o: &'a Value, field: &str) -> &'a str {
    o[field].as_str().unwrap_or("")
}

fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

fn namespace(o: &Value) -> Option<String> {
    o["metadata"]["namespace"].as_str().map(str::to_string)
}

fn name(o: &Value) -> &str {
    o["metadata"]["name"].as_str().unwrap_or("")
}

/// A Job's name without a trailing `-xxxxxxxx` hash (napgen's seed Jobs carry one).
fn base_name(kind: &str, name: &str) -> String {
    if kind == "Job" {
        if let Some((base, hash)) = name.rsplit_once('-') {
            if hash.len() == 8
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return base.to_string();
            }
        }
    }
    name.to_string()
}

type Key = (String, String, Option<String>, String);

fn keys(objects: &[Value]) -> Vec<Key> {
    let loose: Vec<Key> = objects
        .iter()
        .map(|o| {
            let kind = text_of(o, "kind");
            (
                group(text_of(o, "apiVersion")).to_string(),
                kind.to_string(),
                namespace(o),
                base_name(kind, name(o)),
            )
        })
        .collect();
    // Two Jobs of one side with the same base name are matched by their full names.
    loose
        .iter()
        .zip(objects)
        .map(|(k, o)| {
            if loose.iter().filter(|other| *other == k).count() > 1 {
                (k.0.clone(), k.1.clone(), k.2.clone(), name(o).to_string())
            } else {
                k.clone()
            }
        })
        .collect()
}

/// Fields the API server writes; a bundle exported from a cluster has them, a render never does.
const SERVER_FIELDS: &[&str] = &[
    "status",
    "metadata.managedFields",
    "metadata.resourceVersion",
    "metadata.uid",
    "metadata.creationTimestamp",
    "metadata.generation",
];

/// Changes that `kubectl apply` rejects or that do not reach what already exists.
const NOTES: &[(&str, &str, &str)] = &[
    (
        "PersistentVolumeClaim",
        "spec.storageClassName",
        "immutable: kubectl apply rejects this; the claim must be re-created and its data moved",
    ),
    (
        "PersistentVolumeClaim",
        "spec.accessModes",
        "immutable: kubectl apply rejects this; the claim must be re-created and its data moved",
    ),
    (
        "PersistentVolumeClaim",
        "spec.volumeName",
        "immutable once bound",
    ),
    (
        "Deployment",
        "spec.selector",
        "immutable: kubectl apply rejects this; delete the Deployment first",
    ),
    (
        "StatefulSet",
        "spec.selector",
        "immutable: kubectl apply rejects this",
    ),
    (
        "StatefulSet",
        "spec.volumeClaimTemplates",
        "immutable: kubectl apply rejects this",
    ),
    (
        "DaemonSet",
        "spec.selector",
        "immutable: kubectl apply rejects this",
    ),
    (
        "Job",
        "spec.template",
        "immutable: a Job must be deleted and re-created to change",
    ),
    ("Job", "spec.selector", "immutable"),
    (
        "Cluster",
        "spec.storage.storageClass",
        "applies only to new PostgreSQL volumes; existing instances keep their storage class",
    ),
    ("Secret", "type", "immutable: the Secret must be re-created"),
    (
        "Ingress",
        "spec.tls",
        "the host is served with the new TLS Secret once it exists (cert-manager issues it first when CERT_MANAGER_ISSUER is set); a Secret no longer named stays until deleted",
    ),
    (
        "HTTPRoute",
        "spec.parentRefs",
        "the route moves to another Gateway or listener: it is served there once that Gateway accepts it, and its hosts' DNS must point there",
    ),
    (
        "HTTPRoute",
        "spec.hostnames",
        "the Gateway's listener must admit the new host, and its certificate cover it",
    ),
    (
        "Route",
        "spec.host",
        "the new host must resolve to the OpenShift router; the router's certificate must cover it",
    ),
];

/// Notes on a field that goes away, by kind and path.
const REMOVAL_NOTES: &[(&str, &str, &str)] = &[(
    "Deployment",
    "spec.replicas",
    "a HorizontalPodAutoscaler takes the count over (*_MAX_REPLICAS): an apply sets the Deployment to 1 replica until the autoscaler scales it up again; to keep the pods, first run kubectl apply edit-last-applied deployment/<name> and delete spec.replicas there (Kubernetes' HPA guide, migrating Deployments to autoscaling)",
)];

fn removal_note(kind: &str, path: &str) -> Option<&'static str> {
    REMOVAL_NOTES
        .iter()
        .find(|(k, p, _)| *k == kind && *p == path)
        .map(|(_, _, note)| *note)
}

fn note_for(kind: &str, path: &str) -> Option<&'static str> {
    NOTES.iter().find_map(|(k, prefix, note)| {
        (*k == kind
            && (path == *prefix
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))))
        .then_some(*note)
    })
}

fn join_key(path: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::from(key)),
    }
}

/// Arrays of objects with unique `name`s (containers, env, volumes, ports) are matched by name.
fn names(items: &[Value]) -> Option<Vec<&str>> {
    let names: Vec<&str> = items
        .iter()
        .map(|i| i["name"].as_str())
        .collect::<Option<_>>()?;
    let unique: std::collections::HashSet<&&str> = names.iter().collect();
    (unique.len() == names.len()).then_some(names)
}

struct Walker<'a> {
    kind: &'a str,
    out: Vec<FieldChange>,
}

impl Walker<'_> {
    fn push(&mut self, path: String, change: Status, from: Option<&Value>, to: Option<&Value>) {
        if SERVER_FIELDS
            .iter()
            .any(|f| path == *f || path.starts_with(&format!("{f}.")))
        {
            return;
        }
        let masked = self.kind == "Secret"
            && (path.starts_with("data")
                || path.starts_with("stringData")
                || path.contains("last-applied-configuration"));
        self.out.push(FieldChange {
            note: match change {
                Status::Removed => removal_note(self.kind, &path),
                _ => None,
            }
            .or_else(|| note_for(self.kind, &path)),
            path,
            change,
            from: if masked { None } else { from.cloned() },
            to: if masked { None } else { to.cloned() },
            masked,
        });
    }

    fn walk(&mut self, path: &str, a: &Value, b: &Value) {
        match (a, b) {
            (Value::Object(ma), Value::Object(mb)) => self.walk_map(path, ma, mb),
            (Value::Array(la), Value::Array(lb)) => self.walk_list(path, la, lb),
            _ if a != b => self.push(path.to_string(), Status::Changed, Some(a), Some(b)),
            _ => {}
        }
    }

    fn walk_map(&mut self, path: &str, a: &Map<String, Value>, b: &Map<String, Value>) {
        for (k, va) in a {
            match b.get(k) {
                Some(vb) => self.walk(&join_key(path, k), va, vb),
                None => self.push(join_key(path, k), Status::Removed, Some(va), None),
            }
        }
        for (k, vb) in b {
            if !a.contains_key(k) {
                self.push(join_key(path, k), Status::Added, None, Some(vb));
            }
        }
    }

    fn walk_list(&mut self, path: &str, a: &[Value], b: &[Value]) {
        let at = |i: usize| format!("{path}[{i}]");
        if let (Some(na), Some(nb)) = (names(a), names(b)) {
            for (j, vb) in b.iter().enumerate() {
                match na.iter().position(|n| *n == nb[j]) {
                    Some(i) => self.walk(&at(j), &a[i], vb),
                    None => self.push(at(j), Status::Added, None, Some(vb)),
                }
            }
            for (i, va) in a.iter().enumerate() {
                if !nb.contains(&na[i]) {
                    self.push(at(i), Status::Removed, Some(va), None);
                }
            }
            return;
        }
        for i in 0..a.len().max(b.len()) {
            match (a.get(i), b.get(i)) {
                (Some(va), Some(vb)) => self.walk(&at(i), va, vb),
                (Some(va), None) => self.push(at(i), Status::Removed, Some(va), None),
                (None, Some(vb)) => self.push(at(i), Status::Added, None, Some(vb)),
                (None, None) => {}
            }
        }
    }
}

/// The field changes from `a` to `b`, in document order.
pub fn field_changes(kind: &str, a: &Value, b: &Value) -> Vec<FieldChange> {
    let mut w = Walker {
        kind,
        out: Vec::new(),
    };
    w.walk("", a, b);
    w.out
}

fn object_diff(
    change: Status,
    o: &Value,
    name_before: Option<String>,
    fields: Vec<FieldChange>,
) -> ObjectDiff {
    ObjectDiff {
        change,
        api_version: text_of(o, "apiVersion").to_string(),
        kind: text_of(o, "kind").to_string(),
        namespace: namespace(o),
        name: name(o).to_string(),
        name_before,
        fields,
        note: object_note(change, text_of(o, "kind")),
    }
}

/// Adding or removing an object that routes users to the platform (an INGRESS_MODE switch, a
/// module turned on or off): what must happen around it.
const OBJECT_NOTES: &[(Status, &str, &str)] = &[
    (
        Status::Added,
        "HTTPRoute",
        "served once its Gateway accepts it (status.parents; napgen prereqs shows the check), at the Gateway's address: point its hosts' DNS there",
    ),
    (
        Status::Added,
        "Route",
        "served once the OpenShift router admits it (status.ingress); its host must resolve to the router",
    ),
    (
        Status::Removed,
        "Ingress",
        "users lose this way in when it is deleted: delete it once what replaces it serves its host (kubectl apply does not delete it)",
    ),
    (
        Status::Removed,
        "HTTPRoute",
        "users lose this way in when it is deleted: delete it once what replaces it serves its host (kubectl apply does not delete it)",
    ),
    (
        Status::Removed,
        "Route",
        "users lose this way in when it is deleted: delete it once what replaces it serves its host (kubectl apply does not delete it)",
    ),
];

fn object_note(change: Status, kind: &str) -> Option<&'static str> {
    OBJECT_NOTES
        .iter()
        .find(|(s, k, _)| *s == change && *k == kind)
        .map(|(_, _, note)| *note)
}

/// Compare two sets of objects: changed and added objects in B's order, then removed ones in
/// A's order.
pub fn compare(a: &[Value], b: &[Value]) -> Report {
    let (ka, kb) = (keys(a), keys(b));
    let mut objects = Vec::new();
    let mut unchanged = 0;
    for (j, ob) in b.iter().enumerate() {
        match ka.iter().position(|k| *k == kb[j]) {
            Some(i) => {
                let oa = &a[i];
                let fields: Vec<FieldChange> = field_changes(text_of(ob, "kind"), oa, ob)
                    .into_iter()
                    .filter(|f| f.path != "metadata.name")
                    .collect();
                let renamed = (name(oa) != name(ob)).then(|| name(oa).to_string());
                // A renamed object is created anew: nothing is updated in place.
                let fields = if renamed.is_some() {
                    fields
                        .into_iter()
                        .map(|f| FieldChange { note: None, ..f })
                        .collect()
                } else {
                    fields
                };
                if fields.is_empty() && renamed.is_none() {
                    unchanged += 1;
                } else {
                    objects.push(object_diff(Status::Changed, ob, renamed, fields));
                }
            }
            None => objects.push(object_diff(Status::Added, ob, None, vec![])),
        }
    }
    for (i, oa) in a.iter().enumerate() {
        if !kb.contains(&ka[i]) {
            objects.push(object_diff(Status::Removed, oa, None, vec![]));
        }
    }
    let count = |s: Status| objects.iter().filter(|o| o.change == s).count();
    Report {
        equal: objects.is_empty(),
        added: count(Status::Added),
        removed: count(Status::Removed),
        changed: count(Status::Changed),
        unchanged,
        objects,
        notes: database_notes(a, b),
    }
}

/// A value as one short text: plain strings bare, everything else as JSON.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) if !s.is_empty() && !s.contains('\n') && s.trim() == s => s.clone(),
        other => yaml::json_scalar(other),
    }
}

fn object_line(o: &ObjectDiff) -> String {
    let sign = match o.change {
        Status::Added => '+',
        Status::Removed => '-',
        Status::Changed => '~',
    };
    let ns = o
        .namespace
        .as_deref()
        .map(|n| format!("{n}/"))
        .unwrap_or_default();
    let name = match &o.name_before {
        Some(before) => format!("{ns}{before} → {}", o.name),
        None => format!("{ns}{}", o.name),
    };
    format!(
        "{sign} {} {} {name} ({})\n",
        o.api_version,
        o.kind,
        o.change.word()
    )
}

fn field_lines(f: &FieldChange) -> String {
    let mut out = match (f.masked, f.change, &f.from, &f.to) {
        (true, change, ..) => format!("    {}: {} (value hidden)\n", f.path, change.word()),
        (false, Status::Changed, Some(Value::String(a)), Some(Value::String(b)))
            if a.contains('\n') || b.contains('\n') =>
        {
            let mut s = format!("    {}: changed\n", f.path);
            let diff = similar::TextDiff::from_lines(a.as_str(), b.as_str());
            for group in diff.grouped_ops(1) {
                for op in group {
                    for change in diff.iter_changes(&op) {
                        let sign = match change.tag() {
                            similar::ChangeTag::Delete => '-',
                            similar::ChangeTag::Insert => '+',
                            similar::ChangeTag::Equal => ' ',
                        };
                        s.push_str(&format!(
                            "      {sign} {}\n",
                            change.value().trim_end_matches('\n')
                        ));
                    }
                }
            }
            s
        }
        (false, Status::Changed, Some(a), Some(b)) => {
            format!("    {}: {} → {}\n", f.path, show(a), show(b))
        }
        (false, Status::Added, _, Some(b)) => format!("    {}: added {}\n", f.path, show(b)),
        (false, Status::Removed, Some(a), _) => {
            format!("    {}: removed (was {})\n", f.path, show(a))
        }
        _ => format!("    {}: {}\n", f.path, f.change.word()),
    };
    if let Some(note) = f.note {
        out.push_str(&format!("      note: {note}\n"));
    }
    out
}

/// The differences, one object per block; empty when the two are equal.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for o in &report.objects {
        out.push_str(&object_line(o));
        if let Some(note) = o.note {
            out.push_str(&format!("    note: {note}\n"));
        }
        for f in &o.fields {
            out.push_str(&field_lines(f));
        }
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

/// The one-line summary napgen prints on stderr.
pub fn summary(report: &Report, a: &str, b: &str) -> String {
    if report.equal {
        format!(
            "napgen diff: {a} and {b} render the same {} objects\n",
            report.unchanged
        )
    } else {
        format!(
            "napgen diff: {a} → {b}: {} added, {} removed, {} changed, {} unchanged\n",
            report.added, report.removed, report.changed, report.unchanged
        )
    }
}

/// The report as JSON.
pub fn json(report: &Report) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(report).expect("report serialises")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn switching_exposure_modes_says_what_users_need() {
        let route = |kind: &str, api: &str, spec: Value| json!({"apiVersion": api, "kind": kind, "metadata": {"name": "nap", "namespace": "nap"}, "spec": spec});
        let ingress = route(
            "Ingress",
            "networking.k8s.io/v1",
            json!({"tls": [{"secretName": "nap-tls"}]}),
        );
        let http = |section: &str| {
            route(
                "HTTPRoute",
                "gateway.networking.k8s.io/v1",
                json!({"parentRefs": [{"name": "public", "sectionName": section}]}),
            )
        };
        let report = compare(std::slice::from_ref(&ingress), &[http("https")]);
        let out = text(&report);
        assert!(out.contains("+ gateway.networking.k8s.io/v1 HTTPRoute nap/nap (added)\n    note: served once its Gateway accepts it"), "{out}");
        assert!(out.contains("- networking.k8s.io/v1 Ingress nap/nap (removed)\n    note: users lose this way in"), "{out}");
        let moved = text(&compare(&[http("https")], &[http("web")]));
        assert!(moved.contains("spec.parentRefs[0].sectionName: https → web\n      note: the route moves to another Gateway or listener"), "{moved}");
        let reissued = route(
            "Ingress",
            "networking.k8s.io/v1",
            json!({"tls": [{"secretName": "nap-issued"}]}),
        );
        let out = text(&compare(&[ingress], &[reissued]));
        assert!(
            out.contains("note: the host is served with the new TLS Secret once it exists"),
            "{out}"
        );
        // Other objects carry no object note.
        let added = compare(&[], &[deployment("a", json!([]))]);
        assert_eq!(added.objects[0].note, None);
    }

    fn deployment(image: &str, env: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cp", "namespace": "nap", "labels": {"app.kubernetes.io/name": "cp"}},
               "spec": {"template": {"spec": {"containers": [{"name": "main", "image": image, "env": env}]}}}})
    }

    #[test]
    fn a_count_left_to_an_autoscaler_says_how_to_keep_the_pods() {
        let with = |replicas: Option<u64>| {
            let mut d = deployment("img:1", json!([]));
            if let Some(n) = replicas {
                d["spec"]["replicas"] = json!(n);
            }
            d
        };
        let note = "kubectl apply edit-last-applied deployment/<name>";
        let removed = text(&compare(&[with(Some(2))], &[with(None)]));
        assert!(removed.contains("spec.replicas: removed (was 2)\n      note: a HorizontalPodAutoscaler takes the count over"), "{removed}");
        assert!(removed.contains(note), "{removed}");
        // A count that changes or comes back needs no care.
        for (a, b) in [(Some(2), Some(3)), (None, Some(2))] {
            let out = text(&compare(&[with(a)], &[with(b)]));
            assert!(out.contains("spec.replicas"), "{out}");
            assert!(!out.contains(note), "{out}");
        }
    }

    #[test]
    fn field_paths_and_name_matching() {
        let a = deployment(
            "img:1",
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]),
        );
        let b = deployment(
            "img:2",
            json!([{"name": "B", "value": "2"}, {"name": "C", "value": "3"}]),
        );
        let report = compare(&[a], &[b]);
        let text = text(&report);
        assert!(
            text.contains("~ apps/v1 Deployment nap/cp (changed)\n"),
            "{text}"
        );
        assert!(
            text.contains("    spec.template.spec.containers[0].image: img:1 → img:2\n"),
            "{text}"
        );
        // env is matched by name: B is unchanged although it moved.
        assert!(
            text.contains("env[1]: added {\"name\":\"C\",\"value\":\"3\"}"),
            "{text}"
        );
        assert!(
            text.contains("env[0]: removed (was {\"name\":\"A\",\"value\":\"1\"})"),
            "{text}"
        );
        assert!(!text.contains("\"B\""), "{text}");
        assert_eq!(
            join_key("metadata.labels", "app.kubernetes.io/name"),
            "metadata.labels[\"app.kubernetes.io/name\"]"
        );
    }

    #[test]
    fn secrets_are_masked() {
        let s = |v: &str| json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "nap"}, "stringData": {"K": v, "OLD": v}});
        let mut b = s("new-secret-value");
        b["stringData"].as_object_mut().unwrap().remove("OLD");
        b["stringData"]["NEW"] = json!("another-secret");
        let report = compare(&[s("old-secret-value")], &[b]);
        let text = text(&report);
        let json = json(&report);
        for leaked in ["old-secret-value", "new-secret-value", "another-secret"] {
            assert!(
                !text.contains(leaked) && !json.contains(leaked),
                "{leaked} leaked:\n{text}\n{json}"
            );
        }
        assert!(
            text.contains("stringData.K: changed (value hidden)"),
            "{text}"
        );
        assert!(
            text.contains("stringData.OLD: removed (value hidden)")
                && text.contains("stringData.NEW: added (value hidden)"),
            "{text}"
        );
    }

    #[test]
    fn seed_jobs_match_without_their_hash() {
        let job = |name: &str, v: &str| json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": "nap"}, "spec": {"template": {"spec": {"containers": [{"name": "seed", "image": v}]}}}});
        let report = compare(
            &[job("nap-seed-admin-0123abcd", "a")],
            &[job("nap-seed-admin-89ef4567", "b")],
        );
        assert_eq!((report.changed, report.added, report.removed), (1, 0, 0));
        let text = text(&report);
        assert!(
            text.contains(
                "~ batch/v1 Job nap/nap-seed-admin-0123abcd → nap-seed-admin-89ef4567 (changed)"
            ),
            "{text}"
        );
        // A new name is a new Job: its template is not changed in place.
        assert!(!text.contains("note:"), "{text}");
        let report = compare(
            &[job("nap-seed-admin-0123abcd", "a")],
            &[job("nap-seed-admin-0123abcd", "b")],
        );
        assert!(text_of_report(&report).contains("note: immutable"));
        // Not a hash: matched by the whole name.
        let report = compare(
            &[job("nap-seed-admin-zzzzzzzz", "a")],
            &[job("nap-seed-admin-yyyyyyyy", "a")],
        );
        assert_eq!((report.added, report.removed), (1, 1));
    }

    fn text_of_report(r: &Report) -> String {
        text(r)
    }

    #[test]
    fn storage_class_change_is_flagged() {
        let pvc = |class: &str| json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "nap-shared", "namespace": "nap"}, "spec": {"storageClassName": class}});
        let report = compare(&[pvc("nfs")], &[pvc("cephfs")]);
        let text = text(&report);
        assert!(
            text.contains("spec.storageClassName: nfs → cephfs\n      note: immutable"),
            "{text}"
        );
    }

    #[test]
    fn a_database_mode_switch_says_no_data_moves() {
        let cluster = json!({"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "nap-postgres", "namespace": "nap"}});
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "nap-database", "namespace": "nap"}});
        let (cluster, secret) = (vec![cluster], vec![secret]);
        let to_external = compare(&cluster, &secret);
        assert_eq!(to_external.notes, vec![TO_EXTERNAL_DATABASE]);
        assert!(text(&to_external).ends_with(&format!("note: {TO_EXTERNAL_DATABASE}\n")));
        assert!(json(&to_external).contains("no data is moved"));
        let back = compare(&secret, &cluster);
        assert_eq!(back.notes, vec![TO_CLOUDNATIVE_PG]);
        // The same mode on both sides, or an empty side, says nothing.
        assert!(compare(&cluster, &cluster).notes.is_empty());
        assert!(compare(&secret, &secret).notes.is_empty());
        assert!(compare(&[], &cluster).notes.is_empty());
    }

    #[test]
    fn multi_line_values_show_changed_lines() {
        let cm = |t: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"pod.yaml": t}});
        let report = compare(
            &[cm("a: 1\nimage: x:1\nb: 2\n")],
            &[cm("a: 1\nimage: x:2\nb: 2\n")],
        );
        let text = text(&report);
        assert!(
            text.contains("data[\"pod.yaml\"]: changed\n")
                && text.contains("      - image: x:1\n      + image: x:2\n"),
            "{text}"
        );
    }

    #[test]
    fn equal_and_server_fields_ignored() {
        let a = deployment("i", json!([]));
        let mut b = a.clone();
        b["status"] = json!({"replicas": 1});
        b["metadata"]["resourceVersion"] = json!("42");
        let report = compare(&[a], &[b]);
        assert!(report.equal, "{}", text(&report));
        assert_eq!(report.unchanged, 1);
    }
}

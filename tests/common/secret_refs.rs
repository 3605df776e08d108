//! The Secrets rendered objects read, found in the objects themselves: the reference the plan's
//! list of Secrets (and every text that names one) is checked against. It knows nothing of the
//! plan, so a name the plan gets wrong cannot agree with it by construction.

use napgen_core::output::yaml;
use napgen_core::render::Object;
use serde_json::Value;

/// What a Secret holds, as the object reading it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Generic,
    /// An Ingress's `tls[].secretName`.
    Tls,
    /// An `imagePullSecrets` entry.
    DockerRegistry,
}

/// A Secret some object reads, in that object's namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub namespace: String,
    pub name: String,
    /// The keys read from it, in the order met.
    pub keys: Vec<String>,
    pub form: Form,
}

impl SecretRef {
    pub fn id(&self) -> (String, String) {
        (self.namespace.clone(), self.name.clone())
    }
}

fn add(out: &mut Vec<SecretRef>, ns: &str, name: &str, keys: Vec<String>) {
    let i = match out.iter().position(|m| m.namespace == ns && m.name == name) {
        Some(i) => i,
        None => {
            out.push(SecretRef {
                namespace: ns.into(),
                name: name.into(),
                keys: vec![],
                form: Form::Generic,
            });
            out.len() - 1
        }
    };
    for k in keys {
        if !out[i].keys.contains(&k) {
            out[i].keys.push(k);
        }
    }
}

fn item_keys(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["key"].as_str().map(str::to_string))
        .collect()
}

/// Every reference in a value: `secretKeyRef`, `secretName` (volumes, Ingress TLS), projected
/// `secret` sources, `envFrom[].secretRef`, barman-cloud's `s3Credentials`. Optional ones are
/// skipped: a pod starts without them.
fn walk(v: &Value, ns: &str, out: &mut Vec<SecretRef>) {
    match v {
        Value::Object(map) => {
            let optional = |r: &Value| r["optional"] == true;
            if let Some(r) = map.get("secretKeyRef").filter(|r| !optional(r)) {
                if let (Some(name), Some(key)) = (r["name"].as_str(), r["key"].as_str()) {
                    add(out, ns, name, vec![key.to_string()]);
                }
            }
            if let Some(name) = map.get("secretName").and_then(Value::as_str) {
                if !optional(v) {
                    add(out, ns, name, item_keys(v));
                }
            }
            if let Some(creds) = map.get("s3Credentials").and_then(Value::as_object) {
                for r in creds.values() {
                    if let (Some(name), Some(key)) = (r["name"].as_str(), r["key"].as_str()) {
                        add(out, ns, name, vec![key.to_string()]);
                    }
                }
            }
            for field in ["secret", "secretRef"] {
                if let Some(r) = map.get(field).filter(|r| !optional(r)) {
                    if let Some(name) = r["name"].as_str() {
                        add(out, ns, name, item_keys(r));
                    }
                }
            }
            map.values().for_each(|c| walk(c, ns, out));
        }
        Value::Array(items) => items.iter().for_each(|c| walk(c, ns, out)),
        _ => {}
    }
}

/// For a whole Secret mounted as a volume (no `items`), the keys the object's own text reads
/// from the mount (`cat /etc/coturn-auth/TURN_AUTH_SECRET` in a command, say).
fn keys_read_from_mounts(object: &Value) -> Vec<(String, Vec<String>)> {
    fn collect<'a>(v: &'a Value, field: &str, out: &mut Vec<&'a Value>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::Array(items)) = map.get(field) {
                    out.extend(items.iter());
                }
                map.values().for_each(|c| collect(c, field, out));
            }
            Value::Array(items) => items.iter().for_each(|c| collect(c, field, out)),
            _ => {}
        }
    }
    fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Object(map) => map.values().for_each(|c| strings(c, out)),
            Value::Array(items) => items.iter().for_each(|c| strings(c, out)),
            _ => {}
        }
    }
    let (mut volumes, mut mounts, mut texts) = (Vec::new(), Vec::new(), Vec::new());
    collect(object, "volumes", &mut volumes);
    collect(object, "volumeMounts", &mut mounts);
    strings(object, &mut texts);
    let mut out = Vec::new();
    for volume in volumes {
        let secret = &volume["secret"];
        let Some(name) = secret["secretName"].as_str() else {
            continue;
        };
        if secret["items"].is_array() || secret["optional"] == true {
            continue;
        }
        let mut keys: Vec<String> = Vec::new();
        for mount in mounts.iter().filter(|m| m["name"] == volume["name"]) {
            let Some(path) = mount["mountPath"].as_str() else {
                continue;
            };
            let prefix = format!("{}/", path.trim_end_matches('/'));
            for text in &texts {
                for (i, _) in text.match_indices(&prefix) {
                    let key: String = text[i + prefix.len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || "_.-".contains(*c))
                        .collect();
                    if !key.is_empty() && !keys.contains(&key) {
                        keys.push(key);
                    }
                }
            }
        }
        out.push((name.to_string(), keys));
    }
    out
}

/// The values an object reads Secrets in: the object, and the pod templates a ConfigMap holds
/// as YAML text (`*.yaml` keys), which the control plane creates pods from at run time.
fn readers(object: &Object) -> Vec<Value> {
    let mut out = vec![object.value.clone()];
    if object.kind() == "ConfigMap" {
        for (key, text) in object.value["data"].as_object().into_iter().flatten() {
            if let (true, Some(text)) = (key.ends_with(".yaml"), text.as_str()) {
                out.extend(yaml::parse_documents(text).unwrap_or_default());
            }
        }
    }
    out
}

/// Every Secret the objects read (other than Secret objects themselves), each in the namespace
/// of the object that reads it, in the order met, with the form the reference shows.
pub fn referenced(objects: &[Object]) -> Vec<SecretRef> {
    let mut out = Vec::new();
    let mut typed: Vec<(String, String, Form)> = Vec::new();
    for o in objects.iter().filter(|o| o.kind() != "Secret") {
        let Some(ns) = o.namespace() else { continue };
        for value in readers(o) {
            walk(&value, ns, &mut out);
            for (name, keys) in keys_read_from_mounts(&value) {
                add(&mut out, ns, &name, keys);
            }
            for tls in value["spec"]["tls"].as_array().into_iter().flatten() {
                if let Some(name) = tls["secretName"].as_str() {
                    typed.push((ns.into(), name.into(), Form::Tls));
                }
            }
            let pod = if value["kind"] == "Pod" {
                &value["spec"]
            } else {
                &value["spec"]["template"]["spec"]
            };
            for pull in pod["imagePullSecrets"].as_array().into_iter().flatten() {
                if let Some(name) = pull["name"].as_str() {
                    add(&mut out, ns, name, vec![]);
                    typed.push((ns.into(), name.into(), Form::DockerRegistry));
                }
            }
        }
    }
    for r in &mut out {
        if let Some((_, _, form)) = typed
            .iter()
            .find(|(ns, name, _)| *ns == r.namespace && *name == r.name)
        {
            r.form = *form;
        }
    }
    out
}

/// Whether a Secret is one the objects carry, or one CloudNativePG generates for a Cluster
/// among them (`<cluster>-app`, `-superuser`, `-ca`, `-replication`, `-server`).
pub fn provided_by_install(objects: &[Object], r: &SecretRef) -> bool {
    objects.iter().any(|o| {
        o.namespace() == Some(r.namespace.as_str())
            && ((o.kind() == "Secret" && o.name() == r.name)
                || (o.kind() == "Cluster"
                    && o.api_version().starts_with("postgresql.cnpg.io/")
                    && ["app", "superuser", "ca", "replication", "server"]
                        .iter()
                        .any(|s| r.name == format!("{}-{s}", o.name()))))
    })
}

/// The Secrets the objects read that the install neither contains nor has generated: the ones
/// the operator must create.
pub fn missing(objects: &[Object]) -> Vec<SecretRef> {
    referenced(objects)
        .into_iter()
        .filter(|r| !provided_by_install(objects, r))
        .collect()
}

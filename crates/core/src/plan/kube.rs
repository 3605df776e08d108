//! Kubernetes building blocks the plan's parts share: image references, manifests and checksums,
//! selectors, resources, volume mounts, environment variables, spreading over nodes.

use super::Map;
use crate::config::Images;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// `registry/owner/name:tag[@digest]`: `REGISTRY` replaces the registry host and keeps the
/// path; a pin in IMAGE_DIGESTS (by the repository's name) adds the digest.
pub fn image_ref(images: &Images, registry: &str, owner: &str, name: &str, tag: &str) -> String {
    let host = images.registry.as_deref().unwrap_or(registry);
    let digest = images
        .digests
        .iter()
        .find(|pin| pin.name == name)
        .map(|pin| &pin.digest);
    match digest {
        Some(d) => format!("{host}/{owner}/{name}:{tag}@{d}"),
        None => format!("{host}/{owner}/{name}:{tag}"),
    }
}

/// A manifest as YAML text for a ConfigMap, without null fields (as rendered objects).
pub(crate) fn manifest(value: &Value) -> String {
    crate::render::yaml_without_nulls(value)
}

/// Feeds what is written to it into a SHA-256 hasher.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A stable hash of any serialisable value: SHA-256 of its JSON text, which is streamed into
/// the hasher rather than collected first.
pub(crate) fn checksum<T: Serialize>(value: &T) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hasher = HashWriter(Sha256::new());
    serde_json::to_writer(&mut hasher, value).expect("plan values serialise");
    let mut hex = String::with_capacity(64);
    for b in hasher.0.finalize() {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 15)]));
    }
    hex
}

pub(crate) fn selector(component: &'static str, name: impl Into<String>) -> Map {
    let mut s = Map::with_capacity(3);
    s.insert("app.kubernetes.io/name", name);
    s.insert("app.kubernetes.io/instance", "nap");
    s.insert("app.kubernetes.io/component", component);
    s
}

/// A container's resources: what it requests (which capacity sums) and its CPU limit; its
/// memory limit is its request.
pub use crate::config::Resources;

impl Resources {
    /// The `resources` field of a container.
    pub fn to_data(&self) -> Value {
        json!({
            "requests": {"cpu": self.cpu.as_str(), "memory": self.memory.as_str()},
            "limits": {"cpu": self.cpu_limit.as_str(), "memory": self.memory.as_str()},
        })
    }
}

impl From<Resources> for Value {
    fn from(resources: Resources) -> Value {
        resources.to_data()
    }
}

impl From<&Resources> for Value {
    fn from(resources: &Resources) -> Value {
        resources.to_data()
    }
}

impl Serialize for Resources {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_data().serialize(serializer)
    }
}

/// Fixed resources (`"250m"`, `"512Mi"`, limit `"1"`), for tests.
#[cfg(test)]
pub(crate) fn resources(cpu_request: &str, memory: &str, cpu_limit: &str) -> Resources {
    use crate::config::types::{Cpu, Memory};
    Resources {
        cpu: Cpu::fixed(cpu_request),
        memory: Memory::fixed(memory),
        cpu_limit: Cpu::fixed(cpu_limit),
        keys: None,
    }
}

/// Where a container mounts one of its pod's volumes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumeMount {
    pub name: String,
    #[serde(rename = "mountPath")]
    pub mount_path: String,
    #[serde(rename = "readOnly", skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

impl VolumeMount {
    /// Volume `name` at `path`, writable.
    pub fn new(name: &str, path: &str) -> VolumeMount {
        VolumeMount {
            name: name.to_string(),
            mount_path: path.to_string(),
            read_only: false,
        }
    }

    /// Volume `name` at `path`, read-only.
    pub fn read_only(name: &str, path: &str) -> VolumeMount {
        VolumeMount {
            read_only: true,
            ..VolumeMount::new(name, path)
        }
    }
}

/// A container's environment variable: a plain value, or one read from elsewhere
/// (`valueFrom`: a Secret's key, a field of the pod).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvVar {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(rename = "valueFrom", skip_serializing_if = "Option::is_none")]
    pub value_from: Option<Value>,
}

impl EnvVar {
    /// The value of `key` in Secret `secret`.
    pub fn from_secret(name: &str, secret: &str, key: &str) -> EnvVar {
        EnvVar {
            name: name.to_string(),
            value: None,
            value_from: Some(json!({"secretKeyRef": {"name": secret, "key": key}})),
        }
    }

    /// A field of the pod's own object (`metadata.namespace`).
    pub fn from_field(name: &str, path: &str) -> EnvVar {
        EnvVar {
            name: name.to_string(),
            value: None,
            value_from: Some(json!({"fieldRef": {"fieldPath": path}})),
        }
    }
}

/// An environment variable with a plain value: `{name, value}`.
pub(crate) fn plain_env(name: impl Into<String>, value: impl Into<String>) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        value_from: None,
    }
}

/// A size-limited scratch volume and its mount at /tmp (the root file system is read-only).
pub(crate) fn tmp_volume(size: &str) -> (Value, VolumeMount) {
    (
        json!({"name": "tmp", "emptyDir": {"sizeLimit": size}}),
        VolumeMount::new("tmp", "/tmp"),
    )
}

/// Spread replicas over nodes on multi-node; nothing to spread on a single node.
pub(crate) fn spread(multi_node: bool, selector: &Map) -> Value {
    if !multi_node {
        return json!({});
    }
    json!({"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
        "weight": 100,
        "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": selector}},
    }]}})
}

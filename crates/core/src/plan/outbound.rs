//! Outbound connections: the CA bundle every pod trusts (CA_BUNDLE or CA_BUNDLE_CONFIG_MAP) and
//! the proxy (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), for the platform's pods and the pods it creates
//! at run time.

use super::VolumeMount;
use super::{checksum, plain_env, EnvVar, Map};
use crate::config::Config;
use serde::Serialize;
use serde_json::{json, Value};

/// The ConfigMap napgen renders from CA_BUNDLE.
pub const CA_BUNDLE_CONFIG_MAP: &str = "nap-ca-bundle";
/// Where every pod finds the bundle; the ConfigMap's key `ca.crt` is the file.
pub const CA_DIR: &str = "/etc/nap/ca";
pub const CA_FILE: &str = "/etc/nap/ca/ca.crt";
/// What OpenSSL, Go, Python (requests), curl, git and Node read a CA bundle from. All but
/// NODE_EXTRA_CA_CERTS replace the image's trust store, so the bundle holds the public roots too.
pub const CA_ENV: &[&str] = &[
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "GIT_SSL_CAINFO",
    "NODE_EXTRA_CA_CERTS",
];

/// The CA bundle: rendered from CA_BUNDLE, or a ConfigMap the operator provides.
#[derive(Debug, Clone, Serialize)]
pub struct CaBundle {
    pub config_map: String,
    /// The PEM text when napgen renders the ConfigMap; `None` when it is provided.
    pub pem: Option<String>,
    pub labels: Map,
}

/// What a pod needs for outbound connections: environment, and the bundle's volume and mount.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outbound {
    pub env: Vec<EnvVar>,
    pub volume: Option<Value>,
    pub mount: Option<VolumeMount>,
    /// `checksum/ca-bundle`, so pods roll when a rendered bundle changes.
    pub checksum: Option<String>,
}

impl Outbound {
    pub fn attach(
        &self,
        env: &mut Vec<EnvVar>,
        volumes: &mut Vec<Value>,
        mounts: &mut Vec<VolumeMount>,
    ) {
        env.extend(self.env.iter().cloned());
        volumes.extend(self.volume.iter().cloned());
        mounts.extend(self.mount.iter().cloned());
    }
}

pub(crate) fn ca_bundle(config: &crate::config::Outbound, labels: Map) -> Option<CaBundle> {
    if let Some(pem) = &config.ca_bundle {
        return Some(CaBundle {
            config_map: CA_BUNDLE_CONFIG_MAP.into(),
            pem: Some(pem.clone()),
            labels,
        });
    }
    config.ca_bundle_config_map.as_ref().map(|name| CaBundle {
        config_map: name.to_string(),
        pem: None,
        labels,
    })
}

/// The environment, volume and mount every pod gets. `services` are the platform's Services in
/// the namespace, which are never reached through the proxy.
pub(crate) fn outbound(config: &Config, ca: Option<&CaBundle>, services: &[&str]) -> Outbound {
    let mut out = Outbound::default();
    for (url, names) in [
        (&config.outbound.http_proxy, ["HTTP_PROXY", "http_proxy"]),
        (&config.outbound.https_proxy, ["HTTPS_PROXY", "https_proxy"]),
    ] {
        if let Some(url) = url {
            out.env
                .extend(names.map(|n| plain_env(n, url.as_str().to_owned())));
        }
    }
    if !out.env.is_empty() {
        let list = no_proxy(config, services);
        out.env.push(plain_env("NO_PROXY", list.clone()));
        out.env.push(plain_env("no_proxy", list));
    }
    if let Some(ca) = ca {
        out.env
            .extend(CA_ENV.iter().map(|name| plain_env(*name, CA_FILE)));
        out.volume = Some(json!({
            "name": "ca-bundle",
            "configMap": {"name": &ca.config_map, "items": [{"key": "ca.crt", "path": "ca.crt"}]},
        }));
        out.mount = Some(VolumeMount::read_only("ca-bundle", CA_DIR));
        out.checksum = ca.pem.as_ref().map(checksum);
    }
    out
}

/// NO_PROXY: the operator's entries, then what must never go through the proxy: loopback, the
/// cluster's pod and service CIDRs (the API server's address among them), cluster DNS names, and
/// the platform's Services by every name they are called.
pub fn no_proxy(config: &Config, services: &[&str]) -> String {
    let (cluster, namespace) = (&config.cluster, &config.cluster.namespace);
    let mut entries: Vec<String> = config.outbound.no_proxy.clone();
    entries.extend(["localhost", "127.0.0.1", "::1"].map(String::from));
    entries.extend(cluster.pod_cidrs.iter().map(|c| c.as_str().to_owned()));
    entries.extend(cluster.service_cidrs.iter().map(|c| c.as_str().to_owned()));
    entries.extend([".svc", ".cluster.local"].map(String::from));
    for s in services {
        entries.push(s.to_string());
        entries.push(format!("{s}.{namespace}"));
        entries.push(format!("{s}.{namespace}.svc"));
    }
    let mut seen = std::collections::HashSet::new();
    entries.retain(|e| seen.insert(e.clone()));
    entries.join(",")
}

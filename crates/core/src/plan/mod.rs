//! The plan: every fact the templates need, derived once from validated settings.
//!
//! Templates read only the plan, so all decisions (names, images after the registry rewrite,
//! replicas per profile, URLs, which objects exist) are made here, in plain code with tests.

mod backup;
mod bridge;
mod browser;
pub mod capacity;
mod ingress;
mod map;
mod monitoring;
mod network;
mod oauth;
mod outbound;
mod placement;
mod sandbox;
pub mod secrets;
mod storage;

pub use backup::{
    Backup, BARMAN_PLUGIN, BARMAN_PLUGIN_VERSION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
};
pub use bridge::Bridge;
pub use browser::{cidr_range, turnserver_conf, Browser, Coturn, Redacted, RELAY_PORTS, TURN_PORT};
pub use ingress::IngressRoute;
pub use map::Map;
pub use monitoring::{Monitoring, POSTGRES_METRICS_PORT};
pub use network::NetworkPolicy;
pub use oauth::{public_origin, redirect_uri, OAuthClient, OAUTH_CALLBACK_PATH, SIGN_IN_SERVICES};
pub use outbound::{no_proxy, CaBundle, CA_BUNDLE_CONFIG_MAP, CA_DIR, CA_ENV, CA_FILE};
pub use placement::{toleration, Placement};
pub use sandbox::Sandbox;
pub use storage::{NfsClass, NFS_PROVISIONER};

use crate::config::registry::Module;
use crate::config::settings::Settings;
use crate::data::{data, into_data, Data, Text};
use indexmap::IndexMap;
use secrets::secret_name;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// Container port every platform HTTP service listens on.
pub const HTTP_PORT: u16 = 8080;
/// UID/GID the platform's containers run as (non-root, matching the images' `USER`).
pub const RUN_AS: u32 = 10001;
/// The ConfigMap holding the LDAP server's CA certificate.
pub const LDAP_CA_CONFIG_MAP: &str = "nap-ldap-ca";
/// The shared directory's claim, mounted at /afs by the control plane and every workspace.
pub const SHARED_CLAIM: &str = "nap-shared";
/// The `app.kubernetes.io/component` label of the seed Jobs and their pods.
pub const SEED_COMPONENT: &str = "seed";
/// The ConfigMap of pod templates the control plane creates pods from at run time.
pub const RUNTIME_TEMPLATES: &str = "nap-workspace-templates";

/// Where a pod finds its secrets, one file per key.
pub const SECRETS_DIR: &str = "/var/run/secrets/nap";
/// The Secret CloudNativePG generates for the application user of cluster `nap-postgres`.
pub const DATABASE_APP_SECRET: &str = "nap-postgres-app";

/// A workload's secrets as files: env vars pointing at them, the volume and its mount.
#[derive(Debug, Default)]
pub(crate) struct SecretFiles {
    pub env: Vec<Data>,
    pub volume: Option<Data>,
    pub mount: Option<Data>,
}

impl SecretFiles {
    /// Append this volume and mount to a workload's lists.
    pub fn attach(self, env: &mut Vec<Data>, volumes: &mut Vec<Data>, mounts: &mut Vec<Data>) {
        env.extend(self.env);
        volumes.extend(self.volume);
        mounts.extend(self.mount);
    }
}

/// An image reference after the registry rewrite.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Image {
    /// What pulls it, for `napgen images` and docs.
    pub used_by: &'static str,
    /// `registry/repository:tag` as written into the manifests.
    pub reference: String,
}

into_data!(Image { used_by, reference });

/// A Deployment of the platform with what its template needs.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    pub name: String,
    pub component: &'static str,
    pub image: String,
    pub replicas: u32,
    pub labels: Map,
    /// Object annotations: the scanner findings accepted on purpose, with reasons.
    pub annotations: Map,
    pub selector: Map,
    pub pod_annotations: Map,
    pub env: Vec<Data>,
    pub resources: Data,
    pub volumes: Vec<Data>,
    pub volume_mounts: Vec<Data>,
    pub service_account: String,
    pub availability: Availability,
}

into_data!(Workload {
    name,
    component,
    image,
    replicas,
    labels,
    annotations,
    selector,
    pod_annotations,
    env,
    resources,
    volumes,
    volume_mounts,
    service_account,
    availability
});

/// How a workload's replicas survive node loss and drains.
#[derive(Debug, Clone, Serialize)]
pub struct Availability {
    /// A PodDisruptionBudget keeps one replica up during node drains (multi-node, 2+ replicas).
    pub pdb: bool,
    /// Replicas prefer different nodes (multi-node only).
    pub affinity: Data,
    /// `topologySpreadConstraints` over zones (multi-node only).
    pub topology_spread: Option<Vec<Data>>,
}

into_data!(Availability {
    pdb,
    affinity,
    topology_spread
});

/// How a platform Service is exposed: a NodePort on `TOS_HOST`, or ClusterIP behind an ingress.
#[derive(Debug, Clone, Serialize)]
pub struct Exposure {
    pub service_type: &'static str,
    /// Set only for `NodePort` services.
    pub node_port: Option<i64>,
}

into_data!(Exposure {
    service_type,
    node_port
});

/// The CloudNativePG cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Database {
    pub name: String,
    pub instances: i64,
    /// A PDB on a one-instance cluster blocks node drains, so CNPG's is off then.
    pub enable_pdb: bool,
    pub image: String,
    pub storage_class: String,
    pub size: String,
    pub database: String,
    pub owner: String,
    /// The operator-generated Secret the apps read `uri` from.
    pub app_secret: String,
    pub resources: Data,
    /// CloudNativePG's `affinity`: anti-affinity between instances, node selector, tolerations.
    pub affinity: Data,
    pub priority_class_name: Option<String>,
    /// `walStorage`, when WAL gets its own volume.
    pub wal_storage: Option<Data>,
    /// `plugins`: the barman-cloud WAL archiver when backups are on.
    pub plugins: Option<Vec<Data>>,
    pub labels: Map,
}

into_data!(Database {
    name,
    instances,
    enable_pdb,
    image,
    storage_class,
    size,
    database,
    owner,
    app_secret,
    resources,
    affinity,
    priority_class_name,
    wal_storage,
    plugins,
    labels
});

/// The platform Secret: rendered when values.env holds the secrets, else only referenced.
#[derive(Serialize)]
pub struct SecretPlan {
    pub name: String,
    pub rendered: bool,
    pub keys: Vec<&'static str>,
    /// Present only when `rendered`.
    pub data: IndexMap<&'static str, String>,
    pub labels: Map,
}

into_data!(SecretPlan {
    name,
    rendered,
    keys,
    data,
    labels
});

impl std::fmt::Debug for SecretPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretPlan")
            .field("name", &self.name)
            .field("rendered", &self.rendered)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

/// One seed Job; its name carries a hash of its inputs so that re-applying after a change runs
/// it again (a Job's pod template is immutable).
#[derive(Debug, Clone, Serialize)]
pub struct SeedJob {
    /// The bundle's name, `nap-seed-<task>-<hash>`.
    pub name: String,
    /// The name the Helm chart gives the Job, `nap-seed-<task>` as the platform's pages write
    /// it: Helm deletes the previous run before it creates the next (`before-hook-creation`),
    /// so the chart needs no hash.
    pub hook_name: String,
    /// The label selector of this task's Job and pods, in the bundle and the chart alike
    /// (`app.kubernetes.io/name=nap-seed-<task>`).
    pub selector: String,
    pub annotations: Map,
    pub task: &'static str,
    pub image: String,
    pub labels: Map,
    pub env: Vec<Data>,
    pub volumes: Vec<Data>,
    pub volume_mounts: Vec<Data>,
}

into_data!(SeedJob {
    name,
    hook_name,
    selector,
    annotations,
    task,
    image,
    labels,
    env,
    volumes,
    volume_mounts
});

#[derive(Debug, Clone, Serialize)]
pub struct SharedDir {
    pub claim: &'static str,
    pub storage_class: String,
    pub size: String,
    pub access_mode: &'static str,
    pub labels: Map,
}

into_data!(SharedDir {
    claim,
    storage_class,
    size,
    access_mode,
    labels
});

/// What the control plane needs to create one pod per workspace (and per browser session).
#[derive(Debug, Clone, Serialize)]
pub struct Workspace {
    pub service_account: String,
    pub templates_config_map: &'static str,
    /// File name → pod or claim template (YAML text) the control plane fills in per workspace.
    pub pod_templates: IndexMap<String, String>,
    pub labels: Map,
}

into_data!(Workspace {
    service_account,
    templates_config_map,
    pod_templates,
    labels
});

#[derive(Debug, Clone, Serialize)]
pub struct ConfigPlan {
    pub name: String,
    pub data: IndexMap<&'static str, String>,
    pub labels: Map,
}

into_data!(ConfigPlan { name, data, labels });

/// Everything the templates read.
#[derive(Debug, Serialize)]
pub struct Plan {
    pub namespace: String,
    pub profile: String,
    pub multi_node: bool,
    pub version: String,
    pub ingress_mode: String,
    /// Labels every object carries.
    pub labels: Map,
    pub pod_security: Data,
    pub container_security: Data,
    pub image_pull_policy: String,
    /// `imagePullSecrets` of every pod (`None` when there are none).
    pub image_pull_secrets: Option<Vec<Data>>,
    /// Node selector, tolerations and priority class of the platform's own pods.
    pub placement: Placement,
    pub config: ConfigPlan,
    pub secret: SecretPlan,
    pub control_plane: Workload,
    pub control_plane_exposure: Exposure,
    pub gateway: Workload,
    pub database: Database,
    pub shared_dir: SharedDir,
    pub workspace: Workspace,
    pub seeds: Vec<SeedJob>,
    pub oauth_clients: Vec<OAuthClient>,
    pub sandbox: Option<Sandbox>,
    pub browser: Option<Browser>,
    /// The LLM protocol bridge (BRIDGE_ENABLED).
    pub bridge: Option<Bridge>,
    pub ingresses: Vec<IngressRoute>,
    /// The core platform's NetworkPolicies (modules carry their own).
    pub network_policies: Vec<NetworkPolicy>,
    pub ingress_class: Option<String>,
    /// PostgreSQL backups (BACKUP_ENABLED).
    pub backup: Option<Backup>,
    /// ServiceMonitor and PodMonitor (MONITORING_ENABLED).
    pub monitoring: Option<Monitoring>,
    /// The NFS StorageClass napgen renders (NFS_SERVER).
    pub nfs: Option<NfsClass>,
    /// The CA bundle every pod trusts, when there is one.
    pub ca_bundle: Option<CaBundle>,
    /// The LDAP server's CA certificate (PEM), when LDAP sign-in uses one.
    pub ldap_ca: Option<String>,
    pub ldap_ca_config_map: &'static str,
    /// The platform's origin as users reach it (no trailing slash).
    pub public_url: String,
    pub images: Vec<Image>,
    /// The platform's requests against the seeds' minimum nodes.
    pub capacity: capacity::Capacity,
    /// Template files to render, in order.
    pub templates: Vec<&'static str>,
}

into_data!(Plan {
    namespace,
    profile,
    multi_node,
    version,
    ingress_mode,
    labels,
    pod_security,
    container_security,
    image_pull_policy,
    image_pull_secrets,
    placement,
    config,
    secret,
    control_plane,
    control_plane_exposure,
    gateway,
    database,
    shared_dir,
    workspace,
    seeds,
    oauth_clients,
    sandbox,
    browser,
    bridge,
    ingresses,
    network_policies,
    ingress_class,
    backup,
    monitoring,
    nfs,
    ca_bundle,
    ldap_ca,
    ldap_ca_config_map,
    public_url,
    images,
    capacity,
    templates
});

impl Plan {
    /// The label selector of every seed Job of this install (and of their pods), whatever their
    /// names: `app.kubernetes.io/part-of=nap,app.kubernetes.io/component=seed`.
    pub fn seed_selector(&self) -> String {
        let part_of = self
            .labels
            .get("app.kubernetes.io/part-of")
            .unwrap_or("nap");
        format!("app.kubernetes.io/part-of={part_of},app.kubernetes.io/component={SEED_COMPONENT}")
    }
}

/// The one container of a run-time pod template ([`Ctx::runtime_pod`]).
pub(crate) struct RuntimeContainer<'a> {
    pub name: &'a str,
    pub image: &'a str,
    pub env: Vec<Data>,
    pub resources: Data,
    pub mounts: Vec<Data>,
}

/// What every part of the plan builds on: settings, names, labels and the Secret's keys.
pub(crate) struct Ctx<'a> {
    pub settings: &'a Settings,
    pub namespace: String,
    pub multi_node: bool,
    pub base_labels: Map,
    /// The platform Secret's name (EXISTING_SECRET or the default).
    pub secret_name: String,
    /// Keys of the platform Secret.
    pub secret_keys: Vec<&'static str>,
    pub secrets_rendered: bool,
    pub pod_security: Data,
    pub container_security: Data,
    pub images: Vec<Image>,
    /// Scheduling of the platform's own pods.
    pub placement: Placement,
    /// Scheduling of the pods the platform creates at run time.
    pub runtime_placement: Placement,
    /// CA bundle and proxy settings every pod gets.
    pub outbound: outbound::Outbound,
}

impl Ctx<'_> {
    /// The recommended labels plus name and component.
    pub fn labels(&self, component: &'static str, name: impl Into<Text>) -> Map {
        let mut l = self.base_labels.clone_with_room(2);
        l.insert("app.kubernetes.io/name", name);
        l.insert("app.kubernetes.io/component", component);
        l
    }

    /// In-cluster URL of a platform Service.
    pub fn service_url(&self, name: &str) -> String {
        format!("http://{name}.{}.svc:80", self.namespace)
    }

    /// The secrets a workload reads, as files: one projected volume with a file per key under
    /// [`SECRETS_DIR`], and a `<KEY>_FILE` variable pointing at each. Files keep secrets out of
    /// the environment, which child processes inherit and crash reports capture. `database`
    /// adds the operator-generated connection URI as `DATABASE_URL`.
    pub fn secret_files(&self, keys: &[&'static str], database: bool) -> SecretFiles {
        let pairs: Vec<(&'static str, &'static str)> = keys.iter().map(|&k| (k, k)).collect();
        self.secret_files_as(&pairs, database)
    }

    /// [`Ctx::secret_files`] with each Secret key read under another name: `(key, name)` puts
    /// the value of `key` in the file `name`, pointed at by `<name>_FILE` (agents read the
    /// bridge's master key as their OPENAI_API_KEY or ANTHROPIC_API_KEY).
    pub fn secret_files_as(
        &self,
        pairs: &[(&'static str, &'static str)],
        database: bool,
    ) -> SecretFiles {
        let pairs: Vec<(&'static str, &'static str)> = pairs
            .iter()
            .copied()
            .filter(|(k, _)| self.secret_keys.contains(k))
            .collect();
        let keys: Vec<&'static str> = pairs.iter().map(|(_, name)| *name).collect();
        let mut sources = Vec::with_capacity(2);
        if !pairs.is_empty() {
            let items: Vec<Data> = pairs
                .iter()
                .map(|&(k, name)| data!({"key": Text::Borrowed(k), "path": Text::Borrowed(name)}))
                .collect();
            sources.push(data!({"secret": {"name": &self.secret_name, "items": items}}));
        }
        if database {
            sources.push(data!({"secret": {"name": DATABASE_APP_SECRET, "items": [{"key": "uri", "path": "DATABASE_URL"}]}}));
        }
        if sources.is_empty() {
            return SecretFiles::default();
        }
        let names = keys.iter().chain(database.then_some(&"DATABASE_URL"));
        SecretFiles {
            env: names
                .map(|k| plain_env(format!("{k}_FILE"), format!("{SECRETS_DIR}/{k}")))
                .collect(),
            // 0440: readable by the pod's group (fsGroup) only.
            volume: Some(
                data!({"name": "secrets", "projected": {"defaultMode": 0o440, "sources": sources}}),
            ),
            mount: Some(data!({"name": "secrets", "mountPath": SECRETS_DIR, "readOnly": true})),
        }
    }

    /// A checksum of the secret values a workload reads, so a change rolls its pods. It always
    /// includes TOS_SECRET_KEY (64 random hex characters), so it cannot be used to guess a weak
    /// secret such as a password by brute force. Without rendered secrets: the key names.
    pub fn secret_checksum(&self, keys: &[&str]) -> String {
        let keys: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| self.secret_keys.contains(k))
            .collect();
        if !self.secrets_rendered {
            return checksum(&(&self.secret_name, &keys));
        }
        let values: Vec<(&str, &str)> = keys.iter().map(|k| (*k, self.settings.str(k))).collect();
        checksum(&(self.settings.str("TOS_SECRET_KEY"), values))
    }

    /// Records an image for `napgen images` and returns its reference.
    pub fn image(&mut self, used_by: &'static str, reference: String) -> String {
        if !self.images.iter().any(|i| i.reference == reference) {
            self.images.push(Image {
                used_by,
                reference: reference.clone(),
            });
        }
        reference
    }

    /// A platform image (`ghcr.io/nap-platform/<name>:<NAP_VERSION>`) after the registry rewrite.
    pub fn platform_image(&mut self, used_by: &'static str, name: &str) -> String {
        let reference = image_ref(
            self.settings,
            "ghcr.io",
            "nap-platform",
            name,
            self.settings.str("NAP_VERSION"),
        );
        self.image(used_by, reference)
    }

    /// `checkov.io/skipN` annotations for a workload: each finding this configuration accepts on
    /// purpose, with its reason. `extra` adds the workload's own (check id, reason) pairs.
    pub fn scan_exceptions(&self, images: &[&str], extra: &[(&str, &str)]) -> Map {
        // Keys of the usual number of findings, so that they need not be formatted.
        const KEYS: [&str; 4] = [
            "checkov.io/skip1",
            "checkov.io/skip2",
            "checkov.io/skip3",
            "checkov.io/skip4",
        ];
        let mut skips: Vec<Text> = Vec::with_capacity(2 + extra.len());
        if self.settings.str("IMAGE_PULL_POLICY") != "Always" {
            skips.push(Text::Borrowed("CKV_K8S_15=images are release tags (pinned by digest with IMAGE_DIGESTS); set IMAGE_PULL_POLICY to Always to re-pull on every start"));
        }
        if images.iter().any(|i| !i.contains("@sha256:")) {
            skips.push(Text::Borrowed(
                "CKV_K8S_43=tags are release versions; pin digests with IMAGE_DIGESTS",
            ));
        }
        skips.extend(
            extra
                .iter()
                .map(|(id, why)| Text::Owned(format!("{id}={why}"))),
        );
        // checkov splits each annotation at its only '=': a reason must not hold another.
        debug_assert!(
            skips.iter().all(|s| s.matches('=').count() == 1),
            "{skips:?}"
        );
        let mut map = Map::with_capacity(skips.len());
        for (i, s) in skips.into_iter().enumerate() {
            let key = match KEYS.get(i) {
                Some(k) => Text::Borrowed(k),
                None => Text::Owned(format!("checkov.io/skip{}", i + 1)),
            };
            map.insert(key, s);
        }
        map
    }

    /// `imagePullSecrets` entries, `None` when IMAGE_PULL_SECRETS is empty.
    pub fn pull_secrets(&self) -> Option<Vec<Data>> {
        let names = self.settings.list("IMAGE_PULL_SECRETS");
        (!names.is_empty()).then(|| names.iter().map(|n| data!({"name": n})).collect())
    }

    /// The fields every run-time pod template shares: pull policy and pull secrets.
    pub fn pull_policy(&self) -> &str {
        self.settings.str("IMAGE_PULL_POLICY")
    }

    /// A workload's availability, derived from the profile, its selector and its replicas.
    pub fn availability(&self, selector: &Map, replicas: u32) -> Availability {
        Availability {
            pdb: self.multi_node && replicas > 1,
            affinity: spread(self.multi_node, selector),
            topology_spread: placement::zone_spread(self.multi_node, selector),
        }
    }

    /// The pod template of pods the platform creates at run time (workspaces, browser sessions,
    /// sandbox pods), as YAML text: every one gets the same rules (no API token, no service
    /// links, pull secrets, run-time placement, restricted security contexts, pull policy).
    pub fn runtime_pod(
        &self,
        labels: &Map,
        service_account: Option<&str>,
        container: RuntimeContainer,
        volumes: Vec<Data>,
    ) -> String {
        let RuntimeContainer {
            name,
            image,
            env,
            resources,
            mounts,
        } = container;
        manifest(&data!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"labels": labels},
            "spec": {
                "serviceAccountName": service_account,
                "automountServiceAccountToken": false,
                "enableServiceLinks": false,
                "imagePullSecrets": self.pull_secrets(),
                "nodeSelector": &self.runtime_placement.node_selector,
                "tolerations": &self.runtime_placement.tolerations,
                "securityContext": &self.pod_security,
                "containers": [{
                    "name": name,
                    "image": image,
                    "imagePullPolicy": self.pull_policy(),
                    "env": (!env.is_empty()).then_some(env),
                    "resources": resources,
                    "securityContext": &self.container_security,
                    "volumeMounts": mounts,
                }],
                "volumes": volumes,
            },
        }))
    }

    /// NodePort on TOS_HOST, or ClusterIP behind an ingress.
    pub fn exposure(&self, node_port_key: &str) -> Exposure {
        if self.settings.str("INGRESS_MODE") == "nodeport" {
            Exposure {
                service_type: "NodePort",
                node_port: Some(self.settings.int(node_port_key)),
            }
        } else {
            Exposure {
                service_type: "ClusterIP",
                node_port: None,
            }
        }
    }

    /// The pod annotations of a workload: checksums of what it reads.
    pub fn checksums(
        &self,
        config: Option<&str>,
        secret_keys: &[&str],
        extra: &[(&str, String)],
    ) -> Map {
        let mut a = Map::default();
        if let Some(c) = config {
            a.insert("checksum/config", c.to_owned());
        }
        a.insert("checksum/secret", self.secret_checksum(secret_keys));
        if let Some(c) = &self.outbound.checksum {
            a.insert("checksum/ca-bundle", c.clone());
        }
        for (k, v) in extra {
            a.insert(k.to_string(), v.clone());
        }
        a
    }
}

/// `registry/owner/name:tag[@digest]`: `REGISTRY` replaces the registry host and keeps the
/// path; a pin in IMAGE_DIGESTS (by the repository's name) adds the digest.
pub fn image_ref(
    settings: &Settings,
    registry: &str,
    owner: &str,
    name: &str,
    tag: &str,
) -> String {
    let host = settings.opt("REGISTRY").unwrap_or(registry);
    let digest = settings
        .list("IMAGE_DIGESTS")
        .iter()
        .find_map(|pin| pin.strip_prefix(name).and_then(|d| d.strip_prefix('=')));
    match digest {
        Some(d) => format!("{host}/{owner}/{name}:{tag}@{d}"),
        None => format!("{host}/{owner}/{name}:{tag}"),
    }
}

/// A manifest as YAML text for a ConfigMap, without null fields (as rendered objects).
pub(crate) fn manifest(value: &Data) -> String {
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

pub(crate) fn selector(component: &'static str, name: impl Into<Text>) -> Map {
    let mut s = Map::with_capacity(3);
    s.insert("app.kubernetes.io/name", name);
    s.insert("app.kubernetes.io/instance", "nap");
    s.insert("app.kubernetes.io/component", component);
    s
}

pub(crate) fn resources(cpu_request: &str, memory: &str, cpu_limit: &str) -> Data {
    data!({
        "requests": {"cpu": cpu_request, "memory": memory},
        "limits": {"cpu": cpu_limit, "memory": memory},
    })
}

/// `{name, value}`: text fixed in napgen is borrowed and computed text moved in, not copied.
pub(crate) fn plain_env(name: impl Into<Text>, value: impl Into<Text>) -> Data {
    data!({"name": name.into(), "value": value.into()})
}

pub(crate) fn tmp_volume(size: &str) -> (Data, Data) {
    (
        data!({"name": "tmp", "emptyDir": {"sizeLimit": size}}),
        data!({"name": "tmp", "mountPath": "/tmp"}),
    )
}

/// Spread replicas over nodes on multi-node; nothing to spread on a single node.
pub(crate) fn spread(multi_node: bool, selector: &Map) -> Data {
    if !multi_node {
        return data!({});
    }
    data!({"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
        "weight": 100,
        "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": selector}},
    }]}})
}

/// Build the plan from validated settings.
pub fn plan(settings: &Settings) -> Plan {
    let namespace = settings.str("NAMESPACE").to_string();
    let multi_node = settings.str("PROFILE") == "multi-node";
    let version = settings.str("NAP_VERSION").to_string();
    let needed = crate::config::validate::needed_secrets(settings);
    // With EXISTING_SECRET the operator manages the Secret: it is never rendered.
    let secrets_rendered = !settings.is_set("EXISTING_SECRET")
        && !needed.is_empty()
        && needed.iter().all(|k| settings.is_set(k.name));
    let mut ctx = Ctx {
        settings,
        namespace: namespace.clone(),
        multi_node,
        base_labels: Map::from_iter([
            ("app.kubernetes.io/part-of", Text::Borrowed("nap")),
            ("app.kubernetes.io/instance", Text::Borrowed("nap")),
            ("app.kubernetes.io/version", Text::Owned(version.clone())),
            ("app.kubernetes.io/managed-by", Text::Borrowed("napgen")),
        ]),
        secret_name: secret_name(settings).to_string(),
        secret_keys: needed.iter().map(|k| k.name).collect(),
        secrets_rendered,
        pod_security: data!({
            "runAsNonRoot": true,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "fsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"},
        }),
        container_security: data!({
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "runAsNonRoot": true,
            "capabilities": {"drop": ["ALL"]},
        }),
        images: Vec::new(),
        placement: Placement::platform(settings),
        runtime_placement: Placement::runtime(settings),
        outbound: outbound::Outbound::default(),
    };
    let ca_bundle = outbound::ca_bundle(settings, ctx.labels("ca-bundle", "nap-ca-bundle"));
    ctx.outbound = outbound::outbound(
        settings,
        &namespace,
        ca_bundle.as_ref(),
        &platform_services(settings),
    );
    let public_url = public_origin(settings, "TOS_PUBLIC_URL", "TOS_NODE_PORT");

    let control_plane_image = ctx.platform_image("control plane and seed Jobs", "control-plane");
    let gateway_image = ctx.platform_image("channel gateway", "channel-gateway");
    let postgres_image = ctx.image(
        "PostgreSQL (CloudNativePG Cluster.imageName)",
        image_ref(
            settings,
            "ghcr.io",
            "cloudnative-pg",
            "postgresql",
            settings.str("POSTGRES_VERSION"),
        ),
    );

    let secret = SecretPlan {
        name: ctx.secret_name.clone(),
        rendered: secrets_rendered,
        keys: ctx.secret_keys.clone(),
        data: if secrets_rendered {
            needed
                .iter()
                .map(|k| (k.name, settings.str(k.name).to_string()))
                .collect()
        } else {
            IndexMap::new()
        },
        labels: ctx.labels("secrets", "nap"),
    };

    // ---- database
    let db_name = "nap-postgres";
    let backup = Module::Backup
        .enabled(settings)
        .then(|| backup::plan(&ctx, db_name));
    let app_secret = DATABASE_APP_SECRET.to_string();
    let instances = settings.int("POSTGRES_INSTANCES");
    let database = Database {
        name: db_name.to_string(),
        instances,
        enable_pdb: instances > 1,
        image: postgres_image,
        storage_class: settings.str("RWO_STORAGE_CLASS").to_string(),
        size: settings.str("POSTGRES_STORAGE_SIZE").to_string(),
        database: "nap".into(),
        owner: "nap".into(),
        app_secret: app_secret.clone(),
        resources: resources(
            settings.str("POSTGRES_CPU"),
            settings.str("POSTGRES_MEMORY"),
            &scale_cpu(settings.str("POSTGRES_CPU"), 4),
        ),
        affinity: database_affinity(&ctx, instances),
        priority_class_name: ctx.placement.priority_class_name.clone(),
        wal_storage: settings
            .opt("POSTGRES_WAL_STORAGE_SIZE")
            .map(|size| data!({"storageClass": settings.str("RWO_STORAGE_CLASS"), "size": size})),
        plugins: backup.as_ref().map(|b| vec![backup::cluster_plugin(b)]),
        labels: ctx.labels("database", "nap-postgres"),
    };

    let control_plane_name = "nap-control-plane";
    let gateway_name = "nap-gateway";
    let oauth_clients = oauth::clients(settings);
    let sandbox = Module::Sandbox
        .enabled(settings)
        .then(|| sandbox::plan(&mut ctx, &public_url, &oauth_clients));
    let browser = Module::Browser
        .enabled(settings)
        .then(|| browser::plan(&mut ctx, &public_url, &oauth_clients, sandbox.as_ref()));
    let bridge = Module::Bridge
        .enabled(settings)
        .then(|| bridge::plan(&mut ctx));

    // ---- configuration shared by the control plane and the gateway
    // Room for every key below.
    let mut config: IndexMap<&'static str, String> = IndexMap::with_capacity(22);
    // Computed values are moved in; only borrowed ones are copied.
    let mut put = |k: &'static str, v: Cow<str>| {
        config.insert(k, v.into_owned());
    };
    put("NAP_PUBLIC_URL", public_url.as_str().into());
    put("NAP_NAMESPACE", namespace.as_str().into());
    put("NAP_PROFILE", settings.str("PROFILE").into());
    put("NAP_GATEWAY_URL", ctx.service_url(gateway_name).into());
    put(
        "NAP_CONTROL_PLANE_URL",
        ctx.service_url(control_plane_name).into(),
    );
    // Webhooks reach the gateway through the platform's own entry: the control plane proxies
    // this path, so no extra NodePort is needed.
    put("NAP_WEBHOOK_BASE_URL", format!("{public_url}/hooks").into());
    put("NAP_SHARED_DIR", "/afs".into());
    put(
        "NAP_AGENT_TYPES",
        settings.list("AGENT_TYPES").join(",").into(),
    );
    put(
        "NAP_WORKSPACE_POD_TEMPLATES",
        "/etc/nap/workspace-templates".into(),
    );
    put(
        "NAP_WORKSPACE_STORAGE_CLASS",
        settings.str("RWO_STORAGE_CLASS").into(),
    );
    put(
        "NAP_WORKSPACE_DISK_SIZE",
        settings.str("WORKSPACE_DISK_SIZE").into(),
    );
    put("NAP_WORKSPACE_SERVICE_ACCOUNT", "nap-workspace".into());
    if Module::Codex.enabled(settings) {
        put("OPENAI_BASE_URL", settings.str("OPENAI_BASE_URL").into());
    }
    if Module::ClaudeCode.enabled(settings) {
        put(
            "ANTHROPIC_BASE_URL",
            settings.str("ANTHROPIC_BASE_URL").into(),
        );
    }
    if let Some(s) = &sandbox {
        put("NAP_SANDBOX_URL", s.origin.as_str().into());
    }
    if let Some(b) = &browser {
        put("NAP_BROWSER_URL", b.origin.as_str().into());
    }
    let ldap_ca = (Module::Ldap.enabled(settings) && settings.is_set("LDAP_CA_CERT"))
        .then(|| settings.str("LDAP_CA_CERT").to_string());
    if Module::Ldap.enabled(settings) {
        put("LDAP_URL", settings.str("LDAP_URL").into());
        put(
            "LDAP_START_TLS",
            settings.bool("LDAP_START_TLS").to_string().into(),
        );
        put("LDAP_BIND_DN", settings.str("LDAP_BIND_DN").into());
        put(
            "LDAP_USER_BASE_DN",
            settings.str("LDAP_USER_BASE_DN").into(),
        );
        put("LDAP_USER_FILTER", settings.str("LDAP_USER_FILTER").into());
        if ldap_ca.is_some() {
            put("LDAP_CA_CERT_FILE", "/etc/nap/ldap/ca.crt".into());
        }
    }
    let config = ConfigPlan {
        name: "nap-config".into(),
        data: config,
        labels: ctx.labels("config", "nap"),
    };
    let config_checksum = checksum(&config.data);

    // ---- run-time pod templates
    let workspace = workspace_runtime(&mut ctx, control_plane_name, browser.as_ref());
    let workspace_checksum = checksum(&workspace.pod_templates);

    // ---- control plane
    let pod_namespace = data!({"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}});
    let cp_secrets = [
        "TOS_SECRET_KEY",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "LDAP_BIND_PASSWORD",
        "BRIDGE_MASTER_KEY",
    ];
    let replicas = settings.int("CONTROL_PLANE_REPLICAS") as u32;
    let (tmp, tmp_mount) = tmp_volume("1Gi");
    let mut cp_env = vec![pod_namespace.clone()];
    let mut cp_volumes = vec![
        data!({"name": "shared", "persistentVolumeClaim": {"claimName": SHARED_CLAIM}}),
        data!({"name": "workspace-templates", "configMap": {"name": RUNTIME_TEMPLATES}}),
        tmp,
    ];
    let mut cp_mounts = vec![
        data!({"name": "shared", "mountPath": "/afs"}),
        data!({"name": "workspace-templates", "mountPath": "/etc/nap/workspace-templates", "readOnly": true}),
        tmp_mount,
    ];
    let bridged = |agent: &str, key: &'static str| {
        if crate::config::registry::bridge_serves(settings, agent) {
            "BRIDGE_MASTER_KEY"
        } else {
            key
        }
    };
    let cp_secret_files = [
        ("TOS_SECRET_KEY", "TOS_SECRET_KEY"),
        (bridged("codex", "OPENAI_API_KEY"), "OPENAI_API_KEY"),
        (
            bridged("claude-code", "ANTHROPIC_API_KEY"),
            "ANTHROPIC_API_KEY",
        ),
        ("LDAP_BIND_PASSWORD", "LDAP_BIND_PASSWORD"),
    ];
    ctx.secret_files_as(&cp_secret_files, true).attach(
        &mut cp_env,
        &mut cp_volumes,
        &mut cp_mounts,
    );
    ctx.outbound
        .attach(&mut cp_env, &mut cp_volumes, &mut cp_mounts);
    let mut cp_extra = vec![("checksum/workspace-templates", workspace_checksum)];
    if let Some(ca) = &ldap_ca {
        cp_volumes.push(data!({"name": "ldap-ca", "configMap": {"name": LDAP_CA_CONFIG_MAP}}));
        cp_mounts.push(data!({"name": "ldap-ca", "mountPath": "/etc/nap/ldap", "readOnly": true}));
        cp_extra.push(("checksum/ldap-ca", checksum(ca)));
    }
    let cp_selector = selector("control-plane", control_plane_name);
    let control_plane = Workload {
        name: control_plane_name.to_string(),
        component: "control-plane",
        image: control_plane_image.clone(),
        replicas,
        labels: ctx.labels("control-plane", control_plane_name),
        annotations: ctx.scan_exceptions(
            &[&control_plane_image],
            &[("CKV_K8S_38", "the control plane creates workspace pods through the Kubernetes API, so it needs its token")],
        ),
        selector: cp_selector.clone(),
        pod_annotations: ctx.checksums(Some(&config_checksum), &cp_secrets, &cp_extra),
        env: cp_env,
        resources: resources("250m", "512Mi", "1"),
        volumes: cp_volumes,
        volume_mounts: cp_mounts,
        service_account: control_plane_name.to_string(),
        availability: ctx.availability(&cp_selector, replicas),
    };

    // ---- gateway
    let gw_selector = selector("gateway", gateway_name);
    let gw_secrets = ["TOS_SECRET_KEY"];
    let (tmp, tmp_mount) = tmp_volume("256Mi");
    // Its few settings are plain env, not the shared ConfigMap, so that enabling a module
    // (which adds links to the ConfigMap) does not roll the gateway.
    let mut gw_env = vec![pod_namespace];
    gw_env.extend(
        [
            "NAP_PUBLIC_URL",
            "NAP_WEBHOOK_BASE_URL",
            "NAP_CONTROL_PLANE_URL",
        ]
        .iter()
        .map(|k| plain_env(*k, config.data[*k].clone())),
    );
    let (mut gw_volumes, mut gw_mounts) = (vec![tmp], vec![tmp_mount]);
    ctx.secret_files(&gw_secrets, true)
        .attach(&mut gw_env, &mut gw_volumes, &mut gw_mounts);
    ctx.outbound
        .attach(&mut gw_env, &mut gw_volumes, &mut gw_mounts);
    let gw_annotations = ctx.scan_exceptions(&[&gateway_image], &[]);
    let replicas = settings.int("GATEWAY_REPLICAS") as u32;
    let gateway = Workload {
        name: gateway_name.to_string(),
        component: "gateway",
        image: gateway_image,
        replicas,
        labels: ctx.labels("gateway", gateway_name),
        annotations: gw_annotations,
        selector: gw_selector.clone(),
        pod_annotations: ctx.checksums(None, &gw_secrets, &[]),
        env: gw_env,
        resources: resources("100m", "256Mi", "500m"),
        volumes: gw_volumes,
        volume_mounts: gw_mounts,
        service_account: "nap-gateway".into(),
        availability: ctx.availability(&gw_selector, replicas),
    };

    // ---- seed Jobs
    let mut seeds = vec![seed_job(
        &ctx,
        "admin",
        &control_plane_image,
        vec![plain_env(
            "ADMIN_EMAIL",
            settings.str("ADMIN_EMAIL").to_owned(),
        )],
        &["ADMIN_PASSWORD"],
    )];
    if !oauth_clients.is_empty() {
        let clients = plain_env(
            "NAP_OAUTH_CLIENTS",
            oauth::registration_json(&oauth_clients),
        );
        seeds.push(seed_job(
            &ctx,
            "oauth-clients",
            &control_plane_image,
            vec![clients],
            &[],
        ));
    }

    let shared_dir = SharedDir {
        claim: SHARED_CLAIM,
        storage_class: settings.str("RWX_STORAGE_CLASS").to_string(),
        size: settings.str("SHARED_DIR_SIZE").to_string(),
        // One node: every pod shares the node, so ReadWriteOnce suffices (and local-path offers nothing else).
        access_mode: if multi_node {
            "ReadWriteMany"
        } else {
            "ReadWriteOnce"
        },
        labels: ctx.labels("shared-dir", SHARED_CLAIM),
    };

    let ingresses = ingress::routes(&ctx, sandbox.as_ref(), browser.as_ref());
    let capacity = {
        let mut pods: Vec<(u64, &Data)> = vec![
            (control_plane.replicas as u64, &control_plane.resources),
            (gateway.replicas as u64, &gateway.resources),
            (database.instances as u64, &database.resources),
        ];
        if let Some(s) = &sandbox {
            pods.push((s.workload.replicas as u64, &s.workload.resources));
        }
        if let Some(b) = &browser {
            pods.push((b.workload.replicas as u64, &b.workload.resources));
            pods.push((1, &b.coturn.resources));
        }
        if let Some(b) = &bridge {
            pods.push((b.workload.replicas as u64, &b.workload.resources));
        }
        capacity::compute(
            settings.int("CLUSTER_NODES") as u64,
            settings.str("NODE_CPU"),
            settings.str("NODE_MEMORY"),
            &pods,
            settings.str("WORKSPACE_CPU"),
            settings.str("WORKSPACE_MEMORY"),
        )
    };
    let nfs = storage::nfs_class(&ctx);
    let monitoring = Module::Monitoring.enabled(settings).then(|| {
        let mut components = vec!["control-plane", "gateway"];
        components.extend(sandbox.as_ref().map(|s| s.workload.component));
        components.extend(browser.as_ref().map(|b| b.workload.component));
        monitoring::plan(&ctx, &components, db_name)
    });
    let mut plan = Plan {
        namespace,
        profile: settings.str("PROFILE").to_string(),
        multi_node,
        version,
        ingress_mode: settings.str("INGRESS_MODE").to_string(),
        labels: ctx.base_labels.clone(),
        pod_security: ctx.pod_security.clone(),
        container_security: ctx.container_security.clone(),
        image_pull_policy: settings.str("IMAGE_PULL_POLICY").to_string(),
        image_pull_secrets: ctx.pull_secrets(),
        placement: ctx.placement.clone(),
        config,
        secret,
        control_plane,
        control_plane_exposure: ctx.exposure("TOS_NODE_PORT"),
        gateway,
        database,
        shared_dir,
        workspace,
        seeds,
        oauth_clients,
        sandbox,
        browser,
        bridge,
        ingresses,
        network_policies: network::core(&ctx, db_name),
        ingress_class: settings.opt("INGRESS_CLASS").map(str::to_string),
        backup,
        monitoring,
        nfs,
        ca_bundle,
        ldap_ca,
        ldap_ca_config_map: LDAP_CA_CONFIG_MAP,
        public_url,
        images: ctx.images,
        capacity,
        templates: Vec::new(),
    };
    plan.templates = templates(&plan);
    plan
}

/// Which template files this configuration renders: the one place that decides which objects exist.
fn templates(plan: &Plan) -> Vec<&'static str> {
    let mut t = vec![
        "core/namespace.yaml",
        "core/config.yaml",
        "core/shared-dir.yaml",
        "core/database.yaml",
        "core/control-plane/rbac.yaml",
        "core/control-plane/deployment.yaml",
        "core/control-plane/service.yaml",
        "core/gateway/deployment.yaml",
        "core/gateway/service.yaml",
        "core/workspace/runtime.yaml",
        "core/seed/jobs.yaml",
        "core/network-policies.yaml",
    ];
    if plan.secret.rendered {
        t.push("core/secret.yaml");
    }
    if plan.control_plane.availability.pdb || plan.gateway.availability.pdb {
        t.push("core/disruption-budgets.yaml");
    }
    if plan.nfs.is_some() {
        t.push("core/nfs-storage-class.yaml");
    }
    if plan.ca_bundle.as_ref().is_some_and(|c| c.pem.is_some()) {
        t.push("core/ca-bundle.yaml");
    }
    if plan.ldap_ca.is_some() {
        t.push("ldap/ca.yaml");
    }
    if let Some(sandbox) = &plan.sandbox {
        t.extend([
            "sandbox/deployment.yaml",
            "sandbox/service.yaml",
            "sandbox/pod-template.yaml",
            "sandbox/network-policies.yaml",
        ]);
        if sandbox.workload.availability.pdb {
            t.push("sandbox/disruption-budget.yaml");
        }
    }
    if let Some(b) = &plan.browser {
        t.extend([
            "browser/deployment.yaml",
            "browser/service.yaml",
            "browser/coturn.yaml",
            "browser/network-policies.yaml",
        ]);
        if b.workload.availability.pdb {
            t.push("browser/disruption-budget.yaml");
        }
        if b.coturn.secret_rendered {
            t.push("browser/coturn-secret.yaml");
        }
    }
    if let Some(bridge) = &plan.bridge {
        t.extend([
            "bridge/config.yaml",
            "bridge/deployment.yaml",
            "bridge/service.yaml",
            "bridge/network-policies.yaml",
        ]);
        if bridge.workload.availability.pdb {
            t.push("bridge/disruption-budget.yaml");
        }
    }
    if plan.backup.is_some() {
        t.extend([
            "backup/object-store.yaml",
            "backup/scheduled-backup.yaml",
            "backup/network-policies.yaml",
        ]);
    }
    if plan.monitoring.is_some() {
        t.extend([
            "monitoring/service-monitor.yaml",
            "monitoring/pod-monitor.yaml",
            "monitoring/network-policies.yaml",
        ]);
    }
    if !plan.ingresses.is_empty() {
        t.push("core/ingress.yaml");
    }
    t
}

/// The pod and claim templates the control plane creates workspace (and browser session) pods from.
fn workspace_runtime(
    ctx: &mut Ctx,
    control_plane_name: &str,
    browser: Option<&Browser>,
) -> Workspace {
    let settings = ctx.settings;
    let workspace_labels = ctx.labels("workspace", "nap-workspace");
    let mut pod_templates = IndexMap::new();
    for agent in settings.list("AGENT_TYPES") {
        let used_by = if agent == "codex" {
            "Codex workspace pods"
        } else {
            "Claude Code workspace pods"
        };
        let agent_image = ctx.platform_image(used_by, &format!("agent-{agent}"));
        let (url_key, key_key) = if agent == "codex" {
            ("OPENAI_BASE_URL", "OPENAI_API_KEY")
        } else {
            ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY")
        };
        let control_plane_url = ctx.service_url(control_plane_name);
        let memory_url = format!("{control_plane_url}/api/memory");
        let mut env = vec![
            plain_env("NAP_CONTROL_PLANE_URL", control_plane_url),
            plain_env("NAP_MEMORY_URL", memory_url),
            plain_env("NAP_SHARED_DIR", "/afs"),
            plain_env(url_key, settings.str(url_key).to_owned()),
        ];
        let mut mounts = vec![
            data!({"name": "workspace", "mountPath": "/workspace"}),
            data!({"name": "shared", "mountPath": "/afs"}),
            data!({"name": "tmp", "mountPath": "/tmp"}),
        ];
        let mut volumes = vec![
            // The control plane creates one claim per workspace from workspace-disk.yaml and
            // sets this claim name to it.
            data!({"name": "workspace", "persistentVolumeClaim": {"claimName": "nap-workspace-disk"}}),
            data!({"name": "shared", "persistentVolumeClaim": {"claimName": SHARED_CLAIM}}),
            data!({"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}),
        ];
        // Through the bridge, the agent's API key is the bridge's master key; the upstream key
        // stays with the bridge.
        let key_source = if crate::config::registry::bridge_serves(settings, agent) {
            "BRIDGE_MASTER_KEY"
        } else {
            key_key
        };
        ctx.secret_files_as(&[(key_source, key_key)], false).attach(
            &mut env,
            &mut volumes,
            &mut mounts,
        );
        ctx.outbound.attach(&mut env, &mut volumes, &mut mounts);
        let mut pod_labels = workspace_labels.clone_with_room(1);
        pod_labels.insert("nap.io/agent-type", agent.clone());
        let cpu = settings.str("WORKSPACE_CPU");
        let memory = settings.str("WORKSPACE_MEMORY");
        let container = RuntimeContainer {
            name: "agent",
            image: &agent_image,
            env,
            resources: data!({
                "requests": {"cpu": cpu, "memory": memory},
                "limits": {"cpu": double_cpu(cpu), "memory": memory},
            }),
            mounts,
        };
        let template = ctx.runtime_pod(&pod_labels, Some("nap-workspace"), container, volumes);
        pod_templates.insert(format!("{agent}.yaml"), template);
    }
    pod_templates.insert(
        "workspace-disk.yaml".into(),
        manifest(&data!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"labels": &workspace_labels},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": settings.str("RWO_STORAGE_CLASS"),
                "resources": {"requests": {"storage": settings.str("WORKSPACE_DISK_SIZE")}},
            },
        })),
    );
    if let Some(b) = browser {
        pod_templates.insert("browser-session.yaml".into(), b.session_template.clone());
    }
    Workspace {
        service_account: "nap-workspace".into(),
        templates_config_map: RUNTIME_TEMPLATES,
        pod_templates,
        labels: workspace_labels,
    }
}

fn seed_job(
    ctx: &Ctx,
    task: &'static str,
    image: &str,
    env: Vec<Data>,
    secret_keys: &[&'static str],
) -> SeedJob {
    // A Job's pod template is immutable: everything in it is in the name's hash, so a change
    // makes a new Job instead of a failed apply.
    let pod = data!({
        "pullPolicy": ctx.pull_policy(),
        "pullSecrets": ctx.pull_secrets(),
        "placement": ctx.placement.clone(),
        "outbound": &ctx.outbound.env,
        "caBundle": &ctx.outbound.checksum,
    });
    let hash = checksum(&(task, image, &env, ctx.secret_checksum(secret_keys), pod));
    let (mut env, mut volumes, mut volume_mounts) = (env, Vec::new(), Vec::new());
    ctx.secret_files(secret_keys, true)
        .attach(&mut env, &mut volumes, &mut volume_mounts);
    ctx.outbound
        .attach(&mut env, &mut volumes, &mut volume_mounts);
    let hook_name = format!("nap-seed-{task}");
    SeedJob {
        name: format!("{hook_name}-{}", &hash[..8]),
        selector: format!("app.kubernetes.io/name={hook_name}"),
        annotations: ctx.scan_exceptions(&[image], &[]),
        task,
        image: image.to_string(),
        labels: ctx.labels(SEED_COMPONENT, hook_name.clone()),
        hook_name,
        env,
        volumes,
        volume_mounts,
    }
}

/// The platform's Services in its namespace (PostgreSQL's among them), never reached through a proxy.
fn platform_services(settings: &Settings) -> Vec<&'static str> {
    let mut services = vec!["nap-control-plane", "nap-gateway"];
    if Module::Sandbox.enabled(settings) {
        services.push("nap-sandbox");
    }
    if Module::Browser.enabled(settings) {
        services.push("browser-service");
    }
    if Module::Bridge.enabled(settings) {
        services.push(crate::config::registry::BRIDGE_SERVICE);
    }
    services.extend(["nap-postgres-rw", "nap-postgres-ro", "nap-postgres-r"]);
    services
}

/// Twice a CPU quantity (`1` → `2`, `500m` → `1000m`, `0.5` → `1`).
pub(crate) fn double_cpu(cpu: &str) -> String {
    if let Some(milli) = cpu.strip_suffix('m') {
        return format!("{}m", milli.parse::<u64>().map(|m| m * 2).unwrap_or(2000));
    }
    match cpu.parse::<f64>() {
        Ok(c) if (c * 2.0).fract() == 0.0 => format!("{}", (c * 2.0) as u64),
        Ok(c) => format!("{}m", (c * 2000.0).round() as u64),
        Err(_) => "2".into(),
    }
}

/// A CPU quantity times `n`, in whole cores when it is one (`500m` × 4 → `2`, `300m` × 4 → `1200m`).
pub(crate) fn scale_cpu(cpu: &str, n: u64) -> String {
    let milli = match cpu.strip_suffix('m') {
        Some(m) => m.parse::<u64>().unwrap_or(1000),
        None => cpu
            .parse::<f64>()
            .map(|c| (c * 1000.0).round() as u64)
            .unwrap_or(1000),
    } * n;
    if milli.is_multiple_of(1000) {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

/// CloudNativePG's affinity: instances kept apart on multi-node (POSTGRES_ANTI_AFFINITY), and the
/// platform's node selector and tolerations.
fn database_affinity(ctx: &Ctx, instances: i64) -> Data {
    let spread = ctx.multi_node && instances > 1;
    let mut affinity = data!({
        "enablePodAntiAffinity": ctx.multi_node,
        "topologyKey": "kubernetes.io/hostname",
    });
    if spread {
        affinity["podAntiAffinityType"] = data!(ctx.settings.str("POSTGRES_ANTI_AFFINITY"));
    }
    if let Some(n) = &ctx.placement.node_selector {
        affinity["nodeSelector"] = data!(n);
    }
    if let Some(t) = &ctx.placement.tolerations {
        affinity["tolerations"] = data!(t);
    }
    affinity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_cpu() {
        assert_eq!(scale_cpu("500m", 4), "2");
        assert_eq!(scale_cpu("250m", 4), "1");
        assert_eq!(scale_cpu("300m", 4), "1200m");
        assert_eq!(scale_cpu("1.5", 4), "6");
        assert_eq!(scale_cpu("0.1", 4), "400m");
    }

    #[test]
    fn doubles_cpu() {
        assert_eq!(double_cpu("1"), "2");
        assert_eq!(double_cpu("500m"), "1000m");
        assert_eq!(double_cpu("0.5"), "1");
        assert_eq!(double_cpu("0.25"), "500m");
    }
}

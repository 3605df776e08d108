//! The plan: every fact the templates need, derived once from the typed configuration.
//!
//! Templates read only the plan, so all decisions (names, images after the registry rewrite,
//! replicas per profile, URLs, which objects exist) are made here, in plain code with tests.

mod backup;
mod bridge;
mod browser;
pub mod capacity;
mod core;
mod ingress;
mod kube;
mod map;
mod metadata;
mod monitoring;
mod network;
mod oauth;
mod outbound;
mod placement;
mod sandbox;
pub mod scc;
pub mod secrets;
mod storage;
mod workspace;

pub use backup::{
    Backup, BARMAN_PLUGIN, BARMAN_PLUGIN_VERSION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
};
pub use bridge::Bridge;
pub use browser::{cidr_range, turnserver_conf, Browser, Coturn, Redacted, RELAY_PORTS, TURN_PORT};
pub use ingress::IngressRoute;
#[cfg(test)]
pub(crate) use kube::resources;
pub(crate) use kube::{checksum, manifest, plain_env, selector, spread, tmp_volume};
pub use kube::{image_ref, EnvVar, Resources, VolumeMount};
pub use map::Map;
pub use metadata::Metadata;
pub use monitoring::{Monitoring, POSTGRES_METRICS_PORT};
pub use network::NetworkPolicy;
pub use oauth::{public_origin, redirect_uri, OAuthClient, OAUTH_CALLBACK_PATH, SIGN_IN_SERVICES};
pub use outbound::{no_proxy, CaBundle, CA_BUNDLE_CONFIG_MAP, CA_DIR, CA_ENV, CA_FILE};
pub use placement::{toleration, Placement};
pub use sandbox::Sandbox;
pub use storage::{NfsClass, NFS_PROVISIONER};

use crate::config::types::{IngressMode, Port, PullPolicy};
use crate::config::Config;
use crate::config::Scale;
use indexmap::IndexMap;
use secrets::secret_name;
use serde::Serialize;
use serde_json::{json, Value};
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

/// The pod annotations of every Job napgen renders (the seed Jobs): Istio and Linkerd leave
/// such pods without a proxy sidecar, which would keep running after the Job's container has
/// finished, so the Job would never complete.
pub const MESH_EXCLUSION: [(&str, &str); 2] = [
    ("sidecar.istio.io/inject", "false"),
    ("linkerd.io/inject", "disabled"),
];
/// The ConfigMap of pod templates the control plane creates pods from at run time.
pub const RUNTIME_TEMPLATES: &str = "nap-workspace-templates";

/// Where a pod finds its secrets, one file per key.
pub const SECRETS_DIR: &str = "/var/run/secrets/nap";
/// The Secret CloudNativePG generates for the application user of cluster `nap-postgres`.
pub const DATABASE_APP_SECRET: &str = "nap-postgres-app";
/// The connection Secret of an external server (DATABASE_MODE=external): napgen renders it when
/// values.env gives the secrets, else the operator creates it (`napgen prereqs` says how).
pub const EXTERNAL_DATABASE_SECRET: &str = "nap-database";
/// The keys of a connection Secret, as CloudNativePG's `<cluster>-app` Secret names them.
pub const CONNECTION_KEYS: [&str; 6] = ["host", "port", "dbname", "user", "password", "uri"];

/// A workload's secrets as files: env vars pointing at them, the volume and its mount.
#[derive(Debug, Default)]
pub(crate) struct SecretFiles {
    pub env: Vec<EnvVar>,
    pub volume: Option<Value>,
    pub mount: Option<VolumeMount>,
}

impl SecretFiles {
    /// Append this volume and mount to a workload's lists.
    pub fn attach(
        self,
        env: &mut Vec<EnvVar>,
        volumes: &mut Vec<Value>,
        mounts: &mut Vec<VolumeMount>,
    ) {
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

/// A Deployment of the platform with what its template needs.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    pub name: String,
    pub component: &'static str,
    pub image: String,
    /// How many pods it runs: a count, or a range an autoscaler moves in. Templates see it as
    /// the Deployment's `replicas`: none when a HorizontalPodAutoscaler owns the count (a count
    /// in the manifest would undo the autoscaler's at every apply).
    #[serde(rename = "replicas", serialize_with = "deployment_replicas")]
    pub scale: Scale,
    pub labels: Map,
    /// Object annotations: the scanner findings accepted on purpose, with reasons.
    pub annotations: Map,
    pub selector: Map,
    pub pod_annotations: Map,
    pub env: Vec<EnvVar>,
    pub resources: Resources,
    pub volumes: Vec<Value>,
    pub volume_mounts: Vec<VolumeMount>,
    pub service_account: String,
    pub availability: Availability,
}

/// A Deployment's `spec.replicas`: its fixed count, none while an autoscaler owns it.
fn deployment_replicas<S: serde::Serializer>(
    scale: &Scale,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    scale.fixed_count().serialize(serializer)
}

/// A HorizontalPodAutoscaler (autoscaling/v2) of one of the platform's Deployments.
#[derive(Debug, Clone, Serialize)]
pub struct Autoscaler {
    /// The Deployment's name, which the autoscaler shares.
    pub name: String,
    pub labels: Map,
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// The average CPU use it keeps, in percent of each pod's request.
    pub cpu_percent: u32,
}

impl Autoscaler {
    /// The autoscaler of `workload`, when it has one.
    fn of(workload: &Workload) -> Option<Autoscaler> {
        workload.scale.autoscale.map(|a| Autoscaler {
            name: workload.name.clone(),
            labels: workload.labels.clone(),
            min_replicas: workload.scale.replicas,
            max_replicas: a.max_replicas,
            cpu_percent: a.cpu_percent,
        })
    }
}

/// How a workload's replicas survive node loss and drains.
#[derive(Debug, Clone, Serialize)]
pub struct Availability {
    /// A PodDisruptionBudget keeps one replica up during node drains (multi-node, 2+ replicas).
    pub pdb: bool,
    /// Replicas prefer different nodes (multi-node only).
    pub affinity: Value,
    /// `topologySpreadConstraints` over zones (multi-node only).
    pub topology_spread: Option<Vec<Value>>,
}

/// How a platform Service is exposed: a NodePort on `TOS_HOST`, or ClusterIP behind an ingress.
#[derive(Debug, Clone, Serialize)]
pub struct Exposure {
    pub service_type: &'static str,
    /// Set only for `NodePort` services.
    pub node_port: Option<i64>,
}

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
    pub resources: Resources,
    /// CloudNativePG's `affinity`: anti-affinity between instances, node selector, tolerations.
    pub affinity: Value,
    pub priority_class_name: Option<String>,
    /// `walStorage`, when WAL gets its own volume.
    pub wal_storage: Option<Value>,
    /// `plugins`: the barman-cloud WAL archiver when backups are on.
    pub plugins: Option<Vec<Value>>,
    pub labels: Map,
}

/// How the platform's pods reach PostgreSQL: the Secret they read `uri` from. The one
/// description of the connection whatever the mode, so only the database's own objects differ.
#[derive(Debug, Serialize)]
pub struct Connection {
    /// The Secret every pod that reaches PostgreSQL reads `uri` from.
    pub secret: String,
    /// Its keys (CloudNativePG's `<cluster>-app` names, which an external server's Secret copies).
    pub keys: Vec<&'static str>,
    pub provider: secrets::Provider,
    /// The operator's server (DATABASE_MODE=external).
    pub external: Option<ExternalServer>,
}

/// An external PostgreSQL server and its connection Secret.
#[derive(Serialize)]
pub struct ExternalServer {
    pub host: String,
    pub port: u16,
    pub dbname: String,
    pub user: String,
    pub sslmode: &'static str,
    /// libpq's `sslrootcert` when the server's certificate is checked: the CA bundle's file, or
    /// `system` (the image's store) when there is no bundle.
    pub sslrootcert: Option<String>,
    /// The URI with `PASSWORD` standing for the password (for `prereqs` and docs).
    pub uri_template: String,
    /// Whether napgen renders the connection Secret (values.env gives the password).
    pub rendered: bool,
    /// The Secret's data, [`CONNECTION_KEYS`]; empty unless `rendered`.
    pub data: IndexMap<&'static str, String>,
    pub labels: Map,
}

impl ExternalServer {
    /// The `kubectl create secret` that makes the connection Secret `name` in `namespace` when
    /// napgen does not render it: every key but the password written out, the password left as
    /// `<DATABASE_PASSWORD>` (percent-encoded in `uri`).
    pub fn create_command(&self, namespace: &str, name: &str) -> String {
        let uri = self
            .uri_template
            .replace(":PASSWORD@", ":<DATABASE_PASSWORD, percent-encoded>@");
        format!(
            "kubectl -n {namespace} create secret generic {name} --from-literal=host={} --from-literal=port={} --from-literal=dbname={} --from-literal=user={} --from-literal=password='<DATABASE_PASSWORD>' --from-literal=uri='{uri}'",
            self.host, self.port, self.dbname, self.user
        )
    }
}

impl std::fmt::Debug for ExternalServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalServer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("dbname", &self.dbname)
            .field("user", &self.user)
            .field("sslmode", &self.sslmode)
            .field("rendered", &self.rendered)
            .finish_non_exhaustive()
    }
}

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
    /// The pod's annotations: [`MESH_EXCLUSION`], so that no mesh sidecar keeps the pod
    /// from completing.
    pub pod_annotations: Map,
    pub env: Vec<EnvVar>,
    pub volumes: Vec<Value>,
    pub volume_mounts: Vec<VolumeMount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SharedDir {
    pub claim: &'static str,
    pub storage_class: String,
    pub size: String,
    pub access_mode: &'static str,
    pub labels: Map,
}

/// What the control plane needs to create one pod per workspace (and per browser session).
#[derive(Debug, Clone, Serialize)]
pub struct Workspace {
    pub service_account: String,
    pub templates_config_map: &'static str,
    /// File name → pod or claim template (YAML text) the control plane fills in per workspace.
    pub pod_templates: IndexMap<String, String>,
    pub labels: Map,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigPlan {
    pub name: String,
    pub data: IndexMap<&'static str, String>,
    pub labels: Map,
}

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
    /// The operator's labels and annotations, added to the rendered objects.
    pub metadata: Metadata,
    pub pod_security: Value,
    pub container_security: Value,
    pub image_pull_policy: String,
    /// `imagePullSecrets` of every pod (`None` when there are none).
    pub image_pull_secrets: Option<Vec<Value>>,
    /// Node selector, tolerations and priority class of the platform's own pods.
    pub placement: Placement,
    pub config: ConfigPlan,
    pub secret: SecretPlan,
    pub control_plane: Workload,
    pub control_plane_exposure: Exposure,
    pub gateway: Workload,
    /// The CloudNativePG Cluster; `None` with an external server.
    pub database: Option<Database>,
    /// How the pods reach PostgreSQL, in either mode.
    pub connection: Connection,
    pub shared_dir: SharedDir,
    pub workspace: Workspace,
    pub seeds: Vec<SeedJob>,
    pub oauth_clients: Vec<OAuthClient>,
    pub sandbox: Option<Sandbox>,
    pub browser: Option<Browser>,
    /// The LLM protocol bridge (BRIDGE_ENABLED).
    pub bridge: Option<Bridge>,
    /// The OpenShift SCCs the install's ServiceAccounts need beyond restricted-v2 (PLATFORM);
    /// granted by a cluster admin, never rendered.
    pub scc_grants: Vec<scc::SccGrant>,
    pub ingresses: Vec<IngressRoute>,
    /// The Ingress objects' TLS Secrets are issued by cert-manager (CERT_MANAGER_ISSUER), not
    /// created by the operator.
    pub tls_issued_by_cert_manager: bool,
    /// HTTPRoutes attached to the operator's Gateway (INGRESS_MODE=gateway).
    pub http_routes: Vec<ingress::HttpRoute>,
    /// OpenShift Routes (INGRESS_MODE=route).
    pub openshift_routes: Vec<ingress::OpenShiftRoute>,
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
    /// The HorizontalPodAutoscalers of the Deployments with a `*_MAX_REPLICAS`.
    pub autoscalers: Vec<Autoscaler>,
    /// Template files to render, in order.
    pub templates: Vec<&'static str>,
}

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
    pub env: Vec<EnvVar>,
    pub resources: Resources,
    pub mounts: Vec<VolumeMount>,
}

/// What every part of the plan builds on: the configuration, names, labels and the Secret's keys.
pub(crate) struct Ctx<'a> {
    pub config: &'a Config,
    pub namespace: String,
    pub multi_node: bool,
    pub base_labels: Map,
    /// The platform Secret's name (EXISTING_SECRET or the default).
    pub secret_name: String,
    /// The Secret the pods read the database's `uri` from.
    pub database_secret: &'static str,
    /// Keys of the platform Secret.
    pub secret_keys: Vec<&'static str>,
    pub secrets_rendered: bool,
    pub pod_security: Value,
    pub container_security: Value,
    pub images: Vec<Image>,
    /// Scheduling of the platform's own pods.
    pub placement: Placement,
    /// Scheduling of the pods the platform creates at run time.
    pub runtime_placement: Placement,
    /// CA bundle and proxy settings every pod gets.
    pub outbound: outbound::Outbound,
    /// The operator's labels and annotations.
    pub metadata: Metadata,
}

impl<'a> Ctx<'a> {
    /// What every part builds on, before the outbound settings (which need the CA bundle).
    fn new(config: &'a Config) -> Ctx<'a> {
        let secrets = &config.secrets;
        let version = config.images.version.clone();
        Ctx {
            config,
            metadata: Metadata::new(&config.metadata),
            namespace: config.cluster.namespace.clone(),
            multi_node: config.cluster.multi_node(),
            base_labels: Map::from_iter([
                ("app.kubernetes.io/part-of", Cow::Borrowed("nap")),
                ("app.kubernetes.io/instance", Cow::Borrowed("nap")),
                ("app.kubernetes.io/version", Cow::Owned(version)),
                ("app.kubernetes.io/managed-by", Cow::Borrowed("napgen")),
            ]),
            secret_name: secret_name(secrets.existing.as_deref()).to_string(),
            database_secret: if config.database.external.is_some() {
                EXTERNAL_DATABASE_SECRET
            } else {
                DATABASE_APP_SECRET
            },
            secret_keys: secrets.needed.clone(),
            // With EXISTING_SECRET the operator manages the Secret: it is never rendered.
            secrets_rendered: secrets.all_given(),
            pod_security: pod_security(config, RUN_AS, true),
            container_security: json!({
                "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true,
                "runAsNonRoot": true,
                "capabilities": {"drop": ["ALL"]},
            }),
            images: Vec::new(),
            placement: Placement::platform(&config.placement),
            runtime_placement: Placement::runtime(&config.placement),
            outbound: outbound::Outbound::default(),
        }
    }
}

/// A pod's restricted security context. On OpenShift the restricted-v2 (or hostnetwork-v2) SCC
/// assigns the UID, GID and fsGroup from the namespace's range and refuses fixed ones outside it,
/// so they are left out there; everything else stays.
pub(crate) fn pod_security(config: &Config, run_as: u32, fs_group: bool) -> Value {
    if config.cluster.openshift() {
        return json!({
            "runAsNonRoot": true,
            "seccompProfile": {"type": "RuntimeDefault"},
        });
    }
    let mut security = json!({
        "runAsNonRoot": true,
        "runAsUser": run_as,
        "runAsGroup": run_as,
    });
    if fs_group {
        security["fsGroup"] = json!(run_as);
    }
    security["seccompProfile"] = json!({"type": "RuntimeDefault"});
    security
}

impl Ctx<'_> {
    /// The recommended labels plus name and component.
    pub fn labels(&self, component: &'static str, name: impl Into<String>) -> Map {
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
            let items: Vec<Value> = pairs
                .iter()
                .map(|&(k, name)| json!({"key": k, "path": name}))
                .collect();
            sources.push(json!({"secret": {"name": &self.secret_name, "items": items}}));
        }
        if database {
            sources.push(json!({"secret": {"name": self.database_secret, "items": [{"key": "uri", "path": "DATABASE_URL"}]}}));
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
                json!({"name": "secrets", "projected": {"defaultMode": 0o440, "sources": sources}}),
            ),
            mount: Some(VolumeMount::read_only("secrets", SECRETS_DIR)),
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
        let values: Vec<(&str, &str)> = keys.iter().map(|k| (*k, self.secret_value(k))).collect();
        checksum(&(self.secret_value("TOS_SECRET_KEY"), values))
    }

    /// `checksum/database`, for the pods that read the connection Secret, when napgen renders
    /// it (an external server, values.env holds the password): a changed server or password rolls
    /// them. Salted with TOS_SECRET_KEY as [`Ctx::secret_checksum`] is.
    pub fn database_checksum(&self) -> Option<(&'static str, String)> {
        let server = self.config.database.external.as_ref()?;
        let password = server.password.as_ref().filter(|_| self.secrets_rendered)?;
        Some((
            "checksum/database",
            checksum(&(
                self.secret_value("TOS_SECRET_KEY"),
                server.host.as_str(),
                server.port,
                &server.name,
                &server.user,
                server.sslmode.as_str(),
                password.expose(),
            )),
        ))
    }

    /// The value given for a key of the platform Secret; `""` when values.env does not give it.
    pub fn secret_value(&self, key: &str) -> &str {
        self.config
            .secrets
            .values
            .get(key)
            .map_or("", |s| s.expose())
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
        let images = &self.config.images;
        let reference = image_ref(images, "ghcr.io", "nap-platform", name, &images.version);
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
        let mut skips: Vec<Cow<'static, str>> = Vec::with_capacity(2 + extra.len());
        if self.config.images.pull_policy != PullPolicy::Always {
            skips.push(Cow::Borrowed("CKV_K8S_15=images are release tags (pinned by digest with IMAGE_DIGESTS); set IMAGE_PULL_POLICY to Always to re-pull on every start"));
        }
        if images.iter().any(|i| !i.contains("@sha256:")) {
            skips.push(Cow::Borrowed(
                "CKV_K8S_43=tags are release versions; pin digests with IMAGE_DIGESTS",
            ));
        }
        skips.extend(
            extra
                .iter()
                .map(|(id, why)| Cow::Owned(format!("{id}={why}"))),
        );
        if self.config.cluster.openshift() {
            skips.push(Cow::Borrowed(scc::ASSIGNED_UID_SKIP));
        }
        // checkov splits each annotation at its only '=': a reason must not hold another.
        debug_assert!(
            skips.iter().all(|s| s.matches('=').count() == 1),
            "{skips:?}"
        );
        let mut map = Map::with_capacity(skips.len());
        for (i, s) in skips.into_iter().enumerate() {
            let key = match KEYS.get(i) {
                Some(k) => Cow::Borrowed(*k),
                None => Cow::Owned(format!("checkov.io/skip{}", i + 1)),
            };
            map.insert(key, s);
        }
        map
    }

    /// `imagePullSecrets` entries, `None` when IMAGE_PULL_SECRETS is empty.
    pub fn pull_secrets(&self) -> Option<Vec<Value>> {
        let names = &self.config.images.pull_secrets;
        (!names.is_empty()).then(|| names.iter().map(|n| json!({"name": n})).collect())
    }

    /// The fields every run-time pod template shares: pull policy and pull secrets.
    pub fn pull_policy(&self) -> &'static str {
        self.config.images.pull_policy.as_str()
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
        volumes: Vec<Value>,
    ) -> String {
        let RuntimeContainer {
            name,
            image,
            env,
            resources,
            mounts,
        } = container;
        let mut pod = json!({
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
                "runtimeClassName": &self.runtime_placement.runtime_class_name,
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
        });
        self.metadata.apply(&mut pod);
        manifest(&pod)
    }

    /// NodePort on TOS_HOST, or ClusterIP behind an ingress.
    pub fn exposure(&self, node_port: Port) -> Exposure {
        if self.config.exposure.mode == IngressMode::NodePort {
            Exposure {
                service_type: "NodePort",
                node_port: Some(i64::from(node_port.0)),
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

/// Build the plan from the configuration.
pub fn plan(config: &Config) -> Plan {
    let mut ctx = Ctx::new(config);
    let ca_bundle = outbound::ca_bundle(&config.outbound, ctx.labels("ca-bundle", "nap-ca-bundle"));
    ctx.outbound = outbound::outbound(config, ca_bundle.as_ref(), &platform_services(config));
    let exposure = &config.exposure;
    let public_url = public_origin(
        exposure.public_url.as_ref().map(|u| u.as_str()),
        exposure.host.as_str(),
        exposure.node_port,
    );

    // Images are listed (for `napgen images`) in the order they are first used.
    let control_plane_image = ctx.platform_image("control plane and seed Jobs", "control-plane");
    let gateway_image = ctx.platform_image("channel gateway", "channel-gateway");
    let in_cluster = config.database.external.is_none();
    let postgres_image = in_cluster.then(|| {
        ctx.image(
            "PostgreSQL (CloudNativePG Cluster.imageName)",
            image_ref(
                &config.images,
                "ghcr.io",
                "cloudnative-pg",
                "postgresql",
                &config.database.version,
            ),
        )
    });
    let secret = core::secret(&ctx);
    // Validation refuses backups with an external server: they belong to its owner.
    let backup = config
        .backup
        .as_ref()
        .filter(|_| in_cluster)
        .map(|b| backup::plan(&ctx, b, core::DATABASE));
    let database = postgres_image.map(|image| core::database(&ctx, image, backup.as_ref()));
    let connection = core::connection(&ctx);

    let oauth_clients = oauth::clients(config);
    let sandbox = config
        .sandbox
        .as_ref()
        .map(|s| sandbox::plan(&mut ctx, s, &public_url, &oauth_clients));
    let browser = config
        .browser
        .as_ref()
        .map(|b| browser::plan(&mut ctx, b, &public_url, &oauth_clients, sandbox.as_ref()));
    let bridge = config.bridge.as_ref().map(|b| bridge::plan(&mut ctx, b));

    let config_map = core::config_map(&ctx, &public_url, sandbox.as_ref(), browser.as_ref());
    let workspace = workspace::runtime(&mut ctx, core::CONTROL_PLANE, browser.as_ref());
    let ldap_ca = config.ldap.as_ref().and_then(|l| l.ca_cert.clone());
    let control_plane = core::control_plane(
        &ctx,
        &control_plane_image,
        &config_map,
        checksum(&workspace.pod_templates),
        ldap_ca.as_deref(),
    );
    let gateway = core::gateway(&ctx, gateway_image, &config_map);
    let seeds = core::seeds(&ctx, &control_plane_image, &oauth_clients);

    let mut pods = vec![most(&control_plane), most(&gateway)];
    pods.extend(database.iter().map(|d| capacity::Demand {
        pods: d.instances.unsigned_abs(),
        resources: &d.resources,
    }));
    pods.extend(sandbox.iter().map(|s| most(&s.workload)));
    if let Some(b) = &browser {
        pods.push(most(&b.workload));
        pods.push(capacity::Demand {
            pods: 1,
            resources: &b.coturn.resources,
        });
    }
    pods.extend(bridge.iter().map(|b| most(&b.workload)));
    let autoscalers = [&control_plane, &gateway]
        .into_iter()
        .chain(sandbox.iter().map(|s| &s.workload))
        .chain(browser.iter().map(|b| &b.workload))
        .chain(bridge.iter().map(|b| &b.workload))
        .filter_map(Autoscaler::of)
        .collect();
    // The pods the platform creates at run time, each of which must fit on one node.
    let mut runtime = vec![&config.agents.workspace];
    runtime.extend(config.sandbox.iter().map(|s| &s.pod));
    runtime.extend(config.browser.iter().map(|b| &b.session));
    let capacity = capacity::compute(config, &pods, &runtime);

    let monitoring = config.monitoring.as_ref().map(|m| {
        let mut components = vec!["control-plane", "gateway"];
        components.extend(sandbox.as_ref().map(|s| s.workload.component));
        components.extend(browser.as_ref().map(|b| b.workload.component));
        monitoring::plan(&ctx, m, &components, in_cluster.then_some(core::DATABASE))
    });
    let mut plan = Plan {
        namespace: ctx.namespace.clone(),
        profile: config.cluster.profile.as_str().to_string(),
        multi_node: ctx.multi_node,
        version: config.images.version.clone(),
        ingress_mode: exposure.mode.as_str().to_string(),
        labels: ctx.base_labels.clone(),
        metadata: ctx.metadata.clone(),
        pod_security: ctx.pod_security.clone(),
        container_security: ctx.container_security.clone(),
        image_pull_policy: ctx.pull_policy().to_string(),
        image_pull_secrets: ctx.pull_secrets(),
        placement: ctx.placement.clone(),
        config: config_map,
        secret,
        control_plane,
        control_plane_exposure: ctx.exposure(exposure.node_port),
        gateway,
        database,
        connection,
        shared_dir: core::shared_dir(&ctx),
        workspace,
        seeds,
        ingresses: ingress::ingresses(&ctx, sandbox.as_ref(), browser.as_ref()),
        tls_issued_by_cert_manager: exposure.mode == IngressMode::Ingress
            && exposure.cert_manager.is_some(),
        http_routes: ingress::http_routes(&ctx, sandbox.as_ref(), browser.as_ref()),
        openshift_routes: ingress::openshift_routes(&ctx, sandbox.as_ref(), browser.as_ref()),
        oauth_clients,
        scc_grants: scc::grants(config, browser.as_ref()),
        sandbox,
        browser,
        bridge,
        network_policies: network::core(&ctx, in_cluster.then_some(core::DATABASE)),
        ingress_class: exposure.ingress_class.clone(),
        backup,
        monitoring,
        nfs: storage::nfs_class(&ctx),
        ca_bundle,
        ldap_ca,
        ldap_ca_config_map: LDAP_CA_CONFIG_MAP,
        public_url,
        images: ctx.images,
        capacity,
        autoscalers,
        templates: Vec::new(),
    };
    plan.templates = templates(&plan);
    plan
}

/// A Deployment's pods at their most, for the capacity check.
fn most(w: &Workload) -> capacity::Demand<'_> {
    capacity::Demand {
        pods: u64::from(w.scale.most()),
        resources: &w.resources,
    }
}

/// Which template files this configuration renders: the one place that decides which objects exist.
fn templates(plan: &Plan) -> Vec<&'static str> {
    let mut t = vec![
        "core/namespace.yaml",
        "core/config.yaml",
        "core/shared-dir.yaml",
        "core/control-plane/rbac.yaml",
        "core/control-plane/deployment.yaml",
        "core/control-plane/service.yaml",
        "core/gateway/deployment.yaml",
        "core/gateway/service.yaml",
        "core/workspace/runtime.yaml",
        "core/seed/jobs.yaml",
        "core/network-policies.yaml",
    ];
    if plan.database.is_some() {
        t.insert(3, "core/database.yaml");
    }
    if plan.secret.rendered {
        t.push("core/secret.yaml");
    }
    if plan
        .connection
        .external
        .as_ref()
        .is_some_and(|e| e.rendered)
    {
        t.push("core/database-connection.yaml");
    }
    if plan.control_plane.availability.pdb || plan.gateway.availability.pdb {
        t.push("core/disruption-budgets.yaml");
    }
    if !plan.autoscalers.is_empty() {
        t.push("core/autoscalers.yaml");
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
        t.push("monitoring/service-monitor.yaml");
        if plan.database.is_some() {
            t.push("monitoring/pod-monitor.yaml");
        }
        t.push("monitoring/network-policies.yaml");
    }
    if !plan.ingresses.is_empty() {
        t.push("core/ingress.yaml");
    }
    if !plan.http_routes.is_empty() {
        t.push("core/http-routes.yaml");
    }
    if !plan.openshift_routes.is_empty() {
        t.push("core/openshift-routes.yaml");
    }
    t
}

/// The platform's Services in its namespace (PostgreSQL's among them), never reached through a proxy.
fn platform_services(config: &Config) -> Vec<&'static str> {
    let mut services = vec![core::CONTROL_PLANE, core::GATEWAY];
    if config.sandbox.is_some() {
        services.push("nap-sandbox");
    }
    if config.browser.is_some() {
        services.push("browser-service");
    }
    if config.bridge.is_some() {
        services.push(crate::config::registry::BRIDGE_SERVICE);
    }
    if config.database.external.is_none() {
        services.extend(["nap-postgres-rw", "nap-postgres-ro", "nap-postgres-r"]);
    }
    services
}

//! Values in, typed settings out: the dotenv syntax, the sources read in precedence order, the
//! registry of keys, validation, and the typed configuration the plan reads by field.
pub mod dotenv;
pub mod registry;
pub mod settings;
pub mod sources;
pub mod types;
pub mod validate;

use types::{
    AgentType, AntiAffinity, Cidr, Cpu, DatabaseMode, Host, ImageDigest, IngressMode, IssuerKind,
    Label, Memory, Platform, Port, Profile, PullPolicy, Retention, Secret, SslMode, Toleration,
    Url,
};

/// The validated configuration, typed: one field per key, grouped as the install is (core
/// groups, then one `Option` per module that is on or off).
#[derive(Debug, Clone)]
pub struct Config {
    pub cluster: Cluster,
    pub images: Images,
    pub exposure: Exposure,
    pub outbound: Outbound,
    pub placement: Placement,
    pub metadata: Metadata,
    pub services: Services,
    pub secrets: Secrets,
    pub storage: Storage,
    pub database: Database,
    pub admin: Admin,
    pub agents: Agents,
    pub codex: Option<Codex>,
    pub claude_code: Option<ClaudeCode>,
    pub backup: Option<Backup>,
    pub sandbox: Option<Sandbox>,
    pub browser: Option<Browser>,
    pub ldap: Option<Ldap>,
    pub monitoring: Option<Monitoring>,
    pub bridge: Option<Bridge>,
}

/// The cluster napgen installs into: its namespace, shape and nodes.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub namespace: String,
    pub profile: Profile,
    /// Plain Kubernetes or OpenShift (PLATFORM), which assigns pods' UIDs itself.
    pub platform: Platform,
    /// Worker nodes (CLUSTER_NODES), each of NODE_CPU / NODE_MEMORY.
    pub nodes: u32,
    pub node_cpu: Cpu,
    pub node_memory: Memory,
    pub pod_cidrs: Vec<Cidr>,
    pub service_cidrs: Vec<Cidr>,
}

impl Cluster {
    /// Whether the profile spreads the platform over several nodes.
    pub fn multi_node(&self) -> bool {
        self.profile == Profile::MultiNode
    }

    /// Whether OpenShift's security context constraints pick the pods' UIDs and GIDs.
    pub fn openshift(&self) -> bool {
        self.platform == Platform::OpenShift
    }
}

/// Where images come from and how they are pulled.
#[derive(Debug, Clone)]
pub struct Images {
    /// The platform's release (NAP_VERSION), the tag of its images.
    pub version: String,
    /// The registry that replaces every image's registry host (REGISTRY).
    pub registry: Option<String>,
    pub pull_policy: PullPolicy,
    pub digests: Vec<ImageDigest>,
    pub pull_secrets: Vec<String>,
}

/// How users reach the platform.
#[derive(Debug, Clone)]
pub struct Exposure {
    pub mode: IngressMode,
    /// The host users reach (TOS_HOST): a node's address with NodePorts.
    pub host: Host,
    pub node_port: Port,
    /// The public origin behind an ingress or proxy (TOS_PUBLIC_URL).
    pub public_url: Option<Url>,
    pub ingress_class: Option<String>,
    pub tls_secret: Option<String>,
    /// Extra annotations of the Ingress objects (INGRESS_ANNOTATIONS), `(key, value)` in order.
    pub ingress_annotations: Vec<(String, String)>,
    /// The cert-manager issuer of the Ingress objects' certificates (CERT_MANAGER_ISSUER).
    pub cert_manager: Option<CertManager>,
    /// The operator's Gateway the HTTPRoutes attach to (INGRESS_MODE=gateway).
    pub gateway: Option<GatewayRef>,
    /// How long one request through the rendered routes may last (ROUTE_TIMEOUT_SECONDS).
    pub route_timeout_seconds: u32,
}

/// A cert-manager issuer, by kind and name.
#[derive(Debug, Clone)]
pub struct CertManager {
    pub kind: IssuerKind,
    pub name: String,
}

/// A Gateway (gateway.networking.k8s.io/v1) napgen's HTTPRoutes attach to.
#[derive(Debug, Clone)]
pub struct GatewayRef {
    pub name: String,
    /// GATEWAY_NAMESPACE, else the platform's namespace.
    pub namespace: String,
    /// The listener (sectionName), when one is named.
    pub section: Option<String>,
}

/// What leaves the cluster: the agents' extra egress, proxies and the CA bundle.
#[derive(Debug, Clone)]
pub struct Outbound {
    pub agent_egress_allow: Vec<Cidr>,
    /// PEM text of extra CA certificates (CA_BUNDLE).
    pub ca_bundle: Option<String>,
    pub ca_bundle_config_map: Option<String>,
    pub http_proxy: Option<Url>,
    pub https_proxy: Option<Url>,
    pub no_proxy: Vec<String>,
}

/// Where the platform's pods run.
#[derive(Debug, Clone)]
pub struct Placement {
    pub node_selector: Vec<Label>,
    pub tolerations: Vec<Toleration>,
    pub priority_class_name: Option<String>,
    /// Where the pods the platform creates at run time go, when not with the platform.
    pub runtime: RuntimePool,
}

/// The nodes and runtime of the pods the platform creates at run time (workspaces, sandboxes,
/// browser sessions): by default the platform's nodes and the cluster's default runtime.
#[derive(Debug, Clone, Default)]
pub struct RuntimePool {
    /// RUNTIME_NODE_SELECTOR, replacing NODE_SELECTOR for the run-time pods.
    pub node_selector: Option<Vec<Label>>,
    /// RUNTIME_TOLERATIONS, replacing TOLERATIONS for the run-time pods.
    pub tolerations: Option<Vec<Toleration>>,
    /// RUNTIME_CLASS_NAME.
    pub runtime_class_name: Option<String>,
    /// The pool's size when it has its own nodes: RUNTIME_NODES × RUNTIME_NODE_CPU / MEMORY.
    pub nodes: Option<PoolNodes>,
}

/// A node pool's size.
#[derive(Debug, Clone)]
pub struct PoolNodes {
    pub count: u32,
    pub cpu: Cpu,
    pub memory: Memory,
}

/// The platform's own core Deployments: how many pods each runs and how large they are.
#[derive(Debug, Clone)]
pub struct Services {
    pub control_plane: Pods,
    pub gateway: Pods,
}

/// The pods of one of the platform's Deployments: how many, and the size of each.
#[derive(Debug, Clone)]
pub struct Pods {
    pub scale: Scale,
    pub resources: Resources,
}

/// How many pods a Deployment runs: a fixed count (`<NAME>_REPLICAS`), or from that count up to
/// the most an autoscaler may run (`<NAME>_MAX_REPLICAS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    /// The count, or the least one while autoscaled.
    pub replicas: u32,
    pub autoscale: Option<Autoscale>,
}

impl Scale {
    /// The Deployment's own count: none while an autoscaler owns it.
    pub fn fixed_count(&self) -> Option<u32> {
        self.autoscale.is_none().then_some(self.replicas)
    }

    /// The most pods this Deployment may run: what capacity must hold.
    pub fn most(&self) -> u32 {
        self.autoscale.map_or(self.replicas, |a| a.max_replicas)
    }
}

/// A HorizontalPodAutoscaler's range top and CPU target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Autoscale {
    /// More than [`Scale::replicas`] (validation checks).
    pub max_replicas: u32,
    /// The average CPU use, in percent of the request, the autoscaler keeps (AUTOSCALING_CPU_PERCENT).
    pub cpu_percent: u32,
}

/// What one container requests and may use: CPU request and limit, and memory (its request is
/// its limit, so a pod is never killed for memory the node promised it).
#[derive(Debug, Clone, PartialEq)]
pub struct Resources {
    pub cpu: Cpu,
    /// At least `cpu` (validation checks).
    pub cpu_limit: Cpu,
    pub memory: Memory,
    /// The keys the request came from, for messages; none for sizes napgen fixes itself.
    pub keys: Option<SizeKeys>,
}

/// The keys of a container's CPU request and memory (`WORKSPACE_CPU`, `WORKSPACE_MEMORY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeKeys {
    pub cpu: &'static str,
    pub memory: &'static str,
}

/// The platform Secret: who manages it and the values it holds.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// The Secret the operator manages (EXISTING_SECRET); values.env then holds no secret.
    pub existing: Option<String>,
    /// The keys this configuration needs in the platform Secret, in registry order
    /// (DATABASE_PASSWORD is not one: it goes into the database's connection Secret).
    pub needed: Vec<&'static str>,
    /// The values given for them, by the Secret's key (the registry name).
    pub values: crate::OrderedMap<&'static str, Secret>,
}

impl Secrets {
    /// Whether values.env gives every needed secret (the bundle then holds the Secret).
    pub fn all_given(&self) -> bool {
        self.existing.is_none()
            && !self.needed.is_empty()
            && self.needed.iter().all(|k| self.values.contains_key(k))
    }
}

/// Volumes: the classes they are made from and their sizes.
#[derive(Debug, Clone)]
pub struct Storage {
    pub rwx_class: String,
    pub rwo_class: String,
    pub nfs: Option<Nfs>,
    pub shared_dir_size: Memory,
    pub workspace_disk_size: Memory,
}

/// An NFS share napgen renders a StorageClass for.
#[derive(Debug, Clone)]
pub struct Nfs {
    pub server: Host,
    pub share: String,
    pub subdir: Option<String>,
    pub mount_options: Vec<String>,
}

/// PostgreSQL: a CloudNativePG Cluster (the fields below `external`) or a server the operator
/// runs (`external`, whose presence is the mode).
#[derive(Debug, Clone)]
pub struct Database {
    pub mode: DatabaseMode,
    /// The operator's server (DATABASE_MODE=external).
    pub external: Option<ExternalDatabase>,
    pub instances: u32,
    pub storage_size: Memory,
    /// Each instance's (POSTGRES_CPU, its limit four times that, POSTGRES_MEMORY).
    pub resources: Resources,
    pub wal_storage_size: Option<Memory>,
    pub anti_affinity: AntiAffinity,
    pub version: String,
    pub operator_namespace: String,
}

/// A PostgreSQL server the operator runs.
#[derive(Debug, Clone)]
pub struct ExternalDatabase {
    pub host: Host,
    pub port: u16,
    pub name: String,
    pub user: String,
    pub sslmode: SslMode,
    /// Where its address is opened when `host` is a name (DATABASE_EGRESS_CIDRS).
    pub egress: Vec<Cidr>,
    /// DATABASE_PASSWORD, when values.env gives it: it goes into the connection Secret only.
    pub password: Option<Secret>,
}

/// The first administrator.
#[derive(Debug, Clone)]
pub struct Admin {
    pub email: String,
}

/// The agents users run, and the size of a workspace pod.
#[derive(Debug, Clone)]
pub struct Agents {
    pub types: Vec<AgentType>,
    /// Each workspace pod's (WORKSPACE_CPU, its limit twice that, WORKSPACE_MEMORY).
    pub workspace: Resources,
}

/// Codex agents: where they reach the Responses API.
#[derive(Debug, Clone)]
pub struct Codex {
    pub base_url: Url,
}

/// Claude Code agents: where they reach the Anthropic API.
#[derive(Debug, Clone)]
pub struct ClaudeCode {
    pub base_url: Url,
}

/// Backups of the database to an S3-compatible store.
#[derive(Debug, Clone)]
pub struct Backup {
    pub destination_path: String,
    pub s3_endpoint: Option<Url>,
    pub credentials_secret: String,
    pub retention: Retention,
    /// Six fields, seconds first (CloudNativePG's ScheduledBackup).
    pub schedule: String,
}

/// The Code Sandbox module.
#[derive(Debug, Clone)]
pub struct Sandbox {
    pub node_port: Port,
    pub opensandbox_url: Url,
    pub public_url: Option<Url>,
    /// nap-sandbox's pods (SANDBOX_SERVICE_*).
    pub service: Pods,
    /// Each sandbox pod OpenSandbox creates (SANDBOX_POD_CPU, SANDBOX_POD_MEMORY).
    pub pod: Resources,
}

/// The Remote Browser module and its TURN relay.
#[derive(Debug, Clone)]
pub struct Browser {
    pub node_port: Port,
    pub turn_host: Host,
    pub turn_node: Option<Host>,
    pub turn_realm: Host,
    pub public_url: Option<Url>,
    /// browser-service's pods (BROWSER_SERVICE_*).
    pub service: Pods,
    /// Each browser session pod (BROWSER_SESSION_CPU, BROWSER_SESSION_MEMORY).
    pub session: Resources,
    /// The coturn relay (TURN_CPU, TURN_CPU_LIMIT, TURN_MEMORY).
    pub turn: Resources,
}

/// LDAP sign-in.
#[derive(Debug, Clone)]
pub struct Ldap {
    pub url: Url,
    pub start_tls: bool,
    /// PEM text of the server's CA certificate.
    pub ca_cert: Option<String>,
    pub bind_dn: String,
    pub user_base_dn: String,
    pub user_filter: String,
}

/// Labels and annotations the operator adds to napgen's objects (never to selectors).
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// On every object and every pod (COMMON_LABELS).
    pub common_labels: Vec<Label>,
    /// On every pod, the run-time pods included (POD_LABELS).
    pub pod_labels: Vec<Label>,
    /// On every pod, the run-time pods included (POD_ANNOTATIONS).
    pub pod_annotations: Vec<Label>,
    /// On every Service (SERVICE_ANNOTATIONS).
    pub service_annotations: Vec<Label>,
    /// On every ServiceAccount (SERVICE_ACCOUNT_ANNOTATIONS).
    pub service_account_annotations: Vec<Label>,
}

/// Monitoring with the Prometheus operator.
#[derive(Debug, Clone)]
pub struct Monitoring {
    pub namespace: String,
    pub labels: Vec<Label>,
}

/// The LLM bridge (LiteLLM) between agents and an upstream API.
#[derive(Debug, Clone)]
pub struct Bridge {
    pub upstream_url: Url,
    /// `agent-facing=upstream` model names.
    pub models: Vec<(String, String)>,
    pub agent_types: Vec<AgentType>,
    pub version: String,
    /// The bridge's pods (BRIDGE_REPLICAS, BRIDGE_MAX_REPLICAS, BRIDGE_CPU, …).
    pub pods: Pods,
}

impl Config {
    /// The StorageClass napgen renders for NFS_SERVER: `<NAMESPACE>-nfs` (cluster-scoped, so
    /// the namespace keeps two installs apart).
    pub fn nfs_storage_class(&self) -> String {
        format!("{}-nfs", self.cluster.namespace)
    }

    /// Whether the bridge serves `agent`: it is on and lists the type.
    pub fn bridge_serves(&self, agent: AgentType) -> bool {
        self.bridge
            .as_ref()
            .is_some_and(|b| b.agent_types.contains(&agent))
    }

    /// The bridge's in-cluster origin, `http://nap-llm-bridge.<NAMESPACE>.svc:4000`.
    pub fn bridge_url(&self) -> String {
        format!(
            "http://{}.{}.svc:{}",
            registry::BRIDGE_SERVICE,
            self.cluster.namespace,
            registry::BRIDGE_PORT
        )
    }
}

//! Values in, typed settings out: the dotenv syntax, the sources read in precedence order, the
//! registry of keys, validation, and the typed configuration the plan reads by field.
pub mod dotenv;
pub mod registry;
pub mod settings;
pub mod sources;
pub mod types;
pub mod validate;

use crate::diagnostic::Shown;
use registry::Module;
use settings::Settings;
use types::{
    AgentType, AntiAffinity, Cidr, Cpu, Host, ImageDigest, IngressMode, Label, Memory, Port,
    Profile, PullPolicy, Retention, Secret, Toleration, Url,
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
    pub replicas: Replicas,
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
}

/// Replicas of the platform's own Deployments.
#[derive(Debug, Clone)]
pub struct Replicas {
    pub control_plane: u32,
    pub gateway: u32,
}

/// The platform Secret: who manages it and the values it holds.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// The Secret the operator manages (EXISTING_SECRET); values.env then holds no secret.
    pub existing: Option<String>,
    /// The keys this configuration needs in the Secret, in registry order.
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

/// PostgreSQL, run by CloudNativePG.
#[derive(Debug, Clone)]
pub struct Database {
    pub instances: u32,
    pub storage_size: Memory,
    pub cpu: Cpu,
    pub memory: Memory,
    pub wal_storage_size: Option<Memory>,
    pub anti_affinity: AntiAffinity,
    pub version: String,
    pub operator_namespace: String,
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
    pub workspace_cpu: Cpu,
    pub workspace_memory: Memory,
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
}

/// The Remote Browser module and its TURN relay.
#[derive(Debug, Clone)]
pub struct Browser {
    pub node_port: Port,
    pub turn_host: Host,
    pub turn_node: Option<Host>,
    pub turn_realm: Host,
    pub public_url: Option<Url>,
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
}

impl Config {
    /// The typed configuration of validated settings. This is the one place that reads keys by
    /// name for the plan; each group has its own function below.
    pub fn from_settings(s: &Settings) -> Config {
        let on = |m: Module| m.enabled(s);
        Config {
            cluster: cluster(s),
            images: images(s),
            exposure: exposure(s),
            outbound: outbound(s),
            placement: placement(s),
            replicas: Replicas {
                control_plane: count(s, "CONTROL_PLANE_REPLICAS"),
                gateway: count(s, "GATEWAY_REPLICAS"),
            },
            secrets: secrets(s),
            storage: storage(s),
            database: database(s),
            admin: Admin {
                email: s.str("ADMIN_EMAIL").to_string(),
            },
            agents: agents(s),
            codex: on(Module::Codex).then(|| Codex {
                base_url: url(s, "OPENAI_BASE_URL"),
            }),
            claude_code: on(Module::ClaudeCode).then(|| ClaudeCode {
                base_url: url(s, "ANTHROPIC_BASE_URL"),
            }),
            backup: on(Module::Backup).then(|| backup(s)),
            sandbox: on(Module::Sandbox).then(|| sandbox(s)),
            browser: on(Module::Browser).then(|| browser(s)),
            ldap: on(Module::Ldap).then(|| ldap(s)),
            monitoring: on(Module::Monitoring).then(|| Monitoring {
                namespace: s.str("MONITORING_NAMESPACE").to_string(),
                labels: s
                    .list("MONITORING_LABELS")
                    .iter()
                    .map(|l| Label::from_item(l))
                    .collect(),
            }),
            bridge: on(Module::Bridge).then(|| bridge(s)),
        }
    }

    /// The TURN relay's namespace (browser module): `<NAMESPACE>-turn`.
    pub fn turn_namespace(&self) -> String {
        format!("{}-turn", self.cluster.namespace)
    }

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

// Readers of one key each. Validation has accepted every value, so a value that does not parse
// again (or a required one that is missing) is a bug in napgen, not in the input.

fn key(name: &str) -> &'static registry::Key {
    registry::key(name).unwrap_or_else(|| panic!("{name} is not a registry key"))
}

fn opt_text(s: &Settings, name: &str) -> Option<String> {
    s.opt(name).map(str::to_string)
}

fn count(s: &Settings, name: &str) -> u32 {
    u32::try_from(s.int(name)).unwrap_or_else(|_| panic!("{name} is validated as a count"))
}

fn port(s: &Settings, name: &str) -> Port {
    Port(u16::try_from(s.int(name)).unwrap_or_else(|_| panic!("{name} is validated as a port")))
}

fn cpu(s: &Settings, name: &str) -> Cpu {
    let text = s.str(name);
    Cpu::parse(text, &Shown::value(key(name), text))
        .unwrap_or_else(|_| panic!("{name} is validated as a CPU quantity"))
}

fn memory_opt(s: &Settings, name: &str) -> Option<Memory> {
    s.opt(name).map(|text| {
        Memory::parse(text, &Shown::value(key(name), text))
            .unwrap_or_else(|_| panic!("{name} is validated as a size"))
    })
}

fn memory(s: &Settings, name: &str) -> Memory {
    memory_opt(s, name).unwrap_or_else(|| panic!("{name} has a value"))
}

fn url(s: &Settings, name: &str) -> Url {
    Url::new(s.str(name))
}

fn url_opt(s: &Settings, name: &str) -> Option<Url> {
    s.opt(name).map(Url::new)
}

fn cidrs(s: &Settings, name: &str) -> Vec<Cidr> {
    s.list(name)
        .iter()
        .map(|c| {
            Cidr::parse(c, &c).unwrap_or_else(|_| panic!("{name} is validated as CIDR blocks"))
        })
        .collect()
}

fn agent_types(s: &Settings, name: &str) -> Vec<AgentType> {
    s.list(name)
        .iter()
        .map(|t| {
            AgentType::from_word(t).unwrap_or_else(|| panic!("{name} is validated as agent types"))
        })
        .collect()
}

/// The value of a closed-set key as its enum.
fn word<T>(s: &Settings, name: &str, from_word: fn(&str) -> Option<T>) -> T {
    from_word(s.str(name)).unwrap_or_else(|| panic!("{name} is validated as one of its words"))
}

fn cluster(s: &Settings) -> Cluster {
    Cluster {
        namespace: s.str("NAMESPACE").to_string(),
        profile: word(s, "PROFILE", Profile::from_word),
        nodes: count(s, "CLUSTER_NODES"),
        node_cpu: cpu(s, "NODE_CPU"),
        node_memory: memory(s, "NODE_MEMORY"),
        pod_cidrs: cidrs(s, "CLUSTER_POD_CIDRS"),
        service_cidrs: cidrs(s, "CLUSTER_SERVICE_CIDRS"),
    }
}

fn images(s: &Settings) -> Images {
    Images {
        version: s.str("NAP_VERSION").to_string(),
        registry: opt_text(s, "REGISTRY"),
        pull_policy: word(s, "IMAGE_PULL_POLICY", PullPolicy::from_word),
        digests: s
            .list("IMAGE_DIGESTS")
            .iter()
            .map(|d| ImageDigest::from_item(d))
            .collect(),
        pull_secrets: s.list("IMAGE_PULL_SECRETS").to_vec(),
    }
}

fn exposure(s: &Settings) -> Exposure {
    Exposure {
        mode: word(s, "INGRESS_MODE", IngressMode::from_word),
        host: Host::new(s.str("TOS_HOST")),
        node_port: port(s, "TOS_NODE_PORT"),
        public_url: url_opt(s, "TOS_PUBLIC_URL"),
        ingress_class: opt_text(s, "INGRESS_CLASS"),
        tls_secret: opt_text(s, "INGRESS_TLS_SECRET"),
    }
}

fn outbound(s: &Settings) -> Outbound {
    Outbound {
        agent_egress_allow: cidrs(s, "AGENT_EGRESS_ALLOW_CIDRS"),
        ca_bundle: opt_text(s, "CA_BUNDLE"),
        ca_bundle_config_map: opt_text(s, "CA_BUNDLE_CONFIG_MAP"),
        http_proxy: url_opt(s, "HTTP_PROXY"),
        https_proxy: url_opt(s, "HTTPS_PROXY"),
        no_proxy: s.list("NO_PROXY").to_vec(),
    }
}

fn placement(s: &Settings) -> Placement {
    Placement {
        node_selector: s
            .list("NODE_SELECTOR")
            .iter()
            .map(|l| Label::from_item(l))
            .collect(),
        tolerations: s
            .list("TOLERATIONS")
            .iter()
            .map(|t| Toleration::from_item(t))
            .collect(),
        priority_class_name: opt_text(s, "PRIORITY_CLASS_NAME"),
    }
}

fn secrets(s: &Settings) -> Secrets {
    Secrets {
        existing: opt_text(s, "EXISTING_SECRET"),
        needed: validate::needed_secrets(s).iter().map(|k| k.name).collect(),
        values: registry::KEYS
            .iter()
            .filter(|k| k.is_secret())
            .filter_map(|k| s.opt(k.name).map(|v| (k.name, Secret::new(v))))
            .collect(),
    }
}

fn storage(s: &Settings) -> Storage {
    Storage {
        rwx_class: s.str("RWX_STORAGE_CLASS").to_string(),
        rwo_class: s.str("RWO_STORAGE_CLASS").to_string(),
        nfs: s.opt("NFS_SERVER").map(|server| Nfs {
            server: Host::new(server),
            share: s.str("NFS_SHARE").to_string(),
            subdir: opt_text(s, "NFS_SUBDIR"),
            mount_options: s.list("NFS_MOUNT_OPTIONS").to_vec(),
        }),
        shared_dir_size: memory(s, "SHARED_DIR_SIZE"),
        workspace_disk_size: memory(s, "WORKSPACE_DISK_SIZE"),
    }
}

fn database(s: &Settings) -> Database {
    Database {
        instances: count(s, "POSTGRES_INSTANCES"),
        storage_size: memory(s, "POSTGRES_STORAGE_SIZE"),
        cpu: cpu(s, "POSTGRES_CPU"),
        memory: memory(s, "POSTGRES_MEMORY"),
        wal_storage_size: memory_opt(s, "POSTGRES_WAL_STORAGE_SIZE"),
        anti_affinity: word(s, "POSTGRES_ANTI_AFFINITY", AntiAffinity::from_word),
        version: s.str("POSTGRES_VERSION").to_string(),
        operator_namespace: s.str("CNPG_OPERATOR_NAMESPACE").to_string(),
    }
}

fn agents(s: &Settings) -> Agents {
    Agents {
        types: agent_types(s, "AGENT_TYPES"),
        workspace_cpu: cpu(s, "WORKSPACE_CPU"),
        workspace_memory: memory(s, "WORKSPACE_MEMORY"),
    }
}

fn backup(s: &Settings) -> Backup {
    Backup {
        destination_path: s.str("BACKUP_DESTINATION_PATH").to_string(),
        s3_endpoint: url_opt(s, "BACKUP_S3_ENDPOINT"),
        credentials_secret: s.str("BACKUP_S3_CREDENTIALS_SECRET").to_string(),
        retention: Retention::new(s.str("BACKUP_RETENTION")),
        schedule: s.str("BACKUP_SCHEDULE").to_string(),
    }
}

fn sandbox(s: &Settings) -> Sandbox {
    Sandbox {
        node_port: port(s, "SANDBOX_NODE_PORT"),
        opensandbox_url: url(s, "OPENSANDBOX_URL"),
        public_url: url_opt(s, "SANDBOX_PUBLIC_URL"),
    }
}

fn browser(s: &Settings) -> Browser {
    Browser {
        node_port: port(s, "BROWSER_NODE_PORT"),
        turn_host: Host::new(s.str("TURN_HOST")),
        turn_node: s.opt("TURN_NODE").map(Host::new),
        turn_realm: Host::new(s.str("TURN_REALM")),
        public_url: url_opt(s, "BROWSER_PUBLIC_URL"),
    }
}

fn ldap(s: &Settings) -> Ldap {
    Ldap {
        url: url(s, "LDAP_URL"),
        start_tls: s.bool("LDAP_START_TLS"),
        ca_cert: opt_text(s, "LDAP_CA_CERT"),
        bind_dn: s.str("LDAP_BIND_DN").to_string(),
        user_base_dn: s.str("LDAP_USER_BASE_DN").to_string(),
        user_filter: s.str("LDAP_USER_FILTER").to_string(),
    }
}

fn bridge(s: &Settings) -> Bridge {
    Bridge {
        upstream_url: url(s, "BRIDGE_UPSTREAM_URL"),
        models: s
            .list("BRIDGE_MODELS")
            .iter()
            .map(|m| {
                let (agent, upstream) = m.split_once('=').unwrap_or((m, ""));
                (agent.to_string(), upstream.to_string())
            })
            .collect(),
        agent_types: agent_types(s, "BRIDGE_AGENT_TYPES"),
        version: s.str("BRIDGE_VERSION").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every profile napgen ships, as the golden tests render them.
    const PROFILES: [(&str, &str); 10] = [
        (
            "all-modules",
            include_str!("../../../../values/all-modules.env"),
        ),
        ("bridge", include_str!("../../../../values/bridge.env")),
        (
            "browser-only",
            include_str!("../../../../values/browser-only.env"),
        ),
        (
            "external-ingress",
            include_str!("../../../../values/external-ingress.env"),
        ),
        ("ingress", include_str!("../../../../values/ingress.env")),
        (
            "multi-node",
            include_str!("../../../../values/multi-node.env"),
        ),
        (
            "production",
            include_str!("../../../../values/production.env"),
        ),
        (
            "sandbox-only",
            include_str!("../../../../values/sandbox-only.env"),
        ),
        (
            "single-node-everything",
            include_str!("../../../../values/single-node-everything.env"),
        ),
        (
            "single-node",
            include_str!("../../../../values/single-node.env"),
        ),
    ];

    fn config_of(text: &str) -> Config {
        let (entries, diagnostics) = dotenv::parse_dotenv(text, "values.env");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let validated = validate::validate(&entries);
        Config::from_settings(&validated.settings.expect("valid values"))
    }

    #[test]
    fn every_profile_reads_into_a_config() {
        for (name, text) in PROFILES {
            let config = config_of(text);
            assert!(!config.cluster.namespace.is_empty(), "{name}");
            assert!(config.cluster.node_memory.mib() > 0, "{name}");
        }
    }

    #[test]
    fn modules_are_present_exactly_when_enabled() {
        let all = config_of(PROFILES[0].1);
        assert!(all.cluster.multi_node());
        assert_eq!(all.agents.types, [AgentType::Codex, AgentType::ClaudeCode]);
        assert!(all.codex.is_some() && all.claude_code.is_some());
        let sandbox = all.sandbox.as_ref().expect("sandbox is on");
        assert_eq!(sandbox.node_port, Port(30086));
        let browser = all.browser.as_ref().expect("browser is on");
        assert_eq!(
            browser.turn_node.as_ref().map(Host::as_str),
            Some("worker-1")
        );
        let ldap = all.ldap.as_ref().expect("ldap is on");
        assert!(ldap.start_tls && ldap.ca_cert.is_some());
        assert_eq!(ldap.url.scheme(), "ldap");
        assert!(all.backup.is_none() && all.monitoring.is_none() && all.bridge.is_none());
        assert!(all.secrets.all_given());
        assert_eq!(all.turn_namespace(), "nap-turn");

        let single = config_of(PROFILES[9].1);
        assert!(!single.cluster.multi_node());
        assert!(single.sandbox.is_none() && single.browser.is_none() && single.ldap.is_none());
    }

    #[test]
    fn quantities_are_typed() {
        let config = config_of(
            "NODE_MEMORY=1Pi\nNODE_CPU=0.5\nWORKSPACE_CPU=500m\nWORKSPACE_MEMORY=1.5Gi\n",
        );
        assert_eq!(config.cluster.node_memory.mib(), 1 << 30);
        assert_eq!(config.cluster.node_memory.as_str(), "1Pi");
        assert_eq!(config.cluster.node_cpu.millis(), 500);
        assert_eq!(config.agents.workspace_cpu.millis(), 500);
        assert_eq!(config.agents.workspace_memory.mib(), 1536);
    }

    #[test]
    fn secrets_are_kept_by_their_key_and_never_debug_printed() {
        let config = config_of(PROFILES[0].1);
        let key = &config.secrets.values["TOS_SECRET_KEY"];
        assert_eq!(key.expose().len(), 64);
        let shown = format!("{config:?}");
        assert!(!shown.contains(key.expose()), "{shown}");
    }
}

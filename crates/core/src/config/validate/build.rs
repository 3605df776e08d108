//! The typed [`Config`] of settings that passed validation: each key's text, accepted by
//! [`super::values`], read once into its type.

use crate::config::registry::{self, Module};
use crate::config::settings::Settings;
use crate::config::types::{
    AgentType, AntiAffinity, Cidr, Cpu, DatabaseMode, Host, ImageDigest, IngressMode, IssuerKind,
    Label, Memory, Platform, Port, Profile, PullPolicy, Retention, Secret, SslMode, Toleration,
    Url,
};
use crate::config::{
    Admin, Agents, Autoscale, Backup, Bridge, Browser, CertManager, ClaudeCode, Cluster, Codex,
    Config, Database, Exposure, ExternalDatabase, GatewayRef, Images, Ldap, Metadata, Monitoring,
    Nfs, Outbound, Placement, Pods, PoolNodes, Resources, RuntimePool, Sandbox, Scale, Secrets,
    Services, SizeKeys, Storage,
};
use crate::diagnostic::Shown;

/// The typed configuration of settings that passed validation. This is the one place that reads
/// keys by name; each group has its own function below.
pub(crate) fn config(s: &Settings) -> Config {
    let on = |m: Module| m.enabled(s);
    Config {
        cluster: cluster(s),
        images: images(s),
        exposure: exposure(s),
        outbound: outbound(s),
        placement: placement(s),
        metadata: Metadata {
            common_labels: pairs(s, "COMMON_LABELS"),
            pod_labels: pairs(s, "POD_LABELS"),
            pod_annotations: pairs(s, "POD_ANNOTATIONS"),
            service_annotations: pairs(s, "SERVICE_ANNOTATIONS"),
            service_account_annotations: pairs(s, "SERVICE_ACCOUNT_ANNOTATIONS"),
        },
        services: Services {
            control_plane: pods(
                s,
                "CONTROL_PLANE_REPLICAS",
                "CONTROL_PLANE_MAX_REPLICAS",
                resources(
                    s,
                    "CONTROL_PLANE_CPU",
                    "CONTROL_PLANE_CPU_LIMIT",
                    "CONTROL_PLANE_MEMORY",
                ),
            ),
            gateway: pods(
                s,
                "GATEWAY_REPLICAS",
                "GATEWAY_MAX_REPLICAS",
                resources(s, "GATEWAY_CPU", "GATEWAY_CPU_LIMIT", "GATEWAY_MEMORY"),
            ),
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
            labels: pairs(s, "MONITORING_LABELS"),
        }),
        bridge: on(Module::Bridge).then(|| bridge(s)),
    }
}

// Readers of one key each. Validation has accepted every value, so a value that does not parse
// again (or a required one that is missing) is a bug in napgen, not in the input.

fn key(name: &str) -> &'static registry::Key {
    registry::key(name).unwrap_or_else(|| panic!("{name} is not a registry key"))
}

/// A checked `key=value` list.
fn pairs(s: &Settings, name: &str) -> Vec<Label> {
    s.list(name).iter().map(|l| Label::from_item(l)).collect()
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

/// A container's CPU request, CPU limit and memory.
fn resources(
    s: &Settings,
    cpu_key: &'static str,
    limit_key: &str,
    memory_key: &'static str,
) -> Resources {
    Resources {
        cpu: cpu(s, cpu_key),
        cpu_limit: cpu(s, limit_key),
        memory: memory(s, memory_key),
        keys: Some(SizeKeys {
            cpu: cpu_key,
            memory: memory_key,
        }),
    }
}

/// A container's CPU request and memory, with a CPU limit `ratio` times the request (the
/// registry's descriptions say which).
fn resources_by_ratio(
    s: &Settings,
    cpu_key: &'static str,
    ratio: u64,
    memory_key: &'static str,
) -> Resources {
    let request = cpu(s, cpu_key);
    Resources {
        cpu_limit: Cpu::fixed(&request.times(ratio)),
        cpu: request,
        memory: memory(s, memory_key),
        keys: Some(SizeKeys {
            cpu: cpu_key,
            memory: memory_key,
        }),
    }
}

/// A Deployment's pods: its replicas, the autoscaler's top when `max_key` is set, and their size.
fn pods(s: &Settings, replicas_key: &str, max_key: &str, resources: Resources) -> Pods {
    let max = s.is_set(max_key).then(|| count(s, max_key));
    Pods {
        scale: Scale {
            replicas: count(s, replicas_key),
            autoscale: max.map(|max_replicas| Autoscale {
                max_replicas,
                cpu_percent: count(s, "AUTOSCALING_CPU_PERCENT"),
            }),
        },
        resources,
    }
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
        platform: word(s, "PLATFORM", Platform::from_word),
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
        ingress_annotations: s
            .list("INGRESS_ANNOTATIONS")
            .iter()
            .filter_map(|a| a.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        cert_manager: opt_text(s, "CERT_MANAGER_ISSUER").map(|name| CertManager {
            kind: word(s, "CERT_MANAGER_ISSUER_KIND", IssuerKind::from_word),
            name,
        }),
        gateway: (s.str("INGRESS_MODE") == "gateway")
            .then(|| opt_text(s, "GATEWAY_NAME"))
            .flatten()
            .map(|name| GatewayRef {
                name,
                namespace: opt_text(s, "GATEWAY_NAMESPACE")
                    .unwrap_or_else(|| s.str("NAMESPACE").to_string()),
                section: opt_text(s, "GATEWAY_SECTION"),
            }),
        route_timeout_seconds: count(s, "ROUTE_TIMEOUT_SECONDS"),
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
        node_selector: pairs(s, "NODE_SELECTOR"),
        tolerations: tolerations(s, "TOLERATIONS"),
        priority_class_name: opt_text(s, "PRIORITY_CLASS_NAME"),
        runtime: RuntimePool {
            node_selector: s
                .is_set("RUNTIME_NODE_SELECTOR")
                .then(|| pairs(s, "RUNTIME_NODE_SELECTOR")),
            tolerations: s
                .is_set("RUNTIME_TOLERATIONS")
                .then(|| tolerations(s, "RUNTIME_TOLERATIONS")),
            runtime_class_name: opt_text(s, "RUNTIME_CLASS_NAME"),
            nodes: (s.is_set("RUNTIME_NODE_SELECTOR") && s.is_set("RUNTIME_NODES")).then(|| {
                PoolNodes {
                    count: count(s, "RUNTIME_NODES"),
                    cpu: cpu(s, "RUNTIME_NODE_CPU"),
                    memory: memory(s, "RUNTIME_NODE_MEMORY"),
                }
            }),
        },
    }
}

/// A checked list of tolerations.
fn tolerations(s: &Settings, name: &str) -> Vec<Toleration> {
    s.list(name)
        .iter()
        .map(|t| Toleration::from_item(t))
        .collect()
}

fn secrets(s: &Settings) -> Secrets {
    Secrets {
        existing: opt_text(s, "EXISTING_SECRET"),
        needed: super::needed_secrets(s)
            .iter()
            .map(|k| k.name)
            .filter(|k| *k != registry::DATABASE_PASSWORD)
            .collect(),
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
    let mode = word(s, "DATABASE_MODE", DatabaseMode::from_word);
    Database {
        mode,
        external: (mode == DatabaseMode::External).then(|| ExternalDatabase {
            host: Host::new(s.str("DATABASE_HOST")),
            port: u16::try_from(s.int("DATABASE_PORT"))
                .unwrap_or_else(|_| panic!("DATABASE_PORT is validated as a port")),
            name: s.str("DATABASE_NAME").to_string(),
            user: s.str("DATABASE_USER").to_string(),
            sslmode: word(s, "DATABASE_SSLMODE", SslMode::from_word),
            egress: cidrs(s, "DATABASE_EGRESS_CIDRS"),
            password: s.opt("DATABASE_PASSWORD").map(Secret::new),
        }),
        instances: count(s, "POSTGRES_INSTANCES"),
        storage_size: memory(s, "POSTGRES_STORAGE_SIZE"),
        resources: resources_by_ratio(s, "POSTGRES_CPU", 4, "POSTGRES_MEMORY"),
        wal_storage_size: memory_opt(s, "POSTGRES_WAL_STORAGE_SIZE"),
        anti_affinity: word(s, "POSTGRES_ANTI_AFFINITY", AntiAffinity::from_word),
        version: s.str("POSTGRES_VERSION").to_string(),
        operator_namespace: s.str("CNPG_OPERATOR_NAMESPACE").to_string(),
    }
}

fn agents(s: &Settings) -> Agents {
    Agents {
        types: agent_types(s, "AGENT_TYPES"),
        workspace: resources_by_ratio(s, "WORKSPACE_CPU", 2, "WORKSPACE_MEMORY"),
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
        service: pods(
            s,
            "SANDBOX_SERVICE_REPLICAS",
            "SANDBOX_SERVICE_MAX_REPLICAS",
            resources(
                s,
                "SANDBOX_SERVICE_CPU",
                "SANDBOX_SERVICE_CPU_LIMIT",
                "SANDBOX_SERVICE_MEMORY",
            ),
        ),
        pod: resources_by_ratio(s, "SANDBOX_POD_CPU", 4, "SANDBOX_POD_MEMORY"),
    }
}

fn browser(s: &Settings) -> Browser {
    Browser {
        node_port: port(s, "BROWSER_NODE_PORT"),
        turn_host: Host::new(s.str("TURN_HOST")),
        turn_node: s.opt("TURN_NODE").map(Host::new),
        turn_realm: Host::new(s.str("TURN_REALM")),
        public_url: url_opt(s, "BROWSER_PUBLIC_URL"),
        service: pods(
            s,
            "BROWSER_SERVICE_REPLICAS",
            "BROWSER_SERVICE_MAX_REPLICAS",
            resources(
                s,
                "BROWSER_SERVICE_CPU",
                "BROWSER_SERVICE_CPU_LIMIT",
                "BROWSER_SERVICE_MEMORY",
            ),
        ),
        session: resources_by_ratio(s, "BROWSER_SESSION_CPU", 4, "BROWSER_SESSION_MEMORY"),
        turn: resources(s, "TURN_CPU", "TURN_CPU_LIMIT", "TURN_MEMORY"),
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
        pods: pods(
            s,
            "BRIDGE_REPLICAS",
            "BRIDGE_MAX_REPLICAS",
            resources(s, "BRIDGE_CPU", "BRIDGE_CPU_LIMIT", "BRIDGE_MEMORY"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::dotenv;
    use crate::config::validate::{self, testing::run};

    /// Every profile napgen ships, as the golden tests render them.
    const PROFILES: [(&str, &str); 10] = [
        (
            "all-modules",
            include_str!("../../../../../values/all-modules.env"),
        ),
        ("bridge", include_str!("../../../../../values/bridge.env")),
        (
            "browser-only",
            include_str!("../../../../../values/browser-only.env"),
        ),
        (
            "external-ingress",
            include_str!("../../../../../values/external-ingress.env"),
        ),
        ("ingress", include_str!("../../../../../values/ingress.env")),
        (
            "multi-node",
            include_str!("../../../../../values/multi-node.env"),
        ),
        (
            "production",
            include_str!("../../../../../values/production.env"),
        ),
        (
            "sandbox-only",
            include_str!("../../../../../values/sandbox-only.env"),
        ),
        (
            "single-node-everything",
            include_str!("../../../../../values/single-node-everything.env"),
        ),
        (
            "single-node",
            include_str!("../../../../../values/single-node.env"),
        ),
    ];

    fn config_of(text: &str) -> Config {
        let (entries, diagnostics) = dotenv::parse_dotenv(text, "values.env");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        validate::validate(&entries).config.expect("valid values")
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
        assert_eq!(config.agents.workspace.cpu.millis(), 500);
        assert_eq!(config.agents.workspace.memory.mib(), 1536);
    }

    #[test]
    fn secrets_are_kept_by_their_key_and_never_debug_printed() {
        let config = config_of(PROFILES[0].1);
        let key = &config.secrets.values["TOS_SECRET_KEY"];
        assert_eq!(key.expose().len(), 64);
        let shown = format!("{config:?}");
        assert!(!shown.contains(key.expose()), "{shown}");
    }

    #[test]
    fn a_profile_reads_into_its_typed_fields() {
        let production = config_of(PROFILES[6].1);
        assert_eq!(
            production.secrets.existing.as_deref(),
            Some("nap-secrets-managed")
        );
        assert!(production.secrets.values.is_empty());
        assert!(production.secrets.needed.contains(&"TOS_SECRET_KEY"));
        assert!(!production.secrets.all_given());
        assert!(production.sandbox.is_some());
    }

    #[test]
    fn a_bad_value_leaves_no_config() {
        let v = run(&[("NODE_MEMORY", "lots")]);
        assert!(v.errors().any(|d| d.key.as_deref() == Some("NODE_MEMORY")));
        assert!(v.config.is_none() && v.settings.is_none());
    }

    #[test]
    fn a_broken_relation_leaves_no_config() {
        let v = run(&[
            ("SANDBOX_ENABLED", "true"),
            ("TOS_NODE_PORT", "30100"),
            ("SANDBOX_NODE_PORT", "30100"),
        ]);
        assert!(v
            .errors()
            .any(|d| d.key.as_deref() == Some("SANDBOX_NODE_PORT")));
        assert!(v.config.is_none() && v.settings.is_none());
    }

    #[test]
    fn warnings_alone_keep_the_config() {
        let v = run(&[("NO_PROXY", "example.com")]);
        assert!(v.errors().next().is_none());
        assert!(!v.diagnostics.is_empty());
        let config = v.config.expect("warnings do not invalidate");
        assert_eq!(config.outbound.no_proxy, ["example.com"]);
        assert!(config.outbound.http_proxy.is_none());
    }
}

//! The one registry of values.env keys: name, type, default, module, when it is required, and a
//! one-line description. `keys`, `explain`, `init`, the chart's `values.schema.json` and the docs are
//! all generated from [`KEYS`].

use crate::config::settings::Settings;
use crate::config::types::Cpu;
use crate::diagnostic::Shown;

/// What kind of value a key holds; decides how it is parsed and validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// `true` or `false`.
    Bool,
    /// A Kubernetes NodePort, 30000–32767.
    NodePort,
    /// A whole number in an inclusive range.
    Int { min: i64, max: i64 },
    /// A Kubernetes storage quantity such as `500Gi`.
    Size,
    /// A Kubernetes CPU quantity such as `500m` or `2`.
    Cpu,
    /// An absolute `http(s)://` URL with no trailing slash, query or fragment.
    Url,
    /// An `ldap://` or `ldaps://` URL.
    LdapUrl,
    /// An `http(s)://host[:port]` proxy URL, without credentials or path.
    ProxyUrl,
    /// A bare hostname or IP address (no scheme, no port, no path).
    Host,
    /// An e-mail address.
    Email,
    /// A secret of at least `min_len` characters; never printed.
    Secret { min_len: usize },
    /// One of the listed words.
    Enum(&'static [&'static str]),
    /// A comma-separated list of the listed words, without repeats.
    EnumList(&'static [&'static str]),
    /// A comma-separated list of IPv4/IPv6 CIDR blocks.
    CidrList,
    /// A DNS-1123 label (namespace, StorageClass and Secret names).
    Name,
    /// A registry host with optional port and path, no scheme (`mirror.example.com:5000/nap`).
    Registry,
    /// An image tag (no `latest`).
    ImageTag,
    /// A comma-separated list of Kubernetes names.
    NameList,
    /// A comma-separated list of `image=sha256:<64 hex>` pins, by the image names in [`IMAGE_NAMES`].
    DigestList,
    /// A comma-separated list of Kubernetes labels, `key=value`.
    LabelList,
    /// Labels napgen adds to its objects' metadata: a [`KeyType::LabelList`] without the keys
    /// napgen owns or that weaken security.
    MetadataLabels,
    /// A comma-separated list of annotations, `key=value` (a value holds no comma), without the
    /// keys napgen owns or that weaken security.
    Annotations,
    /// A comma-separated list of model name pairs, `agent-name=upstream-name`.
    ModelMap,
    /// A comma-separated list of tolerations, `key[=value][:Effect]`.
    TolerationList,
    /// A comma-separated list of NO_PROXY entries: hosts, `.domain` suffixes, IPs and CIDR blocks.
    NoProxyList,
    /// An absolute path (`/srv/nap`).
    AbsPath,
    /// A comma-separated list of words without spaces (mount options).
    WordList,
    /// An S3 location, `s3://bucket[/path]`.
    S3Path,
    /// A barman retention policy: a positive number and `d`, `w` or `m` (`30d`).
    Retention,
    /// A six-field cron schedule with seconds first, as CloudNativePG's ScheduledBackup takes it.
    Cron,
    /// A PostgreSQL identifier that needs no quoting: a lower-case letter or `_`, then at most
    /// 62 lower-case letters, digits and `_` (a role or database name).
    SqlName,
    /// Free-form text.
    String,
}

impl KeyType {
    /// The short type name shown by `keys`/`explain`.
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Bool => "bool",
            KeyType::NodePort => "port",
            KeyType::Int { .. } => "int",
            KeyType::Size => "size",
            KeyType::Cpu => "cpu",
            KeyType::Url | KeyType::LdapUrl | KeyType::ProxyUrl => "url",
            KeyType::Host => "host",
            KeyType::Email => "email",
            KeyType::Secret { .. } => "secret",
            KeyType::Enum(_) => "enum",
            KeyType::EnumList(_)
            | KeyType::CidrList
            | KeyType::NameList
            | KeyType::DigestList
            | KeyType::LabelList
            | KeyType::MetadataLabels
            | KeyType::Annotations
            | KeyType::ModelMap
            | KeyType::TolerationList
            | KeyType::NoProxyList
            | KeyType::WordList => "list",
            KeyType::AbsPath => "path",
            KeyType::S3Path => "url",
            KeyType::Retention => "duration",
            KeyType::Cron => "cron",
            KeyType::Name => "name",
            KeyType::Registry => "registry",
            KeyType::ImageTag => "tag",
            KeyType::SqlName => "identifier",
            KeyType::String => "string",
        }
    }

    pub fn is_secret(self) -> bool {
        matches!(self, KeyType::Secret { .. })
    }
}

/// A key's default: none, a fixed value, or one derived from other settings (the profile, say).
#[derive(Clone, Copy)]
pub enum Default {
    None,
    Value(&'static str),
    /// `doc` says in words what `compute` does; `compute` sees only non-derived settings.
    Derived {
        doc: &'static str,
        compute: fn(&Settings) -> Option<String>,
    },
}

impl Default {
    /// How the default reads in docs (`""` when there is none).
    pub fn doc(&self) -> &'static str {
        match self {
            Default::None => "",
            Default::Value(v) => v,
            Default::Derived { doc, .. } => doc,
        }
    }
}

/// The part of the install a key belongs to. Keys of a module that is off are not validated for
/// presence, and setting them is reported as having no effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Module {
    Core,
    Storage,
    Database,
    Backup,
    Admin,
    Codex,
    ClaudeCode,
    Sandbox,
    Browser,
    Ldap,
    Monitoring,
    Bridge,
}

impl Module {
    pub const ALL: [Module; 12] = [
        Module::Core,
        Module::Storage,
        Module::Database,
        Module::Backup,
        Module::Admin,
        Module::Codex,
        Module::ClaudeCode,
        Module::Sandbox,
        Module::Browser,
        Module::Ldap,
        Module::Monitoring,
        Module::Bridge,
    ];

    /// The name used in docs, `--only` and `init --with`.
    pub fn name(self) -> &'static str {
        match self {
            Module::Core => "core",
            Module::Storage => "storage",
            Module::Database => "database",
            Module::Backup => "backup",
            Module::Admin => "admin",
            Module::Codex => "codex",
            Module::ClaudeCode => "claude-code",
            Module::Sandbox => "sandbox",
            Module::Browser => "browser",
            Module::Ldap => "ldap",
            Module::Monitoring => "monitoring",
            Module::Bridge => "bridge",
        }
    }

    /// A one-line heading for the module's section in generated files and docs.
    pub fn title(self) -> &'static str {
        match self {
            Module::Core => "Core platform: namespace, profile, images, how users reach it",
            Module::Storage => "Storage: the shared directory (RWX) and volumes (RWO)",
            Module::Database => "PostgreSQL: a CloudNativePG Cluster or an external server",
            Module::Backup => {
                "PostgreSQL backups to S3-compatible storage (CloudNativePG barman-cloud plugin)"
            }
            Module::Admin => "First administrator (seeded once)",
            Module::Codex => "Codex agents (OpenAI Responses API)",
            Module::ClaudeCode => "Claude Code agents (Anthropic API)",
            Module::Sandbox => "Code Sandbox (needs OpenSandbox)",
            Module::Browser => "Remote Browser with its TURN relay (coturn)",
            Module::Ldap => "LDAP sign-in",
            Module::Monitoring => "Monitoring with the Prometheus operator",
            Module::Bridge => {
                "LLM protocol bridge (LiteLLM proxy): Anthropic and Responses APIs over a Chat Completions upstream"
            }
        }
    }

    /// Whether the module is part of this configuration.
    pub fn enabled(self, settings: &Settings) -> bool {
        match self {
            Module::Core | Module::Storage | Module::Database | Module::Admin => true,
            Module::Codex => settings.list("AGENT_TYPES").iter().any(|t| t == "codex"),
            Module::ClaudeCode => settings
                .list("AGENT_TYPES")
                .iter()
                .any(|t| t == "claude-code"),
            Module::Sandbox => settings.bool("SANDBOX_ENABLED"),
            Module::Browser => settings.bool("BROWSER_ENABLED"),
            Module::Backup => settings.bool("BACKUP_ENABLED"),
            Module::Ldap => settings.bool("LDAP_ENABLED"),
            Module::Monitoring => settings.bool("MONITORING_ENABLED"),
            Module::Bridge => settings.bool("BRIDGE_ENABLED"),
        }
    }

    /// The key that switches the module on, if it has one.
    pub fn toggle(self) -> Option<&'static str> {
        match self {
            Module::Codex | Module::ClaudeCode => Some("AGENT_TYPES"),
            Module::Sandbox => Some("SANDBOX_ENABLED"),
            Module::Browser => Some("BROWSER_ENABLED"),
            Module::Backup => Some("BACKUP_ENABLED"),
            Module::Ldap => Some("LDAP_ENABLED"),
            Module::Monitoring => Some("MONITORING_ENABLED"),
            Module::Bridge => Some("BRIDGE_ENABLED"),
            _ => None,
        }
    }
}

/// When a key must have a value.
#[derive(Clone, Copy)]
pub enum Required {
    /// Never: the key is optional or has a default.
    No,
    /// Whenever its module is enabled.
    WhenEnabled,
    /// When `test` holds (and the module is enabled); `doc` says when in words.
    When {
        doc: &'static str,
        test: fn(&Settings) -> bool,
    },
}

impl Required {
    /// How the requirement reads in docs.
    pub fn doc(&self, module: Module) -> String {
        match self {
            Required::No => "no".into(),
            Required::WhenEnabled => match module.toggle() {
                None => "yes".into(),
                Some(_) => format!("when {} is enabled", module.name()),
            },
            Required::When { doc, .. } => (*doc).into(),
        }
    }
}

/// One values.env key.
pub struct Key {
    pub name: &'static str,
    pub ty: KeyType,
    pub default: Default,
    pub module: Module,
    pub required: Required,
    /// One line, ending without a period.
    pub description: &'static str,
}

impl Key {
    pub fn is_secret(&self) -> bool {
        self.ty.is_secret()
    }

    /// Whether a quoted value of this key may span lines: only PEM text does. Any other key's
    /// quote must close on its line (see `load`).
    pub fn spans_lines(&self) -> bool {
        matches!(self.name, "CA_BUNDLE" | "LDAP_CA_CERT")
    }
}

/// Look a key up by its exact name.
pub fn key(name: &str) -> Option<&'static Key> {
    position(name).map(|at| &KEYS[at])
}

/// Where a key is in [`KEYS`], by its exact name.
pub fn position(name: &str) -> Option<usize> {
    KEYS.iter().position(|k| k.name == name)
}

/// Secrets are 64 hex characters when `napgen init` makes them; people may choose their own, but
/// not shorter than this.
const SECRET: KeyType = KeyType::Secret { min_len: 32 };

pub const PROFILES: &[&str] = &["single-node", "multi-node"];
pub const PLATFORMS: &[&str] = &["kubernetes", "openshift"];
pub const INGRESS_MODES: &[&str] = &["nodeport", "external", "ingress", "gateway", "route"];
/// The annotations napgen sets on the Ingress objects itself, each with the key that decides it;
/// INGRESS_ANNOTATIONS may not set them (it would silently replace napgen's value).
pub const NAPGEN_INGRESS_ANNOTATIONS: &[(&str, &str)] = &[
    (
        "nginx.ingress.kubernetes.io/proxy-read-timeout",
        "ROUTE_TIMEOUT_SECONDS",
    ),
    (
        "nginx.ingress.kubernetes.io/proxy-send-timeout",
        "ROUTE_TIMEOUT_SECONDS",
    ),
    ("haproxy.org/timeout-server", "ROUTE_TIMEOUT_SECONDS"),
    (
        "projectcontour.io/response-timeout",
        "ROUTE_TIMEOUT_SECONDS",
    ),
    (
        "projectcontour.io/websocket-routes",
        "the public URL's path",
    ),
    ("cert-manager.io/cluster-issuer", "CERT_MANAGER_ISSUER"),
    ("cert-manager.io/issuer", "CERT_MANAGER_ISSUER"),
];
/// The kinds of cert-manager issuer CERT_MANAGER_ISSUER names.
pub const ISSUER_KINDS: &[&str] = &["ClusterIssuer", "Issuer"];
pub const AGENT_TYPES: &[&str] = &["codex", "claude-code"];
pub const PULL_POLICIES: &[&str] = &["IfNotPresent", "Always", "Never"];
pub const ANTI_AFFINITY_TYPES: &[&str] = &["preferred", "required"];
/// Where PostgreSQL runs (DATABASE_MODE): a CloudNativePG Cluster napgen renders, or a server
/// the operator runs.
pub const DATABASE_MODES: &[&str] = &["cloudnative-pg", "external"];
/// libpq's `sslmode` values, weakest first.
pub const SSL_MODES: &[&str] = &[
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];
/// Taint effects a toleration names.
pub const TAINT_EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];
/// The short names of every image napgen can render, as IMAGE_DIGESTS names them.
pub const IMAGE_NAMES: &[&str] = &[
    "control-plane",
    "channel-gateway",
    "postgresql",
    "agent-codex",
    "agent-claude-code",
    "sandbox-service",
    "sandbox-runtime",
    "browser-service",
    "headful-chromium",
    "coturn",
    "litellm",
];

fn multi_node(s: &Settings) -> bool {
    s.str("PROFILE") == "multi-node"
}

/// Two replicas on multi-node (one survives a node drain), one on a single node.
fn replicas_by_profile(s: &Settings) -> Option<String> {
    Some(if multi_node(s) { "2" } else { "1" }.into())
}

/// `n` times the CPU quantity of key `request`: the default of a CPU limit. None while the
/// request is invalid (validation reports it).
fn cpu_times(s: &Settings, request: &str, n: u64) -> Option<String> {
    let text = s.opt(request)?;
    Cpu::parse(text, &Shown::literal(text))
        .ok()
        .map(|cpu| cpu.times(n))
}

fn runtime_pool(s: &Settings) -> bool {
    s.is_set("RUNTIME_NODE_SELECTOR")
}

fn behind_ingress(s: &Settings) -> bool {
    s.str("INGRESS_MODE") != "nodeport"
}

fn gateway_mode(s: &Settings) -> bool {
    s.str("INGRESS_MODE") == "gateway"
}

/// k3s ships the local-path provisioner; on a single node a ReadWriteOnce volume is shared by
/// every pod, so it serves as the shared directory too.
fn local_path_on_single_node(s: &Settings) -> Option<String> {
    (!multi_node(s)).then(|| "local-path".to_string())
}

/// The StorageClass napgen renders for NFS_SERVER: `<NAMESPACE>-nfs` (cluster-scoped, so the
/// namespace keeps two installs apart).
pub fn nfs_storage_class(s: &Settings) -> String {
    format!("{}-nfs", s.str("NAMESPACE"))
}

/// The external server's password: a secret of values.env that goes into the connection Secret,
/// not the platform Secret.
pub const DATABASE_PASSWORD: &str = "DATABASE_PASSWORD";

/// Whether the platform uses a PostgreSQL server the operator runs (DATABASE_MODE=external).
pub fn external_database(s: &Settings) -> bool {
    s.str("DATABASE_MODE") == "external"
}

fn nfs_server_set(s: &Settings) -> bool {
    s.is_set("NFS_SERVER")
}

/// Every key napgen reads, grouped by module in the order docs show them.
pub static KEYS: &[Key] = &[
    // ---- core
    Key {
        name: "NAMESPACE",
        ty: KeyType::Name,
        default: Default::Value("nap"),
        module: Module::Core,
        required: Required::No,
        description: "Namespace the platform is installed into",
    },
    Key {
        name: "PROFILE",
        ty: KeyType::Enum(PROFILES),
        default: Default::Value("single-node"),
        module: Module::Core,
        required: Required::No,
        description: "single-node (one k3s node, one replica of each, local storage) or multi-node (Kubernetes >=1.28 with 3+ workers: replicas, disruption budgets, spread, 3 PostgreSQL instances)",
    },
    Key {
        name: "PLATFORM",
        ty: KeyType::Enum(PLATFORMS),
        default: Default::Value("kubernetes"),
        module: Module::Core,
        required: Required::No,
        description: "kubernetes (every pod and run-time pod template runs as a fixed UID/GID: 10001 with fsGroup 10001, coturn 65534) or openshift (4.11+: no fixed runAsUser, runAsGroup or fsGroup, so the restricted-v2 SCC assigns them from the namespace's range; coturn's host network through the hostnetwork-v2 SCC, which napgen prereqs and napgen rbac grant)",
    },
    Key {
        name: "NAP_VERSION",
        ty: KeyType::ImageTag,
        default: Default::Value("1.8.0"),
        module: Module::Core,
        required: Required::No,
        description: "Platform release whose images are installed (the image tag of every platform image)",
    },
    Key {
        name: "REGISTRY",
        ty: KeyType::Registry,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Mirror that every image is pulled from instead of ghcr.io/docker.io/registry.k8s.io, as host[:port][/path]; leave empty to pull from the public registries",
    },
    Key {
        name: "IMAGE_PULL_POLICY",
        ty: KeyType::Enum(PULL_POLICIES),
        default: Default::Value("IfNotPresent"),
        module: Module::Core,
        required: Required::No,
        description: "imagePullPolicy of every container, including the pods the platform creates at run time",
    },
    Key {
        name: "IMAGE_DIGESTS",
        ty: KeyType::DigestList,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Digest pins, name=sha256:<hex> separated by commas (names: control-plane, channel-gateway, postgresql, agent-codex, agent-claude-code, sandbox-service, sandbox-runtime, browser-service, headful-chromium, coturn); pinned images are pulled as tag@digest",
    },
    Key {
        name: "IMAGE_PULL_SECRETS",
        ty: KeyType::NameList,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Secrets (kubernetes.io/dockerconfigjson, in the namespace) every pod pulls images with, including the pods the platform creates at run time",
    },
    Key {
        name: "TOS_HOST",
        ty: KeyType::Host,
        default: Default::Derived {
            doc: "127.0.0.1 on single-node; none on multi-node",
            compute: |s| (!multi_node(s)).then(|| "127.0.0.1".to_string()),
        },
        module: Module::Core,
        required: Required::WhenEnabled,
        description: "Hostname or IP of a node users reach; NodePort URLs and default OAuth redirect URIs are built on it",
    },
    Key {
        name: "TOS_NODE_PORT",
        ty: KeyType::NodePort,
        default: Default::Value("30080"),
        module: Module::Core,
        required: Required::No,
        description: "NodePort of the platform's web entry (control plane and channel webhooks)",
    },
    Key {
        name: "INGRESS_MODE",
        ty: KeyType::Enum(INGRESS_MODES),
        default: Default::Value("nodeport"),
        module: Module::Core,
        required: Required::No,
        description: "nodeport: services on NodePorts of TOS_HOST; external: ClusterIP services behind your own ingress (every *_PUBLIC_URL required); ingress: napgen renders Ingress objects for the public URLs; gateway: HTTPRoutes (Gateway API) attached to your Gateway (GATEWAY_NAME); route: OpenShift Routes with edge TLS",
    },
    Key {
        name: "TOS_PUBLIC_URL",
        ty: KeyType::Url,
        default: Default::None,
        module: Module::Core,
        required: Required::When { doc: "when INGRESS_MODE is not nodeport", test: behind_ingress },
        description: "Public origin of the platform when it is served through an ingress (no trailing slash); defaults to http://TOS_HOST:TOS_NODE_PORT",
    },
    Key {
        name: "INGRESS_CLASS",
        ty: KeyType::Name,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "IngressClass of the rendered Ingress objects (INGRESS_MODE=ingress); empty uses the cluster's default class",
    },
    Key {
        name: "INGRESS_TLS_SECRET",
        ty: KeyType::Name,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "kubernetes.io/tls Secret, in the namespace, that the rendered Ingress objects serve (INGRESS_MODE=ingress)",
    },
    Key {
        name: "INGRESS_ANNOTATIONS",
        ty: KeyType::Annotations,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Extra annotations of the rendered Ingress objects (INGRESS_MODE=ingress), key=value separated by commas (values without commas); annotations napgen sets itself (timeouts, cert-manager) are refused here: use their keys",
    },
    Key {
        name: "CERT_MANAGER_ISSUER",
        ty: KeyType::Name,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "cert-manager issuer of the rendered Ingress objects' certificates (INGRESS_MODE=ingress): sets cert-manager.io/cluster-issuer (or issuer) and a TLS Secret <ingress>-tls per https host; cert-manager's ingress-shim makes the Certificates",
    },
    Key {
        name: "CERT_MANAGER_ISSUER_KIND",
        ty: KeyType::Enum(ISSUER_KINDS),
        default: Default::Value("ClusterIssuer"),
        module: Module::Core,
        required: Required::No,
        description: "Kind of CERT_MANAGER_ISSUER: ClusterIssuer (cluster-wide) or Issuer (in the namespace)",
    },
    Key {
        name: "GATEWAY_NAME",
        ty: KeyType::Name,
        default: Default::None,
        module: Module::Core,
        required: Required::When { doc: "when INGRESS_MODE is gateway", test: gateway_mode },
        description: "Gateway (gateway.networking.k8s.io/v1) the HTTPRoutes attach to (INGRESS_MODE=gateway); napgen does not render it: it belongs to the cluster",
    },
    Key {
        name: "GATEWAY_NAMESPACE",
        ty: KeyType::Name,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Namespace of GATEWAY_NAME; empty means the platform's NAMESPACE. Its listener must allow routes from the platform's namespace (allowedRoutes)",
    },
    Key {
        name: "GATEWAY_SECTION",
        ty: KeyType::Name,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Listener of the Gateway the HTTPRoutes attach to (parentRefs sectionName); empty attaches to every listener that admits them",
    },
    Key {
        name: "ROUTE_TIMEOUT_SECONDS",
        ty: KeyType::Int { min: 60, max: 86400 },
        default: Default::Value("3600"),
        module: Module::Core,
        required: Required::No,
        description: "How long one request through the rendered Ingress, HTTPRoute or Route objects may last, in seconds: streamed agent responses and the browser's live view hold a connection open (HTTPRoute timeouts, haproxy.router.openshift.io/timeout, and ingress-nginx, HAProxy and Contour timeout annotations)",
    },
    Key {
        name: "CLUSTER_POD_CIDRS",
        ty: KeyType::CidrList,
        default: Default::Derived {
            doc: "10.42.0.0/16 on single-node (k3s), 10.244.0.0/16 on multi-node (kubeadm)",
            compute: |s| Some(if multi_node(s) { "10.244.0.0/16" } else { "10.42.0.0/16" }.into()),
        },
        module: Module::Core,
        required: Required::No,
        description: "The cluster's pod CIDR blocks, kept out of reach of the TURN relay and of agent egress",
    },
    Key {
        name: "CLUSTER_SERVICE_CIDRS",
        ty: KeyType::CidrList,
        default: Default::Derived {
            doc: "10.43.0.0/16 on single-node (k3s), 10.96.0.0/12 on multi-node (kubeadm)",
            compute: |s| Some(if multi_node(s) { "10.96.0.0/12" } else { "10.43.0.0/16" }.into()),
        },
        module: Module::Core,
        required: Required::No,
        description: "The cluster's service CIDR blocks, kept out of reach of the TURN relay and of agent egress",
    },
    Key {
        name: "AGENT_EGRESS_ALLOW_CIDRS",
        ty: KeyType::CidrList,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Private CIDR blocks agent, sandbox and browser pods may reach (e.g. an internal LLM gateway); by default they reach only the internet, never metadata, private or cluster ranges",
    },
    Key {
        name: "CA_BUNDLE",
        ty: KeyType::String,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "PEM CA certificates (a double-quoted multi-line value) every platform pod and run-time pod trusts instead of its image's own store, so include the public roots the platform reaches too",
    },
    Key {
        name: "CA_BUNDLE_CONFIG_MAP",
        ty: KeyType::Name,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Existing ConfigMap in the namespace (trust-manager's Bundle target, say) whose key ca.crt is the CA bundle; use instead of CA_BUNDLE",
    },
    Key {
        name: "HTTP_PROXY",
        ty: KeyType::ProxyUrl,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Proxy for http:// requests of every platform pod and run-time pod, http://host:port (a proxy that needs credentials is not supported)",
    },
    Key {
        name: "HTTPS_PROXY",
        ty: KeyType::ProxyUrl,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Proxy for https:// requests of every platform pod and run-time pod, http://host:port (a proxy that needs credentials is not supported)",
    },
    Key {
        name: "NO_PROXY",
        ty: KeyType::NoProxyList,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Hosts, .domain suffixes, IPs and CIDR blocks reached without the proxy, in addition to the cluster's CIDRs, .svc, .cluster.local, localhost and the platform's services, which napgen adds",
    },
    Key {
        name: "NODE_SELECTOR",
        ty: KeyType::LabelList,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Node labels, key=value separated by commas, that every platform pod and the pods it creates at run time (workspaces, sandboxes, browser sessions) are scheduled on",
    },
    Key {
        name: "COMMON_LABELS",
        ty: KeyType::MetadataLabels,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Labels on every object napgen renders and every pod (the pods created at run time too), key=value separated by commas: cost allocation, ownership, admission policies. Never part of a selector, so changing them never meets an immutable field",
    },
    Key {
        name: "POD_LABELS",
        ty: KeyType::MetadataLabels,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Labels on every pod (platform workloads, seed Jobs, coturn and the workspace, sandbox and browser-session pods created at run time), key=value separated by commas: service-mesh or policy selection, workload identity (azure.workload.identity/use=true). Never part of a selector",
    },
    Key {
        name: "POD_ANNOTATIONS",
        ty: KeyType::Annotations,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Annotations on every pod, the run-time pods included, key=value separated by commas (a value holds no comma): Vault agent injection, Datadog, Istio settings. napgen's own checksum/ annotations stay per workload",
    },
    Key {
        name: "SERVICE_ANNOTATIONS",
        ty: KeyType::Annotations,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Annotations on every Service, key=value separated by commas (a value holds no comma): load-balancer or service-mesh settings, external-dns",
    },
    Key {
        name: "SERVICE_ACCOUNT_ANNOTATIONS",
        ty: KeyType::Annotations,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Annotations on every ServiceAccount, key=value separated by commas: cloud workload identity (eks.amazonaws.com/role-arn=..., iam.gke.io/gcp-service-account=...), so that backups and LLM endpoints can use a cloud role instead of static keys",
    },
    Key {
        name: "TOLERATIONS",
        ty: KeyType::TolerationList,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Taints every platform pod and run-time pod tolerates, separated by commas: key=value:Effect (Equal), key:Effect (Exists), key=value or key for every effect; Effect is NoSchedule, PreferNoSchedule or NoExecute",
    },
    Key {
        name: "PRIORITY_CLASS_NAME",
        ty: KeyType::Name,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "PriorityClass of the platform's own pods (control plane, gateway, services, PostgreSQL, seed Jobs, coturn), not of workspace, sandbox or browser-session pods",
    },
    Key {
        name: "RUNTIME_NODE_SELECTOR",
        ty: KeyType::LabelList,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Node labels, key=value separated by commas, of a pool of their own for the pods the platform creates at run time (workspaces, sandboxes, browser sessions), which run model-written code; replaces NODE_SELECTOR for them only. With RUNTIME_NODES, check counts workspaces on that pool",
    },
    Key {
        name: "RUNTIME_TOLERATIONS",
        ty: KeyType::TolerationList,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Taints the run-time pods tolerate instead of TOLERATIONS (taint the pool, e.g. sandbox=true:NoSchedule, so that nothing else lands there), same syntax as TOLERATIONS",
    },
    Key {
        name: "RUNTIME_CLASS_NAME",
        ty: KeyType::Name,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "RuntimeClass of the run-time pods only (gvisor, kata, sysbox-runc): a sandboxing runtime for model-written code; the RuntimeClass and its handler must exist on the pool's nodes",
    },
    Key {
        name: "RUNTIME_NODES",
        ty: KeyType::Int { min: 1, max: 10000 },
        default: Default::None,
        module: Module::Core,
        required: Required::When { doc: "when RUNTIME_NODE_SELECTOR is set", test: runtime_pool },
        description: "Nodes in the run-time pool (RUNTIME_NODE_SELECTOR); check counts the workspaces that fit on them, and the platform on CLUSTER_NODES",
    },
    Key {
        name: "RUNTIME_NODE_CPU",
        ty: KeyType::Cpu,
        default: Default::Derived {
            doc: "NODE_CPU",
            compute: |s| Some(s.str("NODE_CPU").to_string()),
        },
        module: Module::Core,
        required: Required::No,
        description: "CPU of each node of the run-time pool",
    },
    Key {
        name: "RUNTIME_NODE_MEMORY",
        ty: KeyType::Size,
        default: Default::Derived {
            doc: "NODE_MEMORY",
            compute: |s| Some(s.str("NODE_MEMORY").to_string()),
        },
        module: Module::Core,
        required: Required::No,
        description: "Memory of each node of the run-time pool",
    },
    Key {
        name: "CONTROL_PLANE_REPLICAS",
        ty: KeyType::Int { min: 1, max: 10 },
        default: Default::Derived { doc: "2 on multi-node, 1 on single-node", compute: replicas_by_profile },
        module: Module::Core,
        required: Required::No,
        description: "Replicas of the control plane; on multi-node more than one also gets a PodDisruptionBudget",
    },
    Key {
        name: "GATEWAY_REPLICAS",
        ty: KeyType::Int { min: 1, max: 10 },
        default: Default::Derived { doc: "2 on multi-node, 1 on single-node", compute: replicas_by_profile },
        module: Module::Core,
        required: Required::No,
        description: "Replicas of the channel gateway; on multi-node more than one also gets a PodDisruptionBudget",
    },
    Key {
        name: "CONTROL_PLANE_CPU",
        ty: KeyType::Cpu,
        default: Default::Value("250m"),
        module: Module::Core,
        required: Required::No,
        description: "CPU requested by each control plane pod (its limit is CONTROL_PLANE_CPU_LIMIT)",
    },
    Key {
        name: "CONTROL_PLANE_CPU_LIMIT",
        ty: KeyType::Cpu,
        default: Default::Derived { doc: "4 × CONTROL_PLANE_CPU", compute: |s| cpu_times(s, "CONTROL_PLANE_CPU", 4) },
        module: Module::Core,
        required: Required::No,
        description: "CPU limit of each control plane pod; at least CONTROL_PLANE_CPU",
    },
    Key {
        name: "CONTROL_PLANE_MEMORY",
        ty: KeyType::Size,
        default: Default::Value("512Mi"),
        module: Module::Core,
        required: Required::No,
        description: "Memory requested by, and the limit of, each control plane pod",
    },
    Key {
        name: "CONTROL_PLANE_MAX_REPLICAS",
        ty: KeyType::Int { min: 2, max: 50 },
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Most replicas of the control plane: setting it adds a HorizontalPodAutoscaler between CONTROL_PLANE_REPLICAS and this, on AUTOSCALING_CPU_PERCENT (the Deployment then leaves its replica count to it)",
    },
    Key {
        name: "GATEWAY_CPU",
        ty: KeyType::Cpu,
        default: Default::Value("100m"),
        module: Module::Core,
        required: Required::No,
        description: "CPU requested by each channel gateway pod (its limit is GATEWAY_CPU_LIMIT)",
    },
    Key {
        name: "GATEWAY_CPU_LIMIT",
        ty: KeyType::Cpu,
        default: Default::Derived { doc: "5 × GATEWAY_CPU", compute: |s| cpu_times(s, "GATEWAY_CPU", 5) },
        module: Module::Core,
        required: Required::No,
        description: "CPU limit of each channel gateway pod; at least GATEWAY_CPU",
    },
    Key {
        name: "GATEWAY_MEMORY",
        ty: KeyType::Size,
        default: Default::Value("256Mi"),
        module: Module::Core,
        required: Required::No,
        description: "Memory requested by, and the limit of, each channel gateway pod",
    },
    Key {
        name: "GATEWAY_MAX_REPLICAS",
        ty: KeyType::Int { min: 2, max: 50 },
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Most replicas of the channel gateway: setting it adds a HorizontalPodAutoscaler between GATEWAY_REPLICAS and this, on AUTOSCALING_CPU_PERCENT (the Deployment then leaves its replica count to it)",
    },
    Key {
        name: "AUTOSCALING_CPU_PERCENT",
        ty: KeyType::Int { min: 10, max: 400 },
        default: Default::Value("75"),
        module: Module::Core,
        required: Required::No,
        description: "CPU use, in percent of what each pod requests, that the HorizontalPodAutoscalers of *_MAX_REPLICAS keep on average (needs the cluster's metrics-server)",
    },
    Key {
        name: "EXISTING_SECRET",
        ty: KeyType::Name,
        default: Default::None,
        module: Module::Core,
        required: Required::No,
        description: "Secret you manage (External Secrets, Sealed Secrets, SOPS) that holds every platform secret, in the namespace and, for the TURN relay, in <NAMESPACE>-turn; the bundle then contains no secret value",
    },
    Key {
        name: "TOS_SECRET_KEY",
        ty: SECRET,
        default: Default::None,
        module: Module::Core,
        required: Required::WhenEnabled,
        description: "Key that signs the platform's sessions and OAuth tokens (openssl rand -hex 32)",
    },
    // ---- storage
    Key {
        name: "RWX_STORAGE_CLASS",
        ty: KeyType::Name,
        default: Default::Derived {
            doc: "<NAMESPACE>-nfs when NFS_SERVER is set; else local-path on single-node, none on multi-node",
            compute: |s| if nfs_server_set(s) { Some(nfs_storage_class(s)) } else { local_path_on_single_node(s) },
        },
        module: Module::Storage,
        required: Required::WhenEnabled,
        description: "StorageClass of a ReadWriteMany CSI (NFS is the most common) for the shared directory (AFS)",
    },
    Key {
        name: "RWO_STORAGE_CLASS",
        ty: KeyType::Name,
        default: Default::Derived { doc: "local-path on single-node; none on multi-node", compute: local_path_on_single_node },
        module: Module::Storage,
        required: Required::WhenEnabled,
        description: "StorageClass for PostgreSQL data volumes and agent workspace disks (ReadWriteOnce)",
    },
    Key {
        name: "NFS_SERVER",
        ty: KeyType::Host,
        default: Default::None,
        module: Module::Storage,
        required: Required::No,
        description: "NFS server for which napgen renders StorageClass <NAMESPACE>-nfs (csi-driver-nfs, nfs.csi.k8s.io, volumes retained), used for the shared directory",
    },
    Key {
        name: "NFS_SHARE",
        ty: KeyType::AbsPath,
        default: Default::None,
        module: Module::Storage,
        required: Required::When { doc: "when NFS_SERVER is set", test: nfs_server_set },
        description: "Exported path on NFS_SERVER under which volumes are created, e.g. /srv/nap",
    },
    Key {
        name: "NFS_SUBDIR",
        ty: KeyType::String,
        default: Default::None,
        module: Module::Storage,
        required: Required::No,
        description: "Sub-directory of each volume under NFS_SHARE, a csi-driver-nfs subDir template such as ${pvc.metadata.namespace}/${pvc.metadata.name} (in single quotes); empty lets the driver name it",
    },
    Key {
        name: "NFS_MOUNT_OPTIONS",
        ty: KeyType::WordList,
        default: Default::Value("nfsvers=4.1"),
        module: Module::Storage,
        required: Required::No,
        description: "Mount options of the NFS StorageClass, separated by commas",
    },
    Key {
        name: "SHARED_DIR_SIZE",
        ty: KeyType::Size,
        default: Default::Value("500Gi"),
        module: Module::Storage,
        required: Required::No,
        description: "Size of the shared directory (AFS) all agents share",
    },
    Key {
        name: "WORKSPACE_DISK_SIZE",
        ty: KeyType::Size,
        default: Default::Value("20Gi"),
        module: Module::Storage,
        required: Required::No,
        description: "Size of each workspace's own disk",
    },
    // ---- database
    Key {
        name: "DATABASE_MODE",
        ty: KeyType::Enum(DATABASE_MODES),
        default: Default::Value("cloudnative-pg"),
        module: Module::Database,
        required: Required::No,
        description: "cloudnative-pg: napgen renders a CloudNativePG Cluster (install the operator first); external: the platform uses a PostgreSQL server you run (RDS, Cloud SQL, Azure Database, your DBA's), set by the DATABASE_* keys, with no Cluster, operator or backups rendered. Switching on an installed platform moves no data",
    },
    Key {
        name: "DATABASE_HOST",
        ty: KeyType::Host,
        default: Default::None,
        module: Module::Database,
        required: Required::When { doc: "when DATABASE_MODE is external", test: external_database },
        description: "Host name or IP address of the external PostgreSQL server (DATABASE_MODE=external); the pods may reach only it, on DATABASE_PORT: an IP is opened as itself (/32 or /128), an in-cluster Service (name.namespace.svc) as its namespace, any other name through DATABASE_EGRESS_CIDRS",
    },
    Key {
        name: "DATABASE_PORT",
        ty: KeyType::Int { min: 1, max: 65535 },
        default: Default::Value("5432"),
        module: Module::Database,
        required: Required::No,
        description: "Port of the external PostgreSQL server (DATABASE_MODE=external)",
    },
    Key {
        name: "DATABASE_NAME",
        ty: KeyType::SqlName,
        default: Default::Value("nap"),
        module: Module::Database,
        required: Required::No,
        description: "Database the platform uses on the external server (DATABASE_MODE=external; napgen prereqs prints the SQL that creates it)",
    },
    Key {
        name: "DATABASE_USER",
        ty: KeyType::SqlName,
        default: Default::Value("nap"),
        module: Module::Database,
        required: Required::No,
        description: "Role the platform connects as on the external server, the owner of DATABASE_NAME (DATABASE_MODE=external)",
    },
    Key {
        name: "DATABASE_SSLMODE",
        ty: KeyType::Enum(SSL_MODES),
        default: Default::Value("verify-full"),
        module: Module::Database,
        required: Required::No,
        description: "libpq sslmode towards the external server (DATABASE_MODE=external); verify-ca and verify-full check its certificate against CA_BUNDLE or CA_BUNDLE_CONFIG_MAP (include the server's CA), else against the image's own store",
    },
    Key {
        name: "DATABASE_EGRESS_CIDRS",
        ty: KeyType::CidrList,
        default: Default::None,
        module: Module::Database,
        required: Required::No,
        description: "Addresses of the external server as CIDR blocks, opened on DATABASE_PORT only, when DATABASE_HOST is a host name (a NetworkPolicy cannot name a host); an IP DATABASE_HOST needs none",
    },
    Key {
        name: "DATABASE_PASSWORD",
        ty: KeyType::Secret { min_len: 16 },
        default: Default::None,
        module: Module::Database,
        required: Required::When { doc: "when DATABASE_MODE is external", test: external_database },
        description: "Password of DATABASE_USER on the external server; napgen puts it only into the connection Secret nap-database (never a ConfigMap). Without secrets in values.env (or with EXISTING_SECRET) you create nap-database: napgen prereqs prints how",
    },
    Key {
        name: "POSTGRES_INSTANCES",
        ty: KeyType::Int { min: 1, max: 9 },
        default: Default::Derived {
            doc: "3 on multi-node, 1 on single-node",
            compute: |s| Some(if multi_node(s) { "3" } else { "1" }.into()),
        },
        module: Module::Database,
        required: Required::No,
        description: "PostgreSQL instances (one primary, the rest streaming replicas)",
    },
    Key {
        name: "POSTGRES_STORAGE_SIZE",
        ty: KeyType::Size,
        default: Default::Value("20Gi"),
        module: Module::Database,
        required: Required::No,
        description: "Data volume size of each PostgreSQL instance",
    },
    Key {
        name: "POSTGRES_CPU",
        ty: KeyType::Cpu,
        default: Default::Derived {
            doc: "500m on multi-node, 250m on single-node",
            compute: |s| Some(if multi_node(s) { "500m" } else { "250m" }.into()),
        },
        module: Module::Database,
        required: Required::No,
        description: "CPU requested by each PostgreSQL instance (its limit is four times this)",
    },
    Key {
        name: "POSTGRES_MEMORY",
        ty: KeyType::Size,
        // One node leaves little room beside the platform for workspaces (see plan::capacity).
        default: Default::Derived {
            doc: "1Gi on multi-node, 512Mi on single-node",
            compute: |s| Some(if multi_node(s) { "1Gi" } else { "512Mi" }.into()),
        },
        module: Module::Database,
        required: Required::No,
        description: "Memory requested by, and the limit of, each PostgreSQL instance",
    },
    Key {
        name: "POSTGRES_WAL_STORAGE_SIZE",
        ty: KeyType::Size,
        default: Default::None,
        module: Module::Database,
        required: Required::No,
        description: "Size of a separate WAL volume per PostgreSQL instance (CloudNativePG walStorage, RWO_STORAGE_CLASS); empty keeps WAL on the data volume",
    },
    Key {
        name: "POSTGRES_ANTI_AFFINITY",
        ty: KeyType::Enum(ANTI_AFFINITY_TYPES),
        default: Default::Value("preferred"),
        module: Module::Database,
        required: Required::No,
        description: "Multi-node: preferred spreads PostgreSQL instances over nodes when it can; required never puts two on one node (instances wait for a free node)",
    },
    Key {
        name: "POSTGRES_VERSION",
        ty: KeyType::ImageTag,
        default: Default::Value("17.6"),
        module: Module::Database,
        required: Required::No,
        description: "Tag of the CloudNativePG PostgreSQL image (ghcr.io/cloudnative-pg/postgresql)",
    },
    Key {
        name: "CNPG_OPERATOR_NAMESPACE",
        ty: KeyType::Name,
        default: Default::Value("cnpg-system"),
        module: Module::Database,
        required: Required::No,
        description: "Namespace of the CloudNativePG operator, allowed to reach the PostgreSQL pods",
    },
    // ---- backups
    Key {
        name: "BACKUP_ENABLED",
        ty: KeyType::Bool,
        default: Default::Value("false"),
        module: Module::Backup,
        required: Required::No,
        description: "Back PostgreSQL up (base backups and WAL) through the CloudNativePG barman-cloud plugin; install the plugin first (napgen prereqs)",
    },
    Key {
        name: "BACKUP_DESTINATION_PATH",
        ty: KeyType::S3Path,
        default: Default::None,
        module: Module::Backup,
        required: Required::WhenEnabled,
        description: "Where backups and WAL are stored, s3://bucket/path",
    },
    Key {
        name: "BACKUP_S3_ENDPOINT",
        ty: KeyType::Url,
        default: Default::None,
        module: Module::Backup,
        required: Required::No,
        description: "Endpoint of S3-compatible storage (MinIO, Ceph RGW, ...), e.g. https://s3.example.com; empty uses AWS S3",
    },
    Key {
        name: "BACKUP_S3_CREDENTIALS_SECRET",
        ty: KeyType::Name,
        default: Default::None,
        module: Module::Backup,
        required: Required::WhenEnabled,
        description: "Secret you create in the namespace with the keys ACCESS_KEY_ID and ACCESS_SECRET_KEY that may write to the bucket",
    },
    Key {
        name: "BACKUP_RETENTION",
        ty: KeyType::Retention,
        default: Default::Value("30d"),
        module: Module::Backup,
        required: Required::No,
        description: "How long backups and WAL are kept: a number and d, w or m (days, weeks, months)",
    },
    Key {
        name: "BACKUP_SCHEDULE",
        ty: KeyType::Cron,
        default: Default::Value("0 0 2 * * *"),
        module: Module::Backup,
        required: Required::No,
        description: "When a base backup is taken: six cron fields with seconds first, as CloudNativePG's ScheduledBackup reads them, in quotes (\"0 0 2 * * *\" is 02:00 daily)",
    },
    // ---- admin
    Key {
        name: "ADMIN_EMAIL",
        ty: KeyType::Email,
        default: Default::Value("admin@nap.local"),
        module: Module::Admin,
        required: Required::No,
        description: "E-mail (login) of the first administrator, created by the nap-seed-admin Job",
    },
    Key {
        name: "ADMIN_PASSWORD",
        ty: KeyType::Secret { min_len: 12 },
        default: Default::None,
        module: Module::Admin,
        required: Required::WhenEnabled,
        description: "Initial password of the first administrator (change it after the first sign-in)",
    },
    // ---- agents
    Key {
        name: "AGENT_TYPES",
        ty: KeyType::EnumList(AGENT_TYPES),
        default: Default::Value("codex"),
        module: Module::Core,
        required: Required::No,
        description: "Agent types users can create: codex (OpenAI Responses API), claude-code (Anthropic API)",
    },
    Key {
        name: "CLUSTER_NODES",
        ty: KeyType::Int { min: 1, max: 10000 },
        default: Default::Derived {
            doc: "1 on single-node, 3 on multi-node",
            compute: |s| Some(if multi_node(s) { "3" } else { "1" }.into()),
        },
        module: Module::Core,
        required: Required::No,
        description: "Worker nodes the platform and its workspaces share; with NODE_CPU and NODE_MEMORY, check warns when few workspaces fit",
    },
    Key {
        name: "NODE_CPU",
        ty: KeyType::Cpu,
        default: Default::Value("4"),
        module: Module::Core,
        required: Required::No,
        description: "CPU of each worker node (the seeds' minimum is 4)",
    },
    Key {
        name: "NODE_MEMORY",
        ty: KeyType::Size,
        default: Default::Value("8Gi"),
        module: Module::Core,
        required: Required::No,
        description: "Memory of each worker node (the seeds' minimum is 8Gi)",
    },
    Key {
        name: "WORKSPACE_CPU",
        ty: KeyType::Cpu,
        default: Default::Value("1"),
        module: Module::Core,
        required: Required::No,
        description: "CPU requested by each workspace pod (its limit is twice this)",
    },
    Key {
        name: "WORKSPACE_MEMORY",
        ty: KeyType::Size,
        default: Default::Value("2Gi"),
        module: Module::Core,
        required: Required::No,
        description: "Memory requested by, and the limit of, each workspace pod",
    },
    Key {
        name: "OPENAI_BASE_URL",
        ty: KeyType::Url,
        default: Default::Derived {
            doc: "https://api.openai.com/v1; the bridge's Service (…/v1) when it serves codex",
            compute: |s| {
                Some(if bridge_serves(s, "codex") {
                    format!("{}/v1", bridge_url(s))
                } else {
                    "https://api.openai.com/v1".into()
                })
            },
        },
        module: Module::Codex,
        required: Required::WhenEnabled,
        description: "Base URL of an OpenAI Responses API endpoint (not Chat Completions) for Codex agents",
    },
    Key {
        name: "OPENAI_API_KEY",
        ty: KeyType::Secret { min_len: 8 },
        default: Default::None,
        module: Module::Codex,
        required: Required::When {
            doc: "when codex is enabled and the bridge does not serve it",
            test: |s| !bridge_serves(s, "codex"),
        },
        description: "API key for OPENAI_BASE_URL",
    },
    Key {
        name: "ANTHROPIC_BASE_URL",
        ty: KeyType::Url,
        default: Default::Derived {
            doc: "https://api.anthropic.com; the bridge's Service when it serves claude-code",
            compute: |s| {
                Some(if bridge_serves(s, "claude-code") {
                    bridge_url(s)
                } else {
                    "https://api.anthropic.com".into()
                })
            },
        },
        module: Module::ClaudeCode,
        required: Required::WhenEnabled,
        description: "Base URL of an Anthropic API endpoint for Claude Code agents",
    },
    Key {
        name: "ANTHROPIC_API_KEY",
        ty: KeyType::Secret { min_len: 8 },
        default: Default::None,
        module: Module::ClaudeCode,
        required: Required::When {
            doc: "when claude-code is enabled and the bridge does not serve it",
            test: |s| !bridge_serves(s, "claude-code"),
        },
        description: "API key for ANTHROPIC_BASE_URL",
    },
    // ---- code sandbox
    Key {
        name: "SANDBOX_ENABLED",
        ty: KeyType::Bool,
        default: Default::Value("false"),
        module: Module::Sandbox,
        required: Required::No,
        description: "Install Code Sandbox (nap-sandbox); OpenSandbox must be installed first (napgen prereqs)",
    },
    Key {
        name: "SANDBOX_NODE_PORT",
        ty: KeyType::NodePort,
        default: Default::Value("30086"),
        module: Module::Sandbox,
        required: Required::No,
        description: "NodePort of nap-sandbox (INGRESS_MODE=nodeport)",
    },
    Key {
        name: "SANDBOX_JWT_SECRET",
        ty: SECRET,
        default: Default::None,
        module: Module::Sandbox,
        required: Required::WhenEnabled,
        description: "Session signing key of nap-sandbox (openssl rand -hex 32)",
    },
    Key {
        name: "SANDBOX_SERVICE_KEY",
        ty: SECRET,
        default: Default::None,
        module: Module::Sandbox,
        required: Required::WhenEnabled,
        description: "Key the browser service uses to call the sandbox (given to the browser when both modules are on)",
    },
    Key {
        name: "OPENSANDBOX_URL",
        ty: KeyType::Url,
        default: Default::Derived {
            doc: "http://opensandbox-server.opensandbox-system.svc:80",
            compute: |_| Some("http://opensandbox-server.opensandbox-system.svc:80".into()),
        },
        module: Module::Sandbox,
        required: Required::WhenEnabled,
        description: "OpenSandbox server URL; the default is its chart's server Service in the chart's own namespace, opensandbox-system (the platform's namespace enforces Pod Security restricted, which OpenSandbox's server does not meet)",
    },
    Key {
        name: "OPENSANDBOX_API_KEY",
        ty: SECRET,
        default: Default::None,
        module: Module::Sandbox,
        required: Required::No,
        description: "API key of the OpenSandbox server (its OPENSANDBOX_SERVER_API_KEY), sent as OPEN-SANDBOX-API-KEY; empty: nap-sandbox sends none and napgen prereqs runs OpenSandbox without one (check warns)",
    },
    Key {
        name: "SANDBOX_PUBLIC_URL",
        ty: KeyType::Url,
        default: Default::None,
        module: Module::Sandbox,
        required: Required::When { doc: "when sandbox is enabled and INGRESS_MODE is not nodeport", test: behind_ingress },
        description: "Public origin of nap-sandbox behind your ingress (no trailing slash); feeds its OAuth callback and the registered redirect URI",
    },
    Key {
        name: "SANDBOX_SERVICE_REPLICAS",
        ty: KeyType::Int { min: 1, max: 10 },
        default: Default::Derived { doc: "2 on multi-node, 1 on single-node", compute: replicas_by_profile },
        module: Module::Sandbox,
        required: Required::No,
        description: "Replicas of nap-sandbox (the least when SANDBOX_SERVICE_MAX_REPLICAS is set); on multi-node more than one also gets a PodDisruptionBudget",
    },
    Key {
        name: "SANDBOX_SERVICE_MAX_REPLICAS",
        ty: KeyType::Int { min: 2, max: 50 },
        default: Default::None,
        module: Module::Sandbox,
        required: Required::No,
        description: "Most replicas of nap-sandbox: setting it adds a HorizontalPodAutoscaler between SANDBOX_SERVICE_REPLICAS and this, on AUTOSCALING_CPU_PERCENT (the Deployment then leaves its replica count to it)",
    },
    Key {
        name: "SANDBOX_SERVICE_CPU",
        ty: KeyType::Cpu,
        default: Default::Value("100m"),
        module: Module::Sandbox,
        required: Required::No,
        description: "CPU requested by each nap-sandbox pod (its limit is SANDBOX_SERVICE_CPU_LIMIT)",
    },
    Key {
        name: "SANDBOX_SERVICE_CPU_LIMIT",
        ty: KeyType::Cpu,
        default: Default::Derived { doc: "5 × SANDBOX_SERVICE_CPU", compute: |s| cpu_times(s, "SANDBOX_SERVICE_CPU", 5) },
        module: Module::Sandbox,
        required: Required::No,
        description: "CPU limit of each nap-sandbox pod; at least SANDBOX_SERVICE_CPU",
    },
    Key {
        name: "SANDBOX_SERVICE_MEMORY",
        ty: KeyType::Size,
        default: Default::Value("256Mi"),
        module: Module::Sandbox,
        required: Required::No,
        description: "Memory requested by, and the limit of, each nap-sandbox pod",
    },
    Key {
        name: "SANDBOX_POD_CPU",
        ty: KeyType::Cpu,
        default: Default::Value("500m"),
        module: Module::Sandbox,
        required: Required::No,
        description: "CPU requested by each sandbox pod OpenSandbox creates (its limit is 4 times this)",
    },
    Key {
        name: "SANDBOX_POD_MEMORY",
        ty: KeyType::Size,
        default: Default::Value("1Gi"),
        module: Module::Sandbox,
        required: Required::No,
        description: "Memory requested by, and the limit of, each sandbox pod OpenSandbox creates",
    },
    // ---- remote browser
    Key {
        name: "BROWSER_ENABLED",
        ty: KeyType::Bool,
        default: Default::Value("false"),
        module: Module::Browser,
        required: Required::No,
        description: "Install Remote Browser (browser-service) and its TURN relay (coturn)",
    },
    Key {
        name: "BROWSER_NODE_PORT",
        ty: KeyType::NodePort,
        default: Default::Value("30085"),
        module: Module::Browser,
        required: Required::No,
        description: "NodePort of browser-service (INGRESS_MODE=nodeport)",
    },
    Key {
        name: "BROWSER_JWT_SECRET",
        ty: SECRET,
        default: Default::None,
        module: Module::Browser,
        required: Required::WhenEnabled,
        description: "Session signing key of browser-service (openssl rand -hex 32)",
    },
    Key {
        name: "TURN_HOST",
        ty: KeyType::Host,
        default: Default::None,
        module: Module::Browser,
        required: Required::WhenEnabled,
        description: "Public or LAN IP (or hostname) that users' browsers reach the TURN relay on; set it explicitly, kubelet auto-detection is unreliable",
    },
    Key {
        name: "TURN_NODE",
        ty: KeyType::Host,
        default: Default::None,
        module: Module::Browser,
        required: Required::When { doc: "when browser is enabled on multi-node", test: multi_node },
        description: "Node (kubernetes.io/hostname) coturn runs on; TURN_HOST must be that node's address, which only pinning coturn to it guarantees",
    },
    Key {
        name: "TURN_AUTH_SECRET",
        ty: SECRET,
        default: Default::None,
        module: Module::Browser,
        required: Required::WhenEnabled,
        description: "Shared secret of coturn's use-auth-secret (time-limited TURN credentials)",
    },
    Key {
        name: "TURN_REALM",
        ty: KeyType::Host,
        default: Default::Value("nap.local"),
        module: Module::Browser,
        required: Required::No,
        description: "Realm coturn announces",
    },
    Key {
        name: "BROWSER_PUBLIC_URL",
        ty: KeyType::Url,
        default: Default::None,
        module: Module::Browser,
        required: Required::When { doc: "when browser is enabled and INGRESS_MODE is not nodeport", test: behind_ingress },
        description: "Public origin of browser-service behind your ingress (no trailing slash); feeds its OAuth callback and the registered redirect URI",
    },
    Key {
        name: "BROWSER_SERVICE_REPLICAS",
        ty: KeyType::Int { min: 1, max: 10 },
        default: Default::Derived { doc: "2 on multi-node, 1 on single-node", compute: replicas_by_profile },
        module: Module::Browser,
        required: Required::No,
        description: "Replicas of browser-service (the least when BROWSER_SERVICE_MAX_REPLICAS is set); on multi-node more than one also gets a PodDisruptionBudget",
    },
    Key {
        name: "BROWSER_SERVICE_MAX_REPLICAS",
        ty: KeyType::Int { min: 2, max: 50 },
        default: Default::None,
        module: Module::Browser,
        required: Required::No,
        description: "Most replicas of browser-service: setting it adds a HorizontalPodAutoscaler between BROWSER_SERVICE_REPLICAS and this, on AUTOSCALING_CPU_PERCENT (the Deployment then leaves its replica count to it)",
    },
    Key {
        name: "BROWSER_SERVICE_CPU",
        ty: KeyType::Cpu,
        default: Default::Value("200m"),
        module: Module::Browser,
        required: Required::No,
        description: "CPU requested by each browser-service pod (its limit is BROWSER_SERVICE_CPU_LIMIT)",
    },
    Key {
        name: "BROWSER_SERVICE_CPU_LIMIT",
        ty: KeyType::Cpu,
        default: Default::Derived { doc: "5 × BROWSER_SERVICE_CPU", compute: |s| cpu_times(s, "BROWSER_SERVICE_CPU", 5) },
        module: Module::Browser,
        required: Required::No,
        description: "CPU limit of each browser-service pod; at least BROWSER_SERVICE_CPU",
    },
    Key {
        name: "BROWSER_SERVICE_MEMORY",
        ty: KeyType::Size,
        default: Default::Value("512Mi"),
        module: Module::Browser,
        required: Required::No,
        description: "Memory requested by, and the limit of, each browser-service pod",
    },
    Key {
        name: "BROWSER_SESSION_CPU",
        ty: KeyType::Cpu,
        default: Default::Value("500m"),
        module: Module::Browser,
        required: Required::No,
        description: "CPU requested by each browser session pod (its limit is 4 times this)",
    },
    Key {
        name: "BROWSER_SESSION_MEMORY",
        ty: KeyType::Size,
        default: Default::Value("1Gi"),
        module: Module::Browser,
        required: Required::No,
        description: "Memory requested by, and the limit of, each browser session pod",
    },
    Key {
        name: "TURN_CPU",
        ty: KeyType::Cpu,
        default: Default::Value("100m"),
        module: Module::Browser,
        required: Required::No,
        description: "CPU requested by the coturn relay (its limit is TURN_CPU_LIMIT)",
    },
    Key {
        name: "TURN_CPU_LIMIT",
        ty: KeyType::Cpu,
        default: Default::Derived { doc: "10 × TURN_CPU", compute: |s| cpu_times(s, "TURN_CPU", 10) },
        module: Module::Browser,
        required: Required::No,
        description: "CPU limit of the coturn relay; at least TURN_CPU",
    },
    Key {
        name: "TURN_MEMORY",
        ty: KeyType::Size,
        default: Default::Value("128Mi"),
        module: Module::Browser,
        required: Required::No,
        description: "Memory requested by, and the limit of, the coturn relay",
    },
    // ---- LDAP
    Key {
        name: "LDAP_ENABLED",
        ty: KeyType::Bool,
        default: Default::Value("false"),
        module: Module::Ldap,
        required: Required::No,
        description: "Let users sign in with their LDAP account",
    },
    Key {
        name: "LDAP_URL",
        ty: KeyType::LdapUrl,
        default: Default::None,
        module: Module::Ldap,
        required: Required::WhenEnabled,
        description: "LDAP server, ldap://host[:port] or ldaps://host[:port]",
    },
    Key {
        name: "LDAP_START_TLS",
        ty: KeyType::Bool,
        default: Default::Value("false"),
        module: Module::Ldap,
        required: Required::No,
        description: "Upgrade an ldap:// connection with StartTLS (not used with ldaps://)",
    },
    Key {
        name: "LDAP_CA_CERT",
        ty: KeyType::String,
        default: Default::None,
        module: Module::Ldap,
        required: Required::No,
        description: "PEM CA certificate that signs the LDAP server's certificate (a double-quoted multi-line value)",
    },
    Key {
        name: "LDAP_BIND_DN",
        ty: KeyType::String,
        default: Default::None,
        module: Module::Ldap,
        required: Required::WhenEnabled,
        description: "DN of the service account the platform binds as to search for users",
    },
    Key {
        name: "LDAP_BIND_PASSWORD",
        ty: KeyType::Secret { min_len: 1 },
        default: Default::None,
        module: Module::Ldap,
        required: Required::WhenEnabled,
        description: "Password of LDAP_BIND_DN",
    },
    Key {
        name: "LDAP_USER_BASE_DN",
        ty: KeyType::String,
        default: Default::None,
        module: Module::Ldap,
        required: Required::WhenEnabled,
        description: "Base DN under which users are searched",
    },
    Key {
        name: "LDAP_USER_FILTER",
        ty: KeyType::String,
        default: Default::Value("(uid={username})"),
        module: Module::Ldap,
        required: Required::No,
        description: "Search filter for a user; {username} is replaced by the name typed at sign-in",
    },
    // ---- monitoring
    Key {
        name: "MONITORING_ENABLED",
        ty: KeyType::Bool,
        default: Default::Value("false"),
        module: Module::Monitoring,
        required: Required::No,
        description: "Render a ServiceMonitor for the platform's /metrics and a PodMonitor for PostgreSQL, for a Prometheus operator you run",
    },
    Key {
        name: "MONITORING_NAMESPACE",
        ty: KeyType::Name,
        default: Default::Value("monitoring"),
        module: Module::Monitoring,
        required: Required::No,
        description: "Namespace Prometheus runs in; NetworkPolicies let it scrape the platform and PostgreSQL",
    },
    Key {
        name: "MONITORING_LABELS",
        ty: KeyType::LabelList,
        default: Default::None,
        module: Module::Monitoring,
        required: Required::No,
        description: "Labels on the ServiceMonitor and PodMonitor so your Prometheus selects them, key=value separated by commas (kube-prometheus-stack: release=<its release name>)",
    },
    // ---- LLM protocol bridge
    Key {
        name: "BRIDGE_ENABLED",
        ty: KeyType::Bool,
        default: Default::Value("false"),
        module: Module::Bridge,
        required: Required::No,
        description: "Run the LLM protocol bridge (LiteLLM's proxy): agents speak the Anthropic or Responses API to it, and it calls a Chat Completions upstream",
    },
    Key {
        name: "BRIDGE_UPSTREAM_URL",
        ty: KeyType::Url,
        default: Default::None,
        module: Module::Bridge,
        required: Required::WhenEnabled,
        description: "Base URL of the upstream OpenAI Chat Completions endpoint the bridge calls (<base>/chat/completions), e.g. https://llm.example.com/v1",
    },
    Key {
        name: "BRIDGE_UPSTREAM_API_KEY",
        ty: KeyType::Secret { min_len: 8 },
        default: Default::None,
        module: Module::Bridge,
        required: Required::WhenEnabled,
        description: "API key for BRIDGE_UPSTREAM_URL; only the bridge reads it",
    },
    Key {
        name: "BRIDGE_MODELS",
        ty: KeyType::ModelMap,
        default: Default::None,
        module: Module::Bridge,
        required: Required::WhenEnabled,
        description: "Model names agents ask for and the upstream model each one maps to, agent-name=upstream-name separated by commas (claude-sonnet-4-5=llama-3.3-70b,gpt-5-codex=qwen3-coder)",
    },
    Key {
        name: "BRIDGE_AGENT_TYPES",
        ty: KeyType::EnumList(AGENT_TYPES),
        default: Default::Value("codex,claude-code"),
        module: Module::Bridge,
        required: Required::No,
        description: "Agent types that reach their model through the bridge: their OPENAI_BASE_URL/ANTHROPIC_BASE_URL point at it and their API key is BRIDGE_MASTER_KEY",
    },
    Key {
        name: "BRIDGE_MASTER_KEY",
        ty: SECRET,
        default: Default::None,
        module: Module::Bridge,
        required: Required::WhenEnabled,
        description: "Key the platform's agents present to the bridge (its master key; openssl rand -hex 32)",
    },
    Key {
        name: "BRIDGE_VERSION",
        ty: KeyType::ImageTag,
        default: Default::Value(BRIDGE_VERSION),
        module: Module::Bridge,
        required: Required::No,
        description: "Tag of ghcr.io/berriai/litellm the bridge runs (checked against LiteLLM's security advisories; pin its digest with IMAGE_DIGESTS)",
    },
    Key {
        name: "BRIDGE_REPLICAS",
        ty: KeyType::Int { min: 1, max: 10 },
        default: Default::Derived { doc: "2 on multi-node, 1 on single-node", compute: replicas_by_profile },
        module: Module::Bridge,
        required: Required::No,
        description: "Replicas of the bridge (the least when BRIDGE_MAX_REPLICAS is set); on multi-node more than one also gets a PodDisruptionBudget",
    },
    Key {
        name: "BRIDGE_MAX_REPLICAS",
        ty: KeyType::Int { min: 2, max: 50 },
        default: Default::None,
        module: Module::Bridge,
        required: Required::No,
        description: "Most replicas of the bridge: setting it adds a HorizontalPodAutoscaler between BRIDGE_REPLICAS and this, on AUTOSCALING_CPU_PERCENT (the Deployment then leaves its replica count to it)",
    },
    Key {
        name: "BRIDGE_CPU",
        ty: KeyType::Cpu,
        default: Default::Value("200m"),
        module: Module::Bridge,
        required: Required::No,
        description: "CPU requested by each bridge pod (its limit is BRIDGE_CPU_LIMIT)",
    },
    Key {
        name: "BRIDGE_CPU_LIMIT",
        ty: KeyType::Cpu,
        default: Default::Derived { doc: "5 × BRIDGE_CPU", compute: |s| cpu_times(s, "BRIDGE_CPU", 5) },
        module: Module::Bridge,
        required: Required::No,
        description: "CPU limit of each bridge pod; at least BRIDGE_CPU",
    },
    Key {
        name: "BRIDGE_MEMORY",
        ty: KeyType::Size,
        default: Default::Value("768Mi"),
        module: Module::Bridge,
        required: Required::No,
        description: "Memory requested by, and the limit of, each bridge pod",
    },
];

/// The LiteLLM release the bridge runs by default: on PyPI as `litellm==1.108.5` (the proof
/// script installs it hash-checked) and on GHCR as this tag. Every advisory published for the
/// proxy (CVE-2026-42208, -42271, -40217, -49468, among others) is fixed at or below it, and it is
/// far from the compromised 1.82.7 and 1.82.8.
pub const BRIDGE_VERSION: &str = "v1.108.5";

/// Whether the bridge serves `agent` (`codex`, `claude-code`): it is on and lists the type.
pub fn bridge_serves(s: &Settings, agent: &str) -> bool {
    s.bool("BRIDGE_ENABLED") && s.list("BRIDGE_AGENT_TYPES").iter().any(|t| t == agent)
}

/// The bridge's in-cluster Service.
pub const BRIDGE_SERVICE: &str = "nap-llm-bridge";
/// The port LiteLLM's proxy listens on, and the Service's.
pub const BRIDGE_PORT: u16 = 4000;

/// The bridge's in-cluster origin, `http://nap-llm-bridge.<NAMESPACE>.svc:4000`.
pub fn bridge_url(s: &Settings) -> String {
    format!(
        "http://{BRIDGE_SERVICE}.{}.svc:{BRIDGE_PORT}",
        s.str("NAMESPACE")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_upper_snake_case() {
        let mut seen = HashSet::new();
        for k in KEYS {
            assert!(seen.insert(k.name), "{} declared twice", k.name);
            assert!(
                k.name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                "{} is not UPPER_SNAKE_CASE",
                k.name
            );
            assert!(
                !k.description.ends_with('.'),
                "{}: descriptions end without a period",
                k.name
            );
        }
    }

    #[test]
    fn secrets_have_no_default() {
        for k in KEYS.iter().filter(|k| k.is_secret()) {
            assert!(
                matches!(k.default, Default::None),
                "{} must not ship a known secret",
                k.name
            );
        }
    }

    #[test]
    fn keys_named_like_secrets_are_secrets() {
        // Messages decide by the key's type whether its value may be quoted (`Shown`), so a key
        // whose name says it holds a secret must be typed as one; the only others are names of
        // Kubernetes Secret objects, which are not secret.
        const WORDS: &[&str] = &[
            "PASSWORD",
            "PASSWD",
            "TOKEN",
            "_KEY",
            "SECRET",
            "CREDENTIAL",
        ];
        for k in KEYS
            .iter()
            .filter(|k| WORDS.iter().any(|w| k.name.contains(w)))
        {
            assert!(
                k.is_secret() || matches!(k.ty, KeyType::Name | KeyType::NameList),
                "{} is named like a secret: type it KeyType::Secret (or, if it names a Secret \
                 object, KeyType::Name)",
                k.name
            );
        }
    }

    #[test]
    fn only_multi_line_text_spans_lines() {
        for k in KEYS {
            assert_eq!(
                k.spans_lines(),
                k.description.contains("multi-line value"),
                "{}: a key's description says when its value may span lines",
                k.name
            );
            assert!(!(k.spans_lines() && k.is_secret()), "{}", k.name);
        }
    }

    #[test]
    fn module_toggles_are_declared() {
        for m in Module::ALL {
            if let Some(t) = m.toggle() {
                assert!(key(t).is_some(), "{t} missing");
            }
        }
    }
}

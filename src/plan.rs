//! The plan: every fact the templates need, derived once from validated settings.
//!
//! Templates read only the plan, so all decisions (names, images after the registry rewrite,
//! replicas per profile, URLs, which objects exist) are made here, in plain code with tests.

use crate::registry::Module;
use crate::settings::Settings;
use crate::validate::SECRET_NAME;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Container port every platform HTTP service listens on.
pub const HTTP_PORT: u16 = 8080;
/// The path both the service callback and the registered OAuth redirect URI end with.
pub const OAUTH_CALLBACK_PATH: &str = "/api/auth/callback";
/// The ConfigMap holding the LDAP server's CA certificate.
pub const LDAP_CA_CONFIG_MAP: &str = "nap-ldap-ca";
/// UID/GID the platform's containers run as (non-root, matching the images' `USER`).
pub const RUN_AS: u32 = 10001;

type Map = IndexMap<String, String>;

/// An image reference after the registry rewrite.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Image {
    /// What pulls it, for `napgen images` and docs.
    pub used_by: &'static str,
    /// `registry/repository:tag` as written into the manifests.
    pub reference: String,
}

/// A Deployment (or Job) of the platform with what its template needs.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    pub name: String,
    pub component: &'static str,
    pub image: String,
    pub replicas: u32,
    pub labels: Map,
    pub selector: Map,
    pub pod_annotations: Map,
    pub env: Vec<Value>,
    pub resources: Value,
    pub volumes: Vec<Value>,
    pub volume_mounts: Vec<Value>,
    pub service_account: String,
    /// A PodDisruptionBudget keeps one replica up during node drains (multi-node only).
    pub pdb: bool,
    pub affinity: Value,
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
    pub resources: Value,
    pub labels: Map,
}

/// The platform Secret: rendered when values.env holds the secrets, else only referenced.
#[derive(Serialize)]
pub struct SecretPlan {
    pub name: &'static str,
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
    pub name: String,
    pub task: &'static str,
    pub image: String,
    pub labels: Map,
    pub env: Vec<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SharedDir {
    pub claim: String,
    pub storage_class: String,
    pub size: String,
    pub access_mode: &'static str,
    pub labels: Map,
}

/// What the control plane needs to create one pod per workspace.
#[derive(Debug, Clone, Serialize)]
pub struct Workspace {
    pub service_account: String,
    pub templates_config_map: String,
    /// Agent type → pod template (YAML text) the control plane fills in per workspace.
    pub pod_templates: IndexMap<String, String>,
    pub labels: Map,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigPlan {
    pub name: String,
    pub data: IndexMap<String, String>,
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
    pub pod_security: Value,
    pub container_security: Value,
    pub config: ConfigPlan,
    pub secret: SecretPlan,
    pub control_plane: Workload,
    pub control_plane_service_type: &'static str,
    pub control_plane_node_port: Option<i64>,
    pub gateway: Workload,
    pub database: Database,
    pub shared_dir: SharedDir,
    pub workspace: Workspace,
    pub seeds: Vec<SeedJob>,
    /// The LDAP server's CA certificate (PEM), when LDAP sign-in uses one.
    pub ldap_ca: Option<String>,
    pub ldap_ca_config_map: &'static str,
    /// The platform's origin as users reach it (no trailing slash).
    pub public_url: String,
    pub images: Vec<Image>,
    /// Template files to render, in order.
    pub templates: Vec<&'static str>,
}

/// The platform's images live under `ghcr.io/nap-platform/`.
const PLATFORM_REPOSITORY: &str = "nap-platform";

/// `registry/repository:tag`, with `REGISTRY` replacing the registry host and keeping the path.
pub fn image_ref(settings: &Settings, registry: &str, repository: &str, tag: &str) -> String {
    let host = settings.opt("REGISTRY").unwrap_or(registry);
    format!("{host}/{repository}:{tag}")
}

fn platform_image(settings: &Settings, name: &str) -> String {
    image_ref(
        settings,
        "ghcr.io",
        &format!("{PLATFORM_REPOSITORY}/{name}"),
        settings.str("NAP_VERSION"),
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A stable hash of any serialisable value.
fn checksum<T: Serialize>(value: &T) -> String {
    sha256_hex(&serde_json::to_vec(value).expect("plan values serialise"))
}

fn labels(base: &Map, component: &str, name: &str) -> Map {
    let mut l = base.clone();
    l.insert("app.kubernetes.io/name".into(), name.into());
    l.insert("app.kubernetes.io/component".into(), component.into());
    l
}

fn selector(component: &str, name: &str) -> Map {
    IndexMap::from([
        ("app.kubernetes.io/name".to_string(), name.to_string()),
        ("app.kubernetes.io/instance".to_string(), "nap".to_string()),
        (
            "app.kubernetes.io/component".to_string(),
            component.to_string(),
        ),
    ])
}

fn resources(cpu_request: &str, memory: &str, cpu_limit: &str) -> Value {
    json!({
        "requests": {"cpu": cpu_request, "memory": memory},
        "limits": {"cpu": cpu_limit, "memory": memory},
    })
}

fn secret_env(name: &str, secret: &str, key: &str) -> Value {
    json!({"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}})
}

fn plain_env(name: &str, value: &str) -> Value {
    json!({"name": name, "value": value})
}

/// Spread replicas over nodes on multi-node; nothing to spread on a single node.
fn spread(multi_node: bool, selector: &Map) -> Value {
    if !multi_node {
        return json!({});
    }
    json!({"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
        "weight": 100,
        "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": selector}},
    }]}})
}

/// The public origin of a service: its `*_PUBLIC_URL` when set, else `http://TOS_HOST:<node port>`.
/// The OAuth redirect URI a service registers and the callback it computes for itself both come
/// from this one function, so they cannot drift apart.
pub fn public_origin(settings: &Settings, public_url_key: &str, node_port_key: &str) -> String {
    match settings.opt(public_url_key) {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let host = settings.str("TOS_HOST");
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.to_string()
            };
            format!("http://{host}:{}", settings.int(node_port_key))
        }
    }
}

/// `origin` + the callback path.
pub fn redirect_uri(settings: &Settings, public_url_key: &str, node_port_key: &str) -> String {
    format!(
        "{}{OAUTH_CALLBACK_PATH}",
        public_origin(settings, public_url_key, node_port_key)
    )
}

/// Build the plan from validated settings.
pub fn plan(settings: &Settings) -> Plan {
    let namespace = settings.str("NAMESPACE").to_string();
    let multi_node = settings.str("PROFILE") == "multi-node";
    let version = settings.str("NAP_VERSION").to_string();
    let base_labels: Map = IndexMap::from([
        ("app.kubernetes.io/part-of".to_string(), "nap".to_string()),
        ("app.kubernetes.io/instance".to_string(), "nap".to_string()),
        ("app.kubernetes.io/version".to_string(), version.clone()),
        (
            "app.kubernetes.io/managed-by".to_string(),
            "napgen".to_string(),
        ),
    ]);
    let svc = |name: &str| format!("http://{name}.{namespace}.svc:80");
    let public_url = public_origin(settings, "TOS_PUBLIC_URL", "TOS_NODE_PORT");

    let mut images = Vec::new();
    let mut image = |used_by: &'static str, reference: String| {
        images.push(Image {
            used_by,
            reference: reference.clone(),
        });
        reference
    };
    let control_plane_image = image(
        "control plane and seed Jobs",
        platform_image(settings, "control-plane"),
    );
    let gateway_image = image(
        "channel gateway",
        platform_image(settings, "channel-gateway"),
    );
    let postgres_image = image(
        "PostgreSQL (CloudNativePG Cluster.imageName)",
        image_ref(
            settings,
            "ghcr.io",
            "cloudnative-pg/postgresql",
            settings.str("POSTGRES_VERSION"),
        ),
    );
    let mut agent_images = IndexMap::new();
    for agent in settings.list("AGENT_TYPES") {
        let used_by = if agent == "codex" {
            "Codex workspace pods"
        } else {
            "Claude Code workspace pods"
        };
        agent_images.insert(
            agent.clone(),
            image(used_by, platform_image(settings, &format!("agent-{agent}"))),
        );
    }

    // ---- secrets
    let needed = crate::validate::needed_secrets(settings);
    let rendered = needed.iter().all(|k| settings.is_set(k.name)) && !needed.is_empty();
    let secret = SecretPlan {
        name: SECRET_NAME,
        rendered,
        keys: needed.iter().map(|k| k.name).collect(),
        data: if rendered {
            needed
                .iter()
                .map(|k| (k.name, settings.str(k.name).to_string()))
                .collect()
        } else {
            IndexMap::new()
        },
        labels: labels(&base_labels, "secrets", "nap"),
    };
    // The checksum of secret data includes TOS_SECRET_KEY (64 random hex characters), so it
    // cannot be used to guess a weak secret such as a password by brute force.
    let secret_checksum = if rendered {
        checksum(&secret.data)
    } else {
        checksum(&(&secret.name, &secret.keys))
    };

    // ---- database
    let db_name = "nap-postgres".to_string();
    let app_secret = format!("{db_name}-app");
    let instances = settings.int("POSTGRES_INSTANCES");
    let database = Database {
        name: db_name.clone(),
        instances,
        enable_pdb: instances > 1,
        image: postgres_image,
        storage_class: settings.str("RWO_STORAGE_CLASS").to_string(),
        size: settings.str("POSTGRES_STORAGE_SIZE").to_string(),
        database: "nap".into(),
        owner: "nap".into(),
        app_secret: app_secret.clone(),
        resources: if multi_node {
            resources("500m", "1Gi", "2")
        } else {
            resources("250m", "1Gi", "1")
        },
        labels: labels(&base_labels, "database", "nap-postgres"),
    };

    // ---- configuration shared by the control plane and the gateway
    let gateway_name = "nap-gateway".to_string();
    let control_plane_name = "nap-control-plane".to_string();
    let workspace_cm = "nap-workspace-templates".to_string();
    let mut config: IndexMap<String, String> = IndexMap::new();
    let mut put = |k: &str, v: &str| {
        config.insert(k.to_string(), v.to_string());
    };
    put("NAP_PUBLIC_URL", &public_url);
    put("NAP_NAMESPACE", &namespace);
    put("NAP_PROFILE", settings.str("PROFILE"));
    put("NAP_GATEWAY_URL", &svc(&gateway_name));
    put("NAP_CONTROL_PLANE_URL", &svc(&control_plane_name));
    // Webhooks reach the gateway through the platform's own entry: the control plane proxies
    // this path, so no extra NodePort is needed.
    put("NAP_WEBHOOK_BASE_URL", &format!("{public_url}/hooks"));
    put("NAP_SHARED_DIR", "/afs");
    put("NAP_AGENT_TYPES", &settings.list("AGENT_TYPES").join(","));
    put(
        "NAP_WORKSPACE_POD_TEMPLATES",
        "/etc/nap/workspace-templates",
    );
    put(
        "NAP_WORKSPACE_STORAGE_CLASS",
        settings.str("RWO_STORAGE_CLASS"),
    );
    put(
        "NAP_WORKSPACE_DISK_SIZE",
        settings.str("WORKSPACE_DISK_SIZE"),
    );
    put("NAP_WORKSPACE_SERVICE_ACCOUNT", "nap-workspace");
    if Module::Codex.enabled(settings) {
        put("OPENAI_BASE_URL", settings.str("OPENAI_BASE_URL"));
    }
    if Module::ClaudeCode.enabled(settings) {
        put("ANTHROPIC_BASE_URL", settings.str("ANTHROPIC_BASE_URL"));
    }
    let ldap_ca = (Module::Ldap.enabled(settings) && settings.is_set("LDAP_CA_CERT"))
        .then(|| settings.str("LDAP_CA_CERT").to_string());
    if Module::Ldap.enabled(settings) {
        put("LDAP_URL", settings.str("LDAP_URL"));
        put(
            "LDAP_START_TLS",
            &settings.bool("LDAP_START_TLS").to_string(),
        );
        put("LDAP_BIND_DN", settings.str("LDAP_BIND_DN"));
        put("LDAP_USER_BASE_DN", settings.str("LDAP_USER_BASE_DN"));
        put("LDAP_USER_FILTER", settings.str("LDAP_USER_FILTER"));
        if ldap_ca.is_some() {
            put("LDAP_CA_CERT_FILE", "/etc/nap/ldap/ca.crt");
        }
    }
    let config = ConfigPlan {
        name: "nap-config".into(),
        data: config,
        labels: labels(&base_labels, "config", "nap"),
    };
    let config_checksum = checksum(&config.data);

    let secret_keys_of = |wanted: &[&str]| -> Vec<Value> {
        wanted
            .iter()
            .filter(|k| secret.keys.contains(k))
            .map(|k| secret_env(k, SECRET_NAME, k))
            .collect()
    };
    let annotations = |extra: &[(&str, &str)]| -> Map {
        let mut a: Map = IndexMap::from([
            ("checksum/config".to_string(), config_checksum.clone()),
            ("checksum/secret".to_string(), secret_checksum.clone()),
        ]);
        for (k, v) in extra {
            a.insert(k.to_string(), v.to_string());
        }
        a
    };

    // ---- workspace runtime
    let workspace_labels = labels(&base_labels, "workspace", "nap-workspace");
    let pod_security = json!({
        "runAsNonRoot": true,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "fsGroup": RUN_AS,
        "seccompProfile": {"type": "RuntimeDefault"},
    });
    let container_security = json!({
        "allowPrivilegeEscalation": false,
        "readOnlyRootFilesystem": true,
        "runAsNonRoot": true,
        "capabilities": {"drop": ["ALL"]},
    });
    let mut pod_templates = IndexMap::new();
    for (agent, agent_image) in &agent_images {
        let (url_key, key_key) = if agent == "codex" {
            ("OPENAI_BASE_URL", "OPENAI_API_KEY")
        } else {
            ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY")
        };
        let mut env = vec![
            plain_env("NAP_CONTROL_PLANE_URL", &svc(&control_plane_name)),
            plain_env(
                "NAP_MEMORY_URL",
                &format!("{}/api/memory", svc(&control_plane_name)),
            ),
            plain_env("NAP_SHARED_DIR", "/afs"),
            plain_env(url_key, settings.str(url_key)),
        ];
        env.extend(secret_keys_of(&[key_key]));
        let mut pod_labels = workspace_labels.clone();
        pod_labels.insert("nap.io/agent-type".into(), agent.clone());
        let cpu = settings.str("WORKSPACE_CPU");
        let cpu_limit = double_cpu(cpu);
        let template = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"labels": pod_labels},
            "spec": {
                "serviceAccountName": "nap-workspace",
                "automountServiceAccountToken": false,
                "enableServiceLinks": false,
                "securityContext": pod_security,
                "containers": [{
                    "name": "agent",
                    "image": agent_image,
                    "imagePullPolicy": "IfNotPresent",
                    "env": env,
                    "resources": {
                        "requests": {"cpu": cpu, "memory": settings.str("WORKSPACE_MEMORY")},
                        "limits": {"cpu": cpu_limit, "memory": settings.str("WORKSPACE_MEMORY")},
                    },
                    "securityContext": container_security,
                    "volumeMounts": [
                        {"name": "workspace", "mountPath": "/workspace"},
                        {"name": "shared", "mountPath": "/afs"},
                        {"name": "tmp", "mountPath": "/tmp"},
                    ],
                }],
                "volumes": [
                    // The control plane creates one PVC per workspace from workspace-disk.yaml
                    // and sets this claim name to it.
                    {"name": "workspace", "persistentVolumeClaim": {"claimName": "nap-workspace-disk"}},
                    {"name": "shared", "persistentVolumeClaim": {"claimName": "nap-shared"}},
                    {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
                ],
            },
        });
        pod_templates.insert(format!("{agent}.yaml"), crate::yaml::to_yaml(&template));
    }
    pod_templates.insert(
        "workspace-disk.yaml".into(),
        crate::yaml::to_yaml(&json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"labels": workspace_labels},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": settings.str("RWO_STORAGE_CLASS"),
                "resources": {"requests": {"storage": settings.str("WORKSPACE_DISK_SIZE")}},
            },
        })),
    );
    let workspace = Workspace {
        service_account: "nap-workspace".into(),
        templates_config_map: workspace_cm.clone(),
        pod_templates,
        labels: workspace_labels,
    };
    let workspace_checksum = checksum(&workspace.pod_templates);

    // ---- control plane
    let database_url = secret_env("DATABASE_URL", &app_secret, "uri");
    let pod_namespace = json!({"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}});
    let mut cp_env = vec![pod_namespace.clone(), database_url.clone()];
    cp_env.extend(secret_keys_of(&[
        "TOS_SECRET_KEY",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "LDAP_BIND_PASSWORD",
    ]));
    let replicas = if multi_node { 2 } else { 1 };
    let mut cp_volumes = vec![
        json!({"name": "shared", "persistentVolumeClaim": {"claimName": "nap-shared"}}),
        json!({"name": "workspace-templates", "configMap": {"name": workspace_cm}}),
        json!({"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}),
    ];
    let mut cp_mounts = vec![
        json!({"name": "shared", "mountPath": "/afs"}),
        json!({"name": "workspace-templates", "mountPath": "/etc/nap/workspace-templates", "readOnly": true}),
        json!({"name": "tmp", "mountPath": "/tmp"}),
    ];
    if ldap_ca.is_some() {
        cp_volumes.push(json!({"name": "ldap-ca", "configMap": {"name": LDAP_CA_CONFIG_MAP}}));
        cp_mounts.push(json!({"name": "ldap-ca", "mountPath": "/etc/nap/ldap", "readOnly": true}));
    }
    let mut cp_checksums = vec![("checksum/workspace-templates", workspace_checksum.clone())];
    if let Some(ca) = &ldap_ca {
        cp_checksums.push(("checksum/ldap-ca", checksum(ca)));
    }
    let cp_selector = selector("control-plane", &control_plane_name);
    let control_plane = Workload {
        name: control_plane_name.clone(),
        component: "control-plane",
        image: control_plane_image.clone(),
        replicas,
        labels: labels(&base_labels, "control-plane", &control_plane_name),
        selector: cp_selector.clone(),
        pod_annotations: annotations(
            &cp_checksums
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        ),
        env: cp_env,
        resources: resources("250m", "512Mi", "1"),
        volumes: cp_volumes,
        volume_mounts: cp_mounts,
        service_account: control_plane_name.clone(),
        pdb: multi_node,
        affinity: spread(multi_node, &cp_selector),
    };

    // ---- gateway
    let gw_selector = selector("gateway", &gateway_name);
    let gateway = Workload {
        name: gateway_name.clone(),
        component: "gateway",
        image: gateway_image,
        replicas,
        labels: labels(&base_labels, "gateway", &gateway_name),
        selector: gw_selector.clone(),
        pod_annotations: annotations(&[]),
        env: {
            let mut e = vec![pod_namespace, database_url.clone()];
            e.extend(secret_keys_of(&["TOS_SECRET_KEY"]));
            e
        },
        resources: resources("100m", "256Mi", "500m"),
        volumes: vec![json!({"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}})],
        volume_mounts: vec![json!({"name": "tmp", "mountPath": "/tmp"})],
        service_account: "nap-gateway".into(),
        pdb: multi_node,
        affinity: spread(multi_node, &gw_selector),
    };

    // ---- seed Jobs
    let mut seed_admin_env = vec![
        database_url.clone(),
        plain_env("ADMIN_EMAIL", settings.str("ADMIN_EMAIL")),
    ];
    seed_admin_env.extend(secret_keys_of(&["ADMIN_PASSWORD"]));
    let seeds = vec![seed_job(
        &base_labels,
        "admin",
        &control_plane_image,
        seed_admin_env,
        &secret_checksum,
    )];

    let shared_dir = SharedDir {
        claim: "nap-shared".into(),
        storage_class: settings.str("RWX_STORAGE_CLASS").to_string(),
        size: settings.str("SHARED_DIR_SIZE").to_string(),
        // One node: every pod shares the node, so ReadWriteOnce suffices (and local-path offers nothing else).
        access_mode: if multi_node {
            "ReadWriteMany"
        } else {
            "ReadWriteOnce"
        },
        labels: labels(&base_labels, "shared-dir", "nap-shared"),
    };

    let mut templates = vec![
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
    ];
    if secret.rendered {
        templates.push("core/secret.yaml");
    }
    if multi_node {
        templates.push("core/disruption-budgets.yaml");
    }
    if ldap_ca.is_some() {
        templates.push("ldap/ca.yaml");
    }

    let nodeport = settings.str("INGRESS_MODE") == "nodeport";
    Plan {
        namespace,
        profile: settings.str("PROFILE").to_string(),
        multi_node,
        version,
        ingress_mode: settings.str("INGRESS_MODE").to_string(),
        labels: base_labels,
        pod_security,
        container_security,
        config,
        secret,
        control_plane,
        control_plane_service_type: if nodeport { "NodePort" } else { "ClusterIP" },
        control_plane_node_port: nodeport.then(|| settings.int("TOS_NODE_PORT")),
        gateway,
        database,
        shared_dir,
        workspace,
        seeds,
        ldap_ca,
        ldap_ca_config_map: LDAP_CA_CONFIG_MAP,
        public_url,
        images,
        templates,
    }
}

fn seed_job(
    base: &Map,
    task: &'static str,
    image: &str,
    env: Vec<Value>,
    secret_checksum: &str,
) -> SeedJob {
    let hash = checksum(&(task, image, &env, secret_checksum));
    SeedJob {
        name: format!("nap-seed-{task}-{}", &hash[..8]),
        task,
        labels: labels(base, "seed", &format!("nap-seed-{task}")),
        image: image.to_string(),
        env,
    }
}

/// Twice a CPU quantity (`1` → `2`, `500m` → `1000m`, `0.5` → `1`).
fn double_cpu(cpu: &str) -> String {
    if let Some(milli) = cpu.strip_suffix('m') {
        return format!("{}m", milli.parse::<u64>().map(|m| m * 2).unwrap_or(2000));
    }
    match cpu.parse::<f64>() {
        Ok(c) => {
            let d = c * 2.0;
            if d.fract() == 0.0 {
                format!("{}", d as u64)
            } else {
                format!("{}m", (d * 1000.0).round() as u64)
            }
        }
        Err(_) => "2".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_cpu() {
        assert_eq!(double_cpu("1"), "2");
        assert_eq!(double_cpu("500m"), "1000m");
        assert_eq!(double_cpu("0.5"), "1");
        assert_eq!(double_cpu("0.25"), "500m");
    }
}

//! The core platform every configuration has: the shared configuration, the platform Secret,
//! PostgreSQL, the control plane, the channel gateway, the seed Jobs and the shared directory.

use super::VolumeMount;
use super::{
    backup, checksum, oauth, plain_env, selector, tmp_volume, Backup, Browser, ConfigPlan,
    Connection, Ctx, Database, EnvVar, ExternalServer, Sandbox, SecretPlan, SeedJob, SharedDir,
    Workload, CONNECTION_KEYS, DATABASE_APP_SECRET, LDAP_CA_CONFIG_MAP, MESH_EXCLUSION,
    RUNTIME_TEMPLATES, SEED_COMPONENT, SHARED_CLAIM,
};
use crate::config::types::AgentType;
use indexmap::IndexMap;
use serde_json::{json, Value};
use std::borrow::Cow;

/// The control plane's Deployment and Service.
pub const CONTROL_PLANE: &str = "nap-control-plane";
/// The channel gateway's Deployment and Service.
pub const GATEWAY: &str = "nap-gateway";
/// The CloudNativePG Cluster.
pub const DATABASE: &str = "nap-postgres";

/// The platform Secret: its keys, and their values when values.env gives them all.
pub(crate) fn secret(ctx: &Ctx) -> SecretPlan {
    SecretPlan {
        name: ctx.secret_name.clone(),
        rendered: ctx.secrets_rendered,
        keys: ctx.secret_keys.clone(),
        data: if ctx.secrets_rendered {
            ctx.secret_keys
                .iter()
                .map(|k| (*k, ctx.secret_value(k).to_string()))
                .collect()
        } else {
            IndexMap::new()
        },
        labels: ctx.labels("secrets", "nap"),
    }
}

/// PostgreSQL: instances, storage, resources and placement; the backup plugin when on.
pub(crate) fn database(ctx: &Ctx, image: String, backup: Option<&Backup>) -> Database {
    let config = &ctx.config.database;
    let rwo_class = &ctx.config.storage.rwo_class;
    let instances = i64::from(config.instances);
    Database {
        name: DATABASE.to_string(),
        instances,
        enable_pdb: instances > 1,
        image,
        storage_class: rwo_class.clone(),
        size: config.storage_size.as_str().to_string(),
        database: "nap".into(),
        owner: "nap".into(),
        app_secret: DATABASE_APP_SECRET.to_string(),
        resources: config.resources.clone(),
        affinity: database_affinity(ctx, instances),
        priority_class_name: ctx.placement.priority_class_name.clone(),
        wal_storage: config
            .wal_storage_size
            .as_ref()
            .map(|size| json!({"storageClass": rwo_class, "size": size.as_str()})),
        plugins: backup.map(|b| vec![backup::cluster_plugin(b)]),
        labels: ctx.labels("database", DATABASE),
    }
}

/// How the pods reach PostgreSQL: CloudNativePG's `<cluster>-app` Secret, or the connection
/// Secret of the external server with the same keys. The one place the connection is derived:
/// every pod reads `uri` from `ctx.database_secret`, whatever the mode.
pub(crate) fn connection(ctx: &Ctx) -> Connection {
    use super::secrets::Provider;
    let Some(server) = &ctx.config.database.external else {
        return Connection {
            secret: DATABASE_APP_SECRET.to_string(),
            keys: vec!["uri"],
            provider: Provider::CloudNativePg,
            external: None,
        };
    };
    // An IPv6 address is bracketed in a URI's authority.
    let host = server.host.as_str();
    let authority = match server.host.ip() {
        Some(std::net::IpAddr::V6(_)) => format!("[{host}]:{}", server.port),
        _ => format!("{host}:{}", server.port),
    };
    let sslrootcert = server.sslmode.verifies().then(|| {
        let outbound = &ctx.config.outbound;
        if outbound.ca_bundle.is_some() || outbound.ca_bundle_config_map.is_some() {
            super::CA_FILE.to_string()
        } else {
            "system".to_string()
        }
    });
    let mut query = format!("sslmode={}", server.sslmode);
    if let Some(root) = &sslrootcert {
        query.push_str(&format!("&sslrootcert={root}"));
    }
    let uri = |password: &str| {
        format!(
            "postgresql://{}:{password}@{authority}/{}?{query}",
            server.user, server.name
        )
    };
    let rendered = ctx.secrets_rendered && server.password.is_some();
    let data = if rendered {
        let password = server.password.as_ref().map_or("", |p| p.expose());
        let values = [
            host.to_string(),
            server.port.to_string(),
            server.name.clone(),
            server.user.clone(),
            password.to_string(),
            uri(&percent_encode(password)),
        ];
        CONNECTION_KEYS.into_iter().zip(values).collect()
    } else {
        IndexMap::new()
    };
    Connection {
        secret: ctx.database_secret.to_string(),
        keys: CONNECTION_KEYS.to_vec(),
        provider: if rendered {
            Provider::Napgen
        } else {
            Provider::Operator
        },
        external: Some(ExternalServer {
            host: host.to_string(),
            port: server.port,
            dbname: server.name.clone(),
            user: server.user.clone(),
            sslmode: server.sslmode.as_str(),
            sslrootcert,
            uri_template: uri("PASSWORD"),
            rendered,
            data,
            labels: ctx.labels("database", ctx.database_secret),
        }),
    }
}

/// A URI's userinfo part: every byte but the unreserved ones percent-encoded (RFC 3986).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// CloudNativePG's affinity: instances kept apart on multi-node (POSTGRES_ANTI_AFFINITY), and the
/// platform's node selector and tolerations.
fn database_affinity(ctx: &Ctx, instances: i64) -> Value {
    let spread = ctx.multi_node && instances > 1;
    let mut affinity = json!({
        "enablePodAntiAffinity": ctx.multi_node,
        "topologyKey": "kubernetes.io/hostname",
    });
    if spread {
        affinity["podAntiAffinityType"] = json!(ctx.config.database.anti_affinity.as_str());
    }
    if let Some(n) = &ctx.placement.node_selector {
        affinity["nodeSelector"] = json!(n);
    }
    if let Some(t) = &ctx.placement.tolerations {
        affinity["tolerations"] = json!(t);
    }
    affinity
}

/// The configuration the control plane and the gateway share (the `nap-config` ConfigMap).
pub(crate) fn config_map(
    ctx: &Ctx,
    public_url: &str,
    sandbox: Option<&Sandbox>,
    browser: Option<&Browser>,
) -> ConfigPlan {
    let config = ctx.config;
    // Room for every key below.
    let mut data: IndexMap<&'static str, String> = IndexMap::with_capacity(22);
    let mut put = |k: &'static str, v: Cow<str>| {
        data.insert(k, v.into_owned());
    };
    put("NAP_PUBLIC_URL", public_url.into());
    put("NAP_NAMESPACE", ctx.namespace.as_str().into());
    put("NAP_PROFILE", config.cluster.profile.as_str().into());
    put("NAP_GATEWAY_URL", ctx.service_url(GATEWAY).into());
    put(
        "NAP_CONTROL_PLANE_URL",
        ctx.service_url(CONTROL_PLANE).into(),
    );
    // Webhooks reach the gateway through the platform's own entry: the control plane proxies
    // this path, so no extra NodePort is needed.
    put("NAP_WEBHOOK_BASE_URL", format!("{public_url}/hooks").into());
    put("NAP_SHARED_DIR", "/afs".into());
    let agent_types: Vec<&str> = config.agents.types.iter().map(|t| t.as_str()).collect();
    put("NAP_AGENT_TYPES", agent_types.join(",").into());
    put(
        "NAP_WORKSPACE_POD_TEMPLATES",
        "/etc/nap/workspace-templates".into(),
    );
    put(
        "NAP_WORKSPACE_STORAGE_CLASS",
        config.storage.rwo_class.as_str().into(),
    );
    put(
        "NAP_WORKSPACE_DISK_SIZE",
        config.storage.workspace_disk_size.as_str().into(),
    );
    put("NAP_WORKSPACE_SERVICE_ACCOUNT", "nap-workspace".into());
    if let Some(codex) = &config.codex {
        put("OPENAI_BASE_URL", codex.base_url.as_str().into());
    }
    if let Some(claude_code) = &config.claude_code {
        put("ANTHROPIC_BASE_URL", claude_code.base_url.as_str().into());
    }
    if let Some(s) = sandbox {
        put("NAP_SANDBOX_URL", s.origin.as_str().into());
    }
    if let Some(b) = browser {
        put("NAP_BROWSER_URL", b.origin.as_str().into());
    }
    if let Some(ldap) = &config.ldap {
        put("LDAP_URL", ldap.url.as_str().into());
        put("LDAP_START_TLS", ldap.start_tls.to_string().into());
        put("LDAP_BIND_DN", ldap.bind_dn.as_str().into());
        put("LDAP_USER_BASE_DN", ldap.user_base_dn.as_str().into());
        put("LDAP_USER_FILTER", ldap.user_filter.as_str().into());
        if ldap.ca_cert.is_some() {
            put("LDAP_CA_CERT_FILE", "/etc/nap/ldap/ca.crt".into());
        }
    }
    ConfigPlan {
        name: "nap-config".into(),
        data,
        labels: ctx.labels("config", "nap"),
    }
}

/// `POD_NAMESPACE` from the pod's own metadata.
fn pod_namespace() -> EnvVar {
    EnvVar::from_field("POD_NAMESPACE", "metadata.namespace")
}

/// The control plane: the shared directory, the workspace templates, its secrets as files, and
/// the LDAP CA when given. `workspace_checksum` rolls it when the workspace templates change.
pub(crate) fn control_plane(
    ctx: &Ctx,
    image: &str,
    config: &ConfigPlan,
    workspace_checksum: String,
    ldap_ca: Option<&str>,
) -> Workload {
    let secrets = [
        "TOS_SECRET_KEY",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "LDAP_BIND_PASSWORD",
        "BRIDGE_MASTER_KEY",
    ];
    let pods = &ctx.config.services.control_plane;
    let (tmp, tmp_mount) = tmp_volume("1Gi");
    let mut env = vec![pod_namespace()];
    let mut volumes = vec![
        json!({"name": "shared", "persistentVolumeClaim": {"claimName": SHARED_CLAIM}}),
        json!({"name": "workspace-templates", "configMap": {"name": RUNTIME_TEMPLATES}}),
        tmp,
    ];
    let mut mounts = vec![
        VolumeMount::new("shared", "/afs"),
        VolumeMount::read_only("workspace-templates", "/etc/nap/workspace-templates"),
        tmp_mount,
    ];
    // Through the bridge, an agent's API key is the bridge's master key.
    let bridged = |agent: AgentType, key: &'static str| {
        if ctx.config.bridge_serves(agent) {
            "BRIDGE_MASTER_KEY"
        } else {
            key
        }
    };
    let secret_files = [
        ("TOS_SECRET_KEY", "TOS_SECRET_KEY"),
        (
            bridged(AgentType::Codex, "OPENAI_API_KEY"),
            "OPENAI_API_KEY",
        ),
        (
            bridged(AgentType::ClaudeCode, "ANTHROPIC_API_KEY"),
            "ANTHROPIC_API_KEY",
        ),
        ("LDAP_BIND_PASSWORD", "LDAP_BIND_PASSWORD"),
    ];
    ctx.secret_files_as(&secret_files, true)
        .attach(&mut env, &mut volumes, &mut mounts);
    ctx.outbound.attach(&mut env, &mut volumes, &mut mounts);
    let mut extra = vec![("checksum/workspace-templates", workspace_checksum)];
    extra.extend(ctx.database_checksum());
    if let Some(ca) = ldap_ca {
        volumes.push(json!({"name": "ldap-ca", "configMap": {"name": LDAP_CA_CONFIG_MAP}}));
        mounts.push(VolumeMount::read_only("ldap-ca", "/etc/nap/ldap"));
        extra.push(("checksum/ldap-ca", checksum(&ca)));
    }
    let selector = selector("control-plane", CONTROL_PLANE);
    Workload {
        name: CONTROL_PLANE.to_string(),
        component: "control-plane",
        image: image.to_string(),
        scale: pods.scale,
        labels: ctx.labels("control-plane", CONTROL_PLANE),
        annotations: ctx.scan_exceptions(
            &[image],
            &[("CKV_K8S_38", "the control plane creates workspace pods through the Kubernetes API, so it needs its token")],
        ),
        selector: selector.clone(),
        pod_annotations: ctx.checksums(Some(&checksum(&config.data)), &secrets, &extra),
        env,
        resources: pods.resources.clone(),
        volumes,
        volume_mounts: mounts,
        service_account: CONTROL_PLANE.to_string(),
        availability: ctx.availability(&selector, pods.scale.replicas),
    }
}

/// The channel gateway. Its few settings are plain env, not the shared ConfigMap, so that
/// enabling a module (which adds links to the ConfigMap) does not roll the gateway.
pub(crate) fn gateway(ctx: &Ctx, image: String, config: &ConfigPlan) -> Workload {
    let selector = selector("gateway", GATEWAY);
    let secrets = ["TOS_SECRET_KEY"];
    let (tmp, tmp_mount) = tmp_volume("256Mi");
    let mut env = vec![pod_namespace()];
    env.extend(
        [
            "NAP_PUBLIC_URL",
            "NAP_WEBHOOK_BASE_URL",
            "NAP_CONTROL_PLANE_URL",
        ]
        .iter()
        .map(|k| plain_env(*k, config.data[*k].clone())),
    );
    let (mut volumes, mut mounts) = (vec![tmp], vec![tmp_mount]);
    ctx.secret_files(&secrets, true)
        .attach(&mut env, &mut volumes, &mut mounts);
    ctx.outbound.attach(&mut env, &mut volumes, &mut mounts);
    let annotations = ctx.scan_exceptions(&[&image], &[]);
    let pods = &ctx.config.services.gateway;
    Workload {
        name: GATEWAY.to_string(),
        component: "gateway",
        image,
        scale: pods.scale,
        labels: ctx.labels("gateway", GATEWAY),
        annotations,
        selector: selector.clone(),
        pod_annotations: ctx.checksums(None, &secrets, &Vec::from_iter(ctx.database_checksum())),
        env,
        resources: pods.resources.clone(),
        volumes,
        volume_mounts: mounts,
        service_account: "nap-gateway".into(),
        availability: ctx.availability(&selector, pods.scale.replicas),
    }
}

/// The seed Jobs: the first administrator, and the OAuth clients of the modules that sign in.
pub(crate) fn seeds(ctx: &Ctx, image: &str, oauth_clients: &[oauth::OAuthClient]) -> Vec<SeedJob> {
    let admin_email = plain_env("ADMIN_EMAIL", ctx.config.admin.email.clone());
    let mut seeds = vec![seed_job(
        ctx,
        "admin",
        image,
        vec![admin_email],
        &["ADMIN_PASSWORD"],
    )];
    if !oauth_clients.is_empty() {
        let clients = plain_env("NAP_OAUTH_CLIENTS", oauth::registration_json(oauth_clients));
        seeds.push(seed_job(ctx, "oauth-clients", image, vec![clients], &[]));
    }
    seeds
}

fn seed_job(
    ctx: &Ctx,
    task: &'static str,
    image: &str,
    env: Vec<EnvVar>,
    secret_keys: &[&'static str],
) -> SeedJob {
    // A Job's pod template is immutable: everything in it is in the name's hash, so a change
    // makes a new Job instead of a failed apply.
    let pod_annotations = mesh_exclusion();
    let pod = json!({
        "annotations": &pod_annotations,
        "podSecurity": &ctx.pod_security,
        "containerSecurity": &ctx.container_security,
        // The template's own text: a change to it (a napgen upgrade) is a new Job too.
        "template": SEED_TEMPLATE,
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
        pod_annotations,
        hook_name,
        env,
        volumes,
        volume_mounts,
    }
}

/// The seed Jobs' template, whose text is part of each Job's name hash.
const SEED_TEMPLATE: &str = include_str!("../../templates/core/seed/jobs.yaml");

/// The pod annotations that keep a service mesh's sidecar out of a Job's pod: an injected Istio
/// or Linkerd proxy keeps running after the seed has finished, so the pod (and the Job) would
/// never complete.
pub(crate) fn mesh_exclusion() -> super::Map {
    MESH_EXCLUSION.iter().copied().collect()
}

/// The shared directory's claim, mounted at /afs by the control plane and every workspace.
pub(crate) fn shared_dir(ctx: &Ctx) -> SharedDir {
    let storage = &ctx.config.storage;
    SharedDir {
        claim: SHARED_CLAIM,
        storage_class: storage.rwx_class.clone(),
        size: storage.shared_dir_size.as_str().to_string(),
        // One node: every pod shares the node, so ReadWriteOnce suffices (and local-path offers nothing else).
        access_mode: if ctx.multi_node {
            "ReadWriteMany"
        } else {
            "ReadWriteOnce"
        },
        labels: ctx.labels("shared-dir", SHARED_CLAIM),
    }
}

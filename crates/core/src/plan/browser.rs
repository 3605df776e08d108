//! Remote Browser: `browser-service`, the headful Chromium session pods the control plane creates,
//! and the bundled TURN relay (coturn).
//!
//! coturn is the one workload that needs host networking (a 101-port UDP relay range cannot be
//! expressed as hostPorts), which the restricted Pod Security Standard forbids. So it runs in a
//! namespace of its own, `<NAMESPACE>-turn`, the only one labelled `privileged`; everything else
//! stays restricted.

use super::oauth::{client, OAuthClient};
use super::sandbox::Sandbox;
use super::VolumeMount;
use super::{checksum, image_ref, plain_env, selector, tmp_volume, Ctx, Exposure, Map, Workload};
use crate::config::types::Cidr;
use crate::config::Config;
use serde::Serialize;
use serde_json::{json, Value};
use std::net::IpAddr;

/// coturn's listening port (TCP and UDP) and relay range, as the seeds fix them.
pub const TURN_PORT: u16 = 3478;
pub const RELAY_PORTS: (u16, u16) = (49152, 49252);
pub const COTURN_VERSION: &str = "4.6.3";
/// The coturn image runs as `nobody`.
const COTURN_UID: u32 = 65534;

/// A value that never shows in `{:?}` output.
#[derive(Clone, Serialize)]
#[serde(transparent)]
pub struct Redacted(pub String);

impl From<Redacted> for Value {
    fn from(value: Redacted) -> Value {
        Value::from(value.0)
    }
}

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Serialize)]
pub struct Coturn {
    pub namespace: String,
    pub name: &'static str,
    pub image: String,
    pub labels: Map,
    pub selector: Map,
    /// turnserver.conf without the secret, which is appended at start from the Secret.
    pub config: String,
    pub secret_name: String,
    /// The Secret is in the bundle when values.env holds the secrets.
    pub secret_rendered: bool,
    pub auth_secret: Option<Redacted>,
    /// TURN_NODE's hostname label, with NODE_SELECTOR.
    pub node_selector: Map,
    pub tolerations: Option<Vec<Value>>,
    pub priority_class_name: Option<String>,
    pub pod_annotations: Map,
    /// The host-network exception and the scanner findings it implies, with reasons.
    pub annotations: Map,
    pub pod_security: Value,
    pub resources: super::Resources,
    /// Why host networking is allowed here; shown in the object's annotations.
    pub exception: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Browser {
    pub workload: Workload,
    pub network_policies: Vec<super::NetworkPolicy>,
    pub exposure: Exposure,
    /// Public origin (no trailing slash), the same one its OAuth client registers.
    pub origin: String,
    /// The pod template of one browser session (YAML text), created by the control plane.
    pub session_template: String,
    pub coturn: Coturn,
}

/// The one key coturn reads from its Secret (the file `/etc/coturn-auth/TURN_AUTH_SECRET`).
pub const COTURN_SECRET_KEY: &str = "TURN_AUTH_SECRET";

const HOST_NETWORK_REASON: &str = "coturn relays UDP on 49152-49252 and 3478; a port range cannot be expressed as hostPorts, so it uses the host network, confined to this namespace";

pub(crate) fn plan(
    ctx: &mut Ctx,
    browser: &crate::config::Browser,
    platform_url: &str,
    clients: &[OAuthClient],
    sandbox: Option<&Sandbox>,
) -> Browser {
    let name = "browser-service";
    let oauth = client(clients, "browser-service");
    let turn_host = &browser.turn_host;
    let turn_urls = format!(
        "turn:{turn_host}:{TURN_PORT}?transport=udp,turn:{turn_host}:{TURN_PORT}?transport=tcp"
    );
    let image = ctx.platform_image("Remote Browser (browser-service)", "browser-service");
    let chromium = ctx.platform_image(
        "browser session pods (headful Chromium)",
        "headful-chromium",
    );
    let coturn_image = ctx.image(
        "TURN relay (coturn)",
        image_ref(
            &ctx.config.images,
            "docker.io",
            "coturn",
            "coturn",
            COTURN_VERSION,
        ),
    );

    // The browser calls the sandbox only when both modules are on (and only then gets its key).
    let mut secrets = vec!["BROWSER_JWT_SECRET", "TURN_AUTH_SECRET"];
    let mut env = super::oauth::client_env(ctx, platform_url, oauth, "BROWSER_PUBLIC_URL");
    env.push(plain_env("TURN_URLS", turn_urls.clone()));
    if sandbox.is_some() {
        env.push(plain_env("NAP_SANDBOX_URL", ctx.service_url("nap-sandbox")));
        secrets.push("SANDBOX_SERVICE_KEY");
    }

    let session_labels = ctx.labels("browser-session", "nap-browser-session");
    let (mut session_env, mut session_volumes, mut session_mounts) = (
        vec![
            plain_env("TURN_URLS", turn_urls),
            plain_env("BROWSER_SERVICE_URL", ctx.service_url(name)),
        ],
        vec![
            json!({"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}),
            json!({"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}),
            json!({"name": "profile", "emptyDir": {"sizeLimit": "2Gi"}}),
        ],
        vec![
            VolumeMount::new("dshm", "/dev/shm"),
            VolumeMount::new("tmp", "/tmp"),
            VolumeMount::new("profile", "/home/chromium"),
        ],
    );
    ctx.outbound
        .attach(&mut session_env, &mut session_volumes, &mut session_mounts);
    let session = super::RuntimeContainer {
        name: "chromium",
        image: &chromium,
        env: session_env,
        resources: browser.session.clone(),
        mounts: session_mounts,
    };
    let session_template = ctx.runtime_pod(
        &session_labels,
        Some("nap-workspace"),
        session,
        session_volumes,
    );

    let (tmp, tmp_mount) = tmp_volume("256Mi");
    let (mut volumes, mut volume_mounts) = (vec![tmp], vec![tmp_mount]);
    ctx.secret_files(&secrets, false)
        .attach(&mut env, &mut volumes, &mut volume_mounts);
    ctx.outbound
        .attach(&mut env, &mut volumes, &mut volume_mounts);
    let sel = selector("browser", name);
    let annotations = ctx.scan_exceptions(&[image.as_str()], &[]);
    let pods = &browser.service;
    let workload = Workload {
        name: name.into(),
        component: "browser",
        image,
        scale: pods.scale,
        labels: ctx.labels("browser", name),
        annotations,
        selector: sel.clone(),
        pod_annotations: ctx.checksums(None, &secrets, &[]),
        env,
        resources: pods.resources.clone(),
        volumes,
        volume_mounts,
        service_account: name.into(),
        availability: ctx.availability(&sel, pods.scale.replicas),
    };

    Browser {
        workload,
        network_policies: super::network::browser(ctx, browser),
        exposure: ctx.exposure(browser.node_port),
        origin: oauth.origin.clone(),
        session_template,
        coturn: coturn(ctx, browser, coturn_image),
    }
}

fn coturn(ctx: &Ctx, browser: &crate::config::Browser, image: String) -> Coturn {
    let config = turnserver_conf(ctx.config);
    let mut labels = ctx.labels("turn", "coturn");
    labels.insert("app", "coturn");
    let mut selector = selector("turn", "coturn");
    selector.insert("app", "coturn");
    let mut node_selector = super::placement::node_selector(&ctx.config.placement);
    if let Some(node) = &browser.turn_node {
        node_selector.insert("kubernetes.io/hostname", node.as_str().to_owned());
    }
    let mut pod_annotations = Map::with_capacity(2);
    pod_annotations.insert("checksum/config", checksum(&config));
    pod_annotations.insert("checksum/secret", ctx.secret_checksum(&[COTURN_SECRET_KEY]));
    let mut annotations = Map::with_capacity(4);
    annotations.insert("napgen.io/pod-security-exception", HOST_NETWORK_REASON);
    annotations
        .append(ctx.scan_exceptions(&[image.as_str()], &[("CKV_K8S_19", HOST_NETWORK_REASON)]));
    Coturn {
        annotations,
        namespace: super::secrets::turn_namespace(&ctx.config.cluster.namespace),
        name: "coturn",
        image,
        labels,
        selector,
        config,
        secret_name: super::secrets::coturn_secret_name(ctx.config.secrets.existing.as_deref())
            .to_string(),
        secret_rendered: ctx.secrets_rendered,
        auth_secret: ctx
            .secrets_rendered
            .then(|| Redacted(ctx.secret_value(COTURN_SECRET_KEY).to_string())),
        node_selector,
        tolerations: ctx.placement.tolerations.clone(),
        priority_class_name: ctx.placement.priority_class_name.clone(),
        pod_annotations,
        pod_security: super::pod_security(ctx.config, COTURN_UID, false),
        resources: browser.turn.clone(),
        exception: HOST_NETWORK_REASON,
    }
}

/// Address ranges the relay must never reach: loopback, link-local (cloud metadata), private and
/// shared ranges, and the cluster's own pod and service networks.
const DENIED_RANGES: &[&str] = &[
    "0.0.0.0-0.255.255.255",
    "10.0.0.0-10.255.255.255",
    "100.64.0.0-100.127.255.255",
    "127.0.0.0-127.255.255.255",
    "169.254.0.0-169.254.255.255",
    "172.16.0.0-172.31.255.255",
    "192.0.0.0-192.0.0.255",
    "192.168.0.0-192.168.255.255",
    "198.18.0.0-198.19.255.255",
    "240.0.0.0-255.255.255.255",
    "::1",
    "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
];

/// turnserver.conf, without `static-auth-secret`: the container appends it from the Secret at
/// start, so the secret is never in a ConfigMap or on a command line.
pub fn turnserver_conf(config: &Config) -> String {
    let browser = config.browser.as_ref().expect("the browser module is on");
    let turn_host = &browser.turn_host;
    let mut lines = vec![
        format!("listening-port={TURN_PORT}"),
        format!("min-port={}", RELAY_PORTS.0),
        format!("max-port={}", RELAY_PORTS.1),
        "fingerprint".into(),
        "use-auth-secret".into(),
        format!("realm={}", browser.turn_realm),
    ];
    if turn_host.ip().is_some() {
        lines.push(format!("external-ip={turn_host}"));
        // Browser and session both relay through this server, so its own address must stay
        // reachable even when it lies in a denied (private) range.
        lines.push(format!("allowed-peer-ip={turn_host}"));
    }
    lines.extend(
        [
            "no-cli",
            "no-tls",
            "no-dtls",
            "no-multicast-peers",
            "no-software-attribute",
            "log-file=stdout",
            "pidfile=/var/run/coturn/turnserver.pid",
        ]
        .map(String::from),
    );
    lines.extend(DENIED_RANGES.iter().map(|r| format!("denied-peer-ip={r}")));
    let cluster = &config.cluster;
    for cidr in cluster.pod_cidrs.iter().chain(&cluster.service_cidrs) {
        lines.push(format!("denied-peer-ip={}", cidr_range(cidr)));
    }
    lines.join("\n") + "\n"
}

/// `10.42.0.0/16` → `10.42.0.0-10.42.255.255` (coturn takes ranges, not CIDRs).
pub fn cidr_range(cidr: &Cidr) -> String {
    let prefix = u32::from(cidr.prefix);
    match cidr.addr {
        IpAddr::V4(a) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            let start = u32::from(a) & mask;
            format!(
                "{}-{}",
                std::net::Ipv4Addr::from(start),
                std::net::Ipv4Addr::from(start | !mask)
            )
        }
        IpAddr::V6(a) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            let start = u128::from(a) & mask;
            format!(
                "{}-{}",
                std::net::Ipv6Addr::from(start),
                std::net::Ipv6Addr::from(start | !mask)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr_range(text: &str) -> String {
        super::cidr_range(&Cidr::parse(text, &text).expect("a CIDR block"))
    }

    #[test]
    fn cidr_ranges() {
        assert_eq!(cidr_range("10.42.0.0/16"), "10.42.0.0-10.42.255.255");
        assert_eq!(cidr_range("10.96.0.0/12"), "10.96.0.0-10.111.255.255");
        assert_eq!(cidr_range("10.96.3.4/12"), "10.96.0.0-10.111.255.255");
        assert_eq!(cidr_range("0.0.0.0/0"), "0.0.0.0-255.255.255.255");
        assert_eq!(
            cidr_range("fd00:10::/56"),
            "fd00:10::-fd00:10:0:ff:ffff:ffff:ffff:ffff"
        );
    }
}

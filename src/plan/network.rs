//! NetworkPolicies: deny everything in the namespace, then allow the flows the platform needs.
//! Agent, sandbox and browser-session pods reach the internet but never cloud metadata,
//! link-local addresses or the cluster's own ranges, unless AGENT_EGRESS_ALLOW_CIDRS says so.

use super::{Ctx, Map, HTTP_PORT};
use serde::Serialize;
use serde_json::{json, Value};
use std::net::IpAddr;

/// One NetworkPolicy: which pods, and the rules (empty lists deny; `None` leaves a direction out).
#[derive(Debug, Serialize)]
pub struct NetworkPolicy {
    pub name: String,
    /// Why the flow exists, shown as an annotation on the object.
    pub purpose: &'static str,
    pub pod_selector: Value,
    pub policy_types: Vec<&'static str>,
    pub ingress: Option<Vec<Value>>,
    pub egress: Option<Vec<Value>>,
    pub labels: Map,
}

const COMPONENT: &str = "app.kubernetes.io/component";

/// Ranges that are never the internet: private, shared, loopback, link-local (cloud metadata).
const NOT_INTERNET_V4: &[&str] = &[
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
];
const NOT_INTERNET_V6: &[&str] = &["fc00::/7", "fe80::/10"];

fn component(c: &str) -> Value {
    json!({"matchLabels": {COMPONENT: c}})
}

fn from_components(components: &[&str]) -> Vec<Value> {
    components
        .iter()
        .map(|c| json!({"podSelector": component(c)}))
        .collect()
}

fn tcp(ports: &[u16]) -> Vec<Value> {
    ports
        .iter()
        .map(|p| json!({"protocol": "TCP", "port": p}))
        .collect()
}

fn postgres_pods(cluster: &str) -> Value {
    json!({"podSelector": {"matchLabels": {"cnpg.io/cluster": cluster}}})
}

/// The internet: everything but the ranges above, the cluster's own CIDRs, minus what the
/// operator allows explicitly.
fn internet(ctx: &Ctx) -> Vec<Value> {
    let s = ctx.settings;
    let cluster: Vec<&String> = s
        .list("CLUSTER_POD_CIDRS")
        .iter()
        .chain(s.list("CLUSTER_SERVICE_CIDRS"))
        .collect();
    let except_v4: Vec<String> = NOT_INTERNET_V4
        .iter()
        .map(|c| c.to_string())
        .chain(
            cluster
                .iter()
                .filter(|c| !c.contains(':'))
                .map(|c| c.to_string()),
        )
        .collect();
    let except_v6: Vec<String> = NOT_INTERNET_V6
        .iter()
        .map(|c| c.to_string())
        .chain(
            cluster
                .iter()
                .filter(|c| c.contains(':'))
                .map(|c| c.to_string()),
        )
        .collect();
    let mut peers = vec![
        json!({"ipBlock": {"cidr": "0.0.0.0/0", "except": except_v4}}),
        json!({"ipBlock": {"cidr": "::/0", "except": except_v6}}),
    ];
    peers.extend(
        allowed_private(ctx)
            .into_iter()
            .map(|c| json!({"ipBlock": {"cidr": c}})),
    );
    peers
}

/// Private ranges agents may reach: AGENT_EGRESS_ALLOW_CIDRS, plus LLM endpoints given as IPs.
pub fn allowed_private(ctx: &Ctx) -> Vec<String> {
    let s = ctx.settings;
    let mut cidrs: Vec<String> = s.list("AGENT_EGRESS_ALLOW_CIDRS").to_vec();
    for key in ["OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"] {
        let host = s
            .str(key)
            .split_once("://")
            .map(|(_, r)| r.split(['/', ':']).next().unwrap_or(""))
            .unwrap_or("");
        if let Ok(ip) = host.parse::<IpAddr>() {
            let cidr = host_cidr(ip);
            if !cidrs.contains(&cidr) {
                cidrs.push(cidr);
            }
        }
    }
    cidrs
}

/// Everything outside the cluster except link-local (cloud metadata): the API server, LDAP and
/// LLM endpoints, whose addresses differ per site.
fn outside_but_metadata() -> Vec<Value> {
    vec![
        json!({"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}}),
        json!({"ipBlock": {"cidr": "::/0", "except": ["fe80::/10"]}}),
    ]
}

fn policy(
    ctx: &Ctx,
    name: &str,
    purpose: &'static str,
    pod_selector: Value,
    ingress: Option<Vec<Value>>,
    egress: Option<Vec<Value>>,
) -> NetworkPolicy {
    let mut policy_types = Vec::new();
    if ingress.is_some() {
        policy_types.push("Ingress");
    }
    if egress.is_some() {
        policy_types.push("Egress");
    }
    NetworkPolicy {
        name: name.to_string(),
        purpose,
        pod_selector,
        policy_types,
        ingress,
        egress,
        labels: ctx.labels("network-policy", name),
    }
}

/// `/32` or `/128` of an address.
fn host_cidr(ip: IpAddr) -> String {
    if ip.is_ipv4() {
        format!("{ip}/32")
    } else {
        format!("{ip}/128")
    }
}

/// Host and port of a validated `http(s)://host[:port]` URL (port by scheme when not given).
pub(crate) fn host_port(url: &str) -> (String, u16) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let authority = rest.split('/').next().unwrap_or(rest);
    let default = if scheme == "https" { 443 } else { 80 };
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']').unwrap_or((v6, ""));
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
        return (host.to_string(), port.unwrap_or(default));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host.to_string(), port.parse().unwrap_or(default)),
        None => (authority.to_string(), default),
    }
}

/// Egress to one endpoint: the address itself when it is an IP, else anywhere but link-local,
/// on its port only. Returns whether the address was known.
fn to_endpoint(url: &str) -> (Value, bool) {
    let (host, port) = host_port(url);
    match host.parse::<IpAddr>() {
        Ok(ip) => (
            json!({"to": [{"ipBlock": {"cidr": host_cidr(ip)}}], "ports": tcp(&[port])}),
            true,
        ),
        Err(_) => (
            json!({"to": outside_but_metadata(), "ports": tcp(&[port])}),
            false,
        ),
    }
}

/// Every pod may reach the proxy (HTTP_PROXY, HTTPS_PROXY), which may sit on a private address.
fn proxy(ctx: &Ctx) -> Option<NetworkPolicy> {
    let mut rules: Vec<Value> = Vec::new();
    let mut all_ips = true;
    for key in ["HTTP_PROXY", "HTTPS_PROXY"] {
        if let Some(url) = ctx.settings.opt(key) {
            let (rule, ip) = to_endpoint(url);
            all_ips &= ip;
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
    }
    if rules.is_empty() {
        return None;
    }
    let purpose = if all_ips {
        "every pod reaches the proxy (HTTP_PROXY, HTTPS_PROXY) at its address and port"
    } else {
        "every pod reaches the proxy (HTTP_PROXY, HTTPS_PROXY); it is given by name, so its port is open to any address but link-local: give it as an IP to narrow this"
    };
    Some(policy(
        ctx,
        "nap-proxy",
        purpose,
        json!({}),
        None,
        Some(rules),
    ))
}

/// The core platform's policies.
pub(crate) fn core(ctx: &Ctx, database: &str) -> Vec<NetworkPolicy> {
    let anyone = json!({"ports": tcp(&[HTTP_PORT])});
    let mut policies = vec![
        policy(ctx, "nap-default-deny", "deny all traffic to and from the platform's pods unless another policy allows it", json!({}), Some(vec![]), Some(vec![])),
        policy(
            ctx,
            "nap-dns",
            "every pod resolves names through the cluster DNS",
            json!({}),
            None,
            Some(vec![json!({
                "to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            })]),
        ),
        policy(
            ctx,
            "nap-control-plane",
            "users reach the web entry; it reaches its services, workspaces, PostgreSQL, the API server, LDAP and LLM endpoints",
            component("control-plane"),
            Some(vec![anyone.clone()]),
            Some(vec![
                json!({"to": [{"podSelector": {}}], "ports": tcp(&[HTTP_PORT])}),
                json!({"to": [postgres_pods(database)], "ports": tcp(&[5432])}),
                json!({"to": outside_but_metadata()}),
            ]),
        ),
        policy(
            ctx,
            "nap-gateway",
            "webhooks arrive through the control plane; the gateway calls the control plane, PostgreSQL and chat services (HTTPS)",
            component("gateway"),
            Some(vec![json!({"from": from_components(&["control-plane"]), "ports": tcp(&[HTTP_PORT])})]),
            Some(vec![
                json!({"to": from_components(&["control-plane"]), "ports": tcp(&[HTTP_PORT])}),
                json!({"to": [postgres_pods(database)], "ports": tcp(&[5432])}),
                json!({"to": internet(ctx), "ports": tcp(&[443])}),
            ]),
        ),
        policy(
            ctx,
            "nap-workspace",
            "agent pods are driven by the control plane and reach it and the internet, never metadata or cluster ranges",
            component("workspace"),
            Some(vec![json!({"from": from_components(&["control-plane"])})]),
            Some(vec![json!({"to": from_components(&["control-plane"]), "ports": tcp(&[HTTP_PORT])}), json!({"to": internet(ctx)})]),
        ),
        policy(
            ctx,
            "nap-seed",
            "seed Jobs write to PostgreSQL",
            component("seed"),
            None,
            Some(vec![json!({"to": [postgres_pods(database)], "ports": tcp(&[5432])})]),
        ),
        policy(
            ctx,
            "nap-postgres",
            "PostgreSQL serves the platform, replicates between instances, and is managed by the CloudNativePG operator",
            json!({"matchLabels": {"cnpg.io/cluster": database}}),
            Some(vec![
                json!({"from": from_components(&["control-plane", "gateway", "seed"]), "ports": tcp(&[5432])}),
                json!({"from": [postgres_pods(database)], "ports": tcp(&[5432, 8000])}),
                json!({
                    "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ctx.settings.str("CNPG_OPERATOR_NAMESPACE")}}}],
                    "ports": tcp(&[5432, 8000]),
                }),
            ]),
            Some(vec![json!({"to": [postgres_pods(database)], "ports": tcp(&[5432, 8000])}), json!({"to": outside_but_metadata(), "ports": tcp(&[443, 6443])})]),
        ),
    ];
    policies.extend(proxy(ctx));
    policies
}

/// PostgreSQL uploads base backups and WAL to the object store (BACKUP_S3_ENDPOINT, else AWS S3
/// over HTTPS).
pub(crate) fn backup(ctx: &Ctx, database: &str) -> Vec<NetworkPolicy> {
    let rule = match ctx.settings.opt("BACKUP_S3_ENDPOINT") {
        Some(url) => to_endpoint(url).0,
        None => json!({"to": outside_but_metadata(), "ports": tcp(&[443])}),
    };
    vec![policy(
        ctx,
        "nap-postgres-backup",
        "PostgreSQL's barman-cloud sidecar uploads base backups and WAL to the object store",
        json!({"matchLabels": {"cnpg.io/cluster": database}}),
        None,
        Some(vec![rule]),
    )]
}

/// Prometheus, in MONITORING_NAMESPACE, scrapes the platform's services and PostgreSQL.
pub(crate) fn monitoring(ctx: &Ctx, components: &[&str], database: &str) -> Vec<NetworkPolicy> {
    let prometheus = json!([{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": ctx.settings.str("MONITORING_NAMESPACE"),
    }}}]);
    vec![
        policy(
            ctx,
            "nap-monitoring",
            "Prometheus scrapes /metrics on the platform's http port",
            json!({"matchExpressions": [{"key": COMPONENT, "operator": "In", "values": components}]}),
            Some(vec![
                json!({"from": prometheus, "ports": tcp(&[HTTP_PORT])}),
            ]),
            None,
        ),
        policy(
            ctx,
            "nap-postgres-monitoring",
            "Prometheus scrapes PostgreSQL's metrics exporter",
            json!({"matchLabels": {"cnpg.io/cluster": database}}),
            Some(vec![
                json!({"from": prometheus, "ports": tcp(&[super::monitoring::POSTGRES_METRICS_PORT])}),
            ]),
            None,
        ),
    ]
}

pub(crate) fn sandbox(ctx: &Ctx) -> Vec<NetworkPolicy> {
    vec![
        policy(
            ctx,
            "nap-sandbox",
            "users reach nap-sandbox; it calls the control plane and OpenSandbox, which may run in any namespace",
            component("sandbox"),
            Some(vec![json!({"ports": tcp(&[HTTP_PORT])})]),
            Some(vec![json!({"to": from_components(&["control-plane"]), "ports": tcp(&[HTTP_PORT])}), json!({"to": [{"namespaceSelector": {}}]})]),
        ),
        policy(
            ctx,
            "nap-sandbox-pods",
            "sandbox pods serve previews to the platform and reach the internet, never metadata or cluster ranges",
            component("sandbox-pod"),
            Some(vec![json!({"from": [{"podSelector": {}}]})]),
            Some(vec![json!({"to": internet(ctx)})]),
        ),
    ]
}

pub(crate) fn browser(ctx: &Ctx) -> Vec<NetworkPolicy> {
    let turn = ctx
        .settings
        .str("TURN_HOST")
        .parse::<IpAddr>()
        .ok()
        .map(host_cidr);
    let mut session_egress = vec![
        json!({"to": from_components(&["browser", "control-plane"]), "ports": tcp(&[HTTP_PORT])}),
        json!({"to": internet(ctx)}),
    ];
    if let Some(cidr) = turn {
        // The relay may sit on a private address; sessions must reach it all the same.
        session_egress.push(json!({"to": [{"ipBlock": {"cidr": cidr}}]}));
    }
    vec![
        policy(
            ctx,
            "browser-service",
            "users reach browser-service; it talks to the control plane, the sandbox and browser sessions",
            component("browser"),
            Some(vec![json!({"ports": tcp(&[HTTP_PORT])})]),
            Some(vec![json!({"to": from_components(&["control-plane", "sandbox", "browser-session"])})]),
        ),
        policy(
            ctx,
            "nap-browser-session",
            "browser sessions are driven by browser-service and the control plane, stream through the TURN relay and browse the internet, never metadata or cluster ranges",
            component("browser-session"),
            Some(vec![json!({"from": from_components(&["browser", "control-plane"])})]),
            Some(session_egress),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_by_scheme_and_port() {
        assert_eq!(
            host_port("http://proxy.example.com:3128"),
            ("proxy.example.com".into(), 3128)
        );
        assert_eq!(
            host_port("https://s3.example.com"),
            ("s3.example.com".into(), 443)
        );
        assert_eq!(host_port("http://10.0.0.5"), ("10.0.0.5".into(), 80));
        assert_eq!(
            host_port("http://[2001:db8::5]:8080/x"),
            ("2001:db8::5".into(), 8080)
        );
        let (rule, ip) = to_endpoint("http://10.0.0.5:3128");
        assert!(ip);
        assert_eq!(rule["to"][0]["ipBlock"]["cidr"], "10.0.0.5/32");
        assert_eq!(rule["ports"][0]["port"], 3128);
        let (rule, ip) = to_endpoint("http://proxy.example.com:3128");
        assert!(!ip);
        assert_eq!(rule["to"][0]["ipBlock"]["except"][0], "169.254.0.0/16");
    }
}

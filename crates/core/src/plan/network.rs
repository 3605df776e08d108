//! NetworkPolicies: deny everything in the namespace, then allow the flows the platform needs.
//! Agent, sandbox and browser-session pods reach the internet but never cloud metadata,
//! link-local addresses or the cluster's own ranges, unless AGENT_EGRESS_ALLOW_CIDRS says so.

use super::{Ctx, Map, HTTP_PORT};
use crate::config::types::Url;
use crate::config::validate::{cidr_within, service_namespace, METADATA_RANGES};
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

fn component(c: &'static str) -> Value {
    json!({"matchLabels": {COMPONENT: c}})
}

/// Component names as a list of values.
pub(crate) fn component_names(components: &[&'static str]) -> Value {
    Value::Array(components.iter().map(|c| Value::from(*c)).collect())
}

fn from_components(components: &[&'static str]) -> Vec<Value> {
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
    let config = ctx.config;
    let cluster = || {
        config
            .cluster
            .pod_cidrs
            .iter()
            .chain(&config.cluster.service_cidrs)
    };
    // The fixed ranges, then the cluster's own of the same IP version.
    let except = |fixed: &'static [&'static str], v6: bool| {
        let mut list = Vec::with_capacity(fixed.len() + cluster().count());
        list.extend(fixed.iter().map(|c| Value::from(*c)));
        list.extend(
            cluster()
                .filter(|c| c.addr.is_ipv6() == v6)
                .map(|c| Value::from(c.as_str().to_owned())),
        );
        list
    };
    let (except_v4, except_v6) = (
        except(NOT_INTERNET_V4, false),
        except(NOT_INTERNET_V6, true),
    );
    let mut peers = vec![
        json!({"ipBlock": {"cidr": "0.0.0.0/0", "except": except_v4}}),
        json!({"ipBlock": {"cidr": "::/0", "except": except_v6}}),
    ];
    // Private ranges the operator opens on every port: AGENT_EGRESS_ALLOW_CIDRS, but for the
    // metadata ranges inside them.
    peers.extend(config.outbound.agent_egress_allow.iter().map(|c| {
        let c = c.as_str();
        let except: Vec<Value> = METADATA_RANGES
            .iter()
            .filter(|m| cidr_within(m, c))
            .map(|m| Value::from(*m))
            .collect();
        if except.is_empty() {
            json!({"ipBlock": {"cidr": c}})
        } else {
            json!({"ipBlock": {"cidr": c, "except": except}})
        }
    }));
    peers
}

/// The LLM endpoints of the enabled agent types (OPENAI_BASE_URL, ANTHROPIC_BASE_URL).
fn llm_urls<'a>(ctx: &Ctx<'a>) -> Vec<&'a Url> {
    let config = ctx.config;
    let codex = config.codex.as_ref().map(|c| &c.base_url);
    let claude_code = config.claude_code.as_ref().map(|c| &c.base_url);
    codex.into_iter().chain(claude_code).collect()
}

/// Rules for endpoints the internet rule does not reach: those given as an IP (which may be
/// private) and in-cluster Services, each on its URL's port only. Endpoints given by other
/// names are left to the rules that admit them.
fn known_endpoints<'a>(urls: impl IntoIterator<Item = &'a Url>, services_only: bool) -> Vec<Value> {
    let mut rules: Vec<Value> = Vec::new();
    for url in urls {
        let known = match endpoint(url.host()) {
            Endpoint::Ip(_) => !services_only,
            Endpoint::Service(_) => true,
            Endpoint::Name => false,
        };
        let rule = to_endpoint(url).0;
        if known && !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    rules
}

/// Everything outside the cluster except link-local and cloud metadata: the API server, LDAP and
/// LLM endpoints, whose addresses differ per site.
fn outside_but_metadata() -> Vec<Value> {
    let except = |v6: bool| -> Vec<Value> {
        METADATA_RANGES
            .iter()
            .filter(|c| c.contains(':') == v6)
            .map(|c| Value::from(*c))
            .collect()
    };
    vec![
        json!({"ipBlock": {"cidr": "0.0.0.0/0", "except": except(false)}}),
        json!({"ipBlock": {"cidr": "::/0", "except": except(true)}}),
    ]
}

fn policy(
    ctx: &Ctx,
    name: &'static str,
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

/// Where a URL's host is, as egress rules see it.
#[derive(Debug, PartialEq, Eq)]
enum Endpoint {
    /// An IP address.
    Ip(IpAddr),
    /// An in-cluster Service (`name.namespace.svc[.cluster.local]`), in this namespace.
    Service(String),
    /// Any other name: its address is known only once it is resolved.
    Name,
}

fn endpoint(host: &str) -> Endpoint {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Endpoint::Ip(ip);
    }
    match service_namespace(host) {
        Some(namespace) => Endpoint::Service(namespace.to_ascii_lowercase()),
        None => Endpoint::Name,
    }
}

/// Egress to one endpoint on its port only: the address itself when it is an IP, its namespace
/// when it is an in-cluster Service, else anywhere but link-local and metadata. Returns whether
/// the address was known.
fn to_endpoint(url: &Url) -> (Value, bool) {
    let port = url.port();
    match endpoint(url.host()) {
        Endpoint::Ip(ip) => (
            json!({"to": [{"ipBlock": {"cidr": host_cidr(ip)}}], "ports": tcp(&[port])}),
            true,
        ),
        Endpoint::Service(namespace) => (
            json!({
                "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}],
                "ports": tcp(&[port]),
            }),
            true,
        ),
        Endpoint::Name => (
            json!({"to": outside_but_metadata(), "ports": tcp(&[port])}),
            false,
        ),
    }
}

/// Every pod may reach the proxy (HTTP_PROXY, HTTPS_PROXY), which may sit on a private address.
fn proxy(ctx: &Ctx) -> Option<NetworkPolicy> {
    let mut rules: Vec<Value> = Vec::new();
    let mut all_ips = true;
    let outbound = &ctx.config.outbound;
    for url in [&outbound.http_proxy, &outbound.https_proxy]
        .into_iter()
        .flatten()
    {
        let (rule, ip) = to_endpoint(url);
        all_ips &= ip;
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    if rules.is_empty() {
        return None;
    }
    let purpose = if all_ips {
        "every pod reaches the proxy (HTTP_PROXY, HTTPS_PROXY) at its address (or its Service's namespace) and port"
    } else {
        "every pod reaches the proxy (HTTP_PROXY, HTTPS_PROXY); it is given by name, so its port is open to any address but link-local and metadata: give it as an IP or an in-cluster Service name to narrow this"
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

/// Where the platform's pods reach PostgreSQL: the CloudNativePG Cluster's pods, or the external
/// server on its port only: its address when DATABASE_HOST is an IP, its namespace when it is an
/// in-cluster Service (`name.namespace.svc`), else DATABASE_EGRESS_CIDRS. A host name without
/// DATABASE_EGRESS_CIDRS gets no rule (`check` warns).
fn database_egress(ctx: &Ctx, cluster: Option<&str>) -> Vec<Value> {
    let Some(server) = &ctx.config.database.external else {
        let cluster = cluster.unwrap_or(super::core::DATABASE);
        return vec![json!({"to": [postgres_pods(cluster)], "ports": tcp(&[5432])})];
    };
    let peers: Vec<Value> = match endpoint(server.host.as_str()) {
        Endpoint::Ip(ip) => vec![json!({"ipBlock": {"cidr": host_cidr(ip)}})],
        Endpoint::Service(namespace) => vec![
            json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}),
        ],
        Endpoint::Name => server
            .egress
            .iter()
            .map(|c| json!({"ipBlock": {"cidr": c.as_str()}}))
            .collect(),
    };
    if peers.is_empty() {
        return Vec::new();
    }
    vec![json!({"to": peers, "ports": tcp(&[server.port])})]
}

/// The core platform's policies; `database` is the CloudNativePG Cluster, if napgen runs one.
pub(crate) fn core(ctx: &Ctx, database: Option<&str>) -> Vec<NetworkPolicy> {
    let to_database = database_egress(ctx, database);
    let anyone = json!({"ports": tcp(&[HTTP_PORT])});
    // The control plane reaches any address outside the cluster already; in-cluster Services
    // (LLM gateways, LDAP) need a rule of their own.
    let mut control_plane_urls = llm_urls(ctx);
    if let Some(ldap) = &ctx.config.ldap {
        control_plane_urls.push(&ldap.url);
    }
    let mut control_plane_egress =
        vec![json!({"to": [{"podSelector": {}}], "ports": tcp(&[HTTP_PORT])})];
    control_plane_egress.extend(to_database.iter().cloned());
    control_plane_egress.push(json!({"to": outside_but_metadata()}));
    control_plane_egress.extend(known_endpoints(control_plane_urls, true));
    // Agents reach the internet; their LLM endpoint may be private or in the cluster.
    let mut workspace_egress = vec![
        json!({"to": from_components(&["control-plane"]), "ports": tcp(&[HTTP_PORT])}),
        json!({"to": internet(ctx)}),
    ];
    workspace_egress.extend(known_endpoints(llm_urls(ctx), false));
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
            Some(control_plane_egress),
        ),
        policy(
            ctx,
            "nap-gateway",
            "webhooks arrive through the control plane; the gateway calls the control plane, PostgreSQL and chat services (HTTPS)",
            component("gateway"),
            Some(vec![json!({"from": from_components(&["control-plane"]), "ports": tcp(&[HTTP_PORT])})]),
            Some(
                std::iter::once(json!({"to": from_components(&["control-plane"]), "ports": tcp(&[HTTP_PORT])}))
                    .chain(to_database.iter().cloned())
                    .chain([json!({"to": internet(ctx), "ports": tcp(&[443])})])
                    .collect(),
            ),
        ),
        policy(
            ctx,
            "nap-workspace",
            "agent pods are driven by the control plane and reach it, the internet and their LLM endpoint (on its port when it is an IP or an in-cluster Service), never metadata or cluster ranges",
            component("workspace"),
            Some(vec![json!({"from": from_components(&["control-plane"])})]),
            Some(workspace_egress),
        ),
        policy(
            ctx,
            "nap-seed",
            "seed Jobs write to PostgreSQL",
            component("seed"),
            None,
            Some(to_database),
        ),
    ];
    policies.extend(database.map(|database| {
        policy(
            ctx,
            "nap-postgres",
            "PostgreSQL serves the platform, replicates between instances, and is managed by the CloudNativePG operator",
            json!({"matchLabels": {"cnpg.io/cluster": database}}),
            Some(vec![
                json!({"from": from_components(&["control-plane", "gateway", "seed"]), "ports": tcp(&[5432])}),
                json!({"from": [postgres_pods(database)], "ports": tcp(&[5432, 8000])}),
                json!({
                    "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": &ctx.config.database.operator_namespace}}}],
                    "ports": tcp(&[5432, 8000]),
                }),
            ]),
            Some(vec![json!({"to": [postgres_pods(database)], "ports": tcp(&[5432, 8000])}), json!({"to": outside_but_metadata(), "ports": tcp(&[443, 6443])})]),
        )
    }));
    policies.extend(proxy(ctx));
    policies
}

/// PostgreSQL uploads base backups and WAL to the object store (BACKUP_S3_ENDPOINT, else AWS S3
/// over HTTPS).
pub(crate) fn backup(
    ctx: &Ctx,
    backup: &crate::config::Backup,
    database: &str,
) -> Vec<NetworkPolicy> {
    let rule = match &backup.s3_endpoint {
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
pub(crate) fn monitoring(
    ctx: &Ctx,
    monitoring: &crate::config::Monitoring,
    components: &[&'static str],
    database: Option<&str>,
) -> Vec<NetworkPolicy> {
    let prometheus = json!([{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": &monitoring.namespace,
    }}}]);
    let mut policies = vec![policy(
        ctx,
        "nap-monitoring",
        "Prometheus scrapes /metrics on the platform's http port",
        json!({"matchExpressions": [{"key": COMPONENT, "operator": "In", "values": component_names(components)}]}),
        Some(vec![
            json!({"from": &prometheus, "ports": tcp(&[HTTP_PORT])}),
        ]),
        None,
    )];
    // An external server is scraped, if at all, by its owner.
    policies.extend(database.map(|database| {
        policy(
            ctx,
            "nap-postgres-monitoring",
            "Prometheus scrapes PostgreSQL's metrics exporter",
            json!({"matchLabels": {"cnpg.io/cluster": database}}),
            Some(vec![
                json!({"from": prometheus, "ports": tcp(&[super::monitoring::POSTGRES_METRICS_PORT])}),
            ]),
            None,
        )
    }));
    policies
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

pub(crate) fn browser(ctx: &Ctx, browser: &crate::config::Browser) -> Vec<NetworkPolicy> {
    let turn = browser.turn_host.ip().map(host_cidr);
    let mut session_egress = vec![
        json!({"to": from_components(&["browser", "control-plane"]), "ports": tcp(&[HTTP_PORT])}),
        json!({"to": internet(ctx)}),
    ];
    if let Some(cidr) = turn {
        // The relay may sit on a private address; sessions must reach it all the same, on its
        // listening port and relay range only.
        let (low, high) = super::RELAY_PORTS;
        session_egress.push(json!({
            "to": [{"ipBlock": {"cidr": cidr}}],
            "ports": [
                {"protocol": "UDP", "port": super::TURN_PORT},
                {"protocol": "TCP", "port": super::TURN_PORT},
                {"protocol": "UDP", "port": low, "endPort": high},
            ],
        }));
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

/// The pods that call models through the bridge.
const BRIDGE_CLIENTS: &[&str] = &[
    "control-plane",
    "workspace",
    "sandbox-pod",
    "browser-session",
];

/// The LLM bridge admits only the pods that call models, on its port, and reaches only its
/// upstream (on the URL's port; at its address when that is an IP or an in-cluster Service).
/// Its clients get an egress rule to it: sandbox and browser-session pods otherwise reach only
/// the internet.
pub(crate) fn bridge(ctx: &Ctx, bridge: &crate::config::Bridge) -> Vec<NetworkPolicy> {
    let port = crate::config::registry::BRIDGE_PORT;
    let (upstream, known) = to_endpoint(&bridge.upstream_url);
    let purpose = if known {
        "agents, sandbox and browser-session pods and the control plane reach the LLM bridge; it reaches only its upstream (BRIDGE_UPSTREAM_URL) at its address and port"
    } else {
        "agents, sandbox and browser-session pods and the control plane reach the LLM bridge; it reaches only its upstream (BRIDGE_UPSTREAM_URL), given by name, so on its port at any address but link-local and metadata: give it as an IP or an in-cluster Service name to narrow this"
    };
    let clients = json!({"matchExpressions": [{"key": COMPONENT, "operator": "In", "values": component_names(BRIDGE_CLIENTS)}]});
    vec![
        policy(
            ctx,
            "nap-llm-bridge",
            purpose,
            component("llm-bridge"),
            Some(vec![
                json!({"from": [{"podSelector": &clients}], "ports": tcp(&[port])}),
            ]),
            Some(vec![upstream]),
        ),
        policy(
            ctx,
            "nap-llm-bridge-clients",
            "the pods that call models reach the LLM bridge on its port",
            clients,
            None,
            Some(vec![
                json!({"to": from_components(&["llm-bridge"]), "ports": tcp(&[port])}),
            ]),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_by_scheme_and_port() {
        // The URL's parts (port by scheme when not given) are Url's: see config::types.
        let (rule, ip) = to_endpoint(&Url::new("http://10.0.0.5:3128"));
        assert!(ip);
        assert_eq!(rule["to"][0]["ipBlock"]["cidr"], "10.0.0.5/32");
        assert_eq!(rule["ports"][0]["port"], 3128);
        let (rule, ip) = to_endpoint(&Url::new("http://proxy.example.com:3128"));
        assert!(!ip);
        assert_eq!(rule["to"][0]["ipBlock"]["except"][0], "169.254.0.0/16");
        assert_eq!(rule["to"][0]["ipBlock"]["except"][1], "100.100.100.200/32");
        assert_eq!(rule["to"][1]["ipBlock"]["except"][1], "fd00:ec2::254/128");
    }

    #[test]
    fn allowed_ranges_never_open_metadata() {
        let validated = crate::config::validate::validate(&[crate::config::dotenv::Entry {
            key: "AGENT_EGRESS_ALLOW_CIDRS".into(),
            value: "10.20.0.0/16,100.64.0.0/10,0.0.0.0/0".into(),
            origin: crate::diagnostic::Origin::file("values.env", 1),
        }]);
        let config = validated.config.expect("valid");
        let plan = super::super::plan(&config);
        let workspace = plan
            .network_policies
            .iter()
            .find(|p| p.name == "nap-workspace")
            .expect("the workspace policy");
        let peers = &workspace.egress.as_ref().unwrap()[1]["to"];
        assert_eq!(peers[2], json!({"ipBlock": {"cidr": "10.20.0.0/16"}}));
        assert_eq!(
            peers[3],
            json!({"ipBlock": {"cidr": "100.64.0.0/10", "except": ["100.100.100.200/32"]}})
        );
        assert_eq!(
            peers[4],
            json!({"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16", "100.100.100.200/32"]}})
        );
    }

    /// The bridge admits only the pods that call models, on 4000, and reaches only its upstream:
    /// the address of an IP, the namespace of an in-cluster Service, else the URL's port.
    #[test]
    fn the_bridge_reaches_only_its_upstream() {
        let policies = |upstream: &str| {
            let config = crate::config::validate::testing::run(&[
                ("BRIDGE_ENABLED", "true"),
                ("BRIDGE_UPSTREAM_URL", upstream),
                ("BRIDGE_MODELS", "claude-sonnet-4-5=llama"),
            ])
            .config
            .expect("valid");
            let plan = super::super::plan(&config);
            plan.bridge.expect("the bridge is on").network_policies
        };
        let p = policies("http://10.9.8.7:8000/v1");
        let bridge = &p[0];
        assert_eq!(bridge.policy_types, ["Ingress", "Egress"]);
        let ingress = &bridge.ingress.as_ref().unwrap()[0];
        assert_eq!(
            ingress["from"][0]["podSelector"]["matchExpressions"][0]["values"],
            component_names(BRIDGE_CLIENTS)
        );
        assert_eq!(ingress["ports"][0]["port"], 4000);
        let egress = bridge.egress.as_ref().unwrap();
        assert_eq!(egress.len(), 1, "{egress:?}");
        assert_eq!(egress[0]["to"][0]["ipBlock"]["cidr"], "10.9.8.7/32");
        assert_eq!(egress[0]["ports"][0]["port"], 8000);
        let egress = policies("http://vllm.models.svc:8000/v1")[0]
            .egress
            .clone()
            .unwrap();
        assert_eq!(
            egress[0]["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
            "models"
        );
        let egress = policies("https://llm.example.com/v1")[0]
            .egress
            .clone()
            .unwrap();
        assert_eq!(egress[0]["ports"][0]["port"], 443);
        assert_eq!(egress[0]["to"][0]["ipBlock"]["except"][0], "169.254.0.0/16");
        // Its clients reach it on its port.
        let clients = &policies("https://llm.example.com/v1")[1];
        assert_eq!(
            clients.egress.as_ref().unwrap()[0]["ports"][0]["port"],
            4000
        );
    }

    #[test]
    fn in_cluster_services_are_reached_in_their_namespace_on_the_urls_port() {
        for url in [
            "http://squid.proxy.svc:3128",
            "http://squid.proxy.svc.cluster.local:3128",
            "http://SQUID.Proxy.svc:3128",
        ] {
            let (rule, known) = to_endpoint(&Url::new(url));
            assert!(known, "{url}");
            assert_eq!(
                rule["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
                "proxy",
                "{url}"
            );
            assert_eq!(rule["ports"][0]["port"], 3128, "{url}");
        }
        assert_eq!(
            endpoint("10.0.0.5"),
            Endpoint::Ip("10.0.0.5".parse().unwrap())
        );
        assert_eq!(endpoint("llm.internal"), Endpoint::Name);
    }
}

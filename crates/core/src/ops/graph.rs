//! `napgen graph`: a picture of the install for a security reviewer. The components (the pods of
//! Deployments, Jobs, the database cluster and the pod templates the platform starts at run time),
//! their Services, and every flow the rendered NetworkPolicies allow, with the exceptions of
//! their address blocks drawn as blocked.
//!
//! The graph is read from the rendered objects, not from the plan: it shows what the cluster will
//! enforce. A flow between two pods of the install is drawn when the sender's egress rules and the
//! receiver's ingress rules both admit it (a side no policy selects admits everything), on the
//! ports both admit. A flow to or from a peer outside the install (another namespace, an address
//! block, anywhere) is drawn from the rules of the install's side, the only side rendered here.

use crate::output::yaml;
use crate::render::Object;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A set of labels, ordered by key.
pub type Labels = BTreeMap<String, String>;

/// The label every namespace carries with its own name.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// The picture: the install's workloads by namespace, the peers outside it, and the flows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Graph {
    /// Namespaces holding workloads, the install's own first (in the order they are rendered).
    pub namespaces: Vec<NamespaceBox>,
    /// Peers outside the install that send to it.
    pub sources: Vec<External>,
    /// Peers outside the install it sends to, and what stays blocked.
    pub destinations: Vec<External>,
    /// Every flow, allowed or blocked, ordered by sender then receiver.
    pub edges: Vec<Edge>,
}

/// One namespace and the workloads in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamespaceBox {
    pub name: String,
    pub workloads: Vec<Workload>,
}

/// Pods of one kind: those of a Deployment, Job, database cluster, or a pod template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Workload {
    /// The node's id: `<namespace>/<kind>/<name>`.
    pub id: String,
    pub namespace: String,
    /// Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod, Cluster (CloudNativePG), or
    /// `pod template` (a Pod in a ConfigMap, started by the platform at run time).
    pub kind: String,
    /// The object's name; for a pod template, `<ConfigMap>/<key>`.
    pub name: String,
    /// The labels its pods carry, which the NetworkPolicies select on.
    pub labels: Labels,
    pub ports: Vec<ContainerPort>,
    /// The Services that select its pods, one line each: `name port/proto -> target`.
    pub services: Vec<String>,
}

/// A port a container declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub port: u32,
    pub protocol: String,
}

/// Which side of the flows an outside peer is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Side {
    Source,
    Destination,
}

/// A peer outside the install's pods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct External {
    /// The node's id: `source:<peer>` or `destination:<peer>`.
    pub id: String,
    pub side: Side,
    pub peer: Peer,
}

/// What an outside peer is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Peer {
    /// A rule with no peers: every pod in every namespace, the nodes, and outside the cluster.
    Anywhere,
    /// Pods in other namespaces: the namespaces' selector and the pods' (both as text, `all`
    /// when empty).
    Namespaces { namespaces: String, pods: String },
    /// An address block a rule admits (its exceptions are [`Peer::Blocked`]).
    Cidr { cidr: String },
    /// Address blocks excepted from the blocks a workload may reach (or be reached from), and
    /// that no other rule of its admits on every port.
    Blocked { cidrs: Vec<String> },
}

/// A flow: allowed on `ports`, or blocked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// The ports and protocols of the flow; for a blocked edge, those of the rules whose
    /// exceptions block it.
    pub ports: Vec<PortRange>,
    pub blocked: bool,
    /// The NetworkPolicies that allow it (sorted); empty when no policy selects the pods, so
    /// nothing restricts them; for a blocked edge, those whose exceptions block it.
    pub policies: Vec<String>,
}

/// Ports of a protocol: `protocol` none means every protocol, `first` none every port, `name` a
/// named container port that could not be resolved to a number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortRange {
    pub protocol: Option<String>,
    pub first: Option<u32>,
    pub last: Option<u32>,
    pub name: Option<String>,
}

impl PortRange {
    /// Every port of every protocol.
    pub fn any() -> PortRange {
        PortRange {
            protocol: None,
            first: None,
            last: None,
            name: None,
        }
    }

    /// Whether every port this range holds is also in `other`.
    pub fn within(&self, other: &PortRange) -> bool {
        let protocol = other.protocol.is_none() || other.protocol == self.protocol;
        let ports = match (&other.name, &other.first, &self.name, &self.first) {
            (None, None, _, _) => true,
            (Some(a), _, Some(b), _) => a == b,
            (None, Some(lo), None, Some(first)) => {
                *first >= *lo && self.last.unwrap_or(*first) <= other.last.unwrap_or(*lo)
            }
            _ => false,
        };
        protocol && ports
    }

    /// The ports both ranges hold.
    pub fn intersect(&self, other: &PortRange) -> Option<PortRange> {
        let protocol = match (&self.protocol, &other.protocol) {
            (None, p) | (p, None) => p.clone(),
            (Some(a), Some(b)) if a == b => Some(a.clone()),
            _ => return None,
        };
        let with_protocol = |r: &PortRange| PortRange {
            protocol: protocol.clone(),
            ..r.clone()
        };
        if self.first.is_none() && self.name.is_none() {
            return Some(with_protocol(other));
        }
        if other.first.is_none() && other.name.is_none() {
            return Some(with_protocol(self));
        }
        match (&self.name, &other.name) {
            (Some(a), Some(b)) => (a == b).then(|| with_protocol(self)),
            (None, None) => {
                let (a0, a1) = (self.first?, self.last.or(self.first)?);
                let (b0, b1) = (other.first?, other.last.or(other.first)?);
                let (lo, hi) = (a0.max(b0), a1.min(b1));
                (lo <= hi).then(|| PortRange {
                    protocol: protocol.clone(),
                    first: Some(lo),
                    last: (hi != lo).then_some(hi),
                    name: None,
                })
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let protocol = self.protocol.as_deref().unwrap_or("any protocol");
        match (&self.name, self.first, self.last) {
            (Some(name), _, _) => write!(f, "{protocol} {name}"),
            (None, Some(first), Some(last)) => write!(f, "{protocol} {first}-{last}"),
            (None, Some(first), None) => write!(f, "{protocol} {first}"),
            (None, None, _) if self.protocol.is_none() => write!(f, "any port"),
            (None, None, _) => write!(f, "{protocol} any port"),
        }
    }
}

/// The ports as one line: `TCP 8080, UDP 3478`.
pub fn ports_text(ports: &[PortRange]) -> String {
    ports
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Peer {
    /// What the peer is, in a line.
    pub fn title(&self) -> String {
        match self {
            Peer::Anywhere => "anywhere".into(),
            Peer::Namespaces { namespaces, .. } => {
                match namespaces.strip_prefix(&format!("{NAMESPACE_NAME_LABEL}=")) {
                    Some(name) if !name.contains([',', ' ']) => format!("namespace {name}"),
                    _ if namespaces == "all" => "any namespace".into(),
                    _ => format!("namespaces {namespaces}"),
                }
            }
            Peer::Cidr { cidr } => match cidr.as_str() {
                "0.0.0.0/0" => "0.0.0.0/0 (IPv4 internet)".into(),
                "::/0" => "::/0 (IPv6 internet)".into(),
                _ => cidr.clone(),
            },
            Peer::Blocked { .. } => "blocked".into(),
        }
    }

    /// The lines under the title.
    pub fn details(&self) -> Vec<String> {
        match self {
            Peer::Anywhere => vec!["every namespace, the nodes, outside the cluster".into()],
            Peer::Namespaces { pods, .. } => vec![format!("pods: {pods}")],
            Peer::Cidr { cidr } => well_known(cidr).map(str::to_string).into_iter().collect(),
            Peer::Blocked { cidrs } => cidrs
                .iter()
                .map(|c| match well_known(c) {
                    Some(what) => format!("{c} ({what})"),
                    None => c.clone(),
                })
                .collect(),
        }
    }

    /// A stable key for the node's id.
    fn key(&self) -> String {
        match self {
            Peer::Anywhere => "anywhere".into(),
            Peer::Namespaces { namespaces, pods } => {
                format!("namespaces[{namespaces}]pods[{pods}]")
            }
            Peer::Cidr { cidr } => format!("cidr[{cidr}]"),
            Peer::Blocked { cidrs } => format!("blocked[{}]", cidrs.join(",")),
        }
    }
}

/// What a well-known address block is.
fn well_known(cidr: &str) -> Option<&'static str> {
    Some(match cidr {
        "169.254.0.0/16" => "link-local: cloud metadata 169.254.169.254",
        "169.254.169.254/32" => "cloud metadata",
        "100.100.100.200/32" => "Alibaba Cloud metadata",
        "fd00:ec2::254/128" => "AWS metadata over IPv6",
        "10.0.0.0/8" | "172.16.0.0/12" | "192.168.0.0/16" => "private",
        "100.64.0.0/10" => "carrier-grade NAT",
        "127.0.0.0/8" => "loopback",
        "fc00::/7" => "unique local",
        "fe80::/10" => "link-local",
        _ => return None,
    })
}

/// A label selector (`matchLabels` and `matchExpressions`).
#[derive(Debug, Clone, Default, PartialEq)]
struct Selector {
    labels: Labels,
    expressions: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    fn parse(value: &Value) -> Selector {
        let labels = string_map(&value["matchLabels"]);
        let expressions = value["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let values = e["values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                (text(&e["key"]), text(&e["operator"]), values)
            })
            .collect();
        Selector {
            labels,
            expressions,
        }
    }

    fn matches(&self, labels: &Labels) -> bool {
        self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|(key, op, values)| {
                let value = labels.get(key);
                match op.as_str() {
                    "In" => value.is_some_and(|v| values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    // An operator Kubernetes does not know selects nothing.
                    _ => false,
                }
            })
    }

    /// `a=b, c in (d, e)`, or `all` for the empty selector.
    fn text(&self) -> String {
        let mut parts: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for (key, op, values) in &self.expressions {
            parts.push(match op.as_str() {
                "In" => format!("{key} in ({})", values.join(", ")),
                "NotIn" => format!("{key} notin ({})", values.join(", ")),
                "Exists" => key.clone(),
                "DoesNotExist" => format!("!{key}"),
                _ => format!("{key} {op} ({})", values.join(", ")),
            });
        }
        if parts.is_empty() {
            "all".into()
        } else {
            parts.join(", ")
        }
    }

    /// The namespace this selector names and nothing else, if it does.
    fn only_name(&self) -> Option<&str> {
        (self.labels.len() == 1 && self.expressions.is_empty())
            .then(|| self.labels.get(NAMESPACE_NAME_LABEL).map(String::as_str))
            .flatten()
    }
}

/// One peer of a rule.
#[derive(Debug, Clone)]
enum RulePeer {
    /// Pods: in the policy's namespace (`namespaces` none) or in the namespaces selected.
    Pods {
        namespaces: Option<Selector>,
        pods: Selector,
    },
    Block {
        cidr: String,
        except: Vec<String>,
    },
}

/// One ingress or egress rule: its peers (none: every peer) and ports.
#[derive(Debug, Clone)]
struct Rule {
    peers: Option<Vec<RulePeer>>,
    ports: Vec<PortRange>,
}

/// A NetworkPolicy as it decides flows.
#[derive(Debug, Clone)]
struct Policy {
    name: String,
    namespace: String,
    selector: Selector,
    /// Some when the policy isolates its pods for ingress.
    ingress: Option<Vec<Rule>>,
    egress: Option<Vec<Rule>>,
}

impl Policy {
    fn parse(object: &Value) -> Policy {
        let spec = &object["spec"];
        let types: Vec<String> = match spec["policyTypes"].as_array() {
            Some(types) => types.iter().map(text).collect(),
            // Kubernetes' defaults when policyTypes is left out.
            None => {
                let mut types = vec!["Ingress".to_string()];
                if spec.get("egress").is_some() {
                    types.push("Egress".into());
                }
                types
            }
        };
        let rules = |kind: &str, field: &str, peers: &str| {
            types.iter().any(|t| t == kind).then(|| {
                spec[field]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|rule| Rule::parse(rule, peers))
                    .collect()
            })
        };
        Policy {
            name: text(&object["metadata"]["name"]),
            namespace: text(&object["metadata"]["namespace"]),
            selector: Selector::parse(&spec["podSelector"]),
            ingress: rules("Ingress", "ingress", "from"),
            egress: rules("Egress", "egress", "to"),
        }
    }
}

impl Rule {
    fn parse(rule: &Value, peers_field: &str) -> Rule {
        let peers = rule[peers_field]
            .as_array()
            .filter(|peers| !peers.is_empty())
            .map(|peers| peers.iter().map(RulePeer::parse).collect());
        let ports = match rule["ports"].as_array() {
            Some(ports) if !ports.is_empty() => ports.iter().map(parse_policy_port).collect(),
            _ => vec![PortRange::any()],
        };
        Rule { peers, ports }
    }
}

impl RulePeer {
    fn parse(peer: &Value) -> RulePeer {
        if let Some(block) = peer.get("ipBlock") {
            return RulePeer::Block {
                cidr: text(&block["cidr"]),
                except: block["except"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(text)
                    .collect(),
            };
        }
        RulePeer::Pods {
            namespaces: peer.get("namespaceSelector").map(Selector::parse),
            pods: Selector::parse(&peer["podSelector"]),
        }
    }
}

/// A port entry of a NetworkPolicy rule (protocol TCP when left out).
fn parse_policy_port(port: &Value) -> PortRange {
    let protocol = Some(port["protocol"].as_str().unwrap_or("TCP").to_string());
    match &port["port"] {
        Value::Number(n) => {
            let first = n.as_u64().map(|n| n as u32);
            let last = port["endPort"].as_u64().map(|n| n as u32);
            PortRange {
                protocol,
                first,
                last: last.filter(|l| Some(*l) != first),
                name: None,
            }
        }
        Value::String(name) => PortRange {
            protocol,
            first: None,
            last: None,
            name: Some(name.clone()),
        },
        _ => PortRange {
            protocol,
            ..PortRange::any()
        },
    }
}

/// A named port resolved against the receiving pods' container ports.
fn resolve(range: &PortRange, ports: &[ContainerPort]) -> PortRange {
    match &range.name {
        Some(name) => match ports
            .iter()
            .find(|p| p.name.as_deref() == Some(name.as_str()))
        {
            Some(p) if range.protocol.as_deref().is_none_or(|r| r == p.protocol) => PortRange {
                protocol: Some(p.protocol.clone()),
                first: Some(p.port),
                last: None,
                name: None,
            },
            _ => range.clone(),
        },
        None => range.clone(),
    }
}

/// Drop the ranges another range of the list holds, and sort.
fn normalize(mut ports: Vec<PortRange>) -> Vec<PortRange> {
    ports.sort();
    ports.dedup();
    let kept: Vec<PortRange> = ports
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            !ports
                .iter()
                .enumerate()
                .any(|(j, q)| j != *i && p.within(q) && !(q.within(p) && j > *i))
        })
        .map(|(_, p)| p.clone())
        .collect();
    kept
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or("").to_string()
}

fn string_map(value: &Value) -> Labels {
    value
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
        .collect()
}

/// The container ports of a pod spec.
fn container_ports(pod_spec: &Value) -> Vec<ContainerPort> {
    pod_spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .filter_map(|p| {
            Some(ContainerPort {
                name: p["name"].as_str().map(str::to_string),
                port: p["containerPort"].as_u64()? as u32,
                protocol: p["protocol"].as_str().unwrap_or("TCP").to_string(),
            })
        })
        .collect()
}

/// The ports of a CloudNativePG instance pod: PostgreSQL, the instance manager's status endpoint
/// and the metrics exporter (fixed by the operator, not in the Cluster object).
fn cnpg_ports() -> Vec<ContainerPort> {
    [("postgresql", 5432), ("status", 8000), ("metrics", 9187)]
        .into_iter()
        .map(|(name, port)| ContainerPort {
            name: Some(name.into()),
            port,
            protocol: "TCP".into(),
        })
        .collect()
}

/// The workloads an object runs: none for most kinds, one for a controller, one per pod template
/// in a ConfigMap.
fn workloads_of(object: &Object) -> Vec<Workload> {
    let value = &object.value;
    let kind = object.kind();
    let namespace = object.namespace().unwrap_or("").to_string();
    let workload = |kind: &str, name: String, labels: Labels, ports: Vec<ContainerPort>| Workload {
        id: format!("{namespace}/{kind}/{name}"),
        namespace: namespace.clone(),
        kind: kind.to_string(),
        name,
        labels,
        ports,
        services: vec![],
    };
    let from_template = |template: &Value| {
        workload(
            kind,
            object.name().to_string(),
            string_map(&template["metadata"]["labels"]),
            container_ports(&template["spec"]),
        )
    };
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            vec![from_template(&value["spec"]["template"])]
        }
        "CronJob" => vec![from_template(
            &value["spec"]["jobTemplate"]["spec"]["template"],
        )],
        "Pod" => vec![workload(
            kind,
            object.name().to_string(),
            string_map(&value["metadata"]["labels"]),
            container_ports(&value["spec"]),
        )],
        "Cluster" if object.api_version().starts_with("postgresql.cnpg.io/") => {
            let mut labels = string_map(&value["spec"]["inheritedMetadata"]["labels"]);
            labels.insert("cnpg.io/cluster".into(), object.name().to_string());
            labels.insert("cnpg.io/podRole".into(), "instance".into());
            vec![workload(
                kind,
                object.name().to_string(),
                labels,
                cnpg_ports(),
            )]
        }
        "ConfigMap" => value["data"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(key, data)| {
                let documents = yaml::parse_documents(data.as_str()?).ok()?;
                let [pod] = documents.as_slice() else {
                    return None;
                };
                (pod["kind"] == "Pod").then(|| {
                    workload(
                        "pod template",
                        format!("{}/{key}", object.name()),
                        string_map(&pod["metadata"]["labels"]),
                        container_ports(&pod["spec"]),
                    )
                })
            })
            .collect(),
        _ => vec![],
    }
}

/// The Service lines of a workload: every Service of its namespace that selects its pods.
fn services_of(workload: &Workload, objects: &[Object]) -> Vec<String> {
    objects
        .iter()
        .filter(|o| o.kind() == "Service" && o.namespace() == Some(workload.namespace.as_str()))
        .filter(|o| {
            let selector = string_map(&o.value["spec"]["selector"]);
            !selector.is_empty()
                && selector
                    .iter()
                    .all(|(k, v)| workload.labels.get(k) == Some(v))
        })
        .flat_map(|service| {
            let ports = service.value["spec"]["ports"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            ports.into_iter().map(move |p| {
                let protocol = p["protocol"].as_str().unwrap_or("TCP");
                let port = p["port"].as_u64().unwrap_or(0);
                let target = match &p["targetPort"] {
                    Value::Number(n) => n.to_string(),
                    Value::String(name) => match workload
                        .ports
                        .iter()
                        .find(|c| c.name.as_deref() == Some(name.as_str()))
                    {
                        Some(c) => format!("{name} ({})", c.port),
                        None => name.clone(),
                    },
                    _ => port.to_string(),
                };
                let node_port = p["nodePort"]
                    .as_u64()
                    .map(|n| format!(", nodePort {n}"))
                    .unwrap_or_default();
                format!(
                    "svc {} {port}/{protocol} -> {target}{node_port}",
                    service.name()
                )
            })
        })
        .collect()
}

/// The labels of every namespace the objects name: those of its Namespace object when rendered,
/// and always its name label.
fn namespace_labels(objects: &[Object]) -> BTreeMap<String, Labels> {
    let mut namespaces: BTreeMap<String, Labels> = BTreeMap::new();
    for object in objects {
        let (name, labels) = if object.kind() == "Namespace" && object.api_version() == "v1" {
            (
                object.name(),
                string_map(&object.value["metadata"]["labels"]),
            )
        } else if let Some(ns) = object.namespace() {
            (ns, Labels::new())
        } else {
            continue;
        };
        let entry = namespaces.entry(name.to_string()).or_default();
        entry.extend(labels);
        entry.insert(NAMESPACE_NAME_LABEL.into(), name.to_string());
    }
    namespaces
}

/// Everything the flows are computed from.
struct Model<'a> {
    workloads: Vec<Workload>,
    policies: Vec<Policy>,
    namespaces: &'a BTreeMap<String, Labels>,
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Ingress,
    Egress,
}

impl Model<'_> {
    /// The policies that select a workload's pods for a direction.
    fn isolating<'p>(
        &'p self,
        w: &'p Workload,
        direction: Direction,
    ) -> impl Iterator<Item = (&'p Policy, &'p Vec<Rule>)> + 'p {
        self.policies.iter().filter_map(move |p| {
            let rules = match direction {
                Direction::Ingress => p.ingress.as_ref(),
                Direction::Egress => p.egress.as_ref(),
            }?;
            (p.namespace == w.namespace && p.selector.matches(&w.labels)).then_some((p, rules))
        })
    }

    /// Whether a rule's peer is the workload `other` (a rule of a policy in `namespace`).
    fn admits(&self, peer: &RulePeer, namespace: &str, other: &Workload) -> bool {
        match peer {
            RulePeer::Block { .. } => false,
            RulePeer::Pods { namespaces, pods } => {
                let in_namespace = match namespaces {
                    None => other.namespace == namespace,
                    Some(selector) => self
                        .namespaces
                        .get(&other.namespace)
                        .is_some_and(|labels| selector.matches(labels)),
                };
                in_namespace && pods.matches(&other.labels)
            }
        }
    }

    /// What `w`'s side admits of flows with `other` in a direction: the ports of each admitting
    /// rule with its policy; every port with no policy when no policy isolates `w`; none when
    /// `w` is isolated and no rule admits `other`. `receiver` resolves named ports.
    fn admitted(
        &self,
        w: &Workload,
        direction: Direction,
        other: &Workload,
        receiver: &Workload,
    ) -> Option<Vec<(PortRange, Option<String>)>> {
        let mut isolated = false;
        let mut admitted = vec![];
        for (policy, rules) in self.isolating(w, direction) {
            isolated = true;
            for rule in rules {
                let admits = match &rule.peers {
                    None => true,
                    Some(peers) => peers
                        .iter()
                        .any(|p| self.admits(p, &policy.namespace, other)),
                };
                if admits {
                    admitted.extend(
                        rule.ports
                            .iter()
                            .map(|r| (resolve(r, &receiver.ports), Some(policy.name.clone()))),
                    );
                }
            }
        }
        if !isolated {
            return Some(vec![(PortRange::any(), None)]);
        }
        (!admitted.is_empty()).then_some(admitted)
    }

    /// The flow from `a` to `b` between two workloads of the install, when some policy decides
    /// it and both sides admit it.
    fn flow(&self, a: &Workload, b: &Workload) -> Option<Edge> {
        let egress = self.admitted(a, Direction::Egress, b, b)?;
        let ingress = self.admitted(b, Direction::Ingress, a, b)?;
        let mut ports = vec![];
        let mut policies = vec![];
        for (e, e_policy) in &egress {
            for (i, i_policy) in &ingress {
                if let Some(both) = e.intersect(i) {
                    ports.push(both);
                    policies.extend(e_policy.iter().chain(i_policy.iter()).cloned());
                }
            }
        }
        // Two pods no policy selects: nothing restricts them, which their edges to and from
        // anywhere show already.
        if ports.is_empty() || policies.is_empty() {
            return None;
        }
        policies.sort();
        policies.dedup();
        Some(Edge {
            from: a.id.clone(),
            to: b.id.clone(),
            ports: normalize(ports),
            blocked: false,
            policies,
        })
    }

    /// The peers outside the install a workload's rules name in a direction, with ports and
    /// policy, and the exceptions that stay blocked.
    fn outside(&self, w: &Workload, direction: Direction) -> Vec<OutsideFlow> {
        let mut found = vec![];
        let mut blocks: Vec<Block> = vec![];
        let mut isolated = false;
        for (policy, rules) in self.isolating(w, direction) {
            isolated = true;
            for rule in rules {
                let ports: Vec<PortRange> = rule.ports.clone();
                let mut peers = vec![];
                match &rule.peers {
                    None => peers.push(Peer::Anywhere),
                    Some(list) => {
                        for peer in list {
                            match peer {
                                RulePeer::Block { cidr, except } => {
                                    peers.push(Peer::Cidr { cidr: cidr.clone() });
                                    blocks.push((cidr, except, &rule.ports, &policy.name));
                                }
                                RulePeer::Pods {
                                    namespaces: Some(selector),
                                    pods,
                                } => {
                                    // Namespaces the install renders are drawn pod by pod; a
                                    // selector naming one of them says nothing more.
                                    let only_known = selector
                                        .only_name()
                                        .is_some_and(|name| self.namespaces.contains_key(name));
                                    if !only_known {
                                        peers.push(Peer::Namespaces {
                                            namespaces: selector.text(),
                                            pods: pods.text(),
                                        });
                                    }
                                }
                                RulePeer::Pods {
                                    namespaces: None, ..
                                } => {}
                            }
                        }
                    }
                }
                for peer in peers {
                    found.push(OutsideFlow {
                        peer,
                        ports: ports.clone(),
                        policies: vec![policy.name.clone()],
                        blocked: false,
                    });
                }
            }
        }
        if !isolated {
            found.push(OutsideFlow {
                peer: Peer::Anywhere,
                ports: vec![PortRange::any()],
                policies: vec![],
                blocked: false,
            });
        }
        found.extend(blocked_exceptions(&blocks));
        found
    }
}

/// An address block a workload's rule admits: its block, exceptions, the rule's ports and the
/// policy.
type Block<'a> = (&'a str, &'a [String], &'a [PortRange], &'a str);

/// The exceptions of a workload's address blocks that stay blocked, as one peer: an exception
/// stays blocked unless another block of the same workload admits all of it on every port.
fn blocked_exceptions(blocks: &[Block]) -> Option<OutsideFlow> {
    let every_port = |ports: &[PortRange]| ports.iter().any(|p| *p == PortRange::any());
    let mut blocked: BTreeMap<String, (Vec<PortRange>, Vec<String>)> = BTreeMap::new();
    for (_, except, ports, policy) in blocks {
        for cidr in except.iter() {
            let reopened = blocks.iter().any(|(other, other_except, other_ports, _)| {
                every_port(other_ports)
                    && cidr_contains(other, cidr)
                    && !other_except.iter().any(|e| cidr_overlaps(e, cidr))
            });
            if !reopened {
                let entry = blocked.entry(cidr.clone()).or_default();
                entry.0.extend(ports.iter().cloned());
                entry.1.push(policy.to_string());
            }
        }
    }
    if blocked.is_empty() {
        return None;
    }
    let cidrs = sort_cidrs(blocked.keys().cloned().collect());
    let mut ports = vec![];
    let mut policies = vec![];
    for (p, names) in blocked.into_values() {
        ports.extend(p);
        policies.extend(names);
    }
    policies.sort();
    policies.dedup();
    Some(OutsideFlow {
        peer: Peer::Blocked { cidrs },
        ports: normalize(ports),
        policies,
        blocked: true,
    })
}

/// A flow between a workload and a peer outside the install, as one rule (or the lack of any)
/// gives it.
struct OutsideFlow {
    peer: Peer,
    ports: Vec<PortRange>,
    policies: Vec<String>,
    blocked: bool,
}

/// An address block as a family, a first address and a prefix length.
fn parse_cidr(cidr: &str) -> Option<(bool, u128, u32)> {
    let (address, prefix) = cidr.split_once('/')?;
    let prefix: u32 = prefix.parse().ok()?;
    match address.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) if prefix <= 32 => {
            Some((false, u128::from(u32::from(a)) << 96, prefix))
        }
        std::net::IpAddr::V6(a) if prefix <= 128 => Some((true, u128::from(a), prefix)),
        _ => None,
    }
}

/// The first and last address of a block, and its family (IPv4 in the top 32 bits).
fn cidr_range(cidr: &str) -> Option<(bool, u128, u128)> {
    let (v6, address, prefix) = parse_cidr(cidr)?;
    // An IPv4 address sits in the top 32 bits, so the host bits are the low 128 - prefix either way.
    let host_bits = 128 - prefix;
    let mask = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Some((v6, address & !mask, (address & !mask) | mask))
}

/// Whether block `outer` holds every address of `inner`.
pub fn cidr_contains(outer: &str, inner: &str) -> bool {
    match (cidr_range(outer), cidr_range(inner)) {
        (Some((f1, lo1, hi1)), Some((f2, lo2, hi2))) => f1 == f2 && lo1 <= lo2 && hi2 <= hi1,
        _ => outer == inner,
    }
}

/// Whether two blocks share an address.
pub fn cidr_overlaps(a: &str, b: &str) -> bool {
    match (cidr_range(a), cidr_range(b)) {
        (Some((f1, lo1, hi1)), Some((f2, lo2, hi2))) => f1 == f2 && lo1 <= hi2 && lo2 <= hi1,
        _ => a == b,
    }
}

/// Blocks in address order, IPv4 first; unparsable ones last, by text.
fn sort_cidrs(mut cidrs: Vec<String>) -> Vec<String> {
    cidrs.sort_by_key(|c| {
        (
            parse_cidr(c).map_or((2, 0, 0), |(v6, a, p)| (u8::from(v6), a, p)),
            c.clone(),
        )
    });
    cidrs
}

/// The graph of the rendered objects.
pub fn graph(objects: &[Object]) -> Graph {
    let namespaces = namespace_labels(objects);
    let mut workloads: Vec<Workload> = objects.iter().flat_map(workloads_of).collect();
    // Long-running components first, then the seed Jobs, then the pods started at run time.
    workloads.sort_by_key(|w| kind_rank(&w.kind));
    for w in &mut workloads {
        w.services = services_of(w, objects);
    }
    let policies: Vec<Policy> = objects
        .iter()
        .filter(|o| o.kind() == "NetworkPolicy" && o.api_version() == "networking.k8s.io/v1")
        .map(|o| Policy::parse(&o.value))
        .collect();
    let model = Model {
        workloads,
        policies,
        namespaces: &namespaces,
    };

    let boxes = namespace_boxes(objects, &model.workloads);
    let ordered: Vec<&Workload> = boxes.iter().flat_map(|b| &b.workloads).collect();

    let mut edges = vec![];
    for a in &ordered {
        for b in &ordered {
            edges.extend(model.flow(a, b));
        }
    }
    let (outside, external_edges) = outside_edges(&model, &ordered);
    let external = |side: Side| -> Vec<External> {
        outside
            .iter()
            .filter(|(s, _)| *s == side)
            .map(|(side, peer)| External {
                id: external_id(*side, peer),
                side: *side,
                peer: peer.clone(),
            })
            .collect()
    };
    let sources = external(Side::Source);
    let destinations = external(Side::Destination);

    // Edges by sender, then receiver, in the order the nodes are drawn.
    let position = |id: &str| {
        sources
            .iter()
            .map(|e| e.id.as_str())
            .chain(ordered.iter().map(|w| w.id.as_str()))
            .chain(destinations.iter().map(|e| e.id.as_str()))
            .position(|n| n == id)
            .unwrap_or(usize::MAX)
    };
    edges.extend(external_edges);
    edges.sort_by_key(|e| (position(&e.from), position(&e.to), e.blocked));
    Graph {
        namespaces: boxes,
        sources,
        destinations,
        edges,
    }
}

/// The namespaces holding workloads, in the order they are rendered (the install's own first),
/// each with its workloads.
fn namespace_boxes(objects: &[Object], workloads: &[Workload]) -> Vec<NamespaceBox> {
    let mut boxes: Vec<NamespaceBox> = vec![];
    for object in objects {
        let name = match (object.kind(), object.namespace()) {
            ("Namespace", _) => object.name(),
            (_, Some(ns)) => ns,
            _ => continue,
        };
        if !boxes.iter().any(|b| b.name == name) && workloads.iter().any(|w| w.namespace == name) {
            boxes.push(NamespaceBox {
                name: name.to_string(),
                workloads: vec![],
            });
        }
    }
    for w in workloads {
        match boxes.iter_mut().find(|b| b.name == w.namespace) {
            Some(b) => b.workloads.push(w.clone()),
            None => boxes.push(NamespaceBox {
                name: w.namespace.clone(),
                workloads: vec![w.clone()],
            }),
        }
    }
    boxes
}

/// The flows between workloads and peers outside the install, one edge per workload and peer,
/// and the peers, by side.
fn outside_edges(model: &Model, ordered: &[&Workload]) -> (BTreeSet<(Side, Peer)>, Vec<Edge>) {
    let mut outside = BTreeSet::new();
    let mut external_edges: BTreeMap<(String, String), Edge> = BTreeMap::new();
    for w in ordered {
        for (direction, side) in [
            (Direction::Egress, Side::Destination),
            (Direction::Ingress, Side::Source),
        ] {
            for OutsideFlow {
                peer,
                ports,
                policies,
                blocked,
            } in model.outside(w, direction)
            {
                let id = external_id(side, &peer);
                outside.insert((side, peer));
                let (from, to) = match side {
                    Side::Destination => (w.id.clone(), id),
                    Side::Source => (id, w.id.clone()),
                };
                let edge = external_edges
                    .entry((from.clone(), to.clone()))
                    .or_insert_with(|| Edge {
                        from,
                        to,
                        ports: vec![],
                        blocked,
                        policies: vec![],
                    });
                edge.ports.extend(ports);
                edge.policies.extend(policies);
            }
        }
    }
    let edges = external_edges
        .into_values()
        .map(|mut edge| {
            edge.ports = normalize(edge.ports);
            edge.policies.sort();
            edge.policies.dedup();
            edge
        })
        .collect();
    (outside, edges)
}

/// Where a kind of workload is drawn in its namespace.
fn kind_rank(kind: &str) -> u8 {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => 0,
        "Cluster" => 1,
        "Job" | "CronJob" => 2,
        "pod template" => 3,
        _ => 4,
    }
}

fn external_id(side: Side, peer: &Peer) -> String {
    let side = match side {
        Side::Source => "source",
        Side::Destination => "destination",
    };
    format!("{side}:{}", peer.key())
}

impl Graph {
    /// Every node's id, title and detail lines.
    fn node_lines(&self) -> NodeLines<'_> {
        let mut nodes = BTreeMap::new();
        for w in self.namespaces.iter().flat_map(|b| &b.workloads) {
            nodes.insert(w.id.as_str(), workload_lines(w));
        }
        for e in self.sources.iter().chain(&self.destinations) {
            nodes.insert(e.id.as_str(), (e.peer.title(), e.peer.details()));
        }
        nodes
    }
}

/// A workload's title and detail lines.
fn workload_lines(w: &Workload) -> (String, Vec<String>) {
    let title = format!("{} {}", w.kind, w.name);
    let mut lines = vec![];
    if let Some(component) = w.labels.get("app.kubernetes.io/component") {
        lines.push(format!("component={component}"));
    }
    if !w.ports.is_empty() {
        let ports: Vec<String> = w
            .ports
            .iter()
            .map(|p| format!("{}/{}", p.port, p.protocol))
            .collect();
        lines.push(format!("ports {}", ports.join(", ")));
    }
    lines.extend(w.services.iter().cloned());
    (title, lines)
}

/// An edge's label: ports and the policies that allow (or block) it.
fn edge_label(edge: &Edge) -> String {
    let what = if edge.blocked {
        "BLOCKED".to_string()
    } else {
        ports_text(&edge.ports)
    };
    let why = if edge.policies.is_empty() {
        "no NetworkPolicy selects these pods".to_string()
    } else {
        edge.policies.join(", ")
    };
    format!("{what} [{why}]")
}

/// A quoted DOT string: backslashes and quotes escaped, line breaks as `\n`.
fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

const ALLOWED_COLOR: &str = "#1f5fa8";
const OPEN_COLOR: &str = "#b7791f";
const BLOCKED_COLOR: &str = "#c53030";

/// The graph in Graphviz's DOT language.
pub fn dot(graph: &Graph) -> String {
    let mut out = String::new();
    let nodes = graph.node_lines();
    let node = |out: &mut String, indent: &str, id: &str, shape: &str, extra: &str| {
        let (title, lines) = &nodes[id];
        let label = std::iter::once(title.clone())
            .chain(lines.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n");
        let _ = writeln!(
            out,
            "{indent}{} [label={}, shape={shape}{extra}];",
            dot_quote(id),
            dot_quote(&label)
        );
    };
    out.push_str("digraph napgen {\n");
    out.push_str("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, labelloc=t, label=\"Flows the NetworkPolicies allow (anything not drawn is denied for pods a policy selects)\"];\n");
    out.push_str("  node [fontname=\"Helvetica\", fontsize=10];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    if !graph.sources.is_empty() {
        out.push_str("  subgraph \"cluster_sources\" {\n    label=\"from outside the install\";\n    style=dashed;\n");
        for e in &graph.sources {
            node(&mut out, "    ", &e.id, "ellipse", "");
        }
        out.push_str("  }\n");
    }
    for (i, b) in graph.namespaces.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph {} {{",
            dot_quote(&format!("cluster_namespace_{i}"))
        );
        let _ = writeln!(
            out,
            "    label={};",
            dot_quote(&format!("namespace {}", b.name))
        );
        for w in &b.workloads {
            node(&mut out, "    ", &w.id, "box", ", style=rounded");
        }
        out.push_str("  }\n");
    }
    if !graph.destinations.is_empty() {
        out.push_str("  subgraph \"cluster_destinations\" {\n    label=\"to outside the install\";\n    style=dashed;\n");
        for e in &graph.destinations {
            let extra = if matches!(e.peer, Peer::Blocked { .. }) {
                format!(
                    ", color={}, fontcolor={}",
                    dot_quote(BLOCKED_COLOR),
                    dot_quote(BLOCKED_COLOR)
                )
            } else {
                String::new()
            };
            let shape = if matches!(e.peer, Peer::Blocked { .. }) {
                "octagon"
            } else {
                "ellipse"
            };
            node(&mut out, "    ", &e.id, shape, &extra);
        }
        out.push_str("  }\n");
    }
    for edge in &graph.edges {
        let color = if edge.blocked {
            BLOCKED_COLOR
        } else if edge.policies.is_empty() {
            OPEN_COLOR
        } else {
            ALLOWED_COLOR
        };
        let style = if edge.blocked {
            ", style=dashed, arrowhead=tee"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}, color={}, fontcolor={}{style}];",
            dot_quote(&edge.from),
            dot_quote(&edge.to),
            dot_quote(&edge_label(edge)),
            dot_quote(color),
            dot_quote(color)
        );
    }
    out.push_str("}\n");
    out
}

/// Text escaped for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

/// Sizes of the drawing, in SVG user units (pixels at 100 %).
const CHAR_WIDTH: f64 = 6.9;
const LINE_HEIGHT: f64 = 14.0;
const TITLE_HEIGHT: f64 = 16.0;
const NODE_PADDING: f64 = 8.0;
const NODE_GAP: f64 = 14.0;
const COLUMN_GAP: f64 = 260.0;
const MARGIN: f64 = 20.0;
const BOX_HEADER: f64 = 22.0;

/// A node's box.
struct Placed {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * CHAR_WIDTH
}

fn node_size(title: &str, lines: &[String]) -> (f64, f64) {
    let width = std::iter::once(title)
        .chain(lines.iter().map(String::as_str))
        .map(text_width)
        .fold(0.0, f64::max)
        + 2.0 * NODE_PADDING;
    (
        width,
        TITLE_HEIGHT + LINE_HEIGHT * lines.len() as f64 + 2.0 * NODE_PADDING,
    )
}

/// A number written the same on every machine: at most one decimal.
fn n(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded:.1}")
    }
}

/// Every node's title and detail lines, by id.
type NodeLines<'g> = BTreeMap<&'g str, (String, Vec<String>)>;

/// Where everything is drawn: three columns (outside sources, the install's namespaces, outside
/// destinations), nodes stacked in each.
struct Layout<'g> {
    placed: BTreeMap<&'g str, Placed>,
    /// Each namespace's box: name, top, height.
    boxes: Vec<(&'g str, f64, f64)>,
    left_x: f64,
    mid_x: f64,
    mid_w: f64,
    right_x: f64,
    right_w: f64,
    top: f64,
    bottom: f64,
}

impl<'g> Layout<'g> {
    fn new(graph: &'g Graph, nodes: &NodeLines<'g>) -> Layout<'g> {
        let size = |id: &str| {
            let (title, lines) = &nodes[id];
            node_size(title, lines)
        };
        let column_width =
            |ids: &mut dyn Iterator<Item = &str>| ids.map(|id| size(id).0).fold(120.0, f64::max);
        let workloads = || graph.namespaces.iter().flat_map(|b| &b.workloads);
        let left_w = column_width(&mut graph.sources.iter().map(|e| e.id.as_str()));
        let mid_w = column_width(&mut workloads().map(|w| w.id.as_str())).max(
            graph
                .namespaces
                .iter()
                .map(|b| text_width(&format!("namespace {}", b.name)))
                .fold(0.0, f64::max),
        ) + 2.0 * NODE_PADDING;
        let right_w = column_width(&mut graph.destinations.iter().map(|e| e.id.as_str()));
        let left_x = MARGIN;
        let mid_x = left_x + left_w + COLUMN_GAP;
        let right_x = mid_x + mid_w + COLUMN_GAP;
        let top = MARGIN + 40.0;

        let mut placed = BTreeMap::new();
        let mut column = |ids: &mut dyn Iterator<Item = &'g str>, x: f64, width: f64| {
            let mut y = top;
            for id in ids {
                let (_, height) = size(id);
                placed.insert(
                    id,
                    Placed {
                        x,
                        y,
                        width,
                        height,
                    },
                );
                y += height + NODE_GAP;
            }
            y
        };
        let left_bottom = column(
            &mut graph.sources.iter().map(|e| e.id.as_str()),
            left_x,
            left_w,
        );
        let right_bottom = column(
            &mut graph.destinations.iter().map(|e| e.id.as_str()),
            right_x,
            right_w,
        );
        let mut boxes = vec![];
        let mut y = top;
        for b in &graph.namespaces {
            let box_top = y;
            y += BOX_HEADER;
            for w in &b.workloads {
                let (_, height) = size(&w.id);
                let (x, width) = (mid_x + NODE_PADDING, mid_w - 2.0 * NODE_PADDING);
                placed.insert(
                    &w.id,
                    Placed {
                        x,
                        y,
                        width,
                        height,
                    },
                );
                y += height + NODE_GAP;
            }
            boxes.push((b.name.as_str(), box_top, y - box_top));
            y += NODE_GAP * 2.0;
        }
        Layout {
            placed,
            boxes,
            left_x,
            mid_x,
            mid_w,
            right_x,
            right_w,
            top,
            bottom: left_bottom.max(right_bottom).max(y),
        }
    }
}

/// The curves of the edges: each leaves and enters its nodes at a point of its own, spread along
/// the side in edge order. A flow within the middle column leaves and enters on the left, where
/// few other flows arrive, bulging out further for longer jumps; any other flow leaves on the
/// right and enters on the left.
fn edge_curves(graph: &Graph, layout: &Layout) -> Vec<[(f64, f64); 4]> {
    let within: Vec<bool> = graph
        .edges
        .iter()
        .map(|e| is_workload(graph, &e.from) && is_workload(graph, &e.to))
        .collect();
    let mut anchors: BTreeMap<(&str, bool), Vec<usize>> = BTreeMap::new();
    for (i, e) in graph.edges.iter().enumerate() {
        anchors
            .entry((e.from.as_str(), !within[i]))
            .or_default()
            .push(i);
        anchors.entry((e.to.as_str(), false)).or_default().push(i);
    }
    let anchor = |id: &str, right: bool, edge: usize| -> (f64, f64) {
        let p = &layout.placed[id];
        let list = &anchors[&(id, right)];
        let k = list.iter().position(|&i| i == edge).unwrap_or(0) as f64;
        let y = p.y + p.height * (k + 1.0) / (list.len() as f64 + 1.0);
        (if right { p.x + p.width } else { p.x }, y)
    };
    graph
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (x1, y1) = anchor(&e.from, !within[i], i);
            let (x2, y2) = anchor(&e.to, false, i);
            let (c1, c2) = if within[i] {
                let bulge =
                    30.0 + ((y2 - y1).abs() / 4.0).min(COLUMN_GAP / 2.0) + (i % 5) as f64 * 6.0;
                let loop_y = if e.from == e.to { 20.0 } else { 0.0 };
                ((x1 - bulge, y1 - loop_y), (x2 - bulge, y2 + loop_y))
            } else {
                let mid = (x1 + x2) / 2.0;
                ((mid, y1), (mid, y2))
            };
            [(x1, y1), c1, c2, (x2, y2)]
        })
        .collect()
}

/// An edge's colour, dash pattern and arrow-head marker.
fn edge_style(edge: &Edge) -> (&'static str, &'static str, &'static str) {
    if edge.blocked {
        (BLOCKED_COLOR, " stroke-dasharray=\"4 4\"", "blocked")
    } else if edge.policies.is_empty() {
        (OPEN_COLOR, " stroke-dasharray=\"6 3\"", "open")
    } else {
        (ALLOWED_COLOR, "", "allowed")
    }
}

/// The graph as a self-contained SVG picture: outside sources on the left, the install's
/// namespaces in the middle, outside destinations on the right, each flow numbered and listed
/// under the picture with its ports and policies. No script, no external reference.
pub fn svg(graph: &Graph) -> String {
    let nodes = graph.node_lines();
    let layout = Layout::new(graph, &nodes);
    let short_name = |id: &str| {
        nodes
            .get(id)
            .map_or_else(|| id.to_string(), |(title, _)| title.clone())
    };
    let flow_lines: Vec<String> = graph
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            format!(
                "{}. {} -> {}: {}",
                i + 1,
                short_name(&e.from),
                short_name(&e.to),
                edge_label(e)
            )
        })
        .collect();
    let list_top = layout.bottom + 30.0;
    let width = (layout.right_x + layout.right_w + MARGIN)
        .max(flow_lines.iter().map(|l| text_width(l)).fold(0.0, f64::max) + 2.0 * MARGIN);
    let height =
        list_top + 24.0 + LINE_HEIGHT * (flow_lines.len() + LEGEND.len() + 2) as f64 + MARGIN;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-labelledby=\"title\">",
        w = n(width),
        h = n(height)
    );
    out.push_str("<title id=\"title\">Flows the NetworkPolicies allow</title>\n<defs>\n");
    for (name, color) in [
        ("allowed", ALLOWED_COLOR),
        ("open", OPEN_COLOR),
        ("blocked", BLOCKED_COLOR),
    ] {
        let _ = writeln!(out, "<marker id=\"arrow-{name}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{color}\"/></marker>");
    }
    out.push_str("</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    let _ = writeln!(out, "<text x=\"{}\" y=\"{}\" font-size=\"14\" font-weight=\"bold\">Flows the NetworkPolicies allow; anything not drawn is denied for pods a policy selects</text>", n(MARGIN), n(MARGIN + 12.0));
    write_columns(&mut out, graph, &layout, &nodes);
    write_edges(&mut out, graph, &layout, &flow_lines);
    write_legend(&mut out, list_top, &flow_lines);
    out.push_str("</svg>\n");
    out
}

/// The column headings, the namespaces' boxes and every node.
fn write_columns(out: &mut String, graph: &Graph, layout: &Layout, nodes: &NodeLines) {
    let mut heading = |x: f64, text: &str| {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-weight=\"bold\" fill=\"#555555\">{}</text>",
            n(x),
            n(layout.top - 8.0),
            xml_escape(text)
        );
    };
    if !graph.sources.is_empty() {
        heading(layout.left_x, "from outside the install");
    }
    if !graph.destinations.is_empty() {
        heading(layout.right_x, "to outside the install");
    }
    for (name, box_top, box_height) in &layout.boxes {
        let _ = writeln!(
            out,
            "<g class=\"namespace\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"#f4f6f8\" stroke=\"#8a96a3\"/><text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text></g>",
            n(layout.mid_x),
            n(*box_top),
            n(layout.mid_w),
            n(*box_height),
            n(layout.mid_x + NODE_PADDING),
            n(box_top + 15.0),
            xml_escape(&format!("namespace {name}"))
        );
    }
    for (id, p) in &layout.placed {
        let (title, lines) = &nodes[id];
        let blocked = graph
            .destinations
            .iter()
            .chain(&graph.sources)
            .any(|e| e.id == *id && matches!(e.peer, Peer::Blocked { .. }));
        let (fill, stroke) = if blocked {
            ("#fff5f5", BLOCKED_COLOR)
        } else if is_workload(graph, id) {
            ("#ffffff", "#4a5568")
        } else {
            ("#fffdf2", "#8a7a3a")
        };
        let _ = write!(
            out,
            "<g class=\"node\" id=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\"/>",
            xml_escape(&format!("node:{id}")),
            n(p.x),
            n(p.y),
            n(p.width),
            n(p.height)
        );
        let text_x = n(p.x + NODE_PADDING);
        let baseline = p.y + NODE_PADDING + 11.0;
        let _ = write!(
            out,
            "<text x=\"{text_x}\" y=\"{}\" font-weight=\"bold\">{}</text>",
            n(baseline),
            xml_escape(title)
        );
        for (k, line) in lines.iter().enumerate() {
            let y = baseline + TITLE_HEIGHT + LINE_HEIGHT * k as f64;
            let _ = write!(
                out,
                "<text x=\"{text_x}\" y=\"{}\" fill=\"#333333\">{}</text>",
                n(y),
                xml_escape(line)
            );
        }
        out.push_str("</g>\n");
    }
}

/// Every edge: its curve, and its number in a circle on the curve's middle point.
fn write_edges(out: &mut String, graph: &Graph, layout: &Layout, flow_lines: &[String]) {
    for (i, (edge, [p1, c1, c2, p2])) in graph
        .edges
        .iter()
        .zip(edge_curves(graph, layout))
        .enumerate()
    {
        let (color, dash, marker) = edge_style(edge);
        let path = format!(
            "M{},{} C{},{} {},{} {},{}",
            n(p1.0),
            n(p1.1),
            n(c1.0),
            n(c1.1),
            n(c2.0),
            n(c2.1),
            n(p2.0),
            n(p2.1)
        );
        // A cubic Bézier curve's point at t = 1/2.
        let lx = 0.125 * p1.0 + 0.375 * (c1.0 + c2.0) + 0.125 * p2.0;
        let ly = 0.125 * p1.1 + 0.375 * (c1.1 + c2.1) + 0.125 * p2.1;
        let _ = writeln!(
            out,
            "<g class=\"edge\"><title>{}</title><path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.3\"{dash} marker-end=\"url(#arrow-{marker})\"/><circle cx=\"{}\" cy=\"{}\" r=\"8\" fill=\"#ffffff\" stroke=\"{color}\"/><text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" fill=\"{color}\">{}</text></g>",
            xml_escape(&flow_lines[i]),
            n(lx),
            n(ly),
            n(lx),
            n(ly + 3.0),
            i + 1
        );
    }
}

/// What the edges' colours and dashes mean.
const LEGEND: [(&str, &str, &str); 3] = [
    ("allowed by the NetworkPolicies named", ALLOWED_COLOR, ""),
    (
        "allowed: no NetworkPolicy selects these pods",
        OPEN_COLOR,
        "6 3",
    ),
    (
        "blocked: excepted from the address blocks allowed (a narrower block drawn as allowed stays reachable)",
        BLOCKED_COLOR,
        "4 4",
    ),
];

/// The legend, and the list of flows under the picture.
fn write_legend(out: &mut String, top: f64, flow_lines: &[String]) {
    let mut y = top;
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">Legend</text>",
        n(MARGIN),
        n(y)
    );
    for (label, color, dash) in LEGEND {
        y += LINE_HEIGHT;
        let dash = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/><text x=\"{}\" y=\"{}\">{}</text>",
            n(MARGIN),
            n(y - 4.0),
            n(MARGIN + 30.0),
            n(y - 4.0),
            n(MARGIN + 38.0),
            n(y),
            xml_escape(label)
        );
    }
    y += LINE_HEIGHT * 1.5;
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">Flows</text>",
        n(MARGIN),
        n(y)
    );
    for line in flow_lines {
        y += LINE_HEIGHT;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            n(MARGIN),
            n(y),
            xml_escape(line)
        );
    }
}

fn is_workload(graph: &Graph, id: &str) -> bool {
    graph
        .namespaces
        .iter()
        .flat_map(|b| &b.workloads)
        .any(|w| w.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tcp(first: u32, last: Option<u32>) -> PortRange {
        PortRange {
            protocol: Some("TCP".into()),
            first: Some(first),
            last,
            name: None,
        }
    }

    #[test]
    fn port_ranges_intersect_by_protocol_and_number() {
        assert_eq!(
            tcp(8000, Some(9000)).intersect(&tcp(8080, None)),
            Some(tcp(8080, None))
        );
        assert_eq!(
            tcp(10, Some(20)).intersect(&tcp(15, Some(30))),
            Some(tcp(15, Some(20)))
        );
        assert_eq!(tcp(10, Some(20)).intersect(&tcp(21, None)), None);
        assert_eq!(
            PortRange::any().intersect(&tcp(53, None)),
            Some(tcp(53, None))
        );
        let udp = PortRange {
            protocol: Some("UDP".into()),
            ..PortRange::any()
        };
        assert_eq!(udp.intersect(&tcp(53, None)), None);
        assert_eq!(
            normalize(vec![tcp(80, None), PortRange::any(), tcp(80, None)]),
            vec![PortRange::any()]
        );
    }

    #[test]
    fn address_blocks_contain_and_overlap() {
        assert!(cidr_contains("0.0.0.0/0", "169.254.0.0/16"));
        assert!(cidr_contains("10.0.0.0/8", "10.30.0.0/24"));
        assert!(!cidr_contains("10.30.0.0/24", "10.0.0.0/8"));
        assert!(!cidr_contains("0.0.0.0/0", "fe80::/10"));
        assert!(cidr_contains("::/0", "fd00:ec2::254/128"));
        assert!(cidr_overlaps("10.0.0.0/8", "10.30.0.0/24"));
        assert!(!cidr_overlaps("10.0.0.0/8", "172.16.0.0/12"));
    }

    fn object(value: Value) -> Object {
        Object {
            source: "test",
            value,
        }
    }

    fn deployment(name: &str, component: &str) -> Object {
        object(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": { "name": name, "namespace": "ns" },
            "spec": { "template": { "metadata": { "labels": { "component": component } },
                "spec": { "containers": [{ "name": "c", "ports": [{ "name": "http", "containerPort": 8080 }] }] } } }
        }))
    }

    fn policy(name: &str, spec: Value) -> Object {
        object(json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": { "name": name, "namespace": "ns" }, "spec": spec
        }))
    }

    /// A flow needs both the sender's egress and the receiver's ingress; a named port is
    /// resolved on the receiver; a port only one side admits is not drawn.
    #[test]
    fn a_flow_needs_both_sides() {
        let objects = vec![
            deployment("a", "a"),
            deployment("b", "b"),
            policy(
                "a-out",
                json!({ "podSelector": { "matchLabels": { "component": "a" } }, "policyTypes": ["Egress"],
                "egress": [{ "to": [{ "podSelector": {} }], "ports": [{ "port": "http" }, { "port": 9000 }] }] }),
            ),
            policy(
                "b-in",
                json!({ "podSelector": { "matchExpressions": [{ "key": "component", "operator": "In", "values": ["b"] }] },
                "policyTypes": ["Ingress"], "ingress": [{ "from": [{ "podSelector": { "matchLabels": { "component": "a" } } }],
                "ports": [{ "port": 8080 }] }] }),
            ),
        ];
        let graph = graph(&objects);
        let flow = |from: &str, to: &str| {
            graph
                .edges
                .iter()
                .find(|e| e.from == from && e.to == to)
                .cloned()
        };
        let a_to_b = flow("ns/Deployment/a", "ns/Deployment/b").unwrap();
        assert_eq!(a_to_b.ports, vec![tcp(8080, None)]);
        assert_eq!(a_to_b.policies, vec!["a-out", "b-in"]);
        // b's egress is not restricted, but a's ingress is not either: nothing decides, so the
        // open edges to and from anywhere show it instead.
        assert!(flow("ns/Deployment/b", "ns/Deployment/a").is_none());
        assert!(flow("source:anywhere", "ns/Deployment/a").is_some_and(|e| e.policies.is_empty()));
        // a -> a: a's egress admits its own pods on 8080 and 9000; no ingress policy selects a.
        assert_eq!(
            flow("ns/Deployment/a", "ns/Deployment/a").unwrap().ports,
            vec![tcp(8080, None), tcp(9000, None)]
        );
    }

    /// An exception another rule admits on every port is not drawn as blocked; one a rule admits
    /// only on some ports stays blocked.
    #[test]
    fn exceptions_admitted_elsewhere_are_not_blocked() {
        let objects = vec![
            deployment("a", "a"),
            policy(
                "internet",
                json!({ "podSelector": {}, "policyTypes": ["Egress"], "egress": [{ "to": [
                { "ipBlock": { "cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "169.254.0.0/16"] } }] }] }),
            ),
            policy(
                "private",
                json!({ "podSelector": {}, "policyTypes": ["Egress"], "egress": [{ "to": [
                { "ipBlock": { "cidr": "10.0.0.0/8" } }] }, { "to": [{ "ipBlock": { "cidr": "169.254.0.0/16" } }], "ports": [{ "port": 80 }] }] }),
            ),
        ];
        let graph = graph(&objects);
        let blocked: Vec<&Edge> = graph.edges.iter().filter(|e| e.blocked).collect();
        assert_eq!(blocked.len(), 1, "{blocked:?}");
        assert_eq!(blocked[0].to, "destination:blocked[169.254.0.0/16]");
        assert_eq!(blocked[0].policies, vec!["internet"]);
        assert!(graph
            .destinations
            .iter()
            .any(|d| d.peer.details()
                == ["169.254.0.0/16 (link-local: cloud metadata 169.254.169.254)"]));
    }

    /// Pod templates in ConfigMaps and CloudNativePG clusters are workloads too.
    #[test]
    fn run_time_pods_and_database_clusters_are_workloads() {
        let objects = vec![
            object(
                json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "templates", "namespace": "ns" },
                "data": { "pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    component: worker\n", "other": "not: [a pod" } }),
            ),
            object(
                json!({ "apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": { "name": "db", "namespace": "ns" },
                "spec": { "inheritedMetadata": { "labels": { "component": "database" } } } }),
            ),
        ];
        let graph = graph(&objects);
        let ids: Vec<&str> = graph.namespaces[0]
            .workloads
            .iter()
            .map(|w| w.id.as_str())
            .collect();
        assert_eq!(ids, ["ns/Cluster/db", "ns/pod template/templates/pod.yaml"]);
        assert_eq!(
            graph.namespaces[0].workloads[0].labels["cnpg.io/cluster"],
            "db"
        );
    }
}

//! `napgen rbac`: the least-privilege RBAC an installer needs to apply *this* configuration's
//! bundle with `kubectl apply --server-side`, derived from the objects the bundle contains.
//!
//! * Namespaced objects: a Role in each namespace the bundle writes to, one rule per API group
//!   and verb set, on the resources of the kinds found there. Verbs: `create` and `patch` (a
//!   server-side apply is a PATCH; when the object does not exist yet the API server also checks
//!   `create`), `get`, `list`, `watch` (kubectl diff, `apply --prune`, `rollout status`, `wait`),
//!   `delete` (prune, stale seed Jobs, uninstall). Never `update`: server-side apply does not PUT.
//! * Cluster-scoped objects (Namespace, ClusterRole, ClusterRoleBinding, StorageClass, ...): a
//!   ClusterRole whose rules name the exact objects (`resourceNames`) with `get`, `create`,
//!   `patch`, `delete`. Naming works for `create` here because a server-side apply names the
//!   object in the URL; a client-side `kubectl apply` (a POST) would be refused.
//! * Escalation: Kubernetes lets a user create a Role or ClusterRole only with permissions the
//!   user holds (or `escalate`), and bind a role only if holding its permissions (or `bind`). So
//!   the rules of every Role and ClusterRole in the bundle are added to the installer's own, in
//!   the same scope; a binding to a role outside the bundle gets `bind` on exactly that role.
//! * OpenShift (PLATFORM=openshift): a RoleBinding per SCC grant of the plan (coturn's
//!   `hostnetwork-v2`), binding the SCC's `system:openshift:scc:<name>` ClusterRole to the
//!   ServiceAccount in its namespace only. It is the cluster admin's grant to the workload, not
//!   the installer's: the installer needs no right on SCCs, as the pods are created by their
//!   controllers and admitted through their ServiceAccount.
//! * `--with-prereqs` adds what installing the prerequisites with Helm needs (CRDs, admission
//!   webhooks, the operators' ClusterRoles with `escalate` and `bind`, full control of their
//!   namespaces). That is close to cluster-admin, and said so in the output.

use crate::error::Error;
use crate::output::yaml;
use crate::plan::scc::SccGrant;
use crate::render::Object;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A kind napgen can emit, with the resource name RBAC rules use.
pub struct Resource {
    pub group: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
}

const fn r(
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
) -> Resource {
    Resource {
        group,
        kind,
        plural,
        namespaced,
    }
}

/// Every kind the bundle may contain. A kind missing here is an internal error, never a silently
/// dropped rule; a test renders every module and checks each kind is listed.
pub static RESOURCES: &[Resource] = &[
    r("", "Namespace", "namespaces", false),
    r("", "ServiceAccount", "serviceaccounts", true),
    r("", "Secret", "secrets", true),
    r("", "ConfigMap", "configmaps", true),
    r("", "Service", "services", true),
    r("", "PersistentVolumeClaim", "persistentvolumeclaims", true),
    r("", "PersistentVolume", "persistentvolumes", false),
    r("", "Pod", "pods", true),
    r("", "ResourceQuota", "resourcequotas", true),
    r("", "LimitRange", "limitranges", true),
    r("apps", "Deployment", "deployments", true),
    r("apps", "StatefulSet", "statefulsets", true),
    r("apps", "DaemonSet", "daemonsets", true),
    r("batch", "Job", "jobs", true),
    r("batch", "CronJob", "cronjobs", true),
    r(
        "policy",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    ),
    r(
        "autoscaling",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    r(
        "networking.k8s.io",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    r("networking.k8s.io", "Ingress", "ingresses", true),
    r("networking.k8s.io", "IngressClass", "ingressclasses", false),
    r("rbac.authorization.k8s.io", "Role", "roles", true),
    r(
        "rbac.authorization.k8s.io",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    r(
        "rbac.authorization.k8s.io",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    r(
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    r("storage.k8s.io", "StorageClass", "storageclasses", false),
    r(
        "scheduling.k8s.io",
        "PriorityClass",
        "priorityclasses",
        false,
    ),
    r(
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    ),
    r("postgresql.cnpg.io", "Cluster", "clusters", true),
    r(
        "postgresql.cnpg.io",
        "ScheduledBackup",
        "scheduledbackups",
        true,
    ),
    r("postgresql.cnpg.io", "Backup", "backups", true),
    r("postgresql.cnpg.io", "Pooler", "poolers", true),
    r("postgresql.cnpg.io", "Database", "databases", true),
    r("barmancloud.cnpg.io", "ObjectStore", "objectstores", true),
    r("sandbox.opensandbox.io", "Pool", "pools", true),
    r(
        "sandbox.opensandbox.io",
        "BatchSandbox",
        "batchsandboxes",
        true,
    ),
    r(
        "monitoring.coreos.com",
        "ServiceMonitor",
        "servicemonitors",
        true,
    ),
    r("monitoring.coreos.com", "PodMonitor", "podmonitors", true),
    r("gateway.networking.k8s.io", "Gateway", "gateways", true),
    r("gateway.networking.k8s.io", "HTTPRoute", "httproutes", true),
];

const RBAC: &str = "rbac.authorization.k8s.io";

/// The API group of an `apiVersion` (`""` for the core group).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The resource of an object's kind.
pub fn resource_of(api_version: &str, kind: &str) -> Option<&'static Resource> {
    let group = group_of(api_version);
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.kind == kind)
}

/// Verbs to apply namespaced objects (see the module documentation for why each).
pub const NAMESPACED_VERBS: &[&str] = &["create", "delete", "get", "list", "patch", "watch"];
/// Verbs to apply named cluster-scoped objects.
pub const CLUSTER_VERBS: &[&str] = &["create", "delete", "get", "patch"];

/// Who the installer is.
#[derive(Debug, Clone, Default)]
pub struct Subjects {
    pub users: Vec<String>,
    pub groups: Vec<String>,
    /// `NAMESPACE/NAME` of service accounts (a CI pipeline's, say).
    pub service_accounts: Vec<String>,
}

impl Subjects {
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty() && self.service_accounts.is_empty()
    }

    fn to_json(&self) -> Result<Vec<Value>, Error> {
        let mut out = Vec::new();
        for u in &self.users {
            out.push(json!({"kind": "User", "apiGroup": RBAC, "name": u}));
        }
        for g in &self.groups {
            out.push(json!({"kind": "Group", "apiGroup": RBAC, "name": g}));
        }
        for sa in &self.service_accounts {
            let Some((ns, name)) = sa
                .split_once('/')
                .filter(|(n, s)| !n.is_empty() && !s.is_empty())
            else {
                return Err(Error::Invalid(vec![crate::diagnostic::Diagnostic::error(
                    None,
                    None,
                    format!("--service-account {sa:?} is not NAMESPACE/NAME"),
                    "write it like ci/deployer",
                )]));
            };
            out.push(json!({"kind": "ServiceAccount", "name": name, "namespace": ns}));
        }
        Ok(out)
    }
}

/// A namespace a prerequisite is installed into, for `--with-prereqs`.
#[derive(Debug, Clone)]
pub struct PrereqScope {
    pub namespace: String,
    /// What is installed there, for the comment.
    pub what: String,
}

/// (API group, resource, resource names; `None` = every name).
type RuleKey = (String, String, Option<Vec<String>>);
/// (API group, verbs, resource names): the rules resources can share.
type RuleShape = (String, Vec<String>, Option<Vec<String>>);

/// Rules keyed by group, resource and names → verbs.
#[derive(Default, Debug, Clone)]
struct Rules {
    resources: BTreeMap<RuleKey, BTreeSet<String>>,
    non_resource: BTreeMap<String, BTreeSet<String>>,
}

impl Rules {
    fn add(&mut self, group: &str, resource: &str, names: Option<Vec<String>>, verbs: &[&str]) {
        let names = names.map(|mut n| {
            n.sort();
            n.dedup();
            n
        });
        self.resources
            .entry((group.to_string(), resource.to_string(), names))
            .or_default()
            .extend(verbs.iter().map(|v| v.to_string()));
    }

    /// Copy the rules of a Role or ClusterRole in the bundle (escalation prevention).
    fn add_role_rules(&mut self, role: &Value) {
        for rule in role["rules"].as_array().into_iter().flatten() {
            let list = |f: &str| -> Vec<String> {
                rule[f]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            };
            let verbs = list("verbs");
            let verbs: Vec<&str> = verbs.iter().map(String::as_str).collect();
            let names = list("resourceNames");
            let names = (!names.is_empty()).then_some(names);
            for url in list("nonResourceURLs") {
                self.non_resource
                    .entry(url)
                    .or_default()
                    .extend(verbs.iter().map(|v| v.to_string()));
            }
            for group in list("apiGroups") {
                for resource in list("resources") {
                    self.add(&group, &resource, names.clone(), &verbs);
                }
            }
        }
    }

    /// Rules as RBAC JSON: a name-restricted rule whose verbs an unrestricted rule on the same
    /// resource already grants is dropped; resources with the same group, verbs and names share a
    /// rule.
    fn to_json(&self) -> Vec<Value> {
        let mut merged: BTreeMap<RuleShape, Vec<String>> = BTreeMap::new();
        for ((group, resource, names), verbs) in &self.resources {
            if names.is_some() {
                if let Some(all) = self.resources.get(&(group.clone(), resource.clone(), None)) {
                    if verbs.is_subset(all) {
                        continue;
                    }
                }
            }
            merged
                .entry((
                    group.clone(),
                    verbs.iter().cloned().collect(),
                    names.clone(),
                ))
                .or_default()
                .push(resource.clone());
        }
        let mut out: Vec<Value> = merged
            .into_iter()
            .map(|((group, verbs, names), resources)| {
                let mut rule = json!({"apiGroups": [group], "resources": resources});
                if let Some(names) = names {
                    rule["resourceNames"] = json!(names);
                }
                rule["verbs"] = json!(verbs);
                rule
            })
            .collect();
        let mut by_verbs: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
        for (url, verbs) in &self.non_resource {
            by_verbs
                .entry(verbs.iter().cloned().collect())
                .or_default()
                .push(url.clone());
        }
        for (verbs, urls) in by_verbs {
            out.push(json!({"nonResourceURLs": urls, "verbs": verbs}));
        }
        out
    }

    fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.non_resource.is_empty()
    }
}

/// What `napgen rbac` was asked for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The platform namespace, for the names of the installer's cluster-scoped objects.
    pub namespace: String,
    pub subjects: Subjects,
    /// `Some` with `--with-prereqs`: the namespaces the prerequisites are installed into.
    pub prereqs: Option<Vec<PrereqScope>>,
    /// The OpenShift SCCs the workloads' ServiceAccounts need (the plan's `scc_grants`).
    pub scc_grants: Vec<SccGrant>,
}

/// The installer's rules for these objects: cluster-wide ones, and per namespace.
fn derive(objects: &[Object]) -> Result<(Rules, BTreeMap<String, Rules>), Error> {
    let mut cluster = Rules::default();
    let mut namespaced: BTreeMap<String, Rules> = BTreeMap::new();
    let mut cluster_names: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    let in_bundle = |kind: &str, name: &str, ns: Option<&str>| {
        objects.iter().any(|o| {
            o.kind() == kind
                && group_of(o.api_version()) == RBAC
                && o.name() == name
                && (kind == "ClusterRole" || o.namespace() == ns)
        })
    };
    for o in objects {
        let resource = resource_of(o.api_version(), o.kind()).ok_or_else(|| {
            Error::internal(format!(
                "napgen rbac does not know the resource of {} {} (object {}): add it to rbac::RESOURCES",
                o.api_version(),
                o.kind(),
                o.name()
            ))
        })?;
        if resource.namespaced {
            let ns = o.namespace().ok_or_else(|| {
                Error::internal(format!("{} {} has no namespace", o.kind(), o.name()))
            })?;
            let rules = namespaced.entry(ns.to_string()).or_default();
            rules.add(resource.group, resource.plural, None, NAMESPACED_VERBS);
            match o.kind() {
                "Role" => rules.add_role_rules(&o.value),
                "RoleBinding" => {
                    let (kind, name) = role_ref(&o.value);
                    if !in_bundle(&kind, &name, Some(ns)) {
                        let plural = if kind == "ClusterRole" {
                            "clusterroles"
                        } else {
                            "roles"
                        };
                        rules.add(RBAC, plural, Some(vec![name]), &["bind"]);
                    }
                }
                _ => {}
            }
        } else {
            cluster_names
                .entry((resource.group, resource.plural))
                .or_default()
                .push(o.name().to_string());
            match o.kind() {
                "ClusterRole" => cluster.add_role_rules(&o.value),
                "ClusterRoleBinding" => {
                    let (kind, name) = role_ref(&o.value);
                    if !in_bundle(&kind, &name, None) {
                        cluster.add(RBAC, "clusterroles", Some(vec![name]), &["bind"]);
                    }
                }
                _ => {}
            }
        }
    }
    for ((group, plural), names) in cluster_names {
        cluster.add(group, plural, Some(names), CLUSTER_VERBS);
    }
    Ok((cluster, namespaced))
}

fn role_ref(binding: &Value) -> (String, String) {
    let text = |f: &str| binding["roleRef"][f].as_str().unwrap_or("").to_string();
    (text("kind"), text("name"))
}

fn labels() -> Value {
    labels_of("installer-rbac")
}

fn labels_of(component: &str) -> Value {
    json!({
        "app.kubernetes.io/part-of": "nap",
        "app.kubernetes.io/managed-by": "napgen",
        "app.kubernetes.io/component": component,
    })
}

/// The RoleBinding that lets a ServiceAccount use an SCC, in its own namespace only.
fn scc_binding(grant: &SccGrant) -> Value {
    json!({
        "apiVersion": format!("{RBAC}/v1"),
        "kind": "RoleBinding",
        "metadata": {
            "name": grant.binding_name(),
            "namespace": grant.namespace,
            "labels": labels_of("scc"),
        },
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": grant.cluster_role()},
        "subjects": [{"kind": "ServiceAccount", "name": grant.service_account, "namespace": grant.namespace}],
    })
}

fn role(kind: &str, name: &str, namespace: Option<&str>, rules: Vec<Value>) -> Value {
    let mut metadata = json!({"name": name});
    if let Some(ns) = namespace {
        metadata["namespace"] = json!(ns);
    }
    metadata["labels"] = labels();
    json!({"apiVersion": format!("{RBAC}/v1"), "kind": kind, "metadata": metadata, "rules": rules})
}

fn binding(
    kind: &str,
    name: &str,
    namespace: Option<&str>,
    role_kind: &str,
    subjects: &[Value],
) -> Value {
    let mut metadata = json!({"name": name});
    if let Some(ns) = namespace {
        metadata["namespace"] = json!(ns);
    }
    metadata["labels"] = labels();
    json!({
        "apiVersion": format!("{RBAC}/v1"),
        "kind": kind,
        "metadata": metadata,
        "roleRef": {"apiGroup": RBAC, "kind": role_kind, "name": name},
        "subjects": subjects,
    })
}

/// What installing the prerequisites with Helm needs, cluster-wide.
fn prereq_cluster_rules() -> Rules {
    let mut rules = Rules::default();
    let crud = &[
        "create", "delete", "get", "list", "patch", "update", "watch",
    ];
    rules.add(
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        None,
        crud,
    );
    rules.add(
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        None,
        crud,
    );
    rules.add(
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
        None,
        crud,
    );
    let rbac = &[
        "bind", "create", "delete", "escalate", "get", "list", "patch", "update", "watch",
    ];
    rules.add(RBAC, "clusterroles", None, rbac);
    rules.add(RBAC, "clusterrolebindings", None, rbac);
    rules.add("", "namespaces", None, &["create", "get", "list", "watch"]);
    rules
}

/// The installer RBAC as objects, with a header explaining it.
pub fn generate(objects: &[Object], request: &Request) -> Result<(String, Vec<Value>), Error> {
    let (cluster, namespaced) = derive(objects)?;
    let subjects = request.subjects.to_json()?;
    let name = format!("nap-installer-{}", request.namespace);
    let mut out = Vec::new();
    if !cluster.is_empty() {
        out.push(role("ClusterRole", &name, None, cluster.to_json()));
        if !subjects.is_empty() {
            out.push(binding(
                "ClusterRoleBinding",
                &name,
                None,
                "ClusterRole",
                &subjects,
            ));
        }
    }
    for (ns, rules) in &namespaced {
        out.push(role("Role", "nap-installer", Some(ns), rules.to_json()));
        if !subjects.is_empty() {
            out.push(binding(
                "RoleBinding",
                "nap-installer",
                Some(ns),
                "Role",
                &subjects,
            ));
        }
    }
    out.extend(request.scc_grants.iter().map(scc_binding));
    if let Some(scopes) = &request.prereqs {
        let pname = "nap-installer-prereqs";
        out.push(role(
            "ClusterRole",
            pname,
            None,
            prereq_cluster_rules().to_json(),
        ));
        if !subjects.is_empty() {
            out.push(binding(
                "ClusterRoleBinding",
                pname,
                None,
                "ClusterRole",
                &subjects,
            ));
        }
        let mut seen = BTreeSet::new();
        for scope in scopes.iter().filter(|s| seen.insert(s.namespace.clone())) {
            let all = vec![json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})];
            out.push(role("Role", pname, Some(&scope.namespace), all));
            if !subjects.is_empty() {
                out.push(binding(
                    "RoleBinding",
                    pname,
                    Some(&scope.namespace),
                    "Role",
                    &subjects,
                ));
            }
        }
    }
    let header = header(request, &namespaced, subjects.is_empty());
    Ok((header, out))
}

fn header(request: &Request, namespaced: &BTreeMap<String, Rules>, unbound: bool) -> String {
    let namespaces: Vec<&str> = namespaced.keys().map(String::as_str).collect();
    let mut lines = vec![
        format!(
            "The least-privilege RBAC to install this configuration's bundle (namespace {}) with",
            request.namespace
        ),
        "`kubectl apply --server-side`, derived by napgen rbac from the objects the bundle contains.".into(),
        "Namespaced objects: a Role per namespace with create, patch (server-side apply), get, list,".into(),
        "watch (diff, prune, rollout status) and delete (prune, stale seed Jobs). Cluster-scoped objects:".into(),
        "get, create, patch, delete on exactly the bundle's objects (resourceNames; this needs".into(),
        "--server-side, whose PATCH names the object). The rules of every Role and ClusterRole in the".into(),
        "bundle are included: Kubernetes lets you grant only what you hold yourself.".into(),
    ];
    if !namespaces.is_empty() {
        lines.push(format!(
            "Apply it as a cluster admin; the Roles live in {}, so create {} first:",
            namespaces.join(", "),
            if namespaces.len() == 1 { "it" } else { "them" }
        ));
        lines.push(format!(
            "  kubectl create namespace {}",
            namespaces.join(" && kubectl create namespace ")
        ));
    }
    for grant in &request.scc_grants {
        lines.push(String::new());
        lines.push(format!(
            "OpenShift: RoleBinding {} lets ServiceAccount {}/{} use SCC",
            grant.binding_name(),
            grant.namespace,
            grant.service_account
        ));
        lines.push(format!(
            "{} ({}; restricted-v2 refuses it): it binds",
            grant.scc, grant.why
        ));
        lines.push(format!(
            "ClusterRole {} in {} only, the narrow form of",
            grant.cluster_role(),
            grant.namespace
        ));
        lines.push(format!("  {}", grant.oc_command()));
        lines.push(
            "Apply one of the two. It is the workload's grant: the installer needs no right on SCCs."
                .into(),
        );
    }
    if unbound {
        lines.push(
            "No subject was given: add --user NAME, --group NAME or --service-account NS/NAME"
                .into(),
        );
        lines.push("to bind these roles, or bind them yourself.".into());
    }
    if let Some(scopes) = &request.prereqs {
        lines.push(String::new());
        lines.push("--with-prereqs: nap-installer-prereqs is what installing the prerequisites with Helm needs,".into());
        lines.push("and it is broad: CRDs and admission webhooks cluster-wide, ClusterRoles and bindings with".into());
        lines.push("escalate and bind (the operators' roles grant cluster-wide access, so whoever holds this can".into());
        lines.push("grant themselves anything: treat it as cluster-admin and revoke it after the install), and".into());
        lines.push("full control of the prerequisites' namespaces:".into());
        for s in scopes {
            lines.push(format!("  {}: {}", s.namespace, s.what));
        }
        lines.push("Helm creates those namespaces (--create-namespace); bind the Roles there after it does, or".into());
        lines.push("create the namespaces first.".into());
    }
    lines
        .into_iter()
        .map(|l| {
            if l.is_empty() {
                "#\n".to_string()
            } else {
                format!("# {l}\n")
            }
        })
        .collect()
}

/// Header and objects as one YAML stream.
pub fn to_yaml(header: &str, objects: &[Value]) -> String {
    let mut out = header.to_string();
    for o in objects {
        out.push_str("---\n");
        out.push_str(&yaml::to_yaml(o));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(value: Value) -> Object {
        Object {
            source: "test",
            value,
        }
    }

    #[test]
    fn escalation_rules_and_names() {
        let objects = vec![
            obj(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "nap"}})),
            obj(
                json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "nap"}}),
            ),
            obj(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "cp", "namespace": "nap"},
                "rules": [{"apiGroups": [""], "resources": ["secrets", "pods/log"], "verbs": ["get", "update"]}]}),
            ),
            obj(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "view", "namespace": "nap"},
                "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "view"}, "subjects": []}),
            ),
            obj(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "nodes"},
                "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]}]}),
            ),
        ];
        let request = Request {
            namespace: "nap".into(),
            subjects: Subjects {
                users: vec!["alice".into()],
                ..Default::default()
            },
            prereqs: None,
            scc_grants: Vec::new(),
        };
        let (_, out) = generate(&objects, &request).unwrap();
        let kinds: Vec<&str> = out.iter().map(|o| o["kind"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]
        );
        let cluster = serde_json::to_string(&out[0]["rules"]).unwrap();
        assert!(cluster.contains(r#"{"apiGroups":[""],"resources":["namespaces"],"resourceNames":["nap"],"verbs":["create","delete","get","patch"]}"#), "{cluster}");
        assert!(
            cluster.contains(r#"{"apiGroups":[""],"resources":["nodes"],"verbs":["get","list"]}"#),
            "{cluster}"
        );
        assert!(
            cluster.contains(r#""resources":["clusterroles"],"resourceNames":["nodes"]"#),
            "{cluster}"
        );
        let ns = serde_json::to_string(&out[2]["rules"]).unwrap();
        // The Role's update on secrets is held too; the binding to an outside ClusterRole gets bind on it.
        assert!(ns.contains(r#""resources":["secrets"],"verbs":["create","delete","get","list","patch","update","watch"]"#), "{ns}");
        assert!(
            ns.contains(r#""resources":["pods/log"],"verbs":["get","update"]"#),
            "{ns}"
        );
        assert!(
            ns.contains(
                r#""resources":["clusterroles"],"resourceNames":["view"],"verbs":["bind"]"#
            ),
            "{ns}"
        );
        assert_eq!(out[1]["subjects"][0]["name"], "alice");
    }

    #[test]
    fn scc_grants_are_role_bindings_in_their_namespace() {
        let grant = SccGrant {
            scc: "hostnetwork-v2",
            namespace: "nap-turn".into(),
            service_account: "coturn".into(),
            why: "coturn's relay range needs the host network",
        };
        let request = Request {
            namespace: "nap".into(),
            scc_grants: vec![grant],
            ..Default::default()
        };
        let (header, out) = generate(&[], &request).unwrap();
        assert_eq!(
            out,
            [json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {
                    "name": "coturn-scc-hostnetwork-v2",
                    "namespace": "nap-turn",
                    "labels": labels_of("scc"),
                },
                "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "system:openshift:scc:hostnetwork-v2"},
                "subjects": [{"kind": "ServiceAccount", "name": "coturn", "namespace": "nap-turn"}],
            })]
        );
        assert!(
            header.contains(
                "#   oc adm policy add-scc-to-user hostnetwork-v2 -z coturn -n nap-turn\n"
            ) && header.contains("the installer needs no right on SCCs"),
            "{header}"
        );
        // Off OpenShift there is no grant, and the header says nothing of SCCs.
        let (header, out) = generate(&[], &Request::default()).unwrap();
        assert!(out.is_empty() && !header.contains("SCC"), "{header}");
    }

    #[test]
    fn unknown_kind_is_an_internal_error() {
        let objects = vec![obj(
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "nap"}}),
        )];
        let Err(Error::Internal { message: m }) = generate(&objects, &Request::default()) else {
            panic!()
        };
        assert!(m.contains("rbac::RESOURCES"), "{m}");
    }

    #[test]
    fn bad_service_account_is_refused() {
        let request = Request {
            subjects: Subjects {
                service_accounts: vec!["nons".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(matches!(generate(&[], &request), Err(Error::Invalid(_))));
    }
}

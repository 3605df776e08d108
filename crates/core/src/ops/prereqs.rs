//! `napgen prereqs`: what must exist before the bundle is applied, as commands to run.
//!
//! Each prerequisite is a function that looks at the configuration (typed config, plan and rendered
//! objects) and returns a step when it applies, so a new prerequisite is one more function in
//! [`STEPS`]. Conditions read the rendered objects where they can (a `postgresql.cnpg.io`
//! object needs the CloudNativePG operator; a StorageClass with the `nfs.csi.k8s.io`
//! provisioner needs the NFS CSI driver; a `barmancloud.cnpg.io` object needs the barman-cloud
//! plugin), so they follow what the bundle really contains.
//!
//! napgen never prints a secret here: commands that need one name the values.env key in
//! `<angle brackets>` (which a shell refuses to run as it is), and OpenSandbox's API key is written
//! to a file only when asked (`--with-secret`), with mode 0600.

use crate::config::types::IssuerKind;
use crate::config::Config;
use crate::output::yaml;
use crate::plan::secrets::{self, Secret, SecretType, SANDBOX_KEY_SECRET, SANDBOX_KEY_SECRET_KEY};
use crate::plan::{ExternalServer, Plan};
use crate::render::Object;
use serde::Serialize;
use serde_json::json;

/// Everything a step's condition may look at.
pub struct Context<'a> {
    pub config: &'a Config,
    pub plan: &'a Plan,
    pub objects: &'a [Object],
    /// Where `--write-values` writes OpenSandbox's values file (for the commands' paths).
    pub values_dir: Option<&'a str>,
}

impl Context<'_> {
    fn has_group(&self, group: &str) -> bool {
        self.objects
            .iter()
            .any(|o| crate::ops::rbac::group_of(o.api_version()) == group)
    }

    /// Where OPENSANDBOX_URL points, when the sandbox module is on.
    fn sandbox_target(&self) -> Option<SandboxTarget> {
        let sandbox = self.config.sandbox.as_ref()?;
        Some(sandbox_target(sandbox.opensandbox_url.as_str()))
    }

    /// OPENSANDBOX_API_KEY, when values.env gives it.
    fn sandbox_api_key(&self) -> Option<&str> {
        let key = self.config.secrets.values.get("OPENSANDBOX_API_KEY")?;
        Some(key.expose())
    }
}

/// One prerequisite.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub id: &'static str,
    pub title: String,
    /// Why this configuration needs it.
    pub why: String,
    /// Shell commands, in order.
    pub commands: Vec<String>,
    pub notes: Vec<String>,
    /// The namespace the step installs software into (for `napgen rbac --with-prereqs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

type StepFn = fn(&Context) -> Option<Step>;

/// The prerequisites, in the order they must be installed.
pub const STEPS: &[StepFn] = &[
    external_database,
    cnpg_operator,
    barman_cloud_plugin,
    nfs_csi_driver,
    storage_classes,
    opensandbox,
    prometheus_operator,
    metrics_server,
    cert_manager,
    gateway_api,
    openshift_router,
    provided_objects,
    openshift_scc,
    runtime_pool,
    platform_secrets,
];

fn prometheus_operator(ctx: &Context) -> Option<Step> {
    if !ctx.has_group("monitoring.coreos.com") {
        return None;
    }
    Some(Step {
        id: "prometheus-operator",
        title: "Prometheus operator".into(),
        why: "the bundle's ServiceMonitor and PodMonitor (monitoring.coreos.com/v1) need its CRDs".into(),
        commands: vec!["kubectl get crd servicemonitors.monitoring.coreos.com podmonitors.monitoring.coreos.com".into()],
        notes: vec!["napgen does not install it; kube-prometheus-stack is the common way.".into()],
        namespace: None,
    })
}

/// `*_MAX_REPLICAS`: the HorizontalPodAutoscalers read the pods' CPU use from the resource
/// metrics API, which metrics-server serves (k3s and most managed clusters ship it).
fn metrics_server(ctx: &Context) -> Option<Step> {
    if ctx.plan.autoscalers.is_empty() {
        return None;
    }
    let names: Vec<&str> = ctx
        .plan
        .autoscalers
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    let names = names.join(", ");
    Some(Step {
        id: "metrics-server",
        title: "Resource metrics (metrics-server)".into(),
        why: format!(
            "the HorizontalPodAutoscalers of {names} scale on CPU use from the metrics.k8s.io API"
        ),
        commands: vec![
            "kubectl get apiservice v1beta1.metrics.k8s.io".into(),
            format!("kubectl -n {} top pods", ctx.plan.namespace),
        ],
        notes: vec![
            "k3s and most managed clusters run metrics-server already: the APIService then shows Available=True.".into(),
            "Otherwise install it: helm upgrade --install metrics-server metrics-server --repo https://kubernetes-sigs.github.io/metrics-server/ --namespace kube-system.".into(),
            format!("Without it the autoscalers report FailedGetResourceMetric and keep {names} at their replicas."),
        ],
        namespace: None,
    })
}

/// CERT_MANAGER_ISSUER: cert-manager and its issuer, which make the Ingress objects'
/// certificates (ingress-shim reads the issuer annotation and each `spec.tls` entry).
fn cert_manager(ctx: &Context) -> Option<Step> {
    let issuer = ctx.config.exposure.cert_manager.as_ref()?;
    let secrets: Vec<String> = ctx
        .plan
        .secrets()
        .into_iter()
        .filter(|s| s.provider == secrets::Provider::CertManager)
        .map(|s| s.name)
        .collect();
    if secrets.is_empty() {
        return None;
    }
    let ns = &ctx.plan.namespace;
    let (get_issuer, scope) = match issuer.kind {
        IssuerKind::ClusterIssuer => (
            format!("kubectl get clusterissuer {}", issuer.name),
            "a ClusterIssuer (cluster-wide)".to_string(),
        ),
        IssuerKind::Issuer => (
            format!("kubectl -n {ns} get issuer {}", issuer.name),
            format!("an Issuer in namespace {ns}"),
        ),
    };
    Some(Step {
        id: "cert-manager",
        title: format!("cert-manager and {} {}", issuer.kind.as_str(), issuer.name),
        why: format!(
            "the Ingress objects name {} {} (CERT_MANAGER_ISSUER) and the TLS Secrets {}, which cert-manager issues",
            issuer.kind.as_str(),
            issuer.name,
            secrets.join(", ")
        ),
        commands: vec![
            "kubectl get crd certificates.cert-manager.io clusterissuers.cert-manager.io issuers.cert-manager.io".into(),
            get_issuer,
            format!("kubectl -n {ns} get certificate {}", secrets.join(" ")),
        ],
        notes: vec![
            format!("{} {} must be {scope} in the Ready state (the second command shows READY True), able to issue for every host of the Ingress objects: an ACME HTTP-01 solver needs the hosts to resolve to the ingress controller, with the class of INGRESS_CLASS.", issuer.kind.as_str(), issuer.name),
            "cert-manager's ingress-shim (on by default) creates one Certificate per Ingress, named after its TLS Secret; napgen renders no Certificate objects.".into(),
            "After applying, the last command shows READY True once each certificate is issued; until then the controller serves its default certificate.".into(),
        ],
        namespace: None,
    })
}

/// The hosts the bundle's HTTPRoutes or Routes serve, in object order.
fn routed_hosts(ctx: &Context) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for route in &ctx.plan.http_routes {
        for host in route.spec["hostnames"].as_array().into_iter().flatten() {
            hosts.extend(host.as_str().map(str::to_string));
        }
    }
    for route in &ctx.plan.openshift_routes {
        hosts.extend(route.spec["host"].as_str().map(str::to_string));
    }
    hosts
}

/// INGRESS_MODE=gateway: the Gateway API CRDs and the operator's Gateway, which napgen does not
/// render (it belongs to the cluster).
fn gateway_api(ctx: &Context) -> Option<Step> {
    if !ctx.has_group("gateway.networking.k8s.io") {
        return None;
    }
    let gateway = ctx.config.exposure.gateway.as_ref()?;
    let ns = &ctx.plan.namespace;
    let listener = gateway
        .section
        .as_deref()
        .map_or("a listener".to_string(), |s| format!("listener {s}"));
    let hosts = routed_hosts(ctx).join(", ");
    Some(Step {
        id: "gateway-api",
        title: format!("Gateway API and Gateway {}/{}", gateway.namespace, gateway.name),
        why: format!("the bundle's HTTPRoutes (gateway.networking.k8s.io/v1) attach to Gateway {}/{} (GATEWAY_NAME), which napgen does not render", gateway.namespace, gateway.name),
        commands: vec![
            "kubectl get crd gateways.gateway.networking.k8s.io httproutes.gateway.networking.k8s.io".into(),
            format!("kubectl -n {} get gateway {} -o jsonpath='{{.spec.listeners}}'", gateway.namespace, gateway.name),
            format!("kubectl -n {ns} get httproute -o 'custom-columns=NAME:.metadata.name,ACCEPTED:.status.parents[*].conditions[?(@.type==\"Accepted\")].status'"),
        ],
        notes: vec![
            format!("The Gateway needs {listener} that serves the hosts {hosts} (no hostname, a wildcard or each host) over HTTPS with their certificate (certificateRefs), and whose allowedRoutes admits HTTPRoutes from namespace {ns} (namespaces.from: All, or a Selector matching kubernetes.io/metadata.name={ns})."),
            format!("The HTTPRoutes set timeouts.request and timeouts.backendRequest to {}s (ROUTE_TIMEOUT_SECONDS) for streamed agent responses and the browser's live view; an implementation without HTTPRoute timeouts (an extended feature) reports the route as not Accepted: raise its own stream idle timeout instead.", ctx.config.exposure.route_timeout_seconds),
            "The platform's NetworkPolicies admit any source on the services' http port, so the Gateway's proxies reach them from any namespace (or from the node, as some implementations do).".into(),
            "After applying, the last command prints True for each HTTPRoute the Gateway accepted.".into(),
        ],
        namespace: None,
    })
}

/// INGRESS_MODE=route: the OpenShift router serves the Routes' hosts.
fn openshift_router(ctx: &Context) -> Option<Step> {
    if !ctx.has_group("route.openshift.io") {
        return None;
    }
    let ns = &ctx.plan.namespace;
    let hosts = routed_hosts(ctx).join(", ");
    Some(Step {
        id: "openshift-router",
        title: "OpenShift router".into(),
        why: "the bundle's Routes (route.openshift.io/v1) are served by the cluster's router, with edge TLS".into(),
        commands: vec![
            "oc get ingresscontroller default -n openshift-ingress-operator -o jsonpath='{.status.domain}{\"\\n\"}'".into(),
            format!("oc -n {ns} get route -o 'custom-columns=HOST:.spec.host,ADMITTED:.status.ingress[*].conditions[?(@.type==\"Admitted\")].status'"),
        ],
        notes: vec![
            format!("The hosts {hosts} must resolve to the router: names under the cluster's apps domain (the first command) do; others need a DNS record and a router certificate that covers them."),
            format!("The Routes terminate TLS at the router with its default certificate and redirect http to https; they allow {}s per request (haproxy.router.openshift.io/timeout and timeout-tunnel, from ROUTE_TIMEOUT_SECONDS).", ctx.config.exposure.route_timeout_seconds),
            "Routes that name their host need the create right on routes/custom-host, which napgen rbac includes.".into(),
            "After applying, the last command prints True for each Route the router admitted.".into(),
        ],
        namespace: None,
    })
}

/// Objects other than Secrets that the configuration names but leaves to the operator.
fn provided_objects(ctx: &Context) -> Option<Step> {
    let config = ctx.config;
    let ns = &ctx.plan.namespace;
    let mut commands = Vec::new();
    let mut notes = Vec::new();
    if let Some(name) = &config.outbound.ca_bundle_config_map {
        commands.push(format!(
            "kubectl -n {ns} create configmap {name} --from-file=ca.crt=ca-bundle.pem"
        ));
        notes.push(format!("CA_BUNDLE_CONFIG_MAP: every pod trusts the key ca.crt of ConfigMap {name} (trust-manager can maintain it)."));
    }
    if let Some(name) = &config.placement.priority_class_name {
        commands.push(format!(
            "kubectl create priorityclass {name} --value=1000000 --description=\"NAP platform\""
        ));
        notes.push(format!("PRIORITY_CLASS_NAME: the platform's pods are refused until PriorityClass {name} exists."));
    }
    (!commands.is_empty()).then(|| Step {
        id: "provided-objects",
        title: "Objects you provide".into(),
        why: "the configuration names them but leaves them to you".into(),
        commands,
        notes,
        namespace: None,
    })
}

/// The file the DBA's and the operator's checks read the external server's CA from.
pub const DATABASE_CA_FILE: &str = "database-ca.crt";

/// A libpq connection string (no password) for checks run from the operator's machine.
pub fn libpq_check(server: &ExternalServer) -> String {
    let mut conn = format!(
        "host={} port={} dbname={} user={} sslmode={}",
        server.host, server.port, server.dbname, server.user, server.sslmode
    );
    if server.sslrootcert.is_some() {
        conn.push_str(&format!(" sslrootcert={DATABASE_CA_FILE}"));
    }
    conn
}

/// The SQL a DBA runs on the external server, as a superuser or a role with CREATEROLE and
/// CREATEDB (RDS's and Cloud SQL's administrator): the platform's role, its database, and no
/// access for anyone else. The password comes from psql's `password` variable, so it is never
/// part of the SQL text.
pub fn database_sql(server: &ExternalServer) -> String {
    let (user, db) = (&server.user, &server.dbname);
    format!(
        "CREATE ROLE {user} LOGIN PASSWORD :'password';\n\
         -- CREATE DATABASE ... OWNER needs membership in the owner role unless you are a superuser.\n\
         GRANT {user} TO CURRENT_USER;\n\
         CREATE DATABASE {db} OWNER {user} ENCODING 'UTF8' TEMPLATE template0;\n\
         REVOKE ALL ON DATABASE {db} FROM PUBLIC;\n\
         GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {user};\n"
    )
}

/// DATABASE_MODE=external: the DBA's SQL and the checks that the platform's role can connect.
fn external_database(ctx: &Context) -> Option<Step> {
    let server = ctx.plan.connection.external.as_ref()?;
    let admin = format!(
        "host={} port={} dbname=postgres user=<admin> sslmode={}{}",
        server.host,
        server.port,
        server.sslmode,
        if server.sslrootcert.is_some() {
            format!(" sslrootcert={DATABASE_CA_FILE}")
        } else {
            String::new()
        }
    );
    let check = libpq_check(server);
    let mut notes = vec![
        "<admin> is a role that may create roles and databases (the server's administrator); <DATABASE_PASSWORD> is that values.env key.".to_string(),
        format!(
            "The platform creates its tables itself, as {} (the owner of database {}), on its first start.",
            server.user, server.dbname
        ),
        "Backups, high availability and upgrades of this server are its owner's: napgen renders no Cluster, backup or PostgreSQL monitoring in this mode.".into(),
    ];
    if server.sslrootcert.is_some() {
        notes.push(format!(
            "{DATABASE_CA_FILE}: the server's CA certificate; the pods check the server against {} (include that CA there).",
            match server.sslrootcert.as_deref() {
                Some("system") => "their image's own store, as no CA bundle is set (CA_BUNDLE or CA_BUNDLE_CONFIG_MAP)".to_string(),
                _ => "the CA bundle (CA_BUNDLE or CA_BUNDLE_CONFIG_MAP)".to_string(),
            }
        ));
    }
    Some(Step {
        id: "external-database",
        title: format!(
            "PostgreSQL role {} and database {} on {}:{}",
            server.user, server.dbname, server.host, server.port
        ),
        why: "DATABASE_MODE=external: the platform uses your PostgreSQL server, where its role and database must exist".into(),
        commands: vec![
            format!(
                "psql \"{admin}\" -v ON_ERROR_STOP=1 -v password='<DATABASE_PASSWORD>' <<'SQL'\n{}SQL",
                database_sql(server)
            ),
            format!("PGPASSWORD='<DATABASE_PASSWORD>' psql \"{check}\" -c 'select 1'"),
            format!(
                "PGPASSWORD='<DATABASE_PASSWORD>' psql \"{check}\" -c 'create table nap_check (id int); drop table nap_check'"
            ),
        ],
        notes,
        namespace: None,
    })
}

/// On OpenShift, the SCCs the workloads need beyond restricted-v2 (coturn's host network),
/// granted by a cluster admin: the namespace's Pod Security labels do not admit a pod there.
fn openshift_scc(ctx: &Context) -> Option<Step> {
    let grants = &ctx.plan.scc_grants;
    if grants.is_empty() {
        return None;
    }
    let mut sccs: Vec<&str> = grants.iter().map(|g| g.scc).collect();
    sccs.dedup();
    let mut commands = vec![format!("oc get scc {}", sccs.join(" "))];
    let mut notes = Vec::new();
    for g in grants {
        commands.push(g.oc_command());
        notes.push(format!(
            "{}: OpenShift admits a pod only through an SCC its ServiceAccount may use, and restricted-v2 (every user's) refuses the host network; the Pod Security labels of {} do not change that. {} is restricted-v2 plus the host network and host ports: the UID and fsGroup still come from the namespace's range.",
            g.why, g.namespace, g.scc
        ));
        notes.push(format!(
            "Run it as a cluster admin, before or after applying (it needs no namespace). napgen rbac prints the same grant as RoleBinding {} in {} (ClusterRole {} in that namespace only); apply one of the two. Until then the Deployment's pods are refused (oc -n {} get events).",
            g.binding_name(),
            g.namespace,
            g.cluster_role(),
            g.namespace
        ));
        notes.push(format!(
            "Check once running: oc -n {} get pod -l app={} -o jsonpath='{{.items[*].metadata.annotations.openshift\\.io/scc}}' prints {}.",
            g.namespace, g.service_account, g.scc
        ));
    }
    Some(Step {
        id: "openshift-scc",
        title: "OpenShift security context constraints".into(),
        why: "PLATFORM=openshift: a workload needs more than the restricted-v2 SCC".into(),
        commands,
        notes,
        namespace: None,
    })
}

/// The nodes and runtime the run-time pods (workspaces, sandboxes, browser sessions) are given:
/// the RuntimeClass must exist, and the pool's nodes carry its labels (and taints).
fn runtime_pool(ctx: &Context) -> Option<Step> {
    let pool = &ctx.config.placement.runtime;
    if pool.node_selector.is_none() && pool.runtime_class_name.is_none() {
        return None;
    }
    let mut commands = Vec::new();
    let mut notes = Vec::new();
    if let Some(class) = &pool.runtime_class_name {
        commands.push(format!("kubectl get runtimeclass {class}"));
        notes.push(format!(
            "RUNTIME_CLASS_NAME={class}: the RuntimeClass and its handler (gVisor's runsc, Kata, Sysbox) must be installed on every node the run-time pods can land on, or they stay in ContainerCreating; its scheduling field may add the pool's node selector and tolerations for you."
        ));
    }
    if let Some(labels) = &pool.node_selector {
        let selector: Vec<String> = labels
            .iter()
            .map(|l| format!("{}={}", l.key, l.value))
            .collect();
        let selector = selector.join(",");
        commands.push(format!("kubectl get nodes -l {selector}"));
        commands.push(format!(
            "kubectl label node NODE {}",
            selector.replace(',', " ")
        ));
        notes.push(format!(
            "RUNTIME_NODE_SELECTOR={selector}: label each node of the pool (the first command lists those already labelled; the second labels one, NODE being its name). Agents run model-written code there; keep the platform off with a taint the run-time pods tolerate (RUNTIME_TOLERATIONS), e.g. kubectl taint node NODE nap-runtime=true:NoSchedule."
        ));
    }
    if let Some(tolerations) = &pool.tolerations {
        for t in tolerations {
            let taint = match (&t.value, &t.effect) {
                (Some(v), Some(e)) => format!("{}={v}:{e}", t.key),
                (None, Some(e)) => format!("{}:{e}", t.key),
                (Some(v), None) => format!("{}={v}:NoSchedule", t.key),
                (None, None) => format!("{}:NoSchedule", t.key),
            };
            commands.push(format!("kubectl taint node NODE {taint}"));
        }
    }
    Some(Step {
        id: "runtime-pool",
        title: "Nodes and runtime of the run-time pods".into(),
        why: "RUNTIME_NODE_SELECTOR / RUNTIME_CLASS_NAME: workspace, sandbox and browser-session pods go to their own nodes or runtime".into(),
        commands,
        notes,
        namespace: None,
    })
}

/// The steps this configuration needs.
pub fn steps(ctx: &Context) -> Vec<Step> {
    STEPS.iter().filter_map(|f| f(ctx)).collect()
}

fn cnpg_operator(ctx: &Context) -> Option<Step> {
    if !ctx.has_group("postgresql.cnpg.io") {
        return None;
    }
    let ns = &ctx.config.database.operator_namespace;
    Some(Step {
        id: "cloudnative-pg",
        title: "CloudNativePG operator".into(),
        why: "the bundle's PostgreSQL is a postgresql.cnpg.io/v1 Cluster, which the operator runs".into(),
        commands: vec![
            "helm repo add cnpg https://cloudnative-pg.github.io/charts".into(),
            "helm repo update cnpg".into(),
            format!("helm upgrade --install cnpg cnpg/cloudnative-pg --namespace {ns} --create-namespace --wait"),
        ],
        notes: vec![
            "--wait returns once the operator's webhook answers; the bundle's Cluster is refused before that.".into(),
            "Pin the chart with --version VERSION for repeatable installs (napgen validates against the CRDs of operator 1.30).".into(),
            format!("The namespace is CNPG_OPERATOR_NAMESPACE ({ns}); the bundle lets the operator reach PostgreSQL from there."),
        ]
        .into_iter()
        .chain(ctx.config.cluster.openshift().then(|| {
            "On OpenShift, CloudNativePG is also in OperatorHub, which installs it into openshift-operators: then set CNPG_OPERATOR_NAMESPACE=openshift-operators instead.".to_string()
        }))
        .collect(),
        namespace: Some(ns.to_string()),
    })
}

fn barman_cloud_plugin(ctx: &Context) -> Option<Step> {
    let uses_plugin = ctx.has_group("barmancloud.cnpg.io")
        || ctx.objects.iter().any(|o| {
            o.kind() == "Cluster"
                && o.value["spec"]["plugins"].as_array().is_some_and(|p| {
                    p.iter()
                        .any(|p| p["name"] == "barman-cloud.cloudnative-pg.io")
                })
        });
    if !uses_plugin {
        return None;
    }
    let ns = &ctx.config.database.operator_namespace;
    Some(Step {
        id: "barman-cloud",
        title: "Barman Cloud plugin of CloudNativePG (backups)".into(),
        why: "the bundle backs PostgreSQL up through the barman-cloud plugin (ObjectStore)".into(),
        commands: vec![
            "helm repo add jetstack https://charts.jetstack.io".into(),
            "helm upgrade --install cert-manager jetstack/cert-manager --namespace cert-manager --create-namespace --set crds.enabled=true --wait".into(),
            format!("helm upgrade --install plugin-barman-cloud cnpg/plugin-barman-cloud --namespace {ns} --wait"),
        ],
        notes: vec![
            "The plugin's certificates are issued by cert-manager; skip its install if the cluster has it.".into(),
            "It must run in the operator's namespace.".into(),
        ],
        namespace: Some(ns.to_string()),
    })
}

fn nfs_csi_driver(ctx: &Context) -> Option<Step> {
    let classes: Vec<&str> = ctx
        .objects
        .iter()
        .filter(|o| o.kind() == "StorageClass" && o.value["provisioner"] == "nfs.csi.k8s.io")
        .map(|o| o.name())
        .collect();
    if classes.is_empty() {
        return None;
    }
    Some(Step {
        id: "csi-driver-nfs",
        title: "NFS CSI driver".into(),
        why: format!("the bundle's StorageClass {} provisions volumes with nfs.csi.k8s.io", classes.join(", ")),
        commands: vec![
            "helm repo add csi-driver-nfs https://raw.githubusercontent.com/kubernetes-csi/csi-driver-nfs/master/charts".into(),
            "helm repo update csi-driver-nfs".into(),
            "helm upgrade --install csi-driver-nfs csi-driver-nfs/csi-driver-nfs --namespace kube-system --wait".into(),
        ],
        notes: vec!["Every node must be able to mount the NFS export (nfs-common / nfs-utils installed).".into()],
        namespace: Some("kube-system".into()),
    })
}

fn storage_classes(ctx: &Context) -> Option<Step> {
    let rendered: Vec<&str> = ctx
        .objects
        .iter()
        .filter(|o| o.kind() == "StorageClass")
        .map(|o| o.name())
        .collect();
    let mut needed: Vec<(&str, String)> = Vec::new();
    let storage = &ctx.config.storage;
    for (class, what) in [
        (storage.rwx_class.as_str(), "the shared directory"),
        (storage.rwo_class.as_str(), "PostgreSQL and workspace disks"),
    ] {
        if class.is_empty() || rendered.contains(&class) {
            continue;
        }
        match needed.iter_mut().find(|(c, _)| *c == class) {
            Some((_, uses)) => uses.push_str(&format!(", {what}")),
            None => needed.push((class, what.to_string())),
        }
    }
    if needed.is_empty() {
        return None;
    }
    let names: Vec<&str> = needed.iter().map(|(c, _)| *c).collect();
    let mut notes: Vec<String> = needed
        .iter()
        .map(|(c, what)| format!("{c}: {what}"))
        .collect();
    if ctx.plan.multi_node {
        notes.push(format!(
            "{} must support ReadWriteMany (an NFS CSI driver, CephFS, ...): every node mounts the shared directory.",
            storage.rwx_class
        ));
    } else if names.contains(&"local-path") {
        notes.push("k3s ships local-path; on another single-node distribution install a provisioner of that name or set the storage classes.".into());
    }
    notes.push("Choose the classes before the first apply: a claim's storage class cannot change later (moving means new claims and copying the data).".into());
    Some(Step {
        id: "storage-classes",
        title: "StorageClasses".into(),
        why: "the bundle's volumes use storage classes it does not create".into(),
        commands: vec![format!("kubectl get storageclass {}", names.join(" "))],
        notes,
        namespace: None,
    })
}

/// Where `OPENSANDBOX_URL` points, if it is the in-cluster address of OpenSandbox's chart.
#[derive(Debug, PartialEq, Eq)]
pub struct SandboxTarget {
    /// The namespace of Service `opensandbox-server`, when the URL names it.
    pub namespace: Option<String>,
    /// Why the URL does not fit the chart, if it does not.
    pub problems: Vec<String>,
}

/// The chart names its server Service `opensandbox-server`, port 80, plain HTTP.
pub fn sandbox_target(url: &str) -> SandboxTarget {
    let expected = "http://opensandbox-server.<namespace>.svc:80";
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split('/').next().unwrap_or("");
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(']') || h.ends_with(']') => (h, p.parse::<u16>().ok()),
        _ => (authority, None),
    };
    let port = port.unwrap_or(if scheme == "https" { 443 } else { 80 });
    let mut problems = Vec::new();
    let labels: Vec<&str> = host.split('.').collect();
    let namespace = match labels.as_slice() {
        ["opensandbox-server", ns, rest @ ..]
            if (rest.is_empty() || rest[0] == "svc") && !ns.is_empty() =>
        {
            Some(ns.to_string())
        }
        _ => {
            problems.push(format!(
                "OPENSANDBOX_URL ({url}) is not the address of the chart's server Service ({expected}), so napgen cannot tell which namespace to install OpenSandbox into"
            ));
            None
        }
    };
    if scheme != "http" || port != 80 {
        problems.push(format!(
            "the chart's Service opensandbox-server serves plain HTTP on port 80, but OPENSANDBOX_URL asks for {scheme} on port {port}"
        ));
    }
    SandboxTarget {
        namespace,
        problems,
    }
}

/// The file names `--write-values` writes.
pub const SANDBOX_VALUES_FILE: &str = "opensandbox-values.yaml";
pub const SANDBOX_SECRET_FILE: &str = "opensandbox-api-key.yaml";

fn sandbox_namespace(ctx: &Context) -> String {
    ctx.sandbox_target()
        .and_then(|target| target.namespace)
        .unwrap_or_else(|| "opensandbox-system".to_string())
}

fn opensandbox(ctx: &Context) -> Option<Step> {
    let target = ctx.sandbox_target()?;
    let ns = sandbox_namespace(ctx);
    let dir = ctx.values_dir.unwrap_or(".");
    let path = |file: &str| {
        if dir == "." {
            file.to_string()
        } else {
            format!("{}/{file}", dir.trim_end_matches('/'))
        }
    };
    let with_key = ctx.sandbox_api_key().is_some();
    let mut notes = vec![format!(
        "{} (napgen prereqs --write-values {dir}) puts OpenSandbox's server in namespace {ns}, where OPENSANDBOX_URL points (its chart defaults to opensandbox-system unless namespaceOverride is set).",
        path(SANDBOX_VALUES_FILE)
    )];
    notes.push(if with_key {
        format!("It reads OPENSANDBOX_SERVER_API_KEY from Secret {SANDBOX_KEY_SECRET}, whose key must equal OPENSANDBOX_API_KEY in values.env (nap-sandbox sends it as OPEN-SANDBOX-API-KEY).")
    } else {
        "OPENSANDBOX_API_KEY is empty: nap-sandbox sends no API key, so the values file starts OpenSandbox's server without one (OPENSANDBOX_INSECURE_SERVER=YES, which it requires to start keyless).".into()
    });
    notes.push("For repeatable installs, check out a release tag of OpenSandbox instead of its default branch.".into());
    if ns == ctx.plan.namespace {
        notes.push(format!(
            "Namespace {ns} is the platform's own, which enforces the restricted Pod Security Standard; OpenSandbox's server chart sets no securityContext and has no value for one, so its pods are refused there. Its own namespace avoids that: OPENSANDBOX_URL=http://opensandbox-server.opensandbox-system.svc:80 (the default)"
        ));
    }
    notes.extend(target.problems);
    let mut commands = vec![
        "git clone --depth 1 https://github.com/alibaba/OpenSandbox".into(),
        "helm dependency build OpenSandbox/kubernetes/charts/opensandbox".into(),
        format!("kubectl create namespace {ns} --dry-run=client -o yaml | kubectl apply -f -"),
    ];
    if with_key {
        commands.push(format!(
            "kubectl apply -f {}   # napgen prereqs --write-values {dir} --with-secret writes it (mode 0600)",
            path(SANDBOX_SECRET_FILE)
        ));
    }
    commands.push(format!(
                "helm upgrade --install opensandbox OpenSandbox/kubernetes/charts/opensandbox --namespace {ns} -f {} --wait",
                path(SANDBOX_VALUES_FILE)
    ));
    Some(Step {
        id: "opensandbox",
        title: "OpenSandbox (Code Sandbox)".into(),
        why: "SANDBOX_ENABLED=true: nap-sandbox runs code through OpenSandbox's server at OPENSANDBOX_URL".into(),
        commands,
        notes,
        namespace: Some(ns),
    })
}

fn platform_secrets(ctx: &Context) -> Option<Step> {
    let secrets = ctx.plan.secrets();
    let missing: Vec<&Secret> = secrets::to_create(&secrets).collect();
    if missing.is_empty() {
        return None;
    }
    let mut namespaces: Vec<&str> = Vec::new();
    for m in &missing {
        if !namespaces.contains(&m.namespace.as_str()) {
            namespaces.push(&m.namespace);
        }
    }
    let mut commands: Vec<String> = namespaces
        .iter()
        .map(|ns| {
            format!("kubectl create namespace {ns} --dry-run=client -o yaml | kubectl apply -f -")
        })
        .collect();
    for m in missing.iter().filter(|m| m.kind != SecretType::Generic) {
        commands.push(match m.kind {
            SecretType::Tls => format!("kubectl -n {} create secret tls {} --cert=tls.crt --key=tls.key", m.namespace, m.name),
            _ => format!(
                "kubectl -n {} create secret docker-registry {} --docker-server=<registry> --docker-username=<user> --docker-password=<password>",
                m.namespace, m.name
            ),
        });
    }
    for m in missing.iter().filter(|m| m.kind == SecretType::Generic) {
        if let Some(command) = connection_secret(ctx, m) {
            commands.push(command);
            continue;
        }
        let literals: Vec<String> = m
            .keys
            .iter()
            .map(|k| format!("--from-literal={k}=<{k}>"))
            .collect();
        commands.push(format!(
            "kubectl -n {} create secret generic {} {}",
            m.namespace,
            m.name,
            literals.join(" ")
        ));
    }
    let names: Vec<String> = missing
        .iter()
        .map(|m| format!("{}/{}", m.namespace, m.name))
        .collect();
    // The platform Secret is among them only when values.env holds none of its keys.
    let why = if ctx.plan.secret.rendered {
        "the bundle's workloads read Secrets it does not contain (certificates, credentials)"
    } else {
        "values.env holds no secrets, so the bundle's workloads read Secrets it does not contain"
    }
    .into();
    Some(Step {
        id: "secrets",
        title: format!("Secrets {}", names.join(", ")),
        why,
        commands,
        notes: [
            "Each <KEY> is the value of that values.env key; a key that appears in two Secrets takes the same value in both.".to_string(),
            "Random keys: openssl rand -hex 32. Or let napgen init put generated secrets in values.env instead.".into(),
        ]
        .into(),
        namespace: None,
    })
}

/// The command that creates the external server's connection Secret, when `secret` is that
/// Secret ([`ExternalServer::create_command`]).
fn connection_secret(ctx: &Context, secret: &Secret) -> Option<String> {
    let connection = &ctx.plan.connection;
    let server = connection.external.as_ref()?;
    (secret.name == connection.secret && secret.namespace == ctx.plan.namespace)
        .then(|| server.create_command(&secret.namespace, &secret.name))
}

/// The steps as text: comments and commands, in order.
pub fn text(ctx: &Context, steps: &[Step]) -> String {
    let mut out = format!(
        "# Prerequisites of this configuration (namespace {}, profile {}), in order.\n# Then: napgen render | kubectl apply --server-side -f -\n",
        ctx.plan.namespace, ctx.plan.profile
    );
    if steps.is_empty() {
        out.push_str("#\n# Nothing to install first.\n");
    }
    for (i, s) in steps.iter().enumerate() {
        out.push_str(&format!("\n## {}. {}\n# Why: {}\n", i + 1, s.title, s.why));
        for c in &s.commands {
            out.push_str(c);
            out.push('\n');
        }
        for n in &s.notes {
            out.push_str(&format!("# Note: {n}\n"));
        }
    }
    out
}

/// The steps as JSON.
pub fn json(steps: &[Step]) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(steps).expect("steps serialise")
    )
}

/// `opensandbox-values.yaml` for OpenSandbox's all-in-one chart, when the sandbox is on. It holds
/// no secret: the API key comes from Secret [`SANDBOX_KEY_SECRET`].
pub fn sandbox_values(ctx: &Context) -> Option<String> {
    let target = ctx.sandbox_target()?;
    let with_key = ctx.sandbox_api_key().is_some();
    // Without a key OpenSandbox's server refuses to start unless told that is intended.
    let env = if with_key {
        json!([{
            "name": "OPENSANDBOX_SERVER_API_KEY",
            "valueFrom": {"secretKeyRef": {"name": SANDBOX_KEY_SECRET, "key": SANDBOX_KEY_SECRET_KEY}},
        }])
    } else {
        json!([{"name": "OPENSANDBOX_INSECURE_SERVER", "value": "YES"}])
    };
    let mut values = serde_json::Map::new();
    let mut server = serde_json::Map::new();
    if let Some(ns) = &target.namespace {
        values.insert(
            "opensandbox-controller".into(),
            json!({"namespaceOverride": ns}),
        );
        server.insert("namespaceOverride".into(), json!(ns));
    }
    server.insert("server".into(), json!({"env": env}));
    values.insert(
        "opensandbox-server".into(),
        serde_json::Value::Object(server),
    );
    let mut header = String::from(
        "# Values for OpenSandbox's all-in-one chart (kubernetes/charts/opensandbox), written by napgen\n\
         # prereqs from values.env. It places the server where OPENSANDBOX_URL points.\n",
    );
    header.push_str(&if with_key {
        format!(
            "# Its API key is the one nap-sandbox sends, read from Secret {SANDBOX_KEY_SECRET} (this file\n\
             # holds no secret).\n"
        )
    } else {
        "# It has no API key, as nap-sandbox sends none (OPENSANDBOX_API_KEY is empty in values.env).\n".into()
    });
    for p in &target.problems {
        header.push_str(&format!("# Warning: {p}\n"));
    }
    Some(format!(
        "{header}{}",
        yaml::to_yaml(&serde_json::Value::Object(values))
    ))
}

/// The Secret holding OpenSandbox's API key (the value of OPENSANDBOX_API_KEY), when the sandbox
/// is on and values.env has the key. The caller writes it only when asked, with mode 0600.
pub fn sandbox_secret(ctx: &Context) -> Option<String> {
    ctx.config.sandbox.as_ref()?;
    let key = ctx.sandbox_api_key()?;
    let secret = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": SANDBOX_KEY_SECRET, "namespace": sandbox_namespace(ctx)},
        "type": "Opaque",
        "stringData": {SANDBOX_KEY_SECRET_KEY: key},
    });
    Some(format!(
        "# OpenSandbox's server API key (OPENSANDBOX_API_KEY), written by napgen prereqs. Keep it private.\n{}",
        yaml::to_yaml(&secret)
    ))
}

/// The namespaces the steps install software into, for `napgen rbac --with-prereqs`.
pub fn rbac_scopes(steps: &[Step]) -> Vec<crate::ops::rbac::PrereqScope> {
    steps
        .iter()
        .filter_map(|s| {
            s.namespace
                .clone()
                .map(|namespace| crate::ops::rbac::PrereqScope {
                    namespace,
                    what: s.title.clone(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn sandbox_url_forms() {
        assert_eq!(
            sandbox_target("http://opensandbox-server.nap.svc:80"),
            SandboxTarget {
                namespace: Some("nap".into()),
                problems: vec![]
            }
        );
        for url in [
            "http://opensandbox-server.sbx.svc.cluster.local",
            "http://opensandbox-server.sbx",
            "http://opensandbox-server.sbx.svc:80/api",
        ] {
            assert_eq!(
                sandbox_target(url).namespace.as_deref(),
                Some("sbx"),
                "{url}"
            );
            assert!(sandbox_target(url).problems.is_empty(), "{url}");
        }
        let t = sandbox_target("https://sandbox.example.com");
        assert_eq!(t.namespace, None);
        assert_eq!(t.problems.len(), 2, "{:?}", t.problems);
        let t = sandbox_target("http://opensandbox-server.sbx.svc:8080");
        assert_eq!(t.namespace.as_deref(), Some("sbx"));
        assert!(t.problems[0].contains("port 8080"), "{:?}", t.problems);
    }

    /// Paths to the leaves of a values file; a list is a leaf (the chart takes it whole).
    fn leaf_paths(value: &Value, prefix: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    leaf_paths(v, &path, out);
                }
            }
            _ => out.push(prefix.to_string()),
        }
    }

    #[test]
    fn the_secrets_step_says_why_in_every_secret_mode() {
        let why = |pairs: &[(&str, &str)]| {
            let config = crate::config::validate::testing::run(pairs)
                .config
                .expect("valid");
            let plan = crate::plan::plan(&config);
            let ctx = Context {
                config: &config,
                plan: &plan,
                objects: &[],
                values_dir: None,
            };
            platform_secrets(&ctx).map(|s| (s.title, s.why))
        };
        let key = "ab".repeat(32);
        let mut held = vec![("TOS_HOST", "192.0.2.4")];
        for k in ["TOS_SECRET_KEY", "ADMIN_PASSWORD", "OPENAI_API_KEY"] {
            held.push((k, key.as_str()));
        }
        assert_eq!(why(&held), None);
        held.push(("IMAGE_PULL_SECRETS", "pull"));
        let (title, reason) = why(&held).unwrap();
        assert_eq!(title, "Secrets nap/pull");
        assert!(!reason.contains("holds no secrets"), "{reason}");
        let (title, reason) = why(&[("TOS_HOST", "192.0.2.4")]).unwrap();
        assert_eq!(title, "Secrets nap/nap-secrets");
        assert!(
            reason.starts_with("values.env holds no secrets"),
            "{reason}"
        );
    }

    #[test]
    fn sandbox_values_set_only_values_the_chart_has() {
        // Values of OpenSandbox's all-in-one chart (alibaba/OpenSandbox 4db3a993,
        // kubernetes/charts/opensandbox and its sub-charts' values.yaml) that napgen sets.
        // The server sub-chart has no securityContext value at all.
        const CHART_VALUES: &[&str] = &[
            "opensandbox-controller.namespaceOverride",
            "opensandbox-server.namespaceOverride",
            "opensandbox-server.server.env",
        ];
        let key = "ab".repeat(32);
        for extra in [vec![], vec![("OPENSANDBOX_API_KEY", key.as_str())]] {
            let mut pairs = vec![("SANDBOX_ENABLED", "true"), ("TOS_HOST", "192.0.2.4")];
            pairs.extend(extra.iter().copied());
            if !extra.is_empty() {
                for k in [
                    "TOS_SECRET_KEY",
                    "ADMIN_PASSWORD",
                    "OPENAI_API_KEY",
                    "SANDBOX_JWT_SECRET",
                    "SANDBOX_SERVICE_KEY",
                ] {
                    pairs.push((k, key.as_str()));
                }
            }
            let config = crate::config::validate::testing::run(&pairs)
                .config
                .expect("valid");
            let plan = crate::plan::plan(&config);
            let ctx = Context {
                config: &config,
                plan: &plan,
                objects: &[],
                values_dir: None,
            };
            let text = sandbox_values(&ctx).unwrap();
            let values = &crate::output::yaml::parse_documents(&text).unwrap()[0];
            let mut paths = Vec::new();
            leaf_paths(values, "", &mut paths);
            assert_eq!(paths, CHART_VALUES, "{text}");
            let env = &values["opensandbox-server"]["server"]["env"][0];
            if extra.is_empty() {
                assert_eq!(
                    env,
                    &json!({"name": "OPENSANDBOX_INSECURE_SERVER", "value": "YES"})
                );
            } else {
                assert_eq!(env["name"], "OPENSANDBOX_SERVER_API_KEY");
                assert!(!text.contains(&key), "the values file holds no secret");
            }
            assert_eq!(
                values["opensandbox-server"]["namespaceOverride"],
                "opensandbox-system"
            );
        }
    }
}

//! The chart's NOTES.txt and README.md: minijinja text templates (crates/core/chart-text/) fed
//! by a view of the configuration, the plan and the objects.

use super::{is_seed, HELM_TIMEOUT, SEED_HOOK};
use crate::config::Config;
use crate::output::yaml;
use crate::plan::secrets::{self, Provider, Secret, SecretType};
use crate::plan::Plan;
use crate::render::Object;
use serde::Serialize;

/// What the notes know about this configuration.
pub(super) struct Context<'a> {
    pub(super) config: &'a Config,
    pub(super) plan: &'a Plan,
    /// The objects the chart installs.
    pub(super) objects: &'a [Object],
    /// The bundle's Namespace object, which the chart leaves out.
    pub(super) namespace: Option<&'a Object>,
}

impl Context<'_> {
    fn ns(&self) -> &str {
        &self.plan.namespace
    }

    /// Whether any object comes from the templates of a module (`sandbox/`, `browser/`, ...).
    fn has_module(&self, module: &str) -> bool {
        let prefix = format!("{module}/");
        self.objects.iter().any(|o| o.source.starts_with(&prefix))
    }

    /// The chart's name of the seed Job of a task, when this configuration has one.
    fn seed_job(&self, task: &str) -> Option<&str> {
        self.plan
            .seeds
            .iter()
            .find(|s| s.task == task)
            .map(|s| s.hook_name.as_str())
    }

    /// The StorageClasses the claims use that the chart does not create, each with what uses it
    /// and the access modes it must offer.
    fn provided_storage_classes(&self) -> Vec<(&str, String)> {
        let created = |class: &str| {
            self.objects
                .iter()
                .any(|o| o.kind() == "StorageClass" && o.name() == class)
        };
        let shared = &self.plan.shared_dir;
        let mut classes: Vec<(&str, Vec<&str>, Vec<&str>)> = Vec::new();
        for (class, use_, mode) in [
            (
                shared.storage_class.as_str(),
                "the shared directory",
                shared.access_mode,
            ),
            (
                self.config.storage.rwo_class.as_str(),
                "PostgreSQL and workspace disks",
                "ReadWriteOnce",
            ),
        ] {
            if class.is_empty() || created(class) {
                continue;
            }
            match classes.iter_mut().find(|(c, _, _)| *c == class) {
                Some((_, uses, modes)) => {
                    uses.push(use_);
                    if !modes.contains(&mode) {
                        modes.push(mode);
                    }
                }
                None => classes.push((class, vec![use_], vec![mode])),
            }
        }
        classes
            .iter()
            .map(|(class, uses, modes)| {
                (
                    *class,
                    format!("{}; {}", uses.join(", "), modes.join(" and ")),
                )
            })
            .collect()
    }

    /// The command that runs the chart again, which re-runs the seed hooks.
    fn upgrade_command(&self) -> String {
        format!(
            "helm upgrade --install nap ./nap -n {} --timeout {HELM_TIMEOUT}",
            self.ns()
        )
    }

    /// The namespace OpenSandbox's server is in, from OPENSANDBOX_URL (`<svc>.<ns>.svc`).
    fn opensandbox_namespace(&self) -> String {
        let url = self
            .config
            .sandbox
            .as_ref()
            .map_or("", |s| s.opensandbox_url.as_str());
        let host = url
            .split_once("://")
            .map(|(_, r)| r.split(['/', ':']).next().unwrap_or(""))
            .unwrap_or("");
        let labels: Vec<&str> = host.split('.').collect();
        match labels.as_slice() {
            [_, ns, "svc", ..] => (*ns).to_string(),
            _ => self.ns().to_string(),
        }
    }
}

/// The text templates of NOTES.txt and README.md (minijinja).
const TEXT_TEMPLATES: [(&str, &str); 2] = [
    (
        "NOTES.txt",
        include_str!("../../../chart-text/NOTES.txt.j2"),
    ),
    (
        "README.md",
        include_str!("../../../chart-text/README.md.j2"),
    ),
];

/// A Secret as the texts name it.
#[derive(Serialize)]
struct SecretView<'a> {
    namespace: &'a str,
    name: &'a str,
    keys: &'a [String],
    /// The `kubectl create secret` command that makes it, values left as `...`.
    create: String,
    /// The chart file that holds it, when the chart contains it.
    file: Option<String>,
}

impl<'a> SecretView<'a> {
    fn of(secret: &'a Secret, objects: &[Object]) -> Self {
        let file = objects
            .iter()
            .find(|o| {
                o.kind() == "Secret"
                    && o.name() == secret.name
                    && o.namespace() == Some(secret.namespace.as_str())
            })
            .map(|o| format!("files/{}", o.source));
        SecretView {
            namespace: &secret.namespace,
            name: &secret.name,
            keys: &secret.keys,
            create: create_secret_command(secret),
            file,
        }
    }
}

#[derive(Serialize)]
struct SeedView<'a> {
    task: &'a str,
    /// The chart's (hook) name of the Job.
    job: &'a str,
}

/// The TURN relay: the address users' browsers must reach, and where coturn's pod runs.
#[derive(Serialize)]
struct TurnView<'a> {
    host: &'a str,
    namespace: &'a str,
    /// The label selector of coturn's pod.
    selector: String,
}

/// An OpenShift SCC a ServiceAccount of the chart needs, which a cluster admin grants.
#[derive(Serialize)]
struct SccView<'a> {
    why: &'a str,
    scc: &'a str,
    namespace: &'a str,
    service_account: &'a str,
    /// `oc adm policy add-scc-to-user ...`.
    grant: String,
    /// The RoleBinding `napgen rbac` prints instead.
    binding: String,
}

#[derive(Serialize)]
struct StorageClassView<'a> {
    name: &'a str,
    /// What uses it and the access modes it must offer.
    uses: String,
}

#[derive(Serialize)]
struct ObjectView<'a> {
    kind: &'a str,
    name: &'a str,
    hook: bool,
}

/// What NOTES.txt and README.md say about this configuration: every name, namespace, URL and
/// command comes from the plan (Secrets from [`Plan::secrets`]) or the chart's objects.
#[derive(Serialize)]
struct ChartText<'a> {
    header: &'a str,
    version: &'a str,
    profile: &'a str,
    namespace: &'a str,
    public_url: &'a str,
    sandbox_origin: Option<&'a str>,
    browser_origin: Option<&'a str>,
    admin_email: &'a str,
    /// The Secret the platform reads ADMIN_PASSWORD from.
    admin_secret: Option<SecretView<'a>>,
    /// INGRESS_MODE=external: the operator's ingress must reach the control plane's Service.
    external_ingress: bool,
    control_plane: &'a str,
    /// The Secrets the operator creates in the release namespace, before installing.
    create_here: Vec<SecretView<'a>>,
    /// The Secrets the operator creates in namespaces the chart creates (coturn's), after.
    create_elsewhere: Vec<SecretView<'a>>,
    other_namespaces: Vec<&'a str>,
    /// Keys that appear both in and outside the release namespace: one value for both.
    shared_keys: Vec<&'a str>,
    /// The Secrets the chart contains.
    contained_secrets: Vec<SecretView<'a>>,
    database: Option<&'a str>,
    /// The external server, `host:port`, when there is one.
    external_database: Option<String>,
    /// A libpq connection string (no password) that checks the external server is reachable.
    external_check: Option<String>,
    seeds: Vec<SeedView<'a>>,
    /// The seed Job that registers the OAuth clients, when there is one.
    oauth_seed_job: Option<&'a str>,
    turn: Option<TurnView<'a>>,
    /// OpenShift SCCs to grant (PLATFORM=openshift).
    scc_grants: Vec<SccView<'a>>,
    /// Where OpenSandbox's server runs, with the sandbox module.
    opensandbox_namespace: Option<String>,
    storage_classes: Vec<StorageClassView<'a>>,
    /// The command that runs the chart again, which re-runs the seed hooks.
    upgrade: String,
    /// The bundle's Namespace object as YAML, which the chart leaves out.
    namespace_yaml: String,
    helm_timeout: &'static str,
    seed_hook: &'static str,
    objects: Vec<ObjectView<'a>>,
}

fn chart_text<'a>(c: &'a Context, secrets: &'a [Secret], header: &'a str) -> ChartText<'a> {
    let plan = c.plan;
    let ns = c.ns();
    let view = |s: &'a Secret| {
        let mut view = SecretView::of(s, c.objects);
        if let Some(server) = plan.connection.external.as_ref() {
            if s.name == plan.connection.secret && s.namespace == plan.namespace {
                view.create = server.create_command(&s.namespace, &s.name);
            }
        }
        view
    };
    let to_create: Vec<&Secret> = secrets::to_create(secrets).collect();
    let (here, elsewhere): (Vec<&Secret>, Vec<&Secret>) =
        to_create.iter().partition(|s| s.namespace == ns);
    let mut other_namespaces: Vec<&str> = Vec::new();
    for s in &elsewhere {
        if !other_namespaces.contains(&s.namespace.as_str()) {
            other_namespaces.push(&s.namespace);
        }
    }
    let mut shared_keys: Vec<&str> = Vec::new();
    for key in elsewhere
        .iter()
        .filter(|s| s.kind == SecretType::Generic)
        .flat_map(|s| s.keys.iter())
    {
        if here.iter().any(|s| s.keys.contains(key)) && !shared_keys.contains(&key.as_str()) {
            shared_keys.push(key);
        }
    }
    let admin_secret = secrets
        .iter()
        .find(|s| s.namespace == ns && s.keys.iter().any(|k| k == "ADMIN_PASSWORD"))
        .map(view);
    let turn = plan
        .browser
        .as_ref()
        .filter(|_| c.has_module("browser"))
        .map(|b| TurnView {
            host: c
                .config
                .browser
                .as_ref()
                .map_or("", |b| b.turn_host.as_str()),
            namespace: &b.coturn.namespace,
            selector: format!(
                "app={}",
                b.coturn.selector.get("app").unwrap_or(b.coturn.name)
            ),
        });
    ChartText {
        header,
        version: &plan.version,
        profile: &plan.profile,
        namespace: ns,
        public_url: &plan.public_url,
        sandbox_origin: plan
            .sandbox
            .as_ref()
            .filter(|_| c.has_module("sandbox"))
            .map(|s| s.origin.as_str()),
        browser_origin: plan
            .browser
            .as_ref()
            .filter(|_| c.has_module("browser"))
            .map(|b| b.origin.as_str()),
        admin_email: &c.config.admin.email,
        admin_secret,
        external_ingress: plan.ingress_mode == "external",
        control_plane: &plan.control_plane.name,
        create_here: here.into_iter().map(view).collect(),
        create_elsewhere: elsewhere.into_iter().map(view).collect(),
        other_namespaces,
        shared_keys,
        contained_secrets: secrets
            .iter()
            .filter(|s| s.provider == Provider::Napgen)
            .map(view)
            .collect(),
        database: plan.database.as_ref().map(|d| d.name.as_str()),
        external_database: plan
            .connection
            .external
            .as_ref()
            .map(|e| format!("{}:{}", e.host, e.port)),
        external_check: plan
            .connection
            .external
            .as_ref()
            .map(crate::ops::prereqs::libpq_check),
        seeds: plan
            .seeds
            .iter()
            .map(|s| SeedView {
                task: s.task,
                job: &s.hook_name,
            })
            .collect(),
        oauth_seed_job: c.seed_job("oauth-clients"),
        turn,
        scc_grants: plan
            .scc_grants
            .iter()
            .filter(|g| {
                c.objects.iter().any(|o| {
                    o.kind() == "ServiceAccount"
                        && o.name() == g.service_account
                        && o.namespace() == Some(g.namespace.as_str())
                })
            })
            .map(|g| SccView {
                why: g.why,
                scc: g.scc,
                namespace: &g.namespace,
                service_account: &g.service_account,
                grant: g.oc_command(),
                binding: g.binding_name(),
            })
            .collect(),
        opensandbox_namespace: c.has_module("sandbox").then(|| c.opensandbox_namespace()),
        storage_classes: c
            .provided_storage_classes()
            .into_iter()
            .map(|(name, uses)| StorageClassView { name, uses })
            .collect(),
        upgrade: c.upgrade_command(),
        namespace_yaml: c
            .namespace
            .map(|n| yaml::to_yaml(&n.value))
            .unwrap_or_default(),
        helm_timeout: HELM_TIMEOUT,
        seed_hook: SEED_HOOK,
        objects: c
            .objects
            .iter()
            .map(|o| ObjectView {
                kind: o.kind(),
                name: o.name(),
                hook: is_seed(o),
            })
            .collect(),
    }
}

/// Render one of [`TEXT_TEMPLATES`] with the configuration's [`ChartText`].
fn render_text(template: &str, c: &Context, header: &str) -> String {
    let mut env = minijinja::Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .expect("the default delimiters");
    env.set_syntax(syntax);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    for (name, source) in TEXT_TEMPLATES {
        env.add_template(name, source)
            .expect("the chart's text templates parse");
    }
    let secrets = c.plan.secrets();
    env.get_template(template)
        .and_then(|t| t.render(minijinja::value::Serde(chart_text(c, &secrets, header))))
        .unwrap_or_else(|e| panic!("the chart's {template} renders: {e:#}"))
}

/// The `kubectl create secret` command that makes a Secret the pods read, values left as `...`.
fn create_secret_command(secret: &Secret) -> String {
    let (ns, name) = (&secret.namespace, &secret.name);
    match secret.kind {
        SecretType::Tls => {
            format!("kubectl -n {ns} create secret tls {name} --cert=tls.crt --key=tls.key")
        }
        SecretType::DockerRegistry => format!(
            "kubectl -n {ns} create secret docker-registry {name} --docker-server=... --docker-username=... --docker-password=..."
        ),
        SecretType::Generic => {
            let literals: Vec<String> = secret
                .keys
                .iter()
                .map(|k| format!(" \\\n    --from-literal={k}=..."))
                .collect();
            format!("kubectl -n {ns} create secret generic {name}{}", literals.concat())
        }
    }
}

pub(super) fn notes(c: &Context) -> String {
    render_text("NOTES.txt", c, "")
}

pub(super) fn readme(c: &Context, header: &str) -> String {
    render_text("README.md", c, header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::validate::testing::run;
    use crate::output::chart::chart_objects;
    use crate::render;

    fn configured(pairs: &[(&str, &str)]) -> (Config, Plan, Vec<Object>) {
        let config = run(pairs).config.expect("valid");
        let plan = crate::plan::plan(&config);
        let objects = render::render(&plan).unwrap();
        (config, plan, objects)
    }

    #[test]
    fn module_notes_appear_with_their_objects() {
        let (config, plan, objects) = configured(&[("TOS_HOST", "192.0.2.10")]);
        let core = notes(&Context {
            config: &config,
            plan: &plan,
            objects: &objects,
            namespace: None,
        });
        // Without the modules, none of their lines.
        for absent in [
            "Code Sandbox",
            "Remote Browser",
            "coturn",
            "opensandbox",
            "invalid_client",
        ] {
            assert!(!core.contains(absent), "{absent}:\n{core}");
        }
        // With them, every line of the debugging table, for this configuration.
        let (config, plan, objects) = configured(&[
            ("TOS_HOST", "192.0.2.10"),
            ("SANDBOX_ENABLED", "true"),
            ("BROWSER_ENABLED", "true"),
            ("TURN_HOST", "198.51.100.7"),
            (
                "OPENSANDBOX_URL",
                "http://opensandbox-server.opensandbox-system.svc:80",
            ),
        ]);
        let all = notes(&Context {
            config: &config,
            plan: &plan,
            objects: &objects,
            namespace: None,
        });
        // The pages' fixed Job name, and coturn in its own namespace.
        let logs = "kubectl -n nap logs job/nap-seed-oauth-clients\n".to_string();
        for present in [
            "Code Sandbox: http://192.0.2.10:30086",
            "Remote Browser: http://192.0.2.10:30085",
            "400 invalid_client",
            logs.as_str(),
            "400 invalid_redirect_uri",
            "TURN_HOST (198.51.100.7)",
            "kubectl -n nap-turn get pod -l app=coturn",
            "kubectl -n opensandbox-system get pod -l app.kubernetes.io/name=opensandbox",
        ] {
            assert!(all.contains(present), "{present}:\n{all}");
        }
        // The hooks order the OAuth clients after the admin.
        let hooks = chart_objects(&plan, &objects);
        let weight = |name: &str| {
            hooks
                .iter()
                .find(|o| o.name() == name)
                .map(|o| o.value["metadata"]["annotations"]["helm.sh/hook-weight"].clone())
                .unwrap()
        };
        assert_eq!(weight("nap-seed-admin"), "0");
        assert_eq!(weight("nap-seed-oauth-clients"), "10");
    }

    #[test]
    fn storage_notes_name_the_real_access_mode_and_only_classes_to_provide() {
        let notes_of = |pairs: &[(&str, &str)]| {
            let (config, plan, objects) = configured(pairs);
            let installed = chart_objects(&plan, &objects);
            let context = Context {
                config: &config,
                plan: &plan,
                objects: &installed,
                namespace: None,
            };
            (notes(&context), readme(&context, ""))
        };
        // One node: the shared claim is ReadWriteOnce, so nothing may call local-path RWX.
        let (notes, readme) = notes_of(&[("TOS_HOST", "192.0.2.10")]);
        assert_eq!(
            plan_access_mode(&[("TOS_HOST", "192.0.2.10")]),
            "ReadWriteOnce"
        );
        for text in [&notes, &readme] {
            assert!(
                !text.contains("RWX") && !text.contains("ReadWriteMany"),
                "{text}"
            );
            assert!(text.contains("local-path"), "{text}");
        }
        // NFS_SERVER: the chart creates StorageClass nap-nfs, so it is not the operator's to make.
        let nfs = [
            ("PROFILE", "multi-node"),
            ("TOS_HOST", "nap.example.com"),
            ("NFS_SERVER", "nfs.example.com"),
            ("NFS_SHARE", "/export/nap"),
            ("RWO_STORAGE_CLASS", "ceph-rbd"),
        ];
        let (notes, readme) = notes_of(&nfs);
        assert!(!notes.contains("nap-nfs"), "{notes}");
        assert!(!readme.contains("`nap-nfs`"), "{readme}");
        assert!(readme.contains("| StorageClass | nap-nfs |"), "{readme}");
        for text in [&notes, &readme] {
            assert!(text.contains("ceph-rbd"), "{text}");
        }
    }

    fn plan_access_mode(pairs: &[(&str, &str)]) -> &'static str {
        configured(pairs).1.shared_dir.access_mode
    }
}

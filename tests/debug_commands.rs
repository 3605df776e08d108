//! Every kubectl command napgen prints or documents works against what napgen rendered: the
//! chart's NOTES.txt and README.md against the chart's objects (Helm installs), and `prereqs`,
//! the findings `render` prints and the `--only seed` hint against the bundle's (kubectl
//! installs). Each command is parsed (namespace, verb, resource/name or `-l` selector) and
//! matched: the object exists in that namespace, the selector matches a pod template's labels
//! there, and a Secret to create is one the pods read and the install does not contain. The
//! Secrets the pods read must all be named, in their namespaces, under every secret mode.

mod common;

use common::secret_refs::{self, SecretRef};
use napgen::app::{self, Configured};
use napgen::input::Inputs;
use napgen_core::config::registry::KEYS;
use napgen_core::ops::prereqs;
use napgen_core::output::chart;
use napgen_core::plan::secrets::{Provider, SecretType};
use napgen_core::render::Object;
use serde_json::Value;
use std::collections::BTreeSet;

/// One kubectl command as printed: its namespace, its words (verb first) and its selector.
#[derive(Debug, Default)]
struct Kubectl {
    text: String,
    namespace: Option<String>,
    words: Vec<String>,
    selector: Option<String>,
    literals: Vec<String>,
}

/// The kubectl commands in a text: continuation lines joined, each command cut at a pipe, `;`,
/// `&&`, a comment or the end of inline code. A command starts a line (after a bullet), inline
/// code, or follows a pipe, `;`, `&&` or a colon; elsewhere `kubectl` is a word of prose.
fn commands(text: &str) -> Vec<Kubectl> {
    let joined = text.replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        for (at, _) in line.match_indices("kubectl ") {
            let before = line[..at].trim_end_matches(' ');
            let starts = before
                .trim_start()
                .trim_start_matches(['*', '-', '$'])
                .trim()
                .is_empty()
                || ["`", "|", ";", "&&", ":"]
                    .iter()
                    .any(|s| before.ends_with(s));
            if !starts {
                continue;
            }
            let rest = &line[at..];
            let end = ["|", ";", "&&", " #", "`", "<<"]
                .iter()
                .filter_map(|stop| rest.find(stop))
                .min()
                .unwrap_or(rest.len());
            out.push(parse(rest[..end].trim()));
        }
    }
    out
}

fn parse(text: &str) -> Kubectl {
    let mut k = Kubectl {
        text: text.to_string(),
        ..Kubectl::default()
    };
    let mut tokens = text.split_whitespace().skip(1);
    while let Some(t) = tokens.next() {
        match t {
            "-n" | "--namespace" => k.namespace = tokens.next().map(str::to_string),
            "-l" | "--selector" => k.selector = tokens.next().map(str::to_string),
            "-o" | "-f" | "-k" => {
                tokens.next();
            }
            _ if t.starts_with("--namespace=") => k.namespace = Some(t[12..].to_string()),
            _ if t.starts_with("--from-literal=") => {
                let key = t[15..].split('=').next().unwrap_or("");
                k.literals.push(key.to_string());
            }
            _ if t.starts_with('-') => {}
            _ => k.words.push(t.to_string()),
        }
    }
    k
}

/// The labels of every pod template (or pod) in a namespace.
fn pod_labels<'a>(objects: &'a [Object], ns: &str) -> Vec<&'a serde_json::Map<String, Value>> {
    objects
        .iter()
        .filter(|o| o.namespace() == Some(ns))
        .filter_map(|o| match o.kind() {
            "Pod" => o.value["metadata"]["labels"].as_object(),
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "ReplicaSet" => {
                o.value["spec"]["template"]["metadata"]["labels"].as_object()
            }
            _ => None,
        })
        .collect()
}

fn matches(labels: &serde_json::Map<String, Value>, selector: &str) -> bool {
    selector.split(',').all(|term| match term.split_once('=') {
        Some((k, v)) => labels.get(k).and_then(Value::as_str) == Some(v),
        None => labels.contains_key(term),
    })
}

/// The pod specs of the run-time pod templates (Pods inside ConfigMaps).
fn run_time_pod_specs(objects: &[Object]) -> Vec<Value> {
    objects
        .iter()
        .filter(|o| o.kind() == "ConfigMap")
        .flat_map(|o| o.value["data"].as_object().into_iter().flatten())
        .flat_map(|(_, text)| {
            napgen_core::output::yaml::parse_documents(text.as_str().unwrap_or(""))
                .unwrap_or_default()
        })
        .filter(|doc| doc["kind"] == "Pod")
        .map(|doc| doc["spec"].clone())
        .collect()
}

fn has(objects: &[Object], kind: &str, ns: &str, name: &str) -> bool {
    objects
        .iter()
        .any(|o| o.kind() == kind && o.namespace() == Some(ns) && o.name() == name)
}

/// What a command may name that napgen does not render: OpenSandbox's server, installed by the
/// `prereqs` step into the namespace OPENSANDBOX_URL names, and its API key Secret.
struct External {
    sandbox_namespace: Option<String>,
}

/// `assert!` for [`check`]: the failure is returned, so a caller may try other objects.
macro_rules! ensure {
    ($cond:expr, $($format:tt)+) => {
        if !$cond {
            return Err(format!($($format)+));
        }
    };
}

/// Check one command against the objects of an install; `what` names the text for messages.
fn check(
    k: &Kubectl,
    objects: &[Object],
    missing: &[SecretRef],
    ext: &External,
    what: &str,
) -> Result<(), String> {
    let ns = k.namespace.as_deref();
    let words: Vec<&str> = k.words.iter().map(String::as_str).collect();
    let opensandbox = ns.is_some() && ns == ext.sandbox_namespace.as_deref();
    let ctx = || format!("{what}: `{}`", k.text);
    match words.as_slice() {
        ["logs", target] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            let (resource, name) = target
                .split_once('/')
                .ok_or_else(|| format!("{}: logs takes kind/name", ctx()))?;
            let kind = match resource {
                "job" => "Job",
                "deploy" | "deployment" => "Deployment",
                _ => return Err(format!("{}: logs of a {resource}", ctx())),
            };
            ensure!(
                has(objects, kind, ns, name),
                "{}: no {kind} {ns}/{name}",
                ctx()
            );
        }
        ["logs"] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            let sel = k
                .selector
                .as_deref()
                .ok_or_else(|| format!("{}: logs -l", ctx()))?;
            ensure!(
                pod_labels(objects, ns).iter().any(|l| matches(l, sel)),
                "{}: no pod in {ns} matches {sel}",
                ctx()
            );
        }
        ["get", "pod" | "pods"] | ["describe", "pod" | "pods"] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            if opensandbox && k.selector.as_deref() == Some("app.kubernetes.io/name=opensandbox") {
                return Ok(());
            }
            let pods = pod_labels(objects, ns);
            match &k.selector {
                Some(sel) => ensure!(
                    pods.iter().any(|l| matches(l, sel)),
                    "{}: no pod template in {ns} has labels {sel}",
                    ctx()
                ),
                None => ensure!(!pods.is_empty(), "{}: no pods in {ns}", ctx()),
            }
        }
        ["get", "job" | "jobs"] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            let sel = k
                .selector
                .as_deref()
                .ok_or_else(|| format!("{}: get job -l", ctx()))?;
            ensure!(
                objects.iter().any(|o| o.kind() == "Job"
                    && o.namespace() == Some(ns)
                    && o.value["metadata"]["labels"]
                        .as_object()
                        .is_some_and(|l| matches(l, sel))),
                "{}: no Job in {ns} has labels {sel}",
                ctx()
            );
        }
        // The run-time pool: the RuntimeClass, the node labels and taints of the run-time pod
        // templates (in ConfigMaps).
        ["get", "runtimeclass", name] => ensure!(
            run_time_pod_specs(objects)
                .iter()
                .any(|spec| spec["runtimeClassName"] == *name),
            "{}: no run-time pod uses RuntimeClass {name}",
            ctx()
        ),
        ["get", "nodes"] | ["label", "node", "NODE", ..] => {
            let selector = match words.as_slice() {
                ["label", "node", "NODE", labels @ ..] => labels.join(","),
                _ => k
                    .selector
                    .clone()
                    .ok_or_else(|| format!("{}: get nodes -l", ctx()))?,
            };
            ensure!(
                run_time_pod_specs(objects)
                    .iter()
                    .any(|spec| spec["nodeSelector"]
                        .as_object()
                        .is_some_and(|l| matches(l, &selector))),
                "{}: no run-time pod selects nodes {selector}",
                ctx()
            );
        }
        ["taint", "node", "NODE", taint] => {
            let (key_value, effect) = taint.rsplit_once(':').unwrap_or((taint, ""));
            let (key, value) = key_value.split_once('=').unwrap_or((key_value, ""));
            ensure!(
                run_time_pod_specs(objects)
                    .iter()
                    .any(|spec| spec["tolerations"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|t| t["key"] == key
                            && (value.is_empty() || t["value"] == value)
                            && (t["effect"] == effect || t.get("effect").is_none()))),
                "{}: no run-time pod tolerates {taint}",
                ctx()
            );
        }
        ["get" | "describe", "cluster", name] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            ensure!(has(objects, "Cluster", ns, name), "{}", ctx());
        }
        // Events of a namespace (a refused pod's FailedCreate): the namespace is the install's.
        ["get", "events", ..] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            ensure!(
                objects.iter().any(|o| o.namespace() == Some(ns)),
                "{}: the install has nothing in {ns}",
                ctx()
            );
        }
        ["get", "pvc"] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            ensure!(
                objects.iter().any(|o| o.namespace() == Some(ns)
                    && matches!(o.kind(), "PersistentVolumeClaim" | "Cluster")),
                "{}",
                ctx()
            );
        }
        ["get", "secret", name] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            ensure!(
                has(objects, "Secret", ns, name)
                    || missing.iter().any(|m| m.namespace == ns && m.name == *name),
                "{}: Secret {ns}/{name} is neither installed nor read by a pod",
                ctx()
            );
        }
        ["create", "secret", _, name] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            if opensandbox && *name == napgen_core::plan::secrets::SANDBOX_KEY_SECRET {
                return Ok(());
            }
            let read = missing
                .iter()
                .find(|m| m.namespace == ns && m.name == *name)
                .ok_or_else(|| {
                    format!(
                        "{}: no pod reads Secret {ns}/{name}, or the install contains it",
                        ctx()
                    )
                })?;
            for key in &k.literals {
                ensure!(
                    read.keys.contains(key) || key == "<KEY>",
                    "{}: the pods read no key {key} of {ns}/{name}",
                    ctx()
                );
            }
            let given: BTreeSet<&str> = k.literals.iter().map(String::as_str).collect();
            for key in &read.keys {
                ensure!(
                    given.is_empty() || given.contains(key.as_str()),
                    "{}: key {key} missing",
                    ctx()
                );
            }
        }
        ["delete", "job"] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            let sel = k
                .selector
                .as_deref()
                .ok_or_else(|| format!("{}: delete job -l", ctx()))?;
            let jobs: Vec<&Object> = objects
                .iter()
                .filter(|o| o.namespace() == Some(ns))
                .filter(|o| {
                    o.value["metadata"]["labels"]
                        .as_object()
                        .is_some_and(|l| matches(l, sel))
                })
                .collect();
            ensure!(!jobs.is_empty(), "{}: matches no object", ctx());
            ensure!(
                jobs.iter().all(|o| o.kind() == "Job" && chart::is_seed(o)),
                "{}: matches more than the seed Jobs",
                ctx()
            );
            let seeds = objects.iter().filter(|o| chart::is_seed(o)).count();
            ensure!(jobs.len() == seeds, "{}: misses a seed Job", ctx());
        }
        ["get", "storageclass", names @ ..] => {
            for name in names {
                ensure!(
                    !objects
                        .iter()
                        .any(|o| o.kind() == "StorageClass" && o.name() == *name),
                    "{}: the install creates StorageClass {name} itself",
                    ctx()
                );
            }
        }
        // The operator's Gateway, which napgen does not render: an HTTPRoute attaches to it.
        ["get", "gateway", name] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            ensure!(
                objects
                    .iter()
                    .filter(|o| o.kind() == "HTTPRoute")
                    .any(|o| o.value["spec"]["parentRefs"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|p| p["name"] == *name && p["namespace"] == ns)),
                "{}: no HTTPRoute attaches to Gateway {ns}/{name}",
                ctx()
            );
        }
        ["get", "httproute" | "httproutes"] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            ensure!(
                objects
                    .iter()
                    .any(|o| o.kind() == "HTTPRoute" && o.namespace() == Some(ns)),
                "{}: no HTTPRoute in {ns}",
                ctx()
            );
        }
        // cert-manager's issuer, which napgen does not render: an Ingress names it.
        ["get", kind @ ("clusterissuer" | "issuer"), name] => {
            let (annotation, in_ns) = if *kind == "issuer" {
                (
                    "cert-manager.io/issuer",
                    Some(ns.ok_or_else(|| format!("{}: no namespace", ctx()))?),
                )
            } else {
                ("cert-manager.io/cluster-issuer", None)
            };
            ensure!(
                objects.iter().any(|o| o.kind() == "Ingress"
                    && in_ns.is_none_or(|n| o.namespace() == Some(n))
                    && o.value["metadata"]["annotations"][annotation] == *name),
                "{}: no Ingress names {kind} {name}",
                ctx()
            );
        }
        // The Certificates cert-manager's ingress-shim makes, named after the TLS Secrets.
        ["get", "certificate", names @ ..] => {
            let ns = ns.ok_or_else(|| format!("{}: no namespace", ctx()))?;
            ensure!(!names.is_empty(), "{}: no Certificate named", ctx());
            for name in names {
                ensure!(
                    objects.iter().any(|o| o.kind() == "Ingress"
                        && o.namespace() == Some(ns)
                        && o.value["spec"]["tls"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|t| t["secretName"] == *name)),
                    "{}: no Ingress in {ns} has the TLS Secret {name}",
                    ctx()
                );
            }
        }
        // The resource metrics the autoscalers read: asked for only when the bundle has one.
        ["get", "apiservice", "v1beta1.metrics.k8s.io"] | ["top", "pods"] => ensure!(
            objects.iter().any(|o| o.kind() == "HorizontalPodAutoscaler"
                && (words[0] == "get" || o.namespace() == ns)),
            "{}: no HorizontalPodAutoscaler reads resource metrics",
            ctx()
        ),
        // Install steps, not checks of what napgen rendered.
        ["apply", ..]
        | ["create", "namespace" | "configmap" | "priorityclass", ..]
        | ["get", "crd", ..] => {}
        other => {
            return Err(format!(
                "{}: a command this test does not know: {other:?}",
                ctx()
            ))
        }
    }
    Ok(())
}

/// The texts of one profile and the objects each must be read against.
struct Profile {
    name: String,
    configured: Configured,
    bundle: Vec<Object>,
}

impl Profile {
    fn external(&self) -> External {
        let sandbox_on = self.configured.plan.sandbox.is_some();
        External {
            sandbox_namespace: sandbox_on.then(|| {
                prereqs::sandbox_target(self.configured.settings.str("OPENSANDBOX_URL"))
                    .namespace
                    .unwrap_or_else(|| "opensandbox-system".into())
            }),
        }
    }
}

fn profiles() -> Vec<Profile> {
    common::profiles()
        .iter()
        .map(|path| {
            let configured = common::configure(path);
            let bundle = configured.render().unwrap();
            Profile {
                name: common::name(path),
                configured,
                bundle,
            }
        })
        .collect()
}

/// Every Secret the install's pods read and the install does not contain has a create command.
fn assert_names_every_missing_secret(found: &[Kubectl], missing: &[SecretRef], what: &str) {
    for m in missing {
        assert!(
            found.iter().any(|k| k.words.len() == 4
                && k.words[..2] == ["create", "secret"]
                && k.words[3] == m.name
                && k.namespace.as_deref() == Some(m.namespace.as_str())),
            "{what}: Secret {}/{} is read by the pods but never named",
            m.namespace,
            m.name
        );
    }
}

#[test]
fn chart_notes_and_readme_commands_work_against_the_chart() {
    for p in profiles() {
        let plan = &p.configured.plan;
        let objects = chart::chart_objects(plan, &p.bundle);
        let missing = secret_refs::missing(&objects);
        let chart = p.configured.chart().unwrap();
        for file in ["files/NOTES.txt", "README.md"] {
            let text = String::from_utf8(chart.file(file).unwrap().to_vec()).unwrap();
            let what = format!("{} chart {file}", p.name);
            let found = commands(&text);
            assert!(!found.is_empty(), "{what}: no command");
            for k in &found {
                check(k, &objects, &missing, &p.external(), &what).unwrap();
            }
            assert_names_every_missing_secret(&found, &missing, &what);
            // The pages' fixed names: `kubectl logs job/nap-seed-<task>` works with Helm.
            for seed in &plan.seeds {
                let logs = format!(
                    "kubectl -n {} logs job/nap-seed-{}",
                    plan.namespace, seed.task
                );
                assert!(text.contains(&logs), "{what}: {logs}");
            }
            if plan.browser.is_some() && file == "files/NOTES.txt" {
                let coturn = format!("kubectl -n {}-turn get pod -l app=coturn", plan.namespace);
                assert!(text.contains(&coturn), "{what}: {coturn}");
            }
        }
    }
}

#[test]
fn bundle_commands_work_against_the_bundle() {
    for p in profiles() {
        let plan = &p.configured.plan;
        let missing = secret_refs::missing(&p.bundle);
        let ctx = prereqs::Context {
            config: &p.configured.config,
            plan,
            objects: &p.bundle,
            values_dir: None,
        };
        let steps = prereqs::steps(&ctx);
        let findings: String = p
            .configured
            .warnings
            .iter()
            .map(|d| format!("{}\n{}\n", d.message, d.help))
            .collect();
        let reseed = app::reseed_commands(
            plan,
            "napgen render --only seed | kubectl apply --server-side -f -",
        );
        for (what, text) in [
            ("prereqs", prereqs::text(&ctx, &steps)),
            ("render's findings", findings),
            ("render --only seed", reseed),
        ] {
            let what = format!("{} {what}", p.name);
            let found = commands(&text);
            for k in &found {
                check(k, &p.bundle, &missing, &p.external(), &what).unwrap();
            }
            if what.ends_with("prereqs") {
                assert_names_every_missing_secret(&found, &missing, &what);
            }
        }
    }
}

#[test]
fn only_seed_tells_how_to_rerun_the_seed_jobs() {
    for p in profiles() {
        let plan = &p.configured.plan;
        let hint = app::reseed_commands(plan, "APPLY");
        let found = commands(&hint);
        // First the previous runs go, by the label all of them carry, then the Jobs are applied
        // again, and each one's log is named exactly.
        assert_eq!(found[0].words, ["delete", "job"], "{hint}");
        assert!(hint.contains("\n  APPLY\n"), "{hint}");
        for seed in &plan.seeds {
            assert!(
                hint.contains(&format!(
                    "kubectl -n {} logs job/{}\n",
                    plan.namespace, seed.name
                )),
                "{hint}"
            );
        }
    }
}

#[test]
fn the_parser_reads_the_forms_napgen_prints() {
    let found = commands(
        "  * `kubectl -n nap logs job/nap-seed-admin` and\n\
         kubectl -n nap create secret generic s \\\n    --from-literal=A=... \\\n    --from-literal=B=...\n\
         kubectl create namespace x --dry-run=client -o yaml | kubectl apply -f -\n\
         kubectl -n nap-turn get pod -l app=coturn    # coturn",
    );
    let words: Vec<Vec<String>> = found.iter().map(|k| k.words.clone()).collect();
    assert_eq!(
        words,
        [
            vec!["logs", "job/nap-seed-admin"],
            vec!["create", "secret", "generic", "s"],
            vec!["create", "namespace", "x"],
            vec!["apply"],
            vec!["get", "pod"],
        ]
    );
    assert_eq!(found[1].literals, ["A", "B"]);
    assert_eq!(found[4].namespace.as_deref(), Some("nap-turn"));
    assert_eq!(found[4].selector.as_deref(), Some("app=coturn"));
}

#[test]
fn readme_commands_work_against_the_profiles() {
    // README.md documents commands for namespace `nap`; each runnable one (it names a namespace)
    // must work against the bundle or the chart of some profile that has what it checks. A
    // placeholder namespace (`<ns>`, as the pages write it) marks a quoted command, not one to run.
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let profiles = profiles();
    let found: Vec<Kubectl> = commands(&readme)
        .into_iter()
        .filter(|k| k.namespace.as_deref().is_some_and(|n| !n.starts_with('<')))
        .collect();
    assert!(found.len() >= 5, "{found:?}");
    for k in &found {
        let works = profiles.iter().any(|p| {
            let plan = &p.configured.plan;
            let chart = chart::chart_objects(plan, &p.bundle);
            let works_on = |objects: &[Object]| {
                let missing = secret_refs::missing(objects);
                check(k, objects, &missing, &p.external(), "README.md").is_ok()
            };
            works_on(&p.bundle) || works_on(&chart)
        });
        assert!(works, "README.md: `{}` works against no profile", k.text);
    }
}

/// The secret modes values.env can choose, each applied to a profile with every module (the
/// browser's coturn reads its Secret in its own namespace): values.env holds the secrets (the
/// install contains them), holds none (the operator creates `nap-secrets` and `coturn-auth`),
/// or names a Secret managed elsewhere with EXISTING_SECRET. Then the production profile, whose
/// pods also read a TLS certificate, S3 credentials and registry credentials in two namespaces.
fn secret_modes() -> Vec<Profile> {
    let all = common::repo().join("values/all-modules.env");
    let no_secrets: Vec<String> = KEYS
        .iter()
        .filter(|k| k.is_secret())
        .map(|k| format!("{}=", k.name))
        .collect();
    let mut existing = no_secrets.clone();
    existing.push("EXISTING_SECRET=nap-secrets-managed".into());
    let configure = |name: &str, file: &std::path::Path, sets: Vec<String>| {
        let inputs = Inputs {
            files: vec![file.to_string_lossy().into_owned()],
            sets,
        };
        let configured = app::configure(&inputs, std::path::Path::new("."), &mut std::io::empty())
            .unwrap_or_else(|f| panic!("{name}: {f:?}"));
        let bundle = configured.render().unwrap();
        Profile {
            name: name.into(),
            configured,
            bundle,
        }
    };
    vec![
        configure("values.env holds the secrets", &all, vec![]),
        configure("the operator creates the secrets", &all, no_secrets),
        configure("EXISTING_SECRET", &all, existing),
        configure(
            "production (EXISTING_SECRET)",
            &common::repo().join("values/production.env"),
            vec![],
        ),
    ]
}

#[test]
fn the_plans_secrets_are_the_ones_the_objects_read() {
    for p in profiles().into_iter().chain(secret_modes()) {
        let facts = p.configured.plan.secrets();
        let read = secret_refs::referenced(&p.bundle);
        let ids = |ids: Vec<(String, String)>| ids.into_iter().collect::<BTreeSet<_>>();
        assert_eq!(
            ids(facts
                .iter()
                .map(|s| (s.namespace.clone(), s.name.clone()))
                .collect()),
            ids(read.iter().map(SecretRef::id).collect()),
            "{}: the plan's Secrets are not the ones the objects read",
            p.name
        );
        for fact in &facts {
            let what = format!("{}: {}/{}", p.name, fact.namespace, fact.name);
            let found = read
                .iter()
                .find(|r| r.id() == (fact.namespace.clone(), fact.name.clone()));
            let found = found.unwrap();
            let form = match fact.kind {
                SecretType::Generic => secret_refs::Form::Generic,
                SecretType::Tls => secret_refs::Form::Tls,
                SecretType::DockerRegistry => secret_refs::Form::DockerRegistry,
            };
            assert_eq!(found.form, form, "{what}");
            if fact.kind == SecretType::Generic {
                let keys = |k: &[String]| k.iter().cloned().collect::<BTreeSet<_>>();
                assert_eq!(keys(&fact.keys), keys(&found.keys), "{what}: keys");
            }
            let contained = has(&p.bundle, "Secret", &fact.namespace, &fact.name);
            assert_eq!(
                fact.provider == Provider::Napgen,
                contained,
                "{what}: rendered"
            );
            let issued = secret_refs::issued_by_cert_manager(&p.bundle, found);
            let generated =
                !contained && !issued && secret_refs::provided_by_install(&p.bundle, found);
            assert_eq!(
                fact.provider == Provider::CloudNativePg,
                generated,
                "{what}: generated by CloudNativePG"
            );
            assert_eq!(
                fact.provider == Provider::CertManager,
                issued,
                "{what}: issued by cert-manager"
            );
        }
    }
}

#[test]
fn chart_notes_and_readme_name_the_secrets_the_pods_read_under_every_secret_mode() {
    let get_secret =
        regex::Regex::new(r"kubectl -n (\S+) get secret (\S+) -o jsonpath='\{\.data\.(\w+)\}'")
            .unwrap();
    let contained = regex::Regex::new(r"Secret `([^`]+)` in namespace `([^`]+)`").unwrap();
    for p in secret_modes() {
        let plan = &p.configured.plan;
        let objects = chart::chart_objects(plan, &p.bundle);
        let read = secret_refs::referenced(&objects);
        let missing = secret_refs::missing(&objects);
        assert!(plan.browser.is_some(), "{}: the browser is on", p.name);
        let coturn = objects
            .iter()
            .find(|o| o.kind() == "Deployment" && o.name() == "coturn")
            .and_then(|o| o.namespace())
            .unwrap();
        assert_ne!(
            coturn, plan.namespace,
            "{}: coturn has its own namespace",
            p.name
        );
        assert!(
            missing.iter().chain(&read).any(|r| r.namespace == coturn),
            "{}: coturn reads a Secret",
            p.name
        );
        let chart = p.configured.chart().unwrap();
        for file in ["files/NOTES.txt", "README.md"] {
            let what = format!("{} chart {file}", p.name);
            let text = String::from_utf8(chart.file(file).unwrap().to_vec()).unwrap();
            let found = commands(&text);
            // The Secrets to create are exactly the ones the pods read and the chart lacks, each
            // with exactly the keys the pods read.
            let mut created = BTreeSet::new();
            for k in found
                .iter()
                .filter(|k| k.words.starts_with(&["create".into(), "secret".into()]))
            {
                let id = (k.namespace.clone().unwrap(), k.words[3].clone());
                let wanted = missing.iter().find(|m| m.id() == id);
                let wanted = wanted.unwrap_or_else(|| {
                    panic!("{what}: `{}` creates no Secret the pods read", k.text)
                });
                if wanted.form == secret_refs::Form::Generic {
                    let given: BTreeSet<&String> = k.literals.iter().collect();
                    assert_eq!(given, wanted.keys.iter().collect(), "{what}: `{}`", k.text);
                }
                created.insert(id);
            }
            let expected: BTreeSet<(String, String)> = missing.iter().map(SecretRef::id).collect();
            assert_eq!(created, expected, "{what}: the Secrets to create");
            // A Secret read back holds that key in the objects' references.
            for c in get_secret.captures_iter(&text) {
                let id = (c[1].to_string(), c[2].to_string());
                assert!(
                    read.iter()
                        .any(|r| r.id() == id && r.keys.iter().any(|k| *k == c[3])),
                    "{what}: no pod reads {} from Secret {}/{}",
                    &c[3],
                    id.0,
                    id.1
                );
            }
            // The Secrets said to be in the chart are exactly the ones it holds.
            let said: BTreeSet<(String, String)> = contained
                .captures_iter(&text)
                .map(|c| (c[2].to_string(), c[1].to_string()))
                .collect();
            let held: BTreeSet<(String, String)> = objects
                .iter()
                .filter(|o| o.kind() == "Secret")
                .map(|o| (o.namespace().unwrap().to_string(), o.name().to_string()))
                .collect();
            if file == "README.md" {
                assert_eq!(said, held, "{what}: the Secrets the chart contains");
            }
            for k in &found {
                check(k, &objects, &missing, &p.external(), &what).unwrap();
            }
        }
        let notes = String::from_utf8(chart.file("files/NOTES.txt").unwrap().to_vec()).unwrap();
        let coturn_pods = commands(&notes)
            .into_iter()
            .find(|k| k.words == ["get", "pod"] && k.selector.as_deref() == Some("app=coturn"))
            .unwrap_or_else(|| panic!("{}: NOTES has no command for coturn's pod", p.name));
        assert_eq!(coturn_pods.namespace.as_deref(), Some(coturn), "{}", p.name);
    }
}

#[test]
fn the_reference_finds_secrets_in_any_reference() {
    let obj = |value: Value| Object {
        source: "test",
        value,
    };
    let objects = vec![
        obj(
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "turn"},
            "spec": {"template": {"spec": {"volumes": [
                {"name": "a", "secret": {"secretName": "coturn-auth", "items": [{"key": "TURN_AUTH_SECRET", "path": "x"}]}},
                {"name": "b", "projected": {"sources": [{"secret": {"name": "db-app", "items": [{"key": "uri", "path": "u"}]}}]}},
                {"name": "c", "secret": {"secretName": "maybe", "optional": true}},
                {"name": "w", "secret": {"secretName": "whole"}},
            ], "containers": [{"name": "c", "envFrom": [{"secretRef": {"name": "extra"}}],
                "command": ["sh", "-c", "x=$(cat /etc/whole/KEY_ONE) && y=$(cat /etc/whole/KEY_TWO)"],
                "volumeMounts": [{"name": "w", "mountPath": "/etc/whole"}],
                "env": [{"name": "E", "valueFrom": {"secretKeyRef": {"name": "coturn-auth", "key": "OTHER"}}}]}]}}}}),
        ),
        obj(
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "templates", "namespace": "nap"},
            "data": {"agent.yaml": "kind: Pod\nspec:\n  imagePullSecrets: [{name: pull}]\n  containers:\n    - env: [{name: K, valueFrom: {secretKeyRef: {name: nap-secrets, key: OPENAI_API_KEY}}}]\n"}}),
        ),
        obj(
            serde_json::json!({"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "db", "namespace": "turn"}}),
        ),
        obj(
            serde_json::json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "extra", "namespace": "turn"}}),
        ),
    ];
    let names: Vec<String> = secret_refs::missing(&objects)
        .iter()
        .map(|m| {
            format!(
                "{}/{}:{}:{:?}",
                m.namespace,
                m.name,
                m.keys.join(","),
                m.form
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "turn/coturn-auth:TURN_AUTH_SECRET,OTHER:Generic",
            "turn/whole:KEY_ONE,KEY_TWO:Generic",
            "nap/nap-secrets:OPENAI_API_KEY:Generic",
            "nap/pull::DockerRegistry",
        ]
    );
}

/// The exposure profiles' prerequisites: what napgen does not render but the routes need.
#[test]
fn prereqs_name_what_the_routes_need() {
    for p in profiles() {
        let plan = &p.configured.plan;
        let ctx = prereqs::Context {
            config: &p.configured.config,
            plan,
            objects: &p.bundle,
            values_dir: None,
        };
        let steps = prereqs::steps(&ctx);
        let ids: Vec<&str> = steps.iter().map(|s| s.id).collect();
        let text = prereqs::text(&ctx, &steps);
        assert_eq!(
            ids.contains(&"gateway-api"),
            !plan.http_routes.is_empty(),
            "{}: {ids:?}",
            p.name
        );
        assert_eq!(
            ids.contains(&"openshift-router"),
            !plan.openshift_routes.is_empty(),
            "{}: {ids:?}",
            p.name
        );
        assert_eq!(
            ids.contains(&"cert-manager"),
            plan.tls_issued_by_cert_manager,
            "{}: {ids:?}",
            p.name
        );
        match p.name.as_str() {
            "gateway" => {
                assert!(
                    text.contains("kubectl -n gateway-system get gateway public"),
                    "{text}"
                );
                assert!(text.contains("listener https that serves the hosts nap.example.com, sandbox.example.com, browser.example.com"), "{text}");
            }
            "openshift-route" => {
                assert!(text.contains("The hosts nap.apps.ocp.example.com, sandbox.apps.ocp.example.com must resolve to the router"), "{text}");
            }
            "cert-manager" => {
                assert!(
                    text.contains("kubectl get clusterissuer letsencrypt-prod"),
                    "{text}"
                );
                // cert-manager issues the TLS Secrets: nobody is asked to create them.
                assert!(!text.contains("create secret tls"), "{text}");
            }
            _ => {}
        }
    }
}

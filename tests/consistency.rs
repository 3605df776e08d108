//! Consistency of every rendered install: each Secret/ConfigMap/PVC/ServiceAccount a workload
//! references exists (or is the Secret the operator or the user provides), Services select pods
//! and name their ports, OAuth redirect URIs equal the services' callbacks, and turning a module on
//! adds that module's objects and changes nothing else but the listed wiring.

mod common;

use napgen::{app, input::Inputs};
use napgen_core::config::dotenv::Entry;
use napgen_core::config::validate;
use napgen_core::diagnostic::Origin;
use napgen_core::output::yaml;
use napgen_core::plan;
use napgen_core::render::Object;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Keys of the Secret CloudNativePG generates for a cluster's application user.
const CNPG_APP_KEYS: &[&str] = &[
    "username",
    "password",
    "dbname",
    "host",
    "port",
    "uri",
    "jdbc-uri",
    "pgpass",
    "fqdn-uri",
    "fqdn-jdbc-uri",
    "user",
];

struct Install {
    objects: Vec<Value>,
    /// Secrets that must exist but are not in the bundle: (namespace, name) → keys.
    provided: BTreeMap<(String, String), BTreeSet<String>>,
    /// ConfigMaps the operator provides (CA_BUNDLE_CONFIG_MAP): (namespace, name) → keys.
    provided_config_maps: BTreeMap<(String, String), BTreeSet<String>>,
}

fn install(entries: &[Entry]) -> Install {
    planned(entries).1
}

/// The plan of valid `entries` and the install it renders.
fn planned(entries: &[Entry]) -> (plan::Plan, Install) {
    let validated = validate::validate(entries);
    let config = validated.config.unwrap_or_else(|| {
        panic!(
            "{:?}",
            validated
                .diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
        )
    });
    let (plan, objects) = app::render_objects(&config).unwrap();
    let install = install_of(&plan, &objects);
    (plan, install)
}

fn install_of(plan: &plan::Plan, objects: &[Object]) -> Install {
    let mut provided = BTreeMap::new();
    if !plan.secret.rendered {
        provided.insert(
            (plan.namespace.clone(), plan.secret.name.to_string()),
            plan.secret.keys.iter().map(|k| k.to_string()).collect(),
        );
        if let Some(b) = &plan.browser {
            provided.insert(
                (b.coturn.namespace.clone(), b.coturn.secret_name.to_string()),
                ["TURN_AUTH_SECRET".to_string()].into(),
            );
        }
    }
    if let Some(b) = &plan.backup {
        provided.insert(
            (plan.namespace.clone(), b.credentials_secret.clone()),
            [plan::S3_ACCESS_KEY_ID, plan::S3_SECRET_ACCESS_KEY]
                .map(String::from)
                .into(),
        );
    }
    for o in objects.iter().filter(|o| o.kind() == "Cluster") {
        provided.insert(
            (
                o.namespace().unwrap().to_string(),
                format!("{}-app", o.name()),
            ),
            CNPG_APP_KEYS.iter().map(|k| k.to_string()).collect(),
        );
    }
    // An external server's connection Secret, when the operator creates it (no secrets given).
    if plan
        .connection
        .external
        .as_ref()
        .is_some_and(|e| !e.rendered)
    {
        provided.insert(
            (plan.namespace.clone(), plan.connection.secret.clone()),
            plan.connection.keys.iter().map(|k| k.to_string()).collect(),
        );
    }
    let mut provided_config_maps = BTreeMap::new();
    if let Some(ca) = plan.ca_bundle.as_ref().filter(|c| c.pem.is_none()) {
        provided_config_maps.insert(
            (plan.namespace.clone(), ca.config_map.clone()),
            ["ca.crt".to_string()].into(),
        );
    }
    Install {
        objects: objects.iter().map(|o| o.value.clone()).collect(),
        provided,
        provided_config_maps,
    }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn key_of(o: &Value) -> (String, String, String) {
    (
        s(&o["kind"]),
        s(&o["metadata"]["namespace"]),
        s(&o["metadata"]["name"]),
    )
}

/// The pod specs of an install: workloads' templates and the run-time pod templates in ConfigMaps.
fn pods(install: &Install) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for o in &install.objects {
        let ns = s(&o["metadata"]["namespace"]);
        match o["kind"].as_str().unwrap() {
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => out.push((
                format!("{} {}", o["kind"], o["metadata"]["name"]),
                ns,
                o["spec"]["template"].clone(),
            )),
            "ConfigMap" => {
                for (file, text) in o["data"].as_object().into_iter().flatten() {
                    for doc in
                        yaml::parse_documents(text.as_str().unwrap_or("")).unwrap_or_default()
                    {
                        if doc["kind"] == "Pod" {
                            out.push((format!("pod template {file}"), ns.clone(), doc));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn check(install: &Install) -> Vec<String> {
    let mut problems = Vec::new();
    let mut data_keys: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
    let mut exists = BTreeSet::new();
    for o in &install.objects {
        let (kind, ns, name) = key_of(o);
        let mut keys = BTreeSet::new();
        for field in ["data", "stringData"] {
            keys.extend(
                o[field]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k.clone()),
            );
        }
        data_keys.insert((kind.clone(), ns.clone(), name.clone()), keys);
        exists.insert((kind, ns, name));
    }
    for ((ns, name), keys) in &install.provided {
        data_keys.insert(("Secret".into(), ns.clone(), name.clone()), keys.clone());
        exists.insert(("Secret".into(), ns.clone(), name.clone()));
    }
    for ((ns, name), keys) in &install.provided_config_maps {
        data_keys.insert(("ConfigMap".into(), ns.clone(), name.clone()), keys.clone());
        exists.insert(("ConfigMap".into(), ns.clone(), name.clone()));
    }
    let need = |what: &str,
                kind: &str,
                ns: &str,
                name: &str,
                key: Option<&str>,
                problems: &mut Vec<String>| match data_keys.get(&(
        kind.into(),
        ns.into(),
        name.into(),
    )) {
        None => problems.push(format!("{what}: {kind} {ns}/{name} does not exist")),
        Some(keys) => {
            if let Some(k) = key {
                if !keys.contains(k) {
                    problems.push(format!("{what}: {kind} {ns}/{name} has no key {k}"));
                }
            }
        }
    };

    let pods = pods(install);
    for (what, ns, template) in &pods {
        let spec = &template["spec"];
        if let Some(sa) = spec["serviceAccountName"].as_str() {
            need(what, "ServiceAccount", ns, sa, None, &mut problems);
        }
        for c in spec["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(spec["initContainers"].as_array().into_iter().flatten())
        {
            for e in c["env"].as_array().into_iter().flatten() {
                if let Some(r) = e["valueFrom"]["secretKeyRef"].as_object() {
                    need(
                        what,
                        "Secret",
                        ns,
                        &s(&r["name"]),
                        Some(&s(&r["key"])),
                        &mut problems,
                    );
                }
                if let Some(r) = e["valueFrom"]["configMapKeyRef"].as_object() {
                    need(
                        what,
                        "ConfigMap",
                        ns,
                        &s(&r["name"]),
                        Some(&s(&r["key"])),
                        &mut problems,
                    );
                }
            }
            for e in c["envFrom"].as_array().into_iter().flatten() {
                if let Some(r) = e["configMapRef"].as_object() {
                    need(what, "ConfigMap", ns, &s(&r["name"]), None, &mut problems);
                }
                if let Some(r) = e["secretRef"].as_object() {
                    need(what, "Secret", ns, &s(&r["name"]), None, &mut problems);
                }
            }
            let volumes: BTreeSet<String> = spec["volumes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| s(&v["name"]))
                .collect();
            for m in c["volumeMounts"].as_array().into_iter().flatten() {
                if !volumes.contains(&s(&m["name"])) {
                    problems.push(format!("{what}: mount {} has no volume", m["name"]));
                }
            }
        }
        for v in spec["volumes"].as_array().into_iter().flatten() {
            if let Some(name) = v["configMap"]["name"].as_str() {
                need(what, "ConfigMap", ns, name, None, &mut problems);
                for item in v["configMap"]["items"].as_array().into_iter().flatten() {
                    need(
                        what,
                        "ConfigMap",
                        ns,
                        name,
                        Some(&s(&item["key"])),
                        &mut problems,
                    );
                }
            }
            for source in v["projected"]["sources"].as_array().into_iter().flatten() {
                for (field, kind) in [("secret", "Secret"), ("configMap", "ConfigMap")] {
                    if let Some(name) = source[field]["name"].as_str() {
                        for item in source[field]["items"].as_array().into_iter().flatten() {
                            need(what, kind, ns, name, Some(&s(&item["key"])), &mut problems);
                        }
                        need(what, kind, ns, name, None, &mut problems);
                    }
                }
            }
            if let Some(name) = v["secret"]["secretName"].as_str() {
                need(what, "Secret", ns, name, None, &mut problems);
            }
            // The workspace disk claim is created per workspace by the control plane.
            if let Some(name) = v["persistentVolumeClaim"]["claimName"]
                .as_str()
                .filter(|n| *n != "nap-workspace-disk")
            {
                need(what, "PersistentVolumeClaim", ns, name, None, &mut problems);
            }
        }
    }

    let selects = |selector: &Value, ns: &str| -> Vec<&Value> {
        pods.iter()
            .filter(|(what, pns, _)| pns == ns && !what.starts_with("pod template"))
            .filter(|(_, _, t)| {
                selector.as_object().is_some_and(|sel| {
                    !sel.is_empty() && sel.iter().all(|(k, v)| &t["metadata"]["labels"][k] == v)
                })
            })
            .map(|(_, _, t)| t)
            .collect()
    };
    for o in &install.objects {
        let (kind, ns, name) = key_of(o);
        match kind.as_str() {
            "Service" => {
                let matched = selects(&o["spec"]["selector"], &ns);
                if matched.is_empty() {
                    problems.push(format!("Service {ns}/{name} selects no pods"));
                }
                for p in o["spec"]["ports"].as_array().into_iter().flatten() {
                    let target = &p["targetPort"];
                    let found = matched.iter().all(|t| {
                        t["spec"]["containers"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .flat_map(|c| c["ports"].as_array().into_iter().flatten())
                            .any(|cp| {
                                (target.is_string() && cp["name"] == *target)
                                    || (target.is_number() && cp["containerPort"] == *target)
                            })
                    });
                    if !found {
                        problems.push(format!("Service {ns}/{name}: targetPort {target} is not a port of the selected pods"));
                    }
                }
            }
            "PodDisruptionBudget"
                if selects(&o["spec"]["selector"]["matchLabels"], &ns).is_empty() =>
            {
                problems.push(format!("PodDisruptionBudget {ns}/{name} selects no pods"));
            }
            "Ingress" => {
                for rule in o["spec"]["rules"].as_array().into_iter().flatten() {
                    for path in rule["http"]["paths"].as_array().into_iter().flatten() {
                        let svc = &path["backend"]["service"];
                        let service = install
                            .objects
                            .iter()
                            .find(|x| key_of(x) == ("Service".into(), ns.clone(), s(&svc["name"])));
                        match service {
                            None => problems.push(format!(
                                "Ingress {ns}/{name}: Service {} does not exist",
                                svc["name"]
                            )),
                            Some(service) => {
                                if !service["spec"]["ports"]
                                    .as_array()
                                    .unwrap()
                                    .iter()
                                    .any(|p| p["name"] == svc["port"]["name"])
                                {
                                    problems.push(format!(
                                        "Ingress {ns}/{name}: Service {} has no port {}",
                                        svc["name"], svc["port"]["name"]
                                    ));
                                }
                            }
                        }
                    }
                }
            }
            // A Gateway API backend names the Service's port by number, a Route by name.
            "HTTPRoute" | "Route" => {
                let backends: Vec<(Value, Value)> = if kind == "Route" {
                    vec![(
                        o["spec"]["to"]["name"].clone(),
                        o["spec"]["port"]["targetPort"].clone(),
                    )]
                } else {
                    o["spec"]["rules"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(|r| r["backendRefs"].as_array().into_iter().flatten())
                        .map(|b| (b["name"].clone(), b["port"].clone()))
                        .collect()
                };
                if backends.is_empty() {
                    problems.push(format!("{kind} {ns}/{name}: no backend"));
                }
                for (service_name, port) in backends {
                    let service = install
                        .objects
                        .iter()
                        .find(|x| key_of(x) == ("Service".into(), ns.clone(), s(&service_name)));
                    let field = if port.is_number() { "port" } else { "name" };
                    match service {
                        None => problems.push(format!(
                            "{kind} {ns}/{name}: Service {service_name} does not exist"
                        )),
                        Some(service)
                            if !service["spec"]["ports"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .any(|p| p[field] == port) =>
                        {
                            problems.push(format!(
                                "{kind} {ns}/{name}: Service {service_name} has no port {port}"
                            ))
                        }
                        Some(_) => {}
                    }
                }
            }
            "ServiceMonitor" => {
                let sel = &o["spec"]["selector"];
                let services: Vec<&Value> = install
                    .objects
                    .iter()
                    .filter(|x| x["kind"] == "Service" && s(&x["metadata"]["namespace"]) == ns)
                    .filter(|x| label_selector_matches(sel, &x["metadata"]["labels"]))
                    .collect();
                if services.is_empty() {
                    problems.push(format!("ServiceMonitor {name} selects no Service"));
                }
                for e in o["spec"]["endpoints"].as_array().into_iter().flatten() {
                    for svc in &services {
                        if !svc["spec"]["ports"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|p| p["name"] == e["port"])
                        {
                            problems.push(format!(
                                "ServiceMonitor {name}: Service {} has no port {}",
                                svc["metadata"]["name"], e["port"]
                            ));
                        }
                    }
                }
            }
            "PodMonitor" => {
                let cluster = s(&o["spec"]["selector"]["matchLabels"]["cnpg.io/cluster"]);
                need(
                    &format!("PodMonitor {name}"),
                    "Cluster",
                    &ns,
                    &cluster,
                    None,
                    &mut problems,
                );
            }
            "StorageClass" => {
                let claims_it = |v: &Value| v.as_str() == Some(name.as_str());
                let used = install.objects.iter().any(|x| match x["kind"].as_str() {
                    Some("PersistentVolumeClaim") => claims_it(&x["spec"]["storageClassName"]),
                    Some("Cluster") => {
                        claims_it(&x["spec"]["storage"]["storageClass"])
                            || claims_it(&x["spec"]["walStorage"]["storageClass"])
                    }
                    _ => false,
                });
                if !used {
                    problems.push(format!("StorageClass {name} is used by no claim"));
                }
            }
            "ObjectStore" => {
                let creds = &o["spec"]["configuration"]["s3Credentials"];
                for field in ["accessKeyId", "secretAccessKey"] {
                    need(
                        &format!("ObjectStore {name}"),
                        "Secret",
                        &ns,
                        &s(&creds[field]["name"]),
                        Some(&s(&creds[field]["key"])),
                        &mut problems,
                    );
                }
            }
            "Cluster" => {
                for plugin in o["spec"]["plugins"].as_array().into_iter().flatten() {
                    if let Some(store) = plugin["parameters"]["barmanObjectName"].as_str() {
                        need(
                            &format!("Cluster {name}"),
                            "ObjectStore",
                            &ns,
                            store,
                            None,
                            &mut problems,
                        );
                    }
                }
            }
            "ScheduledBackup" => {
                let cluster = install.objects.iter().find(|x| {
                    key_of(x)
                        == (
                            "Cluster".into(),
                            ns.clone(),
                            s(&o["spec"]["cluster"]["name"]),
                        )
                });
                let plugin = &o["spec"]["pluginConfiguration"]["name"];
                match cluster {
                    None => problems.push(format!("ScheduledBackup {name}: its Cluster does not exist")),
                    Some(c) if !c["spec"]["plugins"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|p| p["name"] == *plugin && p["isWALArchiver"] == true) =>
                    {
                        problems.push(format!("ScheduledBackup {name}: the Cluster does not archive WAL with {plugin}"))
                    }
                    _ => {}
                }
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                let role_ns = if kind == "RoleBinding" {
                    ns.clone()
                } else {
                    String::new()
                };
                need(
                    &format!("{kind} {name}"),
                    &s(&o["roleRef"]["kind"]),
                    &role_ns,
                    &s(&o["roleRef"]["name"]),
                    None,
                    &mut problems,
                );
                for subject in o["subjects"].as_array().into_iter().flatten() {
                    if subject["kind"] == "ServiceAccount" {
                        need(
                            &format!("{kind} {name}"),
                            "ServiceAccount",
                            &s(&subject["namespace"]),
                            &s(&subject["name"]),
                            None,
                            &mut problems,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    problems.extend(oauth_drift(install));
    problems
}

/// Whether a label selector (matchLabels and In/NotIn/Exists expressions) selects these labels.
fn label_selector_matches(selector: &Value, labels: &Value) -> bool {
    let labels_ok = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .all(|(k, v)| &labels[k] == v);
    let expressions_ok = selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|e| {
            let value = &labels[e["key"].as_str().unwrap_or("")];
            let listed = e["values"].as_array().is_some_and(|vs| vs.contains(value));
            match e["operator"].as_str() {
                Some("In") => listed,
                Some("NotIn") => !listed,
                Some("Exists") => !value.is_null(),
                Some("DoesNotExist") => value.is_null(),
                _ => false,
            }
        });
    labels_ok && expressions_ok
}

/// Every registered redirect URI equals the callback of the service that uses the client.
fn oauth_drift(install: &Install) -> Vec<String> {
    let mut problems = Vec::new();
    let env_of = |c: &Value, name: &str| {
        c["env"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["name"] == name)
            .map(|e| s(&e["value"]))
    };
    let mut callbacks = BTreeMap::new();
    let mut registered = BTreeMap::new();
    for o in &install.objects {
        for c in o["spec"]["template"]["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let (Some(id), Some(uri)) = (
                env_of(c, "OAUTH_CLIENT_ID"),
                env_of(c, "OAUTH_REDIRECT_URI"),
            ) {
                callbacks.insert(id, uri);
            }
            if let Some(list) = env_of(c, "NAP_OAUTH_CLIENTS") {
                for client in serde_json::from_str::<Vec<Value>>(&list).unwrap() {
                    registered.insert(s(&client["client_id"]), s(&client["redirect_uris"][0]));
                }
            }
        }
    }
    if callbacks != registered {
        problems.push(format!(
            "OAuth drift: services compute {callbacks:?}, the seed Job registers {registered:?}"
        ));
    }
    problems
}

/// Multi-node with the sandbox and the browser on: what the tests of where a setting reaches
/// start from.
const SANDBOX_AND_BROWSER_ON_MULTI_NODE: [(&str, &str); 8] = [
    ("PROFILE", "multi-node"),
    ("TOS_HOST", "nap.example.com"),
    ("RWX_STORAGE_CLASS", "nfs"),
    ("RWO_STORAGE_CLASS", "rbd"),
    ("SANDBOX_ENABLED", "true"),
    ("BROWSER_ENABLED", "true"),
    ("TURN_HOST", "198.51.100.7"),
    ("TURN_NODE", "n1"),
];

fn entries(pairs: &[(&str, &str)]) -> Vec<Entry> {
    pairs
        .iter()
        .enumerate()
        .map(|(i, (k, v))| Entry {
            key: k.to_string(),
            value: v.to_string(),
            origin: Origin::file("test.env", i + 1),
        })
        .collect()
}

#[test]
fn every_profile_is_consistent() {
    for path in common::profiles() {
        let configured = common::configure(&path);
        let (plan, objects) = app::render_objects(&configured.config).unwrap();
        let problems = check(&install_of(&plan, &objects));
        assert!(
            problems.is_empty(),
            "{}:\n{}",
            path.display(),
            problems.join("\n")
        );
    }
}

/// A template no configuration selects is dead (or, worse, objects a module plans but never
/// renders): the profiles in values/ select every template between them.
#[test]
fn the_profiles_render_every_template() {
    let mut used = BTreeSet::new();
    for path in common::profiles() {
        used.extend(common::configure(&path).plan.templates);
    }
    let unused: Vec<&str> = napgen_core::render::TEMPLATES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !used.contains(name))
        .collect();
    assert!(unused.is_empty(), "no profile renders {unused:?}");
}

#[test]
fn redirect_uris_equal_callbacks_in_every_combination() {
    let secret = "ab".repeat(32);
    let mut checked = 0;
    for mode in ["nodeport", "external", "ingress", "gateway", "route"] {
        for sandbox in [false, true] {
            for browser in [false, true] {
                for public in [false, true] {
                    for with_secrets in [false, true] {
                        let mut pairs: Vec<(&str, &str)> = vec![
                            ("INGRESS_MODE", mode),
                            ("TOS_HOST", "nap.example.com"),
                            ("TURN_HOST", "198.51.100.7"),
                        ];
                        if mode == "gateway" {
                            pairs.push(("GATEWAY_NAME", "public"));
                        }
                        pairs.push(("SANDBOX_ENABLED", if sandbox { "true" } else { "false" }));
                        pairs.push(("BROWSER_ENABLED", if browser { "true" } else { "false" }));
                        if !browser {
                            pairs.retain(|(k, _)| *k != "TURN_HOST");
                        }
                        if mode != "nodeport" || public {
                            pairs.push(("TOS_PUBLIC_URL", "https://nap.example.com"));
                            if sandbox {
                                pairs.push((
                                    "SANDBOX_PUBLIC_URL",
                                    "https://sandbox.example.com/base",
                                ));
                            }
                            if browser {
                                pairs.push(("BROWSER_PUBLIC_URL", "https://browsers.example.com"));
                            }
                        }
                        if with_secrets {
                            for k in [
                                "TOS_SECRET_KEY",
                                "ADMIN_PASSWORD",
                                "OPENAI_API_KEY",
                                "SANDBOX_JWT_SECRET",
                                "SANDBOX_SERVICE_KEY",
                                "OPENSANDBOX_API_KEY",
                                "BROWSER_JWT_SECRET",
                                "TURN_AUTH_SECRET",
                            ] {
                                let on = match k {
                                    "SANDBOX_JWT_SECRET"
                                    | "SANDBOX_SERVICE_KEY"
                                    | "OPENSANDBOX_API_KEY" => sandbox,
                                    "BROWSER_JWT_SECRET" | "TURN_AUTH_SECRET" => browser,
                                    _ => true,
                                };
                                if on {
                                    pairs.push((k, &secret));
                                }
                            }
                        }
                        let install = install(&entries(&pairs));
                        let problems = check(&install);
                        assert!(problems.is_empty(), "{pairs:?}:\n{}", problems.join("\n"));
                        let registered = install.objects.iter().any(|o| {
                            s(&o["metadata"]["name"]).starts_with("nap-seed-oauth-clients-")
                        });
                        assert_eq!(registered, sandbox || browser, "{pairs:?}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 80);
}

#[test]
fn the_checker_finds_drift_and_dangling_references() {
    let mut install = install(&entries(&[("SANDBOX_ENABLED", "true")]));
    for o in install
        .objects
        .iter_mut()
        .filter(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "nap-sandbox")
    {
        let env = o["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array_mut()
            .unwrap();
        for e in env.iter_mut().filter(|e| e["name"] == "OAUTH_REDIRECT_URI") {
            e["value"] = Value::String("http://elsewhere:1/api/auth/callback".into());
        }
        env.push(serde_json::json!({"name": "X", "valueFrom": {"secretKeyRef": {"name": "nap-secrets", "key": "NOPE"}}}));
    }
    let problems = check(&install).join("\n");
    assert!(problems.contains("OAuth drift"), "{problems}");
    assert!(problems.contains("has no key NOPE"), "{problems}");
}

#[test]
fn existing_secret_mode_renders_no_secret_value() {
    let install = install(&entries(&[
        ("EXISTING_SECRET", "nap-managed"),
        ("AGENT_TYPES", "codex,claude-code"),
        ("SANDBOX_ENABLED", "true"),
        ("BROWSER_ENABLED", "true"),
        ("TURN_HOST", "198.51.100.7"),
    ]));
    let problems = check(&install);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for o in install.objects.iter().filter(|o| o["kind"] == "Secret") {
        for field in ["data", "stringData"] {
            assert!(
                o[field].as_object().is_none_or(|m| m.is_empty()),
                "{} holds values",
                o["metadata"]["name"]
            );
        }
    }
    let text = serde_json::to_string(&install.objects).unwrap();
    assert!(text.contains("\"nap-managed\"") && !text.contains("\"nap-secrets\""));
    assert!(!text.contains("\"coturn-auth\""));
    assert!(install
        .provided
        .contains_key(&("nap-turn".to_string(), "nap-managed".to_string())));
}

#[test]
fn backup_references_resolve() {
    let mut install = install(&entries(&[
        ("BACKUP_ENABLED", "true"),
        ("BACKUP_DESTINATION_PATH", "s3://nap-backups/prod"),
        ("BACKUP_S3_CREDENTIALS_SECRET", "nap-backup-s3"),
    ]));
    let problems = check(&install);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The checker notices a missing credentials Secret and a Cluster without the archiver.
    install
        .provided
        .retain(|(_, name), _| name != "nap-backup-s3");
    for o in install
        .objects
        .iter_mut()
        .filter(|o| o["kind"] == "Cluster")
    {
        o["spec"]["plugins"] = Value::Array(vec![]);
    }
    let problems = check(&install).join("\n");
    assert!(
        problems
            .contains("ObjectStore nap-postgres-backup: Secret nap/nap-backup-s3 does not exist"),
        "{problems}"
    );
    assert!(
        problems.contains("does not archive WAL with \"barman-cloud.cloudnative-pg.io\""),
        "{problems}"
    );
}

fn production() -> (plan::Plan, Vec<Object>) {
    let inputs = Inputs {
        files: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/values/production.env").into()],
        sets: vec![],
    };
    let configured = app::configure(&inputs, Path::new("."), &mut std::io::empty()).unwrap();
    app::render_objects(&configured.config).unwrap()
}

/// Every `image` field anywhere in a value.
fn images_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v.as_str() {
                    Some(image) if k == "image" || k == "imageName" => out.push(image.to_string()),
                    _ => images_in(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| images_in(v, out)),
        _ => {}
    }
}

/// With REGISTRY set, nothing is pulled from anywhere else: not the platform's images, not
/// PostgreSQL's (Cluster.imageName), not coturn, not the run-time pod templates; and with every
/// image pinned, everything is pulled by digest. This stands for `napgen images`.
#[test]
fn every_image_is_pulled_from_the_mirror() {
    let (plan, objects) = production();
    let mirror = "mirror.corp.example.com:5000/nap/";
    let install = install_of(&plan, &objects);
    let mut images: Vec<String> = Vec::new();
    install
        .objects
        .iter()
        .for_each(|o| images_in(o, &mut images));
    for (_, _, template) in pods(&install) {
        images_in(&template, &mut images);
    }
    images.sort();
    images.dedup();
    let mut listed: Vec<String> = plan.images.iter().map(|i| i.reference.clone()).collect();
    listed.sort();
    assert_eq!(
        images, listed,
        "plan.images must list exactly what the bundle pulls"
    );
    assert_eq!(
        images.len(),
        napgen_core::config::registry::IMAGE_NAMES.len()
    );
    for image in &images {
        assert!(image.starts_with(mirror), "{image} is not under the mirror");
        assert!(image.contains("@sha256:"), "{image} is not pinned");
    }
}

/// The pods the platform creates at run time get what the platform's own pods get: the CA
/// bundle, the proxy, the pull secrets and the placement.
#[test]
fn run_time_pod_templates_carry_ca_proxy_pull_secrets_and_placement() {
    let (plan, objects) = production();
    let install = install_of(&plan, &objects);
    let pods = pods(&install);
    let mut templates = 0;
    for (what, _, template) in pods {
        let spec = &template["spec"];
        let env_of = |name: &str| {
            spec["containers"][0]["env"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|e| e["name"] == name)
                .map(|e| s(&e["value"]))
        };
        let has_ca_volume = spec["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|v| v["configMap"]["name"] == plan::CA_BUNDLE_CONFIG_MAP);
        let has_ca_mount = spec["containers"][0]["volumeMounts"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|m| m["mountPath"] == plan::CA_DIR);
        if what.contains("coturn") {
            continue; // the TURN relay makes no TLS connections and lives in its own namespace
        }
        assert!(has_ca_volume && has_ca_mount, "{what}: no CA bundle");
        for name in plan::CA_ENV {
            assert_eq!(
                env_of(name).as_deref(),
                Some(plan::CA_FILE),
                "{what}: {name}"
            );
        }
        for name in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] {
            assert_eq!(
                env_of(name).as_deref(),
                Some("http://10.20.0.10:3128"),
                "{what}: {name}"
            );
        }
        let no_proxy = env_of("NO_PROXY").unwrap_or_default();
        for entry in [
            ".corp.example.com",
            "10.244.0.0/16",
            "10.96.0.0/12",
            ".svc",
            ".cluster.local",
            "nap-control-plane",
            "nap-control-plane.nap.svc",
            "browser-service",
        ] {
            assert!(
                no_proxy.split(',').any(|e| e == entry),
                "{what}: NO_PROXY lacks {entry}"
            );
        }
        assert_eq!(
            spec["imagePullSecrets"],
            serde_json::json!([{"name": "mirror-pull"}]),
            "{what}"
        );
        assert_eq!(
            spec["nodeSelector"],
            serde_json::json!({"node.corp.example.com/pool": "nap"}),
            "{what}"
        );
        assert_eq!(spec["tolerations"][0]["key"], "dedicated", "{what}");
        if what.starts_with("pod template") {
            templates += 1;
            assert!(
                spec["priorityClassName"].is_null(),
                "{what}: run-time pods keep their own priority"
            );
        } else {
            assert_eq!(spec["priorityClassName"], "nap-platform", "{what}");
        }
    }
    // codex, claude-code, the sandbox pod and the browser session
    assert_eq!(templates, 4);
}

#[test]
fn a_provided_ca_bundle_is_referenced_not_rendered() {
    let install = install(&entries(&[
        ("CA_BUNDLE_CONFIG_MAP", "corp-trust"),
        ("SANDBOX_ENABLED", "true"),
    ]));
    let problems = check(&install);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(!install
        .objects
        .iter()
        .any(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == plan::CA_BUNDLE_CONFIG_MAP));
    let text = serde_json::to_string(&install.objects).unwrap();
    assert!(text.contains("\"corp-trust\""));
}

/// Objects keyed by (kind, namespace, name), seed Job hashes removed.
fn by_key(install: &Install) -> BTreeMap<(String, String, String), Value> {
    install
        .objects
        .iter()
        .map(|o| {
            let (kind, ns, mut name) = key_of(o);
            if kind == "Job" {
                name.truncate(name.rfind('-').unwrap());
            }
            ((kind, ns, name), o.clone())
        })
        .collect()
}

#[test]
fn a_module_adds_its_objects_and_changes_only_the_wiring() {
    let base = [
        ("PROFILE", "multi-node"),
        ("TOS_HOST", "nap.example.com"),
        ("RWX_STORAGE_CLASS", "nfs"),
        ("RWO_STORAGE_CLASS", "rbd"),
    ];
    let off = by_key(&install(&entries(&base)));
    // What a module may change outside its own objects, and why.
    let wiring: &[(&str, &str)] = &[
        (
            "ConfigMap/nap-config",
            "the control plane links to the module's URL (or LDAP settings)",
        ),
        (
            "ConfigMap/nap-workspace-templates",
            "browser session pods are created by the control plane",
        ),
        (
            "Deployment/nap-control-plane",
            "pods roll on config changes (checksums); LDAP mounts its CA",
        ),
        (
            "Job/nap-seed-oauth-clients",
            "the module's OAuth client is registered",
        ),
        (
            "Cluster/nap-postgres",
            "backups: the Cluster names the barman-cloud plugin as its WAL archiver",
        ),
    ];
    for (module, extra) in [
        ("sandbox", vec![("SANDBOX_ENABLED", "true")]),
        (
            "browser",
            vec![
                ("BROWSER_ENABLED", "true"),
                ("TURN_HOST", "198.51.100.7"),
                ("TURN_NODE", "n1"),
            ],
        ),
        (
            "ldap",
            vec![
                ("LDAP_ENABLED", "true"),
                ("LDAP_URL", "ldaps://l.example.com"),
                ("LDAP_BIND_DN", "cn=a"),
                ("LDAP_USER_BASE_DN", "ou=p"),
                ("LDAP_CA_CERT", "-----BEGIN CERTIFICATE-----\nx"),
            ],
        ),
        (
            "monitoring",
            vec![
                ("MONITORING_ENABLED", "true"),
                ("MONITORING_LABELS", "release=kube-prometheus-stack"),
            ],
        ),
        (
            "backup",
            vec![
                ("BACKUP_ENABLED", "true"),
                ("BACKUP_DESTINATION_PATH", "s3://nap-backups/prod"),
                ("BACKUP_S3_CREDENTIALS_SECRET", "nap-backup-s3"),
                ("BACKUP_S3_ENDPOINT", "https://s3.example.com"),
            ],
        ),
    ] {
        let all: Vec<_> = base.iter().copied().chain(extra).collect();
        let validated = validate::validate(&entries(&all));
        let (_, objects) = app::render_objects(validated.config.as_ref().unwrap()).unwrap();
        let from_module: BTreeSet<_> = objects
            .iter()
            .filter(|o| o.source.starts_with(&format!("{module}/")))
            .map(|o| {
                (
                    o.kind().to_string(),
                    o.namespace().unwrap_or("").to_string(),
                    o.name().to_string(),
                )
            })
            .collect();
        assert!(
            !from_module.is_empty(),
            "{module} renders no objects of its own"
        );
        let on = by_key(&install(&entries(&all)));
        for (key, value) in &on {
            let allowed = wiring
                .iter()
                .any(|(w, _)| *w == format!("{}/{}", key.0, key.2));
            match off.get(key) {
                None => assert!(
                    from_module.contains(key) || allowed,
                    "{module} added {key:?}, which is not one of its objects"
                ),
                Some(before) if before != value => assert!(allowed, "{module} changed {key:?}"),
                _ => {}
            }
        }
        for key in off.keys() {
            assert!(on.contains_key(key), "{module} removed {key:?}");
        }
    }
}

/// DATABASE_MODE=external takes away the CloudNativePG Cluster and what serves only it (its
/// NetworkPolicies, its PodMonitor), adds the connection Secret (with the keys of CloudNativePG's
/// `<cluster>-app` Secret) when values.env gives the password, and changes nothing else but the
/// pods' database Secret name (and its checksum), and the database egress rule, which opens the
/// server's address on its port only. The password is in no other object.
#[test]
fn an_external_database_replaces_only_the_database_and_its_wiring() {
    let secret = "ab".repeat(32);
    let base = [
        ("PROFILE", "multi-node"),
        ("TOS_HOST", "nap.example.com"),
        ("RWX_STORAGE_CLASS", "nfs"),
        ("RWO_STORAGE_CLASS", "rbd"),
        ("MONITORING_ENABLED", "true"),
    ];
    let secrets = [
        ("TOS_SECRET_KEY", secret.as_str()),
        ("ADMIN_PASSWORD", secret.as_str()),
        ("OPENAI_API_KEY", "sk-test-0000000000"),
    ];
    let external = [
        ("DATABASE_MODE", "external"),
        ("DATABASE_HOST", "10.20.0.15"),
        ("DATABASE_PORT", "6432"),
        ("DATABASE_USER", "nap_app"),
        ("CA_BUNDLE_CONFIG_MAP", "corp-ca"),
    ];
    let off_pairs: Vec<_> = base
        .iter()
        .chain(&secrets)
        .chain([("CA_BUNDLE_CONFIG_MAP", "corp-ca")].iter())
        .copied()
        .collect();
    let cnpg_rule = serde_json::json!({"to": [{"podSelector": {"matchLabels": {"cnpg.io/cluster": "nap-postgres"}}}], "ports": [{"protocol": "TCP", "port": 5432}]});
    let server_rule = serde_json::json!({"to": [{"ipBlock": {"cidr": "10.20.0.15/32"}}], "ports": [{"protocol": "TCP", "port": 6432}]});
    for with_secrets in [true, false] {
        let mut off_entries = off_pairs.clone();
        let mut on_entries: Vec<_> = base.iter().chain(&external).copied().collect();
        if with_secrets {
            on_entries.extend(secrets);
            on_entries.push(("DATABASE_PASSWORD", "a p@ss/word of 16+ chars"));
        } else {
            off_entries.retain(|(k, _)| !secrets.iter().any(|(s, _)| s == k));
        }
        let off_install = install(&entries(&off_entries));
        let on_install = install(&entries(&on_entries));
        let problems = check(&on_install);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let (off, on) = (by_key(&off_install), by_key(&on_install));
        let name = |k: &(String, String, String)| format!("{}/{}", k.0, k.2);
        let removed: BTreeSet<String> = off
            .keys()
            .filter(|k| !on.contains_key(*k))
            .map(name)
            .collect();
        let added: BTreeSet<String> = on
            .keys()
            .filter(|k| !off.contains_key(*k))
            .map(name)
            .collect();
        let expected_removed: BTreeSet<String> = [
            "Cluster/nap-postgres",
            "NetworkPolicy/nap-postgres",
            "NetworkPolicy/nap-postgres-monitoring",
            "PodMonitor/nap-postgres",
        ]
        .map(String::from)
        .into();
        assert_eq!(removed, expected_removed, "with secrets: {with_secrets}");
        let expected_added: BTreeSet<String> = if with_secrets {
            ["Secret/nap-database".to_string()].into()
        } else {
            BTreeSet::new()
        };
        assert_eq!(added, expected_added, "with secrets: {with_secrets}");
        if with_secrets {
            let connection = &on[&("Secret".into(), "nap".into(), "nap-database".into())];
            let data = connection["stringData"].as_object().unwrap();
            let keys: Vec<&str> = data.keys().map(String::as_str).collect();
            assert_eq!(keys, ["host", "port", "dbname", "user", "password", "uri"]);
            assert!(keys.iter().all(|k| CNPG_APP_KEYS.contains(k)));
            assert_eq!(data["host"], "10.20.0.15");
            assert_eq!(data["port"], "6432");
            assert_eq!(data["dbname"], "nap");
            assert_eq!(data["user"], "nap_app");
            let elsewhere = on.iter().filter(|(k, o)| {
                k.2 != "nap-database" && serde_json::to_string(o).unwrap().contains("a p@ss/word")
            });
            assert_eq!(elsewhere.count(), 0, "the password is in another object");
            assert_eq!(
                data["uri"],
                "postgresql://nap_app:a%20p%40ss%2Fword%20of%2016%2B%20chars@10.20.0.15:6432/nap?sslmode=verify-full&sslrootcert=/etc/nap/ca/ca.crt"
            );
        }
        for (key, after) in &on {
            let Some(before) = off.get(key) else { continue };
            if before == after {
                continue;
            }
            let what = name(key);
            // The pods read `uri` from the connection Secret instead of CloudNativePG's.
            let renamed: Value = serde_json::from_str(
                &serde_json::to_string(after)
                    .unwrap()
                    .replace("\"nap-database\"", "\"nap-postgres-app\""),
            )
            .unwrap();
            let same_but_name = |a: &Value, b: &Value| {
                let (mut a, mut b) = (a.clone(), b.clone());
                a["metadata"]["name"] = Value::Null;
                b["metadata"]["name"] = Value::Null;
                a == b
            };
            match what.as_str() {
                "Deployment/nap-control-plane" | "Deployment/nap-gateway" => {
                    // A rendered connection Secret's checksum rolls the pods when it changes.
                    let mut renamed = renamed;
                    let annotations = renamed["spec"]["template"]["metadata"]["annotations"]
                        .as_object_mut()
                        .unwrap();
                    assert_eq!(
                        annotations.remove("checksum/database").is_some(),
                        with_secrets,
                        "{what}: checksum/database"
                    );
                    assert!(
                        same_but_name(before, &renamed),
                        "{what} changed beyond its database Secret"
                    )
                }
                "Job/nap-seed-admin" => assert!(
                    same_but_name(before, &renamed),
                    "{what} changed beyond its database Secret"
                ),
                "NetworkPolicy/nap-control-plane"
                | "NetworkPolicy/nap-gateway"
                | "NetworkPolicy/nap-seed" => {
                    let mut expected = before.clone();
                    for rule in expected["spec"]["egress"].as_array_mut().unwrap() {
                        if *rule == cnpg_rule {
                            *rule = server_rule.clone();
                        }
                    }
                    assert_eq!(
                        &expected, after,
                        "{what}: only the database rule may change"
                    );
                }
                _ => panic!("DATABASE_MODE=external changed {what}"),
            }
        }
    }
}

/// BACKUP_ENABLED with an external server is refused with its key, file and line, and what to do.
#[test]
fn backups_with_an_external_database_are_refused() {
    let validated = validate::validate(&entries(&[
        ("DATABASE_MODE", "external"),
        ("DATABASE_HOST", "10.20.0.15"),
        ("BACKUP_ENABLED", "true"),
        ("BACKUP_DESTINATION_PATH", "s3://nap-backups/prod"),
        ("BACKUP_S3_CREDENTIALS_SECRET", "nap-backup-s3"),
    ]));
    assert!(validated.config.is_none());
    let error = validated
        .diagnostics
        .iter()
        .find(|d| d.key.as_deref() == Some("BACKUP_ENABLED"))
        .expect("BACKUP_ENABLED is refused");
    let text = error.to_string();
    assert!(
        text.starts_with("error: test.env:3: BACKUP_ENABLED:"),
        "{text}"
    );
    assert!(text.contains("DATABASE_MODE=external"), "{text}");
    assert!(text.contains("set BACKUP_ENABLED=false"), "{text}");
}

/// The objects of `on` that differ from `off`'s: (kind/name, the top-level paths changed), and
/// the keys only one side has.
fn changes(
    off: &BTreeMap<(String, String, String), Value>,
    on: &BTreeMap<(String, String, String), Value>,
) -> (
    BTreeSet<(String, String)>,
    BTreeSet<String>,
    BTreeSet<String>,
) {
    let mut changed = BTreeSet::new();
    for (key, value) in on {
        let Some(before) = off.get(key) else { continue };
        for (section, fields) in [("metadata", &value["metadata"]), ("spec", &value["spec"])] {
            let keys: BTreeSet<&String> = fields
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
                .chain(
                    before[section]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k),
                )
                .collect();
            for k in keys {
                if fields[k] != before[section][k] {
                    changed.insert((format!("{}/{}", key.0, key.2), format!("{section}.{k}")));
                }
            }
        }
        for k in ["data", "stringData"] {
            if value[k] != before[k] {
                changed.insert((format!("{}/{}", key.0, key.2), k.to_string()));
            }
        }
    }
    let name = |k: &(String, String, String)| format!("{}/{}", k.0, k.2);
    let added = on
        .keys()
        .filter(|k| !off.contains_key(*k))
        .map(name)
        .collect();
    let removed = off
        .keys()
        .filter(|k| !on.contains_key(*k))
        .map(name)
        .collect();
    (changed, added, removed)
}

/// Each exposure mode adds its routing objects (one per public URL) and changes nothing else:
/// the Services, NetworkPolicies and OAuth wiring are those of INGRESS_MODE=external, with the
/// same public URLs. Each exposure key changes only the fields it is for.
#[test]
fn an_exposure_mode_adds_its_routes_and_changes_only_what_it_should() {
    let base = [
        ("PROFILE", "multi-node"),
        ("TOS_HOST", "nap.example.com"),
        ("RWX_STORAGE_CLASS", "nfs"),
        ("RWO_STORAGE_CLASS", "rbd"),
        ("TOS_PUBLIC_URL", "https://nap.example.com"),
        ("SANDBOX_ENABLED", "true"),
        ("SANDBOX_PUBLIC_URL", "https://sandbox.example.com"),
        ("BROWSER_ENABLED", "true"),
        ("BROWSER_PUBLIC_URL", "https://browser.example.com"),
        ("TURN_HOST", "198.51.100.7"),
        ("TURN_NODE", "n1"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let all: Vec<_> = base.iter().copied().chain(extra.iter().copied()).collect();
        by_key(&install(&entries(&all)))
    };
    let names = |kind: &str| -> BTreeSet<String> {
        ["nap", "nap-sandbox", "browser-service"]
            .iter()
            .map(|n| format!("{kind}/{n}"))
            .collect()
    };
    let none = BTreeSet::new();
    let external = with(&[("INGRESS_MODE", "external")]);
    // A mode adds one routing object per public URL and changes nothing else.
    let ingress = with(&[("INGRESS_MODE", "ingress"), ("INGRESS_CLASS", "nginx")]);
    let gateway = with(&[("INGRESS_MODE", "gateway"), ("GATEWAY_NAME", "public")]);
    let route = with(&[("INGRESS_MODE", "route")]);
    for (mode, on, kind) in [
        ("ingress", &ingress, "Ingress"),
        ("gateway", &gateway, "HTTPRoute"),
        ("route", &route, "Route"),
    ] {
        let (changed, added, removed) = changes(&external, on);
        assert_eq!(
            changed,
            BTreeSet::new(),
            "{mode} changed objects besides its routes"
        );
        assert_eq!(added, names(kind), "{mode}");
        assert_eq!(removed, none, "{mode}");
    }
    // Each key changes only the fields it is for, on the routing objects only.
    let only = |before: &BTreeMap<_, _>, after: &BTreeMap<_, _>, kind: &str, fields: &[&str]| {
        let (changed, added, removed) = changes(before, after);
        let want: BTreeSet<(String, String)> = names(kind)
            .into_iter()
            .flat_map(|n| fields.iter().map(move |f| (n.clone(), f.to_string())))
            .collect();
        assert_eq!(changed, want);
        assert_eq!((added, removed), (none.clone(), none.clone()));
    };
    only(
        &ingress,
        &with(&[
            ("INGRESS_MODE", "ingress"),
            ("INGRESS_CLASS", "nginx"),
            ("CERT_MANAGER_ISSUER", "letsencrypt"),
        ]),
        "Ingress",
        &["metadata.annotations", "spec.tls"],
    );
    only(
        &ingress,
        &with(&[
            ("INGRESS_MODE", "ingress"),
            ("INGRESS_CLASS", "nginx"),
            ("INGRESS_ANNOTATIONS", "example.com/team=platform"),
        ]),
        "Ingress",
        &["metadata.annotations"],
    );
    only(
        &ingress,
        &with(&[
            ("INGRESS_MODE", "ingress"),
            ("INGRESS_CLASS", "nginx"),
            ("ROUTE_TIMEOUT_SECONDS", "7200"),
        ]),
        "Ingress",
        &["metadata.annotations"],
    );
    only(
        &gateway,
        &with(&[
            ("INGRESS_MODE", "gateway"),
            ("GATEWAY_NAME", "public"),
            ("GATEWAY_NAMESPACE", "gateway-system"),
            ("GATEWAY_SECTION", "https"),
        ]),
        "HTTPRoute",
        &["spec.parentRefs"],
    );
    only(
        &gateway,
        &with(&[
            ("INGRESS_MODE", "gateway"),
            ("GATEWAY_NAME", "public"),
            ("ROUTE_TIMEOUT_SECONDS", "7200"),
        ]),
        "HTTPRoute",
        &["spec.rules"],
    );
    only(
        &route,
        &with(&[("INGRESS_MODE", "route"), ("ROUTE_TIMEOUT_SECONDS", "7200")]),
        "Route",
        &["metadata.annotations"],
    );
    // The cert-manager issuer names one TLS Secret per host; the Gateway's HTTPRoutes attach
    // to the Gateway by name, namespace and listener.
    let issued = with(&[
        ("INGRESS_MODE", "ingress"),
        ("CERT_MANAGER_ISSUER", "internal-ca"),
        ("CERT_MANAGER_ISSUER_KIND", "Issuer"),
    ]);
    for name in ["nap", "nap-sandbox", "browser-service"] {
        let o = &issued[&("Ingress".into(), "nap".into(), name.into())];
        assert_eq!(
            o["metadata"]["annotations"]["cert-manager.io/issuer"],
            "internal-ca"
        );
        assert_eq!(o["spec"]["tls"][0]["secretName"], format!("{name}-tls"));
    }
    let attached = with(&[
        ("INGRESS_MODE", "gateway"),
        ("GATEWAY_NAME", "public"),
        ("GATEWAY_NAMESPACE", "gateway-system"),
        ("GATEWAY_SECTION", "https"),
    ]);
    for (name, host) in [
        ("nap", "nap.example.com"),
        ("nap-sandbox", "sandbox.example.com"),
        ("browser-service", "browser.example.com"),
    ] {
        let spec = &attached[&("HTTPRoute".into(), "nap".into(), name.into())]["spec"];
        assert_eq!(
            spec["parentRefs"][0],
            serde_json::json!({"group": "gateway.networking.k8s.io", "kind": "Gateway",
                "name": "public", "namespace": "gateway-system", "sectionName": "https"})
        );
        assert_eq!(spec["hostnames"], serde_json::json!([host]));
        assert_eq!(spec["rules"][0]["timeouts"]["request"], "3600s");
        let o = &route[&("Route".into(), "nap".into(), name.into())];
        assert_eq!(o["spec"]["host"], host);
        assert_eq!(o["spec"]["tls"]["termination"], "edge");
    }
}

#[test]
fn every_profile_fits_the_minimum_nodes_with_room_for_workspaces() {
    for path in common::profiles() {
        let c = common::configure(&path).plan.capacity;
        assert!(
            c.workspaces >= app::MIN_WORKSPACES,
            "{}: {c:?}",
            path.display()
        );
        assert!(
            c.platform_millicpu < c.allocatable_millicpu / 2,
            "{}: the platform takes over half the CPU: {c:?}",
            path.display()
        );
    }
}

/// A label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a
/// letter or digit (or empty).
fn label_value_ok(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            && v.as_bytes()[0].is_ascii_alphanumeric()
            && v.as_bytes()[v.len() - 1].is_ascii_alphanumeric())
}

fn labels_in(value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if matches!(k.as_str(), "labels" | "matchLabels" | "nodeSelector") {
                    for (name, text) in v.as_object().into_iter().flatten() {
                        out.push((name.clone(), s(text)));
                    }
                }
                labels_in(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| labels_in(v, out)),
        _ => {}
    }
}

/// At the longest NAMESPACE values.env accepts with every module on, each name napgen builds
/// fits its kind: namespaces, Services and Jobs are DNS labels (63), other objects DNS
/// subdomains (253), and every label value (objects and run-time pod templates) 63.
#[test]
fn names_and_labels_fit_kubernetes_limits_at_the_longest_namespace() {
    let namespace = "n".repeat(58);
    let install = install(&entries(&[
        ("NAMESPACE", &namespace),
        ("PROFILE", "multi-node"),
        ("TOS_HOST", "203.0.113.10"),
        ("RWO_STORAGE_CLASS", "ceph-rbd"),
        ("NFS_SERVER", "nfs.example.com"),
        ("NFS_SHARE", "/srv/nap"),
        ("AGENT_TYPES", "codex,claude-code"),
        ("SANDBOX_ENABLED", "true"),
        ("BROWSER_ENABLED", "true"),
        ("TURN_HOST", "203.0.113.10"),
        ("TURN_NODE", "worker-1"),
        ("BACKUP_ENABLED", "true"),
        ("BACKUP_DESTINATION_PATH", "s3://nap-backups/prod"),
        ("BACKUP_S3_CREDENTIALS_SECRET", "nap-backup-s3"),
        ("MONITORING_ENABLED", "true"),
    ]));
    let mut problems = Vec::new();
    let mut namespaces = BTreeSet::new();
    let mut seen_labels = BTreeSet::new();
    for o in &install.objects {
        let (kind, ns, name) = key_of(o);
        let limit = match kind.as_str() {
            "Namespace" | "Service" | "Job" => 63,
            _ => 253,
        };
        if name.len() > limit {
            problems.push(format!("{kind} {name}: {} > {limit}", name.len()));
        }
        namespaces.insert(ns);
        let mut labels = Vec::new();
        labels_in(o, &mut labels);
        for data in o["data"].as_object().into_iter().flatten() {
            if let Some(text) = data.1.as_str().filter(|t| t.contains("kind:")) {
                for template in yaml::parse_documents(text).unwrap() {
                    labels_in(&template, &mut labels);
                }
            }
        }
        for (label, value) in labels {
            seen_labels.insert(label.clone());
            if !label_value_ok(&value) {
                problems.push(format!("{kind} {name}: label {label}={value}"));
            }
        }
    }
    assert!(
        namespaces.contains(&format!("{namespace}-turn")),
        "{namespaces:?}"
    );
    // Object labels, selectors, node selectors and the run-time pod templates' labels were read.
    for label in [
        "app.kubernetes.io/version",
        "kubernetes.io/hostname",
        "nap.io/agent-type",
        "cnpg.io/cluster",
    ] {
        assert!(
            seen_labels.contains(label),
            "{label} not seen: {seen_labels:?}"
        );
    }
    for ns in namespaces.iter().filter(|n| n.len() > 63) {
        problems.push(format!("namespace {ns}: {} > 63", ns.len()));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The egress rules of NetworkPolicy `name`.
fn egress<'a>(install: &'a Install, name: &str) -> &'a [Value] {
    install
        .objects
        .iter()
        .find(|o| o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no NetworkPolicy {name}"))["spec"]["egress"]
        .as_array()
        .unwrap()
}

/// The TCP ports a policy's rules open to a peer that `matches`; `None` in the list stands for
/// a rule without ports (every port).
fn ports_to(rules: &[Value], matches: impl Fn(&Value) -> bool) -> Vec<Option<u64>> {
    let mut out = Vec::new();
    for rule in rules {
        if !rule["to"].as_array().into_iter().flatten().any(&matches) {
            continue;
        }
        match rule["ports"].as_array() {
            None => out.push(None),
            Some(ports) => out.extend(ports.iter().map(|p| p["port"].as_u64())),
        }
    }
    out
}

fn in_namespace(ns: &'static str) -> impl Fn(&Value) -> bool {
    move |peer| peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == ns
}

fn cidr(c: &'static str) -> impl Fn(&Value) -> bool {
    move |peer| peer["ipBlock"]["cidr"] == c
}

/// Endpoints given as in-cluster Services get a rule to their namespace on the URL's port, for
/// the pods that call them; endpoints given as IPs are opened on the URL's port only.
#[test]
fn endpoints_get_the_egress_they_need_on_their_port_only() {
    let install = install(&entries(&[
        ("AGENT_TYPES", "codex,claude-code"),
        ("OPENAI_BASE_URL", "http://litellm.ai-gateway.svc:4000/v1"),
        ("ANTHROPIC_BASE_URL", "https://10.0.5.7:8443"),
        ("HTTPS_PROXY", "http://squid.proxy.svc.cluster.local:3128"),
        ("HTTP_PROXY", "http://10.9.9.9:3128"),
        ("LDAP_ENABLED", "true"),
        ("LDAP_URL", "ldaps://ldap.auth.svc:636"),
        ("LDAP_BIND_DN", "cn=nap,dc=example,dc=com"),
        ("LDAP_USER_BASE_DN", "ou=people,dc=example,dc=com"),
        ("BACKUP_ENABLED", "true"),
        ("BACKUP_DESTINATION_PATH", "s3://nap-backups/prod"),
        ("BACKUP_S3_CREDENTIALS_SECRET", "nap-backup-s3"),
        ("BACKUP_S3_ENDPOINT", "http://minio.storage.svc:9000"),
        ("SANDBOX_ENABLED", "true"),
        ("BROWSER_ENABLED", "true"),
        ("TURN_HOST", "192.168.1.10"),
    ]));
    let workspace = egress(&install, "nap-workspace");
    assert_eq!(
        ports_to(workspace, in_namespace("ai-gateway")),
        [Some(4000)]
    );
    assert_eq!(ports_to(workspace, cidr("10.0.5.7/32")), [Some(8443)]);
    let control_plane = egress(&install, "nap-control-plane");
    assert_eq!(
        ports_to(control_plane, in_namespace("ai-gateway")),
        [Some(4000)]
    );
    assert_eq!(ports_to(control_plane, in_namespace("auth")), [Some(636)]);
    let proxy = egress(&install, "nap-proxy");
    assert_eq!(ports_to(proxy, in_namespace("proxy")), [Some(3128)]);
    assert_eq!(ports_to(proxy, cidr("10.9.9.9/32")), [Some(3128)]);
    let backup = egress(&install, "nap-postgres-backup");
    assert_eq!(ports_to(backup, in_namespace("storage")), [Some(9000)]);
    // Pods that do not call the LLM endpoint are not opened to it.
    for name in ["nap-sandbox-pods", "nap-browser-session", "nap-gateway"] {
        let rules = egress(&install, name);
        assert!(ports_to(rules, cidr("10.0.5.7/32")).is_empty(), "{name}");
        assert!(
            ports_to(rules, in_namespace("ai-gateway")).is_empty(),
            "{name}"
        );
    }
    // The TURN relay on a private address: its listening port and relay range only.
    let sessions = egress(&install, "nap-browser-session");
    let turn: Vec<&Value> = sessions
        .iter()
        .filter(|r| {
            r["to"]
                .as_array()
                .into_iter()
                .flatten()
                .any(cidr("192.168.1.10/32"))
        })
        .collect();
    assert_eq!(turn.len(), 1);
    assert_eq!(
        turn[0]["ports"],
        serde_json::json!([
            {"protocol": "UDP", "port": 3478},
            {"protocol": "TCP", "port": 3478},
            {"protocol": "UDP", "port": 49152, "endPort": 49252},
        ])
    );
    // No policy opens a single address on every port.
    for o in install
        .objects
        .iter()
        .filter(|o| o["kind"] == "NetworkPolicy")
    {
        for rule in o["spec"]["egress"].as_array().into_iter().flatten() {
            let single = rule["to"].as_array().into_iter().flatten().any(|p| {
                p["ipBlock"]["cidr"]
                    .as_str()
                    .is_some_and(|c| c.ends_with("/32") || c.ends_with("/128"))
            });
            assert!(
                !single || rule["ports"].is_array(),
                "{}: {rule}",
                o["metadata"]["name"]
            );
        }
    }
}

/// Probes are where the README says: on every container of a Deployment (a long-running service
/// with a health endpoint), on none of the seed Jobs and run-time pod templates, whose images
/// document no health endpoint. A probe added there must come with the README's word for it.
#[test]
fn probes_are_where_the_readme_says() {
    let mut without = BTreeSet::new();
    for path in common::profiles() {
        let configured = common::configure(&path);
        let (plan, objects) = app::render_objects(&configured.config).unwrap();
        for (owner, _, pod) in pods(&install_of(&plan, &objects)) {
            let spec = &pod["spec"];
            let containers = spec["initContainers"]
                .as_array()
                .into_iter()
                .chain(spec["containers"].as_array())
                .flatten();
            for c in containers {
                let probed = [
                    c.get("readinessProbe").is_some(),
                    c.get("livenessProbe").is_some(),
                ];
                let what = format!("{owner} container {}", c["name"]);
                // `pods` names owners as `"Kind" "name"` or `pod template FILE`.
                if owner.starts_with("\"Deployment\"") {
                    assert_eq!(probed, [true, true], "{}: {what}", path.display());
                } else {
                    assert_eq!(probed, [false, false], "{}: {what}", path.display());
                    let kind = match owner.strip_prefix("\"Job\"") {
                        Some(_) => "Job",
                        None if owner.starts_with("pod template ") => "pod template",
                        None => owner.as_str(),
                    };
                    without.insert(kind.to_string());
                }
            }
        }
    }
    assert_eq!(
        without,
        BTreeSet::from(["Job".to_string(), "pod template".to_string()]),
        "containers without probes outside Jobs and pod templates"
    );
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        !readme.contains("requests and limits, and probes"),
        "the README says every container has probes"
    );
    for words in [
        "**Probes** (readiness and liveness) are on every Deployment's container",
        "The seed Jobs run to completion and have none",
        "Nor have the run-time pods (the workspace, sandbox and browser-session pod templates)",
    ] {
        assert!(readme.contains(words), "the README lacks: {words}");
    }
}

/// Remove `keys` from every `labels` and `annotations` map at any depth, with the run-time
/// manifests inside ConfigMaps read and compared as objects; `checksum/` annotations are left out
/// (they follow the run-time templates, which carry the metadata).
fn without_metadata(value: &Value, keys: &[&str]) -> Value {
    match value {
        // A labels or annotations map left empty is left out, as absent and `{}` mean the same.
        Value::Object(map) => Value::Object(
            map.iter()
                .filter_map(|(k, v)| {
                    if k != "labels" && k != "annotations" {
                        return Some((k.clone(), without_metadata(v, keys)));
                    }
                    let mut v = without_metadata(v, keys);
                    if let Some(m) = v.as_object_mut() {
                        m.retain(|k, _| !keys.contains(&k.as_str()) && !k.starts_with("checksum/"));
                        if m.is_empty() {
                            return None;
                        }
                    }
                    Some((k.clone(), v))
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| without_metadata(v, keys)).collect())
        }
        Value::String(text) if text.contains("\nkind: ") || text.starts_with("apiVersion:") => {
            match yaml::parse_documents(text) {
                Ok(docs) => Value::Array(docs.iter().map(|d| without_metadata(d, keys)).collect()),
                Err(_) => value.clone(),
            }
        }
        other => other.clone(),
    }
}

/// Every label and label selector of an object: selectors (`selector`, `matchLabels`,
/// `podSelector`, `namespaceSelector`, `labelSelector`) as one list of keys.
fn selector_keys(value: &Value, inside: bool, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let selects = matches!(
                    k.as_str(),
                    "selector"
                        | "matchLabels"
                        | "podSelector"
                        | "namespaceSelector"
                        | "labelSelector"
                );
                if inside && k != "matchExpressions" {
                    out.push(k.clone());
                }
                selector_keys(v, inside || selects, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| selector_keys(v, inside, out)),
        Value::String(text) if text.contains("\nkind: ") => {
            for doc in yaml::parse_documents(text).unwrap_or_default() {
                selector_keys(&doc, inside, out);
            }
        }
        _ => {}
    }
}

/// COMMON_LABELS, POD_LABELS, POD_ANNOTATIONS, SERVICE_ANNOTATIONS and
/// SERVICE_ACCOUNT_ANNOTATIONS reach what they name (the run-time pod templates too), never a
/// selector, and change nothing else.
#[test]
fn operator_metadata_reaches_its_objects_and_no_selector() {
    let base = [
        &SANDBOX_AND_BROWSER_ON_MULTI_NODE[..],
        &[
            ("BRIDGE_ENABLED", "true"),
            ("BRIDGE_UPSTREAM_URL", "https://llm.example.com/v1"),
            ("BRIDGE_MODELS", "claude-sonnet-4-5=llama-3.3-70b"),
            ("MONITORING_ENABLED", "true"),
        ],
    ]
    .concat();
    let metadata = [
        ("COMMON_LABELS", "example.com/team=platform"),
        ("POD_LABELS", "example.com/pod=yes"),
        ("POD_ANNOTATIONS", "example.com/pod-note=a b"),
        ("SERVICE_ANNOTATIONS", "example.com/svc-note=s"),
        ("SERVICE_ACCOUNT_ANNOTATIONS", "example.com/role=r"),
    ];
    let keys = [
        "example.com/team",
        "example.com/pod",
        "example.com/pod-note",
        "example.com/svc-note",
        "example.com/role",
    ];
    let off = install(&entries(&base));
    let all: Vec<_> = base.iter().chain(&metadata).copied().collect();
    let on = install(&entries(&all));

    // Nothing else changes.
    assert_eq!(on.objects.len(), off.objects.len());
    for (a, b) in on.objects.iter().zip(&off.objects) {
        assert_eq!(
            without_metadata(a, &keys),
            without_metadata(b, &keys),
            "{:?}",
            key_of(a)
        );
    }
    // Every object has the common labels; Services and ServiceAccounts their annotations.
    for o in &on.objects {
        let id = key_of(o);
        assert_eq!(
            o["metadata"]["labels"]["example.com/team"], "platform",
            "{id:?}"
        );
        let note = |k: &str| o["metadata"]["annotations"][k].as_str().map(str::to_string);
        let kind = o["kind"].as_str().unwrap();
        assert_eq!(
            note("example.com/svc-note").is_some(),
            kind == "Service",
            "{id:?}"
        );
        assert_eq!(
            note("example.com/role").is_some(),
            kind == "ServiceAccount",
            "{id:?}"
        );
        let mut selecting = Vec::new();
        selector_keys(o, false, &mut selecting);
        for key in keys {
            assert!(
                !selecting.iter().any(|k| k == key),
                "{key} in a selector of {id:?}"
            );
        }
    }
    // Every pod, the run-time pod templates included, has the pod labels and annotations.
    let pods = pods(&on);
    assert!(
        pods.iter()
            .filter(|(what, _, _)| what.starts_with("pod template"))
            .count()
            >= 3
    );
    for (what, _, pod) in pods {
        assert_eq!(
            pod["metadata"]["labels"]["example.com/team"], "platform",
            "{what}"
        );
        assert_eq!(
            pod["metadata"]["labels"]["example.com/pod"], "yes",
            "{what}"
        );
        assert_eq!(
            pod["metadata"]["annotations"]["example.com/pod-note"], "a b",
            "{what}"
        );
    }
}

/// A profile rendered with PLATFORM set: its configuration and plan, and its objects.
fn on_platform(path: &Path, platform: &str) -> (napgen_core::pipeline::Configured, Vec<Object>) {
    let inputs = Inputs {
        files: vec![path.to_string_lossy().into_owned()],
        sets: vec![format!("PLATFORM={platform}")],
    };
    let configured = app::configure(&inputs, Path::new("."), &mut std::io::empty())
        .unwrap_or_else(|f| panic!("{} with PLATFORM={platform}: {f:?}", path.display()));
    let objects = configured.render().unwrap();
    (configured, objects)
}

/// The fields of a pod's securityContext that fix who it runs as.
const FIXED_IDS: [&str; 3] = ["runAsUser", "runAsGroup", "fsGroup"];

/// A pod spec without the fixed IDs (pod and containers), and the IDs it had.
fn without_fixed_ids(spec: &mut Value) -> Vec<String> {
    let mut removed = Vec::new();
    let mut strip = |ctx: &mut Value, at: &str| {
        if let Some(m) = ctx.as_object_mut() {
            for f in FIXED_IDS {
                if m.remove(f).is_some() {
                    removed.push(format!("{at}.{f}"));
                }
            }
        }
    };
    strip(&mut spec["securityContext"], "pod");
    for field in ["containers", "initContainers"] {
        for c in spec[field].as_array_mut().into_iter().flatten() {
            let name = s(&c["name"]);
            strip(&mut c["securityContext"], &name);
        }
    }
    removed
}

/// An object with its pods' fixed IDs taken out (workload templates and the run-time pod
/// templates in ConfigMaps), checksum annotations blanked (they hash those templates) and the
/// seed Jobs' input hash cut from their names, and the scanner skip OpenShift's workloads carry
/// for it taken out; with the IDs that were taken out, and whether that skip was there.
fn normalised(o: &Value) -> (Value, Vec<String>, bool) {
    let mut o = o.clone();
    let mut removed = Vec::new();
    let mut uid_skip = false;
    if o["kind"] == "Job" {
        let mut name = s(&o["metadata"]["name"]);
        name.truncate(name.rfind('-').unwrap());
        o["metadata"]["name"] = Value::String(name);
    }
    // The scanner finding a workload without a fixed UID accepts, with its reason.
    if let Some(a) = o["metadata"]["annotations"].as_object_mut() {
        let skip = a
            .iter()
            .find(|(_, v)| v.as_str() == Some(plan::scc::ASSIGNED_UID_SKIP))
            .map(|(k, _)| k.clone());
        if let Some(k) = skip {
            a.remove(&k);
            uid_skip = true;
        }
        if a.is_empty() {
            o["metadata"].as_object_mut().unwrap().remove("annotations");
        }
    }
    if o["spec"]["template"]["spec"].is_object() {
        removed.extend(without_fixed_ids(&mut o["spec"]["template"]["spec"]));
        if let Some(a) = o["spec"]["template"]["metadata"]["annotations"].as_object_mut() {
            for (k, v) in a.iter_mut() {
                if k.starts_with("checksum/") {
                    *v = Value::String("<checksum>".into());
                }
            }
        }
    }
    if o["kind"] == "ConfigMap" {
        for (file, text) in o["data"].as_object_mut().into_iter().flatten() {
            let docs = yaml::parse_documents(text.as_str().unwrap_or("")).unwrap_or_default();
            if !docs.iter().any(|d| d["kind"] == "Pod") {
                continue;
            }
            let docs: Vec<Value> = docs
                .into_iter()
                .map(|mut d| {
                    if d["kind"] == "Pod" {
                        let gone = without_fixed_ids(&mut d["spec"]);
                        removed.extend(gone.into_iter().map(|g| format!("{file}: {g}")));
                    }
                    d
                })
                .collect();
            *text = serde_json::to_value(&docs).unwrap();
        }
    }
    (o, removed, uid_skip)
}

/// PLATFORM=openshift on every profile: the same objects, but that no pod or run-time pod
/// template fixes runAsUser, runAsGroup or fsGroup (OpenShift's SCC assigns them from the
/// namespace's range); everything else of the restricted profile is unchanged. The only other
/// change is the SCC wiring, which lives outside the bundle: the plan's grants, which `prereqs`
/// and `rbac` print, cover exactly the pods that need more than restricted-v2 (host network).
#[test]
fn openshift_changes_only_the_fixed_ids_and_the_scc_wiring() {
    for path in common::profiles() {
        let name = common::name(&path);
        let (k8s_configured, k8s) = on_platform(&path, "kubernetes");
        let (os_configured, os) = on_platform(&path, "openshift");
        let (k8s_plan, os_plan) = (&k8s_configured.plan, &os_configured.plan);
        let before: BTreeMap<_, _> = k8s
            .iter()
            .map(|o| (key_of(&normalised(&o.value).0), o))
            .collect();
        let after: BTreeMap<_, _> = os
            .iter()
            .map(|o| (key_of(&normalised(&o.value).0), o))
            .collect();
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "{name}: PLATFORM=openshift added or removed objects"
        );
        let mut pods_seen = 0;
        for (key, k) in &before {
            let (k_norm, k_ids, k_skip) = normalised(&k.value);
            let (o_norm, o_ids, o_skip) = normalised(&after[key].value);
            assert_eq!(
                k_norm, o_norm,
                "{name}: {key:?} differs by more than the fixed IDs"
            );
            assert!(
                o_ids.is_empty(),
                "{name}: {key:?} fixes {o_ids:?} on OpenShift"
            );
            // A workload that fixed its UID accepts the scanner's finding on OpenShift, with why.
            assert!(!k_skip, "{name}: {key:?}");
            assert_eq!(
                o_skip,
                k_ids.iter().any(|i| i == "pod.runAsUser") && key.0 != "ConfigMap",
                "{name}: {key:?}: the CKV_K8S_40 skip"
            );
            pods_seen += k_ids.iter().filter(|i| i.ends_with("runAsUser")).count();
        }
        assert!(pods_seen > 0, "{name}: no pod fixed a UID on Kubernetes");
        // Every pod keeps the rest of the restricted profile (compared above) and fixes nothing.
        let os_install = install_of(os_plan, &os);
        for (what, _, pod) in pods(&os_install) {
            let sc = &pod["spec"]["securityContext"];
            assert_eq!(sc["runAsNonRoot"], true, "{name}: {what}");
            assert_eq!(
                sc["seccompProfile"]["type"], "RuntimeDefault",
                "{name}: {what}"
            );
            for c in pod["spec"]["containers"].as_array().unwrap() {
                let c = &c["securityContext"];
                assert_eq!(c["allowPrivilegeEscalation"], false, "{name}: {what}");
                assert_eq!(
                    c["capabilities"]["drop"],
                    serde_json::json!(["ALL"]),
                    "{name}: {what}"
                );
            }
        }
        // On Kubernetes the pods fix their IDs and need no SCC.
        assert!(k8s_plan.scc_grants.is_empty(), "{name}");
        // The SCC wiring: exactly the host-network pods' ServiceAccounts get hostnetwork-v2.
        let mut host_network: Vec<(String, String)> = os
            .iter()
            .filter(|o| o.value["spec"]["template"]["spec"]["hostNetwork"] == true)
            .map(|o| {
                (
                    o.namespace().unwrap().to_string(),
                    s(&o.value["spec"]["template"]["spec"]["serviceAccountName"]),
                )
            })
            .collect();
        host_network.sort();
        let mut granted: Vec<(String, String)> = os_plan
            .scc_grants
            .iter()
            .inspect(|g| assert_eq!(g.scc, "hostnetwork-v2", "{name}"))
            .map(|g| (g.namespace.clone(), g.service_account.clone()))
            .collect();
        granted.sort();
        assert_eq!(
            host_network, granted,
            "{name}: host-network pods and SCC grants"
        );
        for (ns, sa) in &granted {
            assert!(
                os.iter().any(|o| o.kind() == "ServiceAccount"
                    && o.namespace() == Some(ns.as_str())
                    && o.name() == sa),
                "{name}: the granted ServiceAccount {ns}/{sa} is not in the bundle"
            );
        }
        // rbac prints the grant as a RoleBinding in the ServiceAccount's namespace, prereqs as
        // the oc command.
        let request = napgen_core::ops::rbac::Request {
            namespace: os_plan.namespace.clone(),
            scc_grants: os_plan.scc_grants.clone(),
            ..Default::default()
        };
        let (_, roles) = napgen_core::ops::rbac::generate(&os, &request).unwrap();
        let mut bound: Vec<(String, String)> = roles
            .iter()
            .filter(|r| {
                r["kind"] == "RoleBinding"
                    && r["roleRef"]["kind"] == "ClusterRole"
                    && r["roleRef"]["name"] == "system:openshift:scc:hostnetwork-v2"
            })
            .map(|r| {
                assert_eq!(r["subjects"].as_array().unwrap().len(), 1, "{name}");
                let sub = &r["subjects"][0];
                assert_eq!(sub["kind"], "ServiceAccount");
                assert_eq!(sub["namespace"], r["metadata"]["namespace"], "{name}");
                (s(&sub["namespace"]), s(&sub["name"]))
            })
            .collect();
        bound.sort();
        assert_eq!(bound, granted, "{name}: rbac's SCC RoleBindings");
        let ctx = napgen_core::ops::prereqs::Context {
            config: &os_configured.config,
            plan: os_plan,
            objects: &os,
            values_dir: None,
        };
        let text = napgen_core::ops::prereqs::text(&ctx, &napgen_core::ops::prereqs::steps(&ctx));
        for (ns, sa) in &granted {
            let oc = format!("oc adm policy add-scc-to-user hostnetwork-v2 -z {sa} -n {ns}");
            assert!(text.contains(&oc), "{name}: prereqs lacks {oc}:\n{text}");
        }
        if granted.is_empty() {
            assert!(!text.contains("add-scc-to-user"), "{name}");
        }
    }
}

/// RUNTIME_NODE_SELECTOR, RUNTIME_TOLERATIONS and RUNTIME_CLASS_NAME reach every run-time pod
/// template (workspace, sandbox, browser session) and nothing else: the platform's own pods keep
/// NODE_SELECTOR and TOLERATIONS, and only the ConfigMaps holding the templates and the
/// checksums of the pods that read them change.
#[test]
fn run_time_pool_settings_reach_the_run_time_pods_only() {
    let base = [
        &SANDBOX_AND_BROWSER_ON_MULTI_NODE[..],
        &[
            ("NODE_SELECTOR", "example.com/role=platform"),
            ("TOLERATIONS", "example.com/role=platform:NoSchedule"),
        ],
    ]
    .concat();
    let pool = [
        ("RUNTIME_NODE_SELECTOR", "example.com/pool=agents"),
        ("RUNTIME_TOLERATIONS", "example.com/pool=agents:NoSchedule"),
        ("RUNTIME_CLASS_NAME", "gvisor"),
        ("RUNTIME_NODES", "4"),
    ];
    let off = install(&entries(&base));
    let all: Vec<_> = base.iter().chain(&pool).copied().collect();
    let on = install(&entries(&all));

    let run_time_pods: Vec<_> = pods(&on)
        .into_iter()
        .filter(|(what, _, _)| what.starts_with("pod template"))
        .collect();
    assert_eq!(
        run_time_pods.len(),
        3,
        "workspace(s), sandbox and browser session"
    );
    for (what, _, pod) in &run_time_pods {
        let spec = &pod["spec"];
        assert_eq!(
            spec["nodeSelector"],
            serde_json::json!({"example.com/pool": "agents"}),
            "{what}"
        );
        assert_eq!(
            spec["tolerations"],
            serde_json::json!([{"key": "example.com/pool", "operator": "Equal", "value": "agents", "effect": "NoSchedule"}]),
            "{what}"
        );
        assert_eq!(spec["runtimeClassName"], "gvisor", "{what}");
    }
    for (what, _, pod) in pods(&on)
        .into_iter()
        .filter(|(what, _, _)| !what.starts_with("pod template"))
    {
        let spec = &pod["spec"];
        assert!(spec.get("runtimeClassName").is_none(), "{what}");
        if what.contains("coturn") {
            continue; // pinned to TURN_NODE
        }
        assert_eq!(
            spec["nodeSelector"]["example.com/role"], "platform",
            "{what}"
        );
        assert!(
            spec["nodeSelector"].get("example.com/pool").is_none(),
            "{what}"
        );
    }
    // Nothing else changes but the templates' ConfigMaps and the checksums of their readers.
    let (before, after) = (by_key(&off), by_key(&on));
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let mut changed: Vec<String> = before
        .iter()
        .filter(|(k, v)| after[*k] != **v)
        .map(|(k, _)| format!("{}/{}", k.0, k.2))
        .collect();
    changed.sort();
    assert_eq!(
        changed,
        [
            "ConfigMap/nap-sandbox-pod-template",
            "ConfigMap/nap-workspace-templates",
            "Deployment/nap-control-plane",
            "Deployment/nap-sandbox",
        ]
    );
}

/// An install with every module whose pods napgen sizes, and its plan.
fn sized(extra: &[(&str, &str)]) -> (plan::Plan, Install) {
    let pairs = [
        &SANDBOX_AND_BROWSER_ON_MULTI_NODE[..],
        &[
            ("CLUSTER_NODES", "4"),
            ("NODE_CPU", "16"),
            ("NODE_MEMORY", "64Gi"),
            ("BRIDGE_ENABLED", "true"),
            ("BRIDGE_UPSTREAM_URL", "https://llm.example.com/v1"),
            ("BRIDGE_MODELS", "gpt-5-codex=qwen"),
        ],
        extra,
    ]
    .concat();
    planned(&entries(&pairs))
}

/// Millicores of a CPU quantity as the manifests write it (`250m`, `2`).
fn millicores(text: &str) -> u64 {
    match text.strip_suffix('m') {
        Some(m) => m.parse().unwrap(),
        None => text.parse::<u64>().unwrap() * 1000,
    }
}

/// MiB of a memory quantity as the manifests write it (`512Mi`, `1Gi`).
fn mebibytes(text: &str) -> u64 {
    match text.strip_suffix("Gi") {
        Some(g) => g.parse::<u64>().unwrap() * 1024,
        None => text.strip_suffix("Mi").unwrap().parse().unwrap(),
    }
}

/// The `resources` of every container of every pod (workloads and run-time pod templates).
fn container_resources(install: &Install) -> Vec<(String, Value)> {
    pods(install)
        .into_iter()
        .flat_map(|(what, _, pod)| {
            let containers = pod["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            containers
                .into_iter()
                .map(move |c| (format!("{what} {}", c["name"]), c["resources"].clone()))
        })
        .collect()
}

#[test]
fn component_sizes_reach_their_pods_only_and_the_capacity_check() {
    // (CPU key, memory key, the pods it sizes, how many of them the platform runs: none for the
    // pods created at run time, which only have to fit on a node).
    let components: [(&str, &str, &str, u64); 8] = [
        (
            "CONTROL_PLANE_CPU",
            "CONTROL_PLANE_MEMORY",
            "\"nap-control-plane\"",
            2,
        ),
        ("GATEWAY_CPU", "GATEWAY_MEMORY", "\"nap-gateway\"", 2),
        (
            "SANDBOX_SERVICE_CPU",
            "SANDBOX_SERVICE_MEMORY",
            "\"nap-sandbox\"",
            2,
        ),
        (
            "BROWSER_SERVICE_CPU",
            "BROWSER_SERVICE_MEMORY",
            "\"browser-service\"",
            2,
        ),
        ("TURN_CPU", "TURN_MEMORY", "\"coturn\"", 1),
        ("BRIDGE_CPU", "BRIDGE_MEMORY", "\"nap-llm-bridge\"", 2),
        (
            "SANDBOX_POD_CPU",
            "SANDBOX_POD_MEMORY",
            "pod template sandbox",
            0,
        ),
        (
            "BROWSER_SESSION_CPU",
            "BROWSER_SESSION_MEMORY",
            "pod template browser",
            0,
        ),
    ];
    let (base_plan, base) = sized(&[]);
    let before = container_resources(&base);
    for (cpu_key, memory_key, pods_of, count) in components {
        let (plan, install) = sized(&[(cpu_key, "777m"), (memory_key, "555Mi")]);
        let after = container_resources(&install);
        assert_eq!(before.len(), after.len());
        let mut sized_here = Vec::new();
        for ((what, old), (_, new)) in before.iter().zip(&after) {
            if what.contains(pods_of) {
                assert_eq!(new["requests"]["cpu"], "777m", "{cpu_key}: {what}");
                assert_eq!(new["requests"]["memory"], "555Mi", "{memory_key}: {what}");
                assert_eq!(new["limits"]["memory"], "555Mi", "{memory_key}: {what}");
                sized_here.push((old.clone(), what.clone()));
            } else {
                assert_eq!(old, new, "{cpu_key} changed {what}");
            }
        }
        assert_eq!(sized_here.len(), 1, "{cpu_key}: {sized_here:?}");
        // The platform's sum moves by the change times the pods it runs.
        let old = &sized_here[0].0["requests"];
        let (old_cpu, old_mib) = (
            millicores(old["cpu"].as_str().unwrap()),
            mebibytes(old["memory"].as_str().unwrap()),
        );
        let (b, a) = (&base_plan.capacity, &plan.capacity);
        assert_eq!(
            a.platform_millicpu as i64 - b.platform_millicpu as i64,
            count as i64 * (777 - old_cpu as i64),
            "{cpu_key}"
        );
        assert_eq!(
            a.platform_mib as i64 - b.platform_mib as i64,
            count as i64 * (555 - old_mib as i64),
            "{memory_key}"
        );
        // A pod larger than a node (16 CPU, 64Gi) is found whichever pods it is.
        let (plan, _) = sized(&[(memory_key, "100Gi")]);
        let found: Vec<_> = plan
            .capacity
            .oversized
            .iter()
            .map(|o| o.memory_key)
            .collect();
        assert_eq!(found, [memory_key]);
    }
}

#[test]
fn autoscaled_services_leave_their_count_to_an_autoscaler() {
    let (off_plan, off) = sized(&[]);
    let (on_plan, on) = sized(&[
        ("CONTROL_PLANE_MAX_REPLICAS", "5"),
        ("GATEWAY_REPLICAS", "1"),
        ("GATEWAY_MAX_REPLICAS", "3"),
        ("BRIDGE_MAX_REPLICAS", "4"),
        ("AUTOSCALING_CPU_PERCENT", "60"),
    ]);
    let find = |install: &Install, kind: &str, name: &str| {
        install
            .objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .cloned()
    };
    for (name, min, max) in [
        ("nap-control-plane", 2, 5),
        ("nap-gateway", 1, 3),
        ("nap-llm-bridge", 2, 4),
    ] {
        let hpa = find(&on, "HorizontalPodAutoscaler", name).expect(name);
        let deployment = find(&on, "Deployment", name).expect(name);
        assert_eq!(hpa["apiVersion"], "autoscaling/v2");
        assert_eq!(
            hpa["metadata"]["namespace"],
            deployment["metadata"]["namespace"]
        );
        assert_eq!(
            hpa["spec"]["scaleTargetRef"],
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": name})
        );
        assert_eq!(hpa["spec"]["minReplicas"], min, "{name}");
        assert_eq!(hpa["spec"]["maxReplicas"], max, "{name}");
        assert_eq!(
            hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            60
        );
        // The count is the autoscaler's: an apply must not reset it.
        assert!(deployment["spec"].get("replicas").is_none(), "{name}");
        // A disruption budget only where the least count keeps a pod through a drain.
        assert_eq!(
            find(&on, "PodDisruptionBudget", name).is_some(),
            min > 1,
            "{name}"
        );
    }
    // Fixed counts stay in their Deployments, and there is no autoscaler without a maximum.
    for name in ["nap-sandbox", "browser-service"] {
        assert_eq!(
            find(&on, "Deployment", name).unwrap()["spec"]["replicas"],
            2
        );
        assert!(find(&on, "HorizontalPodAutoscaler", name).is_none());
    }
    assert!(!off
        .objects
        .iter()
        .any(|o| o["kind"] == "HorizontalPodAutoscaler"));
    // Capacity holds every autoscaled service at its most: 3 more control planes (250m,
    // 512Mi), 1 more gateway (100m, 256Mi) and 2 more bridges (200m, 768Mi).
    let (b, a) = (&off_plan.capacity, &on_plan.capacity);
    assert_eq!(
        a.platform_millicpu - b.platform_millicpu,
        3 * 250 + 100 + 2 * 200
    );
    assert_eq!(a.platform_mib - b.platform_mib, 3 * 512 + 256 + 2 * 768);
    // Nothing else changes but the Deployments' counts, the autoscalers and one budget.
    let (before, after) = (by_key(&off), by_key(&on));
    let mut changed: Vec<String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| format!("{}/{}", k.0, k.2))
        .collect();
    changed.extend(
        before
            .keys()
            .filter(|k| !after.contains_key(*k))
            .map(|k| format!("removed {}/{}", k.0, k.2)),
    );
    changed.sort();
    assert_eq!(
        changed,
        [
            "Deployment/nap-control-plane",
            "Deployment/nap-gateway",
            "Deployment/nap-llm-bridge",
            "HorizontalPodAutoscaler/nap-control-plane",
            "HorizontalPodAutoscaler/nap-gateway",
            "HorizontalPodAutoscaler/nap-llm-bridge",
            "removed PodDisruptionBudget/nap-gateway",
        ]
    );
}

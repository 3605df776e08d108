//! GitOps controllers and service meshes: `render --for argocd|flux`, the Argo CD plugin
//! (`napgen argocd-plugin`), the documented Application and Kustomization, and the mesh
//! annotations of every Job.

mod common;

use common::{napgen, profiles, repo, stderr};
use napgen_core::ops::argocd;
use napgen_core::output::gitops::{ARGOCD_COMPARE_OPTIONS, FLUX_FORCE};
use napgen_core::plan::MESH_EXCLUSION;
use serde_json::Value;
use std::path::Path;

fn objects(text: &str) -> Vec<Value> {
    napgen_core::ops::diff::bundle_objects("output", text).expect("the output parses as YAML")
}

fn stdout(out: &std::process::Output) -> String {
    assert!(out.status.success(), "napgen failed: {}", stderr(out));
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn render(args: &[&str]) -> Vec<Value> {
    objects(&stdout(&napgen(&repo(), args)))
}

fn key(o: &Value) -> String {
    format!(
        "{}/{}/{}",
        o["kind"].as_str().unwrap(),
        o["metadata"]["namespace"].as_str().unwrap_or(""),
        o["metadata"]["name"].as_str().unwrap()
    )
}

fn is_platform_namespace(o: &Value, ns: &str) -> bool {
    o["kind"] == "Namespace" && o["metadata"]["name"] == ns
}

/// A seed Job as the plain bundle has it, changed as `--for` changes it.
fn adapted(job: &Value, annotation: (&str, &str)) -> Value {
    let mut job = job.clone();
    job["spec"]
        .as_object_mut()
        .unwrap()
        .remove("ttlSecondsAfterFinished");
    job["metadata"]["annotations"][annotation.0] = annotation.1.into();
    job
}

#[test]
fn for_argocd_and_flux_change_only_the_seed_jobs_and_argo_cds_namespace() {
    for path in profiles() {
        let file = path.to_string_lossy().into_owned();
        let plain = render(&["render", "-f", &file]);
        let default = render(&["render", "-f", &file, "--for", "kubectl"]);
        assert_eq!(plain, default, "{file}: --for kubectl is the default");
        let ns = plain
            .iter()
            .find(|o| o["kind"] == "Namespace" && o["metadata"]["name"] != "")
            .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
            .unwrap();
        for (tool, annotation) in [("argocd", ARGOCD_COMPARE_OPTIONS), ("flux", FLUX_FORCE)] {
            let got = render(&["render", "-f", &file, "--for", tool]);
            let want: Vec<Value> = plain
                .iter()
                .filter(|o| !(tool == "argocd" && is_platform_namespace(o, &ns)))
                .map(|o| {
                    if o["kind"] == "Job" {
                        adapted(o, annotation)
                    } else {
                        o.clone()
                    }
                })
                .collect();
            assert_eq!(
                got.iter().map(key).collect::<Vec<_>>(),
                want.iter().map(key).collect::<Vec<_>>(),
                "{file} --for {tool}: the objects"
            );
            assert_eq!(got, want, "{file} --for {tool}");
            let jobs: Vec<&Value> = got.iter().filter(|o| o["kind"] == "Job").collect();
            assert!(!jobs.is_empty(), "{file}: seed Jobs");
            for job in jobs {
                assert!(job["spec"].get("ttlSecondsAfterFinished").is_none());
                assert_eq!(job["metadata"]["annotations"][annotation.0], annotation.1);
            }
            // Other namespaces (coturn's) stay, for every tool.
            let namespaces = |objs: &[Value]| {
                objs.iter()
                    .filter(|o| o["kind"] == "Namespace" && !is_platform_namespace(o, &ns))
                    .count()
            };
            assert_eq!(namespaces(&got), namespaces(&plain), "{file} --for {tool}");
            assert_eq!(
                got.iter().any(|o| is_platform_namespace(o, &ns)),
                tool == "flux",
                "{file} --for {tool}: the platform's Namespace"
            );
        }
    }
}

#[test]
fn every_job_keeps_mesh_sidecars_out_in_the_bundle_and_the_chart() {
    for path in profiles() {
        let configured = common::configure(&path);
        let objects = configured.render().unwrap();
        let chart = napgen_core::output::chart::chart_objects(&configured.plan, &objects);
        for (what, objects) in [("bundle", &objects), ("chart", &chart)] {
            let jobs: Vec<_> = objects
                .iter()
                .filter(|o| matches!(o.kind(), "Job" | "CronJob"))
                .collect();
            assert!(!jobs.is_empty());
            for job in jobs {
                let pod = &job.value["spec"]["template"]["metadata"]["annotations"];
                for (k, v) in MESH_EXCLUSION {
                    assert_eq!(pod[k], v, "{} {what} {}: {k}", path.display(), job.name());
                }
            }
        }
    }
}

#[test]
fn a_seed_jobs_name_changes_with_its_pod_template() {
    // Everything in the pod template is in the name's hash: a template that changes while the
    // name stays would fail to apply (a Job's pod template is immutable).
    let base = render(&["render", "--only", "seed"]);
    let changed = render(&[
        "render",
        "--only",
        "seed",
        "--set",
        "IMAGE_PULL_POLICY=Always",
    ]);
    let names = |o: &[Value]| o.iter().map(key).collect::<Vec<_>>();
    assert_ne!(names(&base), names(&changed));
    let same = render(&["render", "--only", "seed", "--for", "flux"]);
    assert_eq!(names(&base), names(&same), "--for keeps the names");
}

#[test]
fn split_for_a_controller_writes_the_adapted_objects() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("deploy");
    let out = napgen(
        tmp.path(),
        &[
            "render",
            "--for",
            "argocd",
            "--split",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let kustomization = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    assert!(kustomization.contains("# For Argo CD (--for argocd)"));
    let mut text = String::new();
    for name in common::names_in(&dir) {
        if name.ends_with(".yaml") && name != "kustomization.yaml" {
            text.push_str("---\n");
            text.push_str(&std::fs::read_to_string(dir.join(&name)).unwrap());
        }
    }
    let bundle = render(&["render", "--for", "argocd"]);
    assert_eq!(objects(&text), bundle);
}

#[test]
fn each_renders_every_environment_for_the_controller() {
    let tmp = tempfile::tempdir().unwrap();
    let envs = tmp.path().join("envs");
    std::fs::create_dir(&envs).unwrap();
    std::fs::write(envs.join("a.env"), "NAMESPACE=nap-a\n").unwrap();
    let out = napgen(
        tmp.path(),
        &[
            "render",
            "--each",
            "envs",
            "--out-dir",
            "out",
            "--for",
            "flux",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(tmp.path().join("out/a.yaml")).unwrap();
    let direct = stdout(&napgen(
        tmp.path(),
        &["render", "-f", "envs/a.env", "--for", "flux"],
    ));
    assert_eq!(text, direct);
    assert!(text.contains(FLUX_FORCE.0));
}

#[test]
fn only_namespace_for_argocd_is_refused_with_what_to_do() {
    let out = napgen(
        &repo(),
        &["render", "--for", "argocd", "--only", "namespace"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("--only namespace --for argocd"), "{err}");
    assert!(err.contains("managedNamespaceMetadata"), "{err}");
    // Flux and kubectl print it.
    for tool in ["flux", "kubectl"] {
        let objs = render(&["render", "--for", tool, "--only", "namespace"]);
        assert_eq!(objs.len(), 1);
    }
}

#[test]
fn unknown_tool_is_a_usage_error() {
    let out = napgen(&repo(), &["render", "--for", "helm"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("kubectl, argocd, flux"), "{err}");
}

#[test]
fn gitops_output_holding_secrets_warns_and_names_them_without_values() {
    let file = repo().join("values/all-modules.env");
    let file = file.to_str().unwrap();
    for tool in ["argocd", "flux"] {
        let out = napgen(&repo(), &["render", "-f", file, "--for", tool]);
        assert!(out.status.success());
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "EXISTING_SECRET: --for {tool}: the output holds Secret nap/nap-secrets"
            )),
            "{err}"
        );
        assert!(
            !err.contains("1111111111111111"),
            "no secret value in messages"
        );
    }
    let out = napgen(&repo(), &["render", "-f", file]);
    assert!(!stderr(&out).contains("holds them in clear"));
    // No Secret in the output, no warning.
    let out = napgen(&repo(), &["render", "--for", "argocd"]);
    assert!(!stderr(&out).contains("holds them in clear"));
}

#[test]
fn reseed_hint_under_a_controller_deletes_and_lets_it_recreate() {
    let out = napgen(&repo(), &["render", "--only", "seed", "--for", "flux"]);
    let err = stderr(&out);
    assert!(err.contains("Flux creates them again"), "{err}");
    assert!(err
        .contains("delete job -l app.kubernetes.io/part-of=nap,app.kubernetes.io/component=seed"));
    assert!(!err.contains("kubectl apply"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// napgen argocd-plugin
// ---------------------------------------------------------------------------------------------

fn plugin_output(args: &[&str]) -> String {
    let mut all = vec!["argocd-plugin"];
    all.extend_from_slice(args);
    stdout(&napgen(&repo(), &all))
}

#[test]
fn plugin_outputs_match_their_snapshots() {
    insta::assert_snapshot!("argocd_plugin", plugin_output(&[]));
    insta::assert_snapshot!("argocd_plugin_config_map", plugin_output(&["--config-map"]));
    insta::assert_snapshot!(
        "argocd_plugin_sidecar",
        plugin_output(&["--sidecar", "registry.example.com/tools/napgen:0.1.0"])
    );
}

/// The fields of Argo CD's plugin configuration (`cmpserver/plugin/config.go`: PluginConfig,
/// PluginConfigSpec, Command, Discover, Find, Parameters and the repo-server's
/// ParameterAnnouncement), as a tree: an object's allowed keys, `*` for a map of strings.
fn allowed(path: &str) -> Option<&'static [&'static str]> {
    const COMMAND: &[&str] = &["command", "args"];
    Some(match path {
        "" => &["apiVersion", "kind", "metadata", "spec"],
        "metadata" => &["name", "namespace", "labels", "annotations"],
        "spec" => &[
            "version",
            "init",
            "generate",
            "discover",
            "parameters",
            "preserveFileMode",
            "provideGitCreds",
        ],
        "spec.init" | "spec.generate" | "spec.parameters.dynamic" => COMMAND,
        "spec.discover" => &["find", "fileName"],
        "spec.discover.find" => &["command", "args", "glob"],
        "spec.parameters" => &["static", "dynamic"],
        "spec.parameters.static[]" => &[
            "name",
            "title",
            "tooltip",
            "required",
            "itemType",
            "collectionType",
            "string",
            "array",
            "map",
        ],
        _ => return None,
    })
}

fn check_fields(value: &Value, path: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let Some(keys) = allowed(path) else {
                if !path.ends_with(".map")
                    && !path.ends_with(".labels")
                    && !path.ends_with(".annotations")
                {
                    problems.push(format!(
                        "{path}: not an object in Argo CD's plugin configuration"
                    ));
                }
                return;
            };
            for (k, v) in map {
                if !keys.contains(&k.as_str()) {
                    problems.push(format!("{path}: unknown field {k}"));
                }
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                check_fields(v, &child, problems);
            }
        }
        Value::Array(items) => {
            for item in items {
                if item.is_object() {
                    check_fields(item, &format!("{path}[]"), problems);
                } else if !item.is_string() {
                    problems.push(format!("{path}: arrays of strings only"));
                }
            }
        }
        _ => {}
    }
}

#[test]
fn plugin_uses_only_argo_cds_documented_fields() {
    let plugin = objects(&plugin_output(&[])).remove(0);
    let mut problems = Vec::new();
    check_fields(&plugin, "", &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    // What Argo CD's ValidatePluginConfig requires.
    assert_eq!(plugin["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    assert_eq!(plugin["metadata"]["name"], argocd::PLUGIN_NAME);
    assert!(!plugin["spec"]["generate"]["command"]
        .as_array()
        .unwrap()
        .is_empty());
    // A collection parameter says so (Argo CD does not infer it).
    for p in plugin["spec"]["parameters"]["static"].as_array().unwrap() {
        if p.get("array").is_some() {
            assert_eq!(p["collectionType"], "array");
        }
    }
    // The checker itself catches a wrong field.
    let mut wrong = plugin.clone();
    wrong["spec"]["generate"]["cmd"] = "x".into();
    let mut problems = Vec::new();
    check_fields(&wrong, "", &mut problems);
    assert_eq!(problems, ["spec.generate: unknown field cmd"]);
}

#[test]
fn config_map_holds_the_plugin_and_the_patch_mounts_it_where_argo_cd_reads_it() {
    let cm = objects(&plugin_output(&["--config-map", "--namespace", "ops"])).remove(0);
    assert_eq!(cm["metadata"]["namespace"], "ops");
    let inner = objects(cm["data"]["plugin.yaml"].as_str().unwrap());
    assert_eq!(inner, objects(&plugin_output(&[])));
    let patch = objects(&plugin_output(&[
        "--sidecar",
        "napgen:1",
        "--namespace",
        "ops",
    ]))
    .remove(0);
    assert_eq!(patch["metadata"]["name"], "argocd-repo-server");
    assert_eq!(patch["metadata"]["namespace"], "ops");
    let spec = &patch["spec"]["template"]["spec"];
    let c = &spec["containers"][0];
    assert_eq!(c["image"], "napgen:1");
    assert_eq!(c["command"][0], "/var/run/argocd/argocd-cmp-server");
    assert_eq!(c["securityContext"]["runAsUser"], 999);
    let mounts = c["volumeMounts"].as_array().unwrap();
    let config = mounts
        .iter()
        .find(|m| m["mountPath"] == "/home/argocd/cmp-server/config/plugin.yaml")
        .unwrap();
    assert_eq!(config["subPath"], "plugin.yaml");
    let volume = spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == config["name"])
        .unwrap();
    assert_eq!(volume["configMap"]["name"], cm["metadata"]["name"]);
    // Its own /tmp, not the repo-server's.
    let tmp = mounts.iter().find(|m| m["mountPath"] == "/tmp").unwrap();
    assert_ne!(tmp["name"], "tmp");
}

#[test]
fn plugin_flags_are_checked() {
    for (args, needle) in [
        (&["argocd-plugin", "--sidecar", "bad image"][..], "spaces"),
        (&["argocd-plugin", "--sidecar", ""][..], "empty"),
        (
            &["argocd-plugin", "--namespace", "Argo"][..],
            "namespace name",
        ),
        (
            &["argocd-plugin", "--sidecar", "x", "--config-map"][..],
            "cannot be used with",
        ),
    ] {
        let out = napgen(&repo(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

/// Run the plugin's generate command as the sidecar would: in the application's folder, with
/// napgen on the PATH and the parameters as Argo CD passes them.
fn generate(dir: &Path, params: &[&str]) -> std::process::Output {
    let plugin = objects(&plugin_output(&[])).remove(0);
    let command: Vec<String> = plugin["spec"]["generate"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .chain(plugin["spec"]["generate"]["args"].as_array().unwrap())
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_napgen")).parent().unwrap();
    let path = format!("{}:/usr/bin:/bin", bin_dir.display());
    let mut cmd = std::process::Command::new(&command[0]);
    cmd.args(&command[1..])
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("ARGOCD_APP_NAME", "nap")
        .env("ARGOCD_APP_NAMESPACE", "nap")
        .stdin(std::process::Stdio::null());
    for (i, p) in params.iter().enumerate() {
        cmd.env(format!("PARAM_VALUES_{i}"), p);
    }
    cmd.output().unwrap()
}

#[test]
fn plugin_generate_renders_values_env_for_argo_cd() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("envs/prod");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        tmp.path().join("envs/base.env"),
        "ADMIN_EMAIL=ops@example.com\n",
    )
    .unwrap();
    std::fs::write(app.join("values.env"), "NAMESPACE=nap-prod\n").unwrap();
    std::fs::write(app.join("prod.env"), "NAMESPACE=nap-other\n").unwrap();

    // No parameter: values.env, exactly as `napgen render --for argocd -f values.env`.
    let out = generate(&app, &[]);
    let want = napgen(&app, &["render", "--for", "argocd", "-f", "values.env"]);
    assert_eq!(stdout(&out), stdout(&want));

    // The values parameter: those files, in order, later ones winning.
    let out = generate(&app, &["../base.env", "prod.env"]);
    let want = napgen(
        &app,
        &[
            "render",
            "--for",
            "argocd",
            "-f",
            "../base.env",
            "-f",
            "prod.env",
        ],
    );
    assert_eq!(stdout(&out), stdout(&want));
    assert!(stdout(&out).contains("namespace: nap-other"));

    // A folder without values.env is an error, not a render of the embedded defaults.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = generate(&empty, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(out.stdout.is_empty());

    // A parameter is a file name, never shell code.
    let out = generate(&app, &["$(touch pwned)", "`touch pwned2`; touch pwned3"]);
    assert!(!out.status.success());
    for f in ["pwned", "pwned2", "pwned3"] {
        assert!(!app.join(f).exists(), "{f}");
    }
    assert!(out.stdout.is_empty());

    // Invalid values fail the generation (Argo CD then shows stderr), with nothing on stdout.
    std::fs::write(app.join("values.env"), "NAMESPAC=x\n").unwrap();
    let out = generate(&app, &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("did you mean NAMESPACE"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------------------------
// docs/gitops.md: the documented Application and Kustomization
// ---------------------------------------------------------------------------------------------

/// Every ```yaml block of a Markdown file, parsed.
fn yaml_blocks(markdown: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for line in markdown.lines() {
        match &mut block {
            None if line.trim_start() == "```yaml" => block = Some(String::new()),
            Some(text) if line.trim_start() == "```" => {
                out.extend(objects(text));
                block = None;
            }
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    assert!(block.is_none(), "an unclosed code block");
    out
}

fn by_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

#[test]
fn documented_application_and_kustomization_fit_the_output() {
    let text = std::fs::read_to_string(repo().join("docs/gitops.md")).unwrap();
    let docs = yaml_blocks(&text);
    // The platform Namespace's Pod Security labels, as napgen renders them.
    let namespace = render(&["render", "--only", "namespace"]).remove(0);
    let psa: Vec<(&String, &Value)> = namespace["metadata"]["labels"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("pod-security.kubernetes.io/"))
        .collect();
    assert!(psa.len() >= 4);

    let apps = by_kind(&docs, "Application");
    assert!(
        apps.len() >= 2,
        "a --split Application and a plugin Application"
    );
    for app in &apps {
        assert_eq!(app["apiVersion"], "argoproj.io/v1alpha1");
        let name = app["metadata"]["name"].as_str().unwrap();
        assert_eq!(app["spec"]["destination"]["namespace"], "nap", "{name}");
        let sync = &app["spec"]["syncPolicy"];
        let options: Vec<&str> = sync["syncOptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap())
            .collect();
        for want in ["CreateNamespace=true", "ServerSideApply=true"] {
            assert!(options.contains(&want), "{name}: {want}");
        }
        assert_eq!(sync["automated"]["prune"], true, "{name}");
        let labels = &sync["managedNamespaceMetadata"]["labels"];
        for (k, v) in &psa {
            assert_eq!(&labels[k.as_str()], *v, "{name}: {k}");
        }
        let source = &app["spec"]["source"];
        if let Some(plugin) = source.get("plugin") {
            assert_eq!(plugin["name"], argocd::PLUGIN_NAME, "{name}");
            for p in plugin["parameters"].as_array().into_iter().flatten() {
                assert_eq!(p["name"], argocd::VALUES_PARAMETER, "{name}");
                assert!(p["array"].is_array(), "{name}");
            }
        }
    }
    // An ApplicationSet over folders of values.env files, through the plugin.
    for set in by_kind(&docs, "ApplicationSet") {
        let template = &set["spec"]["template"]["spec"];
        assert_eq!(template["source"]["plugin"]["name"], argocd::PLUGIN_NAME);
        let labels = &template["syncPolicy"]["managedNamespaceMetadata"]["labels"];
        for (k, v) in &psa {
            assert_eq!(&labels[k.as_str()], *v, "ApplicationSet: {k}");
        }
    }

    let flux = by_kind(&docs, "Kustomization")
        .into_iter()
        .filter(|k| k["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1")
        .collect::<Vec<_>>();
    assert_eq!(flux.len(), 1);
    let spec = &flux[0]["spec"];
    assert_eq!(spec["prune"], true);
    assert_eq!(spec["wait"], true);
    assert!(spec["path"].as_str().unwrap().starts_with("./"));
    assert_eq!(spec["sourceRef"]["kind"], "GitRepository");
    assert!(by_kind(&docs, "GitRepository").len() == 1);
}

#[test]
fn check_for_a_controller_warns_about_secrets_headed_for_git() {
    let file = repo().join("values/all-modules.env");
    let file = file.to_str().unwrap();
    let out = napgen(&repo(), &["check", "-f", file, "--for", "flux"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("--for flux: the output holds Secret"),
        "{}",
        stderr(&out)
    );
    let json = napgen(
        &repo(),
        &["check", "-f", file, "--for", "argocd", "--format", "json"],
    );
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert!(report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["key"] == "EXISTING_SECRET" && d["severity"] == "warning"));
    let plain = napgen(&repo(), &["check", "-f", file]);
    assert!(!stderr(&plain).contains("holds them in clear"));
}

//! The Helm chart: the rendered objects packaged so that `helm upgrade --install` applies exactly
//! what `napgen render` prints, with Helm's release tracking, upgrades, rollbacks and uninstall.
//!
//! [`chart`] is a pure function from (settings, config, plan, objects) to the chart's files. Its design:
//!
//! * **Objects live in `files/`, never in `templates/`.** Each `templates/<source>` is one line,
//!   `{{ .Files.Get "files/<source>" }}`, and Helm never templates the content of a file, so a
//!   value containing `{{` reaches the cluster as written. No value of values.env is ever part of
//!   a template's text: `templates/` depends only on which template files produced objects.
//! * **The objects are the bundle's**, with exactly two documented differences (see
//!   [`chart_objects`]): the Namespace object is left out (Helm keeps its release record in the
//!   namespace, so the namespace exists before Helm runs; `napgen render --only namespace` makes
//!   it with its Pod Security labels), and the seed Jobs are Helm hooks, so every install,
//!   upgrade and rollback re-runs them, named `nap-seed-<task>` as the platform's pages name them
//!   (the bundle's names carry a hash of the Job's inputs; Helm deletes the previous run itself).
//! * **values.yaml is a record**, not an input: the non-secret settings the chart was generated
//!   from. `templates/guard.yaml` fails the install when a value differs from the record (given
//!   with `--set`/`-f` or edited in values.yaml) or when the release namespace is not the one the
//!   objects were rendered for. values.schema.json, generated from the key registry, rejects
//!   unknown keys and wrongly typed values.
//! * **The version** is NAP_VERSION (when it is SemVer) plus a hash of the chart's content as
//!   SemVer build metadata: `1.8.0+3f2a9c1b7d4e`. A changed configuration is a new chart version,
//!   which GitOps tools that follow chart versions act on; `appVersion` is NAP_VERSION.

mod text;
mod values;

use text::{notes, readme, Context};
use values::values_yaml;
pub use values::{type_schema, values_schema};

use crate::config::settings::Settings;
use crate::config::Config;
use crate::output::yaml;
use crate::plan::Plan;
use crate::render::Object;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The chart's name: the archive's top folder and the file name prefix `helm package` uses.
pub const NAME: &str = "nap";
/// The Kubernetes versions the install supports. `-0` admits the pre-release forms managed
/// clusters report (`v1.30.4-gke.1348000`, `v1.29.8-eks-a737599`), which SemVer ranges otherwise
/// exclude.
pub const KUBE_VERSION: &str = ">=1.28.0-0";
/// When the seed Jobs run: after an install, an upgrade (a changed NodePort or public URL is
/// re-registered) and a rollback (the rolled-back configuration is registered again).
pub const SEED_HOOK: &str = "post-install,post-upgrade,post-rollback";
/// A seed Job of the previous run is deleted before the next one is created; a finished one
/// stays (with its log) until its `ttlSecondsAfterFinished`.
pub const SEED_HOOK_DELETE_POLICY: &str = "before-hook-creation";
/// The seed tasks in the order they must run: the admin user exists before the OAuth clients
/// are registered. A task's hook weight is its position times ten.
pub const SEED_ORDER: &[&str] = &["admin", "oauth-clients"];
/// The annotations that make a seed Job a Helm hook; the only ones the chart adds.
pub const HOOK_ANNOTATIONS: [&str; 3] = [
    "helm.sh/hook",
    "helm.sh/hook-weight",
    "helm.sh/hook-delete-policy",
];
/// The recorded values, read by `templates/guard.yaml` (Helm gives templates no other way to
/// see the chart's own values.yaml).
pub const RECORD: &str = "files/values.yaml";
/// How long `helm upgrade --install` should wait: the seed hooks wait for PostgreSQL, and a first
/// install pulls every image.
pub const HELM_TIMEOUT: &str = "15m";

/// A generated chart: its files, relative to the chart folder, sorted by path.
pub struct Chart {
    pub name: &'static str,
    pub version: String,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Chart {
    /// The archive's file name as `helm package` writes it: `nap-<version>.tgz`. The version may
    /// hold a `+`; Helm keeps it in file names and writes `_` only in OCI tags.
    pub fn archive_name(&self) -> String {
        format!("{}-{}.tgz", self.name, self.version)
    }

    pub fn file(&self, path: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, b)| b.as_slice())
    }
}

/// Whether an object is a seed Job (the `--only seed` part).
pub fn is_seed(object: &Object) -> bool {
    object.kind() == "Job" && object.source.contains("/seed/")
}

/// The hook weight of a seed task; tasks missing from [`SEED_ORDER`] run after the known ones.
pub fn seed_weight(task: &str) -> usize {
    SEED_ORDER
        .iter()
        .position(|t| *t == task)
        .unwrap_or(SEED_ORDER.len())
        * 10
}

/// The Namespace object of the namespace the platform (and so the release) lives in.
fn is_release_namespace(plan: &Plan, object: &Object) -> bool {
    object.kind() == "Namespace" && object.name() == plan.namespace
}

/// The bundle's objects as the chart installs them. The only differences, and the reasons:
///
/// 1. no object for the release namespace: Helm stores the release there, so it must exist
///    before Helm runs, and a chart that also created it would conflict with it (other
///    namespaces, such as coturn's, stay in the chart);
/// 2. the seed Jobs carry [`HOOK_ANNOTATIONS`]: `post-install,post-upgrade,post-rollback`, a
///    weight from [`SEED_ORDER`] and `before-hook-creation`, and the fixed names of the
///    platform's pages (`nap-seed-<task>`, not the bundle's `nap-seed-<task>-<hash>`): Helm
///    deletes the previous run itself, so `kubectl logs job/nap-seed-<task>` works as printed.
pub fn chart_objects(plan: &Plan, objects: &[Object]) -> Vec<Object> {
    objects
        .iter()
        .filter(|o| !is_release_namespace(plan, o))
        .map(|o| {
            let mut o = o.clone();
            if let Some(seed) = plan
                .seeds
                .iter()
                .find(|s| is_seed(&o) && s.name == o.name())
            {
                let weight = seed_weight(seed.task).to_string();
                let metadata = o.value["metadata"]
                    .as_object_mut()
                    .expect("rendered objects have metadata");
                metadata.insert("name".into(), seed.hook_name.clone().into());
                let annotations = metadata
                    .entry("annotations")
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("annotations are a map");
                annotations.insert(HOOK_ANNOTATIONS[0].into(), SEED_HOOK.into());
                annotations.insert(HOOK_ANNOTATIONS[1].into(), weight.into());
                annotations.insert(HOOK_ANNOTATIONS[2].into(), SEED_HOOK_DELETE_POLICY.into());
            }
            o
        })
        .collect()
}

/// The chart version: NAP_VERSION when it is strict SemVer (a leading `v` is dropped), else
/// `0.0.0`; then `+` and the content hash as build metadata.
pub fn chart_version(nap_version: &str, content_hash: &str) -> String {
    let tag = nap_version.strip_prefix('v').unwrap_or(nap_version);
    let base = if is_strict_semver(tag) && !tag.contains('+') {
        tag
    } else {
        "0.0.0"
    };
    format!("{base}+{content_hash}")
}

/// Strict SemVer 2.0.0 (what `helm lint` checks): `MAJOR.MINOR.PATCH[-PRE][+BUILD]`, numeric
/// parts without leading zeros, no `v` prefix.
pub fn is_strict_semver(version: &str) -> bool {
    let numeric = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let (rest, build) = match version.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let core: Vec<&str> = core.split('.').collect();
    core.len() == 3
        && core.iter().all(|p| numeric(p))
        && pre.is_none_or(|p| {
            p.split('.')
                .all(|i| ident(i) && (!i.bytes().all(|b| b.is_ascii_digit()) || numeric(i)))
        })
        && build.is_none_or(|b| b.split('.').all(ident))
}

/// Generate the chart.
pub fn chart(settings: &Settings, config: &Config, plan: &Plan, objects: &[Object]) -> Chart {
    let installed = chart_objects(plan, objects);
    let context = Context {
        config,
        plan,
        objects: &installed,
        namespace: objects.iter().find(|o| is_release_namespace(plan, o)),
    };
    let header = header(plan);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();

    // Objects: files/<source> holds every object of one template, templates/<source> emits it.
    let mut sources: Vec<&str> = Vec::new();
    for o in &installed {
        if !sources.contains(&o.source) {
            sources.push(o.source);
        }
    }
    for source in sources {
        let documents: Vec<String> = installed
            .iter()
            .filter(|o| o.source == source)
            .map(|o| yaml::to_yaml(&o.value))
            .collect();
        files.push((
            format!("files/{source}"),
            documents.join("---\n").into_bytes(),
        ));
        files.push((
            format!("templates/{source}"),
            object_template(source).into_bytes(),
        ));
    }

    let values = values_yaml(settings, &header);
    files.push(("values.yaml".into(), values.clone().into_bytes()));
    files.push((RECORD.into(), values.into_bytes()));
    files.push((
        "values.schema.json".into(),
        format!(
            "{}\n",
            serde_json::to_string_pretty(&values_schema(settings)).expect("schema serialises")
        )
        .into_bytes(),
    ));
    files.push(("templates/guard.yaml".into(), GUARD.as_bytes().to_vec()));
    files.push(("files/NOTES.txt".into(), notes(&context).into_bytes()));
    files.push((
        "templates/NOTES.txt".into(),
        NOTES_TEMPLATE.as_bytes().to_vec(),
    ));
    files.push((".helmignore".into(), HELMIGNORE.as_bytes().to_vec()));
    files.push(("README.md".into(), readme(&context, &header).into_bytes()));
    files.sort();

    let version = chart_version(&config.images.version, &content_hash(&files));
    files.push((
        "Chart.yaml".into(),
        chart_yaml(config, plan, &version, &header).into_bytes(),
    ));
    files.sort();
    assert!(
        files.windows(2).all(|w| w[0].0 != w[1].0),
        "two chart files share a path"
    );
    Chart {
        name: NAME,
        version,
        files,
    }
}

/// The comment at the top of Chart.yaml, values.yaml and README.md: what made the chart, never
/// when.
pub fn header(plan: &Plan) -> String {
    format!(
        "Generated by napgen {} (NAP {}, profile {}, namespace {}). Do not edit: change values.env and run napgen chart again.",
        env!("CARGO_PKG_VERSION"),
        plan.version,
        plan.profile,
        plan.namespace
    )
}

/// The first 12 hex digits of a SHA-256 over every file's path and content.
fn content_hash(files: &[(String, Vec<u8>)]) -> String {
    let mut hasher = Sha256::new();
    for (path, bytes) in files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    }
    hasher.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn object_template(source: &str) -> String {
    format!(
        "{{{{- /* Generated by napgen. The objects are in files/{source}; Helm never templates a file's content, so values reach the cluster exactly as written. */ -}}}}\n\
         {{{{ .Files.Get \"files/{source}\" }}}}\n"
    )
}

const NOTES_TEMPLATE: &str = "{{- /* Generated by napgen. The notes are in files/NOTES.txt, so no value is ever templated. */ -}}\n{{ .Files.Get \"files/NOTES.txt\" }}\n";

/// Stops an install or upgrade that could only be half right. `fail` is lenient under
/// `helm lint`, so lint is unaffected; install, upgrade and `helm template` are checked.
const GUARD: &str = r#"{{- /*
Generated by napgen. This chart holds objects napgen rendered for one namespace from one
values.env, so before Helm installs or upgrades anything this template checks that:
  * the release namespace is the namespace the objects name;
  * every value equals the one recorded in values.yaml (a copy is files/values.yaml):
    values.yaml is a record of the configuration, not an input.
It renders nothing.
*/ -}}
{{- $recorded := .Files.Get "files/values.yaml" | fromYaml -}}
{{- if or .Release.IsInstall .Release.IsUpgrade -}}
  {{- if ne .Release.Namespace (toString $recorded.NAMESPACE) -}}
    {{- fail (printf "release namespace %q is not %q: this chart was generated by napgen for namespace %q, and every object in it names that namespace. Install it with -n %s, or set NAMESPACE=%s in values.env and run napgen chart again." .Release.Namespace $recorded.NAMESPACE $recorded.NAMESPACE $recorded.NAMESPACE .Release.Namespace) -}}
  {{- end -}}
{{- end -}}
{{- range $key := concat (keys $recorded) (keys .Values) | uniq | sortAlpha -}}
  {{- if or (not (hasKey $recorded $key)) (not (hasKey $.Values $key)) (ne (toJson (index $recorded $key)) (toJson (index $.Values $key))) -}}
    {{- fail (printf "%s: the values.yaml of a chart napgen generated records the values.env it was generated from; it is not an input, so a value given to Helm (--set, -f or an edited values.yaml) cannot change the objects. Change %s in values.env, run napgen chart again and upgrade with the new chart." $key $key) -}}
  {{- end -}}
{{- end -}}
"#;

const HELMIGNORE: &str = "\
# Generated by napgen. Files Helm leaves out of the chart (helm package, helm install).
# napgen's marker: the folder was written by napgen, which may replace it.
.napgen
# Version control and editor leftovers.
.git/
.gitignore
.hg/
.svn/
.DS_Store
*.swp
*.bak
*.tmp
*.orig
*~
.idea/
.vscode/
";

fn chart_yaml(config: &Config, plan: &Plan, version: &str, header: &str) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    let chart = json!({
        "apiVersion": "v2",
        "name": NAME,
        "description": format!(
            "NAP, the self-hosted AI agent platform ({} profile, namespace {}), generated by napgen from values.env",
            plan.profile, plan.namespace
        ),
        "type": "application",
        "version": version,
        "appVersion": config.images.version,
        "kubeVersion": KUBE_VERSION,
        "keywords": ["ai", "agents", "nap", "napgen"],
    });
    out.push_str(&yaml::to_yaml(&chart));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver() {
        for ok in [
            "1.8.0",
            "0.0.0",
            "1.8.0-rc.1",
            "1.0.0-0A.is.legal",
            "1.8.0+abc.01",
            "10.20.30",
        ] {
            assert!(is_strict_semver(ok), "{ok}");
        }
        for bad in [
            "v1.8.0", "1.8", "01.8.0", "1.8.0-01", "1.8.0-", "1.8.0+", "1.8.0_x", "latest", "",
        ] {
            assert!(!is_strict_semver(bad), "{bad}");
        }
    }

    #[test]
    fn version_scheme() {
        assert_eq!(chart_version("1.8.0", "0123abcd4567"), "1.8.0+0123abcd4567");
        assert_eq!(chart_version("v2.0.1-rc.2", "ab"), "2.0.1-rc.2+ab");
        // A tag that is not SemVer keeps its place in appVersion; the chart version falls back.
        assert_eq!(chart_version("2024.01.15", "ab"), "0.0.0+ab");
        assert_eq!(chart_version("1.8", "ab"), "0.0.0+ab");
        assert!(is_strict_semver(&chart_version("sha-1f2e3d", "0f")));
    }

    #[test]
    fn seed_weights_follow_the_order() {
        assert!(seed_weight("admin") < seed_weight("oauth-clients"));
        assert!(seed_weight("oauth-clients") < seed_weight("something-new"));
    }
}

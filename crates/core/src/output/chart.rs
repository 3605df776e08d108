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

use crate::config::registry::{self, Default, KeyType, KEYS};
use crate::config::settings::Settings;
use crate::config::Config;
use crate::output::yaml;
use crate::plan::secrets::{self, Provider, Secret, SecretType};
use crate::plan::Plan;
use crate::render::Object;
use serde::Serialize;
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

/// One non-secret setting as it goes into values.yaml: booleans and whole numbers typed, the
/// rest as the text values.env holds (lists comma-separated).
fn typed_value(settings: &Settings, key: &registry::Key) -> Value {
    match key.ty {
        KeyType::Bool => Value::Bool(settings.bool(key.name)),
        KeyType::NodePort | KeyType::Int { .. } => Value::from(settings.int(key.name)),
        _ => Value::String(settings.display(key.name)),
    }
}

/// values.yaml: every non-secret setting napgen used, each under its registry description.
fn values_yaml(settings: &Settings, header: &str) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    out.push_str(
        "#\n\
         # The non-secret settings this chart was generated from, recorded for reference (secrets\n\
         # are never recorded). The chart does not read them: a value given to Helm with --set or -f,\n\
         # or edited here, makes the install fail with a message. To change the install, change\n\
         # values.env, run `napgen chart` again and `helm upgrade` with the new chart.\n",
    );
    let public = settings.public_values();
    for key in KEYS.iter().filter(|k| public.contains_key(k.name)) {
        out.push_str(&format!("\n# {}\n", key.description));
        let mut one = Map::new();
        one.insert(key.name.into(), typed_value(settings, key));
        out.push_str(&yaml::to_yaml(&Value::Object(one)));
    }
    out
}

/// The JSON Schema type, bounds and pattern of a key type. Patterns accept at least what
/// napgen's validation accepts (validation stays the authority); they use only the regular
/// expression syntax ECMA-262, RE2 and Rust agree on.
pub fn type_schema(ty: KeyType) -> Map<String, Value> {
    let string = |pattern: &str| {
        let mut m = Map::new();
        m.insert("type".into(), "string".into());
        m.insert("pattern".into(), pattern.into());
        m
    };
    const HOST: &str = r"([A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*|[0-9A-Fa-f:.]+)";
    match ty {
        KeyType::Bool => json_map(json!({"type": "boolean"})),
        KeyType::NodePort => {
            json_map(json!({"type": "integer", "minimum": 30000, "maximum": 32767}))
        }
        KeyType::Int { min, max } => {
            json_map(json!({"type": "integer", "minimum": min, "maximum": max}))
        }
        KeyType::Size => string(r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)$"),
        KeyType::Cpu => string(r"^[0-9]+(\.[0-9]+)?m?$"),
        KeyType::Url => string(r"^https?://[^\s/?#@]+(/[^\s?#]*[^\s?#/])?$"),
        KeyType::LdapUrl => string(r"^ldaps?://[^\s/?#@]+$"),
        KeyType::Host => string(&format!("^{HOST}$")),
        KeyType::Email => string(r"^[^\s@]+@[^\s@]+\.[^\s@]+$"),
        KeyType::Secret { .. } => json_map(json!({"type": "string"})),
        KeyType::Enum(options) => json_map(json!({"type": "string", "enum": options})),
        KeyType::EnumList(options) => {
            let one = format!("({})", options.join("|"));
            string(&format!("^{one}(,{one})*$"))
        }
        KeyType::CidrList => {
            let one = r"[0-9A-Fa-f:.]+/[0-9]{1,3}";
            string(&format!("^{one}(,{one})*$"))
        }
        KeyType::Name => string(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"),
        KeyType::SqlName => string(r"^[a-z_][a-z0-9_]{0,62}$"),
        KeyType::ProxyUrl => string(r"^https?://[^\s/?#@]+$"),
        KeyType::LabelList => string(r"^[^,=\s]+=[^,=\s]*(,[^,=\s]+=[^,=\s]*)*$"),
        KeyType::ModelMap => string(r"^[^,=\s]+=[^,=\s]+(,[^,=\s]+=[^,=\s]+)*$"),
        KeyType::TolerationList | KeyType::NoProxyList | KeyType::WordList => {
            string(r"^[^,\s]+(,[^,\s]+)*$")
        }
        KeyType::AbsPath => string(r"^/\S*$"),
        KeyType::S3Path => string(r"^s3://\S+$"),
        KeyType::Retention => string(r"^[1-9][0-9]*[dwm]$"),
        KeyType::Cron => string(r"^\S+( \S+){5}$"),
        KeyType::NameList => {
            let one = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
            string(&format!("^{one}(,{one})*$"))
        }
        KeyType::DigestList => {
            let one = r"[a-z0-9-]+=sha256:[0-9a-f]{64}";
            string(&format!("^{one}(,{one})*$"))
        }
        KeyType::Registry => {
            string(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]+)?(/[a-z0-9._-]+)*$")
        }
        KeyType::ImageTag => {
            let mut m = string(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$");
            m.insert("not".into(), json!({"const": "latest"}));
            m
        }
        KeyType::String => json_map(json!({"type": "string"})),
    }
}

fn json_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        _ => unreachable!("a JSON object literal"),
    }
}

/// A registry default as a typed JSON value.
fn typed_default(key: &registry::Key) -> Option<Value> {
    let Default::Value(text) = key.default else {
        return None;
    };
    Some(match key.ty {
        KeyType::Bool => Value::Bool(text == "true"),
        KeyType::NodePort | KeyType::Int { .. } => {
            Value::from(text.parse::<i64>().expect("registry defaults parse"))
        }
        _ => Value::String(text.into()),
    })
}

/// values.schema.json (draft-07, self-contained): one property per non-secret registry key, no
/// other property allowed, and the recorded keys required.
pub fn values_schema(settings: &Settings) -> Value {
    let mut properties = Map::new();
    for key in KEYS.iter().filter(|k| !k.is_secret()) {
        let mut p = Map::new();
        let mut description = format!("{} (module {})", key.description, key.module.name());
        if let Default::Derived { doc, .. } = key.default {
            description.push_str(&format!("; default: {doc}"));
        }
        p.insert("description".into(), description.into());
        p.extend(type_schema(key.ty));
        if let Some(d) = typed_default(key) {
            p.insert("default".into(), d);
        }
        properties.insert(key.name.into(), Value::Object(p));
    }
    let required: Vec<&str> = settings.public_values().keys().copied().collect();
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Values of the nap chart generated by napgen",
        "description": "The non-secret values.env settings the chart was generated from. They are a record: the chart fails to install when one differs; change values.env and run napgen chart again instead.",
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

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

// ---------------------------------------------------------------------------------------------
// NOTES.txt and README.md
// ---------------------------------------------------------------------------------------------

/// What the notes know about this configuration.
struct Context<'a> {
    config: &'a Config,
    plan: &'a Plan,
    /// The objects the chart installs.
    objects: &'a [Object],
    /// The bundle's Namespace object, which the chart leaves out.
    namespace: Option<&'a Object>,
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
    ("NOTES.txt", include_str!("../../chart-text/NOTES.txt.j2")),
    ("README.md", include_str!("../../chart-text/README.md.j2")),
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

fn notes(c: &Context) -> String {
    render_text("NOTES.txt", c, "")
}

fn readme(c: &Context, header: &str) -> String {
    render_text("README.md", c, header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::dotenv::Entry;
    use crate::config::validate;
    use crate::diagnostic::Origin;
    use crate::render;

    fn configured(pairs: &[(&str, &str)]) -> (Config, Plan, Vec<Object>) {
        let entries: Vec<Entry> = pairs
            .iter()
            .enumerate()
            .map(|(i, (k, v))| Entry {
                key: (*k).into(),
                value: (*v).into(),
                origin: Origin::file("test.env", i + 1),
            })
            .collect();
        let config = validate::validate(&entries).config.expect("valid");
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

//! The bundle as a GitOps controller applies it: `napgen render --for argocd|flux`.
//!
//! The plain bundle is made for `kubectl apply`: its seed Jobs carry `ttlSecondsAfterFinished`,
//! so a finished run disappears after a day. A controller that keeps the cluster equal to Git
//! sees that Job go: Argo CD marks it Missing (the application is OutOfSync, and with self-heal
//! it creates the Job again), Flux creates it again at its next reconciliation. Either way the
//! seed runs again every day, or the application never settles.
//!
//! [`for_tool`] adapts the objects, with these facts of the controllers:
//!
//! * **Both**: a seed Job has no TTL and stays, finished, with its log. Its name already carries
//!   a hash of everything in its pod template (`nap-seed-<task>-<hash>`), so a change to the
//!   seed's inputs is a Job of a new name: the controller creates it (the seed runs again) and
//!   prunes the previous one (`prune: true`). An unchanged Job is left alone: no drift, no re-run.
//! * **Argo CD**: the seed Jobs are ordinary resources, not hooks. Argo CD leaves hooks out of
//!   the comparison that decides whether an application is OutOfSync, and automated sync acts
//!   only on an OutOfSync application, so a hook would not run again when only its own inputs
//!   changed (`ADMIN_EMAIL`, say). The Jobs carry `argocd.argoproj.io/compare-options:
//!   IgnoreExtraneous`: a superseded Job that is not pruned yet (automated sync without
//!   `prune`) does not keep the application OutOfSync. The platform's Namespace is left out:
//!   the Application creates it (`CreateNamespace=true`) with its Pod Security labels in
//!   `managedNamespaceMetadata`; a Namespace object in the manifests would override those
//!   labels and tie the namespace's life to the Application's resources.
//! * **Flux**: the Jobs carry `kustomize.toolkit.fluxcd.io/force: enabled`, Flux's documented
//!   policy for Jobs: if an overlay changes an immutable field of an existing Job (its pod
//!   template), Flux recreates the Job instead of failing the reconciliation. The Namespace
//!   stays: Flux applies Namespaces before the objects in them.

use crate::diagnostic::Diagnostic;
use crate::plan::Plan;
use crate::render::Object;
use serde_json::{Map, Value};

/// The tool that applies the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tool {
    /// `kubectl apply --server-side`: the plain bundle.
    #[default]
    Kubectl,
    /// An Argo CD Application.
    ArgoCd,
    /// A Flux Kustomization.
    Flux,
}

impl Tool {
    /// The name `--for` takes.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Kubectl => "kubectl",
            Tool::ArgoCd => "argocd",
            Tool::Flux => "flux",
        }
    }

    /// Whether a GitOps controller applies the output.
    pub fn is_gitops(self) -> bool {
        self != Tool::Kubectl
    }

    /// Whether the output leaves the platform's Namespace to the tool.
    pub fn leaves_out_namespace(self) -> bool {
        self == Tool::ArgoCd
    }
}

/// Argo CD's per-resource comparison option: an extraneous (no longer rendered) object does not
/// make the application OutOfSync.
pub const ARGOCD_COMPARE_OPTIONS: (&str, &str) =
    ("argocd.argoproj.io/compare-options", "IgnoreExtraneous");
/// Flux's per-resource apply policy: recreate the object when an immutable field changes.
pub const FLUX_FORCE: (&str, &str) = ("kustomize.toolkit.fluxcd.io/force", "enabled");

/// The annotations [`for_tool`] adds to every seed Job for `tool`.
pub fn seed_annotations(tool: Tool) -> &'static [(&'static str, &'static str)] {
    match tool {
        Tool::Kubectl => &[],
        Tool::ArgoCd => &[ARGOCD_COMPARE_OPTIONS],
        Tool::Flux => &[FLUX_FORCE],
    }
}

/// The objects as `tool` should apply them (see the module's documentation). For
/// [`Tool::Kubectl`] they are returned as they are.
pub fn for_tool(plan: &Plan, objects: Vec<Object>, tool: Tool) -> Vec<Object> {
    if tool == Tool::Kubectl {
        return objects;
    }
    objects
        .into_iter()
        .filter(|o| !(tool.leaves_out_namespace() && is_platform_namespace(plan, o)))
        .map(|mut o| {
            if is_seed_job(plan, &o) {
                adapt_seed(&mut o.value, tool);
            }
            o
        })
        .collect()
}

/// The platform's own Namespace object (not coturn's).
pub fn is_platform_namespace(plan: &Plan, object: &Object) -> bool {
    object.kind() == "Namespace" && object.name() == plan.namespace
}

/// A seed Job of this plan.
fn is_seed_job(plan: &Plan, object: &Object) -> bool {
    object.kind() == "Job" && plan.seeds.iter().any(|s| s.name == object.name())
}

fn adapt_seed(job: &mut Value, tool: Tool) {
    if let Some(spec) = job["spec"].as_object_mut() {
        spec.remove("ttlSecondsAfterFinished");
    }
    let metadata = job["metadata"]
        .as_object_mut()
        .expect("rendered objects have metadata");
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .expect("annotations are a map");
    for (key, value) in seed_annotations(tool) {
        annotations.insert((*key).into(), (*value).into());
    }
}

/// What a GitOps user should know about this output: the Secrets it holds (values from
/// values.env) would sit in clear in the Git repository the controller reads.
pub fn warnings(objects: &[Object], tool: Tool) -> Vec<Diagnostic> {
    if !tool.is_gitops() {
        return Vec::new();
    }
    let secrets: Vec<String> = objects
        .iter()
        .filter(|o| o.kind() == "Secret")
        .map(|o| format!("{}/{}", o.namespace().unwrap_or("default"), o.name()))
        .collect();
    if secrets.is_empty() {
        return Vec::new();
    }
    vec![Diagnostic::warning(
        Some("EXISTING_SECRET"),
        None,
        format!(
            "--for {}: the output holds Secret {} with the secret values of values.env; a Git repository holding this output (or values.env) holds them in clear",
            tool.name(),
            secrets.join(", ")
        ),
        "keep secrets out of Git: set EXISTING_SECRET and manage that Secret with Sealed Secrets, External Secrets or SOPS (napgen then lists the keys it needs), and remove the secret values from values.env",
    )]
}

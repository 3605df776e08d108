//! The commands' library side: each stage of the pipeline behind one call, failing with the
//! [`Error`] the CLI turns into an exit code.

use crate::config::registry;
use crate::config::settings::Settings;
use crate::config::sources::Loaded;
use crate::config::validate;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Shown};
use crate::error::Error;
use crate::output::bundle;
use crate::output::chart::{self, Chart};
use crate::output::gitops::{self, Tool};
use crate::plan::{self, Plan};
use crate::render::{self, Object};

/// Validated settings, their plan, and the warnings found on the way.
pub struct Configured {
    pub settings: Settings,
    /// The same settings typed, read once after validation: what the plan reads.
    pub config: Config,
    /// The plan of `config`, made once (the capacity check needs it too).
    pub plan: Plan,
    pub warnings: Vec<Diagnostic>,
    pub sources: Vec<String>,
}

impl Configured {
    /// Render the plan's objects.
    pub fn render(&self) -> Result<Vec<Object>, Error> {
        render::render(&self.plan).map_err(|e| Error::internal(e.to_string()))
    }

    /// The objects `napgen render` emits: all of them, or those of one part (`--only`).
    pub fn objects(&self, only: Option<&str>) -> Result<Vec<Object>, Error> {
        self.objects_for(only, Tool::Kubectl)
    }

    /// The objects `napgen render --for TOOL` emits ([`gitops::for_tool`]), all of them or
    /// those of one part.
    pub fn objects_for(&self, only: Option<&str>, tool: Tool) -> Result<Vec<Object>, Error> {
        if tool.leaves_out_namespace() && only == Some("namespace") {
            return Err(Error::invalid(Diagnostic::error(
                None,
                None,
                format!(
                    "--only namespace --for {}: Argo CD creates the namespace itself, so this output has no Namespace object",
                    tool.name()
                ),
                "give the Application CreateNamespace=true and the Pod Security labels in spec.syncPolicy.managedNamespaceMetadata (README: GitOps), or drop --for to print the Namespace for kubectl",
            )));
        }
        let objects = gitops::for_tool(&self.plan, self.render()?, tool);
        match only {
            Some(part) => select_part(&objects, part),
            None => Ok(objects),
        }
    }

    /// The bundle `napgen render` prints: [`bundle::bundle`] of [`Self::objects`].
    pub fn bundle(&self, only: Option<&str>) -> Result<String, Error> {
        self.bundle_for(only, Tool::Kubectl)
    }

    /// The bundle `napgen render --for TOOL` prints.
    pub fn bundle_for(&self, only: Option<&str>, tool: Tool) -> Result<String, Error> {
        Ok(bundle::bundle(
            &self.objects_for(only, tool)?,
            &header_for(&self.plan, tool),
        ))
    }

    /// Render and package as a Helm chart.
    pub fn chart(&self) -> Result<Chart, Error> {
        Ok(chart::chart(
            &self.settings,
            &self.config,
            &self.plan,
            &self.render()?,
        ))
    }
}

/// Validate what was loaded. Syntax and validation problems are reported together.
pub fn configure(loaded: Loaded) -> Result<Configured, Error> {
    let validated = validate::validate(&loaded.entries);
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(validated.diagnostics);
    match (validated.settings, validated.config) {
        (Some(settings), Some(config)) if !diagnostics.iter().any(Diagnostic::is_error) => {
            let plan = plan::plan(&config);
            diagnostics.extend(oversized_pods(&settings, &plan));
            diagnostics.extend(capacity_warning(&config, &plan));
            sort_by_position(&mut diagnostics, &loaded.sources);
            Ok(Configured {
                settings,
                config,
                plan,
                warnings: diagnostics,
                sources: loaded.sources,
            })
        }
        _ => {
            sort_by_position(&mut diagnostics, &loaded.sources);
            Err(Error::Invalid(diagnostics))
        }
    }
}

/// The last line of `napgen check`: how many errors and warnings, and what was read.
pub fn check_summary(diagnostics: &[Diagnostic], sources: &[String]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let verdict = if errors == 0 { "valid" } else { "invalid" };
    let read = if sources.is_empty() {
        String::new()
    } else {
        format!(" ({})", sources.join(", "))
    };
    format!(
        "napgen check: values{read} are {verdict}: {}, {}",
        count(errors, "error"),
        count(warnings, "warning")
    )
}

/// What `napgen check --format json` prints: one report with the verdict, the counts and every
/// finding, pretty-printed, ending with a newline. `valid` is whether the values were accepted.
pub fn check_json(diagnostics: &[Diagnostic], valid: bool) -> String {
    let report = serde_json::json!({
        "ok": valid,
        "errors": diagnostics.iter().filter(|d| d.is_error()).count(),
        "warnings": diagnostics.iter().filter(|d| !d.is_error()).count(),
        "diagnostics": diagnostics,
    });
    let mut text = serde_json::to_string_pretty(&report).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// Order findings as a reader meets them: file by file in the order given, line by line, then
/// `--set` flags, then findings about the configuration as a whole.
fn sort_by_position(diagnostics: &mut [Diagnostic], sources: &[String]) {
    diagnostics.sort_by_key(|d| match &d.origin {
        Some(o) => (
            sources
                .iter()
                .position(|s| *s == o.source)
                .unwrap_or(sources.len()),
            o.line.unwrap_or(0),
        ),
        None => (sources.len() + 1, 0),
    });
}

/// A warning for each pod that asks for more than one node (of the pool it runs on) leaves to
/// pods: the scheduler would never place it. It points at the size's line when values.env set it.
fn oversized_pods(settings: &Settings, plan: &Plan) -> Vec<Diagnostic> {
    plan.capacity
        .oversized
        .iter()
        .map(|o| {
            // The key that is too large: memory when it is, else CPU.
            let key = if o.mib > o.node_mib { o.memory_key } else { o.cpu_key };
            let node_keys = if o.on_pool {
                "RUNTIME_NODE_CPU, RUNTIME_NODE_MEMORY"
            } else {
                "NODE_CPU, NODE_MEMORY"
            };
            Diagnostic::warning(
                Some(key),
                settings.origin(key).cloned(),
                format!(
                    "a pod of {}m CPU and {} MiB ({}, {}) does not fit on one node, which leaves {}m and {} MiB to pods ({node_keys}, less what the kubelet and system keep): it would never be scheduled",
                    o.millicpu, o.mib, o.cpu_key, o.memory_key, o.node_millicpu, o.node_mib
                ),
                format!(
                    "lower {} / {}, or use larger nodes and say so in {node_keys}",
                    o.cpu_key, o.memory_key
                ),
            )
        })
        .collect()
}

/// Fewer than this many workspaces fitting beside the platform is worth a warning.
pub const MIN_WORKSPACES: u64 = 2;

/// A warning when the platform leaves room for few workspaces on the declared nodes (or the
/// run-time pool has room for few), or does not fit its own nodes beside a run-time pool.
fn capacity_warning(config: &Config, plan: &Plan) -> Option<Diagnostic> {
    let c = &plan.capacity;
    // The node's size as given (valid, but of any length): shown by the rule every message keeps.
    let given = |name: &str, text: &str| {
        let key = registry::key(name).expect("a registry key");
        Shown::value(key, text).to_string()
    };
    let node = &config.cluster;
    let platform_nodes = format!(
        "{} node(s) of {} CPU / {} (CLUSTER_NODES, NODE_CPU, NODE_MEMORY)",
        c.nodes,
        given("NODE_CPU", node.node_cpu.as_str()),
        given("NODE_MEMORY", node.node_memory.as_str())
    );
    match (&c.pool, &config.placement.runtime.nodes) {
        (Some(pool), Some(size)) => {
            if c.platform_millicpu > c.allocatable_millicpu || c.platform_mib > c.allocatable_mib {
                return Some(Diagnostic::warning(
                    None,
                    None,
                    format!(
                        "on {platform_nodes} the platform requests {}m CPU and {} MiB, more than their {}m and {} MiB (the run-time pods have their own pool)",
                        c.platform_millicpu, c.platform_mib, c.allocatable_millicpu, c.allocatable_mib
                    ),
                    "use larger or more nodes for the platform and say so in NODE_CPU, NODE_MEMORY, CLUSTER_NODES",
                ));
            }
            (c.workspaces < MIN_WORKSPACES).then(|| {
                Diagnostic::warning(
                    None,
                    None,
                    format!(
                        "the run-time pool's {} node(s) of {} CPU / {} (RUNTIME_NODES, RUNTIME_NODE_CPU, RUNTIME_NODE_MEMORY) offer {}m CPU and {} MiB: room for {} workspace pod(s) of {}m / {} MiB",
                        pool.nodes,
                        given("RUNTIME_NODE_CPU", size.cpu.as_str()),
                        given("RUNTIME_NODE_MEMORY", size.memory.as_str()),
                        pool.allocatable_millicpu, pool.allocatable_mib, c.workspaces, c.workspace_millicpu, c.workspace_mib
                    ),
                    "use larger or more pool nodes (and say so in RUNTIME_NODES, RUNTIME_NODE_CPU, RUNTIME_NODE_MEMORY), or lower WORKSPACE_CPU / WORKSPACE_MEMORY",
                )
            })
        }
        _ => (c.workspaces < MIN_WORKSPACES).then(|| {
            Diagnostic::warning(
                None,
                None,
                format!(
                    "on {platform_nodes} the platform requests {}m CPU and {} MiB of {}m and {} MiB, leaving room for {} workspace pod(s) of {}m / {} MiB",
                    c.platform_millicpu, c.platform_mib, c.allocatable_millicpu, c.allocatable_mib, c.workspaces, c.workspace_millicpu, c.workspace_mib
                ),
                "use larger or more nodes (and say so in NODE_CPU, NODE_MEMORY, CLUSTER_NODES), or lower WORKSPACE_CPU / WORKSPACE_MEMORY or the platform's own sizes (its *_CPU and *_MEMORY keys)",
            )
        }),
    }
}

/// Plan and render (a [`Configured`] has its plan already: see [`Configured::render`]).
pub fn render_objects(config: &Config) -> Result<(Plan, Vec<Object>), Error> {
    let plan = plan::plan(config);
    let objects = render::render(&plan).map_err(|e| Error::internal(e.to_string()))?;
    Ok((plan, objects))
}

/// The comment at the top of every output: what made it, never when.
pub fn header(plan: &Plan) -> String {
    format!(
        "Generated by napgen {} (NAP {}, profile {}, namespace {}). Do not edit: change values.env and render again.",
        env!("CARGO_PKG_VERSION"),
        plan.version,
        plan.profile,
        plan.namespace
    )
}

/// [`header`], saying which tool the output is for when it is not kubectl.
pub fn header_for(plan: &Plan, tool: Tool) -> String {
    let mut text = header(plan);
    match tool {
        Tool::Kubectl => {}
        Tool::ArgoCd => text.push_str("\nFor Argo CD (--for argocd): the Application creates the namespace; seed Jobs are kept."),
        Tool::Flux => text.push_str("\nFor Flux (--for flux): seed Jobs are kept."),
    }
    text
}

/// What `render --only seed` tells on stderr: `kubectl apply` leaves a Job that exists as it is
/// (its pod template is immutable and its name changes only with its inputs), so re-seeding
/// deletes the previous runs first, by the label every seed Job carries, and then applies.
/// `apply` is the command that applies the rendered seed Jobs (a pipe from napgen, or a file).
pub fn reseed_commands(plan: &Plan, apply: &str) -> String {
    let ns = &plan.namespace;
    let mut out = format!(
        "napgen: a seed Job that already exists is left as it is when applied again; to run the seed\n\
         Jobs again (after a failed run, say), delete the previous runs first, then apply:\n  \
         kubectl -n {ns} delete job -l {} --ignore-not-found\n  \
         {apply}\n\
         napgen: then follow them:\n",
        plan.seed_selector()
    );
    for seed in &plan.seeds {
        out.push_str(&format!("  kubectl -n {ns} logs job/{}\n", seed.name));
    }
    out
}

/// [`reseed_commands`] for the output of `render --for TOOL`: under a GitOps controller the seed
/// Jobs are deleted and the controller creates them again; nothing is applied by hand.
pub fn reseed_commands_for(plan: &Plan, tool: Tool, apply: &str) -> String {
    let again = match tool {
        Tool::Kubectl => return reseed_commands(plan, apply),
        Tool::ArgoCd => "Argo CD creates them again at its next sync (at once with selfHeal, else `argocd app sync <application>`)",
        Tool::Flux => "Flux creates them again at its next reconciliation (`flux reconcile kustomization <name>` to start it now)",
    };
    let ns = &plan.namespace;
    let mut out = format!(
        "napgen: a seed Job runs again when its inputs change (its name changes with them); to run the seed\n\
         Jobs again with the same inputs (after a failed run, say), delete them; {again}:\n  \
         kubectl -n {ns} delete job -l {} --ignore-not-found\n\
         napgen: then follow them:\n",
        plan.seed_selector()
    );
    for seed in &plan.seeds {
        out.push_str(&format!("  kubectl -n {ns} logs job/{}\n", seed.name));
    }
    out
}

/// The objects of one part, for `--only`: `seed` selects the seed Jobs, `namespace` the Namespace
/// (created before a Helm install), a module name the objects rendered from that module's
/// templates.
pub fn select_part(objects: &[Object], part: &str) -> Result<Vec<Object>, Error> {
    let in_part = part_filter(part)?;
    let selected: Vec<Object> = objects
        .iter()
        .filter(|o| in_part(o.source))
        .cloned()
        .collect();
    if selected.is_empty() {
        return Err(nothing_of(part));
    }
    Ok(selected)
}

/// Whether a template belongs to `part` of the install (`--only`).
fn part_filter(part: &str) -> Result<impl Fn(&str) -> bool + '_, Error> {
    const PARTS: &[&str] = &[
        "seed",
        "namespace",
        "core",
        "sandbox",
        "browser",
        "ldap",
        "backup",
        "monitoring",
    ];
    if !PARTS.contains(&part) {
        let help = match validate::suggest(part, PARTS.iter().copied()) {
            Some(s) => format!("did you mean {s}? (one of: {})", PARTS.join(", ")),
            None => format!("use one of: {}", PARTS.join(", ")),
        };
        return Err(Error::invalid(Diagnostic::error(
            None,
            None,
            format!("--only {part:?} is not a part of the install"),
            help,
        )));
    }
    let prefix = format!("{part}/");
    Ok(move |source: &str| {
        if part == "seed" {
            source.contains("/seed/")
        } else if part == "namespace" {
            // The platform's own namespace, which the chart leaves to the operator.
            source == "core/namespace.yaml"
        } else {
            source.starts_with(&prefix)
        }
    })
}

/// `--only part` of a configuration that renders nothing of it.
fn nothing_of(part: &str) -> Error {
    Error::invalid(Diagnostic::error(
        None,
        None,
        format!("--only {part}: this configuration renders no objects of {part}"),
        format!("enable {part} in values.env, or choose another part"),
    ))
}

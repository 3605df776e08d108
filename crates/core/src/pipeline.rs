//! The commands' library side: each stage of the pipeline behind one call, with the failure
//! kinds the CLI turns into exit codes.

use crate::config::registry;
use crate::config::settings::Settings;
use crate::config::sources::Loaded;
use crate::config::validate;
use crate::diagnostic::{Diagnostic, Shown};
use crate::output::bundle;
use crate::output::chart::{self, Chart};
use crate::plan::{self, Plan};
use crate::render::{self, Object};

/// Exit codes, documented in the README.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// `diff`: the two renders differ.
    pub const DIFFERENT: i32 = 1;
    /// Bad command-line usage (unknown flag, missing argument).
    pub const USAGE: i32 = 2;
    /// The values are invalid: every problem is printed on stderr.
    pub const INVALID: i32 = 3;
    /// A file could not be read or written.
    pub const IO: i32 = 4;
    /// A bug in napgen.
    pub const INTERNAL: i32 = 5;
}

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Findings with at least one error (and any warnings).
    Invalid(Vec<Diagnostic>),
    Io(String),
    Internal(String),
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Invalid(_) => exit::INVALID,
            Failure::Io(_) => exit::IO,
            Failure::Internal(_) => exit::INTERNAL,
        }
    }
}

impl Failure {
    /// The failure as printed on stderr: every message starts with `error:` and ends with a
    /// `help:` line; labels are coloured when `color` is set.
    pub fn render(&self, color: bool) -> String {
        use crate::diagnostic::paint;
        let (text, default_help) = match self {
            Failure::Invalid(diagnostics) => {
                let mut out = String::new();
                for d in diagnostics {
                    out.push_str(&d.render(color));
                    out.push('\n');
                }
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                let plural = if errors == 1 { "" } else { "s" };
                out.push_str(&format!(
                    "napgen: {errors} error{plural}; nothing was written\n"
                ));
                return out;
            }
            Failure::Io(m) => (m, "check the path and its permissions"),
            Failure::Internal(m) => (
                m,
                "this is a bug in napgen: please report it with the command line and the values (without secrets)",
            ),
        };
        let body = text.strip_prefix("error: ").unwrap_or(text);
        let (message, help) = match body.split_once("\n  help: ") {
            Some((m, h)) => (m, h),
            None => (body, default_help),
        };
        format!(
            "{}: {message}\n  {}: {help}\n",
            paint(color, "\x1b[1;31m", "error"),
            paint(color, "\x1b[1;36m", "help")
        )
    }
}

/// What `napgen render` prints, and what it was written from (the settings, and the plan as
/// templates read it): a process that ends after writing may leave those unfreed.
pub struct Bundle {
    pub text: String,
    pub rendering: render::Rendering,
    pub settings: Settings,
}

/// Validated settings, their plan, and the warnings found on the way.
pub struct Configured {
    pub settings: Settings,
    /// The plan of `settings`, made once (the capacity check needs it too).
    pub plan: Plan,
    pub warnings: Vec<Diagnostic>,
    pub sources: Vec<String>,
}

impl Configured {
    /// Render the plan's objects.
    pub fn render(&self) -> Result<Vec<Object>, Failure> {
        render::render(&self.plan).map_err(|e| Failure::Internal(e.to_string()))
    }

    /// The objects `napgen render` emits: all of them, or those of one part (`--only`).
    pub fn objects(&self, only: Option<&str>) -> Result<Vec<Object>, Failure> {
        let objects = self.render()?;
        match only {
            Some(part) => select_part(&objects, part),
            None => Ok(objects),
        }
    }

    /// The bundle `napgen render` prints: [`bundle::bundle`] of [`Self::objects`], written object by
    /// object as they are rendered. The plan is used up (moved into what templates read).
    pub fn into_bundle(self, only: Option<&str>) -> Result<Bundle, Failure> {
        let in_part = only.map(part_filter).transpose()?;
        let mut text = bundle::bundle_start(&header(&self.plan));
        let rendering = render::Rendering::new(self.plan);
        let written = rendering
            .write_bundle(
                |source| in_part.as_ref().is_none_or(|in_part| in_part(source)),
                &mut text,
            )
            .map_err(|e| Failure::Internal(e.to_string()))?;
        match only {
            Some(part) if written == 0 => Err(nothing_of(part)),
            _ => Ok(Bundle {
                text,
                rendering,
                settings: self.settings,
            }),
        }
    }

    /// Render and package as a Helm chart.
    pub fn chart(&self) -> Result<Chart, Failure> {
        Ok(chart::chart(&self.settings, &self.plan, &self.render()?))
    }
}

/// Validate what was loaded. Syntax and validation problems are reported together.
pub fn configure(loaded: Loaded) -> Result<Configured, Failure> {
    let validated = validate::validate(&loaded.entries);
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(validated.diagnostics);
    sort_by_position(&mut diagnostics, &loaded.sources);
    match validated.settings {
        Some(settings) if !diagnostics.iter().any(Diagnostic::is_error) => {
            let plan = plan::plan(&settings);
            diagnostics.extend(capacity_warning(&settings, &plan));
            Ok(Configured {
                settings,
                plan,
                warnings: diagnostics,
                sources: loaded.sources,
            })
        }
        _ => Err(Failure::Invalid(diagnostics)),
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

/// Fewer than this many workspaces fitting beside the platform is worth a warning.
pub const MIN_WORKSPACES: u64 = 2;

/// A warning when the platform leaves room for few workspaces on the declared nodes.
fn capacity_warning(settings: &Settings, plan: &Plan) -> Option<Diagnostic> {
    let c = &plan.capacity;
    // The node's size as given (valid, but of any length): shown by the rule every message keeps.
    let given = |name: &str| {
        let key = registry::key(name).expect("a registry key");
        Shown::value(key, settings.str(name)).to_string()
    };
    (c.workspaces < MIN_WORKSPACES).then(|| {
        Diagnostic::warning(
            None,
            None,
            format!(
                "on {} node(s) of {} CPU / {} (CLUSTER_NODES, NODE_CPU, NODE_MEMORY) the platform requests {}m CPU and {} MiB of {}m and {} MiB, leaving room for {} workspace pod(s) of {}m / {} MiB",
                c.nodes,
                given("NODE_CPU"),
                given("NODE_MEMORY"), c.platform_millicpu, c.platform_mib, c.allocatable_millicpu, c.allocatable_mib, c.workspaces, c.workspace_millicpu, c.workspace_mib
            ),
            "use larger or more nodes (and say so in NODE_CPU, NODE_MEMORY, CLUSTER_NODES), or lower WORKSPACE_CPU / WORKSPACE_MEMORY",
        )
    })
}

/// Plan and render (a [`Configured`] has its plan already: see [`Configured::render`]).
pub fn render_objects(settings: &Settings) -> Result<(Plan, Vec<Object>), Failure> {
    let plan = plan::plan(settings);
    let objects = render::render(&plan).map_err(|e| Failure::Internal(e.to_string()))?;
    Ok((plan, objects))
}

/// Plan, render and package as a Helm chart.
pub fn build_chart(settings: &Settings) -> Result<Chart, Failure> {
    let (plan, objects) = render_objects(settings)?;
    Ok(chart::chart(settings, &plan, &objects))
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

/// The objects of one part, for `--only`: `seed` selects the seed Jobs, `namespace` the Namespace
/// (created before a Helm install), a module name the objects rendered from that module's
/// templates.
pub fn select_part(objects: &[Object], part: &str) -> Result<Vec<Object>, Failure> {
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
fn part_filter(part: &str) -> Result<impl Fn(&str) -> bool + '_, Failure> {
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
        return Err(Failure::Invalid(vec![Diagnostic::error(
            None,
            None,
            format!("--only {part:?} is not a part of the install"),
            help,
        )]));
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
fn nothing_of(part: &str) -> Failure {
    Failure::Invalid(vec![Diagnostic::error(
        None,
        None,
        format!("--only {part}: this configuration renders no objects of {part}"),
        format!("enable {part} in values.env, or choose another part"),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_ends_with_help() {
        let io = Failure::Io("error: x.env: gone\n  help: check the path".into());
        assert_eq!(
            io.render(false),
            "error: x.env: gone\n  help: check the path\n"
        );
        let bare = Failure::Internal("internal error while rendering: boom".into()).render(false);
        assert!(
            bare.starts_with(
                "error: internal error while rendering: boom\n  help: this is a bug in napgen"
            ),
            "{bare}"
        );
        let invalid = Failure::Invalid(vec![Diagnostic::error(Some("K"), None, "bad", "fix it")]);
        assert!(invalid
            .render(false)
            .contains("error: K: bad\n  help: fix it\n"));
    }

    /// `napgen render` writes objects as it renders them; the bundle is the same as emitting the
    /// rendered objects, for every profile and every part.
    #[test]
    fn bundle_equals_emitting_the_objects() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../values");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "env") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let configure = || {
                let mut loaded = Loaded::default();
                loaded.add_text(&text, &path.to_string_lossy());
                configure(loaded).unwrap()
            };
            let configured = configure();
            let header = header(&configured.plan);
            for only in [
                None,
                Some("seed"),
                Some("namespace"),
                Some("core"),
                Some("browser"),
                Some("nope"),
            ] {
                let expected = configured
                    .objects(only)
                    .map(|objects| bundle::bundle(&objects, &header));
                match (configure().into_bundle(only).map(|b| b.text), expected) {
                    (Ok(text), Ok(expected)) => {
                        assert!(text == expected, "{} {only:?}", path.display())
                    }
                    (Err(Failure::Invalid(a)), Err(Failure::Invalid(b))) => assert_eq!(a, b),
                    (a, b) => panic!("{} {only:?}: {a:?} / {b:?}", path.display()),
                }
            }
        }
    }
}

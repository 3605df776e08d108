//! The command line's shape: every command, flag and help text, parsed by clap. What a command
//! does is in [`crate::commands`].

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use napgen::input::Inputs;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  napgen render > bundle.yaml                       # embedded defaults (or ./values.env)
  napgen render -f values.env | kubectl apply --server-side -f -
  napgen render -f base.env -f prod.env --set TOS_HOST=nap.example.com -o bundle.yaml
  napgen render -f values.env --split manifests/    # one file per object + kustomization.yaml
  napgen render -f values.env --only seed           # just the seed Jobs (re-seed after a change)
  napgen render -f base.env --each envs/ --out-dir out/   # envs/<name>.env -> out/<name>.yaml
  napgen chart -f values.env                        # the Helm chart ./nap-<version>.tgz; prints its path
  napgen chart -f values.env -o nap/                # a Helm chart folder
  napgen check -f values.env --format json
  napgen init --profile multi-node --with sandbox   # a new values.env with fresh secrets
  napgen enable browser -f values.env               # switch a module on in an existing file
  napgen prereqs -f values.env                      # what to install before applying
  napgen diff values.env values.new.env             # what a change does to the install
  napgen graph -f values.env > install.svg          # components and allowed network flows

Exit codes: 0 ok, 1 differences (diff), 2 usage, 3 invalid values, 4 I/O error, 5 internal error.";

/// napgen's arguments.
#[derive(Parser)]
#[command(name = "napgen", version, about = "Render the NAP platform's Kubernetes install from values.env, offline", after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the values come from: `-f` files and `--set` flags.
#[derive(Args, Clone)]
pub struct ValuesArgs {
    /// Values file (dotenv syntax); repeatable, later files override earlier ones; `-` reads stdin.
    /// Without -f, ./values.env is read if present, else the embedded defaults.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub files: Vec<String>,
    /// Set one key; repeatable; wins over files.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
}

impl ValuesArgs {
    /// The inputs the library reads.
    pub fn inputs(&self) -> Inputs {
        Inputs {
            files: self.files.clone(),
            sets: self.sets.clone(),
        }
    }
}

/// napgen's commands.
#[derive(Subcommand)]
pub enum Command {
    /// Print the install as one multi-document YAML bundle for kubectl apply.
    #[command(after_help = RENDER_EXAMPLES)]
    Render(RenderArgs),
    /// Write the install as a Helm chart: by default the archive `helm package` would write,
    /// ./nap-<version>.tgz; or a chart folder. Prints the path it wrote on stdout, nothing else.
    #[command(group(ArgGroup::new("target").args(["output", "tgz"])), after_help = CHART_EXAMPLES)]
    Chart(ChartArgs),
    /// Validate the values; print errors and warnings with file:line.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Write a new, commented values.env with freshly generated secrets.
    #[command(after_help = INIT_EXAMPLES)]
    Init(InitArgs),
    /// Switch optional modules on in an existing values.env, changing only the lines that must.
    #[command(after_help = ENABLE_EXAMPLES)]
    Enable(EnableArgs),
    /// Switch optional modules off in an existing values.env; their values are kept, commented out.
    #[command(after_help = DISABLE_EXAMPLES)]
    Disable(DisableArgs),
    /// Compare two installs (values files or bundles) object by object.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Draw the install: its components, Services and every flow the NetworkPolicies allow or
    /// block, as an SVG picture or Graphviz DOT.
    #[command(after_help = GRAPH_EXAMPLES)]
    Graph(GraphArgs),
    /// Print the least-privilege installer RBAC, derived from this configuration's bundle.
    #[command(after_help = RBAC_EXAMPLES)]
    Rbac(RbacArgs),
    /// Print the Argo CD Config Management Plugin that renders values.env files: its definition
    /// (plugin.yaml), the ConfigMap holding it, or the argocd-repo-server sidecar running napgen.
    #[command(name = "argocd-plugin", after_help = ARGOCD_PLUGIN_EXAMPLES)]
    ArgocdPlugin(ArgocdPluginArgs),
    /// Print what to install before apply (operators, storage, OpenSandbox).
    #[command(after_help = PREREQS_EXAMPLES)]
    Prereqs(PrereqsArgs),
    /// List every image the configuration pulls (after the REGISTRY rewrite), for mirroring.
    #[command(after_help = IMAGES_EXAMPLES)]
    Images(ImagesArgs),
    /// List every values.env key: type, default, when required, module, description.
    #[command(after_help = KEYS_EXAMPLES)]
    Keys(KeysArgs),
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of napgen or of one of its commands.
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
    /// Explain one key: type, default, when required, module, secret or not, an example.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
}

/// The arguments of `napgen render`.
#[derive(Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Write the bundle to FILE (atomically) instead of stdout.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "split"
    )]
    pub output: Option<PathBuf>,
    /// Write one file per object plus a kustomization.yaml into DIR.
    #[arg(long, value_name = "DIR")]
    pub split: Option<PathBuf>,
    /// Only the objects of one part: `seed` (the seed Jobs), `namespace` (the Namespace, created
    /// before a Helm install) or a module (core, sandbox, browser, ldap).
    #[arg(long, value_name = "PART")]
    pub only: Option<String>,
    /// Render many environments: the values file FILE, or every *.env file in the folder DIR,
    /// each on top of the -f files and --set flags exactly as `-f FILE` would render it, into
    /// the --out-dir folder as <name>.yaml; repeatable.
    #[arg(long, value_name = "FILE|DIR", requires = "out_dir", conflicts_with_all = ["output", "split"])]
    pub each: Vec<String>,
    /// With --each: the folder to write the bundles into (atomically: all of them or none).
    #[arg(long, value_name = "DIR", requires = "each")]
    pub out_dir: Option<PathBuf>,
    /// With --each: environments rendered at once (default: one per core).
    #[arg(short = 'j', long, value_name = "N", requires = "each")]
    pub jobs: Option<usize>,
    /// The tool that applies the output. `argocd` and `flux` keep the seed Jobs (no TTL, so
    /// the controller never sees them go missing) and annotate them for the controller; `argocd`
    /// also leaves out the platform's Namespace, which the Application creates with its Pod
    /// Security labels (README: GitOps).
    #[arg(long = "for", value_enum, value_name = "TOOL", default_value_t = ForTool::Kubectl)]
    pub tool: ForTool,
}

/// `render --for`: the tool that applies the output.
#[derive(Clone, Copy, ValueEnum)]
pub enum ForTool {
    /// kubectl apply --server-side (the plain bundle).
    Kubectl,
    /// An Argo CD Application (a --split folder in Git, or the napgen plugin).
    Argocd,
    /// A Flux Kustomization (a --split folder in Git).
    Flux,
}

impl ForTool {
    /// The library's name for it.
    pub fn tool(self) -> napgen_core::output::gitops::Tool {
        use napgen_core::output::gitops::Tool;
        match self {
            ForTool::Kubectl => Tool::Kubectl,
            ForTool::Argocd => Tool::ArgoCd,
            ForTool::Flux => Tool::Flux,
        }
    }
}

/// The arguments of `napgen chart`.
#[derive(Args)]
pub struct ChartArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Write the chart folder DIR instead (atomically; a folder napgen did not write is never
    /// replaced).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Write the chart archive FILE (byte-reproducible). When FILE is an existing folder or
    /// ends with `/`, write FILE/nap-<version>.tgz as `helm package` names it, creating the
    /// folder if it is missing. Without -o or --tgz: ./nap-<version>.tgz.
    #[arg(long, value_name = "FILE")]
    pub tgz: Option<PathBuf>,
}

/// The arguments of `napgen check`.
#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Output format: human (findings on stderr, nothing on stdout) or json (one report on
    /// stdout, with exit 3 too when there are errors, and nothing on stderr).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also what matters when TOOL applies the output (`render --for`): with argocd or flux, a
    /// warning when the output would hold Secrets (Git would hold them in clear).
    #[arg(long = "for", value_enum, value_name = "TOOL", default_value_t = ForTool::Kubectl)]
    pub tool: ForTool,
}

/// The arguments of `napgen init`.
#[derive(Args)]
pub struct InitArgs {
    /// The cluster profile.
    #[arg(long, default_value = "single-node", value_parser = clap::builder::PossibleValuesParser::new(napgen_core::config::registry::PROFILES))]
    pub profile: String,
    /// Optional modules to switch on, comma-separated or repeated: sandbox, browser, ldap, codex,
    /// claude-code, backup, monitoring. An agent type is added to the default one (codex).
    #[arg(long, value_name = "MODULE,...")]
    pub with: Vec<String>,
    /// Leave out a module that is on by default: the default agent type, codex.
    #[arg(long, value_name = "MODULE,...")]
    pub without: Vec<String>,
    /// Write a value in (repeatable), e.g. TOS_HOST or an API key you already have.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// The file to write; `-` prints to stdout.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "values.env"
    )]
    pub output: String,
    /// Print to stdout instead of writing a file (same as -o -).
    #[arg(long, conflicts_with = "output")]
    pub stdout: bool,
    /// Replace FILE if it exists (its secrets are lost unless you keep a copy).
    #[arg(long)]
    pub force: bool,
}

/// The arguments of `napgen enable`.
#[derive(Args)]
pub struct EnableArgs {
    /// Modules to switch on (comma-separated or separate): sandbox, browser, ldap, codex,
    /// claude-code, backup, monitoring.
    #[arg(value_name = "MODULE", required = true)]
    pub modules: Vec<String>,
    /// The values file to edit.
    #[arg(
        short = 'f',
        long = "values",
        value_name = "FILE",
        default_value = "values.env"
    )]
    pub file: PathBuf,
}

/// The arguments of `napgen disable`.
#[derive(Args)]
pub struct DisableArgs {
    /// Modules to switch off (comma-separated or separate).
    #[arg(value_name = "MODULE", required = true)]
    pub modules: Vec<String>,
    /// The values file to edit.
    #[arg(
        short = 'f',
        long = "values",
        value_name = "FILE",
        default_value = "values.env"
    )]
    pub file: PathBuf,
}

/// The arguments of `napgen diff`.
#[derive(Args)]
pub struct DiffArgs {
    /// The old side: a values file (*.env) or a YAML bundle (- for stdin).
    pub a: String,
    /// The new side: a values file (*.env) or a YAML bundle (- for stdin).
    pub b: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// The arguments of `napgen graph`.
#[derive(Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// `svg`: a self-contained picture (no script, no external reference); `dot`: Graphviz's
    /// language, for `dot -Tpng` or `dot -Tpdf`.
    #[arg(long, value_enum, default_value_t = GraphFormat::Svg)]
    pub format: GraphFormat,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The arguments of `napgen rbac`.
#[derive(Args)]
pub struct RbacArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Bind the roles to this user (repeatable).
    #[arg(long = "user", value_name = "NAME")]
    pub users: Vec<String>,
    /// Bind the roles to this group (repeatable).
    #[arg(long = "group", value_name = "NAME")]
    pub groups: Vec<String>,
    /// Bind the roles to this service account, NAMESPACE/NAME (repeatable).
    #[arg(long = "service-account", value_name = "NS/NAME")]
    pub service_accounts: Vec<String>,
    /// Also what installing the prerequisites needs (CRDs, webhooks, operator roles): broad.
    #[arg(long)]
    pub with_prereqs: bool,
}

/// The arguments of `napgen argocd-plugin`.
#[derive(Args)]
#[command(group(ArgGroup::new("part").args(["config_map", "sidecar"])))]
pub struct ArgocdPluginArgs {
    /// Print the ConfigMap holding plugin.yaml, for kubectl apply, instead of plugin.yaml itself.
    #[arg(long)]
    pub config_map: bool,
    /// Print the strategic-merge patch of Deployment argocd-repo-server that adds the plugin's
    /// sidecar, running IMAGE: an image of yours holding sh and napgen on its PATH.
    #[arg(long, value_name = "IMAGE", value_parser = parse_image)]
    pub sidecar: Option<String>,
    /// Argo CD's namespace (of the ConfigMap and the repo-server).
    #[arg(long, value_name = "NS", default_value = "argocd", value_parser = parse_namespace)]
    pub namespace: String,
}

fn parse_image(text: &str) -> Result<String, String> {
    match napgen_core::ops::argocd::image_problem(text) {
        Some(problem) => Err(problem),
        None => Ok(text.to_string()),
    }
}

fn parse_namespace(text: &str) -> Result<String, String> {
    match napgen_core::ops::argocd::namespace_problem(text) {
        Some(problem) => Err(problem),
        None => Ok(text.to_string()),
    }
}

/// The arguments of `napgen prereqs`.
#[derive(Args)]
pub struct PrereqsArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write opensandbox-values.yaml into DIR (created if missing) when the sandbox is on.
    #[arg(long, value_name = "DIR")]
    pub write_values: Option<PathBuf>,
    /// With --write-values: also write opensandbox-api-key.yaml, a Secret holding OPENSANDBOX_API_KEY (mode 0600).
    #[arg(long, requires = "write_values")]
    pub with_secret: bool,
}

/// The arguments of `napgen images`.
#[derive(Args)]
pub struct ImagesArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// `text`: one reference per line; `mirror`: `SOURCE TARGET` per line; `json`: [{image, source, used_by}].
    #[arg(long, value_enum, default_value_t = ImagesFormat::Text)]
    pub format: ImagesFormat,
}

/// The arguments of `napgen keys`.
#[derive(Args)]
pub struct KeysArgs {
    /// Only the keys of one module (core, storage, database, admin, codex, claude-code, sandbox, browser, ldap).
    #[arg(long, value_name = "MODULE")]
    pub module: Option<String>,
    /// Output format; `markdown` is docs/values-reference.md.
    #[arg(long, value_enum, default_value_t = KeysFormat::Text)]
    pub format: KeysFormat,
}

/// The arguments of `napgen completions`.
#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// The arguments of `napgen man`.
#[derive(Args)]
pub struct ManArgs {
    /// A command, e.g. render; without it, the page of napgen itself.
    pub command: Option<String>,
}

/// The arguments of `napgen explain`.
#[derive(Args)]
pub struct ExplainArgs {
    /// The key, e.g. TURN_HOST.
    pub key: String,
}

const CHART_EXAMPLES: &str = "\
Examples:
  napgen chart -f values.env                        # ./nap-<version>.tgz, as helm package names it
  napgen chart -f values.env --tgz dist/            # dist/nap-<version>.tgz (dist/ is created)
  napgen chart -f values.env -o nap/                # a chart folder (replaced only if napgen wrote it)
  napgen render -f values.env --only namespace | kubectl apply --server-side -f -
  helm upgrade --install nap \"$(napgen chart -f values.env)\" -n nap --timeout 15m

Helm cannot read a chart from a pipe, so napgen writes a file or a folder and prints its path on
stdout (messages go to stderr): hand that path to Helm.
Exit codes: 0 ok, 2 usage, 3 invalid values (nothing written), 4 I/O error, 5 internal error.";

const ARGOCD_PLUGIN_EXAMPLES: &str = "\
Examples:
  napgen argocd-plugin > plugin.yaml                # the plugin definition, to bake into an image
  napgen argocd-plugin --config-map | kubectl apply --server-side -f -
  napgen argocd-plugin --sidecar registry.example.com/napgen:0.1.0 > repo-server-patch.yaml
  kubectl -n argocd patch deployment argocd-repo-server --patch-file repo-server-patch.yaml

An Application whose path holds values.env then deploys through the plugin (it renders
napgen render --for argocd there); its `values` parameter names other files instead
(README: GitOps).
Exit codes: 0 ok, 2 usage, 4 I/O error.";

const RENDER_EXAMPLES: &str = "\
Examples:
  napgen render > bundle.yaml                       # embedded defaults (or ./values.env)
  napgen render -f values.env | kubectl apply --server-side -f -
  napgen render -f base.env -f prod.env --set TOS_HOST=nap.example.com -o bundle.yaml
  napgen render -f values.env --split manifests/    # one file per object + kustomization.yaml
  napgen render -f values.env --only seed           # just the seed Jobs (re-seed after a change)
  napgen render -f values.env --for argocd --split deploy/nap/   # a folder for an Argo CD Application
  napgen render -f values.env --for flux --split deploy/nap/     # a folder for a Flux Kustomization

Exit codes: 0 ok, 2 usage, 3 invalid values (nothing written), 4 I/O error, 5 internal error.";

const CHECK_EXAMPLES: &str = "\
Examples:
  napgen check                                      # ./values.env, or the embedded defaults
  napgen check -f base.env -f prod.env --set TOS_HOST=nap.example.com
  napgen init --stdout | napgen check -f -
  napgen check -f envs/prod/values.env --for argocd   # as the Argo CD plugin will read it
  napgen check -f values.env --format json | jq '.diagnostics[] | select(.severity == \"error\")'

Every error and warning at once, with file:line and a help line; secrets are never printed.
With --format json the report is on stdout for exit 0 and 3 alike, and stderr stays empty.
Exit codes: 0 valid (warnings allowed), 3 errors, 4 a file cannot be read (nothing on stdout).";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  napgen completions bash > ~/.local/share/bash-completion/completions/napgen
  napgen completions zsh > \"${fpath[1]}/_napgen\"
  napgen completions fish > ~/.config/fish/completions/napgen.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  napgen man > napgen.1 && man ./napgen.1
  napgen man render > napgen-render.1
  for c in '' render check init enable disable keys explain images rbac prereqs diff graph argocd-plugin; do
    napgen man $c > napgen${c:+-$c}.1; done";

const INIT_EXAMPLES: &str = "\
Examples:
  napgen init                                   # ./values.env: single-node, Codex agents
  napgen init --profile multi-node --with sandbox,browser -o prod.env
  napgen init --with claude-code                # Codex and Claude Code agents
  napgen init --with claude-code --without codex   # Claude Code agents only
  napgen init --set TOS_HOST=192.0.2.10 --set OPENAI_API_KEY=\"$OPENAI_API_KEY\"
  napgen init --stdout | napgen check -f -        # try it without writing a file

Secrets are 64 hex characters from the OS's secure random source; the file is written with mode
0600 and never replaces an existing file unless --force is given. Values only you know (an API key,
TURN_HOST, the LDAP server, a multi-node cluster's storage classes) are left empty under a
'# REQUIRED:' line; napgen check reports them with their line until they are set.

Modules are off unless --with names them, except the default agent type (codex), which is on
unless --without names it. To change an existing file: napgen enable / napgen disable.

Exit codes: 0 ok, 2 usage, 3 invalid --with/--set, 4 the file exists or cannot be written.";

const ENABLE_EXAMPLES: &str = "\
Examples:
  napgen enable browser                         # in ./values.env
  napgen enable sandbox,browser -f prod.env
  napgen enable claude-code                     # adds it to AGENT_TYPES

The module's switch is set where the file sets it; its keys the file does not have yet are added
in a new section as napgen init writes them, with fresh secrets (OS random source) for the module
only, and '# REQUIRED:' lines for values only you know, printed as file:line. Nothing else in the
file changes (comments, order, quoting, line endings); it is replaced atomically and stays
owner-only. Values napgen disable commented out come back as they were. Enabling a module that is
on changes nothing. A file that does not parse is refused with its line.

Exit codes: 0 ok, 2 usage, 3 unknown module or a file that does not parse, 4 I/O error.";

const DISABLE_EXAMPLES: &str = "\
Examples:
  napgen disable browser                        # in ./values.env
  napgen disable codex -f prod.env              # leaves the other agent types

The switch is set off (BROWSER_ENABLED=false; an agent type leaves AGENT_TYPES) and the module's
other lines are commented out with '# off: ', values and secrets kept, so napgen check has nothing
to say about them and napgen enable restores them as they were. Nothing is deleted.

Exit codes: 0 ok, 2 usage, 3 unknown module, the last agent type, or a file that does not parse,
4 I/O error.";

const IMAGES_EXAMPLES: &str = "\
Examples:
  napgen images -f values.env                       # one reference per line
  napgen images -f values.env --format json         # [{image, source, used_by}]
  # Mirror for an air-gapped site: values.env sets REGISTRY=mirror.example.com/nap
  napgen images -f values.env --format mirror | while read -r src dst; do
    skopeo copy --all \"docker://$src\" \"docker://$dst\"    # or: crane copy \"$src\" \"$dst\"
  done

The list covers what the bundle pulls; the prerequisites (napgen prereqs) pull their own images.";

const DIFF_EXAMPLES: &str = "\
Examples:
  napgen diff values.env values.new.env             # what a change of values does to the install
  napgen diff release-1.yaml values.env             # last release's bundle against the values now
  napgen render -f values.env | napgen diff deployed.yaml -
  napgen diff a.env b.env --format json

A side ending in .env is rendered like napgen render -f FILE; anything else is read as YAML
(- for stdin). Objects match by API group, kind, namespace and name (a seed Job's name without its
hash). Secret values are never shown: only that they were added, removed or changed.

Exit codes: 0 the same, 1 different, 3 invalid values, 4 a side cannot be read.";

const RBAC_EXAMPLES: &str = "\
Examples:
  napgen rbac -f values.env                          # the roles, to review
  napgen rbac -f values.env --user alice > installer-rbac.yaml
  kubectl create namespace nap && kubectl apply -f installer-rbac.yaml    # as a cluster admin
  napgen rbac -f values.env --group platform-ops --with-prereqs

The rules come from the kinds and namespaces in this configuration's bundle, plus the rules of the
roles the bundle creates (Kubernetes lets you grant only what you hold). Cluster-scoped objects are
named (resourceNames), which needs kubectl apply --server-side. --with-prereqs adds what installing
CloudNativePG (and OpenSandbox) with Helm needs; that is close to cluster-admin.";

const GRAPH_EXAMPLES: &str = "\
Examples:
  napgen graph -f values.env > install.svg          # open it in a browser
  napgen graph -f values.env -o install.svg
  napgen graph -f values.env --format dot | dot -Tpng -o install.png

The flows are read from the rendered NetworkPolicies, what the cluster enforces: a flow between
two of the install's pods is drawn when the sender's egress and the receiver's ingress both admit
it, on the ports both admit, with the policies that allow it; a flow to or from outside (another
namespace, an address block, anywhere) is drawn from the install's side. Address blocks excepted
from those allowed (cloud metadata, private ranges) are drawn as blocked, dashed and red. Anything
not drawn is denied for the pods a policy selects. Every flow is also listed under the SVG picture.

Exit codes: 0 ok, 2 usage, 3 invalid values (nothing written), 4 I/O error, 5 internal error.";

const PREREQS_EXAMPLES: &str = "\
Examples:
  napgen prereqs -f values.env                       # the steps, as commands
  napgen prereqs -f values.env --write-values .      # also ./opensandbox-values.yaml (sandbox on)
  napgen prereqs -f values.env --write-values secrets/ --with-secret
  napgen prereqs -f values.env --format json

Commands never contain a secret: a value to fill in is written <KEY> (the values.env key). The
OpenSandbox API key is written to a file only with --with-secret, and that file is mode 0600.";

const KEYS_EXAMPLES: &str = "\
Examples:
  napgen keys                                  # every key, by module
  napgen keys --module browser                 # the keys of one module
  napgen keys --format json | jq '.[] | select(.secret) | .name'
  napgen keys --format markdown > docs/values-reference.md";

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  napgen explain TURN_HOST
  napgen explain opensandbox_url               # names are matched case-insensitively

Exit codes: 0 ok, 3 unknown key.";

/// What `napgen images` prints.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ImagesFormat {
    Text,
    Mirror,
    Json,
}

/// What `napgen graph` writes.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Svg,
    Dot,
}

/// What `napgen keys` prints.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum KeysFormat {
    Text,
    Json,
    Markdown,
}

/// Output for people or for programs.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

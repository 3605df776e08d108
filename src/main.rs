//! The napgen command line: parses arguments and calls the library. Nothing else lives here.

use clap::{ArgGroup, Args, CommandFactory, Parser, Subcommand, ValueEnum};
use napgen::app::{self, exit, Failure};
use napgen::emit;
use napgen::fleet;
use napgen::input::Inputs;
use napgen_core::diagnostic::Diagnostic;
use napgen_core::ops::diff;
use napgen_core::ops::images;
use napgen_core::ops::init;
use napgen_core::ops::prereqs;
use napgen_core::ops::rbac;
use napgen_core::ops::reference;
use napgen_core::ops::toggle::{self, Switch};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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

Exit codes: 0 ok, 1 differences (diff), 2 usage, 3 invalid values, 4 I/O error, 5 internal error.";

#[derive(Parser)]
#[command(name = "napgen", version, about = "Render the NAP platform's Kubernetes install from values.env, offline", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct ValuesArgs {
    /// Values file (dotenv syntax); repeatable, later files override earlier ones; `-` reads stdin.
    /// Without -f, ./values.env is read if present, else the embedded defaults.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    files: Vec<String>,
    /// Set one key; repeatable; wins over files.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
}

impl ValuesArgs {
    fn inputs(&self) -> Inputs {
        Inputs {
            files: self.files.clone(),
            sets: self.sets.clone(),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Print the install as one multi-document YAML bundle for kubectl apply.
    #[command(after_help = RENDER_EXAMPLES)]
    Render {
        #[command(flatten)]
        values: ValuesArgs,
        /// Write the bundle to FILE (atomically) instead of stdout.
        #[arg(
            short = 'o',
            long = "output",
            value_name = "FILE",
            conflicts_with = "split"
        )]
        output: Option<PathBuf>,
        /// Write one file per object plus a kustomization.yaml into DIR.
        #[arg(long, value_name = "DIR")]
        split: Option<PathBuf>,
        /// Only the objects of one part: `seed` (the seed Jobs), `namespace` (the Namespace, created
        /// before a Helm install) or a module (core, sandbox, browser, ldap).
        #[arg(long, value_name = "PART")]
        only: Option<String>,
        /// Render many environments: the values file FILE, or every *.env file in the folder DIR,
        /// each on top of the -f files and --set flags exactly as `-f FILE` would render it, into
        /// the --out-dir folder as <name>.yaml; repeatable.
        #[arg(long, value_name = "FILE|DIR", requires = "out_dir", conflicts_with_all = ["output", "split"])]
        each: Vec<String>,
        /// With --each: the folder to write the bundles into (atomically: all of them or none).
        #[arg(long, value_name = "DIR", requires = "each")]
        out_dir: Option<PathBuf>,
        /// With --each: environments rendered at once (default: one per core).
        #[arg(short = 'j', long, value_name = "N", requires = "each")]
        jobs: Option<usize>,
    },
    /// Write the install as a Helm chart: by default the archive `helm package` would write,
    /// ./nap-<version>.tgz; or a chart folder. Prints the path it wrote on stdout, nothing else.
    #[command(group(ArgGroup::new("target").args(["output", "tgz"])), after_help = CHART_EXAMPLES)]
    Chart {
        #[command(flatten)]
        values: ValuesArgs,
        /// Write the chart folder DIR instead (atomically; a folder napgen did not write is never
        /// replaced).
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: Option<PathBuf>,
        /// Write the chart archive FILE (byte-reproducible). When FILE is an existing folder or
        /// ends with `/`, write FILE/nap-<version>.tgz as `helm package` names it, creating the
        /// folder if it is missing. Without -o or --tgz: ./nap-<version>.tgz.
        #[arg(long, value_name = "FILE")]
        tgz: Option<PathBuf>,
    },
    /// Validate the values; print errors and warnings with file:line.
    #[command(after_help = CHECK_EXAMPLES)]
    Check {
        #[command(flatten)]
        values: ValuesArgs,
        /// Output format: human (findings on stderr, nothing on stdout) or json (one report on
        /// stdout, with exit 3 too when there are errors, and nothing on stderr).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Write a new, commented values.env with freshly generated secrets.
    #[command(after_help = INIT_EXAMPLES)]
    Init {
        /// The cluster profile.
        #[arg(long, default_value = "single-node", value_parser = clap::builder::PossibleValuesParser::new(napgen_core::config::registry::PROFILES))]
        profile: String,
        /// Optional modules to switch on, comma-separated or repeated: sandbox, browser, ldap, codex,
        /// claude-code, backup, monitoring. An agent type is added to the default one (codex).
        #[arg(long, value_name = "MODULE,...")]
        with: Vec<String>,
        /// Leave out a module that is on by default: the default agent type, codex.
        #[arg(long, value_name = "MODULE,...")]
        without: Vec<String>,
        /// Write a value in (repeatable), e.g. TOS_HOST or an API key you already have.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// The file to write; `-` prints to stdout.
        #[arg(
            short = 'o',
            long = "output",
            value_name = "FILE",
            default_value = "values.env"
        )]
        output: String,
        /// Print to stdout instead of writing a file (same as -o -).
        #[arg(long, conflicts_with = "output")]
        stdout: bool,
        /// Replace FILE if it exists (its secrets are lost unless you keep a copy).
        #[arg(long)]
        force: bool,
    },
    /// Switch optional modules on in an existing values.env, changing only the lines that must.
    #[command(after_help = ENABLE_EXAMPLES)]
    Enable {
        /// Modules to switch on (comma-separated or separate): sandbox, browser, ldap, codex,
        /// claude-code, backup, monitoring.
        #[arg(value_name = "MODULE", required = true)]
        modules: Vec<String>,
        /// The values file to edit.
        #[arg(
            short = 'f',
            long = "values",
            value_name = "FILE",
            default_value = "values.env"
        )]
        file: PathBuf,
    },
    /// Switch optional modules off in an existing values.env; their values are kept, commented out.
    #[command(after_help = DISABLE_EXAMPLES)]
    Disable {
        /// Modules to switch off (comma-separated or separate).
        #[arg(value_name = "MODULE", required = true)]
        modules: Vec<String>,
        /// The values file to edit.
        #[arg(
            short = 'f',
            long = "values",
            value_name = "FILE",
            default_value = "values.env"
        )]
        file: PathBuf,
    },
    /// Compare two installs (values files or bundles) object by object.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff {
        /// The old side: a values file (*.env) or a YAML bundle (- for stdin).
        a: String,
        /// The new side: a values file (*.env) or a YAML bundle (- for stdin).
        b: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Print the least-privilege installer RBAC, derived from this configuration's bundle.
    #[command(after_help = RBAC_EXAMPLES)]
    Rbac {
        #[command(flatten)]
        values: ValuesArgs,
        /// Bind the roles to this user (repeatable).
        #[arg(long = "user", value_name = "NAME")]
        users: Vec<String>,
        /// Bind the roles to this group (repeatable).
        #[arg(long = "group", value_name = "NAME")]
        groups: Vec<String>,
        /// Bind the roles to this service account, NAMESPACE/NAME (repeatable).
        #[arg(long = "service-account", value_name = "NS/NAME")]
        service_accounts: Vec<String>,
        /// Also what installing the prerequisites needs (CRDs, webhooks, operator roles): broad.
        #[arg(long)]
        with_prereqs: bool,
    },
    /// Print what to install before apply (operators, storage, OpenSandbox).
    #[command(after_help = PREREQS_EXAMPLES)]
    Prereqs {
        #[command(flatten)]
        values: ValuesArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Write opensandbox-values.yaml into DIR (created if missing) when the sandbox is on.
        #[arg(long, value_name = "DIR")]
        write_values: Option<PathBuf>,
        /// With --write-values: also write opensandbox-api-key.yaml, a Secret holding OPENSANDBOX_API_KEY (mode 0600).
        #[arg(long, requires = "write_values")]
        with_secret: bool,
    },
    /// List every image the configuration pulls (after the REGISTRY rewrite), for mirroring.
    #[command(after_help = IMAGES_EXAMPLES)]
    Images {
        #[command(flatten)]
        values: ValuesArgs,
        /// `text`: one reference per line; `mirror`: `SOURCE TARGET` per line; `json`: [{image, source, used_by}].
        #[arg(long, value_enum, default_value_t = ImagesFormat::Text)]
        format: ImagesFormat,
    },
    /// List every values.env key: type, default, when required, module, description.
    #[command(after_help = KEYS_EXAMPLES)]
    Keys {
        /// Only the keys of one module (core, storage, database, admin, codex, claude-code, sandbox, browser, ldap).
        #[arg(long, value_name = "MODULE")]
        module: Option<String>,
        /// Output format; `markdown` is docs/values-reference.md.
        #[arg(long, value_enum, default_value_t = KeysFormat::Text)]
        format: KeysFormat,
    },
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) of napgen or of one of its commands.
    #[command(after_help = MAN_EXAMPLES)]
    Man {
        /// A command, e.g. render; without it, the page of napgen itself.
        command: Option<String>,
    },
    /// Explain one key: type, default, when required, module, secret or not, an example.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain {
        /// The key, e.g. TURN_HOST.
        key: String,
    },
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

const RENDER_EXAMPLES: &str = "\
Examples:
  napgen render > bundle.yaml                       # embedded defaults (or ./values.env)
  napgen render -f values.env | kubectl apply --server-side -f -
  napgen render -f base.env -f prod.env --set TOS_HOST=nap.example.com -o bundle.yaml
  napgen render -f values.env --split manifests/    # one file per object + kustomization.yaml
  napgen render -f values.env --only seed           # just the seed Jobs (re-seed after a change)

Exit codes: 0 ok, 2 usage, 3 invalid values (nothing written), 4 I/O error, 5 internal error.";

const CHECK_EXAMPLES: &str = "\
Examples:
  napgen check                                      # ./values.env, or the embedded defaults
  napgen check -f base.env -f prod.env --set TOS_HOST=nap.example.com
  napgen init --stdout | napgen check -f -
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
  for c in '' render check init enable disable keys explain images rbac prereqs diff; do
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

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ImagesFormat {
    Text,
    Mirror,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum KeysFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

/// Colours on stderr only when it is a terminal and NO_COLOR is not set.
fn color() -> bool {
    napgen_core::diagnostic::use_color(
        io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let color = color();
    let mut err = io::stderr().lock();
    for d in diagnostics {
        let _ = writeln!(err, "{}", d.render(color));
    }
}

fn fail(failure: Failure) -> ExitCode {
    eprint!("{}", failure.render(color()));
    ExitCode::from(failure.exit_code() as u8)
}

fn write_stdout(bytes: &[u8]) -> ExitCode {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`napgen render | head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(Failure::Io(format!("error: cannot write to stdout: {e}"))),
    }
}

/// This napgen command line, as a shell would read it back; the value of a secret key given with
/// `--set` is shown as `<KEY>`, never as itself.
fn invocation() -> String {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut words = vec!["napgen".to_string()];
    let mut after_set = false;
    for arg in &args {
        let (prefix, assignment) = match arg.strip_prefix("--set=") {
            Some(rest) => ("--set=", Some(rest)),
            None if after_set => ("", Some(arg.as_str())),
            None => ("", None),
        };
        let word = match assignment.and_then(|a| a.split_once('=')) {
            Some((key, _))
                if napgen_core::config::registry::key(key).is_some_and(|k| k.is_secret()) =>
            {
                format!("{prefix}{key}=<{key}>")
            }
            _ => arg.clone(),
        };
        words.push(shell_word(&word));
        after_set = arg == "--set";
    }
    words.join(" ")
}

/// A word quoted for a POSIX shell when it needs quoting.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,@+%".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `render --each`: every environment into one folder.
fn render_each(
    shared: &Inputs,
    each: &[String],
    only: Option<&str>,
    dir: &Path,
    jobs: Option<usize>,
) -> ExitCode {
    let cwd = Path::new(".");
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    match fleet::environments(each, cwd)
        .and_then(|environments| fleet::render(shared, &environments, only, cwd, dir, jobs))
    {
        Ok(outcomes) => {
            ExitCode::from(fleet::report(&outcomes, dir, &mut io::stderr().lock()) as u8)
        }
        Err(f) => fail(f),
    }
}

fn run(cli: Cli) -> ExitCode {
    let cwd = Path::new(".");
    let mut stdin = io::stdin();
    match cli.command {
        Command::Render {
            values,
            output,
            split,
            only,
            each,
            out_dir,
            jobs,
        } => {
            if let Some(dir) = out_dir {
                return render_each(&values.inputs(), &each, only.as_deref(), &dir, jobs);
            }
            let configured = match app::configure(&values.inputs(), cwd, &mut stdin) {
                Ok(c) => c,
                Err(f) => return fail(f),
            };
            print_diagnostics(&configured.warnings);
            let reseed = (only.as_deref() == Some("seed")).then(|| {
                let apply = match (&output, &split) {
                    (Some(file), _) => format!(
                        "kubectl apply --server-side -f {}",
                        shell_word(&file.to_string_lossy())
                    ),
                    (_, Some(dir)) => format!(
                        "kubectl apply --server-side -k {}",
                        shell_word(&dir.to_string_lossy())
                    ),
                    _ => format!("{} | kubectl apply --server-side -f -", invocation()),
                };
                app::reseed_commands(&configured.plan, &apply)
            });
            if let Some(dir) = split {
                let objects = match configured.objects(only.as_deref()) {
                    Ok(r) => r,
                    Err(f) => return fail(f),
                };
                let header = app::header(&configured.plan);
                return match emit::write_dir_atomic(
                    &dir,
                    &napgen_core::output::bundle::split_files(&objects, &header),
                ) {
                    Ok(()) => {
                        reseed.iter().for_each(|hint| eprint!("{hint}"));
                        ExitCode::SUCCESS
                    }
                    Err(e) => fail(Failure::Io(e.to_string())),
                };
            }
            let text = match configured.into_bundle(only.as_deref()) {
                Ok(bundle) => {
                    // The process ends after writing: freeing the plan and the settings one
                    // value at a time would only cost time.
                    std::mem::forget(bundle.rendering);
                    std::mem::forget(bundle.settings);
                    bundle.text
                }
                Err(f) => return fail(f),
            };
            let code = match output {
                Some(path) => match emit::write_file_atomic(&path, text.as_bytes()) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => return fail(Failure::Io(e.to_string())),
                },
                None => write_stdout(text.as_bytes()),
            };
            if code == ExitCode::SUCCESS {
                reseed.iter().for_each(|hint| eprint!("{hint}"));
            }
            code
        }
        Command::Chart {
            values,
            output,
            tgz,
        } => {
            let configured = match app::configure(&values.inputs(), cwd, &mut stdin) {
                Ok(c) => c,
                Err(f) => return fail(f),
            };
            print_diagnostics(&configured.warnings);
            let chart = match configured.chart() {
                Ok(c) => c,
                Err(f) => return fail(f),
            };
            let written = match output {
                Some(dir) => emit::write_dir_atomic(&dir, &chart.files)
                    .map(|()| dir)
                    .map_err(|e| Failure::Io(e.to_string())),
                None => app::write_archive(&chart, tgz.as_deref()),
            };
            match written {
                Ok(path) => {
                    eprintln!(
                        "napgen: wrote chart {} {} to {}",
                        chart.name,
                        chart.version,
                        path.display()
                    );
                    write_stdout(format!("{}\n", path.display()).as_bytes())
                }
                Err(f) => fail(f),
            }
        }
        Command::Check { values, format } => {
            let (diagnostics, code, sources) = match app::check(&values.inputs(), cwd, &mut stdin) {
                Ok(c) => (c.warnings, exit::OK, c.sources),
                Err(Failure::Invalid(d)) => (d, exit::INVALID, vec![]),
                Err(f) => return fail(f),
            };
            if format == Format::Json {
                let _ = write_stdout(app::check_json(&diagnostics, code == exit::OK).as_bytes());
            } else {
                print_diagnostics(&diagnostics);
                eprintln!("{}", app::check_summary(&diagnostics, &sources));
            }
            ExitCode::from(code as u8)
        }
        Command::Init {
            profile,
            with,
            without,
            sets,
            output,
            stdout,
            force,
        } => init(
            init::Request {
                profile,
                with,
                without,
                sets,
            },
            if stdout { "-".into() } else { output },
            force,
        ),
        Command::Diff { a, b, format } => {
            if a == "-" && b == "-" {
                return fail(Failure::Io(
                    "error: both sides are standard input\n  help: give at most one side as -"
                        .into(),
                ));
            }
            let load = |side: &str, stdin: &mut dyn io::Read| app::diff_side(side, cwd, stdin);
            let (objects_a, objects_b) = match (load(&a, &mut stdin), load(&b, &mut stdin)) {
                (Ok(x), Ok(y)) => (x, y),
                (Err(f), _) | (_, Err(f)) => return fail(f),
            };
            let report = diff::compare(&objects_a, &objects_b);
            let text = match format {
                Format::Human => diff::text(&report),
                Format::Json => diff::json(&report),
            };
            let _ = write_stdout(text.as_bytes());
            eprint!("{}", diff::summary(&report, &a, &b));
            ExitCode::from(if report.equal {
                exit::OK
            } else {
                exit::DIFFERENT
            } as u8)
        }
        Command::Rbac {
            values,
            users,
            groups,
            service_accounts,
            with_prereqs,
        } => {
            let (settings, plan, objects) = match configured(&values, &mut stdin) {
                Ok(r) => r,
                Err(f) => return fail(f),
            };
            let prereqs = with_prereqs.then(|| {
                let ctx = prereqs::Context {
                    settings: &settings,
                    plan: &plan,
                    objects: &objects,
                    values_dir: None,
                };
                prereqs::rbac_scopes(&prereqs::steps(&ctx))
            });
            let request = rbac::Request {
                namespace: plan.namespace.clone(),
                subjects: rbac::Subjects {
                    users,
                    groups,
                    service_accounts,
                },
                prereqs,
            };
            match rbac::generate(&objects, &request) {
                Ok((header, roles)) => write_stdout(rbac::to_yaml(&header, &roles).as_bytes()),
                Err(f) => fail(f),
            }
        }
        Command::Prereqs {
            values,
            format,
            write_values,
            with_secret,
        } => {
            let (settings, plan, objects) = match configured(&values, &mut stdin) {
                Ok(r) => r,
                Err(f) => return fail(f),
            };
            let dir_text = write_values
                .as_ref()
                .map(|d| d.to_string_lossy().into_owned());
            let ctx = prereqs::Context {
                settings: &settings,
                plan: &plan,
                objects: &objects,
                values_dir: dir_text.as_deref(),
            };
            if let Some(dir) = &write_values {
                match app::write_prereq_files(&ctx, dir, with_secret) {
                    Ok(notes) => notes.iter().for_each(|n| eprintln!("napgen prereqs: {n}")),
                    Err(f) => return fail(f),
                }
            }
            let steps = prereqs::steps(&ctx);
            let text = match format {
                Format::Human => prereqs::text(&ctx, &steps),
                Format::Json => prereqs::json(&steps),
            };
            write_stdout(text.as_bytes())
        }
        Command::Images { values, format } => {
            let (settings, plan, _) = match configured(&values, &mut stdin) {
                Ok(r) => r,
                Err(f) => return fail(f),
            };
            let list = images::list(&settings, &plan);
            let text = match format {
                ImagesFormat::Text => images::text(&list),
                ImagesFormat::Mirror => images::mirror(&list),
                ImagesFormat::Json => images::json(&list),
            };
            write_stdout(text.as_bytes())
        }
        Command::Enable { modules, file } => switch(Switch::On, &modules, &file),
        Command::Disable { modules, file } => switch(Switch::Off, &modules, &file),
        Command::Keys { module, format } => keys(module.as_deref(), format),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "napgen", &mut out);
            write_stdout(&out)
        }
        Command::Man { command } => man(command.as_deref()),
        Command::Explain { key } => match reference::explain(&key) {
            Ok(text) => write_stdout(text.as_bytes()),
            Err(d) => fail(Failure::Invalid(vec![d])),
        },
    }
}

/// Load, validate (warnings on stderr) and render: what most commands start with.
fn configured(
    values: &ValuesArgs,
    stdin: &mut dyn io::Read,
) -> Result<
    (
        napgen_core::config::settings::Settings,
        napgen_core::plan::Plan,
        Vec<napgen_core::render::Object>,
    ),
    Failure,
> {
    let configured = app::configure(&values.inputs(), Path::new("."), stdin)?;
    print_diagnostics(&configured.warnings);
    let (plan, objects) = app::render_objects(&configured.settings)?;
    Ok((configured.settings, plan, objects))
}

fn init(request: init::Request, output: String, force: bool) -> ExitCode {
    let generated = match init::generate(&request, &mut app::os_random) {
        Ok(g) => g,
        Err(f) => return fail(f),
    };
    let code = if output == "-" {
        write_stdout(generated.text.as_bytes())
    } else {
        match emit::write_private_file(Path::new(&output), generated.text.as_bytes(), force) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => return fail(Failure::Io(e.to_string())),
        }
    };
    eprint!("{}", init::summary(&generated, &output));
    code
}

/// `napgen enable` / `napgen disable`: read FILE, switch the modules, write it back atomically if
/// anything changed, keeping it owner-only and never widening its mode. A symbolic link is
/// followed: the file it points to is edited and the link stays.
fn switch(switch: Switch, modules: &[String], file: &Path) -> ExitCode {
    let shown = file.display().to_string();
    let io = |e: &dyn std::fmt::Display| {
        fail(Failure::Io(format!(
            "error: {shown}: {e}\n  help: napgen {} edits an existing values.env (-f FILE); create one with napgen init",
            switch.command()
        )))
    };
    let target = match std::fs::canonicalize(file) {
        Ok(t) => t,
        Err(e) => return io(&e),
    };
    let (text, mode) = match std::fs::read(&target).and_then(|bytes| {
        let meta = std::fs::metadata(&target)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))?;
        Ok((text, file_mode(&meta)))
    }) {
        Ok(read) => read,
        Err(e) => return io(&e),
    };
    let edited = match toggle::switch(&text, &shown, switch, modules, &mut app::os_random) {
        Ok(e) => e,
        Err(f) => return fail(f),
    };
    if edited.text != text {
        // Created 0600 whatever the umask; a narrower mode the file had is put back.
        if let Err(e) = emit::write_private_file(&target, edited.text.as_bytes(), true) {
            return fail(Failure::Io(e.to_string()));
        }
        if let Some(mode) = mode {
            let kept = mode & 0o700;
            if kept != 0o600 {
                if let Err(e) = set_mode(&target, kept) {
                    return io(&e);
                }
            }
            if mode & 0o077 != 0 {
                eprintln!(
                    "note: {shown} was readable by others (mode {mode:o}); it holds secrets, so it is now {kept:o}"
                );
            }
        }
    }
    eprint!("{}", toggle::summary(&edited, switch, &shown));
    ExitCode::SUCCESS
}

#[cfg(unix)]
fn file_mode(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_: &std::fs::Metadata) -> Option<u32> {
    None
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

/// The roff page of napgen, or of one command (named `napgen-COMMAND`).
fn man(command: Option<&str>) -> ExitCode {
    let mut root = Cli::command();
    // Building sets each command's display name (`napgen-render`), which the page is titled by.
    root.build();
    let page = match command {
        None => root,
        Some(name) => match root.find_subcommand(name) {
            Some(sub) => sub.clone().version(env!("CARGO_PKG_VERSION")),
            None => {
                let names: Vec<String> = root
                    .get_subcommands()
                    .map(|c| c.get_name().to_string())
                    .filter(|n| n != "help")
                    .collect();
                let help = match napgen_core::config::validate::suggest(
                    name,
                    names.iter().map(String::as_str),
                ) {
                    Some(s) => format!("did you mean {s}? (commands: {})", names.join(", ")),
                    None => format!("commands: {}", names.join(", ")),
                };
                return fail(Failure::Invalid(vec![Diagnostic::error(
                    None,
                    None,
                    format!("napgen has no command {name:?}"),
                    help,
                )]));
            }
        },
    };
    let mut out = Vec::new();
    match clap_mangen::Man::new(page).render(&mut out) {
        Ok(()) => write_stdout(&out),
        Err(e) => fail(Failure::Io(format!(
            "error: cannot render the manual page: {e}"
        ))),
    }
}

fn keys(module: Option<&str>, format: KeysFormat) -> ExitCode {
    let module = match module.map(reference::module_named).transpose() {
        Ok(m) => m,
        Err(d) => return fail(Failure::Invalid(vec![d])),
    };
    let text = match format {
        KeysFormat::Text => reference::text(module),
        KeysFormat::Json => reference::json(module),
        KeysFormat::Markdown => reference::markdown(),
    };
    write_stdout(text.as_bytes())
}

fn main() -> ExitCode {
    // Before any other thread starts: SIGINT and SIGTERM then remove what napgen was writing.
    napgen::interrupt::install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE as u8
            } else {
                exit::OK as u8
            });
        }
    };
    run(cli)
}

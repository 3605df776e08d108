//! The napgen command line: parses arguments and calls the library. Nothing else lives here.

use clap::{ArgGroup, Args, CommandFactory, Parser, Subcommand, ValueEnum};
use napgen::app::{self, exit, Failure};
use napgen::diagnostic::Diagnostic;
use napgen::diff;
use napgen::emit;
use napgen::fleet;
use napgen::images;
use napgen::init;
use napgen::input::Inputs;
use napgen::prereqs;
use napgen::rbac;
use napgen::reference;
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
  napgen chart -f values.env -o nap/                # a Helm chart folder
  napgen chart -f values.env --tgz dist/            # the archive: dist/nap-<version>.tgz
  napgen check -f values.env --format json
  napgen init --profile multi-node --with sandbox   # a new values.env with fresh secrets
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
    /// Write the install as a Helm chart: a chart folder, or the archive `helm package` would write.
    #[command(group(ArgGroup::new("target").required(true).args(["output", "tgz"])), after_help = CHART_EXAMPLES)]
    Chart {
        #[command(flatten)]
        values: ValuesArgs,
        /// Write the chart folder DIR (atomically; a folder napgen did not write is never replaced).
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: Option<PathBuf>,
        /// Write the chart archive FILE (byte-reproducible); when FILE is an existing folder, write
        /// FILE/nap-<version>.tgz as `helm package` names it.
        #[arg(long, value_name = "FILE")]
        tgz: Option<PathBuf>,
    },
    /// Validate the values; print errors and warnings with file:line.
    #[command(after_help = CHECK_EXAMPLES)]
    Check {
        #[command(flatten)]
        values: ValuesArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Write a new, commented values.env with freshly generated secrets.
    #[command(after_help = INIT_EXAMPLES)]
    Init {
        /// The cluster profile.
        #[arg(long, default_value = "single-node", value_parser = clap::builder::PossibleValuesParser::new(napgen::registry::PROFILES))]
        profile: String,
        /// Optional modules to switch on, comma-separated or repeated: sandbox, browser, ldap, codex, claude-code.
        #[arg(long, value_name = "MODULE,...")]
        with: Vec<String>,
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
  napgen chart -f values.env -o nap/                # a chart folder (replaced only if napgen wrote it)
  napgen chart -f values.env --tgz .                # ./nap-<version>.tgz, as helm package names it
  napgen render -f values.env --only namespace | kubectl apply --server-side -f -
  helm upgrade --install nap ./nap -n nap --timeout 15m

Helm cannot read a chart from a pipe; write a folder or an archive and hand Helm its path.
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
Exit codes: 0 valid (warnings allowed), 3 errors, 4 a file cannot be read.";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  napgen completions bash > ~/.local/share/bash-completion/completions/napgen
  napgen completions zsh > \"${fpath[1]}/_napgen\"
  napgen completions fish > ~/.config/fish/completions/napgen.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  napgen man > napgen.1 && man ./napgen.1
  napgen man render > napgen-render.1
  for c in '' render check init keys explain images rbac prereqs diff; do
    napgen man $c > napgen${c:+-$c}.1; done";

const INIT_EXAMPLES: &str = "\
Examples:
  napgen init                                   # ./values.env: single-node, Codex agents
  napgen init --profile multi-node --with sandbox,browser -o prod.env
  napgen init --set TOS_HOST=192.0.2.10 --set OPENAI_API_KEY=\"$OPENAI_API_KEY\"
  napgen init --stdout | napgen check -f -        # try it without writing a file

Secrets are 64 hex characters from the OS's secure random source; the file is written with mode
0600 and never replaces an existing file unless --force is given. Values only you know (an API key,
TURN_HOST, the LDAP server, a multi-node cluster's storage classes) are left empty under a
'# REQUIRED:' line; napgen check reports them with their line until they are set.

Exit codes: 0 ok, 2 usage, 3 invalid --with/--set, 4 the file exists or cannot be written.";

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
    napgen::diagnostic::use_color(
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
            if let Some(dir) = split {
                let objects = match configured.objects(only.as_deref()) {
                    Ok(r) => r,
                    Err(f) => return fail(f),
                };
                let header = app::header(&configured.plan);
                return match emit::write_dir_atomic(&dir, &emit::split_files(&objects, &header)) {
                    Ok(()) => ExitCode::SUCCESS,
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
            match output {
                Some(path) => match emit::write_file_atomic(&path, text.as_bytes()) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => fail(Failure::Io(e.to_string())),
                },
                None => write_stdout(text.as_bytes()),
            }
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
            let (written, result) = match (output, tgz) {
                (Some(dir), _) => {
                    let r = emit::write_dir_atomic(&dir, &chart.files);
                    (dir, r)
                }
                (None, Some(file)) => {
                    let path = if file.is_dir() {
                        file.join(chart.archive_name())
                    } else {
                        file
                    };
                    let r = match emit::tar_gz(chart.name, &chart.files) {
                        Ok(bytes) => emit::write_file_atomic(&path, &bytes),
                        Err(e) => return fail(Failure::Internal(format!("error: {e}"))),
                    };
                    (path, r)
                }
                (None, None) => unreachable!("clap requires -o or --tgz"),
            };
            match result {
                Ok(()) => {
                    eprintln!(
                        "napgen: wrote chart {} {} to {}",
                        chart.name,
                        chart.version,
                        written.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(Failure::Io(e.to_string())),
            }
        }
        Command::Check { values, format } => {
            let (diagnostics, code, sources) = match app::check(&values.inputs(), cwd, &mut stdin) {
                Ok(c) => (c.warnings, exit::OK, c.sources),
                Err(Failure::Invalid(d)) => (d, exit::INVALID, vec![]),
                Err(f) => return fail(f),
            };
            if format == Format::Json {
                let report = serde_json::json!({
                    "ok": code == exit::OK,
                    "errors": diagnostics.iter().filter(|d| d.is_error()).count(),
                    "warnings": diagnostics.iter().filter(|d| !d.is_error()).count(),
                    "diagnostics": diagnostics,
                });
                let _ = write_stdout(
                    format!("{}\n", serde_json::to_string_pretty(&report).unwrap()).as_bytes(),
                );
            } else {
                print_diagnostics(&diagnostics);
                eprintln!("{}", app::check_summary(&diagnostics, &sources));
            }
            ExitCode::from(code as u8)
        }
        Command::Init {
            profile,
            with,
            sets,
            output,
            stdout,
            force,
        } => init(
            init::Request {
                profile,
                with,
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
            let load = |side: &str, stdin: &mut dyn io::Read| diff::load(side, cwd, stdin);
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
                match prereqs::write_files(&ctx, dir, with_secret) {
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
        napgen::settings::Settings,
        napgen::plan::Plan,
        Vec<napgen::render::Object>,
    ),
    Failure,
> {
    let configured = app::configure(&values.inputs(), Path::new("."), stdin)?;
    print_diagnostics(&configured.warnings);
    let (plan, objects) = app::render_objects(&configured.settings)?;
    Ok((configured.settings, plan, objects))
}

fn init(request: init::Request, output: String, force: bool) -> ExitCode {
    let generated = match init::generate(&request, &mut init::os_random) {
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
                let help = match napgen::validate::suggest(name, names.iter().map(String::as_str)) {
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

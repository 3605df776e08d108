//! The napgen command line: parses arguments and calls the library. Nothing else lives here.

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use napgen::app::{self, exit, Failure};
use napgen::diagnostic::Diagnostic;
use napgen::emit;
use napgen::fleet;
use napgen::input::Inputs;
use std::io::{self, Write};
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
    #[command(group(ArgGroup::new("target").required(true).args(["output", "tgz"])))]
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
    Check {
        #[command(flatten)]
        values: ValuesArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let mut err = io::stderr().lock();
    for d in diagnostics {
        let _ = writeln!(err, "{d}");
    }
}

fn fail(failure: Failure) -> ExitCode {
    match &failure {
        Failure::Invalid(diags) => {
            print_diagnostics(diags);
            let errors = diags.iter().filter(|d| d.is_error()).count();
            eprintln!("napgen: {errors} error(s) in the values; nothing was written");
        }
        Failure::Io(m) | Failure::Internal(m) => eprintln!("{m}"),
    }
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
            let text = match configured.bundle(only.as_deref()) {
                Ok(text) => text,
                Err(f) => return fail(f),
            };
            // The process ends after writing: freeing the plan one value at a time would only
            // cost time.
            std::mem::forget(configured);
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
            let (diagnostics, code) = match app::configure(&values.inputs(), cwd, &mut stdin) {
                Ok(c) => (c.warnings, exit::OK),
                Err(Failure::Invalid(d)) => (d, exit::INVALID),
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
            }
            ExitCode::from(code as u8)
        }
    }
}

fn main() -> ExitCode {
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

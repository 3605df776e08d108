//! `napgen render`: the install as one YAML bundle on stdout or in a file, one file per object in
//! a folder (`--split`), or many environments into a folder (`--each`).

use super::{print_diagnostics, write_stdout};
use crate::cli::RenderArgs;
use napgen::app;
use napgen::emit;
use napgen::fleet;
use napgen::input::Inputs;
use napgen_core::error::Error;
use napgen_core::output::gitops::{self, Tool};
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(args: RenderArgs) -> Result<ExitCode, Error> {
    let RenderArgs {
        values,
        output,
        split,
        only,
        each,
        out_dir,
        jobs,
        tool,
    } = args;
    let tool = tool.tool();
    if let Some(dir) = out_dir {
        return render_each(&values.inputs(), &each, only.as_deref(), tool, &dir, jobs);
    }
    let configured = app::configure(&values.inputs(), Path::new("."), &mut io::stdin())?;
    print_diagnostics(&configured.warnings);
    let objects = configured.objects_for(only.as_deref(), tool)?;
    print_diagnostics(&gitops::warnings(&objects, tool));
    let reseed = (only.as_deref() == Some("seed"))
        .then(|| app::reseed_commands_for(&configured.plan, tool, &apply_command(&output, &split)));
    let header = app::header_for(&configured.plan, tool);
    if let Some(dir) = split {
        emit::write_dir_atomic(
            &dir,
            &napgen_core::output::bundle::split_files(&objects, &header),
        )?;
    } else {
        let text = napgen_core::output::bundle::bundle(&objects, &header);
        match output {
            Some(path) => emit::write_file_atomic(&path, text.as_bytes())?,
            None => write_stdout(text.as_bytes())?,
        }
    }
    if let Some(hint) = reseed {
        eprint!("{hint}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The command that applies what this render writes, for the re-seed hint of `--only seed`.
fn apply_command(output: &Option<PathBuf>, split: &Option<PathBuf>) -> String {
    match (output, split) {
        (Some(file), _) => format!(
            "kubectl apply --server-side -f {}",
            shell_word(&file.to_string_lossy())
        ),
        (_, Some(dir)) => format!(
            "kubectl apply --server-side -k {}",
            shell_word(&dir.to_string_lossy())
        ),
        _ => format!("{} | kubectl apply --server-side -f -", invocation()),
    }
}

/// `render --each`: every environment into one folder.
fn render_each(
    shared: &Inputs,
    each: &[String],
    only: Option<&str>,
    tool: Tool,
    dir: &Path,
    jobs: Option<usize>,
) -> Result<ExitCode, Error> {
    let cwd = Path::new(".");
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let environments = fleet::environments(each, cwd)?;
    let outcomes = fleet::render(shared, &environments, only, tool, cwd, dir, jobs)?;
    let code = fleet::report(&outcomes, dir, &mut io::stderr().lock());
    Ok(ExitCode::from(code as u8))
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

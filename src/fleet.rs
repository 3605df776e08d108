//! Fleet rendering: many environments in one run (`napgen render --each PATH --out-dir DIR`).
//!
//! Each environment is one values file, rendered on top of the shared `-f` files and `--set`
//! flags exactly as `napgen render -f <shared files> -f <environment> --set ...` would render it,
//! into `DIR/<name>.yaml` (`<name>` being the file's name without `.env`). Environments are
//! rendered in parallel, each on one thread from start to end, and each bundle is written as
//! soon as it is ready, so memory does not grow with the number of environments. The folder is
//! written atomically: when any environment fails, nothing is written.

use crate::app;
use crate::emit::StagedDir;
use crate::input::Inputs;
use napgen_core::diagnostic::{Diagnostic, Origin};
use napgen_core::error::{exit, Error};
use napgen_core::output::gitops::{self, Tool};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// One environment: its values file and the name of its bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// The values file, as given (folders joined with the file's name).
    pub path: String,
    /// The file's name without `.env`; the bundle is `<name>.yaml`.
    pub name: String,
}

impl Environment {
    /// The bundle's file name in the output folder.
    pub fn file_name(&self) -> String {
        format!("{}.yaml", self.name)
    }
}

fn invalid(message: String, help: &str) -> Error {
    Error::invalid(Diagnostic::error(None, None, message, help))
}

/// The environments `--each` names: files as given, folders as the `*.env` files directly in
/// them, sorted by name. Two environments with the same name, or none at all, are errors.
pub fn environments(each: &[String], cwd: &Path) -> Result<Vec<Environment>, Error> {
    let mut found = Vec::new();
    for given in each {
        if given == "-" {
            return Err(invalid(
                "--each cannot read standard input".into(),
                "give values files or folders of them",
            ));
        }
        let path = cwd.join(given);
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).map_err(|e| {
                Error::io_at(
                    given,
                    format!("cannot read the folder: {e}"),
                    "check the path and its permissions",
                )
            })?;
            let mut files: Vec<String> = entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".env") && n.len() > 4)
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(invalid(
                    format!("--each {given}: the folder holds no .env file"),
                    "put one values file per environment in it, named <environment>.env",
                ));
            }
            let folder = given.trim_end_matches('/');
            found.extend(files.into_iter().map(|file| Environment {
                name: file.trim_end_matches(".env").to_string(),
                path: format!("{folder}/{file}"),
            }));
        } else {
            let file = Path::new(given)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = file.strip_suffix(".env").unwrap_or(&file).to_string();
            if name.is_empty() || name.starts_with('.') {
                return Err(invalid(
                    format!("--each {given}: not a values file name"),
                    "name each environment's values file <environment>.env",
                ));
            }
            found.push(Environment {
                path: given.clone(),
                name,
            });
        }
    }
    let mut names: Vec<(&str, &str)> = found
        .iter()
        .map(|e| (e.name.as_str(), e.path.as_str()))
        .collect();
    names.sort();
    if let Some(pair) = names.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(invalid(
            format!(
                "--each: {} and {} would both write {}.yaml",
                pair[0].1, pair[1].1, pair[0].0
            ),
            "give each environment a file name of its own",
        ));
    }
    Ok(found)
}

/// One environment's warnings, or why it failed.
pub type EnvironmentResult = Result<Vec<Diagnostic>, Error>;

/// How one environment went.
#[derive(Debug)]
pub struct Outcome {
    pub environment: Environment,
    pub result: EnvironmentResult,
}

/// Render every environment into `out_dir` on `jobs` threads. The outcomes come back in the
/// order of `environments`; findings about an environment as a whole name its file. `out_dir`
/// is written only when every environment rendered; the error is about the folder itself.
pub fn render(
    shared: &Inputs,
    environments: &[Environment],
    only: Option<&str>,
    tool: Tool,
    cwd: &Path,
    out_dir: &Path,
    jobs: usize,
) -> Result<Vec<Outcome>, Error> {
    if shared.files.iter().any(|f| f == "-") {
        return Err(invalid(
            "-f - cannot be combined with --each".into(),
            "standard input can be read only once; put the shared values in a file",
        ));
    }
    let staged = StagedDir::new(out_dir)?;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<EnvironmentResult>>> =
        Mutex::new(environments.iter().map(|_| None).collect());
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(environment) = environments.get(i) else {
            return;
        };
        let result = render_one(shared, environment, only, tool, cwd, &staged);
        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
    };
    let jobs = jobs.clamp(1, environments.len().max(1));
    std::thread::scope(|scope| {
        for _ in 1..jobs {
            scope.spawn(work);
        }
        work();
    });
    let outcomes: Vec<Outcome> = results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .zip(environments)
        .map(|(result, environment)| Outcome {
            environment: environment.clone(),
            result: result.expect("every environment was rendered"),
        })
        .collect();
    if outcomes.iter().all(|o| o.result.is_ok()) {
        let names: Vec<String> = environments.iter().map(Environment::file_name).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        staged.commit(&names)?;
    }
    Ok(outcomes)
}

/// One environment, rendered and written into the staging folder.
fn render_one(
    shared: &Inputs,
    environment: &Environment,
    only: Option<&str>,
    tool: Tool,
    cwd: &Path,
    staged: &StagedDir,
) -> EnvironmentResult {
    let mut inputs = shared.clone();
    inputs.files.push(environment.path.clone());
    let name_whole = |mut diagnostics: Vec<Diagnostic>| {
        for d in &mut diagnostics {
            d.origin.get_or_insert_with(|| Origin {
                source: environment.path.clone(),
                line: None,
            });
        }
        diagnostics
    };
    let mut configured =
        app::configure(&inputs, cwd, &mut std::io::empty()).map_err(|f| match f {
            Error::Invalid(d) => Error::Invalid(name_whole(d)),
            other => other,
        })?;
    let mut warnings = std::mem::take(&mut configured.warnings);
    let objects = configured.objects_for(only, tool).map_err(|f| match f {
        Error::Invalid(d) => Error::Invalid(name_whole(d)),
        other => other,
    })?;
    warnings.extend(gitops::warnings(&objects, tool));
    let bundle = napgen_core::output::bundle::bundle(
        &objects,
        &napgen_core::pipeline::header_for(&configured.plan, tool),
    );
    staged.write(&environment.file_name(), bundle.as_bytes())?;
    Ok(name_whole(warnings))
}

/// Print the outcomes for people, environment by environment (warnings and errors, each naming
/// its file), then one line on what was written; the exit code is that of the most serious
/// failure.
pub fn report(outcomes: &[Outcome], out_dir: &Path, out: &mut dyn Write) -> i32 {
    let (mut failed, mut code) = (0, exit::OK);
    for outcome in outcomes {
        match &outcome.result {
            Ok(diagnostics) | Err(Error::Invalid(diagnostics)) => {
                for d in diagnostics {
                    let _ = writeln!(out, "{d}");
                }
            }
            Err(other) => {
                let _ = write!(out, "{}", other.render(false));
            }
        }
        if let Err(f) = &outcome.result {
            failed += 1;
            code = code.max(f.exit_code());
        }
    }
    let _ = if failed > 0 {
        writeln!(
            out,
            "napgen: {failed} of {} environment(s) failed; nothing was written",
            outcomes.len()
        )
    } else {
        writeln!(
            out,
            "napgen: rendered {} environment(s) into {}",
            outcomes.len(),
            out_dir.display()
        )
    };
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every failed environment is reported as every failure is, ending with a `help:` line
    /// (an internal error used to print its bare message).
    #[test]
    fn report_prints_each_failure_with_its_help() {
        let environment = |name: &str| Environment {
            path: format!("envs/{name}.env"),
            name: name.into(),
        };
        let outcomes = [
            Outcome {
                environment: environment("a"),
                result: Err(Error::internal("rendering: boom")),
            },
            Outcome {
                environment: environment("b"),
                result: Err(Error::io_at("out", "gone", "look")),
            },
            Outcome {
                environment: environment("c"),
                result: Ok(vec![]),
            },
        ];
        let mut out = Vec::new();
        let code = report(&outcomes, Path::new("out"), &mut out);
        assert_eq!(code, exit::INTERNAL);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "error: rendering: boom\n  help: {}\n\
                 error: out: gone\n  help: look\n\
                 napgen: 2 of 3 environment(s) failed; nothing was written\n",
                napgen_core::error::INTERNAL_HELP
            )
        );
    }
}

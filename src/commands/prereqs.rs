//! `napgen prereqs`: what to install before applying, and OpenSandbox's values file with
//! `--write-values`.

use super::{configured, write_stdout};
use crate::cli::{Format, PrereqsArgs};
use napgen::app;
use napgen_core::error::Error;
use napgen_core::ops::prereqs;
use std::process::ExitCode;

pub fn run(args: PrereqsArgs) -> Result<ExitCode, Error> {
    let (config, plan, objects) = configured(&args.values)?;
    let dir_text = args
        .write_values
        .as_ref()
        .map(|d| d.to_string_lossy().into_owned());
    let ctx = prereqs::Context {
        config: &config,
        plan: &plan,
        objects: &objects,
        values_dir: dir_text.as_deref(),
    };
    if let Some(dir) = &args.write_values {
        for note in app::write_prereq_files(&ctx, dir, args.with_secret)? {
            eprintln!("napgen prereqs: {note}");
        }
    }
    let steps = prereqs::steps(&ctx);
    let text = match args.format {
        Format::Human => prereqs::text(&ctx, &steps),
        Format::Json => prereqs::json(&steps),
    };
    write_stdout(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

//! `napgen completions SHELL`: a shell completion script.

use super::write_stdout;
use crate::cli::{Cli, CompletionsArgs};
use clap::CommandFactory;
use napgen_core::error::Error;
use std::process::ExitCode;

pub fn run(args: CompletionsArgs) -> Result<ExitCode, Error> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "napgen", &mut out);
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

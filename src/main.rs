//! The napgen command line: parses the arguments ([`cli`]), runs one command ([`commands`]), and
//! prints the error that stopped it, if any, with its exit code.

mod cli;
mod commands;

use clap::Parser;
use cli::{Cli, Command};
use napgen_core::error::{exit, Error};
use std::process::ExitCode;

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
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprint!("{}", error.render(commands::color()));
            ExitCode::from(error.exit_code() as u8)
        }
    }
}

/// Run one command.
fn run(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Render(args) => commands::render::run(args),
        Command::Chart(args) => commands::chart::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Init(args) => commands::init::run(args),
        Command::Enable(args) => commands::toggle::enable(args),
        Command::Disable(args) => commands::toggle::disable(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Graph(args) => commands::graph::run(args),
        Command::Rbac(args) => commands::rbac::run(args),
        Command::Prereqs(args) => commands::prereqs::run(args),
        Command::ArgocdPlugin(args) => commands::argocd_plugin::run(args),
        Command::Images(args) => commands::images::run(args),
        Command::Keys(args) => commands::keys::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::man::run(args),
    }
}

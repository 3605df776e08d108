//! `napgen man [COMMAND]`: the roff page of napgen, or of one command (named `napgen-COMMAND`).

use super::write_stdout;
use crate::cli::{Cli, ManArgs};
use clap::CommandFactory;
use napgen_core::diagnostic::Diagnostic;
use napgen_core::error::Error;
use std::process::ExitCode;

pub fn run(args: ManArgs) -> Result<ExitCode, Error> {
    let mut root = Cli::command();
    // Building sets each command's display name (`napgen-render`), which the page is titled by.
    root.build();
    let page = match args.command.as_deref() {
        None => root,
        Some(name) => match root.find_subcommand(name) {
            Some(sub) => sub.clone().version(env!("CARGO_PKG_VERSION")),
            None => return Err(no_command(&root, name)),
        },
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|e| Error::internal(format!("cannot render the manual page: {e}")))?;
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// `name` is not one of napgen's commands.
fn no_command(root: &clap::Command, name: &str) -> Error {
    let names: Vec<String> = root
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|n| n != "help")
        .collect();
    let help = match napgen_core::config::validate::suggest(name, names.iter().map(String::as_str))
    {
        Some(s) => format!("did you mean {s}? (commands: {})", names.join(", ")),
        None => format!("commands: {}", names.join(", ")),
    };
    Error::invalid(Diagnostic::error(
        None,
        None,
        format!("napgen has no command {name:?}"),
        help,
    ))
}

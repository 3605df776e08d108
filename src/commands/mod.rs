//! What each command does, one file per command. A command takes its parsed arguments and
//! returns the exit code it ran to, or the [`Error`] that stopped it, which `main` prints.

pub mod argocd_plugin;
pub mod chart;
pub mod check;
pub mod completions;
pub mod diff;
pub mod explain;
pub mod graph;
pub mod images;
pub mod init;
pub mod keys;
pub mod man;
pub mod prereqs;
pub mod rbac;
pub mod render;
pub mod toggle;

use crate::cli::ValuesArgs;
use napgen::app;
use napgen_core::config::Config;
use napgen_core::diagnostic::Diagnostic;
use napgen_core::error::Error;
use napgen_core::plan::Plan;
use napgen_core::render::Object;
use std::io::{self, IsTerminal, Write};
use std::path::Path;

/// Colours on stderr only when it is a terminal and NO_COLOR is not set.
pub fn color() -> bool {
    napgen_core::diagnostic::use_color(
        io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// Findings (warnings, mostly) on stderr, one after another.
fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let color = color();
    let mut err = io::stderr().lock();
    for d in diagnostics {
        let _ = writeln!(err, "{}", d.render(color));
    }
}

/// Write a command's output on stdout. A closed pipe (`napgen render | head`) is not an error
/// worth a message.
fn write_stdout(bytes: &[u8]) -> Result<(), Error> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io(
            format!("cannot write to stdout: {e}"),
            "check where standard output goes (a full disk, a closed file)",
        )),
    }
}

/// Load, validate (warnings on stderr) and render: what most commands start with.
fn configured(values: &ValuesArgs) -> Result<(Config, Plan, Vec<Object>), Error> {
    let configured = app::configure(&values.inputs(), Path::new("."), &mut io::stdin())?;
    print_diagnostics(&configured.warnings);
    let objects = configured.render()?;
    Ok((configured.config, configured.plan, objects))
}

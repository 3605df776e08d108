//! `napgen chart`: the install as a Helm chart, an archive or a folder; its path on stdout.

use super::{print_diagnostics, write_stdout};
use crate::cli::ChartArgs;
use napgen::app;
use napgen::emit;
use napgen_core::error::Error;
use std::io;
use std::path::Path;
use std::process::ExitCode;

pub fn run(args: ChartArgs) -> Result<ExitCode, Error> {
    let configured = app::configure(&args.values.inputs(), Path::new("."), &mut io::stdin())?;
    print_diagnostics(&configured.warnings);
    let chart = configured.chart()?;
    let path = match args.output {
        Some(dir) => {
            emit::write_dir_atomic(&dir, &chart.files)?;
            dir
        }
        None => app::write_archive(&chart, args.tgz.as_deref())?,
    };
    eprintln!(
        "napgen: wrote chart {} {} to {}",
        chart.name,
        chart.version,
        path.display()
    );
    write_stdout(format!("{}\n", path.display()).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

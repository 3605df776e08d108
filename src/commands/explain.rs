//! `napgen explain KEY`: everything about one key.

use super::write_stdout;
use crate::cli::ExplainArgs;
use napgen_core::error::Error;
use napgen_core::ops::reference;
use std::process::ExitCode;

pub fn run(args: ExplainArgs) -> Result<ExitCode, Error> {
    let text = reference::explain(&args.key).map_err(Error::invalid)?;
    write_stdout(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

//! `napgen keys`: every values.env key, or those of one module.

use super::write_stdout;
use crate::cli::{KeysArgs, KeysFormat};
use napgen_core::error::Error;
use napgen_core::ops::reference;
use std::process::ExitCode;

pub fn run(args: KeysArgs) -> Result<ExitCode, Error> {
    let module = args
        .module
        .as_deref()
        .map(reference::module_named)
        .transpose()
        .map_err(Error::invalid)?;
    let text = match args.format {
        KeysFormat::Text => reference::text(module),
        KeysFormat::Json => reference::json(module),
        KeysFormat::Markdown => reference::markdown(),
    };
    write_stdout(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

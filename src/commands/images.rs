//! `napgen images`: every image the configuration pulls, for mirroring.

use super::{configured, write_stdout};
use crate::cli::{ImagesArgs, ImagesFormat};
use napgen_core::error::Error;
use napgen_core::ops::images;
use std::process::ExitCode;

pub fn run(args: ImagesArgs) -> Result<ExitCode, Error> {
    let (config, plan, _) = configured(&args.values)?;
    let list = images::list(&config, &plan);
    let text = match args.format {
        ImagesFormat::Text => images::text(&list),
        ImagesFormat::Mirror => images::mirror(&list),
        ImagesFormat::Json => images::json(&list),
    };
    write_stdout(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

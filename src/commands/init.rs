//! `napgen init`: a new, commented values.env with fresh secrets, in a file (never replacing
//! one unless `--force`) or on stdout.

use super::write_stdout;
use crate::cli::InitArgs;
use napgen::app;
use napgen::emit;
use napgen_core::error::Error;
use napgen_core::ops::init;
use std::path::Path;
use std::process::ExitCode;

pub fn run(args: InitArgs) -> Result<ExitCode, Error> {
    let InitArgs {
        profile,
        with,
        without,
        sets,
        output,
        stdout,
        force,
    } = args;
    let output = if stdout { "-".to_string() } else { output };
    let request = init::Request {
        profile,
        with,
        without,
        sets,
    };
    let generated = init::generate(&request, &mut app::os_random)?;
    if output == "-" {
        write_stdout(generated.text.as_bytes())?;
    } else {
        emit::write_private_file(Path::new(&output), generated.text.as_bytes(), force)?;
    }
    eprint!("{}", init::summary(&generated, &output));
    Ok(ExitCode::SUCCESS)
}

//! `napgen check`: every finding about the values, for people (stderr) or programs (JSON on
//! stdout); exit 3 when there are errors.

use super::{print_diagnostics, write_stdout};
use crate::cli::{CheckArgs, Format};
use napgen::app;
use napgen_core::error::{exit, Error};
use std::io;
use std::path::Path;
use std::process::ExitCode;

pub fn run(args: CheckArgs) -> Result<ExitCode, Error> {
    let (diagnostics, code, sources) =
        match app::check(&args.values.inputs(), Path::new("."), &mut io::stdin()) {
            Ok(c) => (c.warnings, exit::OK, c.sources),
            Err(Error::Invalid(d)) => (d, exit::INVALID, vec![]),
            Err(e) => return Err(e),
        };
    match args.format {
        Format::Json => {
            let report = serde_json::json!({
                "ok": code == exit::OK,
                "errors": diagnostics.iter().filter(|d| d.is_error()).count(),
                "warnings": diagnostics.iter().filter(|d| !d.is_error()).count(),
                "diagnostics": diagnostics,
            });
            let text = serde_json::to_string_pretty(&report)
                .map_err(|e| Error::internal(format!("writing the JSON report: {e}")))?;
            write_stdout(format!("{text}\n").as_bytes())?;
        }
        Format::Human => {
            print_diagnostics(&diagnostics);
            eprintln!("{}", app::check_summary(&diagnostics, &sources));
        }
    }
    Ok(ExitCode::from(code as u8))
}

//! `napgen check`: every finding about the values, for people (stderr) or programs (JSON on
//! stdout); exit 3 when there are errors.

use super::{print_diagnostics, write_stdout};
use crate::cli::{CheckArgs, Format};
use napgen::app;
use napgen_core::error::{exit, Error};
use napgen_core::output::gitops;
use std::io;
use std::path::Path;
use std::process::ExitCode;

pub fn run(args: CheckArgs) -> Result<ExitCode, Error> {
    let (diagnostics, code, sources) =
        match app::check(&args.values.inputs(), Path::new("."), &mut io::stdin()) {
            Ok(c) => {
                let tool = args.tool.tool();
                let mut warnings = c.warnings.clone();
                if tool.is_gitops() {
                    warnings.extend(gitops::warnings(&c.objects_for(None, tool)?, tool));
                }
                (warnings, exit::OK, c.sources)
            }
            Err(Error::Invalid(d)) => (d, exit::INVALID, vec![]),
            Err(e) => return Err(e),
        };
    match args.format {
        Format::Json => write_stdout(app::check_json(&diagnostics, code == exit::OK).as_bytes())?,
        Format::Human => {
            print_diagnostics(&diagnostics);
            eprintln!("{}", app::check_summary(&diagnostics, &sources));
        }
    }
    Ok(ExitCode::from(code as u8))
}

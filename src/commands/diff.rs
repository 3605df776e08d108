//! `napgen diff A B`: two installs (values files or bundles) compared object by object; exit 1
//! when they differ.

use super::write_stdout;
use crate::cli::{DiffArgs, Format};
use napgen::app;
use napgen_core::error::{exit, Error};
use napgen_core::ops::diff;
use std::io;
use std::path::Path;
use std::process::ExitCode;

pub fn run(args: DiffArgs) -> Result<ExitCode, Error> {
    let DiffArgs { a, b, format } = args;
    if a == "-" && b == "-" {
        return Err(Error::io(
            "both sides are standard input",
            "give at most one side as -",
        ));
    }
    let (cwd, mut stdin) = (Path::new("."), io::stdin());
    let objects_a = app::diff_side(&a, cwd, &mut stdin)?;
    let objects_b = app::diff_side(&b, cwd, &mut stdin)?;
    let report = diff::compare(&objects_a, &objects_b);
    let text = match format {
        Format::Human => diff::text(&report),
        Format::Json => diff::json(&report),
    };
    write_stdout(text.as_bytes())?;
    eprint!("{}", diff::summary(&report, &a, &b));
    let code = if report.equal {
        exit::OK
    } else {
        exit::DIFFERENT
    };
    Ok(ExitCode::from(code as u8))
}

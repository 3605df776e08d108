//! `napgen graph`: the install's components and the flows its NetworkPolicies allow, as SVG or
//! Graphviz DOT.

use super::{configured, write_stdout};
use crate::cli::{GraphArgs, GraphFormat};
use napgen::emit;
use napgen_core::error::Error;
use napgen_core::ops::graph;
use std::process::ExitCode;

pub fn run(args: GraphArgs) -> Result<ExitCode, Error> {
    let (_, _, objects) = configured(&args.values)?;
    let graph = graph::graph(&objects);
    let text = match args.format {
        GraphFormat::Svg => graph::svg(&graph),
        GraphFormat::Dot => graph::dot(&graph),
    };
    match args.output {
        Some(path) => emit::write_file_atomic(&path, text.as_bytes())?,
        None => write_stdout(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

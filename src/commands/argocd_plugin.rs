//! `napgen argocd-plugin`: the Argo CD Config Management Plugin that renders values.env files.

use super::write_stdout;
use crate::cli::ArgocdPluginArgs;
use napgen_core::error::Error;
use napgen_core::ops::argocd;
use napgen_core::output::yaml::to_yaml;
use std::process::ExitCode;

pub fn run(args: ArgocdPluginArgs) -> Result<ExitCode, Error> {
    let value = match (&args.sidecar, args.config_map) {
        (Some(image), _) => argocd::sidecar_patch(&args.namespace, image),
        (None, true) => argocd::config_map(&args.namespace),
        (None, false) => argocd::plugin(),
    };
    write_stdout(to_yaml(&value).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

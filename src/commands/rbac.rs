//! `napgen rbac`: the least-privilege installer roles, derived from this configuration's bundle.

use super::{configured, write_stdout};
use crate::cli::RbacArgs;
use napgen_core::error::Error;
use napgen_core::ops::{prereqs, rbac};
use std::process::ExitCode;

pub fn run(args: RbacArgs) -> Result<ExitCode, Error> {
    let (config, plan, objects) = configured(&args.values)?;
    let prereqs = args.with_prereqs.then(|| {
        let ctx = prereqs::Context {
            config: &config,
            plan: &plan,
            objects: &objects,
            values_dir: None,
        };
        prereqs::rbac_scopes(&prereqs::steps(&ctx))
    });
    let request = rbac::Request {
        namespace: plan.namespace.clone(),
        subjects: rbac::Subjects {
            users: args.users,
            groups: args.groups,
            service_accounts: args.service_accounts,
        },
        prereqs,
        scc_grants: plan.scc_grants.clone(),
    };
    let (header, roles) = rbac::generate(&objects, &request)?;
    write_stdout(rbac::to_yaml(&header, &roles).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

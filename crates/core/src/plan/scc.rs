//! OpenShift's SecurityContextConstraints (PLATFORM=openshift): which of the install's
//! ServiceAccounts needs an SCC beyond `restricted-v2`, the one every authenticated user may use.
//!
//! OpenShift admits a pod only if an SCC its ServiceAccount (or its creator) may `use` accepts
//! it; the namespace's Pod Security labels do not grant that. Granting an SCC is a cluster
//! admin's decision, so the bundle holds no such binding: `napgen prereqs` prints the `oc`
//! command and `napgen rbac` the RoleBinding, both from [`SccGrant`].

use super::browser::Browser;
use crate::config::Config;
use serde::Serialize;

/// The SCC that allows the host network and host ports, and otherwise is `restricted-v2`: UIDs
/// and fsGroup from the namespace's range, all capabilities dropped, no privilege escalation,
/// seccomp `runtime/default`. Part of OpenShift since 4.11.
pub const HOST_NETWORK_SCC: &str = "hostnetwork-v2";

/// checkov's finding on every workload that fixes no UID (CKV_K8S_40, "run as a high UID"),
/// accepted on OpenShift, with the reason; always the last of a workload's skips.
pub const ASSIGNED_UID_SKIP: &str =
    "CKV_K8S_40=on OpenShift the SCC assigns the UID from the namespace's range, and restricted-v2 refuses a fixed one";

/// One ServiceAccount's use of an SCC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SccGrant {
    /// The SCC's name (`hostnetwork-v2`).
    pub scc: &'static str,
    pub namespace: String,
    pub service_account: String,
    /// What needs it, for the commands' comments.
    pub why: &'static str,
}

impl SccGrant {
    /// The ClusterRole OpenShift keeps for each SCC, granting `use` of it.
    pub fn cluster_role(&self) -> String {
        format!("system:openshift:scc:{}", self.scc)
    }

    /// The name of the RoleBinding `napgen rbac` prints for it.
    pub fn binding_name(&self) -> String {
        format!("{}-scc-{}", self.service_account, self.scc)
    }

    /// The `oc` command a cluster admin runs to grant it (it needs no namespace to exist yet).
    pub fn oc_command(&self) -> String {
        format!(
            "oc adm policy add-scc-to-user {} -z {} -n {}",
            self.scc, self.service_account, self.namespace
        )
    }
}

/// The grants this configuration needs: none off OpenShift; on it, coturn's host network.
pub fn grants(config: &Config, browser: Option<&Browser>) -> Vec<SccGrant> {
    if !config.cluster.openshift() {
        return Vec::new();
    }
    browser
        .map(|b| SccGrant {
            scc: HOST_NETWORK_SCC,
            namespace: b.coturn.namespace.clone(),
            service_account: b.coturn.name.to_string(),
            why: "coturn's relay range needs the host network",
        })
        .into_iter()
        .collect()
}

//! Names napgen builds from values (the namespaces it installs into, the StorageClass, label
//! values) must be the platform's own and fit the limits of what carries them.

use super::key_error;
use super::presence::key_in_use;
use super::values::{label_value_ok, url_host};
use crate::config::registry::{self, Module};
use crate::config::settings::Settings;
use crate::diagnostic::Diagnostic;

/// Namespaces the platform is never installed into: napgen labels its namespace with the
/// restricted Pod Security Standard, and `kubectl delete -f` or `helm uninstall` would delete it.
fn reserved_namespace(settings: &Settings, namespace: &str) -> Option<String> {
    if namespace == "default" {
        return Some("Kubernetes' default namespace".into());
    }
    if namespace.starts_with("kube-") {
        return Some("a kube- namespace, which belongs to Kubernetes itself".into());
    }
    if settings.str("PLATFORM") == "openshift"
        && (namespace == "openshift" || namespace.starts_with("openshift-"))
    {
        return Some(
            "an openshift namespace, which belongs to OpenShift itself (PLATFORM=openshift: it assigns no UID range and no SCC to workloads there)"
                .into(),
        );
    }
    if settings.opt("CNPG_OPERATOR_NAMESPACE") == Some(namespace) {
        return Some("the CloudNativePG operator's namespace (CNPG_OPERATOR_NAMESPACE)".into());
    }
    if namespace == "opensandbox-system" {
        return Some("OpenSandbox's namespace (its chart's default)".into());
    }
    if Module::Monitoring.enabled(settings)
        && settings.opt("MONITORING_NAMESPACE") == Some(namespace)
    {
        return Some("Prometheus' namespace (MONITORING_NAMESPACE)".into());
    }
    None
}

/// NAMESPACE, and the TURN relay's namespace built from it, are the platform's own.
pub(super) fn check_namespace(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let Some(namespace) = settings.opt("NAMESPACE") else {
        return;
    };
    let help = "give the platform a namespace of its own, e.g. NAMESPACE=nap";
    if let Some(why) = reserved_namespace(settings, namespace) {
        diags.push(key_error(
            settings,
            "NAMESPACE",
            format!("{namespace} is {why}; napgen labels the namespace it installs into with the restricted Pod Security Standard, and uninstalling (kubectl delete -f, helm uninstall) would delete it"),
            help,
        ));
    } else if Module::Browser.enabled(settings) {
        let turn = crate::plan::secrets::turn_namespace(settings.str("NAMESPACE"));
        if let Some(why) = reserved_namespace(settings, &turn) {
            diags.push(key_error(
                settings,
                "NAMESPACE",
                format!("makes the TURN relay's namespace {turn}, which is {why}"),
                help,
            ));
        }
    }
}

/// The most characters of a DNS label (RFC 1123): namespace names and label values.
const DNS_LABEL_MAX: usize = 63;

/// Names napgen builds from values must fit the limits of the objects and labels that carry
/// them; each is checked here, with the function that builds it.
pub(super) fn check_derived_names(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    derived_names_fit(settings, diags);
    version_is_a_label_value(settings, diags);
    turn_node_is_a_label_value(settings, diags);
    ingress_hosts_are_lower_case(settings, diags);
}

/// The names built from NAMESPACE (the TURN relay's namespace, the NFS StorageClass) fit a DNS
/// label.
fn derived_names_fit(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let namespace_len = settings.str("NAMESPACE").len();
    let mut derived: Vec<(String, &str, &str)> = Vec::new();
    if Module::Browser.enabled(settings) {
        derived.push((
            crate::plan::secrets::turn_namespace(settings.str("NAMESPACE")),
            "with the browser module on, the TURN relay's namespace <NAMESPACE>-turn",
            "a namespace name",
        ));
    }
    if settings.is_set("NFS_SERVER") {
        derived.push((
            registry::nfs_storage_class(settings),
            "with NFS_SERVER set, the StorageClass <NAMESPACE>-nfs",
            "its label app.kubernetes.io/name",
        ));
    }
    for (name, what, holder) in derived {
        if settings.is_set("NAMESPACE") && name.len() > DNS_LABEL_MAX {
            let room = DNS_LABEL_MAX - (name.len() - namespace_len);
            diags.push(key_error(
                settings,
                "NAMESPACE",
                format!(
                    "is {namespace_len} characters long, so {what} is {}; {holder} holds at most {DNS_LABEL_MAX}",
                    name.len()
                ),
                format!("shorten NAMESPACE to at most {room} characters"),
            ));
        }
    }
}

/// NAP_VERSION is every object's app.kubernetes.io/version label.
fn version_is_a_label_value(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let version = settings.str("NAP_VERSION");
    if !label_value_ok(version) {
        diags.push(key_error(
            settings,
            "NAP_VERSION",
            "is the value of the label app.kubernetes.io/version on every object, which is at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
            "give the release version, e.g. NAP_VERSION=1.8.0",
        ));
    }
}

/// TURN_NODE is matched against a node label's value.
fn turn_node_is_a_label_value(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if Module::Browser.enabled(settings)
        && settings
            .opt("TURN_NODE")
            .is_some_and(|n| !label_value_ok(n))
    {
        diags.push(key_error(
            settings,
            "TURN_NODE",
            "is matched against the node label kubernetes.io/hostname, whose value is at most 63 letters, digits, '-', '_' and '.'",
            "give the node's name as kubectl get nodes shows it",
        ));
    }
}

/// Behind an Ingress, each public URL's host is an Ingress rule's host, which is lower case.
fn ingress_hosts_are_lower_case(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if settings.str("INGRESS_MODE") != "ingress" {
        return;
    }
    for key in ["TOS_PUBLIC_URL", "SANDBOX_PUBLIC_URL", "BROWSER_PUBLIC_URL"] {
        let host = settings.opt(key).and_then(url_host);
        if key_in_use(registry::key(key).expect("a registry key"), settings)
            && host.is_some_and(|h| h.bytes().any(|b| b.is_ascii_uppercase()))
        {
            diags.push(key_error(
                settings,
                key,
                "has upper-case letters in its host, and the host of an Ingress rule is lower case",
                format!(
                    "write the host in lower case: {}",
                    host.unwrap_or_default().to_ascii_lowercase()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::validate::testing::*;

    #[test]
    fn reserved_namespaces_are_refused() {
        for ns in [
            "kube-system",
            "default",
            "kube-public",
            "kube-node-lease",
            "cnpg-system",
            "opensandbox-system",
        ] {
            let e = error_for(&[("NAMESPACE", ns)], "NAMESPACE");
            assert!(
                e.starts_with(&format!("error: values.env:1: NAMESPACE: {ns} is "))
                    && e.contains("uninstalling")
                    && e.contains("help: give the platform a namespace of its own"),
                "{ns}: {e}"
            );
        }
        let e = error_for(
            &[
                ("CNPG_OPERATOR_NAMESPACE", "postgres-operator"),
                ("NAMESPACE", "postgres-operator"),
            ],
            "NAMESPACE",
        );
        assert!(e.contains("the CloudNativePG operator's namespace"), "{e}");
        // cnpg-system is free when the operator lives elsewhere.
        assert!(run(&[
            ("CNPG_OPERATOR_NAMESPACE", "postgres-operator"),
            ("NAMESPACE", "cnpg-system")
        ])
        .settings
        .is_some());
        let e = error_for(
            &[("MONITORING_ENABLED", "true"), ("NAMESPACE", "monitoring")],
            "NAMESPACE",
        );
        assert!(e.contains("Prometheus' namespace"), "{e}");
        let e = error_for(
            &[
                ("NAMESPACE", "kube"),
                ("BROWSER_ENABLED", "true"),
                ("TURN_HOST", "192.0.2.1"),
            ],
            "NAMESPACE",
        );
        assert!(e.contains("TURN relay's namespace kube-turn"), "{e}");
    }

    #[test]
    fn openshift_namespaces_are_refused_on_openshift_only() {
        for ns in ["openshift", "openshift-nap"] {
            let e = error_for(&[("PLATFORM", "openshift"), ("NAMESPACE", ns)], "NAMESPACE");
            assert!(
                e.starts_with(&format!(
                    "error: values.env:2: NAMESPACE: {ns} is an openshift namespace, which belongs to OpenShift itself"
                )) && e.contains("help: give the platform a namespace of its own"),
                "{ns}: {e}"
            );
            assert!(run(&[("NAMESPACE", ns)]).settings.is_some(), "{ns}");
        }
        // "openshift" makes the TURN relay's namespace openshift-turn.
        let e = error_for(
            &[
                ("PLATFORM", "openshift"),
                ("NAMESPACE", "openshift"),
                ("BROWSER_ENABLED", "true"),
                ("TURN_HOST", "192.0.2.1"),
            ],
            "NAMESPACE",
        );
        assert!(e.contains("openshift is an openshift namespace"), "{e}");
        assert!(
            run(&[("PLATFORM", "openshift"), ("NAMESPACE", "nap-openshift")])
                .settings
                .is_some()
        );
    }

    #[test]
    fn derived_names_fit_their_limits() {
        let browser = |ns: &str| {
            run(&[
                ("NAMESPACE", ns),
                ("BROWSER_ENABLED", "true"),
                ("TURN_HOST", "192.0.2.1"),
            ])
        };
        assert!(browser(&"a".repeat(58)).settings.is_some());
        let v = browser(&"a".repeat(59));
        let e = messages(&v).join("\n");
        assert!(
            e.contains("error: values.env:1: NAMESPACE: is 59 characters long, so with the browser module on, the TURN relay's namespace <NAMESPACE>-turn is 64; a namespace name holds at most 63")
                && e.contains("help: shorten NAMESPACE to at most 58 characters"),
            "{e}"
        );
        // The NFS StorageClass's name is RWX_STORAGE_CLASS's default: reported on NAMESPACE,
        // where it comes from, not a panic over an invalid default.
        let nfs = |ns: &str| {
            run(&[
                ("NAMESPACE", ns),
                ("NFS_SERVER", "nfs.example.com"),
                ("NFS_SHARE", "/srv"),
            ])
        };
        assert_eq!(
            nfs(&"a".repeat(59))
                .settings
                .unwrap()
                .str("RWX_STORAGE_CLASS")
                .len(),
            63
        );
        let e = error_for(
            &[
                ("NAMESPACE", &"a".repeat(63)),
                ("NFS_SERVER", "nfs.example.com"),
                ("NFS_SHARE", "/srv"),
            ],
            "NAMESPACE",
        );
        assert!(
            e.contains("the StorageClass <NAMESPACE>-nfs is 67")
                && e.contains("at most 59 characters"),
            "{e}"
        );
        for version in ["_1.8.0", "1.8.0-", &format!("1.{}", "0".repeat(63))] {
            let e = error_for(&[("NAP_VERSION", version)], "NAP_VERSION");
            assert!(e.contains("app.kubernetes.io/version"), "{version}: {e}");
        }
        let e = error_for(
            &[
                ("BROWSER_ENABLED", "true"),
                ("TURN_HOST", "192.0.2.1"),
                ("TURN_NODE", "2001:db8::1"),
            ],
            "TURN_NODE",
        );
        assert!(e.contains("kubernetes.io/hostname"), "{e}");
        let e = error_for(
            &[
                ("INGRESS_MODE", "ingress"),
                ("TOS_PUBLIC_URL", "https://NAP.example.com"),
            ],
            "TOS_PUBLIC_URL",
        );
        assert!(e.contains("lower case: nap.example.com"), "{e}");
    }
}

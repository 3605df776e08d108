//! Warnings about a configuration that is valid but will not work as meant: endpoints the
//! NetworkPolicies block, a TURN relay users cannot reach, loopback sign-in redirects, an
//! OpenSandbox without a key or in the wrong namespace, a storage class changed on an install.

use super::presence::key_in_use;
use super::values::{is_loopback, is_private_ip, is_public_host, service_namespace, url_host};
use super::{key_warning, shown_setting};
use crate::config::dotenv::Entry;
use crate::config::registry::{self, Module, KEYS};
use crate::config::settings::Settings;
use crate::diagnostic::{Diagnostic, Shown};
use std::net::IpAddr;

/// Endpoints given by a name egress rules cannot place. Agent pods reach only the internet (and
/// IPs or in-cluster Services their LLM endpoint is given as), so a private LLM host name is
/// blocked until AGENT_EGRESS_ALLOW_CIDRS opens its range. A single-label name of a proxy, LDAP
/// server or S3 endpoint may be an in-cluster Service found through the search path, which the
/// egress rules for addresses outside the cluster do not reach.
pub(super) fn check_private_endpoints(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let on = |m: Module| m.enabled(settings);
    let mut keys: Vec<(&str, bool)> = Vec::new();
    if on(Module::Codex) {
        keys.push(("OPENAI_BASE_URL", true));
    }
    if on(Module::ClaudeCode) {
        keys.push(("ANTHROPIC_BASE_URL", true));
    }
    keys.extend([("HTTP_PROXY", false), ("HTTPS_PROXY", false)]);
    if on(Module::Ldap) {
        keys.push(("LDAP_URL", false));
    }
    if on(Module::Backup) {
        keys.push(("BACKUP_S3_ENDPOINT", false));
    }
    let opened = !settings.list("AGENT_EGRESS_ALLOW_CIDRS").is_empty();
    for (key, agents) in keys {
        let Some((url, host)) = settings
            .opt(key)
            .and_then(|url| Some((url, url_host(url)?)))
        else {
            continue;
        };
        let shown_host = shown_setting(key, url).named_part(host, "the host");
        if host.parse::<IpAddr>().is_ok() || service_namespace(host).is_some() {
            continue;
        }
        if agents && !opened && !is_public_host(host) {
            diags.push(key_warning(
                settings,
                key,
                format!("{shown_host} is a private host name: agent pods reach only the internet, so their NetworkPolicy blocks it"),
                "set AGENT_EGRESS_ALLOW_CIDRS to the range its address is in (e.g. 10.20.0.0/24), or give the endpoint as an IP or an in-cluster Service (name.namespace.svc), which napgen opens on the URL's port",
            ));
        } else if !agents && !host.contains('.') {
            diags.push(key_warning(
                settings,
                key,
                format!("{shown_host} is a single-label name: when it is an in-cluster Service, the NetworkPolicies do not open it"),
                "write an in-cluster Service as name.namespace.svc (napgen then allows its namespace on the URL's port), or give the host's full DNS name or IP",
            ));
        }
    }
}

/// A TURN relay on a private address cannot be reached by users who come in through a public
/// address: the browser page loads, its live view does not.
pub(super) fn check_turn_reachability(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if !Module::Browser.enabled(settings) {
        return;
    }
    let Ok(turn) = settings.str("TURN_HOST").parse::<IpAddr>() else {
        return;
    };
    if !is_private_ip(turn) {
        return;
    }
    let mut public: Vec<String> = KEYS
        .iter()
        .filter(|k| k.name.ends_with("_PUBLIC_URL") && key_in_use(k, settings))
        .filter_map(|k| {
            let url = settings.opt(k.name)?;
            is_public_host(url_host(url)?).then(|| format!("{} ({})", k.name, Shown::value(k, url)))
        })
        .collect();
    let tos_host = settings.str("TOS_HOST");
    if settings.str("INGRESS_MODE") == "nodeport"
        && tos_host.parse::<IpAddr>().is_ok()
        && is_public_host(tos_host)
    {
        public.insert(
            0,
            format!("TOS_HOST ({})", shown_setting("TOS_HOST", tos_host)),
        );
    }
    if public.is_empty() {
        return;
    }
    diags.push(key_warning(
        settings,
        "TURN_HOST",
        format!("{turn} is a private address, while users reach the platform on public addresses: {}", public.join(", ")),
        "users outside your network would load the browser page but not its live view (WebRTC relays through TURN_HOST); set TURN_HOST to the public IP of the node coturn runs on (open 3478/tcp+udp and 49152-49252/udp there), or ignore this if every user is inside the network",
    ));
}

/// OpenSandbox's API key is optional, as the platform's pages never ask for one: without it
/// nap-sandbox sends none and `napgen prereqs` starts OpenSandbox's server without one, which
/// OpenSandbox allows only when told so explicitly.
pub(super) fn check_opensandbox_api_key(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if !Module::Sandbox.enabled(settings) || settings.is_set("OPENSANDBOX_API_KEY") {
        return;
    }
    diags.push(key_warning(
        settings,
        "OPENSANDBOX_API_KEY",
        "is not set: nap-sandbox sends no API key, and napgen prereqs configures OpenSandbox's server to run without one (OPENSANDBOX_INSECURE_SERVER=YES), so any pod that reaches OPENSANDBOX_URL can create sandboxes",
        "set OPENSANDBOX_API_KEY to a random value (openssl rand -hex 32) and rerun napgen prereqs --write-values, which then gives OpenSandbox the same key; or keep it empty if only the platform can reach OpenSandbox",
    ));
}

/// The sandbox and the browser sign users in through OAuth redirects to their public origin; a
/// loopback origin (TOS_HOST's single-node default, 127.0.0.1) works only in a browser on the
/// node itself, and everywhere else the login fails with `invalid_redirect_uri`.
pub(super) fn check_loopback_redirects(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    // A loopback *_PUBLIC_URL is refused by URL validation, so only TOS_HOST can make the
    // NodePort-derived redirect URIs loopback.
    let mut uris = Vec::new();
    for (module, client_id, url_key, port_key) in crate::plan::SIGN_IN_SERVICES {
        // An invalid port is reported already and leaves no origin to judge.
        if !module.enabled(settings)
            || settings.is_set(url_key)
            || settings.int_opt(port_key).is_none()
        {
            continue;
        }
        let node_port = settings
            .int_opt(port_key)
            .and_then(|p| u16::try_from(p).ok());
        let Some(node_port) = node_port.map(crate::config::types::Port) else {
            continue;
        };
        let uri = crate::plan::redirect_uri(None, settings.str("TOS_HOST"), node_port);
        if url_host(&uri).is_some_and(is_loopback) {
            uris.push(format!("{client_id} {uri}"));
        }
    }
    if uris.is_empty() {
        return;
    }
    diags.push(key_warning(
        settings,
        "TOS_HOST",
        format!(
            "makes the OAuth redirect URIs loopback addresses ({}): signing in works only in a browser on the node itself, elsewhere it fails with invalid_redirect_uri",
            uris.join(", ")
        ),
        "set TOS_HOST to the node address users reach, or set SANDBOX_PUBLIC_URL / BROWSER_PUBLIC_URL to the origin users open each service at",
    ));
}

/// OpenSandbox's server chart sets no securityContext and has no value for one, so the platform's
/// namespace, which enforces Pod Security `restricted`, refuses its pods.
pub(super) fn check_opensandbox_namespace(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let namespace = settings.str("NAMESPACE");
    if !Module::Sandbox.enabled(settings)
        || crate::ops::prereqs::sandbox_target(settings.str("OPENSANDBOX_URL"))
            .namespace
            .as_deref()
            != Some(namespace)
    {
        return;
    }
    diags.push(key_warning(
        settings,
        "OPENSANDBOX_URL",
        format!("puts OpenSandbox in the platform's namespace {namespace}, which enforces Pod Security restricted; OpenSandbox's server chart sets no securityContext (and has no value for one), so its pods are refused there"),
        "install OpenSandbox in its own namespace and point at it: remove OPENSANDBOX_URL (the default is http://opensandbox-server.opensandbox-system.svc:80); napgen prereqs --write-values writes the matching values file",
    ));
}

/// On OpenShift the pods run with a UID and fsGroup the SCC picks from the namespace's range, not
/// 10001: an NFS export prepared for a fixed owner (directories chowned to 10001, or an
/// `anonuid` squash) leaves the shared directory unwritable.
pub(super) fn check_fixed_uid_storage(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if settings.str("PLATFORM") != "openshift" || !settings.is_set("NFS_SERVER") {
        return;
    }
    diags.push(key_warning(
        settings,
        "NFS_SERVER",
        "with PLATFORM=openshift the pods run with a UID and fsGroup OpenShift assigns from the namespace's range, not 10001, so volume directories on this export owned by UID 10001 (or an anonuid=10001 squash) are not writable by them",
        format!("let the volumes be owned by the pod's fsGroup (csi-driver-nfs applies it with fsGroupPolicy File) or make the export's directories group-writable for the namespace's supplemental group (oc get namespace {} -o jsonpath='{{.metadata.annotations.openshift\\.io/sa\\.scc\\.supplemental-groups}}'); never chown them to 10001", settings.str("NAMESPACE")),
    ));
}

/// Defaults made for plain Kubernetes that OpenShift does not meet, each reported on PLATFORM
/// (the value that makes them wrong) until the key is given explicitly.
pub(super) fn check_openshift_defaults(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if settings.str("PLATFORM") != "openshift" {
        if settings.str("INGRESS_MODE") == "route" {
            diags.push(key_warning(
                settings,
                "INGRESS_MODE",
                "route renders OpenShift Routes, but PLATFORM is kubernetes: every pod then runs as a fixed UID, which OpenShift's restricted-v2 SCC refuses".to_string(),
                "set PLATFORM=openshift on OpenShift (or OKD); on other clusters use INGRESS_MODE=ingress or gateway",
            ));
        }
        return;
    }
    let defaulted = |key: &str| settings.origin(key).is_none();
    let local_path: Vec<&str> = ["RWX_STORAGE_CLASS", "RWO_STORAGE_CLASS"]
        .into_iter()
        .filter(|k| defaulted(k) && settings.str(k) == "local-path")
        .collect();
    if !local_path.is_empty() {
        diags.push(key_warning(
            settings,
            "PLATFORM",
            format!(
                "{} default{} to local-path, the provisioner k3s ships, which OpenShift has not, so the volume claims stay Pending",
                local_path.join(" and "),
                if local_path.len() == 1 { "s" } else { "" }
            ),
            format!(
                "set {} to a StorageClass of this cluster (oc get storageclass; lvms-vg1 with LVM Storage on single-node OpenShift)",
                local_path.join(" and ")
            ),
        ));
    }
    // With an external database no Cluster is rendered, so the operator's namespace does not matter.
    if defaulted("CNPG_OPERATOR_NAMESPACE") && settings.str("DATABASE_MODE") != "external" {
        diags.push(key_warning(
            settings,
            "PLATFORM",
            format!(
                "CNPG_OPERATOR_NAMESPACE defaults to {}, where CloudNativePG's Helm chart installs it; OperatorHub installs it into openshift-operators, and the bundle lets the operator reach PostgreSQL only from CNPG_OPERATOR_NAMESPACE, so a Cluster managed from elsewhere never becomes ready",
                settings.str("CNPG_OPERATOR_NAMESPACE")
            ),
            "set CNPG_OPERATOR_NAMESPACE to the namespace the operator runs in (oc get deployments -A | grep -i cnpg): openshift-operators from OperatorHub, cnpg-system from the Helm chart; setting it explicitly silences this warning",
        ));
    }
}

/// Keys whose value an installed platform cannot change: a PersistentVolumeClaim's
/// storageClassName is immutable, and PostgreSQL's volumes keep the class they were made with.
pub const INSTALL_TIME_KEYS: &[&str] = &["RWX_STORAGE_CLASS", "RWO_STORAGE_CLASS"];

/// A storage class that a later file or `--set` overrides with another value: on an installed
/// platform that is a change `kubectl apply` rejects. Said once per key, where the winning value is.
pub(super) fn check_storage_class_overrides(entries: &[Entry], diags: &mut Vec<Diagnostic>) {
    for name in INSTALL_TIME_KEYS {
        let given: Vec<&Entry> = entries.iter().filter(|e| e.key == *name).collect();
        let Some(winner) = given.last() else {
            continue;
        };
        let overridden = given
            .iter()
            .rev()
            .skip(1)
            .find(|e| e.origin.source != winner.origin.source && e.value != winner.value);
        if let Some(earlier) = overridden {
            let Some(key) = registry::key(name) else {
                continue;
            };
            diags.push(Diagnostic::warning(
                Some(name),
                Some(winner.origin.clone()),
                format!(
                    "overrides the storage class set at {} ({} instead of {}); the storage class cannot change once the platform is installed",
                    earlier.origin,
                    Shown::value(key, &winner.value),
                    Shown::value(key, &earlier.value)
                ),
                "fine for a new install; on an installed platform kubectl apply rejects the change (a claim's storageClassName is immutable): keep the first install's class, or migrate the data to new claims. napgen diff shows such changes",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::validate::testing::*;
    use crate::config::validate::{needed_secrets, validate};
    use crate::diagnostic::Origin;

    #[test]
    fn private_endpoint_names_warn_with_the_key_that_opens_them() {
        let warnings = |pairs: &[(&str, &str)]| {
            let v = run(pairs);
            assert!(v.settings.is_some(), "{:?}", messages(&v));
            messages(&v)
                .into_iter()
                .filter(|m| m.contains("private host name") || m.contains("single-label"))
                .collect::<Vec<_>>()
        };
        for host in [
            "llm",
            "llm.internal",
            "llm.local",
            "llm.lan",
            "llm.corp",
            "llm.home.arpa",
        ] {
            let url = format!("http://{host}:4000/v1");
            let w = warnings(&[("AGENT_TYPES", "codex"), ("OPENAI_BASE_URL", &url)]);
            assert_eq!(w.len(), 1, "{host}: {w:?}");
            assert!(
                w[0].starts_with(&format!(
                    "warning: values.env:2: OPENAI_BASE_URL: the host \"{host}\" is a private host name"
                )) && w[0].contains("help: set AGENT_EGRESS_ALLOW_CIDRS"),
                "{w:?}"
            );
        }
        let w = warnings(&[
            ("AGENT_TYPES", "claude-code"),
            ("ANTHROPIC_BASE_URL", "http://llm.corp:8080"),
        ]);
        assert!(
            w[0].contains("ANTHROPIC_BASE_URL: the host \"llm.corp\" is a private host name"),
            "{w:?}"
        );
        // Nothing to say: public names, IPs, in-cluster Services, or ranges opened by the operator.
        for url in [
            "https://llm.example.com/v1",
            "http://10.0.5.7:4000/v1",
            "http://litellm.ai.svc:4000/v1",
            "http://litellm.ai.svc.cluster.local:4000/v1",
        ] {
            assert!(
                warnings(&[("AGENT_TYPES", "codex"), ("OPENAI_BASE_URL", url)]).is_empty(),
                "{url}"
            );
        }
        assert!(warnings(&[
            ("AGENT_TYPES", "codex"),
            ("OPENAI_BASE_URL", "http://llm.internal/v1"),
            ("AGENT_EGRESS_ALLOW_CIDRS", "10.20.0.0/24"),
        ])
        .is_empty());
        // Proxies, LDAP and S3 are reached at any address outside the cluster; a single-label
        // name may be a Service, which those rules do not reach.
        let w = warnings(&[("HTTPS_PROXY", "http://squid:3128")]);
        assert!(
            w.len() == 1
                && w[0].contains("HTTPS_PROXY: the host \"squid\" is a single-label name")
                && w[0].contains("name.namespace.svc"),
            "{w:?}"
        );
        assert!(warnings(&[("HTTPS_PROXY", "http://squid.corp:3128")]).is_empty());
        let w = warnings(&[
            ("LDAP_ENABLED", "true"),
            ("LDAP_URL", "ldap://ldap:389"),
            ("LDAP_BIND_DN", "cn=a"),
            ("LDAP_USER_BASE_DN", "dc=a"),
        ]);
        assert!(
            w.len() == 1 && w[0].contains("LDAP_URL: the host \"ldap\" is a single-label name"),
            "{w:?}"
        );
    }

    #[test]
    fn private_turn_host_behind_public_urls_warns() {
        let browser = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = vec![("BROWSER_ENABLED", "true")];
            pairs.extend_from_slice(extra);
            messages(&run(&pairs)).join("\n")
        };
        let w = browser(&[
            ("TURN_HOST", "10.0.0.5"),
            ("INGRESS_MODE", "external"),
            ("TOS_PUBLIC_URL", "https://nap.example.com"),
            ("BROWSER_PUBLIC_URL", "https://browser.example.com"),
        ]);
        assert!(
            w.contains("warning: values.env:2: TURN_HOST: 10.0.0.5 is a private address")
                && w.contains("BROWSER_PUBLIC_URL (\"https://browser.example.com\")"),
            "{w}"
        );
        // A public node IP counts too; ULA IPv6 is private.
        let w = browser(&[("TURN_HOST", "fd00::5"), ("TOS_HOST", "203.0.113.7")]);
        assert!(
            w.contains("fd00::5 is a private address") && w.contains("TOS_HOST (\"203.0.113.7\")"),
            "{w}"
        );
        // Private everywhere, or a public TURN host: nothing to say.
        for pairs in [
            &[("TURN_HOST", "192.168.1.5"), ("TOS_HOST", "192.168.1.4")][..],
            &[("TURN_HOST", "198.51.100.7"), ("TOS_HOST", "203.0.113.7")][..],
            &[
                ("TURN_HOST", "10.0.0.5"),
                ("INGRESS_MODE", "external"),
                ("TOS_PUBLIC_URL", "https://nap.corp.internal"),
                ("BROWSER_PUBLIC_URL", "https://browser.corp.internal"),
            ][..],
        ] {
            assert!(!browser(pairs).contains("private address"), "{pairs:?}");
        }
    }

    #[test]
    fn nfs_on_openshift_warns_about_fixed_owners() {
        let nfs = [
            ("NFS_SERVER", "nfs.corp.example"),
            ("NFS_SHARE", "/srv/nap"),
        ];
        let w = messages(&run(&[&nfs[..], &[("PLATFORM", "openshift")]].concat())).join("\n");
        assert!(
            w.contains("warning: values.env:1: NFS_SERVER: with PLATFORM=openshift the pods run with a UID and fsGroup OpenShift assigns")
                && w.contains("oc get namespace nap -o jsonpath='{.metadata.annotations.openshift\\.io/sa\\.scc\\.supplemental-groups}'"),
            "{w}"
        );
        // Plain Kubernetes keeps UID 10001; OpenShift without NFS has nothing to prepare.
        assert!(!messages(&run(&nfs))
            .join("\n")
            .contains("PLATFORM=openshift"));
        assert!(!messages(&run(&[("PLATFORM", "openshift")]))
            .join("\n")
            .contains("NFS_SERVER"));
    }

    #[test]
    fn openshift_defaults_made_for_k3s_warn_until_given() {
        let w = messages(&run(&[("PLATFORM", "openshift")])).join("\n");
        assert!(
            w.contains("warning: values.env:1: PLATFORM: RWX_STORAGE_CLASS and RWO_STORAGE_CLASS default to local-path, the provisioner k3s ships, which OpenShift has not")
                && w.contains("help: set RWX_STORAGE_CLASS and RWO_STORAGE_CLASS to a StorageClass of this cluster (oc get storageclass")
                && w.contains("warning: values.env:1: PLATFORM: CNPG_OPERATOR_NAMESPACE defaults to cnpg-system")
                && w.contains("openshift-operators from OperatorHub"),
            "{w}"
        );
        // Given explicitly, each is the operator's choice; one class left to its default is named alone.
        let w = messages(&run(&[
            ("PLATFORM", "openshift"),
            ("RWO_STORAGE_CLASS", "lvms-vg1"),
            ("CNPG_OPERATOR_NAMESPACE", "openshift-operators"),
        ]))
        .join("\n");
        assert!(
            w.contains("PLATFORM: RWX_STORAGE_CLASS defaults to local-path")
                && !w.contains("RWO_STORAGE_CLASS default")
                && !w.contains("CNPG_OPERATOR_NAMESPACE defaults"),
            "{w}"
        );
        // Multi-node has no storage default to doubt; plain Kubernetes keeps k3s's defaults.
        let w = messages(&run(&[
            ("PLATFORM", "openshift"),
            ("PROFILE", "multi-node"),
            ("CNPG_OPERATOR_NAMESPACE", "cnpg-system"),
        ]))
        .join("\n");
        assert!(!w.contains("PLATFORM:"), "{w}");
        assert!(!messages(&run(&[])).join("\n").contains("PLATFORM"));
        // Routes without the OpenShift platform: the pods would be refused there.
        let w = messages(&run(&[
            ("INGRESS_MODE", "route"),
            ("TOS_PUBLIC_URL", "https://nap.apps.example.com"),
        ]))
        .join("\n");
        assert!(
            w.contains("INGRESS_MODE: route renders OpenShift Routes, but PLATFORM is kubernetes")
                && w.contains("help: set PLATFORM=openshift"),
            "{w}"
        );
        // An external database renders no Cluster: the operator's namespace does not matter.
        let w = messages(&run(&[
            ("PLATFORM", "openshift"),
            ("DATABASE_MODE", "external"),
            ("DATABASE_HOST", "10.0.0.5"),
        ]))
        .join("\n");
        assert!(!w.contains("CNPG_OPERATOR_NAMESPACE"), "{w}");
    }

    #[test]
    fn loopback_oauth_redirects_warn_with_the_uris() {
        let w = messages(&run(&[
            ("SANDBOX_ENABLED", "true"),
            ("BROWSER_ENABLED", "true"),
            ("TURN_HOST", "192.168.1.5"),
        ]))
        .join("\n");
        assert!(
            w.contains("warning: TOS_HOST: makes the OAuth redirect URIs loopback addresses (sandbox-service http://127.0.0.1:30086/api/auth/callback, browser-service http://127.0.0.1:30085/api/auth/callback)")
                && w.contains("help: set TOS_HOST to the node address users reach, or set SANDBOX_PUBLIC_URL / BROWSER_PUBLIC_URL"),
            "{w}"
        );
        // A public URL replaces the TOS_HOST origin: only the other client is listed.
        let w = messages(&run(&[
            ("SANDBOX_ENABLED", "true"),
            ("SANDBOX_PUBLIC_URL", "https://sandbox.example.com"),
            ("BROWSER_ENABLED", "true"),
            ("TURN_HOST", "192.168.1.5"),
        ]))
        .join("\n");
        assert!(
            w.contains("TOS_HOST: makes the OAuth redirect URIs loopback addresses (browser-service http://127.0.0.1:30085/api/auth/callback)"),
            "{w}"
        );
        // A loopback public URL is refused outright, so it draws no warning of this kind.
        let w = messages(&run(&[
            ("TOS_HOST", "192.168.1.4"),
            ("SANDBOX_ENABLED", "true"),
            ("SANDBOX_PUBLIC_URL", "http://localhost:8086"),
        ]))
        .join("\n");
        assert!(
            w.contains("points at loopback (\"localhost\")")
                && !w.contains("makes the OAuth redirect URIs"),
            "{w}"
        );
        // Reachable origins, or no module with a login: nothing to say.
        for pairs in [
            &[("SANDBOX_ENABLED", "true"), ("TOS_HOST", "192.168.1.4")][..],
            &[
                ("SANDBOX_ENABLED", "true"),
                ("SANDBOX_PUBLIC_URL", "https://sandbox.example.com"),
            ][..],
            &[][..],
        ] {
            let w = messages(&run(pairs)).join("\n");
            assert!(!w.contains("loopback"), "{pairs:?}: {w}");
        }
    }

    #[test]
    fn opensandbox_api_key_is_optional_and_its_absence_is_said() {
        let v = run(&[("SANDBOX_ENABLED", "true"), ("TOS_HOST", "192.168.1.4")]);
        assert!(v.settings.is_some(), "{:?}", messages(&v));
        let w = messages(&v).join("\n");
        assert!(
            w.contains("warning: OPENSANDBOX_API_KEY: is not set: nap-sandbox sends no API key")
                && w.contains("OPENSANDBOX_INSECURE_SERVER=YES"),
            "{w}"
        );
        assert!(!needed_secrets(v.settings.as_ref().unwrap())
            .iter()
            .any(|k| k.name == "OPENSANDBOX_API_KEY"));
        let key = "ab".repeat(32);
        let v = run(&[
            ("SANDBOX_ENABLED", "true"),
            ("TOS_HOST", "192.168.1.4"),
            ("TOS_SECRET_KEY", &key),
            ("ADMIN_PASSWORD", &key),
            ("OPENAI_API_KEY", &key),
            ("SANDBOX_JWT_SECRET", &key),
            ("SANDBOX_SERVICE_KEY", &key),
            ("OPENSANDBOX_API_KEY", &key),
        ]);
        assert!(!messages(&v).join("\n").contains("sends no API key"));
        assert!(needed_secrets(v.settings.as_ref().unwrap())
            .iter()
            .any(|k| k.name == "OPENSANDBOX_API_KEY"));
    }

    #[test]
    fn opensandbox_in_the_platform_namespace_is_explained() {
        let w = messages(&run(&[
            ("SANDBOX_ENABLED", "true"),
            ("TOS_HOST", "192.168.1.4"),
            ("OPENSANDBOX_URL", "http://opensandbox-server.nap.svc:80"),
        ]))
        .join("\n");
        assert!(
            w.contains("warning: values.env:3: OPENSANDBOX_URL: puts OpenSandbox in the platform's namespace nap, which enforces Pod Security restricted"),
            "{w}"
        );
        let w = messages(&run(&[
            ("SANDBOX_ENABLED", "true"),
            ("TOS_HOST", "192.168.1.4"),
        ]))
        .join("\n");
        assert!(
            !w.contains("Pod Security"),
            "the default is its own namespace: {w}"
        );
    }

    #[test]
    fn public_and_private_hosts() {
        for host in ["203.0.113.7", "nap.example.com", "2001:db8::1", "8.8.8.8"] {
            assert!(is_public_host(host), "{host}");
        }
        for host in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "100.64.0.1",
            "127.0.0.1",
            "169.254.169.254",
            "fd12::1",
            "fe80::1",
            "nap.local",
            "nap",
            "nap.svc.cluster.local",
        ] {
            assert!(!is_public_host(host), "{host}");
        }
    }

    #[test]
    fn storage_class_override_warns_once() {
        let entries = vec![
            Entry {
                key: "RWX_STORAGE_CLASS".into(),
                value: "nfs-csi".into(),
                origin: Origin::file("base.env", 3),
            },
            Entry {
                key: "RWO_STORAGE_CLASS".into(),
                value: "ceph-rbd".into(),
                origin: Origin::file("base.env", 4),
            },
            Entry {
                key: "RWO_STORAGE_CLASS".into(),
                value: "ceph-rbd".into(),
                origin: Origin::file("prod.env", 1),
            },
            Entry {
                key: "RWX_STORAGE_CLASS".into(),
                value: "cephfs".into(),
                origin: Origin::set_flag(),
            },
        ];
        let v = validate(&entries);
        let w: Vec<_> = v
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("storage class"))
            .map(|d| d.to_string())
            .collect();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("warning: --set: RWX_STORAGE_CLASS: overrides the storage class set at base.env:3 (\"cephfs\" instead of \"nfs-csi\")"), "{}", w[0]);
        // Given once: nothing to say.
        assert!(!messages(&run(&[("RWX_STORAGE_CLASS", "nfs-csi")]))
            .join("")
            .contains("storage class"));
    }
}

//! Rules between keys: each function checks one relation between values that are valid on
//! their own (ports and origins that must differ, a PEM that must be one, keys that exclude or
//! need each other).

use super::values::{cidr_within, host_of_authority, is_loopback, split_url, METADATA_RANGES};
use super::{key_error, key_warning, shown_setting};
use crate::config::registry::{self, Module};
use crate::config::settings::Settings;
use crate::diagnostic::{Diagnostic, Shown};
use std::net::IpAddr;

/// AGENT_EGRESS_ALLOW_CIDRS opens private ranges, never metadata: a block inside a metadata
/// range is refused (a block around one is rendered with that range excepted).
pub(super) fn check_egress_allowance(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    for block in settings.list("AGENT_EGRESS_ALLOW_CIDRS") {
        if let Some(range) = METADATA_RANGES.iter().find(|m| cidr_within(block, m)) {
            diags.push(key_error(
                settings,
                "AGENT_EGRESS_ALLOW_CIDRS",
                format!("{block} lies in {range}, a link-local or cloud metadata range, where clouds serve instance credentials"),
                "remove it: agent, sandbox and browser pods never reach metadata addresses",
            ));
        }
    }
}

/// The LLM bridge: its model map reads, it serves an enabled agent type, and an agent type it
/// serves is not also pointed elsewhere (an unset base URL defaults to the bridge's Service).
pub(super) fn check_bridge(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if !Module::Bridge.enabled(settings) {
        return;
    }
    let bridge = registry::bridge_url(settings);
    let mut served = 0;
    for (agent, url_key, key_key, path) in [
        ("codex", "OPENAI_BASE_URL", "OPENAI_API_KEY", "/v1"),
        ("claude-code", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", ""),
    ] {
        let enabled = settings.list("AGENT_TYPES").iter().any(|t| t == agent);
        if !registry::bridge_serves(settings, agent) || !enabled {
            continue;
        }
        served += 1;
        let expected = format!("{bridge}{path}");
        if let Some(url) = settings.opt(url_key).filter(|u| *u != expected) {
            let url = shown_setting(url_key, url);
            diags.push(key_error(
                settings,
                url_key,
                format!("points {agent} agents at {url}, but BRIDGE_AGENT_TYPES routes {agent} through the bridge ({expected})"),
                format!("remove {url_key} to use the bridge, or remove {agent} from BRIDGE_AGENT_TYPES to call that URL directly"),
            ));
        }
        if settings.origin(key_key).is_some() && settings.is_set(key_key) {
            diags.push(key_warning(
                settings,
                key_key,
                format!("has no effect: {agent} agents reach their model through the bridge and present BRIDGE_MASTER_KEY"),
                format!("remove {key_key}; the upstream's key is BRIDGE_UPSTREAM_API_KEY, which only the bridge reads"),
            ));
        }
    }
    if served == 0 {
        diags.push(key_warning(
            settings,
            "BRIDGE_AGENT_TYPES",
            "names no agent type in AGENT_TYPES, so nothing uses the bridge",
            "list the enabled agent types that should reach their model through the bridge, or set BRIDGE_ENABLED=false",
        ));
    }
}

/// One rule between keys: it reads the settings and adds what it finds.
type Rule = fn(&Settings, &mut Vec<Diagnostic>);

/// The rules between keys, in the order their findings are reported.
const RULES: &[Rule] = &[
    distinct_node_ports,
    distinct_public_urls,
    codex_base_url,
    ldap_start_tls,
    ldap_ca_cert,
    ca_bundle,
    check_nfs,
    no_proxy_needs_a_proxy,
    multi_node_loopback_host,
    turn_host_is_an_address,
    ingress_hosts_are_names,
    one_route_per_host_and_path,
    routes_redirect_to_https,
    routes_serve_the_default_port,
    ingress_annotations_owned_by_napgen,
    one_source_of_ingress_certificates,
    exposure_keys_of_other_modes,
    anti_affinity_on_single_node,
    turn_host_not_loopback,
    backups_need_the_cluster,
    external_database_is_reachable,
    database_keys_of_the_other_mode,
    database_mode_moves_no_data,
    runtime_pool_needs_its_nodes,
];

/// Every rule between keys.
pub(super) fn check_relations(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    for rule in RULES {
        rule(settings, diags);
    }
}

/// Backups are CloudNativePG's: an external server's backups belong to its owner.
fn backups_need_the_cluster(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if registry::external_database(settings) && settings.bool("BACKUP_ENABLED") {
        diags.push(key_error(
            settings,
            "BACKUP_ENABLED",
            "is true, but DATABASE_MODE=external: napgen backs up only the CloudNativePG Cluster it renders",
            "set BACKUP_ENABLED=false; backups of your PostgreSQL server are its owner's (RDS snapshots, Cloud SQL backups, your DBA's pgBackRest or barman)",
        ));
    }
}

/// NetworkPolicies open addresses, not names: a host name outside the cluster needs
/// DATABASE_EGRESS_CIDRS; a weak sslmode sends the password where it may be read; a checked
/// certificate needs its CA where the pods look.
fn external_database_is_reachable(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if !registry::external_database(settings) || !settings.is_set("DATABASE_HOST") {
        return;
    }
    let host = settings.str("DATABASE_HOST");
    let addressed =
        host.parse::<IpAddr>().is_ok() || super::values::service_namespace(host).is_some();
    if !addressed && settings.list("DATABASE_EGRESS_CIDRS").is_empty() {
        diags.push(key_warning(
            settings,
            "DATABASE_HOST",
            format!("is a host name ({host}); a NetworkPolicy opens addresses, not names, so the gateway and the seed Jobs cannot reach the server"),
            format!("set DATABASE_EGRESS_CIDRS to the addresses {host} resolves to (e.g. 10.20.0.0/24; a managed server's subnet), opened on DATABASE_PORT only, or give DATABASE_HOST as an IP"),
        ));
    }
    if addressed && settings.is_set("DATABASE_EGRESS_CIDRS") {
        diags.push(key_warning(
            settings,
            "DATABASE_EGRESS_CIDRS",
            format!("has no effect: DATABASE_HOST ({host}) is an IP address or an in-cluster Service, which is opened on its own"),
            "remove DATABASE_EGRESS_CIDRS",
        ));
    }
    let sslmode = settings.str("DATABASE_SSLMODE");
    let verifies = matches!(sslmode, "verify-ca" | "verify-full");
    if !verifies {
        diags.push(key_warning(
            settings,
            "DATABASE_SSLMODE",
            format!("is {sslmode}: the pods do not check the server's certificate, so whoever sits between them and the server can read the password and the data"),
            "use verify-full (the default) with the server's CA in CA_BUNDLE or CA_BUNDLE_CONFIG_MAP",
        ));
    } else if !settings.is_set("CA_BUNDLE") && !settings.is_set("CA_BUNDLE_CONFIG_MAP") {
        // On DATABASE_HOST, a value only the operator knows: `init` leaves DATABASE_SSLMODE be.
        diags.push(key_warning(
            settings,
            "DATABASE_HOST",
            format!("its certificate is checked (DATABASE_SSLMODE={sslmode}) against the pods' own CA store, as neither CA_BUNDLE nor CA_BUNDLE_CONFIG_MAP is set (sslrootcert=system, libpq 16 or later); that store holds no private CA (RDS's, Cloud SQL's, your DBA's)"),
            "put the server's CA certificate in CA_BUNDLE or CA_BUNDLE_CONFIG_MAP (the pods then check against it), unless a public CA signed the server's certificate",
        ));
    }
}

/// The keys of one database mode set in the other, where they change nothing.
fn database_keys_of_the_other_mode(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let external = registry::external_database(settings);
    for key in registry::KEYS
        .iter()
        .filter(|k| k.module == Module::Database)
    {
        let of_external = key.name.starts_with("DATABASE_") && key.name != "DATABASE_MODE";
        let of_cluster = key.name.starts_with("POSTGRES_") || key.name == "CNPG_OPERATOR_NAMESPACE";
        let unused = if external { of_cluster } else { of_external };
        if unused && settings.origin(key.name).is_some() && settings.is_set(key.name) {
            let mode = if external {
                "external"
            } else {
                "cloudnative-pg"
            };
            diags.push(key_warning(
                settings,
                key.name,
                format!("has no effect with DATABASE_MODE={mode}"),
                format!(
                    "remove {}, or set DATABASE_MODE to the mode it belongs to",
                    key.name
                ),
            ));
        }
    }
}

/// An installed platform keeps its data where it is: `check` says so for an external server,
/// since a switch from CloudNativePG would otherwise look like a move.
fn database_mode_moves_no_data(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if registry::external_database(settings) {
        diags.push(key_warning(
            settings,
            "DATABASE_MODE",
            "is external: switching an installed platform between cloudnative-pg and external moves no data; the new database starts empty",
            "on a platform installed with the CloudNativePG Cluster, copy the data first (pg_dump from nap-postgres, pg_restore into DATABASE_NAME), then apply; helm upgrade (or kubectl apply --prune) deletes the Cluster and its volumes",
        ));
    }
}

/// The public origins in use: the platform's, and those of the modules that are on.
fn public_url_keys(settings: &Settings) -> Vec<&'static str> {
    let mut urls = vec!["TOS_PUBLIC_URL"];
    if Module::Sandbox.enabled(settings) {
        urls.push("SANDBOX_PUBLIC_URL");
    }
    if Module::Browser.enabled(settings) {
        urls.push("BROWSER_PUBLIC_URL");
    }
    urls
}

/// With NodePorts, each service has its own port.
fn distinct_node_ports(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if settings.str("INGRESS_MODE") != "nodeport" {
        return;
    }
    let mut ports: Vec<&str> = vec!["TOS_NODE_PORT"];
    if Module::Sandbox.enabled(settings) {
        ports.push("SANDBOX_NODE_PORT");
    }
    if Module::Browser.enabled(settings) {
        ports.push("BROWSER_NODE_PORT");
    }
    for (i, a) in ports.iter().enumerate() {
        for b in &ports[..i] {
            // An invalid port is reported already and has no value to compare.
            if settings.int_opt(a).is_some() && settings.int_opt(a) == settings.int_opt(b) {
                diags.push(key_error(
                    settings,
                    a,
                    format!("{} is also {b}'s port", settings.int(a)),
                    "each service needs its own NodePort: choose another free port in 30000-32767",
                ));
            }
        }
    }
}

/// Each service is its own OAuth origin, so no two public URLs are equal.
fn distinct_public_urls(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let urls = public_url_keys(settings);
    for (i, a) in urls.iter().enumerate() {
        for b in &urls[..i] {
            if settings.is_set(a) && settings.opt(a) == settings.opt(b) {
                diags.push(key_error(
                    settings,
                    a,
                    format!("equals {b}"),
                    "each service is its own OAuth origin: give each one its own host name",
                ));
            }
        }
    }
}

/// Codex calls `<base>/responses`: an operation's URL given as the base would double it.
fn codex_base_url(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if !Module::Codex.enabled(settings) {
        return;
    }
    let url = settings.str("OPENAI_BASE_URL");
    let path = url.trim_end_matches('/');
    if path.ends_with("/chat/completions") || path.ends_with("/responses") {
        diags.push(key_error(
            settings,
            "OPENAI_BASE_URL",
            "is an API operation's URL, not a base URL",
            "give the base URL (e.g. https://api.openai.com/v1); Codex calls <base>/responses, the Responses API",
        ));
    }
}

/// StartTLS upgrades a plain connection; an ldaps:// URL is TLS already.
fn ldap_start_tls(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if Module::Ldap.enabled(settings)
        && settings.bool("LDAP_START_TLS")
        && settings.str("LDAP_URL").starts_with("ldaps://")
    {
        diags.push(key_error(
            settings,
            "LDAP_START_TLS",
            "StartTLS cannot be used with an ldaps:// URL (it is already TLS)",
            "set LDAP_START_TLS=false, or use an ldap:// URL",
        ));
    }
}

/// LDAP's CA certificate is PEM text.
fn ldap_ca_cert(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if Module::Ldap.enabled(settings)
        && settings.is_set("LDAP_CA_CERT")
        && !settings
            .str("LDAP_CA_CERT")
            .contains("-----BEGIN CERTIFICATE-----")
    {
        diags.push(key_error(
            settings,
            "LDAP_CA_CERT",
            "is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)",
            "paste the PEM text in double quotes; it may span several lines",
        ));
    }
}

/// CA_BUNDLE is PEM text, and the bundle comes from it or from CA_BUNDLE_CONFIG_MAP, not both.
fn ca_bundle(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if !settings.is_set("CA_BUNDLE") {
        return;
    }
    if !settings
        .str("CA_BUNDLE")
        .contains("-----BEGIN CERTIFICATE-----")
    {
        diags.push(key_error(
            settings,
            "CA_BUNDLE",
            "is not a PEM certificate bundle (no -----BEGIN CERTIFICATE----- line)",
            "paste the PEM text in double quotes; it may span several lines",
        ));
    }
    if settings.is_set("CA_BUNDLE_CONFIG_MAP") {
        diags.push(key_error(
            settings,
            "CA_BUNDLE_CONFIG_MAP",
            "is set together with CA_BUNDLE; the bundle comes from one of them",
            "keep CA_BUNDLE (napgen renders the ConfigMap) or CA_BUNDLE_CONFIG_MAP (you provide it), not both",
        ));
    }
}

/// NO_PROXY lists exceptions to a proxy; without one it means nothing.
fn no_proxy_needs_a_proxy(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if settings.is_set("NO_PROXY")
        && !settings.is_set("HTTP_PROXY")
        && !settings.is_set("HTTPS_PROXY")
    {
        diags.push(key_warning(
            settings,
            "NO_PROXY",
            "has no effect: neither HTTP_PROXY nor HTTPS_PROXY is set",
            "set a proxy, or remove the line",
        ));
    }
}

/// On several nodes, a loopback TOS_HOST is a NodePort no user reaches.
fn multi_node_loopback_host(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if settings.str("PROFILE") == "multi-node"
        && settings.str("INGRESS_MODE") == "nodeport"
        && is_loopback(settings.str("TOS_HOST"))
    {
        diags.push(key_warning(
            settings,
            "TOS_HOST",
            "is a loopback address on a multi-node cluster; users cannot reach it",
            "set TOS_HOST to a worker node IP or name users can reach",
        ));
    }
}

/// coturn announces an address, not a name.
fn turn_host_is_an_address(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if Module::Browser.enabled(settings)
        && settings.is_set("TURN_HOST")
        && settings.str("TURN_HOST").parse::<IpAddr>().is_err()
    {
        diags.push(key_warning(
            settings,
            "TURN_HOST",
            "is a host name; coturn's external-ip needs an address, so the relay will announce the node's own address",
            "set TURN_HOST to the IP users' browsers reach (the node's public or LAN IP)",
        ));
    }
}

/// The modes in which napgen renders the objects that route each public URL by its host.
const ROUTING_MODES: &[&str] = &["ingress", "gateway", "route"];

/// The kind of object that routes a public URL in `mode`, for messages.
fn routing_objects(mode: &str) -> &'static str {
    match mode {
        "gateway" => "HTTPRoute hostnames",
        "route" => "OpenShift Routes",
        _ => "Ingress rules",
    }
}

/// Ingress rules, HTTPRoutes and Routes route by host name, so a public URL behind them has one.
fn ingress_hosts_are_names(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let mode = settings.str("INGRESS_MODE");
    if !ROUTING_MODES.contains(&mode) {
        return;
    }
    for key in public_url_keys(settings) {
        let host = settings
            .opt(key)
            .and_then(|u| split_url(u))
            .and_then(|(_, a, _)| host_of_authority(a).ok());
        if host.is_some_and(|h| h.parse::<IpAddr>().is_ok() || h.starts_with('[')) {
            diags.push(key_error(
                settings,
                key,
                format!(
                    "has an IP address as its host; {} route by host name, so no rendered route serves it",
                    routing_objects(mode)
                ),
                "use a DNS name, or INGRESS_MODE=external with your own routing",
            ));
        }
    }
}

/// Host and path of a public URL as the rendered routes match it (no port; `/` for none).
fn route_match(settings: &Settings, key: &str) -> Option<(String, String)> {
    let (_, authority, path) = split_url(settings.opt(key)?)?;
    let host = host_of_authority(authority).ok()?.to_ascii_lowercase();
    let path = if path.is_empty() { "/" } else { path };
    Some((host, path.to_string()))
}

/// Two public URLs with the same host and path (differing only in scheme or port) would be two
/// routes for one match: the controller serves one of them, and the other service is unreachable.
fn one_route_per_host_and_path(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let mode = settings.str("INGRESS_MODE");
    if !ROUTING_MODES.contains(&mode) {
        return;
    }
    let urls = public_url_keys(settings);
    for (i, a) in urls.iter().enumerate() {
        for b in &urls[..i] {
            // Equal URLs are reported by distinct_public_urls.
            if settings.opt(a) == settings.opt(b) {
                continue;
            }
            if let (Some(ma), Some(mb)) = (route_match(settings, a), route_match(settings, b)) {
                if ma == mb {
                    diags.push(key_error(
                        settings,
                        a,
                        format!(
                            "has the host and path of {b} ({}{}); {} match host and path only, so one of the two services would not be served",
                            ma.0, ma.1, routing_objects(mode)
                        ),
                        "give each service its own host name",
                    ));
                }
            }
        }
    }
}

/// OpenShift Routes terminate TLS at the router and redirect plain HTTP to HTTPS: an http://
/// public URL would be redirected, so the browser's origin would not be the registered one.
fn routes_redirect_to_https(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if settings.str("INGRESS_MODE") != "route" {
        return;
    }
    for key in public_url_keys(settings) {
        if settings.opt(key).is_some_and(|u| u.starts_with("http://")) {
            diags.push(key_error(
                settings,
                key,
                "is an http:// URL, but the OpenShift Routes terminate TLS at the router and redirect http to https, so users would reach another origin than the one the OAuth clients register",
                format!("write it with https://: {}", settings.opt(key).unwrap_or_default().replacen("http://", "https://", 1)),
            ));
        }
    }
}

/// The OpenShift router serves Routes on ports 80 and 443 only: a public URL with another port
/// names an address no Route serves.
fn routes_serve_the_default_port(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if settings.str("INGRESS_MODE") != "route" {
        return;
    }
    for key in public_url_keys(settings) {
        let Some(url) = settings.opt(key) else {
            continue;
        };
        let Some((_, authority, path)) = split_url(url) else {
            continue;
        };
        // An IP address is refused by ingress_hosts_are_names.
        let Ok(host) = host_of_authority(authority) else {
            continue;
        };
        if !authority.starts_with('[')
            && authority.len() > host.len()
            && authority != format!("{host}:443")
        {
            let port = &authority[host.len()..];
            diags.push(key_error(
                settings,
                key,
                format!("names port {} of its host, but the OpenShift router serves Routes on ports 80 and 443 only, so no Route serves this URL", port.trim_start_matches(':')),
                format!("leave the port out: https://{host}{path}"),
            ));
        }
    }
}

/// INGRESS_ANNOTATIONS may not set an annotation napgen sets itself: the result would depend on
/// which one wins, silently.
fn ingress_annotations_owned_by_napgen(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    for item in settings.list("INGRESS_ANNOTATIONS") {
        let name = item.split_once('=').map_or(item.as_str(), |(k, _)| k);
        if let Some((_, owner)) = registry::NAPGEN_INGRESS_ANNOTATIONS
            .iter()
            .find(|(a, _)| *a == name)
        {
            diags.push(key_error(
                settings,
                "INGRESS_ANNOTATIONS",
                format!("sets {name}, which napgen sets itself from {owner}"),
                format!("remove {name} from INGRESS_ANNOTATIONS and set {owner} instead"),
            ));
        }
    }
}

/// cert-manager writes each host's certificate into a Secret of its own; INGRESS_TLS_SECRET
/// names one Secret for all of them. Both at once would make the Ingress objects serve one and
/// cert-manager overwrite it.
fn one_source_of_ingress_certificates(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if settings.str("INGRESS_MODE") != "ingress" || !settings.is_set("CERT_MANAGER_ISSUER") {
        return;
    }
    if settings.is_set("INGRESS_TLS_SECRET") {
        diags.push(key_error(
            settings,
            "INGRESS_TLS_SECRET",
            "is set together with CERT_MANAGER_ISSUER; cert-manager issues each host's certificate into its own Secret (<ingress>-tls)",
            "remove INGRESS_TLS_SECRET to let cert-manager issue the certificates, or remove CERT_MANAGER_ISSUER to serve your own Secret",
        ));
    }
    let https = public_url_keys(settings)
        .iter()
        .any(|k| settings.opt(k).is_some_and(|u| u.starts_with("https://")));
    if !https {
        diags.push(key_warning(
            settings,
            "CERT_MANAGER_ISSUER",
            "has no effect: no public URL is https://, so no Ingress has a TLS host to issue a certificate for",
            "write the public URLs with https://, or remove CERT_MANAGER_ISSUER",
        ));
    }
}

/// Keys that configure the objects of one INGRESS_MODE do nothing in another.
fn exposure_keys_of_other_modes(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let mode = settings.str("INGRESS_MODE");
    let keys: &[(&str, &str)] = &[
        ("INGRESS_ANNOTATIONS", "ingress"),
        ("CERT_MANAGER_ISSUER", "ingress"),
        ("GATEWAY_NAME", "gateway"),
        ("GATEWAY_NAMESPACE", "gateway"),
        ("GATEWAY_SECTION", "gateway"),
    ];
    for (key, for_mode) in keys {
        if mode != *for_mode && settings.is_set(key) && settings.origin(key).is_some() {
            diags.push(key_warning(
                settings,
                key,
                format!("has no effect: it configures INGRESS_MODE={for_mode}, and INGRESS_MODE is {mode}"),
                format!("remove the line, or set INGRESS_MODE={for_mode}"),
            ));
        }
    }
    // Older keys of the Ingress mode are left alone in nodeport and external mode, as before.
    if (mode == "gateway" || mode == "route") && settings.is_set("INGRESS_CLASS") {
        diags.push(key_warning(
            settings,
            "INGRESS_CLASS",
            format!("has no effect with INGRESS_MODE={mode}: napgen renders no Ingress objects"),
            "remove the line",
        ));
    }
    if mode == "gateway" && settings.is_set("INGRESS_TLS_SECRET") {
        diags.push(key_warning(
            settings,
            "INGRESS_TLS_SECRET",
            "has no effect with INGRESS_MODE=gateway: the Gateway's listener holds the certificate (certificateRefs)",
            "remove the line, and give the Gateway's HTTPS listener the certificate",
        ));
    }
    if mode == "route" && settings.is_set("INGRESS_TLS_SECRET") {
        diags.push(key_warning(
            settings,
            "INGRESS_TLS_SECRET",
            "has no effect with INGRESS_MODE=route: the OpenShift router serves the Routes with its default certificate",
            "remove the line; give the router (or the Routes' host names) a certificate on the OpenShift side",
        ));
    }
}

/// PostgreSQL's instances are spread over nodes only when there are several.
fn anti_affinity_on_single_node(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if settings.str("PROFILE") == "single-node"
        && settings.str("POSTGRES_ANTI_AFFINITY") == "required"
        && settings.origin("POSTGRES_ANTI_AFFINITY").is_some()
    {
        diags.push(key_warning(
            settings,
            "POSTGRES_ANTI_AFFINITY",
            "has no effect on single-node: instances are spread over nodes only on multi-node",
            "remove the line, or set PROFILE=multi-node",
        ));
    }
}

/// Users' browsers reach the TURN relay from their own machines, never on loopback.
fn turn_host_not_loopback(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if Module::Browser.enabled(settings) && is_loopback(settings.str("TURN_HOST")) {
        diags.push(key_warning(
            settings,
            "TURN_HOST",
            "is a loopback address; users' browsers cannot reach the TURN relay there",
            "set TURN_HOST to the public or LAN IP of the node coturn runs on",
        ));
    }
}

/// NFS_SERVER renders its own StorageClass for the shared directory: another RWX class would
/// leave it unused; the other NFS keys mean nothing without a server.
fn check_nfs(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if !settings.is_set("NFS_SERVER") {
        for key in ["NFS_SHARE", "NFS_SUBDIR", "NFS_MOUNT_OPTIONS"] {
            if let Some(origin) = settings.origin(key) {
                diags.push(Diagnostic::warning(
                    Some(key),
                    Some(origin.clone()),
                    "has no effect: NFS_SERVER is not set",
                    "set NFS_SERVER to render the NFS StorageClass, or remove the line",
                ));
            }
        }
        return;
    }
    let class = registry::nfs_storage_class(settings);
    if settings.origin("RWX_STORAGE_CLASS").is_some()
        && settings
            .opt("RWX_STORAGE_CLASS")
            .is_some_and(|c| c != class)
    {
        diags.push(key_error(
            settings,
            "RWX_STORAGE_CLASS",
            format!("names another class while NFS_SERVER makes napgen render {class} for the shared directory"),
            format!("remove RWX_STORAGE_CLASS (the shared directory then uses {class}), or remove the NFS_* keys and keep your own class"),
        ));
    }
    if let Some(sub) = settings.opt("NFS_SUBDIR") {
        if sub.starts_with('/')
            || sub.chars().any(char::is_control)
            || sub.split('/').any(|seg| seg == "..")
        {
            let key = registry::key("NFS_SUBDIR").expect("NFS_SUBDIR is a key");
            diags.push(key_error(
                settings,
                "NFS_SUBDIR",
                format!(
                    "{} is not a relative sub-directory",
                    Shown::value(key, sub)
                ),
                "give a path below NFS_SHARE without a leading /, .. or control characters, e.g. ${pvc.metadata.namespace}/${pvc.metadata.name}",
            ));
        }
    }
}

/// The pool's size counts only for a pool: RUNTIME_NODES, RUNTIME_NODE_CPU and
/// RUNTIME_NODE_MEMORY without RUNTIME_NODE_SELECTOR describe nodes nothing is scheduled on.
fn runtime_pool_needs_its_nodes(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    if settings.is_set("RUNTIME_NODE_SELECTOR") {
        return;
    }
    for key in ["RUNTIME_NODES", "RUNTIME_NODE_CPU", "RUNTIME_NODE_MEMORY"] {
        if settings.origin(key).is_some() {
            diags.push(key_warning(
                settings,
                key,
                "has no effect without RUNTIME_NODE_SELECTOR: the run-time pods share the platform's nodes",
                format!("set RUNTIME_NODE_SELECTOR to the labels of the run-time pool, or remove {key}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::validate::needed_secrets;
    use crate::config::validate::testing::*;

    #[test]
    fn the_bridge_explains_its_misconfigurations() {
        let on = [
            ("AGENT_TYPES", "codex,claude-code"),
            ("BRIDGE_ENABLED", "true"),
            ("BRIDGE_UPSTREAM_URL", "https://llm.example.com/v1"),
            ("BRIDGE_MODELS", "claude-sonnet-4-5=llama,gpt-5-codex=qwen"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = on.to_vec();
            pairs.extend_from_slice(extra);
            pairs
        };
        // On, the agents' base URLs default to the bridge, and their API keys are not needed.
        let v = run(&on);
        let settings = v.settings.as_ref().expect("valid");
        assert_eq!(
            settings.str("OPENAI_BASE_URL"),
            "http://nap-llm-bridge.nap.svc:4000/v1"
        );
        assert_eq!(
            settings.str("ANTHROPIC_BASE_URL"),
            "http://nap-llm-bridge.nap.svc:4000"
        );
        let needed: Vec<&str> = needed_secrets(settings).iter().map(|k| k.name).collect();
        assert!(needed.contains(&"BRIDGE_MASTER_KEY"), "{needed:?}");
        assert!(!needed.contains(&"OPENAI_API_KEY"), "{needed:?}");
        // No upstream.
        let e = error_for(&with(&[("BRIDGE_UPSTREAM_URL", "")]), "BRIDGE_UPSTREAM_URL");
        assert!(e.contains("is required (when bridge is enabled)"), "{e}");
        // Loopback upstream.
        let e = error_for(
            &with(&[("BRIDGE_UPSTREAM_URL", "http://127.0.0.1:8000/v1")]),
            "BRIDGE_UPSTREAM_URL",
        );
        assert!(e.contains("points at loopback"), "{e}");
        // An agent type pointed at the bridge and elsewhere: the error says which is which.
        let e = error_for(
            &with(&[("ANTHROPIC_BASE_URL", "https://api.anthropic.com")]),
            "ANTHROPIC_BASE_URL",
        );
        assert!(
            e.contains("points claude-code agents at \"https://api.anthropic.com\", but BRIDGE_AGENT_TYPES routes claude-code through the bridge")
                && e.contains("help: remove ANTHROPIC_BASE_URL to use the bridge, or remove claude-code from BRIDGE_AGENT_TYPES"),
            "{e}"
        );
        // Not served by the bridge: the explicit URL is the agent's, and its key is required.
        let v = run(&with(&[
            ("BRIDGE_AGENT_TYPES", "codex"),
            ("ANTHROPIC_BASE_URL", "https://api.anthropic.com"),
        ]));
        assert!(v.settings.is_some(), "{:?}", messages(&v));
        let needed: Vec<&str> = needed_secrets(v.settings.as_ref().unwrap())
            .iter()
            .map(|k| k.name)
            .collect();
        assert!(needed.contains(&"ANTHROPIC_API_KEY"), "{needed:?}");
        // A key the bridge makes useless is a warning that names the key that replaces it.
        let v = run(&with(&[("OPENAI_API_KEY", "sk-test-00000000")]));
        assert!(
            messages(&v).iter().any(|m| m
                .starts_with("warning: values.env:5: OPENAI_API_KEY: has no effect")
                && m.contains("BRIDGE_MASTER_KEY")),
            "{:?}",
            messages(&v)
        );
        // The bridge serving no enabled agent type.
        let v = run(&with(&[
            ("AGENT_TYPES", "codex"),
            ("BRIDGE_AGENT_TYPES", "claude-code"),
        ]));
        assert!(
            messages(&v)
                .iter()
                .any(|m| m.contains("BRIDGE_AGENT_TYPES: names no agent type in AGENT_TYPES")),
            "{:?}",
            messages(&v)
        );
        // A model map that does not read.
        let e = error_for(&with(&[("BRIDGE_MODELS", "gpt-5-codex")]), "BRIDGE_MODELS");
        assert!(
            e.contains("\"gpt-5-codex\" is not agent-name=upstream-name"),
            "{e}"
        );
    }

    #[test]
    fn node_ports_range_and_distinct() {
        let e = error_for(&[("TOS_NODE_PORT", "8080")], "TOS_NODE_PORT");
        assert!(e.contains("8080 is outside 30000-32767"), "{e}");
        let e = error_for(
            &[("SANDBOX_ENABLED", "true"), ("SANDBOX_NODE_PORT", "30080")],
            "SANDBOX_NODE_PORT",
        );
        assert!(e.contains("30080 is also TOS_NODE_PORT's port"), "{e}");
        assert!(
            e.starts_with("error: values.env:2: SANDBOX_NODE_PORT:"),
            "{e}"
        );
        // A module that is off does not claim its port.
        assert!(run(&[("SANDBOX_NODE_PORT", "30080")]).settings.is_some());
    }

    #[test]
    fn egress_allowance_never_opens_metadata() {
        for block in [
            "169.254.169.254/32",
            "169.254.0.0/16",
            "100.100.100.200/32",
            "fe80::/64",
            "fd00:ec2::254/128",
        ] {
            let e = error_for(
                &[("AGENT_EGRESS_ALLOW_CIDRS", block)],
                "AGENT_EGRESS_ALLOW_CIDRS",
            );
            assert!(
                e.contains(&format!("{block} lies in ")) && e.contains("metadata"),
                "{block}: {e}"
            );
        }
        assert!(run(&[(
            "AGENT_EGRESS_ALLOW_CIDRS",
            "10.0.0.0/8,0.0.0.0/0,100.64.0.0/10"
        )])
        .settings
        .is_some());
        assert!(cidr_within("169.254.169.254/32", "169.254.0.0/16"));
        assert!(cidr_within("100.100.100.200/32", "100.64.0.0/10"));
        assert!(!cidr_within("100.64.0.0/10", "100.100.100.200/32"));
        assert!(!cidr_within("fe80::/10", "169.254.0.0/16"));
        assert!(cidr_within("fd00:ec2::254/128", "::/0"));
    }

    #[test]
    fn replicas_and_postgres_placement() {
        let multi = run(&[
            ("PROFILE", "multi-node"),
            ("TOS_HOST", "nap.example.com"),
            ("RWX_STORAGE_CLASS", "nfs"),
            ("RWO_STORAGE_CLASS", "rbd"),
        ])
        .settings
        .unwrap();
        assert_eq!(multi.int("CONTROL_PLANE_REPLICAS"), 2);
        assert_eq!(multi.int("GATEWAY_REPLICAS"), 2);
        assert_eq!(multi.str("POSTGRES_CPU"), "500m");
        let single = run(&[]).settings.unwrap();
        assert_eq!(single.int("CONTROL_PLANE_REPLICAS"), 1);
        assert_eq!(single.str("POSTGRES_CPU"), "250m");
        assert!(
            error_for(&[("GATEWAY_REPLICAS", "0")], "GATEWAY_REPLICAS").contains("outside 1-10")
        );
        assert!(error_for(
            &[("POSTGRES_ANTI_AFFINITY", "strict")],
            "POSTGRES_ANTI_AFFINITY"
        )
        .contains("use one of: preferred, required"));
        assert!(error_for(
            &[("POSTGRES_WAL_STORAGE_SIZE", "10")],
            "POSTGRES_WAL_STORAGE_SIZE"
        )
        .contains("needs a unit"));
        let w = messages(&run(&[("POSTGRES_ANTI_AFFINITY", "required")])).join("\n");
        assert!(
            w.contains("POSTGRES_ANTI_AFFINITY: has no effect on single-node"),
            "{w}"
        );
        assert!(
            error_for(&[("PRIORITY_CLASS_NAME", "High")], "PRIORITY_CLASS_NAME")
                .contains("not a valid Kubernetes name")
        );
    }

    #[test]
    fn ca_bundle_and_proxies() {
        const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        assert!(run(&[
            ("CA_BUNDLE", PEM),
            ("HTTP_PROXY", "http://proxy.example.com:3128"),
            ("HTTPS_PROXY", "http://10.0.0.5:3128"),
            (
                "NO_PROXY",
                ".corp.example.com,*.internal,registry.example.com,10.0.0.0/8,192.0.2.1"
            ),
        ])
        .settings
        .is_some());
        assert!(error_for(&[("CA_BUNDLE", "MIIB")], "CA_BUNDLE").contains("not a PEM"));
        let e = error_for(
            &[("CA_BUNDLE", PEM), ("CA_BUNDLE_CONFIG_MAP", "trust")],
            "CA_BUNDLE_CONFIG_MAP",
        );
        assert!(e.contains("together with CA_BUNDLE"), "{e}");
        let e = error_for(
            &[("HTTPS_PROXY", "http://user:pw@proxy.example.com:3128")],
            "HTTPS_PROXY",
        );
        assert!(
            e.contains("contains credentials")
                && e.contains("http://proxy.example.com:3128")
                && !e.contains("pw"),
            "{e}"
        );
        assert!(error_for(
            &[("HTTP_PROXY", "http://proxy.example.com:3128/x")],
            "HTTP_PROXY"
        )
        .contains("has a path"));
        assert!(
            error_for(&[("HTTP_PROXY", "socks5://proxy:1080")], "HTTP_PROXY")
                .contains("has scheme \"socks5\"")
        );
        assert!(error_for(&[("NO_PROXY", "a b")], "NO_PROXY")
            .contains("is not a host, .domain, IP or CIDR block"));
        assert!(error_for(&[("NO_PROXY", "10.0.0.0/40")], "NO_PROXY").contains("CIDR"));
        let w = messages(&run(&[("NO_PROXY", ".corp")])).join("\n");
        assert!(w.contains("NO_PROXY: has no effect"), "{w}");
    }

    #[test]
    fn nfs_storage_class() {
        let v = run(&[("NFS_SERVER", "nfs.example.com"), ("NFS_SHARE", "/srv/nap")]);
        let settings = v.settings.unwrap();
        assert_eq!(settings.str("RWX_STORAGE_CLASS"), "nap-nfs");
        assert_eq!(settings.list("NFS_MOUNT_OPTIONS"), ["nfsvers=4.1"]);
        let multi = run(&[
            ("PROFILE", "multi-node"),
            ("TOS_HOST", "nap.example.com"),
            ("NAMESPACE", "team-a"),
            ("RWO_STORAGE_CLASS", "rbd"),
            ("NFS_SERVER", "192.0.2.20"),
            ("NFS_SHARE", "/"),
        ]);
        assert_eq!(
            multi.settings.unwrap().str("RWX_STORAGE_CLASS"),
            "team-a-nfs"
        );
        assert!(error_for(&[("NFS_SERVER", "nfs.example.com")], "NFS_SHARE")
            .contains("is required (when NFS_SERVER is set) but not set"));
        let e = error_for(
            &[
                ("NFS_SERVER", "nfs.example.com"),
                ("NFS_SHARE", "/srv/nap"),
                ("RWX_STORAGE_CLASS", "other"),
            ],
            "RWX_STORAGE_CLASS",
        );
        assert!(
            e.contains("names another class") && e.contains("nap-nfs"),
            "{e}"
        );
        assert!(run(&[
            ("NFS_SERVER", "nfs.example.com"),
            ("NFS_SHARE", "/srv/nap"),
            ("RWX_STORAGE_CLASS", "nap-nfs"),
        ])
        .settings
        .is_some());
        for (share, expected) in [
            ("srv/nap", "not an absolute path"),
            ("/srv/nap/", "ends with a slash"),
            ("/srv/../etc", "contains .."),
            ("/srv/my share", "white space"),
        ] {
            let e = error_for(
                &[("NFS_SERVER", "nfs.example.com"), ("NFS_SHARE", share)],
                "NFS_SHARE",
            );
            assert!(e.contains(expected), "{share}: {e}");
        }
        let e = error_for(
            &[
                ("NFS_SERVER", "nfs.example.com"),
                ("NFS_SHARE", "/srv"),
                ("NFS_SUBDIR", "../x"),
            ],
            "NFS_SUBDIR",
        );
        assert!(e.contains("not a relative sub-directory"), "{e}");
        assert!(error_for(
            &[("NFS_MOUNT_OPTIONS", "nfsvers=4.1,hard soft")],
            "NFS_MOUNT_OPTIONS"
        )
        .contains("not a single word"));
        let w = messages(&run(&[("NFS_SHARE", "/srv/nap")])).join("\n");
        assert!(
            w.contains("NFS_SHARE: has no effect: NFS_SERVER is not set"),
            "{w}"
        );
    }

    #[test]
    fn codex_endpoint_must_be_a_base_url() {
        let e = error_for(
            &[(
                "OPENAI_BASE_URL",
                "https://llm.example.com/v1/chat/completions",
            )],
            "OPENAI_BASE_URL",
        );
        assert!(e.contains("Responses API"), "{e}");
    }

    #[test]
    fn ldap_rules() {
        let base = [
            ("LDAP_ENABLED", "true"),
            ("LDAP_BIND_DN", "cn=svc"),
            ("LDAP_USER_BASE_DN", "ou=people"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            base.iter().chain(extra).copied().collect::<Vec<_>>()
        };
        assert!(error_for(
            &with(&[
                ("LDAP_URL", "ldaps://ldap.example.com"),
                ("LDAP_START_TLS", "true")
            ]),
            "LDAP_START_TLS"
        )
        .contains("StartTLS"));
        assert!(error_for(
            &with(&[("LDAP_URL", "https://ldap.example.com")]),
            "LDAP_URL"
        )
        .contains("use ldap:// or ldaps://"));
        assert!(error_for(
            &with(&[("LDAP_URL", "ldap://ldap.example.com/dc=x")]),
            "LDAP_URL"
        )
        .contains("has a path"));
        assert!(error_for(
            &with(&[
                ("LDAP_URL", "ldap://l.example.com"),
                ("LDAP_CA_CERT", "abc")
            ]),
            "LDAP_CA_CERT"
        )
        .contains("not a PEM"));
    }

    /// The diagnostics for `key`, as printed, errors and warnings alike.
    fn findings_for(pairs: &[(&str, &str)], key: &str) -> Vec<String> {
        run(pairs)
            .diagnostics
            .iter()
            .filter(|d| d.key.as_deref() == Some(key))
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn the_exposure_modes_explain_their_misconfigurations() {
        let gateway = [
            ("INGRESS_MODE", "gateway"),
            ("TOS_PUBLIC_URL", "https://nap.example.com"),
            ("GATEWAY_NAME", "public"),
        ];
        let with = |base: &[(&'static str, &'static str)],
                    extra: &[(&'static str, &'static str)]| {
            let mut pairs = base.to_vec();
            pairs.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
            pairs.extend_from_slice(extra);
            pairs
        };
        assert!(
            run(&gateway).errors().next().is_none(),
            "{:?}",
            messages(&run(&gateway))
        );
        // Gateway mode without a Gateway.
        let e = error_for(&gateway[..2], "GATEWAY_NAME");
        assert!(
            e.contains("is required (when INGRESS_MODE is gateway)"),
            "{e}"
        );
        // A public URL whose host no HTTPRoute can serve.
        let e = error_for(
            &with(&gateway, &[("TOS_PUBLIC_URL", "https://192.0.2.10")]),
            "TOS_PUBLIC_URL",
        );
        assert!(e.contains("HTTPRoute hostnames route by host name"), "{e}");
        // Two services on one host and path.
        let e = error_for(
            &with(
                &gateway,
                &[
                    ("SANDBOX_ENABLED", "true"),
                    ("SANDBOX_PUBLIC_URL", "https://nap.example.com:8443"),
                ],
            ),
            "SANDBOX_PUBLIC_URL",
        );
        assert!(e.contains("has the host and path of TOS_PUBLIC_URL"), "{e}");
        // Keys of another mode do nothing.
        let w = findings_for(
            &with(&gateway, &[("CERT_MANAGER_ISSUER", "letsencrypt")]),
            "CERT_MANAGER_ISSUER",
        );
        assert!(
            w.iter()
                .any(|w| w.contains("has no effect: it configures INGRESS_MODE=ingress")),
            "{w:?}"
        );
        let w = findings_for(
            &with(&gateway, &[("INGRESS_TLS_SECRET", "nap-tls")]),
            "INGRESS_TLS_SECRET",
        );
        assert!(w.iter().any(|w| w.contains("certificateRefs")), "{w:?}");

        let route = [
            ("INGRESS_MODE", "route"),
            ("TOS_PUBLIC_URL", "https://nap.apps.example.com"),
        ];
        assert!(
            run(&route).errors().next().is_none(),
            "{:?}",
            messages(&run(&route))
        );
        let e = error_for(
            &with(&route, &[("TOS_PUBLIC_URL", "http://nap.apps.example.com")]),
            "TOS_PUBLIC_URL",
        );
        assert!(
            e.contains("write it with https://: https://nap.apps.example.com"),
            "{e}"
        );
        let e = error_for(
            &with(
                &route,
                &[("TOS_PUBLIC_URL", "https://nap.apps.example.com:8443/x")],
            ),
            "TOS_PUBLIC_URL",
        );
        assert!(
            e.contains("names port 8443") && e.contains("https://nap.apps.example.com/x"),
            "{e}"
        );
        assert!(run(&with(
            &route,
            &[("TOS_PUBLIC_URL", "https://nap.apps.example.com:443")]
        ))
        .errors()
        .next()
        .is_none());
        let w = findings_for(&with(&route, &[("GATEWAY_NAME", "public")]), "GATEWAY_NAME");
        assert!(
            w.iter()
                .any(|w| w.contains("has no effect: it configures INGRESS_MODE=gateway")),
            "{w:?}"
        );
    }

    #[test]
    fn ingress_annotations_and_cert_manager_explain_their_misconfigurations() {
        let ingress = [
            ("INGRESS_MODE", "ingress"),
            ("TOS_PUBLIC_URL", "https://nap.example.com"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            ingress.iter().chain(extra).copied().collect::<Vec<_>>()
        };
        let ok = with(&[
            (
                "INGRESS_ANNOTATIONS",
                "nginx.ingress.kubernetes.io/proxy-body-size=64m, example.com/note=a b=c",
            ),
            ("CERT_MANAGER_ISSUER", "letsencrypt"),
        ]);
        assert!(
            run(&ok).errors().next().is_none(),
            "{:?}",
            messages(&run(&ok))
        );
        // An annotation napgen sets itself.
        let e = error_for(
            &with(&[(
                "INGRESS_ANNOTATIONS",
                "nginx.ingress.kubernetes.io/proxy-read-timeout=60",
            )]),
            "INGRESS_ANNOTATIONS",
        );
        assert!(
            e.contains("napgen sets itself from ROUTE_TIMEOUT_SECONDS"),
            "{e}"
        );
        let e = error_for(
            &with(&[("INGRESS_ANNOTATIONS", "cert-manager.io/cluster-issuer=x")]),
            "INGRESS_ANNOTATIONS",
        );
        assert!(e.contains("set CERT_MANAGER_ISSUER instead"), "{e}");
        // Bad keys and values.
        for (bad, says) in [
            ("no-value", "is not key=value"),
            (
                "Bad_Prefix.example.com/x=1",
                "is not a valid annotation key",
            ),
            ("example.com/-x=1", "is not a valid annotation key"),
            ("=1", "is not a valid annotation key"),
            ("a=1,a=2", "is listed twice"),
            ("a=1\u{7}", "control character"),
        ] {
            let e = error_for(
                &with(&[("INGRESS_ANNOTATIONS", bad)]),
                "INGRESS_ANNOTATIONS",
            );
            assert!(e.contains(says), "{bad}: {e}");
        }
        // Two sources of certificates.
        let e = error_for(
            &with(&[
                ("CERT_MANAGER_ISSUER", "letsencrypt"),
                ("INGRESS_TLS_SECRET", "nap-tls"),
            ]),
            "INGRESS_TLS_SECRET",
        );
        assert!(e.contains("together with CERT_MANAGER_ISSUER"), "{e}");
        // No https host to issue for.
        let w = findings_for(
            &[
                ("INGRESS_MODE", "ingress"),
                ("TOS_PUBLIC_URL", "http://nap.example.com"),
                ("CERT_MANAGER_ISSUER", "letsencrypt"),
            ],
            "CERT_MANAGER_ISSUER",
        );
        assert!(
            w.iter().any(|w| w.contains("no public URL is https://")),
            "{w:?}"
        );
        // A bad issuer kind.
        let e = error_for(
            &with(&[("CERT_MANAGER_ISSUER_KIND", "issuer")]),
            "CERT_MANAGER_ISSUER_KIND",
        );
        assert!(e.contains("ClusterIssuer"), "{e}");
    }
}

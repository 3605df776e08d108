//! One key's value: each key's text parsed by the type the registry declares, or the problem
//! with it (a message naming the value only through [`Shown`], and what to do).

use super::suggest;
use crate::config::registry::{self, Key, KeyType};
use crate::config::settings::Value;
use crate::config::types::{parse_whole, Cidr, Cpu, Memory, Port, Problem, Retention};
use crate::diagnostic::Shown;
use std::fmt;
use std::net::IpAddr;

fn problem(message: impl Into<String>, help: impl Into<String>) -> Problem {
    (message.into(), help.into())
}

/// Parse one value by its key's type. An empty value means "not set" (so a default applies).
pub fn parse_value(key: &Key, raw: &str) -> Result<Value, Problem> {
    if raw.is_empty() {
        return Ok(Value::Unset);
    }
    // Messages name the value (or its parts) only through `shown`, formatted only when a
    // message is written, so a valid value costs nothing.
    let shown = Shown::value(key, raw);
    let text = |s: &str| Value::Str(s.to_string());
    match key.ty {
        KeyType::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(problem(
                format!("{shown} is not a bool"),
                "write true or false",
            )),
        },
        KeyType::NodePort => Port::parse_node_port(raw, &shown).map(|p| Value::Int(p.0.into())),
        KeyType::Int { min, max } => parse_whole(raw, &shown, min, max, "").map(Value::Int),
        KeyType::Size => check_size(raw, &shown).map(|_| text(raw)),
        KeyType::Cpu => check_cpu(raw, &shown).map(|_| text(raw)),
        KeyType::Url => check_url(raw, &shown, &["http", "https"]).map(|_| text(raw)),
        KeyType::LdapUrl => check_url(raw, &shown, &["ldap", "ldaps"]).map(|_| text(raw)),
        KeyType::ProxyUrl => check_proxy_url(raw, &shown).map(|_| text(raw)),
        KeyType::Host => check_host(raw, &shown).map(|_| text(raw)),
        KeyType::Email => check_email(raw, &shown).map(|_| text(raw)),
        KeyType::Secret { min_len } => check_secret(raw, &shown, min_len).map(|_| text(raw)),
        KeyType::Enum(options) => check_enum(raw, &shown, options).map(|_| text(raw)),
        KeyType::EnumList(options) => parse_enum_list(raw, &shown, options).map(Value::List),
        KeyType::CidrList => parse_cidr_list(raw, &shown).map(Value::List),
        KeyType::Name => check_name(raw, &shown).map(|_| text(raw)),
        KeyType::Registry => check_registry(raw, &shown).map(|_| text(raw)),
        KeyType::ImageTag => check_tag(raw, &shown).map(|_| text(raw)),
        KeyType::NameList => raw
            .split(',')
            .map(str::trim)
            .map(|n| check_name(n, &shown.part(n, "the item")).map(|_| n.to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::List),
        KeyType::DigestList => parse_digests(raw, &shown).map(Value::List),
        KeyType::LabelList => parse_labels(raw, &shown).map(Value::List),
        KeyType::MetadataLabels => parse_labels(raw, &shown)
            .and_then(|items| refuse_reserved(items, &shown, "label"))
            .map(Value::List),
        KeyType::Annotations => parse_annotations(raw, &shown)
            .and_then(|items| refuse_reserved(items, &shown, "annotation"))
            .map(Value::List),
        KeyType::ModelMap => parse_model_map(raw, &shown).map(Value::List),
        KeyType::TolerationList => parse_tolerations(raw, &shown).map(Value::List),
        KeyType::NoProxyList => parse_no_proxy(raw, &shown).map(Value::List),
        KeyType::AbsPath => check_abs_path(raw, &shown).map(|_| text(raw)),
        KeyType::WordList => parse_words(raw, &shown).map(Value::List),
        KeyType::S3Path => check_s3_path(raw, &shown).map(|_| text(raw)),
        KeyType::Retention => Retention::parse(raw, &shown).map(|_| text(raw)),
        KeyType::Cron => check_cron(raw, &shown).map(|_| text(raw)),
        KeyType::SqlName => check_sql_name(raw, &shown).map(|_| text(raw)),
        KeyType::String => Ok(text(raw)),
    }
}

/// URLs, registries and paths are written without a trailing slash (napgen adds its own).
fn no_trailing_slash(raw: &str, shown: &Shown) -> Result<(), Problem> {
    if raw.ends_with('/') {
        let help = match shown.part(raw.trim_end_matches('/'), "").text() {
            Some(fixed) => format!("remove the trailing slash: {fixed}"),
            None => "remove the trailing slash".into(),
        };
        return Err(problem(format!("{shown} ends with a slash"), help));
    }
    Ok(())
}

fn check_size(raw: &str, shown: &Shown) -> Result<(), Problem> {
    Memory::parse(raw, shown).map(|_| ())
}

fn check_cpu(raw: &str, shown: &Shown) -> Result<(), Problem> {
    Cpu::parse(raw, shown).map(|_| ())
}

/// Split `scheme://authority/path`; `None` when there is no `://`.
pub(super) fn split_url(raw: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = raw.split_once("://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    Some((scheme, authority, path))
}

fn check_url(raw: &str, shown: &Shown, schemes: &[&str]) -> Result<(), Problem> {
    // Only error messages use the example.
    let example = || format!("{}://host.example.com", schemes[0]);
    let Some((scheme, authority, path)) = split_url(raw) else {
        let help = format!("write a URL with its scheme, e.g. {}", example());
        return Err(problem(
            format!("{shown} is not a URL (no {}://)", schemes.join(":// or ")),
            help,
        ));
    };
    if !schemes.contains(&scheme) {
        return Err(problem(
            format!("{shown} has {}", shown.named_part(scheme, "scheme")),
            format!(
                "use {}",
                schemes
                    .iter()
                    .map(|s| format!("{s}://"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ));
    }
    if let Some(space) = shown.first(|c| c.is_whitespace() || c.is_control()) {
        return Err(problem(
            format!("{shown} contains white space ({space})"),
            "remove the spaces, or percent-encode them (%20)",
        ));
    }
    if authority.contains('@') {
        // The value itself is not shown: the password is a secret.
        return Err(problem(
            "the URL contains credentials (user:password@)",
            "remove user:password@ from the URL; credentials go in their own secret keys",
        ));
    }
    if raw.contains('?') || raw.contains('#') {
        return Err(problem(
            format!("{shown} has a query or fragment"),
            "give the bare origin/base URL without ? or #",
        ));
    }
    let host = host_of_authority(authority).map_err(|why| {
        problem(
            format!("{shown}: {why}"),
            format!("write it like {}", example()),
        )
    })?;
    check_host(host, &shown.named_part(host, "the host"))?;
    check_endpoint_host(host, shown)?;
    if !path.is_empty() && schemes.contains(&"ldap") {
        return Err(problem(
            format!("{shown} has a path"),
            "an LDAP URL is ldap://host[:port]; put the base DN in LDAP_USER_BASE_DN",
        ));
    }
    no_trailing_slash(raw, shown)?;
    Ok(())
}

/// A proxy is `http(s)://host[:port]`: no path, and no credentials (they would sit in plain
/// environment variables of every pod).
fn check_proxy_url(raw: &str, shown: &Shown) -> Result<(), Problem> {
    if let Some((scheme, authority, _)) = split_url(raw).filter(|(_, a, _)| a.contains('@')) {
        let host = authority.rsplit_once('@').map_or("", |(_, h)| h);
        let without = match (shown.part(scheme, "").text(), shown.part(host, "").text()) {
            (Some(scheme), Some(host)) => format!("write {scheme}://{host}"),
            _ => "remove user:password@ from the URL".into(),
        };
        return Err(problem(
            "the URL contains credentials (user:password@)",
            format!("{without} and let the proxy admit the cluster's nodes by address; a proxy that needs credentials is not supported"),
        ));
    }
    check_url(raw, shown, &["http", "https"])?;
    if split_url(raw).is_some_and(|(_, _, path)| !path.is_empty()) {
        return Err(problem(
            format!("{shown} has a path"),
            "a proxy is http://host:port, without a path",
        ));
    }
    Ok(())
}

fn check_abs_path(raw: &str, shown: &Shown) -> Result<(), Problem> {
    if !raw.starts_with('/') {
        let help = match shown.text() {
            Some(raw) => format!("start it with /, e.g. /{raw}"),
            None => "start it with /".into(),
        };
        return Err(problem(format!("{shown} is not an absolute path"), help));
    }
    if let Some(space) = shown.first(|c| c.is_whitespace() || c.is_control()) {
        return Err(problem(
            format!("{shown} contains white space ({space})"),
            "give the exported path without spaces",
        ));
    }
    if raw.split('/').any(|seg| seg == "..") {
        return Err(problem(
            format!("{shown} contains .."),
            "give the path without .. segments",
        ));
    }
    if raw.len() > 1 {
        no_trailing_slash(raw, shown)?;
    }
    Ok(())
}

/// `s3://bucket[/path]`, the bucket named as S3 allows (3-63 lower-case letters, digits, '.'
/// and '-').
fn check_s3_path(raw: &str, shown: &Shown) -> Result<(), Problem> {
    let Some(rest) = raw.strip_prefix("s3://") else {
        return Err(problem(
            format!("{shown} is not an s3:// location"),
            "write s3://bucket/path (S3 and S3-compatible storage only)",
        ));
    };
    let (bucket, path) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bucket
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && bucket
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if !bucket_ok {
        return Err(problem(
            format!(
                "{shown}: {} is not a bucket name",
                shown.part(bucket, "the bucket")
            ),
            "bucket names are 3-63 lower-case letters, digits, '.' and '-'",
        ));
    }
    if path
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#')
        || path.split('/').any(|seg| seg == "..")
    {
        return Err(problem(
            format!("{shown} has an invalid path"),
            "give the folder in the bucket without spaces, ?, # or ..",
        ));
    }
    no_trailing_slash(raw, shown)?;
    Ok(())
}

/// Six fields, seconds first: CloudNativePG's ScheduledBackup schedule (robfig/cron with seconds).
fn check_cron(raw: &str, shown: &Shown) -> Result<(), Problem> {
    // (name, lowest, highest, names allowed)
    const FIELDS: [(&str, u32, u32, bool); 6] = [
        ("seconds", 0, 59, false),
        ("minutes", 0, 59, false),
        ("hours", 0, 23, false),
        ("day of month", 1, 31, false),
        ("month", 1, 12, true),
        ("day of week", 0, 6, true),
    ];
    let fields: Vec<&str> = raw.split_whitespace().collect();
    if fields.len() != 6 {
        let help = if fields.len() == 5 && shown.text().is_some() {
            format!(
                "CloudNativePG's schedule starts with seconds: write 0 {}",
                fields.join(" ")
            )
        } else if fields.len() == 5 {
            "CloudNativePG's schedule starts with seconds: put 0 before the five fields".into()
        } else {
            "write six fields, seconds first: 0 0 2 * * * is 02:00 every day".into()
        };
        return Err(problem(
            format!("{shown} has {} fields, not 6", fields.len()),
            help,
        ));
    }
    for (field, (name, low, high, names)) in fields.iter().zip(FIELDS) {
        let bad = || {
            problem(
                format!(
                    "{shown}: {} is not a valid {name} field",
                    shown.part(field, "the field")
                ),
                format!("use *, ?, numbers in {low}-{high}, ranges a-b, lists a,b and steps */n"),
            )
        };
        for part in field.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((r, st)) => (r, Some(st)),
                None => (part, None),
            };
            if let Some(st) = step {
                if !st.parse::<u32>().is_ok_and(|n| n > 0) {
                    return Err(bad());
                }
            }
            if range == "*" || range == "?" {
                continue;
            }
            let value_ok = |v: &str| {
                v.parse::<u32>().is_ok_and(|n| (low..=high).contains(&n))
                    || (names && v.len() == 3 && v.bytes().all(|b| b.is_ascii_alphabetic()))
            };
            let ok = match range.split_once('-') {
                Some((a, b)) => value_ok(a) && value_ok(b),
                None => value_ok(range),
            };
            if !ok {
                return Err(bad());
            }
        }
    }
    Ok(())
}

fn parse_words(raw: &str, shown: &Shown) -> Result<Vec<String>, Problem> {
    raw.split(',')
        .map(str::trim)
        .map(|w| {
            let item = shown.part(w, "the item");
            let space = item.first(|c| c.is_whitespace() || c.is_control());
            if w.is_empty() || space.is_some() {
                let at = space.map(|s| format!(" ({s})")).unwrap_or_default();
                Err(problem(
                    format!("{item} is not a single word{at}"),
                    "separate the items with commas, without spaces inside an item",
                ))
            } else {
                Ok(w.to_string())
            }
        })
        .collect()
}

fn parse_no_proxy(raw: &str, shown: &Shown) -> Result<Vec<String>, Problem> {
    raw.split(',')
        .map(str::trim)
        .map(|item| {
            let ok = if item.contains('/') {
                parse_cidr_list(item, shown).is_ok()
            } else {
                let host = item
                    .strip_prefix("*.")
                    .or_else(|| item.strip_prefix('.'))
                    .unwrap_or(item);
                check_host(host, shown).is_ok()
            };
            if ok {
                Ok(item.to_string())
            } else {
                Err(problem(
                    format!(
                        "{} is not a host, .domain, IP or CIDR block",
                        shown.part(item, "the item")
                    ),
                    "write entries like .corp.example.com, registry.example.com or 10.0.0.0/8, separated by commas",
                ))
            }
        })
        .collect()
}

/// The host part of `host[:port]` or `[v6][:port]`, after checking the port.
pub(super) fn host_of_authority(authority: &str) -> Result<&str, String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or("unclosed [ in the IPv6 address")?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => {}
            // The port is not quoted: this text does not know whose value it is part of.
            _ => return Err("the port is not a port number (1-65535)".into()),
        }
    }
    if host.is_empty() {
        return Err("the host is empty".into());
    }
    Ok(host)
}

fn check_host(raw: &str, shown: &Shown) -> Result<(), Problem> {
    if raw.contains("://") {
        let host = split_url(raw)
            .and_then(|(_, a, _)| host_of_authority(a).ok())
            .and_then(|host| shown.part(host, "").text())
            .unwrap_or("host.example.com");
        return Err(problem(
            format!("{shown} is a URL, not a host"),
            format!("give the bare host or IP, e.g. {host}"),
        ));
    }
    if let Ok(ip) = raw.parse::<IpAddr>() {
        return check_host_address(ip, shown);
    }
    if looks_like_ipv4(raw) {
        return Err(problem(
            format!("{shown} is not an IPv4 address"),
            "write four numbers 0-255 separated by dots, without leading zeros, e.g. 192.0.2.10",
        ));
    }
    if let Some((host, port)) = raw.rsplit_once(':') {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            let help = match shown.part(host, "").text() {
                Some(host) => format!("give the host alone ({host}); ports have their own keys"),
                None => "give the host alone; ports have their own keys".into(),
            };
            return Err(problem(format!("{shown} includes a port"), help));
        }
    }
    let valid_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if raw.len() > 253 || !raw.split('.').all(valid_label) {
        return Err(problem(
            format!("{shown} is not a hostname or IP address"),
            "use letters, digits, '-' and '.', e.g. nap.example.com or 192.0.2.10",
        ));
    }
    Ok(())
}

/// Whether a name is meant as an IPv4 address: its last label is a number (decimal or 0x hex),
/// which no top-level domain is. Resolvers read `1.2.3`, `0x7f.1` or `01.2.3.4` as addresses in
/// ways that differ between libraries, so only the strict dotted quad is accepted.
fn looks_like_ipv4(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or(host);
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    hex || (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
}

/// An address that names no single host: unspecified (0.0.0.0, ::), broadcast, or multicast.
/// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged by their IPv4 address.
fn check_host_address(ip: IpAddr, shown: &dyn fmt::Display) -> Result<(), Problem> {
    let ip = canonical(ip);
    let what = match ip {
        _ if ip.is_unspecified() => "the unspecified address (any address)",
        IpAddr::V4(v4) if v4.is_broadcast() => "the broadcast address",
        _ if ip.is_multicast() => "a multicast address",
        _ => return Ok(()),
    };
    Err(problem(
        format!("{shown} is {what}, not the address of a host"),
        "give the IP address or DNS name of the host itself, e.g. 192.0.2.10 or nap.example.com",
    ))
}

/// Link-local ranges and the cloud metadata addresses outside them (Alibaba Cloud's, AWS's IPv6
/// one), where clouds serve instance credentials. No URL key may point there, and egress rules
/// keep every pod away from them.
pub const METADATA_RANGES: &[&str] = &[
    "169.254.0.0/16",
    "100.100.100.200/32",
    "fe80::/10",
    "fd00:ec2::254/128",
];

/// The namespace of an in-cluster Service's name: `name.namespace.svc`, or with the cluster
/// domain `.svc.cluster.local`; a headless Service's pods (`pod.name.namespace.svc...`) too.
pub fn service_namespace(host: &str) -> Option<&str> {
    let lower = host.to_ascii_lowercase();
    let cut = if lower.ends_with(".svc.cluster.local") {
        ".svc.cluster.local".len()
    } else if lower.ends_with(".svc") {
        ".svc".len()
    } else {
        return None;
    };
    let rest = &host[..host.len() - cut];
    let (service, namespace) = rest.rsplit_once('.')?;
    (!service.is_empty() && !namespace.is_empty()).then_some(namespace)
}

/// Host names that resolve to a cloud's metadata address.
const METADATA_NAMES: &[&str] = &[
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
    "instance-data",
    "instance-data.ec2.internal",
];

/// Whether `ip` lies in the block `cidr` (`address/prefix`, both families).
pub fn cidr_contains(cidr: &str, ip: IpAddr) -> bool {
    let Some((Ok(net), Ok(prefix))) = cidr
        .split_once('/')
        .map(|(a, p)| (a.parse::<IpAddr>(), p.parse::<u32>()))
    else {
        return false;
    };
    let (net, ip, bits) = match (net, canonical(ip)) {
        (IpAddr::V4(n), IpAddr::V4(i)) => (u128::from(n.to_bits()), u128::from(i.to_bits()), 32),
        (IpAddr::V6(n), IpAddr::V6(i)) => (n.to_bits(), i.to_bits(), 128),
        _ => return false,
    };
    let shift = bits - prefix.min(bits);
    shift == bits || (net >> shift) == (ip >> shift)
}

/// Whether the block `inner` lies wholly in the block `outer` (both `address/prefix`).
pub fn cidr_within(inner: &str, outer: &str) -> bool {
    let Some((Ok(address), Ok(prefix))) = inner
        .split_once('/')
        .map(|(a, p)| (a.parse::<IpAddr>(), p.parse::<u32>()))
    else {
        return false;
    };
    let outer_prefix = outer
        .split_once('/')
        .and_then(|(_, p)| p.parse::<u32>().ok());
    outer_prefix.is_some_and(|o| prefix >= o) && cidr_contains(outer, address)
}

/// A URL's host is an endpoint pods connect to (or users open): never loopback, which in a pod
/// is the pod itself, nor link-local or cloud metadata.
fn check_endpoint_host(host: &str, shown: &Shown) -> Result<(), Problem> {
    let shown_host = shown.part(host, "the host");
    let lower = host.to_ascii_lowercase();
    let ip = host.parse::<IpAddr>().ok().map(canonical);
    if ip.is_some_and(|ip| ip.is_loopback())
        || lower == "localhost"
        || lower.ends_with(".localhost")
    {
        return Err(problem(
            format!("{shown} points at loopback ({shown_host}): inside a pod that is the pod itself, and for a user their own machine"),
            "give an address or name the pods reach: a DNS name, an IP of the host, or an in-cluster Service as name.namespace.svc",
        ));
    }
    let metadata = match ip {
        Some(ip) => METADATA_RANGES
            .iter()
            .find(|c| cidr_contains(c, ip))
            .copied(),
        None => METADATA_NAMES
            .contains(&lower.as_str())
            .then_some("a metadata name"),
    };
    if let Some(range) = metadata {
        return Err(problem(
            format!("{shown} points at a link-local or cloud metadata address ({shown_host}, {range}), where clouds serve instance credentials"),
            "give the endpoint's own address or name; no pod is allowed to reach link-local or metadata addresses",
        ));
    }
    Ok(())
}

/// An IPv4-mapped IPv6 address as the IPv4 address it stands for; any other address as it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// BRIDGE_MODELS: `agent-name=upstream-name` pairs, kept as `agent=upstream` in the order given.
/// An error says which entry is wrong and why.
fn parse_model_map(raw: &str, shown: &Shown) -> Result<Vec<String>, Problem> {
    const HELP: &str = "write agent-name=upstream-name pairs separated by commas, e.g. claude-sonnet-4-5=llama-3.3-70b-instruct,gpt-5-codex=qwen3-coder";
    let well_formed = |name: &str| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:/@".contains(c))
    };
    let mut pairs: Vec<String> = Vec::new();
    let mut agents: Vec<&str> = Vec::new();
    for entry in raw.split(',').map(str::trim) {
        let item = shown.part(entry, "the item");
        let Some((agent, upstream)) = entry.split_once('=') else {
            return Err(problem(
                format!("{item} is not agent-name=upstream-name"),
                HELP,
            ));
        };
        let (agent, upstream) = (agent.trim(), upstream.trim());
        if !well_formed(agent) || !well_formed(upstream) {
            return Err(problem(
                format!("{item}: model names are letters, digits and - _ . : / @, and neither side may be empty"),
                HELP,
            ));
        }
        if agents.contains(&agent) {
            return Err(problem(
                format!(
                    "{} is mapped twice",
                    shown.part(agent, "an agent-facing name")
                ),
                "give each agent-facing model name one upstream model",
            ));
        }
        agents.push(agent);
        pairs.push(format!("{agent}={upstream}"));
    }
    Ok(pairs)
}

fn check_email(raw: &str, shown: &Shown) -> Result<(), Problem> {
    match raw.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !local
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '@')
                && check_host(domain, shown).is_ok()
                && domain.contains('.') =>
        {
            Ok(())
        }
        _ => Err(problem(
            format!("{shown} is not an e-mail address"),
            "write it as name@example.com",
        )),
    }
}

fn check_secret(raw: &str, shown: &Shown, min_len: usize) -> Result<(), Problem> {
    if let Some(control) = shown.first(char::is_control) {
        return Err(problem(
            format!("contains a control character ({control})"),
            "secrets are single-line text; generate one with openssl rand -hex 32",
        ));
    }
    let len = raw.chars().count();
    if len < min_len {
        return Err(problem(
            format!("is too short ({len} characters, at least {min_len} needed)"),
            "generate one with openssl rand -hex 32 (napgen init does this for you)",
        ));
    }
    Ok(())
}

fn check_enum(raw: &str, shown: &Shown, options: &[&str]) -> Result<(), Problem> {
    if options.contains(&raw) {
        return Ok(());
    }
    let help = match suggest(raw, options.iter().copied()) {
        Some(s) => format!("did you mean {s}? (one of: {})", options.join(", ")),
        None => format!("use one of: {}", options.join(", ")),
    };
    Err(problem(format!("{shown} is not allowed"), help))
}

fn parse_enum_list(raw: &str, shown: &Shown, options: &[&str]) -> Result<Vec<String>, Problem> {
    let mut items: Vec<String> = Vec::new();
    for item in raw.split(',').map(str::trim) {
        let shown_item = shown.part(item, "an item");
        check_enum(item, &shown_item, options)?;
        if items.iter().any(|i| i == item) {
            return Err(problem(
                format!("{shown_item} is listed twice"),
                "list each item once",
            ));
        }
        items.push(item.to_string());
    }
    Ok(items)
}

fn parse_cidr_list(raw: &str, shown: &Shown) -> Result<Vec<String>, Problem> {
    raw.split(',')
        .map(str::trim)
        .map(|item| Cidr::parse(item, &shown.part(item, "the item")).map(|_| item.to_string()))
        .collect()
}

fn parse_digests(raw: &str, shown: &Shown) -> Result<Vec<String>, Problem> {
    let mut seen: Vec<&str> = Vec::new();
    let mut items = Vec::new();
    for item in raw.split(',').map(str::trim) {
        let Some((name, digest)) = item.split_once('=') else {
            return Err(problem(
                format!(
                    "{} is not name=sha256:<digest>",
                    shown.part(item, "the item")
                ),
                "write pins like control-plane=sha256:<64 hex digits>",
            ));
        };
        if !registry::IMAGE_NAMES.contains(&name) {
            let help = match suggest(name, registry::IMAGE_NAMES.iter().copied()) {
                Some(s) => format!(
                    "did you mean {s}? (images: {})",
                    registry::IMAGE_NAMES.join(", ")
                ),
                None => format!("images: {}", registry::IMAGE_NAMES.join(", ")),
            };
            return Err(problem(
                format!(
                    "{} is not an image napgen renders",
                    shown.part(name, "the image name")
                ),
                help,
            ));
        }
        let hex = digest.strip_prefix("sha256:").unwrap_or("");
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(problem(
                format!("the digest of {name} is not sha256:<64 lower-case hex digits>"),
                "copy it from your registry, e.g. crane digest <image>",
            ));
        }
        if seen.contains(&name) {
            return Err(problem(
                format!("{name} is pinned twice"),
                "pin each image once",
            ));
        }
        seen.push(name);
        items.push(item.to_string());
    }
    Ok(items)
}

/// A label key, `[prefix/]name`: the prefix a DNS subdomain, the name at most 63 letters,
/// digits, '-', '_' and '.', starting and ending with a letter or digit.
fn label_key_ok(key: &str) -> bool {
    let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
    let prefix_ok = prefix.is_empty()
        || (prefix.len() <= 253
            && prefix.split('.').all(|l| {
                !l.is_empty()
                    && l.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            }));
    prefix_ok && !name.is_empty() && label_value_ok(name)
}

/// A label value: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending
/// with a letter or digit.
pub(super) fn label_value_ok(value: &str) -> bool {
    value.is_empty()
        || (value.len() <= 63
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            && value
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric())
            && value
                .bytes()
                .last()
                .is_some_and(|b| b.is_ascii_alphanumeric()))
}

fn bad_label_part(item: &Shown, what: &str, text: &str) -> Problem {
    problem(
        format!(
            "{item}: {} is not a valid label {what}",
            item.part(text, "the text")
        ),
        "label keys are [prefix/]name and values at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
    )
}

fn parse_labels(raw: &str, shown: &Shown) -> Result<Vec<String>, Problem> {
    parse_pairs(raw, shown, Pairs::Labels)
}

/// `key=value` annotations separated by commas: keys as label keys, values any text without a
/// comma (annotation values are free text; the list syntax takes the comma).
fn parse_annotations(raw: &str, shown: &Shown) -> Result<Vec<String>, Problem> {
    parse_pairs(raw, shown, Pairs::Annotations)
}

/// What a comma-separated `key=value` list holds.
#[derive(Clone, Copy, PartialEq)]
enum Pairs {
    Labels,
    Annotations,
}

/// A comma-separated list of `key=value` pairs, each key once, checked as `kind` says.
fn parse_pairs(raw: &str, shown: &Shown, kind: Pairs) -> Result<Vec<String>, Problem> {
    let (noun, example) = match kind {
        Pairs::Labels => ("label", "kubernetes.io/os=linux"),
        Pairs::Annotations => ("annotation", "example.com/owner=team-a"),
    };
    let mut keys: Vec<&str> = Vec::new();
    let mut items = Vec::new();
    for item in raw.split(',').map(str::trim) {
        let shown_item = shown.part(item, "the item");
        let Some((key, value)) = item.split_once('=') else {
            return Err(problem(
                format!("{shown_item} is not key=value"),
                format!("write {noun}s like {example}, separated by commas"),
            ));
        };
        match kind {
            Pairs::Labels => check_label(&shown_item, key, value)?,
            Pairs::Annotations => check_annotation(&shown_item, key, value)?,
        }
        if keys.contains(&key) {
            let key = shown.part(key, "a key");
            let key = key.text().map_or_else(|| key.to_string(), str::to_owned);
            return Err(problem(
                format!("{key} is listed twice"),
                format!("give each {noun} once"),
            ));
        }
        keys.push(key);
        items.push(format!("{key}={value}"));
    }
    Ok(items)
}

fn check_label(item: &Shown, key: &str, value: &str) -> Result<(), Problem> {
    if !label_key_ok(key) {
        return Err(bad_label_part(item, "key", key));
    }
    if !label_value_ok(value) {
        return Err(bad_label_part(item, "value", value));
    }
    Ok(())
}

fn check_annotation(item: &Shown, key: &str, value: &str) -> Result<(), Problem> {
    if !label_key_ok(key) {
        return Err(problem(
            format!(
                "{item}: {} is not a valid annotation key",
                item.part(key, "the key")
            ),
            "annotation keys are [prefix/]name: a DNS subdomain prefix, a name of at most 63 letters, digits, '-', '_' and '.'",
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(problem(
            format!("{item} holds a control character"),
            "write the annotation's value on one line, without control characters",
        ));
    }
    Ok(())
}

/// Why napgen refuses a label or annotation key: it sets the key itself, or the key would weaken
/// the pods' confinement. `None` for keys that are the operator's to set.
pub fn reserved_metadata_key(key: &str) -> Option<&'static str> {
    const OWN_LABELS: [&str; 6] = [
        "app.kubernetes.io/name",
        "app.kubernetes.io/instance",
        "app.kubernetes.io/component",
        "app.kubernetes.io/part-of",
        "app.kubernetes.io/version",
        "app.kubernetes.io/managed-by",
    ];
    const PREFIXES: [(&str, &str); 8] = [
        (
            "pod-security.kubernetes.io/",
            "Pod Security admission labels are napgen's: they hold its namespaces at restricted",
        ),
        (
            "seccomp.security.alpha.kubernetes.io/",
            "it would change the pods' seccomp profile, which napgen sets to RuntimeDefault",
        ),
        (
            "container.seccomp.security.alpha.kubernetes.io/",
            "it would change the containers' seccomp profile, which napgen sets to RuntimeDefault",
        ),
        (
            "container.apparmor.security.beta.kubernetes.io/",
            "it would change the containers' AppArmor profile",
        ),
        (
            "checksum/",
            "napgen's pod checksums roll each workload when what it reads changes",
        ),
        (
            "checkov.io/",
            "napgen records the scanner findings it accepts, with their reasons",
        ),
        (
            "helm.sh/",
            "Helm's hook and resource-policy annotations are napgen's (the chart's seed Jobs)",
        ),
        ("meta.helm.sh/", "Helm records its release in them"),
    ];
    if OWN_LABELS.contains(&key) {
        return Some("napgen sets the app.kubernetes.io labels that identify its objects");
    }
    PREFIXES
        .iter()
        .find(|(prefix, _)| key.starts_with(prefix))
        .map(|(_, why)| *why)
}

/// `items` (checked `key=value` pairs), or the problem with the first key napgen reserves.
fn refuse_reserved(items: Vec<String>, shown: &Shown, what: &str) -> Result<Vec<String>, Problem> {
    for item in &items {
        let key = item.split_once('=').map_or(item.as_str(), |(k, _)| k);
        if let Some(why) = reserved_metadata_key(key) {
            return Err(problem(
                format!(
                    "the {what} {} cannot be set here: {why}",
                    shown.part(key, "a key")
                ),
                format!("remove it; {what}s with other keys are added to napgen's"),
            ));
        }
    }
    Ok(items)
}

fn parse_tolerations(raw: &str, shown: &Shown) -> Result<Vec<String>, Problem> {
    let mut items: Vec<String> = Vec::new();
    for item in raw.split(',').map(str::trim) {
        let shown_item = shown.part(item, "the item");
        let (taint, effect) = match item.rsplit_once(':') {
            Some((t, e)) => (t, Some(e)),
            None => (item, None),
        };
        if let Some(effect) = effect {
            check_enum(
                effect,
                &shown.named_part(effect, "the effect"),
                registry::TAINT_EFFECTS,
            )?;
        }
        let (key, value) = match taint.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (taint, None),
        };
        if key.is_empty() {
            return Err(problem(
                format!("{shown_item} has no taint key"),
                "name the taint's key, e.g. dedicated=nap:NoSchedule; tolerating every taint is not offered",
            ));
        }
        if !label_key_ok(key) {
            return Err(bad_label_part(&shown_item, "key", key));
        }
        if let Some(v) = value.filter(|v| v.is_empty() || !label_value_ok(v)) {
            return Err(problem(
                format!(
                    "{shown_item}: {} is not a taint value",
                    shown.part(v, "the text")
                ),
                "write key=value:Effect, or key:Effect to tolerate the key with any value",
            ));
        }
        if items.iter().any(|i| i == item) {
            return Err(problem(
                format!("{shown_item} is listed twice"),
                "list each toleration once",
            ));
        }
        items.push(item.to_string());
    }
    Ok(items)
}

fn check_name(raw: &str, shown: &Shown) -> Result<(), Problem> {
    let ok = raw.len() <= 63
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !raw.starts_with('-')
        && !raw.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(problem(format!("{shown} is not a valid Kubernetes name"), "use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"))
    }
}

/// A PostgreSQL identifier that reads the same unquoted: it goes into SQL and a connection URI
/// as written.
fn check_sql_name(raw: &str, shown: &Shown) -> Result<(), Problem> {
    let ok = raw.len() <= 63
        && raw.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(problem(
            format!("{shown} is not a plain PostgreSQL name"),
            "use at most 63 lower-case letters, digits and '_', starting with a letter or '_' (e.g. nap)",
        ))
    }
}

fn check_registry(raw: &str, shown: &Shown) -> Result<(), Problem> {
    if let Some((_, rest)) = raw.split_once("://") {
        let help = match shown.part(rest, "").text() {
            Some(rest) => format!("give the registry without it: {rest}"),
            None => "give the registry without its scheme (no https://)".into(),
        };
        return Err(problem(format!("{shown} has a scheme"), help));
    }
    no_trailing_slash(raw, shown)?;
    let (authority, path) = raw.split_once('/').unwrap_or((raw, ""));
    if raw.contains('?') || raw.contains('#') {
        return Err(problem(
            format!("{shown} has a query or fragment"),
            "give the bare origin/base URL without ? or #",
        ));
    }
    let host = host_of_authority(authority).map_err(|why| {
        problem(
            format!("{shown}: {why}"),
            "write host[:port][/path], e.g. mirror.example.com:5000/nap",
        )
    })?;
    check_host(host, shown).map_err(|_| {
        problem(
            format!("{shown} is not host[:port][/path]"),
            "write it like mirror.example.com:5000/nap",
        )
    })?;
    let path_ok = path.split('/').all(|seg| {
        path.is_empty()
            || (!seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)))
    });
    if !path_ok {
        return Err(problem(
            format!("{shown} has an invalid repository path"),
            "path segments use lower-case letters, digits, '.', '_' and '-'",
        ));
    }
    Ok(())
}

fn check_tag(raw: &str, shown: &Shown) -> Result<(), Problem> {
    if raw == "latest" {
        return Err(problem(
            format!("{shown} is a moving tag"),
            "pin a release version so every render pulls the same images",
        ));
    }
    let ok = raw.len() <= 128
        && raw
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(problem(
            format!("{shown} is not an image tag"),
            "use letters, digits, '_', '.' and '-' (at most 128)",
        ))
    }
}

pub(super) fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// RFC 1918 (IPv4) and unique local (IPv6, fc00::/7) addresses: reachable only inside a network.
pub(super) fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

/// Whether users on the internet can plausibly reach `host`: an IP address outside the private,
/// loopback, link-local and carrier-grade NAT ranges, or a DNS name outside the suffixes that are
/// local by convention. Documentation addresses (192.0.2.0/24, ...) count as public: they stand for
/// public addresses in examples.
pub(super) fn is_public_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return !is_private_ip(ip)
            && !ip.is_loopback()
            && !ip.is_unspecified()
            && match ip {
                IpAddr::V4(v4) => {
                    let [a, b, ..] = v4.octets();
                    // 100.64.0.0/10 is carrier-grade NAT.
                    !(v4.is_link_local() || (a == 100 && (b & 0xc0) == 64))
                }
                IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
            };
    }
    const LOCAL_SUFFIXES: &[&str] = &[
        ".local",
        ".localdomain",
        ".localhost",
        ".internal",
        ".intranet",
        ".lan",
        ".home.arpa",
        ".svc",
        ".cluster.local",
        ".corp",
    ];
    let lower = host.to_ascii_lowercase();
    lower.contains('.') && !LOCAL_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// The host of an absolute URL, without brackets or port.
pub(super) fn url_host(url: &str) -> Option<&str> {
    let (_, authority, _) = split_url(url)?;
    host_of_authority(authority).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::registry::{Default, KEYS};
    use crate::config::validate::testing::*;
    use crate::diagnostic::MAX_QUOTED_CHARS;

    #[test]
    fn model_map_reads_pairs_and_names_the_wrong_entry() {
        let key = registry::key("BRIDGE_MODELS").unwrap();
        let Ok(Value::List(pairs)) = parse_value(
            key,
            "claude-sonnet-4-5=meta-llama/Llama-3.3-70B, gpt-5-codex=qwen3-coder",
        ) else {
            panic!("a valid map is refused");
        };
        assert_eq!(
            pairs,
            [
                "claude-sonnet-4-5=meta-llama/Llama-3.3-70B",
                "gpt-5-codex=qwen3-coder"
            ]
        );
        let message = |raw: &str| match parse_value(key, raw) {
            Err((message, _)) => message,
            Ok(_) => panic!("{raw:?} is accepted"),
        };
        assert_eq!(
            message("gpt-5"),
            "\"gpt-5\" is not agent-name=upstream-name"
        );
        assert!(message("a=").contains("neither side"));
        assert!(message("a=b c").contains("model names are"));
        assert_eq!(message("a=b,a=c"), "\"a\" is mapped twice");
    }

    #[test]
    fn messages_quote_no_long_or_multi_line_value() {
        // Values of every shape a check looks into, each too long to quote or on two lines: no
        // message about any key may contain the value, or any long run of it.
        let long = "q".repeat(100);
        let values = [
            long.clone(),
            format!("/{long}"),
            format!("{long}/"),
            format!("https://{long}"),
            format!("https://{long}/"),
            format!("ftp{long}://x"),
            format!("https://x:{long}"),
            format!("http://user:pw@{long}:3128"),
            format!("{long}://x"),
            format!("s3://{long}"),
            format!("1{}", "0".repeat(99)),
            format!("{long} {long}"),
            format!("{long}:NoSchedule"),
            format!("a={long}"),
            format!("{long}=sha256:00"),
            format!("0 0 2 * {long}"),
            format!("{long}:80"),
            "quote one\nquote two".to_string(),
            "quote one\rquote two".to_string(),
            "a=b,quote one\nquote two".to_string(),
        ];
        for key in KEYS {
            for value in &values {
                let Err((message, help)) = parse_value(key, value) else {
                    continue;
                };
                for text in [&message, &help] {
                    assert!(
                        !text.contains(&"q".repeat(MAX_QUOTED_CHARS + 1))
                            && !text.contains(&"0".repeat(MAX_QUOTED_CHARS + 1))
                            && !text.contains("quote one")
                            && !text.contains("quote two"),
                        "{}={value:?} gave {text:?}",
                        key.name
                    );
                }
            }
        }
        let e = error_for(&[("TOS_HOST", &long)], "TOS_HOST");
        assert!(
            e.contains("the value (100 characters) is not a hostname"),
            "{e}"
        );
        let e = error_for(&[("NAMESPACE", "nap\nadmin")], "NAMESPACE");
        assert!(
            e.contains("the value (9 characters on 2 lines) is not a valid Kubernetes name"),
            "{e}"
        );
        let e = error_for(
            &[("NFS_SERVER", "nfs"), ("NFS_SUBDIR", "a\nb")],
            "NFS_SUBDIR",
        );
        assert!(
            e.contains("the value (3 characters on 2 lines) is not a relative"),
            "{e}"
        );
        // Short values on one line are still quoted, and so are short parts of long values.
        let e = error_for(&[("TOS_HOST", "nap example")], "TOS_HOST");
        assert!(e.contains("\"nap example\" is not a hostname"), "{e}");
        let cidrs = format!("10.0.0.0/8,{}bad", "10.1.0.0/16,".repeat(8));
        let e = error_for(
            &[("AGENT_EGRESS_ALLOW_CIDRS", &cidrs)],
            "AGENT_EGRESS_ALLOW_CIDRS",
        );
        assert!(e.contains("\"bad\" is not a CIDR block"), "{e}");
    }

    #[test]
    fn secret_messages_place_the_character_without_showing_the_value() {
        let e = error_for(
            &[("ADMIN_PASSWORD", "correct horse\tbattery staple")],
            "ADMIN_PASSWORD",
        );
        assert!(
            e.contains("contains a control character (a tab at column 14)"),
            "{e}"
        );
        assert!(!e.contains("horse") && !e.contains("battery"), "{e}");
    }

    #[test]
    fn defaults_are_valid() {
        for key in KEYS {
            if let Default::Value(v) = key.default {
                parse_value(key, v).unwrap_or_else(|e| panic!("{}: {e:?}", key.name));
            }
        }
        let v = run(&[]);
        assert!(v.settings.is_some(), "{:?}", messages(&v));
        assert_eq!(v.settings.unwrap().int("POSTGRES_INSTANCES"), 1);
    }

    #[test]
    fn wrong_types() {
        assert!(error_for(&[("SANDBOX_ENABLED", "yes")], "SANDBOX_ENABLED")
            .contains("\"yes\" is not a bool"));
        assert!(
            error_for(&[("POSTGRES_INSTANCES", "three")], "POSTGRES_INSTANCES")
                .contains("not a whole number")
        );
        assert!(
            error_for(&[("POSTGRES_INSTANCES", "12")], "POSTGRES_INSTANCES")
                .contains("outside 1-9")
        );
    }

    #[test]
    fn enums_suggest() {
        let e = error_for(&[("PROFILE", "multinode")], "PROFILE");
        assert!(e.contains("did you mean multi-node?"), "{e}");
        let e = error_for(&[("AGENT_TYPES", "codex,claude")], "AGENT_TYPES");
        assert!(
            e.contains("\"claude\" is not allowed") && e.contains("claude-code"),
            "{e}"
        );
        assert!(
            error_for(&[("AGENT_TYPES", "codex,codex")], "AGENT_TYPES").contains("listed twice")
        );
    }

    #[test]
    fn host_versus_url() {
        let e = error_for(&[("TOS_HOST", "http://nap.example.com:30080")], "TOS_HOST");
        assert!(
            e.contains("is a URL, not a host") && e.contains("e.g. nap.example.com"),
            "{e}"
        );
        assert!(
            error_for(&[("TOS_HOST", "nap.example.com:30080")], "TOS_HOST")
                .contains("includes a port")
        );
        assert!(error_for(&[("TOS_HOST", "nap example")], "TOS_HOST").contains("not a hostname"));
        let e = error_for(
            &[
                ("INGRESS_MODE", "external"),
                ("TOS_PUBLIC_URL", "nap.example.com"),
            ],
            "TOS_PUBLIC_URL",
        );
        assert!(e.contains("is not a URL"), "{e}");
        assert!(run(&[("TOS_HOST", "2001:db8::1")]).settings.is_some());
    }

    #[test]
    fn ipv4_literals_are_strict_dotted_quads() {
        for host in [
            "1.2.3",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3.4.5",
            "0x7f.0.0.1",
            "nap.0x1",
        ] {
            let e = error_for(&[("TOS_HOST", host)], "TOS_HOST");
            assert!(e.contains("is not an IPv4 address"), "{host}: {e}");
            let e = error_for(
                &[("BROWSER_ENABLED", "true"), ("TURN_HOST", host)],
                "TURN_HOST",
            );
            assert!(e.contains("is not an IPv4 address"), "{host}: {e}");
        }
        let e = error_for(
            &[
                ("AGENT_TYPES", "codex"),
                ("OPENAI_BASE_URL", "https://10.1.2/v1"),
            ],
            "OPENAI_BASE_URL",
        );
        assert!(e.contains("is not an IPv4 address"), "{e}");
        for host in [
            "192.0.2.10",
            "nap.example.com",
            "nap1.example.com",
            "2001:db8::1",
        ] {
            assert!(run(&[("TOS_HOST", host)]).settings.is_some(), "{host}");
        }
    }

    #[test]
    fn hosts_name_one_host() {
        let cases = [
            ("0.0.0.0", "the unspecified address"),
            ("::", "the unspecified address"),
            ("::ffff:0.0.0.0", "the unspecified address"),
            ("255.255.255.255", "the broadcast address"),
            ("224.0.0.1", "a multicast address"),
            ("ff02::1", "a multicast address"),
        ];
        for (host, expected) in cases {
            let e = error_for(&[("TOS_HOST", host)], "TOS_HOST");
            assert!(e.contains(expected), "{host}: {e}");
            let e = error_for(&[("NFS_SERVER", host), ("NFS_SHARE", "/srv")], "NFS_SERVER");
            assert!(e.contains(expected), "{host}: {e}");
        }
        let e = error_for(
            &[
                ("INGRESS_MODE", "external"),
                ("TOS_PUBLIC_URL", "http://0.0.0.0:8080"),
            ],
            "TOS_PUBLIC_URL",
        );
        assert!(e.contains("the unspecified address"), "{e}");
        let e = error_for(&[("HTTPS_PROXY", "http://[::]:3128")], "HTTPS_PROXY");
        assert!(e.contains("the unspecified address"), "{e}");
    }

    #[test]
    fn url_endpoints_are_never_loopback_link_local_or_metadata() {
        // (key, what turns it on, URL with {} for the host)
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let url_keys: &[Case] = &[
            (
                "OPENAI_BASE_URL",
                &[("AGENT_TYPES", "codex")],
                "https://{}/v1",
            ),
            (
                "ANTHROPIC_BASE_URL",
                &[("AGENT_TYPES", "claude-code")],
                "https://{}",
            ),
            ("HTTP_PROXY", &[], "http://{}:3128"),
            ("HTTPS_PROXY", &[], "http://{}:3128"),
            ("LDAP_URL", &[("LDAP_ENABLED", "true")], "ldap://{}:389"),
            (
                "BACKUP_S3_ENDPOINT",
                &[("BACKUP_ENABLED", "true")],
                "https://{}",
            ),
            (
                "OPENSANDBOX_URL",
                &[("SANDBOX_ENABLED", "true")],
                "http://{}:8080",
            ),
            (
                "TOS_PUBLIC_URL",
                &[("INGRESS_MODE", "external")],
                "https://{}",
            ),
            (
                "SANDBOX_PUBLIC_URL",
                &[("SANDBOX_ENABLED", "true"), ("INGRESS_MODE", "external")],
                "https://{}",
            ),
            (
                "BROWSER_PUBLIC_URL",
                &[("BROWSER_ENABLED", "true"), ("INGRESS_MODE", "external")],
                "https://{}",
            ),
            (
                "BRIDGE_UPSTREAM_URL",
                &[("BRIDGE_ENABLED", "true"), ("BRIDGE_MODELS", "a=b")],
                "https://{}/v1",
            ),
        ];
        // Every URL key of the registry is covered.
        let covered: Vec<&str> = url_keys.iter().map(|(k, _, _)| *k).collect();
        for key in KEYS
            .iter()
            .filter(|k| matches!(k.ty, KeyType::Url | KeyType::LdapUrl | KeyType::ProxyUrl))
        {
            assert!(covered.contains(&key.name), "{} is not tested", key.name);
        }
        let hosts = [
            ("169.254.169.254", "cloud metadata"),
            ("169.254.0.1", "169.254.0.0/16"),
            ("100.100.100.200", "100.100.100.200/32"),
            ("[fe80::1]", "fe80::/10"),
            ("[fd00:ec2::254]", "fd00:ec2::254/128"),
            ("[::ffff:169.254.169.254]", "169.254.0.0/16"),
            ("metadata.google.internal", "a metadata name"),
            ("127.0.0.1", "loopback"),
            ("127.1.2.3", "loopback"),
            ("[::1]", "loopback"),
            ("localhost", "loopback"),
            ("api.localhost", "loopback"),
        ];
        for (key, extra, template) in url_keys {
            for (host, expected) in hosts {
                let url = template.replace("{}", host);
                let mut pairs = extra.to_vec();
                pairs.push((key, &url));
                let e = error_for(&pairs, key);
                assert!(
                    e.contains(expected) && e.contains("help: give "),
                    "{url}: {e}"
                );
            }
        }
        // Neighbours of the ranges are ordinary addresses.
        for host in [
            "169.253.255.255",
            "100.100.100.201",
            "[fd00:ec2::253]",
            "10.0.0.5",
        ] {
            let url = format!("http://{host}:3128");
            assert!(run(&[("HTTPS_PROXY", &url)]).settings.is_some(), "{url}");
        }
    }

    #[test]
    fn service_namespaces() {
        assert_eq!(service_namespace("litellm.ai.svc"), Some("ai"));
        assert_eq!(
            service_namespace("litellm.ai.svc.cluster.local"),
            Some("ai")
        );
        assert_eq!(
            service_namespace("ldap-0.ldap.auth.svc.cluster.local"),
            Some("auth")
        );
        for host in [
            "ai.svc",
            "svc",
            "litellm.ai",
            "litellm.ai.svc.example.com",
            ".ai.svc",
        ] {
            assert_eq!(service_namespace(host), None, "{host}");
        }
    }

    #[test]
    fn urls() {
        let cases = [
            ("https://nap.example.com/", "ends with a slash"),
            ("https://nap.example.com?x=1", "query or fragment"),
            ("https://nap.example.com/#top", "query or fragment"),
            ("ftp://nap.example.com", "has scheme \"ftp\""),
            ("https://user:pw@nap.example.com", "contains credentials"),
            ("https://nap.example.com:99999", "not a port number"),
            ("https://", "the host is empty"),
        ];
        for (url, expected) in cases {
            let e = error_for(
                &[("INGRESS_MODE", "external"), ("TOS_PUBLIC_URL", url)],
                "TOS_PUBLIC_URL",
            );
            assert!(e.contains(expected), "{url}: {e}");
        }
        assert!(run(&[
            ("INGRESS_MODE", "external"),
            ("TOS_PUBLIC_URL", "https://nap.example.com:8443/base")
        ])
        .settings
        .is_some());
    }

    #[test]
    fn quantities() {
        assert!(error_for(&[("SHARED_DIR_SIZE", "500")], "SHARED_DIR_SIZE")
            .contains("needs a unit, e.g. 500Gi"));
        assert!(
            error_for(&[("SHARED_DIR_SIZE", "500GB")], "SHARED_DIR_SIZE").contains("not a size")
        );
        assert!(error_for(&[("SHARED_DIR_SIZE", "0Gi")], "SHARED_DIR_SIZE").contains("is zero"));
        assert!(error_for(&[("WORKSPACE_CPU", "2 cores")], "WORKSPACE_CPU")
            .contains("not a CPU quantity"));
        assert!(
            run(&[("SHARED_DIR_SIZE", "1.5Ti"), ("WORKSPACE_CPU", "500m")])
                .settings
                .is_some()
        );
    }

    #[test]
    fn registry_without_scheme() {
        let e = error_for(&[("REGISTRY", "https://mirror.example.com")], "REGISTRY");
        assert!(
            e.contains("has a scheme") && e.contains("mirror.example.com"),
            "{e}"
        );
        assert!(
            error_for(&[("REGISTRY", "mirror.example.com/")], "REGISTRY")
                .contains("ends with a slash")
        );
        assert!(
            error_for(&[("REGISTRY", "mirror.example.com/Nap")], "REGISTRY")
                .contains("repository path")
        );
        assert!(run(&[("REGISTRY", "mirror.example.com:5000/nap/cache")])
            .settings
            .is_some());
    }

    #[test]
    fn names_tags_emails_cidrs() {
        assert!(
            error_for(&[("NAMESPACE", "Nap")], "NAMESPACE").contains("not a valid Kubernetes name")
        );
        assert!(error_for(&[("NAP_VERSION", "latest")], "NAP_VERSION").contains("moving tag"));
        assert!(error_for(&[("ADMIN_EMAIL", "admin")], "ADMIN_EMAIL").contains("not an e-mail"));
        assert!(
            error_for(&[("CLUSTER_POD_CIDRS", "10.0.0.0/33")], "CLUSTER_POD_CIDRS")
                .contains("not a CIDR")
        );
    }

    #[test]
    fn node_selector_labels() {
        let ok = run(&[(
            "NODE_SELECTOR",
            "kubernetes.io/os=linux, node.example.com/pool=nap,empty=",
        )]);
        assert_eq!(
            ok.settings.unwrap().list("NODE_SELECTOR"),
            [
                "kubernetes.io/os=linux",
                "node.example.com/pool=nap",
                "empty="
            ]
        );
        let cases = [
            ("pool", "is not key=value"),
            ("Pool Name=x", "not a valid label key"),
            ("pool=-x", "not a valid label value"),
            ("Example.com/pool=x", "not a valid label key"),
            ("pool=a,pool=b", "pool is listed twice"),
            (
                &*format!("pool={}", "x".repeat(64)),
                "not a valid label value",
            ),
        ];
        for (raw, expected) in cases {
            let e = error_for(&[("NODE_SELECTOR", raw)], "NODE_SELECTOR");
            assert!(e.contains(expected), "{raw}: {e}");
        }
    }

    #[test]
    fn tolerations_compact_syntax() {
        let ok = run(&[(
            "TOLERATIONS",
            "dedicated=nap:NoSchedule,example.com/gpu:NoExecute,spot=true,maintenance",
        )]);
        assert_eq!(ok.settings.unwrap().list("TOLERATIONS").len(), 4);
        let cases = [
            ("dedicated=nap:NoSchedul", "did you mean NoSchedule?"),
            ("dedicated=nap:Evict", "is not allowed"),
            (":NoSchedule", "has no taint key"),
            ("=nap:NoSchedule", "has no taint key"),
            ("dedicated=:NoSchedule", "is not a taint value"),
            ("bad key:NoSchedule", "not a valid label key"),
            ("a:NoSchedule,a:NoSchedule", "listed twice"),
        ];
        for (raw, expected) in cases {
            let e = error_for(&[("TOLERATIONS", raw)], "TOLERATIONS");
            assert!(e.contains(expected), "{raw}: {e}");
        }
    }

    #[test]
    fn backup_settings() {
        let on = [
            ("BACKUP_ENABLED", "true"),
            ("BACKUP_DESTINATION_PATH", "s3://nap-backups/prod"),
            ("BACKUP_S3_CREDENTIALS_SECRET", "nap-backup-s3"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            on.iter().chain(extra).copied().collect::<Vec<_>>()
        };
        let settings = run(&on).settings.unwrap();
        assert_eq!(settings.str("BACKUP_RETENTION"), "30d");
        assert_eq!(settings.str("BACKUP_SCHEDULE"), "0 0 2 * * *");
        let v = run(&[("BACKUP_ENABLED", "true")]);
        assert_eq!(
            v.errors().filter_map(|d| d.key.clone()).collect::<Vec<_>>(),
            ["BACKUP_DESTINATION_PATH", "BACKUP_S3_CREDENTIALS_SECRET"]
        );
        for (path, expected) in [
            ("https://s3.example.com/b", "not an s3:// location"),
            ("s3://Nap", "not a bucket name"),
            ("s3://ab/x", "not a bucket name"),
            ("s3://nap-backups/a b", "invalid path"),
            ("s3://nap-backups/prod/", "ends with a slash"),
        ] {
            let e = error_for(
                &with(&[("BACKUP_DESTINATION_PATH", path)]),
                "BACKUP_DESTINATION_PATH",
            );
            assert!(e.contains(expected), "{path}: {e}");
        }
        for retention in ["30", "0d", "030d", "2y", "d", "1.5w"] {
            let e = error_for(
                &with(&[("BACKUP_RETENTION", retention)]),
                "BACKUP_RETENTION",
            );
            assert!(e.contains("not a retention period"), "{retention}: {e}");
        }
        for retention in ["7d", "4w", "12m", "365d"] {
            assert!(run(&with(&[("BACKUP_RETENTION", retention)]))
                .settings
                .is_some());
        }
        let e = error_for(
            &with(&[("BACKUP_SCHEDULE", "0 2 * * *")]),
            "BACKUP_SCHEDULE",
        );
        assert!(
            e.contains("has 5 fields, not 6") && e.contains("write 0 0 2 * * *"),
            "{e}"
        );
        for (cron, expected) in [
            ("0 0 2 * *", "has 5 fields"),
            ("0 0 2 * * * *", "has 7 fields"),
            ("60 0 2 * * *", "not a valid seconds field"),
            ("0 0 24 * * *", "not a valid hours field"),
            ("0 0 2 0 * *", "not a valid day of month field"),
            ("0 */0 * * * *", "not a valid minutes field"),
            ("0 0 2 * * MONDAY", "not a valid day of week field"),
        ] {
            let e = error_for(&with(&[("BACKUP_SCHEDULE", cron)]), "BACKUP_SCHEDULE");
            assert!(e.contains(expected), "{cron}: {e}");
        }
        for cron in [
            "0 30 1 * * 0",
            "0 0 */6 * * *",
            "0 0 3 1,15 * ?",
            "0 0 2 * JAN-MAR MON-FRI",
        ] {
            assert!(
                run(&with(&[("BACKUP_SCHEDULE", cron)])).settings.is_some(),
                "{cron}"
            );
        }
        let w = messages(&run(&[("BACKUP_RETENTION", "7d")])).join("\n");
        assert!(
            w.contains("BACKUP_RETENTION: has no effect: backup is off (BACKUP_ENABLED)"),
            "{w}"
        );
    }

    #[test]
    fn monitoring_settings() {
        let settings = run(&[
            ("MONITORING_ENABLED", "true"),
            ("MONITORING_LABELS", "release=kube-prometheus-stack"),
        ])
        .settings
        .unwrap();
        assert_eq!(settings.str("MONITORING_NAMESPACE"), "monitoring");
        assert!(error_for(
            &[
                ("MONITORING_ENABLED", "true"),
                ("MONITORING_LABELS", "release")
            ],
            "MONITORING_LABELS"
        )
        .contains("is not key=value"));
        assert!(error_for(
            &[
                ("MONITORING_ENABLED", "true"),
                ("MONITORING_NAMESPACE", "Mon")
            ],
            "MONITORING_NAMESPACE"
        )
        .contains("not a valid Kubernetes name"));
        let w = messages(&run(&[("MONITORING_NAMESPACE", "prom")])).join("\n");
        assert!(
            w.contains(
                "MONITORING_NAMESPACE: has no effect: monitoring is off (MONITORING_ENABLED)"
            ),
            "{w}"
        );
    }

    #[test]
    fn short_secret_is_reported_without_its_value() {
        let v = run(&[("TOS_SECRET_KEY", SECRET_VALUE)]);
        let text = messages(&v).join("\n");
        assert!(
            text.contains("TOS_SECRET_KEY: is too short (19 characters, at least 32 needed)"),
            "{text}"
        );
        assert!(!text.contains(SECRET_VALUE), "secret leaked: {text}");
        let v = run(&[(
            "TOS_SECRET_KEY",
            "line1\nline2-long-enough-to-pass-the-length-check",
        )]);
        assert!(!messages(&v).join("\n").contains("line2"));
    }
}

//! Validation: raw `KEY=VALUE` entries → typed [`Settings`], or every problem at once.
//!
//! Every message names the key and where it was set, states the rule and ends with what to do.
//! A secret's value never appears in any message.

use crate::config::dotenv::Entry;
use crate::config::registry::{self, Default, Key, KeyType, Module, Required, KEYS};
use crate::config::settings::{Setting, Settings, Value};
use crate::diagnostic::{Diagnostic, Origin, Shown};
use crate::plan::secrets::{
    coturn_secret_name, secret_name, turn_namespace, COTURN_SECRET_KEY, SECRET_NAME,
};
use std::fmt;
use std::net::IpAddr;

/// The outcome of validation: settings when there is no error, and every finding.
pub struct Validated {
    pub settings: Option<Settings>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Validated {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Validate entries given in precedence order (later entries override earlier ones).
pub fn validate(entries: &[Entry]) -> Validated {
    let mut diags = Vec::new();
    let given = collect_known(entries, &mut diags);

    let mut settings = Settings::for_registry();
    // Given values and fixed defaults first; derived defaults may read them.
    // An empty value (`KEY=`) means "not set": the default applies, but the line is remembered
    // so a required key can be reported where it is empty.
    for (key, entry) in KEYS.iter().zip(&given) {
        let setting = match entry {
            Some(entry) if !entry.value.is_empty() => match parse_value(key, &entry.value) {
                Ok(value) => Setting {
                    value,
                    origin: Some(entry.origin.clone()),
                },
                Err((message, help)) => {
                    diags.push(Diagnostic::error(
                        Some(key.name),
                        Some(entry.origin.clone()),
                        message,
                        help,
                    ));
                    Setting {
                        value: Value::Unset,
                        origin: Some(entry.origin.clone()),
                    }
                }
            },
            // Not given, or given empty.
            empty => Setting {
                value: match key.default {
                    Default::Value(text) => parse_default(key, text),
                    _ => Value::Unset,
                },
                origin: empty.map(|e| e.origin.clone()),
            },
        };
        settings.insert(key.name, setting);
    }
    // Before derived defaults, some of which are built from these names.
    check_namespace(&settings, &mut diags);
    check_derived_names(&settings, &mut diags);
    for (key, entry) in KEYS.iter().zip(&given) {
        let Default::Derived { compute, .. } = key.default else {
            continue;
        };
        if entry.is_some_and(|e| !e.value.is_empty()) {
            // Given: the value wins over the derived default.
            continue;
        }
        if let Some(text) = compute(&settings) {
            // A derived default built from an invalid value (already reported) may be invalid too.
            let value = match parse_value(key, &text) {
                Ok(value) => value,
                Err(_) if diags.iter().any(Diagnostic::is_error) => Value::Unset,
                Err((m, _)) => panic!("derived default of {} is invalid: {m}", key.name),
            };
            settings.insert(
                key.name,
                Setting {
                    value,
                    origin: entry.map(|e| e.origin.clone()),
                },
            );
        }
    }

    let invalid: Vec<&str> = diags
        .iter()
        .filter(|d| d.is_error())
        .filter_map(|d| d.key.as_deref())
        .filter_map(|k| registry::key(k).map(|k| k.name))
        .collect();
    check_required(&settings, &invalid, &mut diags);
    check_secrets(&settings, &invalid, &mut diags);
    check_unused(&settings, &mut diags);
    check_relations(&settings, &mut diags);
    check_turn_reachability(&settings, &mut diags);
    check_private_endpoints(&settings, &mut diags);
    check_bridge(&settings, &mut diags);
    check_egress_allowance(&settings, &mut diags);
    check_opensandbox_api_key(&settings, &mut diags);
    check_loopback_redirects(&settings, &mut diags);
    check_opensandbox_namespace(&settings, &mut diags);
    check_storage_class_overrides(entries, &mut diags);

    let ok = !diags.iter().any(Diagnostic::is_error);
    Validated {
        settings: ok.then_some(settings),
        diagnostics: diags,
    }
}

/// A default is part of the program: one that does not parse is a bug, caught by the registry tests.
fn parse_default(key: &Key, text: &str) -> Value {
    parse_value(key, text)
        .unwrap_or_else(|(m, _)| panic!("default of {} is invalid: {m}", key.name))
}

/// Keep the last entry per known key, at the key's position in [`KEYS`]; report unknown keys
/// with a suggestion.
fn collect_known<'a>(entries: &'a [Entry], diags: &mut Vec<Diagnostic>) -> Vec<Option<&'a Entry>> {
    let mut given: Vec<Option<&Entry>> = vec![None; KEYS.len()];
    for entry in entries {
        let Some(index) = registry::position(&entry.key) else {
            diags.push(unknown_key(entry));
            continue;
        };
        if let Some(previous) = given[index] {
            if previous.origin.source == entry.origin.source && entry.origin.line.is_some() {
                diags.push(Diagnostic::warning(
                    Some(KEYS[index].name),
                    Some(entry.origin.clone()),
                    format!(
                        "is set again (first at {}); this later value wins",
                        previous.origin
                    ),
                    "remove one of the two lines",
                ));
            }
        }
        given[index] = Some(entry);
    }
    given
}

fn unknown_key(entry: &Entry) -> Diagnostic {
    let help = match suggest(&entry.key, KEYS.iter().map(|k| k.name)) {
        Some(name) if name == entry.key.to_ascii_uppercase() => {
            format!("keys are upper case: did you mean {name}? (napgen keys lists every key)")
        }
        Some(name) => format!("did you mean {name}? (napgen keys lists every key)"),
        None => "remove the line, or see napgen keys for every key napgen reads".into(),
    };
    Diagnostic::error(
        Some(&entry.key),
        Some(entry.origin.clone()),
        "unknown key",
        help,
    )
}

/// The closest candidate, if it is close enough to be a plausible typo.
pub fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let upper = word.to_ascii_uppercase();
    candidates
        .map(|c| {
            (
                strsim::damerau_levenshtein(&upper, &c.to_ascii_uppercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= (c.len() / 4).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

use crate::config::types::{parse_whole, Cidr, Cpu, Memory, Port, Problem, Retention};

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
        KeyType::ModelMap => parse_model_map(raw, &shown).map(Value::List),
        KeyType::TolerationList => parse_tolerations(raw, &shown).map(Value::List),
        KeyType::NoProxyList => parse_no_proxy(raw, &shown).map(Value::List),
        KeyType::AbsPath => check_abs_path(raw, &shown).map(|_| text(raw)),
        KeyType::WordList => parse_words(raw, &shown).map(Value::List),
        KeyType::S3Path => check_s3_path(raw, &shown).map(|_| text(raw)),
        KeyType::Retention => Retention::parse(raw, &shown).map(|_| text(raw)),
        KeyType::Cron => check_cron(raw, &shown).map(|_| text(raw)),
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
fn split_url(raw: &str) -> Option<(&str, &str, &str)> {
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
fn host_of_authority(authority: &str) -> Result<&str, String> {
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

/// AGENT_EGRESS_ALLOW_CIDRS opens private ranges, never metadata: a block inside a metadata
/// range is refused (a block around one is rendered with that range excepted).
fn check_egress_allowance(settings: &Settings, diags: &mut Vec<Diagnostic>) {
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

/// A set value as messages may show it: through the one quoting rule, [`Shown`].
fn shown_setting<'a>(key: &str, value: &'a str) -> Shown<'a> {
    Shown::value(
        registry::key(key).expect("settings hold registry keys only"),
        value,
    )
}

/// The LLM bridge: its model map reads, it serves an enabled agent type, and an agent type it
/// serves is not also pointed elsewhere (an unset base URL defaults to the bridge's Service).
fn check_bridge(settings: &Settings, diags: &mut Vec<Diagnostic>) {
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
fn label_value_ok(value: &str) -> bool {
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
    let mut keys: Vec<&str> = Vec::new();
    let mut items = Vec::new();
    for item in raw.split(',').map(str::trim) {
        let shown_item = shown.part(item, "the item");
        let Some((key, value)) = item.split_once('=') else {
            return Err(problem(
                format!("{shown_item} is not key=value"),
                "write labels like kubernetes.io/os=linux, separated by commas",
            ));
        };
        if !label_key_ok(key) {
            return Err(bad_label_part(&shown_item, "key", key));
        }
        if !label_value_ok(value) {
            return Err(bad_label_part(&shown_item, "value", value));
        }
        if keys.contains(&key) {
            let key = shown.part(key, "a label key");
            let key = key.text().map_or_else(|| key.to_string(), str::to_owned);
            return Err(problem(
                format!("{key} is listed twice"),
                "give each label once",
            ));
        }
        keys.push(key);
        items.push(item.to_string());
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

/// Whether a key is in use in this configuration: its module is on, or it is the module's toggle.
pub fn key_in_use(key: &Key, settings: &Settings) -> bool {
    key.module.enabled(settings) || key.module.toggle() == Some(key.name)
}

fn required(key: &Key, settings: &Settings) -> bool {
    key_in_use(key, settings)
        && match key.required {
            Required::No => false,
            Required::WhenEnabled => true,
            Required::When { test, .. } => test(settings),
        }
}

/// Required keys without a value; `invalid` keys were given but rejected and are not reported twice.
fn check_required(settings: &Settings, invalid: &[&str], diags: &mut Vec<Diagnostic>) {
    let missing = |k: &&Key| {
        !k.is_secret()
            && required(k, settings)
            && !settings.is_set(k.name)
            && !invalid.contains(&k.name)
    };
    for key in KEYS.iter().filter(missing) {
        let why = match key.required.doc(key.module).as_str() {
            "yes" => String::new(),
            doc => format!(" ({doc})"),
        };
        let origin = at(settings, key.name);
        let state = if origin.is_some() { "empty" } else { "not set" };
        let help = match (&origin, key.ty) {
            (Some(_), _) => format!("set it on that line: {}", key.description),
            (None, KeyType::Url) => format!("add {}=https://... to values.env", key.name),
            (None, _) => format!("add {}=... to values.env ({})", key.name, key.description),
        };
        diags.push(Diagnostic::error(
            Some(key.name),
            origin,
            format!("is required{why} but {state}"),
            help,
        ));
    }
}

/// The secret keys this configuration needs: the required ones, and optional ones that are set
/// (an optional secret left empty is not used, so the platform Secret does not hold it).
pub fn needed_secrets(settings: &Settings) -> Vec<&'static Key> {
    KEYS.iter()
        .filter(|k| {
            k.is_secret()
                && (required(k, settings) || (key_in_use(k, settings) && settings.is_set(k.name)))
        })
        .collect()
}

/// Secrets are all given (the bundle then holds the Secret) or none (the operator creates the
/// Secret; napgen says which keys it needs). Half of them would make a Secret that lacks keys.
/// With EXISTING_SECRET the operator manages the Secret, and values.env holds no secret at all.
/// `invalid` keys were given but rejected: they count as given, and are not reported again.
fn check_secrets(settings: &Settings, invalid: &[&str], diags: &mut Vec<Diagnostic>) {
    let needed = needed_secrets(settings);
    if let Some(existing) = settings.opt("EXISTING_SECRET") {
        for key in KEYS.iter().filter(|k| k.is_secret()) {
            if let (Some(origin), true) = (settings.origin(key.name), settings.is_set(key.name)) {
                diags.push(Diagnostic::error(
                    Some(key.name),
                    Some(origin.clone()),
                    "EXISTING_SECRET is set; remove the secret values from values.env",
                    format!("Secret {existing} holds this key; delete the line from values.env"),
                ));
            }
        }
        if !needed.is_empty() {
            diags.push(secret_note(settings, &needed, "EXISTING_SECRET is set"));
        }
        return;
    }
    let is_given = |k: &&&Key| settings.is_set(k.name) || invalid.contains(&k.name);
    let given: Vec<_> = needed.iter().filter(is_given).collect();
    if given.is_empty() {
        if !needed.is_empty() {
            diags.push(secret_note(settings, &needed, "no secrets are set"));
        }
        return;
    }
    let some = given.iter().map(|k| k.name).collect::<Vec<_>>().join(", ");
    for key in needed.iter().filter(|k| !is_given(k)) {
        let origin = at(settings, key.name);
        let state = if origin.is_some() {
            "is empty"
        } else {
            "is not set"
        };
        let why = match key.required.doc(key.module).as_str() {
            "yes" => String::new(),
            doc => format!(" ({doc})"),
        };
        diags.push(Diagnostic::error(
            Some(key.name),
            origin,
            format!("{state}, but it is required{why}: other secrets ({some}) are set, so the bundle will hold Secret {SECRET_NAME}, and it needs every key"),
            format!("set it: {}. Or remove all secrets from values.env and create the Secret yourself", key.description),
        ));
    }
}

/// The note that the bundle references the platform Secret without containing it: its name,
/// the keys it must hold, and how to create it (and coturn's, when the browser is on).
fn secret_note(settings: &Settings, needed: &[&'static Key], why: &str) -> Diagnostic {
    let name = secret_name(settings.opt("EXISTING_SECRET"));
    // NAMESPACE may be invalid (and reported) here: the command then names it in words.
    let namespace = settings.opt("NAMESPACE").unwrap_or("<NAMESPACE>");
    let names: Vec<_> = needed.iter().map(|k| k.name).collect();
    let coturn = if Module::Browser.enabled(settings) {
        format!(
            "; and kubectl -n {} create secret generic {} --from-literal={COTURN_SECRET_KEY}=... (the same value)",
            turn_namespace(namespace),
            coturn_secret_name(settings.opt("EXISTING_SECRET"))
        )
    } else {
        String::new()
    };
    let alternative = if settings.is_set("EXISTING_SECRET") {
        "; or let External Secrets, Sealed Secrets or SOPS create it"
    } else {
        "; or put the values in values.env (napgen init generates them)"
    };
    Diagnostic::warning(
        None,
        None,
        format!(
            "{why}, so the bundle references Secret {name} without containing it; it needs the keys {}",
            names.join(", ")
        ),
        format!(
            "create it before applying: kubectl -n {namespace} create secret generic {name} {}{coturn}{alternative}",
            names
                .iter()
                .map(|n| format!("--from-literal={n}=..."))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    )
}

fn check_unused(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    for key in KEYS.iter().filter(|k| !key_in_use(k, settings)) {
        if let Some(origin) = settings.origin(key.name) {
            let toggle = key.module.toggle().unwrap_or("its module");
            diags.push(Diagnostic::warning(
                Some(key.name),
                Some(origin.clone()),
                format!("has no effect: {} is off ({toggle})", key.module.name()),
                format!("enable {} or remove the line", key.module.name()),
            ));
        }
    }
}

fn at(settings: &Settings, key: &str) -> Option<Origin> {
    settings.origin(key).cloned()
}

/// An error about `key`, pointing at where it was set.
fn key_error(
    settings: &Settings,
    key: &str,
    message: impl Into<String>,
    help: impl Into<String>,
) -> Diagnostic {
    Diagnostic::error(Some(key), at(settings, key), message, help)
}

/// A warning about `key`, pointing at where it was set.
fn key_warning(
    settings: &Settings,
    key: &str,
    message: impl Into<String>,
    help: impl Into<String>,
) -> Diagnostic {
    Diagnostic::warning(Some(key), at(settings, key), message, help)
}

fn check_relations(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let on = |m: Module| m.enabled(settings);

    if settings.str("INGRESS_MODE") == "nodeport" {
        let mut ports: Vec<&str> = vec!["TOS_NODE_PORT"];
        if on(Module::Sandbox) {
            ports.push("SANDBOX_NODE_PORT");
        }
        if on(Module::Browser) {
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

    let mut urls: Vec<&str> = vec!["TOS_PUBLIC_URL"];
    if on(Module::Sandbox) {
        urls.push("SANDBOX_PUBLIC_URL");
    }
    if on(Module::Browser) {
        urls.push("BROWSER_PUBLIC_URL");
    }
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

    if on(Module::Codex) {
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

    if on(Module::Ldap)
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
    if on(Module::Ldap)
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

    if settings.is_set("CA_BUNDLE") {
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
    check_nfs(settings, diags);
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
    if on(Module::Browser)
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
    if settings.str("INGRESS_MODE") == "ingress" {
        for key in &urls {
            let host = settings
                .opt(key)
                .and_then(|u| split_url(u))
                .and_then(|(_, a, _)| host_of_authority(a).ok());
            if host.is_some_and(|h| h.parse::<IpAddr>().is_ok() || h.starts_with('[')) {
                diags.push(key_error(
                    settings,
                    key,
                    "has an IP address as its host; Ingress rules route by host name",
                    "use a DNS name, or INGRESS_MODE=external with your own routing",
                ));
            }
        }
    }
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
    if on(Module::Browser) && is_loopback(settings.str("TURN_HOST")) {
        diags.push(key_warning(
            settings,
            "TURN_HOST",
            "is a loopback address; users' browsers cannot reach the TURN relay there",
            "set TURN_HOST to the public or LAN IP of the node coturn runs on",
        ));
    }
}

/// Namespaces the platform is never installed into: napgen labels its namespace with the
/// restricted Pod Security Standard, and `kubectl delete -f` or `helm uninstall` would delete it.
fn reserved_namespace(settings: &Settings, namespace: &str) -> Option<String> {
    if namespace == "default" {
        return Some("Kubernetes' default namespace".into());
    }
    if namespace.starts_with("kube-") {
        return Some("a kube- namespace, which belongs to Kubernetes itself".into());
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
fn check_namespace(settings: &Settings, diags: &mut Vec<Diagnostic>) {
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
        let turn = turn_namespace(settings.str("NAMESPACE"));
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
fn check_derived_names(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let namespace_len = settings.str("NAMESPACE").len();
    let mut derived: Vec<(String, &str, &str)> = Vec::new();
    if Module::Browser.enabled(settings) {
        derived.push((
            turn_namespace(settings.str("NAMESPACE")),
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
    let version = settings.str("NAP_VERSION");
    if !label_value_ok(version) {
        diags.push(key_error(
            settings,
            "NAP_VERSION",
            "is the value of the label app.kubernetes.io/version on every object, which is at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
            "give the release version, e.g. NAP_VERSION=1.8.0",
        ));
    }
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
    if settings.str("INGRESS_MODE") == "ingress" {
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

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// RFC 1918 (IPv4) and unique local (IPv6, fc00::/7) addresses: reachable only inside a network.
fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

/// Whether users on the internet can plausibly reach `host`: an IP address outside the private,
/// loopback, link-local and carrier-grade NAT ranges, or a DNS name outside the suffixes that are
/// local by convention. Documentation addresses (192.0.2.0/24, ...) count as public: they stand for
/// public addresses in examples.
fn is_public_host(host: &str) -> bool {
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
fn url_host(url: &str) -> Option<&str> {
    let (_, authority, _) = split_url(url)?;
    host_of_authority(authority).ok()
}

/// Endpoints given by a name egress rules cannot place. Agent pods reach only the internet (and
/// IPs or in-cluster Services their LLM endpoint is given as), so a private LLM host name is
/// blocked until AGENT_EGRESS_ALLOW_CIDRS opens its range. A single-label name of a proxy, LDAP
/// server or S3 endpoint may be an in-cluster Service found through the search path, which the
/// egress rules for addresses outside the cluster do not reach.
fn check_private_endpoints(settings: &Settings, diags: &mut Vec<Diagnostic>) {
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
fn check_turn_reachability(settings: &Settings, diags: &mut Vec<Diagnostic>) {
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
fn check_opensandbox_api_key(settings: &Settings, diags: &mut Vec<Diagnostic>) {
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
fn check_loopback_redirects(settings: &Settings, diags: &mut Vec<Diagnostic>) {
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
fn check_opensandbox_namespace(settings: &Settings, diags: &mut Vec<Diagnostic>) {
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

/// Keys whose value an installed platform cannot change: a PersistentVolumeClaim's
/// storageClassName is immutable, and PostgreSQL's volumes keep the class they were made with.
pub const INSTALL_TIME_KEYS: &[&str] = &["RWX_STORAGE_CLASS", "RWO_STORAGE_CLASS"];

/// A storage class that a later file or `--set` overrides with another value: on an installed
/// platform that is a change `kubectl apply` rejects. Said once per key, where the winning value is.
fn check_storage_class_overrides(entries: &[Entry], diags: &mut Vec<Diagnostic>) {
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
    use crate::diagnostic::MAX_QUOTED_CHARS;

    fn entry(key: &str, value: &str, line: usize) -> Entry {
        Entry {
            key: key.into(),
            value: value.into(),
            origin: Origin::file("values.env", line),
        }
    }

    fn run(pairs: &[(&str, &str)]) -> Validated {
        let entries: Vec<_> = pairs
            .iter()
            .enumerate()
            .map(|(i, (k, v))| entry(k, v, i + 1))
            .collect();
        validate(&entries)
    }

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
    fn a_rejected_secret_is_reported_once_and_counts_as_given() {
        let v = run(&[
            ("NAMESPACE", "Bad_Name"),
            ("ADMIN_PASSWORD", "pw\tpw"),
            ("TOS_SECRET_KEY", &"k".repeat(32)),
        ]);
        let admin: Vec<_> = v
            .diagnostics
            .iter()
            .filter(|d| d.key.as_deref() == Some("ADMIN_PASSWORD"))
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(admin.len(), 1, "{admin:?}");
        assert!(admin[0].starts_with("contains a control character"));
        // The other secrets needed are still asked for, as the rejected one was given.
        assert!(messages(&v)
            .iter()
            .any(|m| m.contains("OPENAI_API_KEY: is not set, but it is required")));
        // With NAMESPACE rejected, the note's command names it in words.
        let v = run(&[("NAMESPACE", "Bad_Name")]);
        let note = messages(&v).into_iter().find(|m| m.contains("kubectl -n"));
        assert!(
            note.as_deref()
                .is_some_and(|m| m.contains("kubectl -n <NAMESPACE> create secret")),
            "{note:?}"
        );
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

    fn messages(v: &Validated) -> Vec<String> {
        v.diagnostics.iter().map(|d| d.to_string()).collect()
    }

    /// The single error for `key`, as printed.
    fn error_for(pairs: &[(&str, &str)], key: &str) -> String {
        let v = run(pairs);
        let errs: Vec<_> = v
            .errors()
            .filter(|d| d.key.as_deref() == Some(key))
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            errs.len(),
            1,
            "expected one error for {key}, got {:?}",
            messages(&v)
        );
        errs[0].clone()
    }

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
    fn unknown_key_suggests() {
        let e = error_for(&[("SANDBOX_ENABLE", "true")], "SANDBOX_ENABLE");
        assert_eq!(e, "error: values.env:1: SANDBOX_ENABLE: unknown key\n  help: did you mean SANDBOX_ENABLED? (napgen keys lists every key)");
        let e = error_for(&[("tos_host", "x")], "tos_host");
        assert!(
            e.contains("keys are upper case: did you mean TOS_HOST?"),
            "{e}"
        );
        let e = error_for(&[("COMPLETELY_DIFFERENT", "x")], "COMPLETELY_DIFFERENT");
        assert!(e.contains("napgen keys"), "{e}");
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
    fn invalid_port_of_an_enabled_module_is_one_error() {
        // Found by the fuzzer: the distinct-ports rule read a port whose value was rejected.
        let v = run(&[("SANDBOX_ENABLED", "true"), ("SANDBOX_NODE_PORT", "abc")]);
        assert_eq!(
            v.errors().filter_map(|d| d.key.clone()).collect::<Vec<_>>(),
            ["SANDBOX_NODE_PORT"]
        );
    }

    #[test]
    fn an_empty_value_takes_the_default() {
        // Found by the fuzzer: `SANDBOX_NODE_PORT=` left the port unset, and rendering panicked.
        let v = run(&[
            ("SANDBOX_ENABLED", "true"),
            ("SANDBOX_NODE_PORT", ""),
            ("POSTGRES_INSTANCES", ""),
        ]);
        let settings = v.settings.expect("valid");
        assert_eq!(settings.int("SANDBOX_NODE_PORT"), 30086);
        assert_eq!(settings.int("POSTGRES_INSTANCES"), 1);
        // A required key left empty is reported at its line.
        let e = error_for(
            &[("BROWSER_ENABLED", "true"), ("TURN_HOST", "")],
            "TURN_HOST",
        );
        assert!(
            e.starts_with("error: values.env:2: TURN_HOST: is required"),
            "{e}"
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

    const SECRET_VALUE: &str = "hunter2-very-secret";

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

    #[test]
    fn secrets_all_or_none() {
        // None: a warning that names the Secret and its keys.
        let v = run(&[]);
        assert!(v.settings.is_some());
        let w = messages(&v).join("\n");
        assert!(
            w.contains("Secret nap-secrets")
                && w.contains("TOS_SECRET_KEY, ADMIN_PASSWORD, OPENAI_API_KEY"),
            "{w}"
        );
        // Some: each missing one is an error.
        let v = run(&[("TOS_SECRET_KEY", &"a".repeat(64))]);
        let errs: Vec<_> = v.errors().filter_map(|d| d.key.clone()).collect();
        assert_eq!(errs, ["ADMIN_PASSWORD", "OPENAI_API_KEY"]);
    }

    #[test]
    fn existing_secret_is_referenced_and_values_env_holds_no_secret() {
        let v = run(&[
            ("EXISTING_SECRET", "nap-managed"),
            ("BROWSER_ENABLED", "true"),
            ("TURN_HOST", "198.51.100.7"),
        ]);
        assert!(v.settings.is_some(), "{:?}", messages(&v));
        let w = messages(&v).join("\n");
        assert!(
            w.contains("EXISTING_SECRET is set, so the bundle references Secret nap-managed")
                && w.contains("TOS_SECRET_KEY, ADMIN_PASSWORD, OPENAI_API_KEY, BROWSER_JWT_SECRET, TURN_AUTH_SECRET")
                && w.contains("kubectl -n nap-turn create secret generic nap-managed"),
            "{w}"
        );
        // A secret value beside it is an error at its own line, and the value is not shown.
        let value = "a".repeat(64);
        let e = error_for(
            &[
                ("EXISTING_SECRET", "nap-managed"),
                ("TOS_SECRET_KEY", &value),
            ],
            "TOS_SECRET_KEY",
        );
        assert!(
            e.starts_with("error: values.env:2: TOS_SECRET_KEY: EXISTING_SECRET is set; remove the secret values from values.env"),
            "{e}"
        );
        assert!(!e.contains(&value));
        assert!(
            error_for(&[("EXISTING_SECRET", "Nap_Secrets")], "EXISTING_SECRET")
                .contains("not a valid Kubernetes name")
        );
    }

    #[test]
    fn external_ingress_requires_public_urls() {
        let v = run(&[
            ("INGRESS_MODE", "external"),
            ("SANDBOX_ENABLED", "true"),
            ("BROWSER_ENABLED", "true"),
            ("TURN_HOST", "198.51.100.7"),
        ]);
        let errs: Vec<_> = v.errors().filter_map(|d| d.key.clone()).collect();
        assert_eq!(
            errs,
            ["TOS_PUBLIC_URL", "SANDBOX_PUBLIC_URL", "BROWSER_PUBLIC_URL"]
        );
    }

    #[test]
    fn module_keys_required_only_when_enabled() {
        assert!(run(&[]).settings.is_some());
        let v = run(&[("BROWSER_ENABLED", "true")]);
        assert_eq!(
            v.errors().filter_map(|d| d.key.clone()).collect::<Vec<_>>(),
            ["TURN_HOST"]
        );
        let v = run(&[("LDAP_ENABLED", "true")]);
        assert_eq!(
            v.errors().filter_map(|d| d.key.clone()).collect::<Vec<_>>(),
            ["LDAP_URL", "LDAP_BIND_DN", "LDAP_USER_BASE_DN"]
        );
    }

    #[test]
    fn unused_key_warns() {
        let v = run(&[("TURN_HOST", "198.51.100.7")]);
        assert!(v.settings.is_some());
        assert!(messages(&v)
            .join("\n")
            .contains("TURN_HOST: has no effect: browser is off (BROWSER_ENABLED)"));
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

    #[test]
    fn duplicate_in_one_file_warns_later_wins() {
        let v = run(&[("TOS_NODE_PORT", "30001"), ("TOS_NODE_PORT", "30002")]);
        assert_eq!(v.settings.as_ref().unwrap().int("TOS_NODE_PORT"), 30002);
        assert!(messages(&v)
            .join("\n")
            .contains("values.env:2: TOS_NODE_PORT: is set again (first at values.env:1)"));
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
    fn turn_node_is_required_on_multi_node() {
        let browser = [
            ("PROFILE", "multi-node"),
            ("TOS_HOST", "192.168.1.4"),
            ("RWX_STORAGE_CLASS", "nfs"),
            ("RWO_STORAGE_CLASS", "rbd"),
            ("BROWSER_ENABLED", "true"),
            ("TURN_HOST", "192.168.1.5"),
        ];
        assert_eq!(
            error_for(&browser, "TURN_NODE"),
            "error: TURN_NODE: is required (when browser is enabled on multi-node) but not set\n  help: add TURN_NODE=... to values.env (Node (kubernetes.io/hostname) coturn runs on; TURN_HOST must be that node's address, which only pinning coturn to it guarantees)"
        );
        let mut pinned = browser.to_vec();
        pinned.push(("TURN_NODE", "worker-1"));
        assert!(run(&pinned).errors().next().is_none());
        // A single node needs no pinning.
        let v = run(&[("BROWSER_ENABLED", "true"), ("TURN_HOST", "192.168.1.5")]);
        assert!(v.errors().next().is_none(), "{:?}", messages(&v));
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

    #[test]
    fn empty_required_values_point_at_their_line() {
        let e = error_for(
            &[("BROWSER_ENABLED", "true"), ("TURN_HOST", "")],
            "TURN_HOST",
        );
        assert!(
            e.starts_with(
                "error: values.env:2: TURN_HOST: is required (when browser is enabled) but empty"
            ),
            "{e}"
        );
        assert!(e.contains("help: set it on that line"), "{e}");
        let e = error_for(
            &[
                ("TOS_SECRET_KEY", &"a".repeat(64)),
                ("ADMIN_PASSWORD", &"b".repeat(20)),
                ("OPENAI_API_KEY", ""),
            ],
            "OPENAI_API_KEY",
        );
        assert!(
            e.starts_with("error: values.env:3: OPENAI_API_KEY: is empty, but it is required (when codex is enabled and the bridge does not serve it)"),
            "{e}"
        );
        assert!(e.contains("API key for OPENAI_BASE_URL"), "{e}");
    }

    #[test]
    fn all_problems_reported_at_once() {
        let v = run(&[("TOS_NODE_PORT", "1"), ("PROFILE", "big"), ("NOPE", "x")]);
        assert_eq!(v.errors().count(), 3);
    }
}

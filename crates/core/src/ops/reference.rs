//! The reference of every values.env key, from the registry: `napgen keys` (text, JSON, the
//! Markdown of `docs/values-reference.md`) and `napgen explain KEY`.

use crate::config::registry::{self, Default, Key, KeyType, Module, KEYS};
use crate::config::validate;
use crate::diagnostic::Diagnostic;
use serde_json::{json, Value};

/// The type as a reader wants it: enums and lists name their words, secrets their minimum length.
pub fn type_doc(ty: KeyType) -> String {
    match ty {
        KeyType::Enum(options) => format!("enum: {}", options.join(", ")),
        KeyType::EnumList(options) => format!("list of: {}", options.join(", ")),
        KeyType::CidrList => "list of CIDR blocks".into(),
        KeyType::Secret { min_len } => format!("secret, at least {min_len} characters"),
        KeyType::NodePort => "port (NodePort, 30000-32767)".into(),
        KeyType::Int { min, max } => format!("int, {min}-{max}"),
        other => other.name().into(),
    }
}

/// How the default reads: the value, the rule of a derived default, or `none`.
fn default_doc(key: &Key) -> String {
    match key.default {
        Default::None => "none".into(),
        Default::Value(v) => v.into(),
        Default::Derived { doc, .. } => format!("derived: {doc}"),
    }
}

/// The module line of `explain`: its name, and how it is switched on.
fn module_doc(module: Module) -> String {
    match module.toggle() {
        Some("AGENT_TYPES") => format!(
            "{} (on when AGENT_TYPES lists {})",
            module.name(),
            module.name()
        ),
        Some(toggle) => format!("{} (switched on by {toggle}=true)", module.name()),
        None => format!("{} (always installed)", module.name()),
    }
}

/// A plausible value for the key, for the example line of `explain`. Types are matched by their
/// short name where possible, so a new key type gets `...` rather than breaking this function.
pub fn example_value(key: &Key) -> String {
    if let Default::Value(v) = key.default {
        if !key.is_secret() {
            return v.to_string();
        }
    }
    match key.ty {
        KeyType::Int { min, .. } => return min.to_string(),
        KeyType::Enum(options) | KeyType::EnumList(options) => return options[0].into(),
        KeyType::Secret { .. } => {
            return "<64 hex characters: napgen init, or openssl rand -hex 32>".into()
        }
        KeyType::LdapUrl => return "ldaps://ldap.example.com:636".into(),
        KeyType::CidrList => return "10.42.0.0/16".into(),
        KeyType::S3Path => return "s3://backups/nap".into(),
        KeyType::ProxyUrl => return "http://proxy.example.com:3128".into(),
        KeyType::LabelList => return "node-role.kubernetes.io/worker=true".into(),
        KeyType::MetadataLabels => return "example.com/team=platform,cost-center=ai".into(),
        KeyType::Annotations if key.name == "SERVICE_ACCOUNT_ANNOTATIONS" => {
            return "eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/nap".into()
        }
        KeyType::Annotations if key.name == "INGRESS_ANNOTATIONS" => {
            return "nginx.ingress.kubernetes.io/proxy-body-size=64m".into()
        }
        KeyType::Annotations => return "example.com/owner=team-a".into(),
        KeyType::ModelMap => return "claude-sonnet-4-5=llama-3.3-70b-instruct".into(),
        KeyType::TolerationList => return "dedicated=nap:NoSchedule".into(),
        KeyType::NoProxyList => return ".corp.example.com,10.0.0.0/8".into(),
        KeyType::AbsPath => return "/exports/nap".into(),
        KeyType::NameList => return "registry-credentials".into(),
        KeyType::DigestList => {
            return format!("control-plane=sha256:{}", "0123456789abcdef".repeat(4))
        }
        _ => {}
    }
    let example = match key.ty.name() {
        "name" if key.name.starts_with("GATEWAY_") => match key.name {
            "GATEWAY_NAMESPACE" => "gateway-system",
            "GATEWAY_SECTION" => "https",
            _ => "public",
        },
        "name" if key.name == "CERT_MANAGER_ISSUER" => "letsencrypt-prod",
        "bool" => "true",
        "port" => "30080",
        "size" => "100Gi",
        "cpu" => "500m",
        "url" => "https://nap.example.com",
        "host" => "203.0.113.10",
        "email" => "ops@example.com",
        "name" => "nfs-csi",
        "registry" => "mirror.example.com:5000/nap",
        "tag" => "1.8.0",
        "string" if key.name.ends_with("_DN") => "ou=people,dc=example,dc=com",
        _ => "...",
    };
    example.to_string()
}

/// Keys of one module (all when `None`), in registry order.
fn selected(module: Option<Module>) -> impl Iterator<Item = &'static Key> {
    KEYS.iter()
        .filter(move |k| module.is_none_or(|m| k.module == m))
}

/// The module called `name`, or an error with a suggestion.
pub fn module_named(name: &str) -> Result<Module, Diagnostic> {
    if let Some(m) = Module::ALL.iter().find(|m| m.name() == name) {
        return Ok(*m);
    }
    let names: Vec<&str> = Module::ALL.iter().map(|m| m.name()).collect();
    let help = match validate::suggest(name, names.iter().copied()) {
        Some(s) => format!("did you mean {s}? (modules: {})", names.join(", ")),
        None => format!("modules: {}", names.join(", ")),
    };
    Err(Diagnostic::error(
        None,
        None,
        format!("{name:?} is not a module"),
        help,
    ))
}

/// `napgen keys`: one line per key, grouped by module.
pub fn text(module: Option<Module>) -> String {
    let width = KEYS.iter().map(|k| k.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for m in Module::ALL {
        let keys: Vec<&Key> = selected(module).filter(|k| k.module == m).collect();
        if keys.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("{} [{}]\n", m.title(), m.name()));
        for k in keys {
            let required = match k.required.doc(k.module).as_str() {
                "no" => String::new(),
                "yes" => " (required)".into(),
                doc => format!(" (required {doc})"),
            };
            let default = match k.default {
                Default::None => String::new(),
                Default::Value(v) => format!(" [default: {v}]"),
                Default::Derived { .. } => " [default: derived]".into(),
            };
            out.push_str(&format!(
                "  {:width$}  {:8}  {}{default}{required}\n",
                k.name,
                k.ty.name(),
                k.description
            ));
        }
    }
    out.push_str("\nOne key in detail: napgen explain KEY\n");
    out
}

fn key_json(k: &Key) -> Value {
    json!({
        "name": k.name,
        "type": k.ty.name(),
        "type_doc": type_doc(k.ty),
        "default": match k.default { Default::Value(v) => Value::from(v), _ => Value::Null },
        "derived_default": match k.default { Default::Derived { doc, .. } => Value::from(doc), _ => Value::Null },
        "required": k.required.doc(k.module),
        "module": k.module.name(),
        "secret": k.is_secret(),
        "description": k.description,
    })
}

/// `napgen keys --format json`: an array of keys.
pub fn json(module: Option<Module>) -> String {
    let keys: Vec<Value> = selected(module).map(key_json).collect();
    format!("{}\n", serde_json::to_string_pretty(&keys).expect("JSON"))
}

/// A table cell: pipes escaped so a value cannot break the table, and `*`, `<`, `>` so prose
/// such as `*_PUBLIC_URL` or `<NAMESPACE>` is not read as emphasis or HTML.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('*', "\\*")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `docs/values-reference.md`, which `napgen keys --format markdown` prints. A test keeps the
/// committed file equal to this.
pub fn markdown() -> String {
    let mut out = String::from(
        "# values.env reference\n\n\
         <!-- Generated by `napgen keys --format markdown` from the key registry (crates/core/src/config/registry.rs). \
         Do not edit: regenerate with `cargo run -- keys --format markdown > docs/values-reference.md`. -->\n\n\
         Every key napgen reads, by module. `values.env` uses dotenv syntax, one `KEY=value` per line; \
         an empty value means \"not set\", so the default applies. Unknown keys are errors. \
         Secrets are never printed by napgen; `napgen init` generates the ones that are not credentials \
         of another service. `napgen explain KEY` shows one key with an example line.\n",
    );
    for m in Module::ALL {
        let keys: Vec<&Key> = KEYS.iter().filter(|k| k.module == m).collect();
        if keys.is_empty() {
            continue;
        }
        out.push_str(&format!("\n## {}\n\n", m.title()));
        out.push_str(&format!("Module `{}`: {}.\n\n", m.name(), {
            match m.toggle() {
                Some("AGENT_TYPES") => format!("on when `AGENT_TYPES` lists `{}`", m.name()),
                Some(t) => format!("off by default, switched on by `{t}=true`"),
                None => "always installed".to_string(),
            }
        }));
        out.push_str("| key | type | default | required | description |\n|---|---|---|---|---|\n");
        for k in keys {
            let default = match k.default {
                Default::None => String::new(),
                Default::Value(v) => format!("`{}`", cell(v)),
                Default::Derived { doc, .. } => cell(doc),
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                k.name,
                cell(&type_doc(k.ty)),
                default,
                cell(&k.required.doc(k.module)),
                cell(k.description)
            ));
        }
    }
    out
}

/// `napgen explain KEY`; an unknown key is an error with a suggestion.
pub fn explain(name: &str) -> Result<String, Diagnostic> {
    let key = registry::key(name)
        .or_else(|| registry::key(&name.to_ascii_uppercase()))
        .ok_or_else(|| {
            let help = match validate::suggest(name, KEYS.iter().map(|k| k.name)) {
                Some(s) => format!("did you mean {s}? (napgen keys lists every key)"),
                None => "napgen keys lists every key".into(),
            };
            Diagnostic::error(Some(name), None, "unknown key", help)
        })?;
    let mut out = format!("{}\n  {}\n\n", key.name, key.description);
    let mut row = |label: &str, value: String| {
        out.push_str(&format!("  {label:<10}{value}\n"));
    };
    row("type:", type_doc(key.ty));
    row("default:", default_doc(key));
    row("required:", key.required.doc(key.module));
    row(
        "module:",
        format!("{} - {}", module_doc(key.module), key.module.title()),
    );
    row(
        "secret:",
        if key.is_secret() {
            format!(
                "yes: never printed; stored in Secret {}",
                if key.name == crate::config::registry::DATABASE_PASSWORD {
                    crate::plan::EXTERNAL_DATABASE_SECRET
                } else {
                    crate::plan::secrets::SECRET_NAME
                }
            )
        } else {
            "no".into()
        },
    );
    row("example:", format!("{}={}", key.name, example_value(key)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_shows_everything() {
        let text = explain("TURN_HOST").unwrap();
        for part in [
            "TURN_HOST\n",
            "type:     host",
            "default:  none",
            "required: when browser is enabled",
            "module:   browser (switched on by BROWSER_ENABLED=true)",
            "secret:   no",
            "example:  TURN_HOST=",
        ] {
            assert!(text.contains(part), "{part:?} missing in:\n{text}");
        }
        let text = explain("cluster_pod_cidrs").unwrap();
        assert!(
            text.contains("derived: 10.42.0.0/16 on single-node"),
            "{text}"
        );
        assert!(explain("TOS_SECRET_KEY").unwrap().contains("secret:   yes"));
    }

    #[test]
    fn explain_unknown_suggests() {
        let d = explain("SANDBOX_ENABLE").unwrap_err();
        assert!(d.help.contains("did you mean SANDBOX_ENABLED?"), "{d}");
    }

    #[test]
    fn examples_are_valid_values() {
        for key in KEYS.iter().filter(|k| !k.is_secret()) {
            let example = example_value(key);
            if example == "..." {
                continue;
            }
            validate::parse_value(key, &example)
                .unwrap_or_else(|e| panic!("{}: example {example:?}: {e:?}", key.name));
        }
    }

    #[test]
    fn every_key_is_in_every_format() {
        let (text, json, md) = (text(None), json(None), markdown());
        for k in KEYS {
            assert!(text.contains(k.name) && json.contains(k.name) && md.contains(k.name));
        }
        assert!(module_named("sandbox").is_ok());
        assert!(module_named("sandbx")
            .unwrap_err()
            .help
            .contains("did you mean sandbox?"));
    }
}

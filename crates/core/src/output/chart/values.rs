//! The chart's values.yaml (a record of the non-secret settings) and values.schema.json (from
//! the key registry).

use crate::config::registry::{self, Default, KeyType, KEYS};
use crate::config::settings::Settings;
use crate::output::yaml;
use serde_json::{json, Map, Value};

/// One non-secret setting as it goes into values.yaml: booleans and whole numbers typed, the
/// rest as the text values.env holds (lists comma-separated).
fn typed_value(settings: &Settings, key: &registry::Key) -> Value {
    match key.ty {
        KeyType::Bool => Value::Bool(settings.bool(key.name)),
        KeyType::NodePort | KeyType::Int { .. } => Value::from(settings.int(key.name)),
        _ => Value::String(settings.display(key.name)),
    }
}

/// values.yaml: every non-secret setting napgen used, each under its registry description.
pub(super) fn values_yaml(settings: &Settings, header: &str) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    out.push_str(
        "#\n\
         # The non-secret settings this chart was generated from, recorded for reference (secrets\n\
         # are never recorded). The chart does not read them: a value given to Helm with --set or -f,\n\
         # or edited here, makes the install fail with a message. To change the install, change\n\
         # values.env, run `napgen chart` again and `helm upgrade` with the new chart.\n",
    );
    let public = settings.public_values();
    for key in KEYS.iter().filter(|k| public.contains_key(k.name)) {
        out.push_str(&format!("\n# {}\n", key.description));
        let mut one = Map::new();
        one.insert(key.name.into(), typed_value(settings, key));
        out.push_str(&yaml::to_yaml(&Value::Object(one)));
    }
    out
}

/// The JSON Schema type, bounds and pattern of a key type. Patterns accept at least what
/// napgen's validation accepts (validation stays the authority); they use only the regular
/// expression syntax ECMA-262, RE2 and Rust agree on.
pub fn type_schema(ty: KeyType) -> Map<String, Value> {
    let string = |pattern: &str| {
        let mut m = Map::new();
        m.insert("type".into(), "string".into());
        m.insert("pattern".into(), pattern.into());
        m
    };
    const HOST: &str = r"([A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*|[0-9A-Fa-f:.]+)";
    match ty {
        KeyType::Bool => json_map(json!({"type": "boolean"})),
        KeyType::NodePort => {
            json_map(json!({"type": "integer", "minimum": 30000, "maximum": 32767}))
        }
        KeyType::Int { min, max } => {
            json_map(json!({"type": "integer", "minimum": min, "maximum": max}))
        }
        KeyType::Size => string(r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)$"),
        KeyType::Cpu => string(r"^[0-9]+(\.[0-9]+)?m?$"),
        KeyType::Url => string(r"^https?://[^\s/?#@]+(/[^\s?#]*[^\s?#/])?$"),
        KeyType::LdapUrl => string(r"^ldaps?://[^\s/?#@]+$"),
        KeyType::Host => string(&format!("^{HOST}$")),
        KeyType::Email => string(r"^[^\s@]+@[^\s@]+\.[^\s@]+$"),
        KeyType::Secret { .. } => json_map(json!({"type": "string"})),
        KeyType::Enum(options) => json_map(json!({"type": "string", "enum": options})),
        KeyType::EnumList(options) => {
            let one = format!("({})", options.join("|"));
            string(&format!("^{one}(,{one})*$"))
        }
        KeyType::CidrList => {
            let one = r"[0-9A-Fa-f:.]+/[0-9]{1,3}";
            string(&format!("^{one}(,{one})*$"))
        }
        KeyType::Name => string(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"),
        KeyType::SqlName => string(r"^[a-z_][a-z0-9_]{0,62}$"),
        KeyType::ProxyUrl => string(r"^https?://[^\s/?#@]+$"),
        KeyType::LabelList | KeyType::MetadataLabels => {
            string(r"^[^,=\s]+=[^,=\s]*(,[^,=\s]+=[^,=\s]*)*$")
        }
        KeyType::Annotations => string(r"^[^,=\s]+=[^,]*(,[^,=\s]+=[^,]*)*$"),
        KeyType::ModelMap => string(r"^[^,=\s]+=[^,=\s]+(,[^,=\s]+=[^,=\s]+)*$"),
        KeyType::TolerationList | KeyType::NoProxyList | KeyType::WordList => {
            string(r"^[^,\s]+(,[^,\s]+)*$")
        }
        KeyType::AbsPath => string(r"^/\S*$"),
        KeyType::S3Path => string(r"^s3://\S+$"),
        KeyType::Retention => string(r"^[1-9][0-9]*[dwm]$"),
        KeyType::Cron => string(r"^\S+( \S+){5}$"),
        KeyType::NameList => {
            let one = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
            string(&format!("^{one}(,{one})*$"))
        }
        KeyType::DigestList => {
            let one = r"[a-z0-9-]+=sha256:[0-9a-f]{64}";
            string(&format!("^{one}(,{one})*$"))
        }
        KeyType::Registry => {
            string(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]+)?(/[a-z0-9._-]+)*$")
        }
        KeyType::ImageTag => {
            let mut m = string(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$");
            m.insert("not".into(), json!({"const": "latest"}));
            m
        }
        KeyType::String => json_map(json!({"type": "string"})),
    }
}

fn json_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        _ => unreachable!("a JSON object literal"),
    }
}

/// A registry default as a typed JSON value.
fn typed_default(key: &registry::Key) -> Option<Value> {
    let Default::Value(text) = key.default else {
        return None;
    };
    Some(match key.ty {
        KeyType::Bool => Value::Bool(text == "true"),
        KeyType::NodePort | KeyType::Int { .. } => {
            Value::from(text.parse::<i64>().expect("registry defaults parse"))
        }
        _ => Value::String(text.into()),
    })
}

/// values.schema.json (draft-07, self-contained): one property per non-secret registry key, no
/// other property allowed, and the recorded keys required.
pub fn values_schema(settings: &Settings) -> Value {
    let mut properties = Map::new();
    for key in KEYS.iter().filter(|k| !k.is_secret()) {
        let mut p = Map::new();
        let mut description = format!("{} (module {})", key.description, key.module.name());
        if let Default::Derived { doc, .. } = key.default {
            description.push_str(&format!("; default: {doc}"));
        }
        p.insert("description".into(), description.into());
        p.extend(type_schema(key.ty));
        if let Some(d) = typed_default(key) {
            p.insert("default".into(), d);
        }
        properties.insert(key.name.into(), Value::Object(p));
    }
    let required: Vec<&str> = settings.public_values().keys().copied().collect();
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Values of the nap chart generated by napgen",
        "description": "The non-secret values.env settings the chart was generated from. They are a record: the chart fails to install when one differs; change values.env and run napgen chart again instead.",
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

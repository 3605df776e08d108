//! Injection-proofing: any value of a free-form or secret key comes out as exactly that string
//! after a YAML parser reads the bundle, and never adds, removes or reshapes an object.

use napgen::diagnostic::Origin;
use napgen::load::Entry;
use napgen::registry::{KeyType, KEYS};
use napgen::{app, emit, validate, yaml};
use proptest::prelude::*;
use serde_json::Value;

/// A configuration with every module on and every secret given, so every key is rendered.
fn base() -> Vec<(&'static str, String)> {
    let secret = "5f".repeat(32);
    let mut v: Vec<(&'static str, String)> = vec![
        ("PROFILE", "multi-node".into()),
        ("TOS_HOST", "nap.example.com".into()),
        // The shared directory on napgen's own NFS StorageClass, so NFS_SUBDIR is rendered.
        ("NFS_SERVER", "nfs.example.com".into()),
        ("NFS_SHARE", "/srv/nap".into()),
        ("RWO_STORAGE_CLASS", "ceph-rbd".into()),
        ("AGENT_TYPES", "codex,claude-code".into()),
        ("SANDBOX_ENABLED", "true".into()),
        ("BROWSER_ENABLED", "true".into()),
        ("TURN_HOST", "198.51.100.7".into()),
        ("TURN_NODE", "worker-1".into()),
        ("LDAP_ENABLED", "true".into()),
        ("LDAP_URL", "ldaps://ldap.example.com".into()),
        (
            "LDAP_BIND_DN",
            "cn=nap,ou=services,dc=example,dc=com".into(),
        ),
        ("LDAP_USER_BASE_DN", "ou=people,dc=example,dc=com".into()),
    ];
    for key in KEYS.iter().filter(|k| k.is_secret()) {
        v.push((key.name, secret.clone()));
    }
    v
}

fn entries(overrides: &[(&'static str, String)]) -> Vec<Entry> {
    let mut all = base();
    all.extend(overrides.iter().cloned());
    all.into_iter()
        .enumerate()
        .map(|(i, (k, v))| Entry {
            key: k.into(),
            value: v,
            origin: Origin::file("fuzz.env", i + 1),
        })
        .collect()
}

/// Objects as (apiVersion, kind, namespace, name), with the input hash of seed Job names removed.
fn shape(docs: &[Value]) -> Vec<(String, String, String, String)> {
    docs.iter()
        .map(|d| {
            let s = |v: &Value| v.as_str().unwrap_or("").to_string();
            let mut name = s(&d["metadata"]["name"]);
            if d["kind"] == "Job" {
                name.truncate(name.rfind('-').unwrap());
            }
            (
                s(&d["apiVersion"]),
                s(&d["kind"]),
                s(&d["metadata"]["namespace"]),
                name,
            )
        })
        .collect()
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Value::Object(m) => m.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

fn render(entries: &[Entry]) -> Result<String, Vec<String>> {
    let validated = validate::validate(entries);
    let Some(settings) = validated.settings else {
        return Err(validated
            .diagnostics
            .iter()
            .map(|d| d.to_string())
            .collect());
    };
    let (plan, objects) =
        app::render_objects(&settings).expect("render never fails on valid settings");
    Ok(emit::bundle(&objects, &app::header(&plan)))
}

fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("#".to_string()),
        Just(": ".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("{{ .Values.x }}".to_string()),
        Just("{% raw %}".to_string()),
        Just("---".to_string()),
        Just("\n---\nkind: Secret\n".to_string()),
        Just("\u{85}".to_string()),
        Just("\u{7f}".to_string()),
        Just("\u{2028}".to_string()),
        Just("\u{2029}".to_string()),
        Just("\u{feff}".to_string()),
        Just("\t".to_string()),
        Just(" ".to_string()),
        Just("*".to_string()),
        Just("&anchor".to_string()),
        Just("!!binary".to_string()),
        Just("%".to_string()),
        Just("@".to_string()),
        Just("|".to_string()),
        Just(">".to_string()),
        Just("yes".to_string()),
        Just("null".to_string()),
        Just("0o17".to_string()),
        Just("\\".to_string()),
        Just("$HOME".to_string()),
        "\\PC{1,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 1..10).prop_map(|p| p.concat())
}

/// Free-form and secret keys: the ones whose values are arbitrary text.
fn text_keys() -> Vec<&'static str> {
    KEYS.iter()
        .filter(|k| matches!(k.ty, KeyType::String | KeyType::Secret { .. }))
        .map(|k| k.name)
        .collect()
}

/// `key=value`, with the keys that switch on the module which reads it when the base leaves it off.
fn with_its_module(key: &'static str, value: String) -> Vec<(&'static str, String)> {
    let mut overrides = vec![(key, value)];
    if key.starts_with("BRIDGE_") {
        overrides.extend([
            ("BRIDGE_ENABLED", "true".to_string()),
            ("BRIDGE_UPSTREAM_URL", "https://llm.example.com/v1".into()),
            ("BRIDGE_MODELS", "claude-sonnet-4-5=llama".into()),
        ]);
    }
    overrides
}

#[test]
fn every_text_key_is_rendered_somewhere() {
    let baseline = render(&entries(&[])).unwrap();
    let docs = yaml::parse_documents(&baseline).unwrap();
    for key in text_keys() {
        let marker = format!("marker-value-of-{key}-0123456789abcdef0123456789");
        let value = if key == "LDAP_CA_CERT" || key == "CA_BUNDLE" {
            format!("-----BEGIN CERTIFICATE-----\n{marker}")
        } else {
            marker.clone()
        };
        let text = render(&entries(&with_its_module(key, value.clone()))).unwrap();
        let mut all = Vec::new();
        yaml::parse_documents(&text)
            .unwrap()
            .iter()
            .for_each(|d| strings(d, &mut all));
        assert!(all.contains(&value), "{key} does not reach the bundle");
    }
    assert!(!docs.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn hostile_values_round_trip_exactly(key in prop::sample::select(text_keys()), raw in hostile()) {
        let fit = |raw: &str| match key {
            "LDAP_CA_CERT" | "CA_BUNDLE" => format!("-----BEGIN CERTIFICATE-----{raw}"),
            // Long enough for every secret's minimum length.
            _ if KEYS.iter().any(|k| k.name == key && k.is_secret()) => format!("{raw}{}", "x".repeat(32)),
            _ => raw.to_string(),
        };
        let value = fit(&raw);
        // The same key with a plain value: the objects a hostile value must not change.
        let baseline = yaml::parse_documents(&render(&entries(&with_its_module(key, fit("plain")))).unwrap()).unwrap();
        match render(&entries(&with_its_module(key, value.clone()))) {
            Ok(text) => {
                let docs = yaml::parse_documents(&text).expect("the bundle always parses");
                prop_assert_eq!(shape(&docs), shape(&baseline));
                let mut all = Vec::new();
                docs.iter().for_each(|d| strings(d, &mut all));
                prop_assert!(all.contains(&value), "{} did not come back exactly", key);
            }
            Err(messages) => {
                // Rejected values (control characters in a secret, say) never leak into messages.
                let is_secret = KEYS.iter().any(|k| k.name == key && k.is_secret());
                if is_secret {
                    for m in &messages {
                        prop_assert!(!m.contains(value.as_str()), "secret leaked: {}", m);
                    }
                }
            }
        }
    }
}

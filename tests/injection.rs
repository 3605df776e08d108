//! Injection-proofing: a free-text key accepts any string, a secret key any single-line string,
//! and the value comes out as exactly that string, in exactly the fields its key feeds, after a
//! YAML parser reads the bundle: nothing else in the bundle changes and no object is added,
//! removed or reshaped.

use napgen::app;
use napgen_core::config::dotenv::Entry;
use napgen_core::config::registry::{KeyType, KEYS};
use napgen_core::config::validate;
use napgen_core::diagnostic::Origin;
use napgen_core::output::{bundle, yaml};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

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
    // DATABASE_PASSWORD is rendered only with an external PostgreSQL (below).
    for key in KEYS
        .iter()
        .filter(|k| k.is_secret() && k.name != "DATABASE_PASSWORD")
    {
        v.push((key.name, secret.clone()));
    }
    v
}

fn entries(overrides: &[(&'static str, String)]) -> Vec<Entry> {
    let mut all = base();
    // The bridge's keys are rendered only with the bridge on (it takes the agents' endpoints).
    if overrides.iter().any(|(k, _)| k.starts_with("BRIDGE_")) {
        all.extend([
            ("BRIDGE_ENABLED", "true".to_string()),
            ("BRIDGE_UPSTREAM_URL", "https://llm.example.com/v1".into()),
            ("BRIDGE_MODELS", "claude-sonnet-4-5=llama".into()),
        ]);
    }
    // The external PostgreSQL's keys are rendered only in its mode (its connection Secret).
    if overrides.iter().any(|(k, _)| k.starts_with("DATABASE_")) {
        all.extend([
            ("DATABASE_MODE", "external".to_string()),
            ("DATABASE_HOST", "10.20.0.15".into()),
            ("DATABASE_PASSWORD", "5f".repeat(32)),
        ]);
    }
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

fn render(entries: &[Entry]) -> Result<String, Vec<String>> {
    let validated = validate::validate(entries);
    let Some(config) = validated.config else {
        return Err(validated
            .diagnostics
            .iter()
            .map(|d| d.to_string())
            .collect());
    };
    let (plan, objects) =
        app::render_objects(&config).expect("render never fails on a valid configuration");
    Ok(bundle::bundle(&objects, &app::header(&plan)))
}

/// Pieces of text that mean something to YAML, Helm/Jinja templating, shells or Unicode line
/// breaking; hostile values are made of these.
const HOSTILE_PIECES: &[&str] = &[
    "\"",
    "'",
    "#",
    ": ",
    "\n",
    "\r\n",
    "\r",
    "{{ .Values.x }}",
    "{{- fail \"templated\" -}}",
    "{% raw %}",
    "---",
    "\n---\nkind: Secret\n",
    "\n...\n",
    "\u{85}",
    "\u{7f}",
    "\u{0}",
    "\u{1b}[31m",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\t",
    " ",
    "*",
    "&anchor",
    "!!binary",
    "%",
    "@",
    "|",
    ">",
    "- ",
    "? ",
    "[",
    "{",
    "yes",
    "null",
    "~",
    "0o17",
    "1e3",
    "\\",
    "$HOME",
    "${pvc.metadata.name}",
    "$(touch /tmp/x)",
    "`id`",
    "/../..",
    "\u{1F600}",
];

fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(HOSTILE_PIECES).prop_map(String::from),
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

fn is_secret(key: &str) -> bool {
    KEYS.iter().any(|k| k.name == key && k.is_secret())
}

/// The value given for `key` around the text under test: the certificate keys need a PEM line and
/// secrets their minimum length, everything else is the text itself.
fn fit(key: &str, text: &str) -> String {
    match key {
        "LDAP_CA_CERT" | "CA_BUNDLE" => format!("-----BEGIN CERTIFICATE-----{text}"),
        // Long enough for every secret's minimum length.
        _ if is_secret(key) => format!("{text}{}", "x".repeat(32)),
        _ => text.to_string(),
    }
}

/// Whether validation must accept `value` for `key`. Free text accepts anything; the exceptions
/// are the documented rules: secrets are single-line (no control character), and NFS_SUBDIR is a
/// relative path below the share (no leading `/`, no `..` segment, no control character).
fn must_accept(key: &str, value: &str) -> bool {
    let control = value.chars().any(char::is_control);
    match key {
        "NFS_SUBDIR" => {
            !control && !value.starts_with('/') && !value.split('/').any(|seg| seg == "..")
        }
        _ if is_secret(key) => !control,
        _ => true,
    }
}

/// Every node of the bundle by (document, JSON pointer): a scalar's value, or a container's type.
/// Two bundles with the same keys here have the same documents, objects and field layout.
fn nodes(docs: &[Value]) -> BTreeMap<(usize, String), Value> {
    fn walk(v: &Value, doc: usize, path: String, out: &mut BTreeMap<(usize, String), Value>) {
        match v {
            Value::Object(m) => {
                out.insert((doc, path.clone()), Value::String("{object}".into()));
                for (k, c) in m {
                    let k = k.replace('~', "~0").replace('/', "~1");
                    walk(c, doc, format!("{path}/{k}"), out);
                }
            }
            Value::Array(a) => {
                out.insert((doc, path.clone()), Value::String("[array]".into()));
                for (i, c) in a.iter().enumerate() {
                    walk(c, doc, format!("{path}/{i}"), out);
                }
            }
            scalar => {
                out.insert((doc, path), scalar.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        walk(d, i, String::new(), &mut out);
    }
    out
}

fn render_nodes(
    key: &'static str,
    value: &str,
) -> Result<BTreeMap<(usize, String), Value>, Vec<String>> {
    let text = render(&entries(&[(key, value.to_string())]))?;
    Ok(nodes(
        &yaml::parse_documents(&text).expect("the bundle always parses"),
    ))
}

/// Where a key's value goes, learnt from two renders with different plain markers.
struct Feeds {
    key: &'static str,
    /// The bundle with the first marker.
    marked: BTreeMap<(usize, String), Value>,
    /// Fields whose whole value is the key's value.
    exact: BTreeSet<(usize, String)>,
    /// Fields that hold the value inside a larger text (a config file, a script, a URL).
    embedded: BTreeSet<(usize, String)>,
    /// Fields that change with any input without holding it (hashes of the input in seed Job
    /// names and the like).
    derived: BTreeSet<(usize, String)>,
}

const MARKER: &str = "napgenmarkerAAAA0123456789";
const OTHER_MARKER: &str = "napgenmarkerBBBB9876543210";

impl Feeds {
    fn learn(key: &'static str) -> Feeds {
        let marked = render_nodes(key, &fit(key, MARKER)).expect("a plain value is valid");
        let other = render_nodes(key, &fit(key, OTHER_MARKER)).expect("a plain value is valid");
        assert_eq!(
            marked.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>(),
            "{key}: two plain values give bundles of different shapes"
        );
        let (mut exact, mut embedded, mut derived) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for (at, v) in &marked {
            let text = v.as_str().unwrap_or("");
            if text == fit(key, MARKER) {
                exact.insert(at.clone());
            } else if text.contains(MARKER) {
                embedded.insert(at.clone());
            } else if other[at] != *v {
                derived.insert(at.clone());
            }
        }
        assert!(
            !exact.is_empty(),
            "{key}: no field of the bundle holds its value exactly"
        );
        Feeds {
            key,
            marked,
            exact,
            embedded,
            derived,
        }
    }

    /// The bundle rendered with `value` differs from the marked one only in the fields the key
    /// feeds (and the derived ones), has the same documents and layout, and holds `value`
    /// exactly wherever the key's whole value goes.
    fn check(&self, value: &str, got: &BTreeMap<(usize, String), Value>) -> Result<(), String> {
        let key = self.key;
        let (want_keys, got_keys): (BTreeSet<_>, BTreeSet<_>) =
            (self.marked.keys().collect(), got.keys().collect());
        if want_keys != got_keys {
            let extra: Vec<_> = got_keys.difference(&want_keys).take(5).collect();
            let missing: Vec<_> = want_keys.difference(&got_keys).take(5).collect();
            return Err(format!(
                "{key}={value:?} changed the bundle's layout: extra {extra:?}, missing {missing:?}"
            ));
        }
        for (at, before) in &self.marked {
            let after = &got[at];
            if self.exact.contains(at) {
                if after.as_str() != Some(value) {
                    return Err(format!(
                        "{key}={value:?}: {at:?} holds {after:?}, not the value"
                    ));
                }
            } else if self.embedded.contains(at) {
                // The value reaches the field; how it is quoted there depends on the format.
                if after == before && value != fit(key, MARKER) {
                    return Err(format!("{key}={value:?}: {at:?} did not change"));
                }
            } else if after != before && !self.derived.contains(at) {
                return Err(format!(
                    "{key}={value:?} changed {at:?}, a field {key} does not feed: {before:?} -> {after:?}"
                ));
            }
        }
        Ok(())
    }
}

#[test]
fn every_text_key_is_rendered_somewhere() {
    for key in text_keys() {
        let feeds = Feeds::learn(key);
        assert!(!feeds.exact.is_empty(), "{key} does not reach the bundle");
    }
}

/// Renders `raw` (fitted to the key) and checks the outcome; returns whether it was accepted.
fn try_value(feeds: &Feeds, raw: &str) -> Result<bool, String> {
    let key = feeds.key;
    let value = fit(key, raw);
    match render_nodes(key, &value) {
        Ok(got) => {
            if !must_accept(key, &value) {
                return Err(format!(
                    "{key}={value:?} was accepted, but the rules refuse it"
                ));
            }
            feeds.check(&value, &got)?;
            Ok(true)
        }
        Err(messages) => {
            if must_accept(key, &value) {
                return Err(format!("{key}={value:?} was refused: {messages:?}"));
            }
            if is_secret(key) {
                if let Some(m) = messages.iter().find(|m| m.contains(value.as_str())) {
                    return Err(format!("{key}: the secret leaked into a message: {m}"));
                }
            }
            Ok(false)
        }
    }
}

/// Every hostile piece for every text key: alone for free text; for secrets, which refuse
/// control characters, the single-line pieces together and the others alone (a refusal costs no
/// render, so this keeps the test fast). And all pieces in one value, for every key.
#[test]
fn every_hostile_piece_lands_in_its_fields_only() {
    let mut accepted = 0;
    let mut refused = 0;
    let all: String = HOSTILE_PIECES.concat();
    let single_line: String = HOSTILE_PIECES
        .iter()
        .filter(|p| !p.chars().any(char::is_control))
        .copied()
        .collect();
    for key in text_keys() {
        let feeds = Feeds::learn(key);
        let mut values: Vec<&str> = vec![all.as_str()];
        if is_secret(key) {
            values.push(single_line.as_str());
            values.extend(
                HOSTILE_PIECES
                    .iter()
                    .filter(|p| p.chars().any(char::is_control)),
            );
        } else {
            values.extend(HOSTILE_PIECES);
        }
        for raw in values {
            match try_value(&feeds, raw) {
                Ok(true) => accepted += 1,
                Ok(false) => refused += 1,
                Err(e) => panic!("{e}"),
            }
        }
    }
    // Every free-text key accepted every piece (try_value fails otherwise); the counts prove
    // the loop ran and both outcomes occurred.
    let free_text = text_keys().iter().filter(|k| !is_secret(k)).count();
    assert!(
        accepted >= free_text * HOSTILE_PIECES.len(),
        "only {accepted} values accepted"
    );
    assert!(
        refused > 0,
        "no value was refused: the refusal rules were not exercised"
    );
}

#[test]
fn hostile_values_round_trip_exactly() {
    let keys = text_keys();
    let feeds: Vec<Feeds> = keys.iter().map(|k| Feeds::learn(k)).collect();
    let accepted = AtomicUsize::new(0);
    let tried = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 64,
        ..Config::default()
    });
    let result = runner.run(&(0..feeds.len(), hostile()), |(i, raw)| {
        tried.fetch_add(1, Ordering::Relaxed);
        match try_value(&feeds[i], &raw) {
            Ok(true) => {
                accepted.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Ok(false) => Ok(()),
            Err(e) => Err(TestCaseError::fail(e)),
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (accepted, tried) = (accepted.into_inner(), tried.into_inner());
    // Random values contain control characters often, so secrets refuse many; free text never.
    assert!(
        accepted * 3 >= tried,
        "only {accepted} of {tried} hostile values were accepted"
    );
}

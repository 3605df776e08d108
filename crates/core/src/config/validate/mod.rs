//! Validation: raw `KEY=VALUE` entries → the typed [`Config`], or every problem at once.
//!
//! Every message names the key and where it was set, states the rule and ends with what to do.
//! A secret's value never appears in any message.
//!
//! One file per job, in the order they run: `values` parses each key's text by its type, `names`
//! checks the names built from values, `presence` the keys this configuration needs (and those it
//! ignores), `relations` the rules between keys and `review` the warnings about a valid
//! configuration that will not work as meant; `build` reads what passed into the typed [`Config`].

pub(crate) mod build;
mod names;
mod presence;
mod relations;
mod review;
mod sizes;
#[cfg(test)]
pub(crate) mod testing;
mod values;

use crate::config::dotenv::Entry;
use crate::config::registry::{self, Default, Key, KEYS};
use crate::config::settings::{Setting, Settings, Value};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Origin, Shown};

use names::{check_derived_names, check_namespace};
use presence::{check_required, check_secrets, check_unused};
pub use presence::{key_in_use, needed_secrets};
use relations::{check_bridge, check_egress_allowance, check_relations};
pub use review::INSTALL_TIME_KEYS;
use review::{
    check_fixed_uid_storage, check_loopback_redirects, check_opensandbox_api_key,
    check_opensandbox_namespace, check_openshift_defaults, check_private_endpoints,
    check_storage_class_overrides, check_turn_reachability,
};
pub use values::{cidr_contains, cidr_within, parse_value, service_namespace, METADATA_RANGES};

/// The outcome of validation: the settings and their typed configuration when there is no
/// error (both or neither), and every finding.
pub struct Validated {
    pub settings: Option<Settings>,
    pub config: Option<Config>,
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
    let mut settings = given_values(&given, &mut diags);
    // Before derived defaults, some of which are built from these names.
    check_namespace(&settings, &mut diags);
    check_derived_names(&settings, &mut diags);
    apply_derived_defaults(&mut settings, &given, &diags);

    let invalid = rejected_keys(&diags);
    check_required(&settings, &invalid, &mut diags);
    check_secrets(&settings, &invalid, &mut diags);
    check_unused(&settings, &mut diags);
    check_relations(&settings, &mut diags);
    sizes::check_sizes(&settings, &mut diags);
    check_turn_reachability(&settings, &mut diags);
    check_private_endpoints(&settings, &mut diags);
    check_bridge(&settings, &mut diags);
    check_egress_allowance(&settings, &mut diags);
    check_opensandbox_api_key(&settings, &mut diags);
    check_loopback_redirects(&settings, &mut diags);
    check_opensandbox_namespace(&settings, &mut diags);
    check_storage_class_overrides(entries, &mut diags);
    check_fixed_uid_storage(&settings, &mut diags);
    check_openshift_defaults(&settings, &mut diags);

    let ok = !diags.iter().any(Diagnostic::is_error);
    Validated {
        config: ok.then(|| build::config(&settings)),
        settings: ok.then_some(settings),
        diagnostics: diags,
    }
}

/// Given values and fixed defaults, each parsed by its key's type; a value that does not parse
/// is reported and left unset. An empty value (`KEY=`) means "not set": the default applies, but
/// the line is remembered so a required key can be reported where it is empty.
fn given_values(given: &[Option<&Entry>], diags: &mut Vec<Diagnostic>) -> Settings {
    let mut settings = Settings::for_registry();
    for (key, entry) in KEYS.iter().zip(given) {
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
    settings
}

/// Defaults computed from other values, for the keys not given. `diags` are the findings so far:
/// a derived default built from an invalid value (already reported) may be invalid too.
fn apply_derived_defaults(settings: &mut Settings, given: &[Option<&Entry>], diags: &[Diagnostic]) {
    for (key, entry) in KEYS.iter().zip(given) {
        let Default::Derived { compute, .. } = key.default else {
            continue;
        };
        if entry.is_some_and(|e| !e.value.is_empty()) {
            // Given: the value wins over the derived default.
            continue;
        }
        if let Some(text) = compute(settings) {
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
}

/// The keys whose given value was rejected: presence rules count them as given, so they are not
/// reported twice.
fn rejected_keys(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags
        .iter()
        .filter(|d| d.is_error())
        .filter_map(|d| d.key.as_deref())
        .filter_map(|k| registry::key(k).map(|k| k.name))
        .collect()
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

/// A set value as messages may show it: through the one quoting rule, [`Shown`].
fn shown_setting<'a>(key: &str, value: &'a str) -> Shown<'a> {
    Shown::value(
        registry::key(key).expect("settings hold registry keys only"),
        value,
    )
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

#[cfg(test)]
mod tests {
    use crate::config::validate::testing::*;

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
    fn duplicate_in_one_file_warns_later_wins() {
        let v = run(&[("TOS_NODE_PORT", "30001"), ("TOS_NODE_PORT", "30002")]);
        assert_eq!(v.settings.as_ref().unwrap().int("TOS_NODE_PORT"), 30002);
        assert!(messages(&v)
            .join("\n")
            .contains("values.env:2: TOS_NODE_PORT: is set again (first at values.env:1)"));
    }

    #[test]
    fn all_problems_reported_at_once() {
        let v = run(&[("TOS_NODE_PORT", "1"), ("PROFILE", "big"), ("NOPE", "x")]);
        assert_eq!(v.errors().count(), 3);
    }
}

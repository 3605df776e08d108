//! Which keys this configuration uses: required keys that are missing, the platform Secret's
//! keys (all given or none), and keys that have no effect because their module is off.

use super::at;
use crate::config::registry::{self, Key, KeyType, Module, Required, KEYS};
use crate::config::settings::Settings;
use crate::diagnostic::Diagnostic;
use crate::plan::secrets::{
    coturn_secret_name, secret_name, turn_namespace, COTURN_SECRET_KEY, SECRET_NAME,
};
use crate::plan::EXTERNAL_DATABASE_SECRET as CONNECTION_SECRET;

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
pub(super) fn check_required(settings: &Settings, invalid: &[&str], diags: &mut Vec<Diagnostic>) {
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
pub(super) fn check_secrets(settings: &Settings, invalid: &[&str], diags: &mut Vec<Diagnostic>) {
    let needed = needed_secrets(settings);
    if let Some(existing) = settings.opt("EXISTING_SECRET") {
        for key in KEYS.iter().filter(|k| k.is_secret()) {
            if let (Some(origin), true) = (settings.origin(key.name), settings.is_set(key.name)) {
                diags.push(Diagnostic::error(
                    Some(key.name),
                    Some(origin.clone()),
                    "EXISTING_SECRET is set; remove the secret values from values.env",
                    if key.name == registry::DATABASE_PASSWORD {
                        format!("the connection Secret {CONNECTION_SECRET} holds the password (napgen prereqs prints how to create it); delete the line from values.env")
                    } else {
                        format!("Secret {existing} holds this key; delete the line from values.env")
                    },
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
    // The password goes into the connection Secret, which napgen prereqs shows how to create.
    let names: Vec<_> = needed
        .iter()
        .map(|k| k.name)
        .filter(|k| *k != registry::DATABASE_PASSWORD)
        .collect();
    let connection = if registry::external_database(settings) {
        format!("; and the connection Secret {CONNECTION_SECRET} of the external PostgreSQL (keys host, port, dbname, user, password, uri: napgen prereqs prints the command with the values)")
    } else {
        String::new()
    };
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
            "create it before applying: kubectl -n {namespace} create secret generic {name} {}{coturn}{connection}{alternative}",
            names
                .iter()
                .map(|n| format!("--from-literal={n}=..."))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    )
}

pub(super) fn check_unused(settings: &Settings, diags: &mut Vec<Diagnostic>) {
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

#[cfg(test)]
mod tests {
    use crate::config::validate::testing::*;

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
}

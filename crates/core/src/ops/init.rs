//! `napgen init`: a new, commented `values.env` for a profile and chosen modules.
//!
//! Keys are grouped by module with their registry descriptions as comments. Secrets that the
//! platform's own components share are generated from the operating system's secure random
//! source (64 hex characters, like `openssl rand -hex 32`); values only the operator knows (an
//! LLM API key, the TURN relay's address, the LDAP server, a multi-node cluster's storage
//! classes, ...) are written as empty lines marked `# REQUIRED:`, which `napgen check` reports
//! with their file and line until they are filled in. Which keys need such a value is found by
//! validating the draft, so new keys and rules in the registry are picked up without a list here.

use crate::config::dotenv::{self, Entry};
use crate::config::registry::{self, Default, Key, Module, AGENT_TYPES, KEYS};
use crate::config::settings::{Setting, Settings, Value};
use crate::config::validate;
use crate::diagnostic::{Diagnostic, Origin};
use crate::error::Error;
use crate::ops::reference;
use indexmap::{IndexMap, IndexSet};

/// The secrets `init` generates: keys shared only between the platform's own components (and
/// OpenSandbox's server, which is given the same key by `napgen prereqs`). Any other secret is a
/// credential of another service (an LLM API key, the LDAP bind password) and left for the
/// operator to fill in.
pub const GENERATED_SECRETS: &[&str] = &[
    "TOS_SECRET_KEY",
    "ADMIN_PASSWORD",
    "SANDBOX_JWT_SECRET",
    "SANDBOX_SERVICE_KEY",
    "OPENSANDBOX_API_KEY",
    "BROWSER_JWT_SECRET",
    "TURN_AUTH_SECRET",
    "BRIDGE_MASTER_KEY",
];

/// Bytes of randomness per generated secret: 32 bytes, 64 hex characters.
const SECRET_BYTES: usize = 32;

/// The marker line above a value only the operator knows.
pub const REQUIRED_MARKER: &str =
    "# REQUIRED: a value only you know; napgen check reports it until it is set.";

/// What `napgen init` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub profile: String,
    /// Optional modules to switch on (`Module::name()`: sandbox, browser, ldap, codex, ...). Agent
    /// types are added to the default one (codex).
    pub with: Vec<String>,
    /// Modules on by default to leave out: the default agent type (codex).
    pub without: Vec<String>,
    /// `KEY=VALUE` values to write in (the operator's own, or overrides of defaults).
    pub sets: Vec<String>,
}

/// The generated file and what it holds.
#[derive(Debug)]
pub struct Generated {
    pub text: String,
    /// Secrets generated fresh (names only).
    pub secrets: Vec<&'static str>,
    /// Keys left for the operator, marked `# REQUIRED:`.
    pub required: Vec<&'static str>,
}

/// The modules `--with` accepts: those that can be switched on or off.
pub fn optional_modules() -> Vec<Module> {
    Module::ALL
        .into_iter()
        .filter(|m| m.toggle().is_some())
        .collect()
}

/// A source of secure random bytes (the OS's, or a fixed one in tests).
pub type Random<'a> = &'a mut dyn FnMut(&mut [u8]) -> Result<(), String>;

pub(crate) fn hex_secret(random: Random) -> Result<String, Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    random(&mut bytes).map_err(|e| {
        Error::io(
            format!("cannot read the operating system's random source: {e}"),
            "napgen init needs a working secure random source to generate secrets",
        )
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub(crate) fn invalid(message: String, help: String) -> Error {
    Error::invalid(Diagnostic::error(None, None, message, help))
}

/// The optional modules named by a flag (`--with`, or a command's arguments), checked; `flag`
/// names them in messages.
pub(crate) fn modules(flag: &str, with: &[String]) -> Result<Vec<Module>, Error> {
    let optional = optional_modules();
    let names: Vec<&str> = optional.iter().map(|m| m.name()).collect();
    let mut chosen = Vec::new();
    for name in with.iter().flat_map(|w| w.split(',')).map(str::trim) {
        if name.is_empty() {
            continue;
        }
        match Module::ALL.iter().find(|m| m.name() == name) {
            Some(m) if optional.contains(m) => {
                if !chosen.contains(m) {
                    chosen.push(*m);
                }
            }
            Some(_) => {
                return Err(invalid(
                    format!("{flag} {name}: {name} is always installed"),
                    format!("{flag} takes optional modules: {}", names.join(", ")),
                ))
            }
            None => {
                let help = match validate::suggest(name, names.iter().copied()) {
                    Some(s) => {
                        format!("did you mean {s}? (optional modules: {})", names.join(", "))
                    }
                    None => format!("optional modules: {}", names.join(", ")),
                };
                return Err(invalid(format!("{flag} {name}: no such module"), help));
            }
        }
    }
    Ok(chosen)
}

/// The agent types of a new file: the default ones, plus those `--with` names, minus those
/// `--without` names. Adding one never drops another; leaving one out is always explicit.
fn agent_types(with: &[Module], without: &[Module]) -> Result<Vec<&'static str>, Error> {
    let default: Vec<&str> = match registry::key("AGENT_TYPES").map(|k| k.default) {
        Some(Default::Value(v)) => v.split(',').collect(),
        _ => vec![AGENT_TYPES[0]],
    };
    for m in without {
        if with.contains(m) {
            return Err(invalid(
                format!("--with and --without both name {}", m.name()),
                "name each module in one of them".into(),
            ));
        }
        if !default.contains(&m.name()) {
            return Err(invalid(
                format!(
                    "--without {}: {} is off unless --with names it",
                    m.name(),
                    m.name()
                ),
                format!(
                    "--without takes modules on by default: {}",
                    default.join(", ")
                ),
            ));
        }
    }
    let agents: Vec<&'static str> = AGENT_TYPES
        .iter()
        .copied()
        .filter(|a| {
            let named = |ms: &[Module]| ms.iter().any(|m| m.name() == *a);
            (default.contains(a) || named(with)) && !named(without)
        })
        .collect();
    if agents.is_empty() {
        return Err(invalid(
            "--without leaves no agent type: users could create no agent".into(),
            format!(
                "add another with --with, e.g. --with claude-code --without {}",
                default.join(",")
            ),
        ));
    }
    Ok(agents)
}

/// Typed settings from given values and the registry's defaults, ignoring what does not parse:
/// enough to decide which modules are on, which secrets are needed and what derived defaults are.
pub(crate) fn resolve(given: &IndexMap<&'static str, String>) -> Settings {
    let mut settings = Settings::default();
    let parse = |key: &Key, text: &str| validate::parse_value(key, text).unwrap_or(Value::Unset);
    for key in KEYS {
        let value = match (given.get(key.name), key.default) {
            (Some(v), _) => parse(key, v),
            (None, Default::Value(v)) => parse(key, v),
            _ => Value::Unset,
        };
        settings.insert(
            key.name,
            Setting {
                value,
                origin: None,
            },
        );
    }
    for key in KEYS {
        if let (Default::Derived { compute, .. }, false) =
            (key.default, given.contains_key(key.name))
        {
            if let Some(text) = compute(&settings) {
                let value = parse(key, &text);
                settings.insert(
                    key.name,
                    Setting {
                        value,
                        origin: None,
                    },
                );
            }
        }
    }
    settings
}

/// A value as a dotenv right-hand side that napgen's reader (and dotenvy) read back exactly.
pub fn quote(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "._-/:@,+=%^~".contains(c);
    if value.chars().all(plain) {
        value.to_string()
    } else if !value.contains('\'') {
        format!("'{value}'")
    } else {
        let mut out = String::from("\"");
        for c in value.chars() {
            match c {
                '\\' | '"' | '$' => {
                    out.push('\\');
                    out.push(c);
                }
                '\n' => out.push_str("\\n"),
                _ => out.push(c),
            }
        }
        out.push('"');
        out
    }
}

/// Wrap prose into `# ` comment lines of at most `width` characters.
fn comment(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The second comment line of a key: its type and default.
fn meta(key: &Key, generated: bool) -> String {
    let ty = reference::type_doc(key.ty);
    let mut parts = vec![ty];
    match key.default {
        Default::Value(v) => parts.push(format!("default {v}")),
        Default::Derived { doc, .. } => parts.push(format!("default: {doc}")),
        Default::None => {}
    }
    if generated {
        parts.push("generated by napgen init from the OS's secure random source".into());
    }
    if validate::INSTALL_TIME_KEYS.contains(&key.name) {
        parts.push(
            "cannot change after the first install (a claim's storage class is immutable)".into(),
        );
    }
    format!("({})", parts.join("; "))
}

/// The default as a commented-out line shows it: the value this profile gets.
fn default_text(key: &Key, settings: &Settings) -> String {
    match key.default {
        Default::None => String::new(),
        Default::Value(v) => v.to_string(),
        Default::Derived { .. } => settings.display(key.name),
    }
}

/// What the header line says after the profile; napgen enable and disable keep it up to date.
pub(crate) const MODULES_ON: &str = "; optional modules on: ";

/// The optional modules that are on, as the header line lists them.
pub(crate) fn modules_on(settings: &Settings) -> String {
    let on: Vec<&str> = optional_modules()
        .into_iter()
        .filter(|m| m.enabled(settings))
        .map(|m| m.name())
        .collect();
    if on.is_empty() {
        "none".into()
    } else {
        on.join(", ")
    }
}

/// The file's text.
fn render(
    request: &Request,
    given: &IndexMap<&'static str, String>,
    generated: &[&'static str],
    required: &IndexSet<&'static str>,
) -> String {
    let settings = resolve(given);
    let on: Vec<Module> = Module::ALL
        .into_iter()
        .filter(|m| m.enabled(&settings))
        .collect();
    let mut out = String::new();
    out.push_str(&format!(
        "# values.env of the NAP platform, written by napgen init {}.\n# Profile {}{}{}.\n",
        env!("CARGO_PKG_VERSION"),
        request.profile,
        MODULES_ON,
        modules_on(&settings)
    ));
    out.push_str(&comment(
        "The secrets below were generated from the operating system's secure random source: keep this \
         file private (mode 0600) and out of version control; or delete them all and create Secret \
         nap-secrets yourself (napgen check then prints the command).",
        98,
    ));
    out.push_str(&comment(
        "Lines marked REQUIRED need a value only you know; napgen check reports each with its line until \
         it is set. Commented-out lines show the default; remove the # to change one. \
         Every key: napgen keys; one key in detail: napgen explain KEY.",
        98,
    ));
    out.push_str(
        "# Next: fill in the REQUIRED lines, then napgen check, napgen prereqs, napgen render.\n",
    );

    for module in &on {
        out.push_str(&format!("\n# ==== {} ====\n", module.title()));
        for key in KEYS.iter().filter(|k| k.module == *module) {
            out.push('\n');
            out.push_str(&key_lines(key, given, generated, required, &settings));
        }
    }
    let off: Vec<Module> = optional_modules()
        .into_iter()
        .filter(|m| !on.contains(m))
        .collect();
    if !off.is_empty() {
        out.push_str(&format!("\n{OFF_HEADING}\n#\n"));
        for m in off {
            out.push_str(&off_hint(m));
        }
    }
    out
}

/// One key as init writes it: its description and type as comments, then the value given, an
/// empty line marked REQUIRED, or the default commented out.
pub(crate) fn key_lines(
    key: &Key,
    given: &IndexMap<&'static str, String>,
    generated: &[&'static str],
    required: &IndexSet<&'static str>,
    settings: &Settings,
) -> String {
    let mut out = comment(key.description, 98);
    out.push_str(&comment(&meta(key, generated.contains(&key.name)), 98));
    if required.contains(key.name) {
        out.push_str(REQUIRED_MARKER);
        out.push('\n');
        out.push_str(&format!("{}=\n", key.name));
    } else if let Some(value) = given.get(key.name) {
        out.push_str(&format!("{}={}\n", key.name, quote(value)));
    } else {
        let default = default_text(key, settings);
        out.push_str(&format!("# {}={}\n", key.name, quote_commented(&default)));
    }
    out
}

/// The line under "Not switched on" for a module that is off; `napgen enable` removes it.
pub(crate) fn off_hint(module: Module) -> String {
    format!(
        "# {} ({}): to add it later, napgen enable {}\n",
        module.title(),
        module.toggle().unwrap_or(""),
        module.name()
    )
}

/// The heading of the section that lists the modules that are off.
pub(crate) const OFF_HEADING: &str = "# ==== Not switched on ====";

/// A default in a commented-out line: quoted like a value, so removing the `#` gives a valid line.
fn quote_commented(value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        quote(value)
    }
}

/// Validate the `--set` flags one by one: unknown keys and wrong types are errors at `--set`.
fn check_sets(sets: &[String]) -> Result<Vec<(&'static Key, String)>, Error> {
    let mut diags = Vec::new();
    let mut out = Vec::new();
    for set in sets {
        let entry: Entry = match dotenv::parse_set_flag(set) {
            Ok(e) => e,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let Some(key) = registry::key(&entry.key) else {
            let help = match validate::suggest(&entry.key, KEYS.iter().map(|k| k.name)) {
                Some(s) => format!("did you mean {s}? (napgen keys lists every key)"),
                None => "napgen keys lists every key".into(),
            };
            diags.push(Diagnostic::error(
                Some(&entry.key),
                Some(Origin::set_flag()),
                "unknown key",
                help,
            ));
            continue;
        };
        if let Err((message, help)) = validate::parse_value(key, &entry.value) {
            diags.push(Diagnostic::error(
                Some(key.name),
                Some(Origin::set_flag()),
                message,
                help,
            ));
            continue;
        }
        out.push((key, entry.value));
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(diags))
    }
}

/// The source name init validates its draft under.
const DRAFT: &str = "values.env";

/// Generate the file. `random` fills buffers with secure random bytes ([`os_random`]).
pub fn generate(request: &Request, random: Random) -> Result<Generated, Error> {
    if !registry::PROFILES.contains(&request.profile.as_str()) {
        return Err(invalid(
            format!("--profile {}: no such profile", request.profile),
            format!("use one of: {}", registry::PROFILES.join(", ")),
        ));
    }
    let chosen = modules("--with", &request.with)?;
    let without = modules("--without", &request.without)?;
    let sets = check_sets(&request.sets)?;

    let mut given: IndexMap<&'static str, String> = IndexMap::new();
    given.insert("PROFILE", request.profile.clone());
    given.insert("AGENT_TYPES", agent_types(&chosen, &without)?.join(","));
    for m in &chosen {
        match m.toggle() {
            Some("AGENT_TYPES") | None => {}
            Some(toggle) => {
                given.insert(
                    registry::key(toggle).map(|k| k.name).unwrap_or(toggle),
                    "true".into(),
                );
            }
        }
    }
    for (key, value) in sets {
        given.insert(key.name, value);
    }

    // Secrets the configuration uses that are the platform's own: generated, including the
    // optional OpenSandbox API key (without one, OpenSandbox serves any caller that reaches it).
    let settings = resolve(&given);
    let mut generated = Vec::new();
    for key in KEYS.iter().filter(|k| validate::key_in_use(k, &settings)) {
        if GENERATED_SECRETS.contains(&key.name) && !given.contains_key(key.name) {
            given.insert(key.name, hex_secret(random)?);
            generated.push(key.name);
        }
    }

    // Every finding about a key init did not set is a value only the operator knows.
    let mut required: IndexSet<&'static str> = IndexSet::new();
    for _ in 0..4 {
        let text = render(request, &given, &generated, &required);
        let (entries, syntax) = dotenv::parse_dotenv(&text, DRAFT);
        if !syntax.is_empty() {
            return Err(Error::internal(format!(
                "napgen init wrote a file it cannot read back: {}",
                syntax[0]
            )));
        }
        let validated = validate::validate(&entries);
        let mut new = false;
        let mut own_errors = Vec::new();
        for d in &validated.diagnostics {
            let Some(key) = d.key.as_deref().and_then(registry::key) else {
                continue;
            };
            if given.contains_key(key.name) {
                if d.is_error() {
                    own_errors.push(d.clone());
                }
            } else if required.insert(key.name) {
                new = true;
            }
        }
        if !own_errors.is_empty() {
            return Err(Error::Invalid(own_errors));
        }
        if !new {
            return Ok(Generated {
                text,
                secrets: generated,
                required: required.into_iter().collect(),
            });
        }
    }
    Err(Error::internal(
        "napgen init: the set of values to fill in did not settle",
    ))
}

/// Where each REQUIRED key is, as `(key, line)` in `text`, for the message after writing.
pub fn required_lines(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if *line == REQUIRED_MARKER {
            if let Some(next) = lines.get(i + 1) {
                // Not when filled in, or switched off by napgen disable (`# off: KEY=`).
                if let Some(key) = next.strip_suffix('=').and_then(registry::key) {
                    out.push((key.name.to_string(), i + 2));
                }
            }
        }
    }
    out
}

/// The note on stderr after init: what was written and what to fill in.
pub fn summary(generated: &Generated, written_to: &str) -> String {
    let what = if written_to == "-" {
        "printed the file on stdout".to_string()
    } else {
        format!("wrote {written_to}")
    };
    let mut out = format!(
        "napgen init: {what} with {} fresh secret(s)",
        generated.secrets.len()
    );
    let lines = required_lines(&generated.text);
    if lines.is_empty() {
        out.push_str("; it is complete: napgen check, then napgen render\n");
        return out;
    }
    out.push_str(&format!(
        "; {} value(s) only you know are marked REQUIRED:\n",
        lines.len()
    ));
    for (key, line) in &lines {
        let what = registry::key(key).map(|k| k.description).unwrap_or("");
        out.push_str(&format!("  {written_to}:{line}: {key}: {what}\n"));
    }
    out.push_str("Fill them in, then run napgen check.\n");
    out
}

/// Random bytes for tests that count the calls: secret n is n repeated.
#[cfg(test)]
pub(crate) fn counting_random() -> impl FnMut(&mut [u8]) -> Result<(), String> {
    let mut n = 0u8;
    move |buf: &mut [u8]| {
        n = n.wrapping_add(1);
        buf.iter_mut().for_each(|b| *b = n);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::counting_random as counter;
    use super::*;

    fn request(profile: &str, with: &[&str], sets: &[&str]) -> Request {
        Request {
            profile: profile.into(),
            with: with.iter().map(|s| s.to_string()).collect(),
            without: Vec::new(),
            sets: sets.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn findings(text: &str) -> validate::Validated {
        let (entries, syntax) = dotenv::parse_dotenv(text, "values.env");
        assert!(syntax.is_empty(), "{syntax:?}");
        validate::validate(&entries)
    }

    #[test]
    fn single_node_needs_only_the_api_key() {
        let g = generate(&request("single-node", &[], &[]), &mut counter()).unwrap();
        assert_eq!(g.secrets, ["TOS_SECRET_KEY", "ADMIN_PASSWORD"]);
        assert_eq!(g.required, ["OPENAI_API_KEY"]);
        assert!(g
            .text
            .contains(&format!("TOS_SECRET_KEY={}\n", "01".repeat(32))));
        let v = findings(&g.text);
        let errors: Vec<_> = v.errors().map(|d| d.key.clone().unwrap()).collect();
        assert_eq!(errors, ["OPENAI_API_KEY"]);
        let with_key = generate(
            &request("single-node", &[], &["OPENAI_API_KEY=sk-test-000000"]),
            &mut counter(),
        )
        .unwrap();
        assert!(with_key.required.is_empty());
        let v = findings(&with_key.text);
        assert!(v.settings.is_some(), "{:?}", v.diagnostics);
    }

    #[test]
    fn multi_node_with_modules_marks_what_only_the_operator_knows() {
        let g = generate(
            &Request {
                without: vec!["codex".into()],
                ..request(
                    "multi-node",
                    &["sandbox,browser", "ldap", "claude-code"],
                    &[],
                )
            },
            &mut counter(),
        )
        .unwrap();

        for key in [
            "TOS_HOST",
            "RWX_STORAGE_CLASS",
            "RWO_STORAGE_CLASS",
            "ANTHROPIC_API_KEY",
            "TURN_HOST",
            "TURN_NODE",
            "LDAP_URL",
            "LDAP_BIND_DN",
            "LDAP_BIND_PASSWORD",
            "LDAP_USER_BASE_DN",
        ] {
            assert!(
                g.required.contains(&key),
                "{key} not marked: {:?}",
                g.required
            );
        }
        for key in [
            "SANDBOX_JWT_SECRET",
            "OPENSANDBOX_API_KEY",
            "TURN_AUTH_SECRET",
            "BROWSER_JWT_SECRET",
        ] {
            assert!(g.secrets.contains(&key), "{key} not generated");
        }
        assert!(g.text.contains("AGENT_TYPES=claude-code\n"), "{}", g.text);
        assert!(
            g.text.contains("SANDBOX_ENABLED=true\n") && g.text.contains("LDAP_ENABLED=true\n")
        );
        assert!(!g.text.contains("OPENAI_API_KEY"), "codex is off");
        // Every error check reports is one of the marked lines, at that line, and every marked
        // key is reported (as an error, or as a warning for a value that is advised).
        let v = findings(&g.text);
        let lines = required_lines(&g.text);
        for d in v.errors() {
            let key = d.key.clone().unwrap();
            let line = lines.iter().find(|(k, _)| *k == key).map(|(_, l)| *l);
            assert_eq!(d.origin.as_ref().and_then(|o| o.line), line, "{d}");
        }
        for key in &g.required {
            assert!(
                v.diagnostics.iter().any(|d| d.key.as_deref() == Some(*key)),
                "{key} is marked but check says nothing about it"
            );
        }
        // Filling them in makes it valid.
        let mut text = g.text.clone();
        for (key, value) in [
            ("TOS_HOST", "nap.example.com"),
            ("RWX_STORAGE_CLASS", "nfs-csi"),
            ("RWO_STORAGE_CLASS", "ceph-rbd"),
            ("ANTHROPIC_API_KEY", "sk-ant-00000000"),
            ("TURN_HOST", "203.0.113.9"),
            ("TURN_NODE", "worker-1"),
            ("LDAP_URL", "ldaps://ldap.example.com"),
            ("LDAP_BIND_DN", "cn=nap,dc=example,dc=com"),
            ("LDAP_BIND_PASSWORD", "pw"),
            ("LDAP_USER_BASE_DN", "ou=people,dc=example,dc=com"),
        ] {
            text = text.replace(
                &format!("\n{key}=\n"),
                &format!("\n{key}={}\n", quote(value)),
            );
        }
        let v = findings(&text);
        assert!(v.settings.is_some(), "{:?}", v.diagnostics);
    }

    #[test]
    fn tos_host_is_marked_when_a_module_with_a_login_is_on() {
        let g = generate(&request("single-node", &["sandbox"], &[]), &mut counter()).unwrap();
        assert!(g.required.contains(&"TOS_HOST"), "{:?}", g.required);
        assert!(g.secrets.contains(&"OPENSANDBOX_API_KEY"));
        let g = generate(&request("single-node", &["ldap"], &[]), &mut counter()).unwrap();
        assert!(!g.required.contains(&"TOS_HOST"), "{:?}", g.required);
        let g = generate(
            &request("single-node", &["browser"], &["TOS_HOST=192.0.2.4"]),
            &mut counter(),
        )
        .unwrap();
        assert!(!g.required.contains(&"TOS_HOST"), "{:?}", g.required);
    }

    #[test]
    fn an_agent_type_is_added_and_one_is_left_out_only_when_asked() {
        let agents = |with: &[&str], without: &[&str]| {
            let request = Request {
                without: without.iter().map(|s| s.to_string()).collect(),
                ..request("single-node", with, &[])
            };
            generate(&request, &mut counter()).map(|g| {
                let (entries, _) = dotenv::parse_dotenv(&g.text, "t");
                let e = entries.iter().find(|e| e.key == "AGENT_TYPES").unwrap();
                (e.value.clone(), g.required)
            })
        };
        let (types, required) = agents(&["sandbox,browser,ldap,claude-code"], &[]).unwrap();
        assert_eq!(types, "codex,claude-code");
        assert!(required.contains(&"OPENAI_API_KEY") && required.contains(&"ANTHROPIC_API_KEY"));
        assert_eq!(
            agents(&["claude-code"], &["codex"]).unwrap().0,
            "claude-code"
        );
        assert_eq!(agents(&[], &[]).unwrap().0, "codex");
        let message = |with: &[&str], without: &[&str]| match agents(with, without) {
            Err(Error::Invalid(d)) => d[0].to_string(),
            _ => panic!("accepted --with {with:?} --without {without:?}"),
        };
        assert!(message(&[], &["codex"]).contains("no agent type"));
        assert!(message(&["codex"], &["codex"]).contains("both name codex"));
        assert!(message(&[], &["sandbox"]).contains("off unless --with"));
        assert!(message(&[], &["sandbx"]).contains("did you mean sandbox?"));
    }

    #[test]
    fn sets_are_written_and_checked() {
        let g = generate(
            &request(
                "single-node",
                &[],
                &["TOS_HOST=192.0.2.4", "ADMIN_EMAIL=ops@example.com"],
            ),
            &mut counter(),
        )
        .unwrap();
        assert!(
            g.text.contains("\nTOS_HOST=192.0.2.4\n")
                && g.text.contains("\nADMIN_EMAIL=ops@example.com\n")
        );
        let Err(Error::Invalid(d)) = generate(
            &request("single-node", &[], &["TOS_HOTS=x", "TOS_NODE_PORT=80"]),
            &mut counter(),
        ) else {
            panic!("bad --set accepted");
        };
        let text: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert!(
            text[0].contains("--set: TOS_HOTS: unknown key")
                && text[0].contains("did you mean TOS_HOST?"),
            "{text:?}"
        );
        assert!(
            text[1].contains("--set: TOS_NODE_PORT: 80 is outside"),
            "{text:?}"
        );
    }

    #[test]
    fn unknown_or_core_modules_are_refused() {
        let Err(Error::Invalid(d)) =
            generate(&request("single-node", &["sandbx"], &[]), &mut counter())
        else {
            panic!()
        };
        assert!(d[0].help.contains("did you mean sandbox?"), "{}", d[0]);
        let Err(Error::Invalid(d)) =
            generate(&request("single-node", &["core"], &[]), &mut counter())
        else {
            panic!()
        };
        assert!(d[0].message.contains("always installed"), "{}", d[0]);
        assert!(generate(&request("tiny", &[], &[]), &mut counter()).is_err());
    }

    #[test]
    fn random_failure_is_reported() {
        let mut broken = |_: &mut [u8]| Err("no entropy".to_string());
        let Err(e) = generate(&request("single-node", &[], &[]), &mut broken) else {
            panic!()
        };
        assert_eq!(
            e.render(false),
            "error: cannot read the operating system's random source: no entropy\n  \
             help: napgen init needs a working secure random source to generate secrets\n"
        );
        assert_eq!(e.exit_code(), crate::error::exit::IO);
    }

    #[test]
    fn quoted_values_read_back_exactly() {
        for value in [
            "plain",
            "with space",
            "it's",
            "a\"b$c\\d",
            "multi\nline",
            "#hash",
            "x'y\nz",
        ] {
            let (entries, diags) = dotenv::parse_dotenv(&format!("K={}\n", quote(value)), "t");
            assert!(diags.is_empty(), "{value:?}: {diags:?}");
            assert_eq!(entries[0].value, value);
        }
    }
}

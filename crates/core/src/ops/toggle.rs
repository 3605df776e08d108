//! `napgen enable` and `napgen disable`: switch optional modules on or off in an existing
//! values.env, text in and text out, changing only the lines that have to change.
//!
//! Enabling a module sets its switch (`SANDBOX_ENABLED=true`, or adds the agent type to
//! `AGENT_TYPES`) where the file sets it, and adds a section with the module's keys that the file
//! does not mention yet, written as `napgen init` writes them: description comments, generated
//! secrets, `# REQUIRED:` lines for values only the operator knows, defaults commented out. The
//! section goes before init's "Not switched on" list (whose line for the module is removed), or
//! at the end of the file. Secrets are generated only for the module being enabled, and only when
//! the file holds the platform's secrets: with `EXISTING_SECRET`, or a file without secrets whose
//! Secret the operator creates, a generated one would make `napgen check` fail.
//!
//! Disabling a module sets its switch off and comments out its other assignments with
//! [`OFF_MARKER`], keeping their values (secrets included): `napgen check` then has nothing to
//! say about them, and enabling the module again restores them as they were, so the platform
//! keeps the secrets OpenSandbox, coturn and signed sessions already know. Nothing is deleted.
//!
//! Every other byte of the file stays as it was: comments, order, quoting, blank lines and line
//! endings (added lines use the file's own, CRLF or LF). A file that does not parse is refused.

use crate::config::dotenv::{self, Entry};
use crate::config::registry::{self, Key, Module, KEYS};
use crate::config::settings::Settings;
use crate::config::validate;
use crate::error::Error;
use crate::ops::init::{self, Random, GENERATED_SECRETS};
use indexmap::{IndexMap, IndexSet};
use std::ops::Range;

/// The prefix `napgen disable` puts before an assignment it switches off.
pub const OFF_MARKER: &str = "# off: ";

/// Which way to switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    On,
    Off,
}

impl Switch {
    /// The command's name.
    pub fn command(self) -> &'static str {
        match self {
            Switch::On => "enable",
            Switch::Off => "disable",
        }
    }
}

/// The edited text and what changed.
#[derive(Debug, Default)]
pub struct Edited {
    pub text: String,
    /// Modules switched.
    pub changed: Vec<Module>,
    /// Modules already in the state asked for: nothing was changed for them.
    pub unchanged: Vec<Module>,
    /// Secrets generated fresh (names only).
    pub secrets: Vec<&'static str>,
    /// Assignments commented out by disable, or restored by enable (names only).
    pub moved: Vec<&'static str>,
    /// What the operator should know: secrets not generated, lines left as they were.
    pub notes: Vec<String>,
}

/// Switch the modules named in `names` (comma-separated or separate) on or off in `text`, the
/// contents of `source`. `random` fills buffers with secure random bytes ([`init::os_random`]).
pub fn switch(
    text: &str,
    source: &str,
    switch: Switch,
    names: &[String],
    random: Random,
) -> Result<Edited, Error> {
    let command = format!("napgen {}", switch.command());
    let modules = init::modules(&command, names)?;
    if modules.is_empty() {
        let optional: Vec<&str> = init::optional_modules().iter().map(|m| m.name()).collect();
        return Err(init::invalid(
            format!("{command}: no module named"),
            format!("name one or more of: {}", optional.join(", ")),
        ));
    }
    let mut edited = Edited {
        text: text.to_string(),
        ..Edited::default()
    };
    for module in modules {
        match switch {
            Switch::On => enable(&mut edited, source, module, random)?,
            Switch::Off => disable(&mut edited, source, module)?,
        }
    }
    if !edited.changed.is_empty() {
        let settings = init::resolve(&Parsed::read(&edited.text, source)?.given);
        edited.text = with_header(&edited.text, &init::modules_on(&settings));
    }
    Ok(edited)
}

/// `text` with init's header line (`# Profile P; optional modules on: ....`) listing `on`.
fn with_header(text: &str, on: &str) -> String {
    let header = text.split_inclusive('\n').find_map(|line| {
        let start = line.as_ptr() as usize - text.as_ptr() as usize;
        let body = line.trim_end_matches(['\r', '\n']);
        let list_at = body.find(init::MODULES_ON)? + init::MODULES_ON.len();
        (body.starts_with("# Profile ") && body.ends_with('.'))
            .then_some(start + list_at..start + body.len() - 1)
    });
    match header {
        Some(list) => {
            let mut out = text.to_string();
            out.replace_range(list, on);
            out
        }
        None => text.to_string(),
    }
}

/// A file read for editing: its assignments with their byte ranges, and the values it gives.
struct Parsed {
    spans: Vec<(Entry, Range<usize>)>,
    /// The last non-empty value of each registry key (an empty value means "not set").
    given: IndexMap<&'static str, String>,
}

impl Parsed {
    fn read(text: &str, source: &str) -> Result<Self, Error> {
        let (spans, syntax) = dotenv::parse_dotenv_spans(text, source);
        if !syntax.is_empty() {
            return Err(Error::Invalid(syntax));
        }
        let mut given = IndexMap::new();
        for (entry, _) in &spans {
            if let Some(key) = registry::key(&entry.key) {
                if entry.value.is_empty() {
                    given.shift_remove(key.name);
                } else {
                    given.insert(key.name, entry.value.clone());
                }
            }
        }
        Ok(Parsed { spans, given })
    }

    /// Whether the file assigns `key` at all (an empty value counts).
    fn mentions(&self, key: &str) -> bool {
        self.spans.iter().any(|(e, _)| e.key == key)
    }

    /// The byte range of the assignment of `key` that wins (the last one).
    fn last(&self, key: &str) -> Option<Range<usize>> {
        self.spans
            .iter()
            .rev()
            .find(|(e, _)| e.key == key)
            .map(|(_, r)| r.clone())
    }
}

/// The file's line ending: CRLF if it uses it, else LF.
fn line_ending(text: &str) -> &'static str {
    if text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// Replace the value of the assignment at `span`, keeping its key part and line terminator.
fn replace_value(text: &mut String, span: Range<usize>, value: &str) {
    let statement = &text[span.clone()];
    // A key never contains `=`, so the first one ends the key part.
    let value_start = span.start + statement.find('=').map_or(statement.len(), |i| i + 1);
    let value_end = span.start + statement.trim_end_matches(['\r', '\n']).len();
    text.replace_range(value_start..value_end, &init::quote(value));
}

/// The switch's value after the change, and whether that leaves the module as asked.
fn switched_value(module: Module, settings: &Settings, on: bool) -> Result<String, Error> {
    let toggle = module.toggle().unwrap_or_default();
    if toggle != "AGENT_TYPES" {
        return Ok(on.to_string());
    }
    let mut agents: Vec<String> = settings.list("AGENT_TYPES").to_vec();
    if on {
        agents.push(module.name().to_string());
    } else {
        agents.retain(|a| a != module.name());
        if agents.is_empty() {
            let other: Vec<&str> = registry::AGENT_TYPES
                .iter()
                .copied()
                .filter(|a| *a != module.name())
                .collect();
            return Err(init::invalid(
                format!(
                    "napgen disable {}: it is the only agent type (AGENT_TYPES); users could create no agent",
                    module.name()
                ),
                format!("enable another first: napgen enable {}", other.join(",")),
            ));
        }
    }
    Ok(agents.join(","))
}

fn enable(edited: &mut Edited, source: &str, module: Module, random: Random) -> Result<(), Error> {
    let before = Parsed::read(&edited.text, source)?;
    let settings = init::resolve(&before.given);
    if module.enabled(&settings) {
        edited.unchanged.push(module);
        return Ok(());
    }
    let toggle = registry::key(module.toggle().unwrap_or_default())
        .ok_or_else(|| Error::internal(format!("{} has no switch", module.name())))?;
    let value = switched_value(module, &settings, true)?;

    // Assignments disable commented out come back first, as they were.
    let mut text = restore(&edited.text, module, &before, &mut edited.moved);
    let parsed = Parsed::read(&text, source)?;
    let mut given = parsed.given.clone();
    given.insert(toggle.name, value.clone());
    let toggled_in_place = match parsed.last(toggle.name) {
        Some(span) => {
            replace_value(&mut text, span, &value);
            true
        }
        None => false,
    };

    // New secrets: the module's own, and only in a file that holds the platform's secrets.
    // The same rule as init: every generated secret the configuration uses, the optional
    // OpenSandbox API key included.
    let settings_on = init::resolve(&given);
    let needed: Vec<&'static Key> = KEYS
        .iter()
        .filter(|k| validate::key_in_use(k, &settings_on))
        .filter(|k| k.module == module && GENERATED_SECRETS.contains(&k.name))
        .filter(|k| !parsed.mentions(k.name))
        .collect();
    let holds_secrets = !parsed.given.contains_key("EXISTING_SECRET")
        && validate::needed_secrets(&settings)
            .iter()
            .any(|k| parsed.given.contains_key(k.name));
    let mut generated = Vec::new();
    if holds_secrets {
        for key in &needed {
            given.insert(key.name, init::hex_secret(random)?);
            generated.push(key.name);
        }
    } else if !needed.is_empty() {
        let names: Vec<&str> = needed.iter().map(|k| k.name).collect();
        edited.notes.push(format!(
            "{}: no secrets generated, as {source} keeps none: add {} to the Secret you manage (napgen check names it)",
            module.name(),
            names.join(", ")
        ));
    }

    // The keys the new section holds: the module's keys the file does not mention yet, neither
    // assigned nor as a commented-out default (a section written before stays the only one).
    let commented = commented_defaults(&text);
    let mut keys: Vec<&'static Key> = Vec::new();
    if !toggled_in_place && toggle.module != module {
        keys.push(toggle);
    }
    keys.extend(
        KEYS.iter()
            .filter(|k| k.module == module && !parsed.mentions(k.name))
            .filter(|k| !commented.contains(k.name) || generated.contains(&k.name))
            .filter(|k| !(toggled_in_place && k.name == toggle.name)),
    );

    let eol = line_ending(&text);
    text = text.replacen(&init::off_hint(module).replace('\n', eol), "", 1);
    if !keys.is_empty() && section_position(&text, eol) == text.len() && !text.is_empty() {
        // The section follows the last line, which needs its line ending first.
        if !text.ends_with('\n') {
            text.push_str(eol);
        }
    }
    let at = section_position(&text, eol);

    // Like init: every finding about a key the section leaves unset is a value only the
    // operator knows, written as an empty line marked REQUIRED.
    let mut required: IndexSet<&'static str> = IndexSet::new();
    for _ in 0..4 {
        let section = section(module, &keys, &given, &generated, &required, eol);
        let candidate = format!("{}{}{}", &text[..at], section, &text[at..]);
        let (entries, syntax) = dotenv::parse_dotenv(&candidate, source);
        if let Some(d) = syntax.first() {
            return Err(Error::internal(format!(
                "napgen enable wrote a file it cannot read back: {d}"
            )));
        }
        let mut new = false;
        for d in &validate::validate(&entries).diagnostics {
            let Some(key) = d.key.as_deref().and_then(registry::key) else {
                continue;
            };
            if keys.iter().any(|k| k.name == key.name)
                && !given.contains_key(key.name)
                && required.insert(key.name)
            {
                new = true;
            }
        }
        if !new {
            edited.text = candidate;
            edited.secrets.extend(generated);
            edited.changed.push(module);
            return Ok(());
        }
    }
    Err(Error::internal(
        "napgen enable: the set of values to fill in did not settle",
    ))
}

/// Where a new section goes: before init's "Not switched on" list (and the blank line above it),
/// else at the end.
fn section_position(text: &str, eol: &str) -> usize {
    let heading = format!("{eol}{}{eol}", init::OFF_HEADING);
    match text.find(&heading) {
        Some(at) => {
            let blank_above = text[..at + eol.len()].ends_with(&format!("{eol}{eol}"));
            if blank_above {
                at
            } else {
                at + eol.len()
            }
        }
        None => text.len(),
    }
}

/// Keys written as commented-out defaults (`# KEY=...`, as init writes them).
fn commented_defaults(text: &str) -> IndexSet<&'static str> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# ")?.split_once('='))
        .filter_map(|(name, _)| registry::key(name).map(|k| k.name))
        .collect()
}

/// A module's section as init writes it, with the file's line ending.
fn section(
    module: Module,
    keys: &[&'static Key],
    given: &IndexMap<&'static str, String>,
    generated: &[&'static str],
    required: &IndexSet<&'static str>,
    eol: &str,
) -> String {
    if keys.is_empty() {
        return String::new();
    }
    let settings = init::resolve(given);
    let mut out = format!("\n# ==== {} ====\n", module.title());
    for key in keys {
        out.push('\n');
        out.push_str(&init::key_lines(key, given, generated, required, &settings));
    }
    out.replace('\n', eol)
}

/// `text` with the module's assignments that disable commented out restored, for keys the file
/// does not assign otherwise.
fn restore(text: &str, module: Module, parsed: &Parsed, moved: &mut Vec<&'static str>) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let parked = line.strip_prefix(OFF_MARKER).and_then(|rest| {
            KEYS.iter().find(|k| {
                k.module == module
                    && rest.starts_with(k.name)
                    && rest[k.name.len()..].starts_with('=')
                    && !parsed.mentions(k.name)
            })
        });
        match parked {
            Some(key) => {
                out.push_str(&line[OFF_MARKER.len()..]);
                if !moved.contains(&key.name) {
                    moved.push(key.name);
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

fn disable(edited: &mut Edited, source: &str, module: Module) -> Result<(), Error> {
    let parsed = Parsed::read(&edited.text, source)?;
    let settings = init::resolve(&parsed.given);
    if !module.enabled(&settings) {
        edited.unchanged.push(module);
        return Ok(());
    }
    let toggle = registry::key(module.toggle().unwrap_or_default())
        .ok_or_else(|| Error::internal(format!("{} has no switch", module.name())))?;
    let value = switched_value(module, &settings, false)?;

    // Edits as (range, replacement), applied from the end so earlier ranges stay valid.
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for (entry, span) in &parsed.spans {
        let Some(key) = registry::key(&entry.key) else {
            continue;
        };
        if key.module != module || key.name == toggle.name {
            continue;
        }
        let statement = &edited.text[span.clone()];
        if statement.trim_end_matches(['\r', '\n']).contains('\n') {
            edited.notes.push(format!(
                "{source}:{}: {} spans several lines and was left as it is (napgen check says it has no effect)",
                entry.origin.line.unwrap_or(0),
                key.name
            ));
            continue;
        }
        edits.push((span.start..span.start, OFF_MARKER.to_string()));
        if !edited.moved.contains(&key.name) {
            edited.moved.push(key.name);
        }
    }
    // A module that is on has its switch in the file: the optional modules are off by default,
    // and the default agent type can be switched off only when AGENT_TYPES lists another.
    let toggle_span = parsed.last(toggle.name).ok_or_else(|| {
        Error::internal(format!(
            "{} is on without {} in the file",
            module.name(),
            toggle.name
        ))
    })?;
    edits.push((toggle_span, String::new()));
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut text = edited.text.clone();
    for (range, insert) in edits {
        if range.is_empty() {
            text.insert_str(range.start, &insert);
        } else {
            replace_value(&mut text, range, &value);
        }
    }
    edited.text = text;
    edited.changed.push(module);
    Ok(())
}

/// The note on stderr after enable or disable: what changed and what is left to fill in.
pub fn summary(edited: &Edited, switch: Switch, path: &str) -> String {
    let command = format!("napgen {}", switch.command());
    let state = match switch {
        Switch::On => "on",
        Switch::Off => "off",
    };
    let mut out = String::new();
    for m in &edited.unchanged {
        out.push_str(&format!(
            "{command}: {} is already {state} in {path}; nothing to change\n",
            m.name()
        ));
    }
    if !edited.changed.is_empty() {
        let names: Vec<&str> = edited.changed.iter().map(|m| m.name()).collect();
        out.push_str(&format!(
            "{command}: {} switched {state} in {path}",
            names.join(", ")
        ));
        if !edited.secrets.is_empty() {
            out.push_str(&format!("; fresh secret(s): {}", edited.secrets.join(", ")));
        }
        if !edited.moved.is_empty() {
            let verb = match switch {
                Switch::On => "restored",
                Switch::Off => "commented out (values kept)",
            };
            out.push_str(&format!("; {verb}: {}", edited.moved.join(", ")));
        }
        out.push('\n');
    }
    for note in &edited.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    let lines = init::required_lines(&edited.text);
    if !lines.is_empty() {
        out.push_str(&format!(
            "{} value(s) only you know are marked REQUIRED:\n",
            lines.len()
        ));
        for (key, line) in &lines {
            let what = registry::key(key).map(|k| k.description).unwrap_or("");
            out.push_str(&format!("  {path}:{line}: {key}: {what}\n"));
        }
        out.push_str("Fill them in, then run napgen check.\n");
    }
    // Errors on other lines (a value the file had wrong, a key it lists only commented out).
    let (entries, _) = dotenv::parse_dotenv(&edited.text, path);
    let other = validate::validate(&entries)
        .errors()
        .filter(|d| {
            let line = d.origin.as_ref().and_then(|o| o.line);
            !lines.iter().any(|(_, l)| Some(*l) == line)
        })
        .count();
    if other > 0 {
        out.push_str(&format!(
            "napgen check -f {path} also reports {other} other error(s) in the file\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::ops::init::counting_random as counter;

    fn names(list: &str) -> Vec<String> {
        vec![list.to_string()]
    }

    fn on(text: &str, list: &str) -> Edited {
        switch(text, "values.env", Switch::On, &names(list), &mut counter()).unwrap()
    }

    fn off(text: &str, list: &str) -> Edited {
        let mut no_random =
            |_: &mut [u8]| -> Result<(), String> { panic!("disable drew random bytes") };
        switch(
            text,
            "values.env",
            Switch::Off,
            &names(list),
            &mut no_random,
        )
        .unwrap()
    }

    fn init_file(with: &[&str]) -> String {
        let request = init::Request {
            profile: "single-node".into(),
            with: with.iter().map(|s| s.to_string()).collect(),
            without: Vec::new(),
            sets: vec!["OPENAI_API_KEY=sk-test-000000".into()],
        };
        init::generate(&request, &mut counter()).unwrap().text
    }

    fn validated(text: &str) -> validate::Validated {
        let (entries, syntax) = dotenv::parse_dotenv(text, "values.env");
        assert!(syntax.is_empty(), "{syntax:?}");
        validate::validate(&entries)
    }

    /// Fill every REQUIRED line with a value of the key's kind.
    fn fill(text: &str) -> String {
        let mut out = text.to_string();
        for (key, _) in init::required_lines(text) {
            let value = match key.as_str() {
                "TURN_HOST" | "TOS_HOST" => "192.0.2.7",
                "LDAP_URL" => "ldaps://ldap.example.com",
                "BACKUP_DESTINATION_PATH" => "s3://backups/nap",
                "BRIDGE_MODELS" => "claude-sonnet-4-5=llama-3.3-70b-instruct",
                k if k.ends_with("_URL") => "https://s3.example.com",
                k if k.ends_with("_DN") => "'ou=people,dc=example,dc=com'",
                _ => "filled-in-000000000000",
            };
            out = out.replacen(&format!("\n{key}=\n"), &format!("\n{key}={value}\n"), 1);
        }
        out
    }

    #[test]
    fn spans_cover_exactly_the_statements_parse_dotenv_reads() {
        let text = "\u{feff}A=1\r\n# c\nexport B='x y' # note\nC=\"multi\nline\"\n\nD=";
        let (entries, _) = dotenv::parse_dotenv(text, "t");
        let (spans, _) = dotenv::parse_dotenv_spans(text, "t");
        let pieces: Vec<&str> = spans.iter().map(|(_, r)| &text[r.clone()]).collect();
        assert_eq!(
            pieces,
            [
                "A=1\r\n",
                "export B='x y' # note\n",
                "C=\"multi\nline\"\n",
                "D="
            ]
        );
        let spanned: Vec<Entry> = spans.into_iter().map(|(e, _)| e).collect();
        assert_eq!(spanned, entries);
    }

    #[test]
    fn enable_adds_the_section_and_only_its_secrets() {
        let before = init_file(&[]);
        let edited = on(&before, "browser");
        assert_eq!(edited.changed, [Module::Browser]);
        assert_eq!(edited.secrets, ["BROWSER_JWT_SECRET", "TURN_AUTH_SECRET"]);
        // The original's lines are all there, in order; only the hint for browser went.
        let hint = init::off_hint(Module::Browser);
        let kept = before.replacen(&hint, "", 1).replacen(
            "optional modules on: codex.\n",
            "optional modules on: codex, browser.\n",
            1,
        );
        let start = edited.text.find("\n# ==== Remote Browser").unwrap();
        let end = edited.text.find("\n# ==== Not switched on").unwrap();
        let added = format!("{}{}", &edited.text[..start], &edited.text[end..]);
        assert_eq!(added, kept, "bytes outside the new section changed");
        // Fresh secrets are the first two random draws; the old ones are untouched.
        assert!(edited
            .text
            .contains(&format!("\nBROWSER_JWT_SECRET={}\n", "01".repeat(32))));
        assert!(edited
            .text
            .contains(&format!("\nTURN_AUTH_SECRET={}\n", "02".repeat(32))));
        for line in before.lines().filter(|l| l.starts_with("TOS_SECRET_KEY=")) {
            assert!(edited.text.contains(line));
        }
        // TURN_HOST is the one value left to the operator; check reports it at that line.
        let required = init::required_lines(&edited.text);
        assert_eq!(
            required.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["TURN_HOST"]
        );
        let v = validated(&edited.text);
        let errors: Vec<_> = v.errors().collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].origin.as_ref().unwrap().line, Some(required[0].1));
        // Filled in, it is valid; and its summary names the line.
        assert!(validated(&fill(&edited.text)).settings.is_some());
        let summary = summary(&edited, Switch::On, "values.env");
        assert!(
            summary.contains(&format!(
                "  values.env:{}: TURN_HOST: Public",
                required[0].1
            )),
            "{summary}"
        );
    }

    #[test]
    fn enabling_what_is_on_changes_nothing_and_says_so() {
        let before = init_file(&["sandbox"]);
        let edited = on(&before, "sandbox,codex");
        assert_eq!(edited.text, before);
        assert_eq!(edited.unchanged, [Module::Sandbox, Module::Codex]);
        assert!(edited.secrets.is_empty());
        assert!(summary(&edited, Switch::On, "values.env")
            .contains("sandbox is already on in values.env; nothing to change"));
        let edited = off(&before, "ldap");
        assert_eq!(edited.text, before);
        assert_eq!(edited.unchanged, [Module::Ldap]);
    }

    #[test]
    fn every_module_round_trips_and_passes_check_when_filled() {
        let base = init_file(&[]);
        for module in init::optional_modules() {
            let name = module.name();
            let start = if module == Module::Codex {
                on(&base, "claude-code").text
            } else {
                base.clone()
            };
            let (enabled, disabled) = if module == Module::Codex {
                let disabled = off(&start, name);
                (on(&disabled.text, name), disabled)
            } else {
                let enabled = on(&start, name);
                let disabled = off(&enabled.text, name);
                (enabled, disabled)
            };
            let settings = init::resolve(&Parsed::read(&disabled.text, "t").unwrap().given);
            assert!(!module.enabled(&settings), "{name} still on");
            // Off: check has nothing to say about the module's kept lines.
            let v = validated(&fill(&disabled.text));
            assert!(v.settings.is_some(), "{name}: {:?}", v.diagnostics);
            assert!(
                !v.diagnostics
                    .iter()
                    .any(|d| d.message.contains("has no effect")),
                "{name}: {:?}",
                v.diagnostics
            );
            // On again: exactly the enabled file, with no secret drawn anew.
            let again = on(&disabled.text, name);
            assert_eq!(again.text, enabled.text, "{name}");
            assert!(again.secrets.is_empty(), "{name}: {:?}", again.secrets);
            let v = validated(&fill(&enabled.text));
            assert!(v.settings.is_some(), "{name}: {:?}", v.diagnostics);
        }
    }

    #[test]
    fn agent_types_are_added_and_removed_in_the_list() {
        let text = "# mine\nAGENT_TYPES=codex # both?\nTOS_SECRET_KEY=x\n";
        let edited = on(text, "claude-code");
        assert!(edited
            .text
            .starts_with("# mine\nAGENT_TYPES=codex,claude-code\nTOS_SECRET_KEY=x\n"));
        let edited = off(&edited.text, "codex");
        assert!(edited
            .text
            .starts_with("# mine\nAGENT_TYPES=claude-code\nTOS_SECRET_KEY=x\n"));
        let Err(Error::Invalid(d)) = switch(
            "AGENT_TYPES=codex\n",
            "values.env",
            Switch::Off,
            &names("codex"),
            &mut counter(),
        ) else {
            panic!("the last agent type was switched off")
        };
        assert!(d[0].help.contains("napgen enable claude-code"), "{}", d[0]);
        // Without AGENT_TYPES in the file, codex is on by default; enabling another writes it.
        let edited = on("X=1", "claude-code");
        assert!(
            edited.text.starts_with("X=1\n\n# ==== Claude Code"),
            "{}",
            edited.text
        );
        assert!(edited.text.contains("\nAGENT_TYPES=codex,claude-code\n"));
    }

    #[test]
    fn the_summary_counts_errors_beyond_the_required_lines() {
        let edited = on("NAMESPACE=nap\nNO_SUCH_KEY=1\n", "ldap");
        let text = summary(&edited, Switch::On, "v.env");
        assert!(text.contains("  v.env:"), "{text}");
        assert!(
            text.contains("napgen check -f v.env also reports 1 other error(s)"),
            "{text}"
        );
        let clean = summary(&on(&init_file(&[]), "ldap"), Switch::On, "v.env");
        assert!(!clean.contains("other error"), "{clean}");
    }

    #[test]
    fn files_that_do_not_parse_are_refused_with_their_line() {
        let Err(Error::Invalid(d)) = switch(
            "A=1\nB='open\nC=2\n",
            "prod.env",
            Switch::On,
            &names("browser"),
            &mut counter(),
        ) else {
            panic!("accepted")
        };
        assert_eq!(d[0].origin.as_ref().unwrap().to_string(), "prod.env:2");
        let Err(Error::Invalid(d)) =
            switch("A=1\n", "v", Switch::On, &names("sandbx"), &mut counter())
        else {
            panic!("accepted")
        };
        assert!(d[0].help.contains("did you mean sandbox?"), "{}", d[0]);
    }

    #[test]
    fn no_secret_is_generated_where_the_file_keeps_none() {
        for text in ["EXISTING_SECRET=mine\nTOS_SECRET_KEY=\n", "NAMESPACE=nap\n"] {
            let edited = on(text, "sandbox");
            assert!(edited.secrets.is_empty(), "{text}");
            assert!(
                edited.notes[0].contains("no secrets generated"),
                "{:?}",
                edited.notes
            );
            assert!(!edited.text.contains("SANDBOX_JWT_SECRET=0"));
        }
    }

    /// A line of a file written by hand: comments, blank lines, keys of other modules with any
    /// quoting, `export`, trailing comments.
    fn line() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "NAMESPACE",
            "TOS_HOST",
            "ADMIN_EMAIL",
            "TOS_SECRET_KEY",
            "ADMIN_PASSWORD",
            "UNKNOWN_KEY",
            "LDAP_URL",
        ]);
        prop_oneof![
            "#[ -~]{0,40}",
            // Lines like napgen's own: its "Not switched on" heading, another module's
            // switched-off line, a commented-out default.
            Just(init::OFF_HEADING.to_string()),
            Just(format!("{OFF_MARKER}LDAP_URL=ldap://x")),
            Just("# TOS_HOST=192.0.2.1".to_string()),
            "[ \t]{0,3}",
            (key.clone(), "[a-z0-9.:/-]{0,20}").prop_map(|(k, v)| format!("{k}={v}")),
            (key.clone(), "[ -&(-~]{0,20}").prop_map(|(k, v)| format!("export {k}='{v}'")),
            (key, "[a-z #$'=]{0,20}")
                .prop_map(|(k, v)| format!("{k}=\"{}\" # kept", v.replace('$', "\\$"))),
        ]
    }

    proptest! {
        /// Whatever surrounds them, enable and disable change only the switch and the module's
        /// own lines, and enable again gives back the enabled file.
        #[test]
        fn only_the_toggled_lines_change(
            lines in prop::collection::vec(line(), 0..12),
            at in 0usize..12,
            crlf in any::<bool>(),
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut lines = lines;
            let at = at.min(lines.len());
            lines.insert(at, "SANDBOX_ENABLED=false".to_string());
            let original: String = lines.iter().map(|l| format!("{l}{eol}")).collect();
            prop_assume!(dotenv::parse_dotenv(&original, "t").1.is_empty());

            let enabled = on(&original, "sandbox");
            let switched = original.replacen("SANDBOX_ENABLED=false", "SANDBOX_ENABLED=true", 1);
            // The new section is one run of lines, at the end or before init's heading.
            let start = enabled.text.find(&format!("{eol}# ==== Code Sandbox")).unwrap();
            let end = start + enabled.text.len() - switched.len();
            let section = &enabled.text[start..end];
            prop_assert_eq!(
                format!("{}{}", &enabled.text[..start], &enabled.text[end..]),
                switched.clone()
            );
            let after = enabled.text[end..].trim_start_matches(eol);
            prop_assert!(after.is_empty() || after.starts_with(init::OFF_HEADING));
            prop_assert!(section.starts_with(eol) && section.contains("# ==== Code Sandbox"));
            // Only the file's own line ending in what was added.
            prop_assert_eq!(section.matches('\n').count(), section.matches(eol).count());
            for (entry, _) in dotenv::parse_dotenv_spans(section, "t").0 {
                prop_assert_eq!(registry::key(&entry.key).map(|k| k.module), Some(Module::Sandbox));
            }

            let disabled = off(&enabled.text, "sandbox");
            let expected_off = enabled.text.replacen("SANDBOX_ENABLED=true", "SANDBOX_ENABLED=false", 1);
            let changed: Vec<(&str, &str)> = expected_off
                .split(eol)
                .zip(disabled.text.split(eol))
                .filter(|(a, b)| a != b)
                .collect();
            for (was, now) in &changed {
                prop_assert_eq!(now.strip_prefix(OFF_MARKER), Some(*was));
            }
            prop_assert_eq!(expected_off.split(eol).count(), disabled.text.split(eol).count());
            prop_assert_eq!(&on(&disabled.text, "sandbox").text, &enabled.text);
        }
    }
}

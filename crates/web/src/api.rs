//! The exports without JavaScript types: each returns the JSON the page receives, built from the
//! same core calls and message texts the command line uses.

use napgen_core::config::dotenv;
use napgen_core::config::registry::{self, KeyType, Module};
use napgen_core::config::sources::Loaded;
use napgen_core::diagnostic::Diagnostic;
use napgen_core::error::{exit, Error};
use napgen_core::ops::init::{self, Random};
use napgen_core::ops::toggle::{self, Switch};
use napgen_core::ops::{diff, graph, images, prereqs, reference};
use napgen_core::output::bundle;
use napgen_core::pipeline::{self, Configured};
use napgen_core::render::Object;
use serde_json::{json, Value};

/// The values text of one file, read as `-f file_name` reads it.
fn load(text: &str, file_name: &str) -> Loaded {
    let mut loaded = Loaded::default();
    loaded.add_text(text, file_name);
    loaded
}

/// Findings as the command line prints them on standard error, one per line, without colour.
fn messages_of(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("{}\n", d.render(false)))
        .collect()
}

/// The findings a failure carries (none for an I/O or internal failure).
fn diagnostics_of(failure: &Error) -> &[Diagnostic] {
    match failure {
        Error::Invalid(diagnostics) => diagnostics,
        _ => &[],
    }
}

/// `napgen render -f file_name`: `bundle` is what it prints on stdout (empty when it fails),
/// `messages` what it prints on stderr, `diagnostics` the findings as `check --format json`
/// lists them.
pub fn render(text: &str, file_name: &str) -> Value {
    let configured = match pipeline::configure(load(text, file_name)) {
        Ok(configured) => configured,
        Err(failure) => return failed_render(&[], &failure),
    };
    let warnings = configured.warnings.clone();
    match configured.bundle(None) {
        Ok(bundle) => json!({
            "bundle": bundle,
            "diagnostics": warnings,
            "messages": messages_of(&warnings),
            "exit_code": exit::OK,
        }),
        Err(failure) => failed_render(&warnings, &failure),
    }
}

/// A render that failed after printing `warnings`.
fn failed_render(warnings: &[Diagnostic], failure: &Error) -> Value {
    let mut diagnostics = warnings.to_vec();
    diagnostics.extend_from_slice(diagnostics_of(failure));
    json!({
        "bundle": "",
        "diagnostics": diagnostics,
        "messages": messages_of(warnings) + &failure.render(false),
        "exit_code": failure.exit_code(),
    })
}

/// `napgen check -f file_name --format json`: `report` is what it prints on stdout, `messages`
/// what it prints on stderr (nothing unless the values could not be checked at all).
pub fn check(text: &str, file_name: &str) -> Value {
    check_of(&pipeline::configure(load(text, file_name)))
}

/// [`check`]'s result for a configuration (or why there is none).
fn check_of(configured: &Result<Configured, Error>) -> Value {
    let (diagnostics, valid) = match configured {
        Ok(configured) => (&configured.warnings[..], true),
        Err(Error::Invalid(diagnostics)) => (&diagnostics[..], false),
        Err(failure) => {
            return json!({
                "report": "",
                "messages": failure.render(false),
                "exit_code": failure.exit_code(),
            })
        }
    };
    json!({
        "report": pipeline::check_json(diagnostics, valid),
        "messages": "",
        "exit_code": if valid { exit::OK } else { exit::INVALID },
    })
}

/// Everything the page shows after a change, from one validation and one render: `check` is
/// [`check`]'s result, `render` [`render`]'s and `outputs` [`outputs`]'s, the same values those
/// give one by one; `render` and `outputs` are null while the file is invalid.
pub fn update(text: &str, file_name: &str) -> Value {
    let configured = pipeline::configure(load(text, file_name));
    let check = check_of(&configured);
    let Ok(configured) = configured else {
        return json!({ "check": check, "render": null, "outputs": null });
    };
    let objects = match configured.render() {
        Ok(objects) => objects,
        Err(failure) => {
            let failed = failed_render(&configured.warnings, &failure);
            return json!({ "check": check, "render": failed, "outputs": null });
        }
    };
    let render = json!({
        "bundle": bundle::bundle(&objects, &pipeline::header(&configured.plan)),
        "diagnostics": configured.warnings,
        "messages": messages_of(&configured.warnings),
        "exit_code": exit::OK,
    });
    let outputs = outputs_of(&configured, &objects);
    json!({ "check": check, "render": render, "outputs": outputs })
}

/// `napgen keys --format json`.
pub fn keys() -> String {
    reference::json(None)
}

/// The registry as a form needs it: `keys` is `napgen keys --format json` with each key's
/// `example` (as `napgen explain` shows it), the words an enum or bool takes (`options`, null for
/// other types) and whether its value may span lines (`multiline`), `modules` the groups `napgen keys` prints, in its
/// order, with their titles and how each is switched on, and `profiles` the `PROFILE` values.
pub fn registry() -> Value {
    let mut keys: Value = serde_json::from_str(&reference::json(None)).expect("keys JSON");
    for key in keys.as_array_mut().into_iter().flatten() {
        let Some(entry) = key["name"].as_str().and_then(registry::key) else {
            continue;
        };
        key["example"] = Value::from(reference::example_value(entry));
        key["options"] = match entry.ty {
            KeyType::Enum(options) => Value::from(options.to_vec()),
            KeyType::Bool => json!(["true", "false"]),
            _ => Value::Null,
        };
        key["multiline"] = Value::from(entry.spans_lines());
    }
    let optional = init::optional_modules();
    let modules: Vec<Value> = Module::ALL
        .iter()
        .map(|m| {
            json!({
                "name": m.name(),
                "title": m.title(),
                "toggle": m.toggle(),
                "optional": optional.contains(m),
            })
        })
        .collect();
    json!({ "profiles": registry::PROFILES, "modules": modules, "keys": keys })
}

/// The assignments of `text` as the file reader sees them, `{ key: value }` (the last
/// assignment of a key wins, as when the file is read), and the optional modules it switches on,
/// read from their switches as the validator reads them, so a file that is not valid yet shows
/// its modules too.
pub fn values(text: &str, file_name: &str) -> Value {
    let (entries, _) = dotenv::parse_dotenv(text, file_name);
    let mut map = serde_json::Map::new();
    for entry in entries {
        map.insert(entry.key, Value::from(entry.value));
    }
    let value_of = |key: &str| {
        let set = map
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty());
        let default = registry::key(key).and_then(|k| match k.default {
            registry::Default::Value(v) => Some(v),
            _ => None,
        });
        set.or(default).unwrap_or("").to_string()
    };
    let modules: Vec<&str> = init::optional_modules()
        .into_iter()
        .filter(|m| match m.toggle() {
            Some("AGENT_TYPES") => value_of("AGENT_TYPES")
                .split(',')
                .any(|t| t.trim() == m.name()),
            Some(toggle) => value_of(toggle).eq_ignore_ascii_case("true"),
            None => false,
        })
        .map(|m| m.name())
        .collect();
    json!({ "values": map, "modules": modules })
}

/// `text` with `key` set to `value`: the value of its last assignment replaced (its key part and
/// line ending kept, every other byte as it was), or a `KEY=value` line added at the end. The
/// value is quoted as `napgen init` quotes it, so the file reads back exactly `value`.
pub fn set_value(text: &str, key: &str, value: &str) -> String {
    let (entries, _) = dotenv::parse_dotenv_spans(text, "values.env");
    let quoted = init::quote(value);
    match entries.iter().rev().find(|(entry, _)| entry.key == key) {
        Some((_, span)) => {
            let statement = &text[span.clone()];
            // A key never contains `=`, so the first one ends the key part.
            let start = span.start + statement.find('=').map_or(statement.len(), |i| i + 1);
            let end = span.start + statement.trim_end_matches(['\r', '\n']).len();
            let mut out = text.to_string();
            out.replace_range(start..end, &quoted);
            out
        }
        None => {
            let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
            let mut out = text.to_string();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push_str(eol);
            }
            out.push_str(&format!("{key}={quoted}{eol}"));
            out
        }
    }
}

/// The configured values of `text`, or the result object of a failure: `messages` what the
/// command prints on stderr, `exit_code` its exit code.
fn configured(text: &str, file_name: &str) -> Result<Configured, Value> {
    pipeline::configure(load(text, file_name)).map_err(
        |failure| json!({ "messages": failure.render(false), "exit_code": failure.exit_code() }),
    )
}

/// What the other commands print for `text`: `prereqs` (`napgen prereqs -f fileName`),
/// `secret_commands` (the commands of its step that creates the Secrets values.env does not
/// hold), `images` (`napgen images`), `mirror` (`napgen images --format mirror`), `sandbox_values`
/// (the `opensandbox-values.yaml` that `napgen prereqs --write-values` writes; null when the
/// sandbox is off).
pub fn outputs(text: &str, file_name: &str) -> Value {
    let configured = match configured(text, file_name) {
        Ok(configured) => configured,
        Err(failed) => return failed,
    };
    match configured.render() {
        Ok(objects) => outputs_of(&configured, &objects),
        Err(failure) => {
            json!({ "messages": failure.render(false), "exit_code": failure.exit_code() })
        }
    }
}

/// [`outputs`] of a configuration and its rendered objects.
fn outputs_of(configured: &Configured, objects: &[Object]) -> Value {
    let ctx = prereqs::Context {
        config: &configured.config,
        plan: &configured.plan,
        objects,
        values_dir: None,
    };
    let steps = prereqs::steps(&ctx);
    let secret_commands: Vec<&String> = steps
        .iter()
        .filter(|step| step.id == "secrets")
        .flat_map(|step| &step.commands)
        .collect();
    let list = images::list(&configured.config, &configured.plan);
    json!({
        "prereqs": prereqs::text(&ctx, &steps),
        "secret_commands": secret_commands,
        "sandbox_values": prereqs::sandbox_values(&ctx),
        "images": images::text(&list),
        "mirror": images::mirror(&list),
        "messages": messages_of(&configured.warnings),
        "exit_code": exit::OK,
    })
}

/// `napgen chart -f fileName`: the archive's `name` and its bytes (`archive`, empty on failure).
pub fn chart(text: &str, file_name: &str) -> (Value, Vec<u8>) {
    let configured = match configured(text, file_name) {
        Ok(configured) => configured,
        Err(failed) => return (failed, Vec::new()),
    };
    let packed = configured.chart().and_then(|chart| {
        bundle::tar_gz(chart.name, &chart.files)
            .map(|bytes| (chart.archive_name(), bytes))
            .map_err(|e| Error::internal(format!("packing the chart: {e}")))
    });
    match packed {
        Ok((name, bytes)) => (
            json!({ "name": name, "messages": "", "exit_code": exit::OK }),
            bytes,
        ),
        Err(failure) => (
            json!({ "name": "", "messages": failure.render(false), "exit_code": failure.exit_code() }),
            Vec::new(),
        ),
    }
}

/// The objects `napgen diff` compares for a values file.
fn diff_side(text: &str, file_name: &str) -> Result<Vec<Value>, Value> {
    let configured = configured(text, file_name)?;
    let objects = configured.render().map_err(
        |failure| json!({ "messages": failure.render(false), "exit_code": failure.exit_code() }),
    )?;
    Ok(objects.into_iter().map(|o| o.value).collect())
}

/// `napgen graph -f fileName` of `text`: `svg` what it prints (the picture), `dot` what
/// `--format dot` prints, `messages` its warnings (or why it failed) on stderr.
pub fn graph(text: &str, file_name: &str) -> Value {
    let configured = match configured(text, file_name) {
        Ok(configured) => configured,
        Err(failed) => return failed,
    };
    match configured.render() {
        Ok(objects) => {
            let drawn = graph::graph(&objects);
            json!({
                "svg": graph::svg(&drawn),
                "dot": graph::dot(&drawn),
                "messages": messages_of(&configured.warnings),
                "exit_code": exit::OK,
            })
        }
        Err(failure) => {
            json!({ "messages": failure.render(false), "exit_code": failure.exit_code() })
        }
    }
}

/// `napgen diff nameA nameB` of two values files: `text` what it prints on stdout, `messages`
/// its summary on stderr, `exit_code` 0 when the installs are equal and 1 when they differ.
pub fn diff(text_a: &str, name_a: &str, text_b: &str, name_b: &str) -> Value {
    let (a, b) = match (diff_side(text_a, name_a), diff_side(text_b, name_b)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(failed), _) | (_, Err(failed)) => return failed,
    };
    let report = diff::compare(&a, &b);
    json!({
        "text": diff::text(&report),
        "messages": diff::summary(&report, name_a, name_b),
        "exit_code": if report.equal { exit::OK } else { exit::DIFFERENT },
    })
}

/// The name `init`'s summary gives the file, as `napgen init` (`-o values.env`) writes it.
const INIT_FILE: &str = "values.env";

/// `napgen init`: `text` is the file it writes, `messages` its summary on stderr (or why it
/// failed), `secrets` the names of the secrets generated from `random`.
pub fn init(request: &init::Request, random: Random) -> Value {
    match init::generate(request, random) {
        Ok(generated) => json!({
            "text": generated.text,
            "secrets": generated.secrets,
            "required": generated.required,
            "messages": init::summary(&generated, INIT_FILE),
            "exit_code": exit::OK,
        }),
        Err(failure) => json!({
            "text": "",
            "secrets": [],
            "required": [],
            "messages": failure.render(false),
            "exit_code": failure.exit_code(),
        }),
    }
}

/// `napgen enable` (`on`) or `napgen disable` of `modules` in `text`, the file `file_name`:
/// `text` is the file afterwards (unchanged when it fails), `messages` what the command prints
/// on stderr.
pub fn switch(text: &str, file_name: &str, on: bool, modules: &[String], random: Random) -> Value {
    let way = if on { Switch::On } else { Switch::Off };
    match toggle::switch(text, file_name, way, modules, random) {
        Ok(edited) => json!({
            "text": edited.text,
            "secrets": edited.secrets,
            "messages": toggle::summary(&edited, way, file_name),
            "exit_code": exit::OK,
        }),
        Err(failure) => json!({
            "text": text,
            "secrets": [],
            "messages": failure.render(false),
            "exit_code": failure.exit_code(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUES: &str = include_str!("../../../values/all-modules.env");

    /// Secret n is byte n repeated, so each generated secret can be told apart.
    fn counting() -> impl FnMut(&mut [u8]) -> Result<(), String> {
        let mut n = 0u8;
        move |buf: &mut [u8]| {
            n += 1;
            buf.fill(n);
            Ok(())
        }
    }

    #[test]
    fn render_gives_the_bundle_and_no_error() {
        let out = render(VALUES, "values/all-modules.env");
        assert_eq!(out["exit_code"], 0);
        let bundle = out["bundle"].as_str().unwrap();
        assert!(bundle.contains("kind: Deployment"), "{bundle:.200}");
    }

    #[test]
    fn render_of_bad_values_names_the_file_and_prints_nothing() {
        let out = render("NODE_CPU=lots\n", "prod.env");
        assert_eq!(out["exit_code"], exit::INVALID);
        assert_eq!(out["bundle"], "");
        let messages = out["messages"].as_str().unwrap();
        assert!(messages.contains("prod.env:1"), "{messages}");
        assert!(messages.ends_with("nothing was written\n"), "{messages}");
        assert_eq!(out["diagnostics"][0]["key"], "NODE_CPU");
    }

    #[test]
    fn check_reports_as_the_command_line() {
        let out = check("NODE_CPU=lots\n", "prod.env");
        assert_eq!(out["exit_code"], exit::INVALID);
        let report: Value = serde_json::from_str(out["report"].as_str().unwrap()).unwrap();
        assert_eq!(report["ok"], false);
        assert_eq!(report["errors"], 1);
    }

    #[test]
    fn init_uses_the_given_random_source() {
        let request = init::Request {
            profile: "single-node".into(),
            with: vec![],
            without: vec![],
            sets: vec![],
        };
        let out = init(&request, &mut counting());
        assert_eq!(out["exit_code"], 0);
        let text = out["text"].as_str().unwrap();
        assert!(text.contains(&"01".repeat(32)), "{text}");
        let failing = init(&request, &mut |_: &mut [u8]| Err("no entropy".to_string()));
        assert_eq!(failing["exit_code"], exit::IO);
        assert!(failing["messages"].as_str().unwrap().contains("no entropy"));
    }

    #[test]
    fn switch_on_then_off_keeps_the_rest_of_the_file() {
        let base = init(
            &init::Request {
                profile: "single-node".into(),
                with: vec![],
                without: vec![],
                sets: vec![],
            },
            &mut counting(),
        );
        let text = base["text"].as_str().unwrap();
        let on = switch(text, "v.env", true, &["browser".into()], &mut counting());
        assert_eq!(on["exit_code"], 0, "{}", on["messages"]);
        assert_ne!(on["text"], text);
        let off = switch(
            on["text"].as_str().unwrap(),
            "v.env",
            false,
            &["nope".into()],
            &mut counting(),
        );
        assert_eq!(off["exit_code"], exit::INVALID);
        assert_eq!(off["text"], on["text"]);
    }

    #[test]
    fn registry_groups_keys_with_their_examples() {
        let out = registry();
        let keys = out["keys"].as_array().unwrap();
        assert_eq!(keys.len(), registry::KEYS.len());
        let tos_host = keys.iter().find(|k| k["name"] == "TOS_HOST").unwrap();
        assert_eq!(tos_host["example"], "203.0.113.10");
        assert_eq!(tos_host["module"], "core");
        assert_eq!(tos_host["options"], Value::Null);
        let profile = keys.iter().find(|k| k["name"] == "PROFILE").unwrap();
        assert_eq!(profile["options"], json!(registry::PROFILES));
        let ca = keys.iter().find(|k| k["name"] == "CA_BUNDLE").unwrap();
        assert_eq!(ca["multiline"], true);
        let modules = out["modules"].as_array().unwrap();
        assert_eq!(modules.len(), Module::ALL.len());
        let sandbox = modules.iter().find(|m| m["name"] == "sandbox").unwrap();
        assert_eq!(sandbox["toggle"], "SANDBOX_ENABLED");
        assert_eq!(sandbox["optional"], true);
        assert_eq!(out["profiles"][1], "multi-node");
    }

    #[test]
    fn values_reads_the_last_assignment_and_the_modules_on() {
        let out = values(
            "TOS_HOST=a\nTOS_HOST='b c'\nSANDBOX_ENABLED=true\n",
            "v.env",
        );
        assert_eq!(out["values"]["TOS_HOST"], "b c");
        let modules = out["modules"].as_array().unwrap();
        assert!(modules.contains(&Value::from("sandbox")), "{modules:?}");
        assert!(modules.contains(&Value::from("codex")), "{modules:?}");
    }

    #[test]
    fn set_value_changes_one_value_and_keeps_every_other_byte() {
        let text = "# head\r\nTOS_HOST=old\r\nNAMESPACE=nap # kept?\r\n";
        assert_eq!(
            set_value(text, "TOS_HOST", "new host"),
            "# head\r\nTOS_HOST='new host'\r\nNAMESPACE=nap # kept?\r\n"
        );
        assert_eq!(
            set_value("A=1", "TOS_HOST", "x"),
            "A=1\nTOS_HOST=x\n",
            "a missing key is added on a line of its own"
        );
        let quoted = set_value("TOS_HOST=\n", "TOS_HOST", "it's $HOME");
        let read = values(&quoted, "v.env");
        assert_eq!(read["values"]["TOS_HOST"], "it's $HOME");
    }

    #[test]
    fn outputs_give_prereqs_images_and_the_sandbox_values() {
        let out = outputs(VALUES, "values/all-modules.env");
        assert_eq!(out["exit_code"], 0, "{}", out["messages"]);
        assert!(out["prereqs"].as_str().unwrap().contains("CloudNativePG"));
        assert!(out["images"].as_str().unwrap().contains("control-plane"));
        assert!(out["sandbox_values"]
            .as_str()
            .unwrap()
            .contains("opensandbox-server"));
        assert_eq!(
            out["secret_commands"],
            json!([]),
            "all-modules.env holds its secrets"
        );
        let plain = outputs("TOS_HOST=192.0.2.1\nEXISTING_SECRET=s\n", "v.env");
        assert_eq!(plain["sandbox_values"], Value::Null);
        let commands = plain["secret_commands"].as_array().unwrap();
        assert!(
            commands.iter().any(|c| c
                .as_str()
                .unwrap()
                .contains("kubectl -n nap create secret generic s ")),
            "{commands:?}"
        );
        let bad = outputs("NODE_CPU=lots\n", "v.env");
        assert_eq!(bad["exit_code"], exit::INVALID);
        assert!(bad["messages"].as_str().unwrap().contains("v.env:1"));
    }

    #[test]
    fn chart_is_the_archive_napgen_chart_writes() {
        let (out, bytes) = chart(VALUES, "values/all-modules.env");
        assert_eq!(out["exit_code"], 0, "{}", out["messages"]);
        assert_eq!(&bytes[..3], &[0x1f, 0x8b, 8]);
        let configured = pipeline::configure(load(VALUES, "v.env")).unwrap();
        let expected = configured.chart().unwrap();
        assert_eq!(out["name"], expected.archive_name());
        assert_eq!(
            bytes,
            bundle::tar_gz(expected.name, &expected.files).unwrap()
        );
        let (bad, none) = chart("NODE_CPU=lots\n", "v.env");
        assert_eq!(bad["exit_code"], exit::INVALID);
        assert!(none.is_empty());
    }

    #[test]
    fn update_gives_what_check_render_and_outputs_give() {
        let profiles = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../values"))
            .unwrap()
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap());
        let bad = ["NODE_CPU=lots\n", "TOS_HOTS=1\n", "A=\"open\n", ""].map(String::from);
        for text in profiles.chain(bad) {
            let updated = update(&text, "values.env");
            assert_eq!(updated["check"], check(&text, "values.env"), "{text}");
            if updated["check"]["exit_code"] == exit::OK {
                assert_eq!(updated["render"], render(&text, "values.env"), "{text}");
                assert_eq!(updated["outputs"], outputs(&text, "values.env"), "{text}");
            } else {
                assert_eq!(updated["render"], Value::Null);
                assert_eq!(updated["outputs"], Value::Null);
            }
        }
    }

    #[test]
    fn graph_is_what_napgen_graph_draws() {
        let drawn = graph(VALUES, "values.env");
        assert_eq!(drawn["exit_code"], exit::OK, "{}", drawn["messages"]);
        let configured = pipeline::configure(load(VALUES, "values.env")).unwrap();
        let expected = graph::graph(&configured.render().unwrap());
        assert_eq!(drawn["svg"], graph::svg(&expected));
        assert_eq!(drawn["dot"], graph::dot(&expected));
        assert!(drawn["svg"].as_str().unwrap().starts_with("<svg "));
        let bad = graph("NODE_CPU=lots\n", "values.env");
        assert_eq!(bad["exit_code"], exit::INVALID);
        assert!(bad["messages"].as_str().unwrap().contains("NODE_CPU"));
    }

    #[test]
    fn diff_compares_the_installs_of_two_values_files() {
        let same = diff(VALUES, "a.env", VALUES, "b.env");
        assert_eq!(same["exit_code"], exit::OK, "{}", same["messages"]);
        let changed = set_value(VALUES, "NAMESPACE", "other");
        let differs = diff(VALUES, "a.env", &changed, "b.env");
        assert_eq!(
            differs["exit_code"],
            exit::DIFFERENT,
            "{}",
            differs["messages"]
        );
        assert!(!differs["text"].as_str().unwrap().is_empty());
        let bad = diff("NODE_CPU=lots\n", "a.env", VALUES, "b.env");
        assert_eq!(bad["exit_code"], exit::INVALID);
    }
}

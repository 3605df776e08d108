//! The exports without JavaScript types: each returns the JSON the page receives, built from the
//! same core calls and message texts the command line uses.

use napgen_core::config::sources::Loaded;
use napgen_core::diagnostic::Diagnostic;
use napgen_core::error::{exit, Error};
use napgen_core::ops::init::{self, Random};
use napgen_core::ops::reference;
use napgen_core::ops::toggle::{self, Switch};
use napgen_core::pipeline;
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
    let (diagnostics, valid) = match pipeline::configure(load(text, file_name)) {
        Ok(configured) => (configured.warnings, true),
        Err(Error::Invalid(diagnostics)) => (diagnostics, false),
        Err(failure) => {
            return json!({
                "report": "",
                "messages": failure.render(false),
                "exit_code": failure.exit_code(),
            })
        }
    };
    json!({
        "report": pipeline::check_json(&diagnostics, valid),
        "messages": "",
        "exit_code": if valid { exit::OK } else { exit::INVALID },
    })
}

/// `napgen keys --format json`.
pub fn keys() -> String {
    reference::json(None)
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
}

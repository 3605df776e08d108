//! napgen's core for a browser page or Node.js, built for `wasm32-unknown-unknown` with
//! wasm-bindgen (`scripts/wasm-build`). Each export is a thin call into [`napgen_core`] with plain
//! strings and JSON in and out, so what a page validates and renders is byte for byte what the
//! command line prints for the same file:
//!
//! | export | the command it equals |
//! |---|---|
//! | `render(text, fileName)` | `napgen render -f fileName` |
//! | `check(text, fileName)` | `napgen check -f fileName --format json` |
//! | `keys()` | `napgen keys --format json` |
//! | `init(profile, with, without, sets, random)` | `napgen init ... -o values.env` |
//! | `switchModules(text, fileName, on, modules, random)` | `napgen enable/disable ... -f fileName` |
//! | `outputs(text, fileName)` | `napgen prereqs`, `napgen images` (text and mirror), OpenSandbox's values |
//! | `chart(text, fileName)` | `napgen chart -f fileName` (the archive's bytes) |
//! | `diff(textA, nameA, textB, nameB)` | `napgen diff nameA nameB` of two values files |
//! | `graph(text, fileName)` | `napgen graph -f fileName` (SVG) and `--format dot` |
//!
//! and, for a form over a values file: `update(text, fileName)` (`check`, `render` and `outputs`
//! from one validation and one render), `registry()` (the keys of `keys()` with their examples, the
//! modules they are grouped in), `values(text, fileName)` (the file's assignments) and
//! `setValue(text, key, value)` (one value changed, every other byte kept).
//!
//! Results that can fail are objects with `exit_code` (the command's exit code) and `messages`
//! (what the command prints on standard error, without colour). `random` is a JavaScript function
//! that fills the `Uint8Array` it is given with secure random bytes:
//! `(buf) => crypto.getRandomValues(buf)`.
//!
//! The functions of [`api`] are the same calls without JavaScript types, for native tests.

pub mod api;

use wasm_bindgen::prelude::*;

/// The JSON text `json` as a JavaScript value.
fn to_js(json: &serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&json.to_string()).expect("serde_json writes JSON that JSON.parse reads")
}

/// A random source that asks the JavaScript function `fill` to fill each buffer.
fn js_random(fill: &js_sys::Function) -> impl FnMut(&mut [u8]) -> Result<(), String> + '_ {
    move |buf: &mut [u8]| {
        let len = u32::try_from(buf.len()).map_err(|_| "buffer too large".to_string())?;
        let array = js_sys::Uint8Array::new_with_length(len);
        fill.call1(&JsValue::NULL, &array)
            .map_err(|e| format!("the random function failed: {e:?}"))?;
        array.copy_to(buf);
        Ok(())
    }
}

/// `napgen render -f fileName` of `text`: `{ bundle, diagnostics, messages, exit_code }`.
#[wasm_bindgen]
pub fn render(text: &str, file_name: &str) -> JsValue {
    to_js(&api::render(text, file_name))
}

/// `napgen check -f fileName --format json` of `text`: `{ report, messages, exit_code }`, where
/// `report` is the JSON text it prints.
#[wasm_bindgen]
pub fn check(text: &str, file_name: &str) -> JsValue {
    to_js(&api::check(text, file_name))
}

/// What `napgen keys --format json` prints: every key of the registry.
#[wasm_bindgen]
pub fn keys() -> String {
    api::keys()
}

/// A new values.env, as `napgen init --profile ... --with ... --without ... --set ...` writes it:
/// `{ text, secrets, required, messages, exit_code }`.
#[wasm_bindgen]
pub fn init(
    profile: String,
    with: Vec<String>,
    without: Vec<String>,
    sets: Vec<String>,
    random: &js_sys::Function,
) -> JsValue {
    let request = napgen_core::ops::init::Request {
        profile,
        with,
        without,
        sets,
    };
    to_js(&api::init(&request, &mut js_random(random)))
}

/// `napgen enable` (`on`) or `napgen disable` of `modules` in `text`, the file `fileName`:
/// `{ text, messages, exit_code }`.
#[wasm_bindgen(js_name = switchModules)]
pub fn switch_modules(
    text: &str,
    file_name: &str,
    on: bool,
    modules: Vec<String>,
    random: &js_sys::Function,
) -> JsValue {
    to_js(&api::switch(
        text,
        file_name,
        on,
        &modules,
        &mut js_random(random),
    ))
}

/// The registry for a form: `{ profiles, modules: [{ name, title, toggle, optional }], keys }`,
/// where `keys` is `keys()` with each key's `example`.
#[wasm_bindgen]
pub fn registry() -> JsValue {
    to_js(&api::registry())
}

/// The assignments of `text`, `{ values: { KEY: value }, modules }`: `modules` are the modules the
/// file switches on (empty while it is invalid).
#[wasm_bindgen]
pub fn values(text: &str, file_name: &str) -> JsValue {
    to_js(&api::values(text, file_name))
}

/// `text` with `key` set to `value`, quoted as `napgen init` quotes it; every other byte kept.
#[wasm_bindgen(js_name = setValue)]
pub fn set_value(text: &str, key: &str, value: &str) -> String {
    api::set_value(text, key, value)
}

/// What `napgen prereqs` and `napgen images` print for `text`, and OpenSandbox's values file:
/// `{ prereqs, secret_commands, images, mirror, sandbox_values, messages, exit_code }`.
#[wasm_bindgen]
pub fn outputs(text: &str, file_name: &str) -> JsValue {
    to_js(&api::outputs(text, file_name))
}

/// `napgen chart -f fileName`: `{ name, archive, messages, exit_code }`, `archive` the bytes of
/// the `.tgz` as a `Uint8Array` (empty when it fails).
#[wasm_bindgen]
pub fn chart(text: &str, file_name: &str) -> JsValue {
    let (result, bytes) = api::chart(text, file_name);
    let object = to_js(&result);
    let archive = js_sys::Uint8Array::from(bytes.as_slice());
    js_sys::Reflect::set(&object, &JsValue::from_str("archive"), &archive)
        .expect("setting a property of a plain object");
    object
}

/// What the page shows after each change, from one validation and one render:
/// `{ check, render, outputs }`, each what the export of that name returns (`render` and
/// `outputs` null while `text` is invalid).
#[wasm_bindgen]
pub fn update(text: &str, file_name: &str) -> JsValue {
    to_js(&api::update(text, file_name))
}

/// `napgen graph -f fileName` of `text`: `{ svg, dot, messages, exit_code }`.
#[wasm_bindgen]
pub fn graph(text: &str, file_name: &str) -> JsValue {
    to_js(&api::graph(text, file_name))
}

/// `napgen diff nameA nameB` of two values files: `{ text, messages, exit_code }`.
#[wasm_bindgen]
pub fn diff(text_a: &str, name_a: &str, text_b: &str, name_b: &str) -> JsValue {
    to_js(&api::diff(text_a, name_a, text_b, name_b))
}

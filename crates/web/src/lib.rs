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

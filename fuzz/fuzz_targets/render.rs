//! load → validate → plan → render → emit over arbitrary input; the properties are in
//! `napgen_core::fuzzing::check`, which `tests/fuzz_regressions.rs` also runs on saved inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| napgen_core::fuzzing::check(data));

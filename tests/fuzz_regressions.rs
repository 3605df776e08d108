//! Every input the fuzzer ever crashed on (fuzz/regressions/render/) must now pass its checks.

#[test]
fn saved_fuzz_inputs_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/render");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        napgen_core::fuzzing::check(&std::fs::read(&path).unwrap());
        count += 1;
    }
    assert!(count > 0, "no saved inputs found");
}

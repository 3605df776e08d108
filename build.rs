//! Embeds every file under templates/ into the binary, in sorted order, so napgen never reads
//! templates from disk at run time.
use std::{env, fs, path::Path};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut entries: Vec<(String, String)> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("templates/ is readable"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            println!("cargo:rerun-if-changed={}", e.path().display());
            let name = e
                .path()
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (name, e.path().display().to_string())
        })
        .collect();
    entries.sort();
    let mut out = String::from("/// Every template, by its path under templates/.\npub static TEMPLATES: &[(&str, &str)] = &[\n");
    for (name, path) in entries {
        out.push_str(&format!("    ({name:?}, include_str!({path:?})),\n"));
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("templates.rs"),
        out,
    )
    .unwrap();
}

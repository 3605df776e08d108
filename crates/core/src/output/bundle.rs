//! Output text: objects → a multi-document bundle, the files of `render --split`, and
//! reproducible chart archives. Writing them to disk is the command line's job.

use crate::output::yaml;
use crate::render::Object;
use std::io;

/// One object as YAML, preceded by a `# Source:` line naming its template.
pub fn object_yaml(object: &Object) -> String {
    let mut out = String::new();
    write_object(&mut out, object);
    out
}

/// [`object_yaml`], appended to `out`.
fn write_object(out: &mut String, object: &Object) {
    out.push_str("# Source: ");
    out.push_str(object.source);
    out.push('\n');
    out.push_str(&yaml::to_yaml(&object.value));
}

/// The multi-document bundle for `kubectl apply`: each object after a `---` line.
pub fn bundle(objects: &[Object], header: &str) -> String {
    let mut out = bundle_start(header);
    for object in objects {
        out.push_str("---\n");
        write_object(&mut out, object);
    }
    out
}

/// The start of a bundle: the header as comment lines, in a buffer with room for a large
/// install, so that the text is not copied while it grows (only the pages written are used).
pub fn bundle_start(header: &str) -> String {
    let mut out = String::with_capacity(1 << 18);
    for line in header.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `NN-kind-name.yaml`: the number keeps install order when the folder is listed.
pub fn split_file_name(index: usize, object: &Object) -> String {
    format!(
        "{index:02}-{}-{}.yaml",
        object.kind().to_ascii_lowercase(),
        object.name()
    )
}

/// The files of `render --split`: one per object plus a `kustomization.yaml` listing them.
pub fn split_files(objects: &[Object], header: &str) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut kustomization = String::new();
    for line in header.lines() {
        kustomization.push_str(&format!("# {line}\n"));
    }
    kustomization
        .push_str("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n");
    for (i, object) in objects.iter().enumerate() {
        let name = split_file_name(i + 1, object);
        kustomization.push_str(&format!("  - {name}\n"));
        files.push((name, object_yaml(object).into_bytes()));
    }
    files.push(("kustomization.yaml".to_string(), kustomization.into_bytes()));
    files
}

/// The modification time of every archive entry: the Unix epoch, so the archive depends on
/// nothing but its content.
pub const ARCHIVE_MTIME: u64 = 0;

/// A gzipped tar archive of `files` under `<prefix>/`, byte-for-byte reproducible: entries sorted
/// by path, regular files only (like `helm package`), mode 0644, uid/gid 0 with empty owner
/// names, mtime [`ARCHIVE_MTIME`], and a gzip header with mtime 0 and no file name.
pub fn tar_gz(prefix: &str, files: &[(String, Vec<u8>)]) -> io::Result<Vec<u8>> {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    for (name, bytes) in sorted {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(ARCHIVE_MTIME);
        tar.append_data(&mut header, format!("{prefix}/{name}"), bytes.as_slice())?;
    }
    tar.into_inner()?.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_is_reproducible_and_sorted() {
        let files = vec![
            ("values.yaml".to_string(), b"a: 1\n".to_vec()),
            ("Chart.yaml".to_string(), b"name: x\n".to_vec()),
            (format!("templates/{}.yaml", "d".repeat(120)), b"".to_vec()),
        ];
        let bytes = tar_gz("x", &files).unwrap();
        assert_eq!(bytes, tar_gz("x", &files).unwrap());
        // gzip header: magic, deflate, no flags (no file name), mtime 0.
        assert_eq!(&bytes[..8], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let h = entry.header();
            assert_eq!(h.entry_type(), tar::EntryType::Regular);
            assert_eq!(h.mode().unwrap(), 0o644);
            assert_eq!(h.mtime().unwrap(), ARCHIVE_MTIME);
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
            assert_eq!(h.username().unwrap(), Some(""));
            assert_eq!(h.groupname().unwrap(), Some(""));
            seen.push(entry.path().unwrap().to_string_lossy().into_owned());
        }
        let long = format!("x/templates/{}.yaml", "d".repeat(120));
        assert_eq!(seen, vec!["x/Chart.yaml", long.as_str(), "x/values.yaml"]);
    }
}

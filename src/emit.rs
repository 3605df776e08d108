//! Emitting: objects → bundle text, a file written atomically, or a folder of one file per object.

use crate::render::Object;
use crate::yaml;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The file napgen leaves in every folder it writes, listing what it wrote. Its presence is what
/// allows napgen to replace the folder later; napgen never replaces a folder without it.
pub const MARKER: &str = ".napgen";

/// One object as YAML, preceded by a `# Source:` line naming its template.
pub fn object_yaml(object: &Object) -> String {
    let mut out = String::new();
    write_object(&mut out, object);
    out
}

/// [`object_yaml`], appended to `out`.
pub(crate) fn write_object(out: &mut String, object: &Object) {
    write_document(out, object.source, &object.value);
}

/// An object's `# Source:` line and YAML, appended to `out`: of an [`Object`], or of a document
/// written straight from its template ([`crate::render::Rendering::write_bundle`]).
pub(crate) fn write_document<'a>(out: &mut String, source: &str, value: impl yaml::Tree<'a>) {
    out.push_str("# Source: ");
    out.push_str(source);
    out.push('\n');
    yaml::write_yaml(out, value);
}

/// The multi-document bundle for `kubectl apply`.
pub fn bundle(objects: &[Object], header: &str) -> String {
    let mut out = bundle_start(header);
    for object in objects {
        write_bundle_document(&mut out, object.source, &object.value);
    }
    out
}

/// One document of a bundle: `---`, then [`write_document`].
pub(crate) fn write_bundle_document<'a>(
    out: &mut String,
    source: &str,
    value: impl yaml::Tree<'a>,
) {
    out.push_str("---\n");
    write_document(out, source, value);
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

/// Why an output could not be written.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
    pub help: String,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "error: {}: {}\n  help: {}",
            self.path.display(),
            self.message,
            self.help
        )
    }
}

fn io_error(path: &Path, e: io::Error) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        message: e.to_string(),
        help: "check that the folder exists and is writable".into(),
    }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Write a file atomically: a temporary file beside it, then a rename. Readers see the old file or
/// the new one, never half of one, and a failure leaves nothing behind.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".napgen-")
        .tempfile_in(parent_of(path))
        .map_err(|e| io_error(path, e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| io_error(path, e))?;
    tmp.persist(path).map_err(|e| io_error(path, e.error))?;
    Ok(())
}

/// Write a file that holds secrets: created with mode 0600 (owner read/write only) before a byte
/// is written, then renamed into place. Unless `replace` is set, an existing file is never
/// replaced, not even one created while napgen was writing (the final step is a no-clobber link).
pub fn write_private_file(path: &Path, bytes: &[u8], replace: bool) -> Result<(), WriteError> {
    if !replace && (path.exists() || path.is_symlink()) {
        return Err(exists_error(path));
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".napgen-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    let mut tmp = builder
        .tempfile_in(parent_of(path))
        .map_err(|e| io_error(path, e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| io_error(path, e))?;
    let result = if replace {
        tmp.persist(path).map(drop)
    } else {
        tmp.persist_noclobber(path).map(drop)
    };
    result.map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            exists_error(path)
        } else {
            io_error(path, e.error)
        }
    })
}

fn exists_error(path: &Path) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        message: "already exists; napgen does not overwrite it".into(),
        help: "use --force to replace it (its secrets are lost unless you keep a copy), or write elsewhere with -o FILE".into(),
    }
}

/// Write a folder atomically: build it beside the target, then swap it in. An existing folder is
/// replaced only if napgen wrote it (it holds [`MARKER`]) or it is empty.
pub fn write_dir_atomic(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), WriteError> {
    let staged = StagedDir::new(dir)?;
    for (name, bytes) in files {
        staged.write(name, bytes)?;
    }
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    staged.commit(&names)
}

/// A folder being written: files go into a staging folder beside the target, which replaces
/// the target only at [`commit`](Self::commit). Dropped without a commit, it leaves nothing
/// behind. Files may be written from several threads at once.
pub struct StagedDir {
    dir: PathBuf,
    parent: PathBuf,
    staging: tempfile::TempDir,
}

impl StagedDir {
    /// Start writing `dir`. Fails at once if `dir` exists and napgen did not write it (it holds
    /// no [`MARKER`] and is not empty).
    pub fn new(dir: &Path) -> Result<Self, WriteError> {
        if dir.exists() {
            let is_dir = dir.is_dir();
            let empty = is_dir
                && fs::read_dir(dir)
                    .map(|mut d| d.next().is_none())
                    .unwrap_or(false);
            if !is_dir || (!empty && !dir.join(MARKER).is_file()) {
                return Err(WriteError {
                    path: dir.to_path_buf(),
                    message: "exists and was not written by napgen; refusing to replace it".into(),
                    help: "choose a new folder, or remove this one yourself".into(),
                });
            }
        }
        let parent = parent_of(dir);
        let staging = tempfile::Builder::new()
            .prefix(".napgen-")
            .tempdir_in(&parent)
            .map_err(|e| io_error(dir, e))?;
        Ok(StagedDir {
            dir: dir.to_path_buf(),
            parent,
            staging,
        })
    }

    /// Write one file (`name` may hold `/`-separated folders).
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let path = self.staging.path().join(name);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(|e| io_error(&self.dir, e))?;
        }
        fs::write(&path, bytes).map_err(|e| io_error(&self.dir, e))
    }

    /// Mark the folder as napgen's, listing `names` in [`MARKER`], and swap it in.
    pub fn commit(self, names: &[&str]) -> Result<(), WriteError> {
        let dir = &self.dir;
        let mut listing =
            String::from("# Written by napgen, which may replace this folder. Files:\n");
        for name in names {
            listing.push_str(name);
            listing.push('\n');
        }
        fs::write(self.staging.path().join(MARKER), listing).map_err(|e| io_error(dir, e))?;

        // Swap: move the old folder aside, move the new one in, then delete the old one.
        let old = tempfile::Builder::new()
            .prefix(".napgen-old-")
            .tempdir_in(&self.parent)
            .map_err(|e| io_error(dir, e))?;
        let had_old = dir.exists();
        if had_old {
            fs::rename(dir, old.path().join("d")).map_err(|e| io_error(dir, e))?;
        }
        let staged = self.staging.keep();
        if let Err(e) = fs::rename(&staged, dir) {
            if had_old {
                let _ = fs::rename(old.path().join("d"), dir);
            }
            let _ = fs::remove_dir_all(&staged);
            return Err(io_error(dir, e));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_is_replaced_only_when_ours() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        write_dir_atomic(&dir, &[("a.yaml".into(), b"a".to_vec())]).unwrap();
        write_dir_atomic(&dir, &[("b.yaml".into(), b"b".to_vec())]).unwrap();
        assert!(!dir.join("a.yaml").exists() && dir.join("b.yaml").exists());

        let foreign = root.path().join("foreign");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("keep.txt"), "mine").unwrap();
        let e = write_dir_atomic(&foreign, &[("a.yaml".into(), b"a".to_vec())]).unwrap_err();
        assert!(e.to_string().contains("not written by napgen"), "{e}");
        assert_eq!(
            fs::read_to_string(foreign.join("keep.txt")).unwrap(),
            "mine"
        );
        // Nothing is left behind beside the folders.
        let names: Vec<_> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

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

    #[test]
    fn file_write_is_atomic() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("bundle.yaml");
        write_file_atomic(&path, b"one").unwrap();
        write_file_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
        assert!(write_file_atomic(&root.path().join("missing/x.yaml"), b"x").is_err());
    }

    #[test]
    fn private_file_is_0600_and_never_clobbered() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("values.env");
        write_private_file(&path, b"one", false).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let e = write_private_file(&path, b"two", false).unwrap_err();
        assert!(e.to_string().contains("--force"), "{e}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "one");
        write_private_file(&path, b"three", true).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "three");
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }
}

//! Emitting: objects → bundle text, a file written atomically, or a folder of one file per object.

use crate::interrupt;
use napgen_core::error::Error;
use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The file napgen leaves in every folder it writes, listing what it wrote. napgen replaces a
/// non-empty folder only when this is a regular file starting with [`MARKER_HEADER`] and every
/// entry of the folder is one it lists.
pub const MARKER: &str = ".napgen";

/// The first line of [`MARKER`]; the files napgen wrote follow, one a line.
pub const MARKER_HEADER: &str = "# Written by napgen, which may replace this folder. Files:\n";

/// The mode of every file napgen writes, whatever the umask: owner read and write only, since
/// bundles, charts and values files can hold secrets.
pub const FILE_MODE: u32 = 0o600;

/// The mode of every folder napgen writes, whatever the umask: owner only.
pub const DIR_MODE: u32 = 0o700;

/// How napgen's temporary files and staging folders are named: this prefix and six random
/// letters or digits, beside what they will replace.
pub const TEMP_PREFIX: &str = ".napgen-";

/// `path` could not be written: what went wrong, and what to do.
fn write_error(path: &Path, message: impl Into<String>, help: impl Into<String>) -> Error {
    Error::io_at(path.display().to_string(), message, help)
}

fn io_error(path: &Path, e: io::Error) -> Error {
    write_error(
        path,
        e.to_string(),
        "check that the folder exists and is writable",
    )
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Where bytes for a path go.
#[derive(Debug, PartialEq, Eq)]
enum Destination {
    /// A regular file, or nothing yet: replaced atomically by a temporary file renamed over it.
    /// Symbolic links are followed, so this is the file they lead to.
    Replace(PathBuf),
    /// A device, a FIFO, a socket, or a file named through `/proc` (`/dev/stdout`): written
    /// directly, never replaced.
    Direct,
}

/// Follow `path` through symbolic links to what a write should go to.
fn destination(path: &Path) -> Result<Destination, Error> {
    let mut current = path.to_path_buf();
    // Linux's own limit on links followed in one lookup.
    for _ in 0..40 {
        let meta = match fs::symlink_metadata(&current) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Destination::Replace(current))
            }
            Err(e) => return Err(io_error(path, e)),
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            let folder = parent_of(&current);
            // `/dev/stdout` → `/proc/self/fd/1`: such a link names an open file, which may be a
            // pipe or a terminal; its text is not a path to replace.
            if fs::canonicalize(&folder).is_ok_and(|f| f.starts_with("/proc")) {
                return Ok(Destination::Direct);
            }
            let target = fs::read_link(&current).map_err(|e| io_error(path, e))?;
            current = folder.join(target);
        } else if kind.is_file() {
            return Ok(Destination::Replace(current));
        } else if kind.is_dir() {
            return Err(write_error(path, "is a folder", "give a file name"));
        } else {
            return Ok(Destination::Direct);
        }
    }
    Err(write_error(
        path,
        "too many levels of symbolic links",
        "check where the link leads",
    ))
}

/// Write `bytes` to a device, FIFO or open file as it is, without creating or replacing it.
fn write_direct(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let result = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut file| file.write_all(bytes).and_then(|_| file.flush()));
    match result {
        // A reader that went away (`-o /dev/stdout | head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| io_error(path, e)),
    }
}

/// Write a file atomically: a temporary file (mode [`FILE_MODE`]) beside it, then a rename.
/// Readers see the old file or the new one, never half of one, and a failure or an interrupt
/// leaves nothing behind. A symbolic link is written through (the file it leads to is replaced,
/// with the temporary file in that file's folder); a device, FIFO or `/dev/stdout` is written
/// directly; nothing but a regular file is ever replaced.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    match destination(path)? {
        Destination::Direct => write_direct(path, bytes),
        Destination::Replace(target) => {
            let mut temp = written_temp(&target, bytes)?;
            temp.rename_over(&target).map_err(|e| io_error(path, e))
        }
    }
}

/// A temporary file beside `target` holding `bytes`, on disk.
fn written_temp(target: &Path, bytes: &[u8]) -> Result<Temp, Error> {
    let folder = parent_of(target);
    remove_leftovers(&folder);
    let mut temp = Temp::file(&folder).map_err(|e| io_error(target, e))?;
    let file = temp.file.as_mut().expect("a temporary file is open");
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| io_error(target, e))?;
    Ok(temp)
}

/// Write a file that holds secrets, as [`write_file_atomic`] does (mode [`FILE_MODE`] before a
/// byte is written). Unless `replace` is set, an existing file is never replaced, not even one
/// created while napgen was writing (the final step is a no-clobber rename).
pub fn write_private_file(path: &Path, bytes: &[u8], replace: bool) -> Result<(), Error> {
    if !replace && (path.exists() || path.is_symlink()) {
        return Err(exists_error(path));
    }
    let target = match destination(path)? {
        Destination::Direct => return write_direct(path, bytes),
        Destination::Replace(target) => target,
    };
    let mut temp = written_temp(&target, bytes)?;
    let result = if replace {
        temp.rename_over(&target)
    } else {
        temp.rename_beside(&target)
    };
    result.map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            exists_error(path)
        } else {
            io_error(path, e)
        }
    })
}

fn exists_error(path: &Path) -> Error {
    write_error(
        path,
        "already exists; napgen does not overwrite it",
        "use --force to replace it (its secrets are lost unless you keep a copy), or write elsewhere with -o FILE",
    )
}

/// A temporary file or folder napgen is writing, named [`TEMP_PREFIX`]`XXXXXX` beside what it
/// will replace. While it exists it is locked (so that another run does not take it for a
/// leftover) and registered with [`interrupt`] (so that SIGINT or SIGTERM removes it). Dropped
/// without having been renamed into place, it is removed.
struct Temp {
    path: PathBuf,
    /// The open file, for a temporary file.
    file: Option<File>,
    /// Holds the lock: the file itself, or the folder opened for reading.
    _lock: File,
    renamed: bool,
}

impl Temp {
    /// A new empty file, mode [`FILE_MODE`].
    fn file(folder: &Path) -> io::Result<Temp> {
        Temp::create(folder, false)
    }

    /// A new empty folder, mode [`DIR_MODE`].
    fn dir(folder: &Path) -> io::Result<Temp> {
        Temp::create(folder, true)
    }

    fn create(folder: &Path, is_dir: bool) -> io::Result<Temp> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(TEMP_PREFIX).rand_bytes(6);
        loop {
            let mut pending = interrupt::lock();
            let (lock, path) = if is_dir {
                let path = builder.tempdir_in(folder)?.keep();
                match File::open(&path) {
                    Ok(lock) => {
                        pending.add(&path);
                        (lock, path)
                    }
                    // Another run took the new folder for a leftover and removed it.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => {
                        let _ = fs::remove_dir(&path);
                        return Err(e);
                    }
                }
            } else {
                let (file, path) = builder.tempfile_in(folder)?.keep().map_err(|e| e.error)?;
                pending.add(&path);
                (file, path)
            };
            drop(pending);
            let mut temp = Temp {
                path,
                file: None,
                _lock: lock,
                renamed: false,
            };
            set_mode(&temp._lock, if is_dir { DIR_MODE } else { FILE_MODE })?;
            // Another run may have taken the new name for a leftover and removed it before the
            // lock was taken: then start again under a new name.
            if !lock_exclusive(&temp._lock, true)? || !still_linked(&temp._lock)? {
                continue;
            }
            if !is_dir {
                temp.file = Some(temp._lock.try_clone()?);
            }
            return Ok(temp);
        }
    }

    /// Rename to `target`, which must not exist.
    fn rename_beside(&mut self, target: &Path) -> io::Result<()> {
        let mut pending = interrupt::lock();
        rename_no_replace(&self.path, target)?;
        pending.forget(&self.path);
        self.renamed = true;
        Ok(())
    }

    /// Rename over `target`, replacing it.
    fn rename_over(&mut self, target: &Path) -> io::Result<()> {
        let mut pending = interrupt::lock();
        fs::rename(&self.path, target)?;
        pending.forget(&self.path);
        self.renamed = true;
        Ok(())
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if self.renamed {
            return;
        }
        let mut pending = interrupt::lock();
        let removed = match fs::symlink_metadata(&self.path) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(&self.path),
            Ok(_) => fs::remove_file(&self.path),
            Err(_) => Ok(()),
        };
        drop(removed);
        pending.forget(&self.path);
    }
}

/// Set a file's mode exactly, whatever the umask was when it was created.
fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, mode);
        Ok(())
    }
}

/// Take `file`'s exclusive lock, waiting for it when `wait`; false if another process holds it.
fn lock_exclusive(file: &File, wait: bool) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let operation = libc::LOCK_EX | if wait { 0 } else { libc::LOCK_NB };
        // SAFETY: the descriptor is open for as long as `file` lives.
        if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::WouldBlock {
            Ok(false)
        } else {
            Err(e)
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, wait);
        Ok(true)
    }
}

/// Whether `file` still has a name (it was not removed).
fn still_linked(file: &File) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(file.metadata()?.nlink() > 0)
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(true)
    }
}

/// Whether `name` is one napgen gives its temporary files and folders.
fn is_temp_name(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .and_then(|n| n.strip_prefix(TEMP_PREFIX))
        .is_some_and(|rest| rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Remove what a killed run (SIGKILL, a crash, a power cut) left in `folder`: temporary files
/// and staging folders named as napgen names them, owned by this user, not locked by a run
/// still writing them, and, for folders, empty or holding napgen's [`MARKER`]. Best effort: what
/// cannot be removed stays, harmlessly.
pub fn remove_leftovers(folder: &Path) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        if is_temp_name(&entry.file_name()) {
            let _ = remove_if_leftover(&entry.path());
        }
    }
}

fn remove_if_leftover(path: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    if !(meta.is_file() || meta.is_dir()) {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        // SAFETY: geteuid cannot fail.
        if meta.uid() != unsafe { libc::geteuid() } {
            return Ok(());
        }
        let opened = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)?;
        let same = opened.metadata()?;
        if (same.dev(), same.ino()) != (meta.dev(), meta.ino()) || !lock_exclusive(&opened, false)?
        {
            return Ok(());
        }
        if meta.is_dir() {
            if staged_by_napgen(path) {
                fs::remove_dir_all(path)?;
            }
        } else {
            fs::remove_file(path)?;
        }
        drop(opened);
    }
    Ok(())
}

/// The most of a [`MARKER`] napgen reads: a listing of a few hundred file names.
const MARKER_LIMIT: u64 = 1 << 20;

/// The names a folder's [`MARKER`] lists (their first path component), if it is a regular file
/// napgen wrote.
fn marker_listing(dir: &Path) -> Result<HashSet<OsString>, String> {
    let marker = dir.join(MARKER);
    match fs::symlink_metadata(&marker) {
        Ok(m) if m.is_file() => {}
        Ok(_) => return Err(format!("its {MARKER} is not a regular file")),
        Err(_) => return Err(format!("it holds no {MARKER} file")),
    }
    let mut text = String::new();
    let read = open_no_follow(&marker)
        .and_then(|f| f.take(MARKER_LIMIT).read_to_string(&mut text))
        .is_ok();
    let Some(listing) = text.strip_prefix(MARKER_HEADER).filter(|_| read) else {
        return Err(format!("its {MARKER} file was not written by napgen"));
    };
    Ok(listing
        .lines()
        .filter_map(|line| Path::new(line).components().next())
        .map(|c| c.as_os_str().to_os_string())
        .collect())
}

fn open_no_follow(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options.open(path)
}

fn entries(dir: &Path) -> io::Result<Vec<OsString>> {
    fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect()
}

/// Why napgen may not replace a folder.
enum Unreplaceable {
    /// It went away while napgen looked at it (another run replaced it).
    Vanished,
    Reason(String),
}

impl std::fmt::Display for Unreplaceable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreplaceable::Vanished => f.write_str("it went away while napgen looked at it"),
            Unreplaceable::Reason(r) => f.write_str(r),
        }
    }
}

/// Why napgen may not replace `dir`, if it may not. It may replace an empty folder, or one with a
/// [`MARKER`] it wrote that lists every entry of the folder; never a link, a file, or a folder
/// holding anything napgen did not write.
fn replaceable(dir: &Path) -> Result<(), Unreplaceable> {
    let reason = |r: &str| Err(Unreplaceable::Reason(r.into()));
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Unreplaceable::Vanished),
        Err(e) => return reason(&e.to_string()),
    };
    if meta.file_type().is_symlink() {
        return reason("it is a symbolic link");
    }
    if !meta.is_dir() {
        return reason("it is not a folder");
    }
    let names = match entries(dir) {
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Unreplaceable::Vanished),
        Err(e) => return reason(&e.to_string()),
    };
    if names.is_empty() {
        return Ok(());
    }
    let listed = marker_listing(dir);
    // The listing and the marker must come from the same folder, not one before and one after
    // another run swapped it.
    if !same_file(&meta, fs::symlink_metadata(dir).ok().as_ref()) {
        return Err(Unreplaceable::Vanished);
    }
    let listed = listed.map_err(Unreplaceable::Reason)?;
    match names.iter().find(|n| *n != MARKER && !listed.contains(*n)) {
        Some(name) => reason(&format!(
            "it holds {}, which napgen did not write",
            name.to_string_lossy()
        )),
        None => Ok(()),
    }
}

/// Whether `now` is still the file `before` was.
fn same_file(before: &fs::Metadata, now: Option<&fs::Metadata>) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        now.is_some_and(|now| (now.dev(), now.ino()) == (before.dev(), before.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = before;
        now.is_some()
    }
}

/// Whether a folder named as napgen's temporary folders was left by napgen: empty, or holding
/// a [`MARKER`] napgen wrote (a staging folder starts with one).
fn staged_by_napgen(dir: &Path) -> bool {
    entries(dir).is_ok_and(|names| names.is_empty()) || marker_listing(dir).is_ok()
}

fn refused(dir: &Path, reason: &str) -> Error {
    write_error(
        dir,
        format!("exists and was not written by napgen ({reason}); refusing to replace it"),
        "choose a new folder, or remove this one yourself",
    )
}

/// Rename `from` to `to` only if `to` does not exist (an `AlreadyExists` error otherwise).
fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    match renameat2(from, to, libc::RENAME_NOREPLACE) {
        // File systems without renameat2's flags: a hard link never replaces either.
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {}
        other => return other,
    }
    if fs::symlink_metadata(from)?.is_dir() {
        // Folders cannot be hard-linked; this check and rename are not one step.
        if fs::symlink_metadata(to).is_ok() {
            return Err(io::ErrorKind::AlreadyExists.into());
        }
        return fs::rename(from, to);
    }
    fs::hard_link(from, to)?;
    fs::remove_file(from)
}

#[cfg(target_os = "linux")]
fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let from = std::ffi::CString::new(from.as_os_str().as_bytes())?;
    let to = std::ffi::CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            flags,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Swap two existing paths in one step, so that neither is ever missing: on Linux
/// `renameat2(RENAME_EXCHANGE)`. `Unsupported` where the system or file system cannot.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    match renameat2(a, b, libc::RENAME_EXCHANGE) {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Err(io::ErrorKind::Unsupported.into()),
        other => other,
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Create `dir` and any missing folders above it, each of mode [`DIR_MODE`] whatever the umask.
/// Folders that exist already are left as they are.
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_private_dir_all(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => set_mode(&File::open(dir)?, DIR_MODE),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Write a folder atomically: build it beside the target, then swap it in. An existing folder is
/// replaced only if napgen wrote it (see [`StagedDir::new`]).
pub fn write_dir_atomic(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    let staged = StagedDir::new(dir)?;
    for (name, bytes) in files {
        staged.write(name, bytes)?;
    }
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    staged.commit(&names)
}

/// A folder being written: files go into a staging folder, which replaces the target only at
/// [`commit`](Self::commit). The staging folder is `new` inside a temporary folder beside the
/// target (named and locked like napgen's temporary files), and the old folder is swapped into
/// its place, so that neither is ever where another run would take it for a leftover. Files are
/// mode [`FILE_MODE`] and folders [`DIR_MODE`], whatever the umask. Dropped without a commit,
/// or interrupted by SIGINT or SIGTERM, it leaves nothing behind. Files may be written from
/// several threads at once.
pub struct StagedDir {
    dir: PathBuf,
    /// The temporary folder holding `staging`; removing it removes everything napgen staged.
    holder: Temp,
    staging: PathBuf,
}

impl StagedDir {
    /// Start writing `dir`. Fails at once if `dir` exists and napgen may not replace it: it is
    /// not a folder (a symbolic link included), or it is not empty and either its [`MARKER`] is
    /// missing, not a regular file, not napgen's, or does not list everything in the folder.
    pub fn new(dir: &Path) -> Result<Self, Error> {
        if fs::symlink_metadata(dir).is_ok() {
            // Listing a folder that another run swaps out and deletes meanwhile fails; the
            // folder in its place is then looked at again.
            let mut verdict = replaceable(dir);
            for _ in 0..10 {
                if !matches!(&verdict, Err(Unreplaceable::Vanished)) {
                    break;
                }
                verdict = replaceable(dir);
            }
            verdict.map_err(|reason| refused(dir, &reason.to_string()))?;
        }
        let parent = parent_of(dir);
        remove_leftovers(&parent);
        let holder = Temp::dir(&parent).map_err(|e| io_error(dir, e))?;
        let staging = holder.path.join("new");
        let staged = StagedDir {
            dir: dir.to_path_buf(),
            holder,
            staging,
        };
        // A marker from the start, so that what a killed run leaves is recognised as napgen's.
        staged.create_file(&staged.holder.path.join(MARKER), MARKER_HEADER.as_bytes())?;
        create_private_dir(&staged.staging).map_err(|e| io_error(dir, e))?;
        Ok(staged)
    }

    fn create_file(&self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(FILE_MODE);
        }
        options
            .open(path)
            .and_then(|mut file| {
                set_mode(&file, FILE_MODE)?;
                file.write_all(bytes)
            })
            .map_err(|e| io_error(&self.dir, e))
    }

    /// Write one file (`name` may hold `/`-separated folders).
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        let mut folder = self.staging.clone();
        let path = Path::new(name);
        if let Some(parent) = path.parent() {
            // Folder by folder, never creating the staging folder itself again if an interrupt
            // has removed it.
            for part in parent.components() {
                folder.push(part);
                match create_private_dir(&folder) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(io_error(&self.dir, e)),
                }
            }
        }
        self.create_file(&self.staging.join(path), bytes)
    }

    /// List `names` in the folder's [`MARKER`] and swap the folder in. On Linux the new folder
    /// and the old one trade places in one step (`renameat2` with `RENAME_EXCHANGE`), so a
    /// reader always finds a complete folder, old or new; the old one is then deleted. Where
    /// that is not available (other systems, some file systems), the old folder is moved aside
    /// and the new one moved in: for that moment the folder is missing.
    pub fn commit(self, names: &[&str]) -> Result<(), Error> {
        let mut listing = String::from(MARKER_HEADER);
        for name in names {
            listing.push_str(name);
            listing.push('\n');
        }
        self.create_file(&self.staging.join(MARKER), listing.as_bytes())?;
        let StagedDir {
            dir,
            holder,
            staging,
        } = self;
        loop {
            match exchange(&staging, &dir) {
                Ok(()) => {
                    // The old folder is now at `staging`. Another run may have put something
                    // in its place since `new` looked: if napgen may not replace it, swap it
                    // back untouched.
                    if let Err(reason) = replaceable(&staging) {
                        exchange(&staging, &dir).map_err(|e| io_error(&dir, e))?;
                        return Err(refused(&dir, &reason.to_string()));
                    }
                    // Dropping the holder deletes the old folder.
                    drop(holder);
                    return Ok(());
                }
                // Nothing to replace: move the new folder in, unless another run just did.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    match rename_no_replace(&staging, &dir) {
                        Ok(()) => return Ok(()),
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                        Err(e) => return Err(io_error(&dir, e)),
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Unsupported => {
                    return commit_by_two_renames(&dir, &holder.path, &staging)
                }
                Err(e) => return Err(io_error(&dir, e)),
            }
        }
    }
}

/// Create one folder of mode [`DIR_MODE`], whatever the umask.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir(dir)?;
    set_mode(&File::open(dir)?, DIR_MODE)
}

/// The fallback of [`StagedDir::commit`]: the old folder into the holder, then the new one into
/// place.
fn commit_by_two_renames(dir: &Path, holder: &Path, staging: &Path) -> Result<(), Error> {
    let old = holder.join("old");
    match fs::rename(dir, &old) {
        Ok(()) => {
            if let Err(reason) = replaceable(&old) {
                let _ = fs::rename(&old, dir);
                return Err(refused(dir, &reason.to_string()));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(dir, e)),
    }
    if let Err(e) = rename_no_replace(staging, dir) {
        let _ = fs::rename(&old, dir);
        return Err(io_error(dir, e));
    }
    Ok(())
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

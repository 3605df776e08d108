//! Writing files, as users run the binary: through symbolic links and to devices, modes
//! whatever the umask, interrupts, concurrent writers, the `.napgen` marker, and what napgen
//! agrees to read with `-f`. These tests run as root, as napgen may be run, and create their own
//! devices and FIFOs in temporary folders (never touching the system's).
#![cfg(unix)]

mod common;

use common::{napgen, stderr};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_napgen")
}

/// napgen's temporary files and folders (`.napgen-XXXXXX`) in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".napgen-"))
        .collect();
    names.sort();
    names
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// A character device node in a temporary folder (as root): `c 1 3` is the null device,
/// `c 1 5` the zero device.
fn mknod_char(path: &Path, major: u32, minor: u32) {
    let status = Command::new("mknod")
        .arg(path)
        .args(["c", &major.to_string(), &minor.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "mknod needs root");
}

/// Wait for `child` at most `limit`; kill it and fail the test past that.
fn wait_at_most(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("napgen did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_at_most(dir: &Path, args: &[&str], limit: Duration) -> (ExitStatus, String) {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = String::new();
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let _ = pipe.read_to_string(&mut err);
        err
    });
    let status = wait_at_most(&mut child, limit);
    (status, reader.join().unwrap())
}

/// A shell command line running napgen under `umask`.
fn napgen_with_umask(dir: &Path, umask: &str, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A profile with every secret set, the sandbox's API key included.
fn secret_values() -> String {
    fs::read_to_string(common::repo().join("values/all-modules.env")).unwrap()
}

fn bundle_of(dir: &Path, args: &[&str]) -> Vec<u8> {
    let mut all = vec!["render"];
    all.extend_from_slice(args);
    let out = napgen(dir, &all);
    assert!(out.status.success(), "{}", stderr(&out));
    out.stdout
}

#[test]
fn output_through_a_symlink_replaces_its_target_not_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("real")).unwrap();
    fs::write(d.join("real/bundle.yaml"), "old").unwrap();
    // A chain of links, one relative and one absolute.
    std::os::unix::fs::symlink("real/bundle.yaml", d.join("hop")).unwrap();
    std::os::unix::fs::symlink(d.join("hop"), d.join("out.yaml")).unwrap();
    let out = napgen(d, &["render", "-o", "out.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fs::symlink_metadata(d.join("out.yaml"))
        .unwrap()
        .is_symlink());
    assert!(fs::symlink_metadata(d.join("hop")).unwrap().is_symlink());
    assert_eq!(
        fs::read(d.join("real/bundle.yaml")).unwrap(),
        bundle_of(d, &[])
    );
    assert!(temporaries(d).is_empty() && temporaries(&d.join("real")).is_empty());

    // A dangling link: the file it names is created, in its own folder.
    std::os::unix::fs::symlink("real/new.yaml", d.join("dangling")).unwrap();
    let out = napgen(d, &["render", "-o", "dangling"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fs::symlink_metadata(d.join("dangling"))
        .unwrap()
        .is_symlink());
    assert!(d.join("real/new.yaml").is_file());
}

#[test]
fn output_to_a_fifo_or_a_device_is_written_directly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let expected = bundle_of(d, &[]);

    let fifo = d.join("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    let (status, err) = run_at_most(d, &["render", "-o", "pipe"], Duration::from_secs(60));
    assert!(status.success(), "{err}");
    // Checked first: had napgen replaced the FIFO, the reader would wait forever.
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(reader.join().unwrap(), expected);

    // A null device of our own: written to, still a device afterwards.
    let null = d.join("null");
    mknod_char(&null, 1, 3);
    for args in [
        &["render", "-o", "null"][..],
        &["chart", "--tgz", "null"],
        &["init", "-o", "null", "--force"],
    ] {
        let out = napgen(d, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let meta = fs::symlink_metadata(&null).unwrap();
        assert!(
            meta.file_type().is_char_device(),
            "{args:?} replaced the device"
        );
        assert_eq!(meta.rdev(), fs::metadata("/dev/null").unwrap().rdev());
    }
    assert!(temporaries(d).is_empty());
}

#[test]
fn output_to_an_open_file_link_writes_to_that_file() {
    // What /dev/stdout is: a link to /proc/self/fd/1. Our own link, so that the system's is never
    // at risk.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::os::unix::fs::symlink("/proc/self/fd/1", d.join("stdout")).unwrap();
    let out = napgen(d, &["render", "-o", "stdout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, bundle_of(d, &[]));
    assert!(fs::symlink_metadata(d.join("stdout")).unwrap().is_symlink());
    assert!(temporaries(d).is_empty());
}

#[test]
fn every_file_is_owner_only_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("values.env"), secret_values()).unwrap();
    fs::create_dir(d.join("envs")).unwrap();
    fs::write(d.join("envs/prod.env"), secret_values()).unwrap();
    let runs: [&[&str]; 6] = [
        &["prereqs", "--write-values", "prereqs/new", "--with-secret"],
        &["render", "--split", "split"],
        &["chart", "-o", "chart"],
        &["render", "--each", "envs", "--out-dir", "fleet"],
        &["render", "-o", "bundle.yaml"],
        &["chart", "--tgz", "chart.tgz"],
    ];
    for args in runs {
        let out = napgen_with_umask(d, "000", args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let mut checked = 0;
    for top in [
        "prereqs",
        "split",
        "chart",
        "fleet",
        "bundle.yaml",
        "chart.tgz",
    ] {
        for entry in walk(&d.join(top)) {
            let meta = fs::symlink_metadata(&entry).unwrap();
            let want = if meta.is_dir() { 0o700 } else { 0o600 };
            assert_eq!(mode(&entry), want, "{}", entry.display());
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked}");
    // The secrets are there, in files nobody else can read.
    let fleet = fs::read_to_string(d.join("fleet/prod.yaml")).unwrap();
    assert!(fleet.contains(&"4".repeat(64)));
}

/// `path` and everything under it.
fn walk(path: &Path) -> Vec<PathBuf> {
    let mut all = vec![path.to_path_buf()];
    if fs::symlink_metadata(path).unwrap().is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            all.extend(walk(&entry.unwrap().path()));
        }
    }
    all
}

#[test]
fn archive_entries_do_not_depend_on_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (umask, name) in [("000", "open.tgz"), ("077", "closed.tgz")] {
        let out = napgen_with_umask(d, umask, &["chart", "--tgz", name]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let open = fs::read(d.join("open.tgz")).unwrap();
    assert_eq!(open, fs::read(d.join("closed.tgz")).unwrap());
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(open.as_slice()));
    let mut entries = 0;
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        let header = entry.header();
        assert_eq!(header.mode().unwrap(), 0o644);
        assert_eq!((header.uid().unwrap(), header.gid().unwrap()), (0, 0));
        entries += 1;
    }
    assert!(entries > 10, "{entries}");
}

/// A fleet run that stops, its staging folder made, until someone writes to `blocker`: the
/// second environment's values file is a FIFO nobody has opened.
fn blocked_fleet_run(d: &Path, out_dir: &str) -> Child {
    if !d.join("envs").exists() {
        fs::create_dir(d.join("envs")).unwrap();
        fs::write(d.join("envs/a.env"), "NAMESPACE=aaa\n").unwrap();
        mkfifo(&d.join("envs/b.env"));
    }
    let child = Command::new(bin())
        .args(["render", "-j", "1", "--out-dir", out_dir])
        .args(["--each", "envs/a.env", "--each", "envs/b.env"])
        .current_dir(d)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
}

/// Wait until `d` holds a staging folder with the first environment written in it.
fn wait_for_staging(d: &Path, before: &[String]) -> PathBuf {
    let start = Instant::now();
    loop {
        for name in temporaries(d) {
            let path = d.join(&name);
            if !before.contains(&name) && path.join("new/a.yaml").is_file() {
                return path;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no staging folder"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn sigint_and_sigterm_leave_nothing_behind() {
    for (name, code) in [("INT", 130), ("TERM", 143)] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut child = blocked_fleet_run(d, "out");
        wait_for_staging(d, &[]);
        signal(&child, name);
        let status = wait_at_most(&mut child, Duration::from_secs(30));
        assert_eq!(status.code(), Some(code), "SIG{name}: {status:?}");
        assert!(temporaries(d).is_empty(), "SIG{name}: {:?}", temporaries(d));
        assert!(!d.join("out").exists());
    }
}

#[test]
fn leftovers_of_a_killed_run_are_removed_by_the_next_run_but_a_live_run_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut killed = blocked_fleet_run(d, "out");
    let leftover = wait_for_staging(d, &[]);
    signal(&killed, "KILL");
    wait_at_most(&mut killed, Duration::from_secs(30));
    assert!(
        leftover.exists(),
        "SIGKILL cannot be caught: the folder stays"
    );
    // A leftover temporary file too, as a killed `-o` would leave it.
    let leftover_file = d.join(".napgen-AbC123");
    fs::write(&leftover_file, "half a bundle").unwrap();
    fs::set_permissions(&leftover_file, fs::Permissions::from_mode(0o600)).unwrap();
    // Not napgen's: a folder named like a staging folder, holding something napgen did not write.
    fs::create_dir(d.join(".napgen-mine00")).unwrap();
    fs::write(d.join(".napgen-mine00/notes.txt"), "mine").unwrap();

    // A run still writing: its staging folder is locked.
    let mut live = blocked_fleet_run(d, "other");
    let live_staging = wait_for_staging(d, &temporaries(d));

    let out = napgen(d, &["render", "--split", "split"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!leftover.exists(), "the killed run's folder is still there");
    assert!(
        !leftover_file.exists(),
        "the killed run's file is still there"
    );
    assert!(d.join(".napgen-mine00/notes.txt").exists());
    assert!(
        live_staging.join("new/a.yaml").exists(),
        "a live run's folder was removed"
    );

    // `-o` cleans its folder as well.
    fs::write(&leftover_file, "half a bundle").unwrap();
    let out = napgen(d, &["render", "-o", "bundle.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!leftover_file.exists());
    assert!(live_staging.exists());

    signal(&live, "TERM");
    assert_eq!(
        wait_at_most(&mut live, Duration::from_secs(30)).code(),
        Some(143)
    );
    assert_eq!(temporaries(d), vec![".napgen-mine00"]);
}

#[test]
fn concurrent_split_writers_and_a_reader_always_find_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let namespaces = ["alpha", "bravo", "charlie", "delta"];
    // The folder each render gives, written alone.
    let mut expected = Vec::new();
    for ns in namespaces {
        let set = format!("NAMESPACE={ns}");
        let out = napgen(
            d,
            &["render", "--set", &set, "--split", &format!("ref-{ns}")],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        expected.push(read_tree(&d.join(format!("ref-{ns}"))));
    }
    let out = napgen(d, &["render", "--split", "shared"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (done, shared) = (done.clone(), d.join("shared"));
        std::thread::spawn(move || {
            let (mut looks, mut missing) = (0u64, 0u64);
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                looks += 1;
                if !fs::symlink_metadata(&shared).is_ok_and(|m| m.is_dir()) {
                    missing += 1;
                }
            }
            (looks, missing)
        })
    };
    let writers: Vec<_> = namespaces
        .iter()
        .map(|ns| {
            let d = d.to_path_buf();
            let set = format!("NAMESPACE={ns}");
            std::thread::spawn(move || {
                (0..6)
                    .map(|_| napgen(&d, &["render", "--set", &set, "--split", "shared"]))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for writer in writers {
        for out in writer.join().unwrap() {
            assert!(
                out.status.success(),
                "a concurrent writer failed: {}",
                stderr(&out)
            );
        }
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let (looks, missing) = reader.join().unwrap();
    assert!(looks > 100, "{looks}");
    assert_eq!(
        missing, 0,
        "the folder was missing {missing} times in {looks} looks"
    );
    let last = read_tree(&d.join("shared"));
    assert!(
        expected.contains(&last),
        "the folder is not one complete render"
    );
    assert!(temporaries(d).is_empty(), "{:?}", temporaries(d));
}

fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = walk(dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_marker_that_is_a_link_or_not_napgens_protects_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let elsewhere = d.join("elsewhere");
    // A real napgen marker elsewhere: even one napgen wrote, reached through a link, proves
    // nothing about this folder.
    let out = napgen(d, &["render", "--split", "theirs"]);
    assert!(out.status.success(), "{}", stderr(&out));
    fs::copy(d.join("theirs/.napgen"), &elsewhere).unwrap();

    let victim = d.join("victim");
    fs::create_dir(&victim).unwrap();
    fs::write(victim.join("kustomization.yaml"), "mine").unwrap();
    std::os::unix::fs::symlink(&elsewhere, victim.join(".napgen")).unwrap();
    let before = read_tree(&victim);
    let out = napgen(d, &["render", "--split", "victim"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    assert_eq!(read_tree(&victim), before);
    assert!(fs::symlink_metadata(victim.join(".napgen"))
        .unwrap()
        .is_symlink());

    // A regular marker with content napgen did not write.
    fs::remove_file(victim.join(".napgen")).unwrap();
    fs::write(victim.join(".napgen"), "kustomization.yaml\n").unwrap();
    let out = napgen(d, &["chart", "-o", "victim"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not written by napgen"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read(victim.join("kustomization.yaml")).unwrap(),
        b"mine"
    );

    // napgen's own folder, with a file of the user's added: not napgen's to delete.
    fs::write(d.join("theirs/notes.txt"), "mine").unwrap();
    let out = napgen(d, &["render", "--split", "theirs"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("notes.txt"), "{}", stderr(&out));
    assert!(d.join("theirs/notes.txt").exists());
    // A link in place of the folder is not replaced either.
    std::os::unix::fs::symlink("theirs", d.join("linked")).unwrap();
    let out = napgen(d, &["render", "--split", "linked"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(fs::symlink_metadata(d.join("linked")).unwrap().is_symlink());
    assert!(temporaries(d).is_empty());
}

#[test]
fn inputs_are_files_stdin_or_fifos_of_bounded_size() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let limit = Duration::from_secs(60);

    // The zero device never ends: refused at once, naming the file.
    let (status, err) = run_at_most(d, &["check", "-f", "/dev/zero"], limit);
    assert_eq!(status.code(), Some(4), "{err}");
    assert!(err.contains("/dev/zero") && err.contains("help:"), "{err}");
    // Any other device as well: our own null device.
    mknod_char(&d.join("null"), 1, 3);
    let (status, err) = run_at_most(d, &["render", "-f", "null"], limit);
    assert_eq!(status.code(), Some(4), "{err}");
    assert!(
        err.contains("null: cannot read values file: is a device"),
        "{err}"
    );

    // `napgen diff` reads its sides with a limit too, and refuses devices.
    let (status, err) = run_at_most(d, &["diff", "/dev/zero", "x.env"], limit);
    assert_eq!(status.code(), Some(4), "{err}");
    assert!(
        err.contains("/dev/zero: cannot read it: is a device") && err.contains("help:"),
        "{err}"
    );

    // A regular file past the limit (comments only, so the old reader accepted it).
    let big = "# padding padding padding padding padding padding padding padding\n"
        .repeat((5 << 20) / 66);
    fs::write(d.join("big.env"), &big).unwrap();
    let (status, err) = run_at_most(d, &["check", "-f", "big.env"], limit);
    assert_eq!(status.code(), Some(4), "{err}");
    assert!(
        err.contains("big.env") && err.contains("larger than 4 MiB"),
        "{err}"
    );
    // And on standard input.
    let mut child = Command::new(bin())
        .args(["check", "-f", "-"])
        .current_dir(d)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(big.as_bytes());
    });
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(wait_at_most(&mut child, limit).code(), Some(4), "{err}");
    assert!(
        err.contains("-: cannot read values file: larger than 4 MiB"),
        "{err}"
    );
    feeder.join().unwrap();

    // A FIFO is read (as `-f <(...)` gives one).
    mkfifo(&d.join("fifo.env"));
    let writer = {
        let fifo = d.join("fifo.env");
        std::thread::spawn(move || fs::write(fifo, "NAMESPACE=from-fifo\n").unwrap())
    };
    let out = napgen(d, &["render", "-f", "fifo.env"]);
    writer.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("namespace: from-fifo"));

    // A folder is not a values file.
    fs::create_dir(d.join("folder.env")).unwrap();
    let (status, err) = run_at_most(d, &["check", "-f", "folder.env"], limit);
    assert_eq!(status.code(), Some(4), "{err}");
    assert!(err.contains("is a folder"), "{err}");
}

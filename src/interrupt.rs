//! Interrupts during a write: on SIGINT or SIGTERM, napgen removes the temporary files and
//! staging folders it is writing, then exits with 128 + the signal's number (130, 143).
//!
//! [`install`] blocks both signals in every thread and waits for them on a thread of its own,
//! so the removal runs as ordinary code, not in a signal handler where almost nothing is safe.
//! Temporary paths are registered with [`lock`] held around their creation and around their
//! final rename, so the waiting thread sees each one either registered or not existing.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The registry of temporary paths, locked: what is created or renamed while it is held cannot
/// be half-way when an interrupt's removal runs.
pub struct Pending(MutexGuard<'static, Vec<PathBuf>>);

/// Lock the registry (waiting for an ongoing removal, which ends the process).
pub fn lock() -> Pending {
    Pending(PENDING.lock().unwrap_or_else(|e| e.into_inner()))
}

impl Pending {
    /// Remove `path` (file or folder) if the process is interrupted.
    pub fn add(&mut self, path: &Path) {
        self.0.push(path.to_path_buf());
    }

    /// `path` is no longer napgen's to remove: renamed into place, or removed.
    pub fn forget(&mut self, path: &Path) {
        self.0.retain(|p| p != path);
    }

    /// Remove every registered path. The registry stays locked for as long as `self` lives, so
    /// nothing new is registered after it.
    pub fn remove_all(&mut self) {
        for path in self.0.drain(..) {
            let removed = match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
                Ok(_) => std::fs::remove_file(&path),
                Err(_) => Ok(()),
            };
            drop(removed);
        }
    }
}

/// Take SIGINT and SIGTERM away from the default action (which ends the process on the spot)
/// and give them to a thread that removes the registered paths, then exits with 128 + the
/// signal's number. Call it first thing in `main`, before any other thread starts: threads
/// inherit the blocked signals, so only the waiting thread receives them.
#[cfg(unix)]
pub fn install() {
    // SAFETY: the sigset is initialised by sigemptyset before use; the calls only read it.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        set
    };
    let waiter = std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || loop {
            let mut signal = 0;
            // SAFETY: `set` is a valid, initialised sigset; `signal` is a valid out pointer.
            if unsafe { libc::sigwait(&set, &mut signal) } == 0 {
                let mut pending = lock();
                pending.remove_all();
                // Exit with the registry still locked: no temporary path can appear any more.
                std::process::exit(128 + signal);
            }
        });
    if waiter.is_err() {
        // No thread to take the signals: give them back their default action.
        // SAFETY: as above.
        unsafe {
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

/// Elsewhere the default action applies: an interrupt may leave a temporary file, which the
/// next run writing to the same folder removes.
#[cfg(not(unix))]
pub fn install() {}

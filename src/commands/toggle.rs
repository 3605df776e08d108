//! `napgen enable` and `napgen disable`: switch modules in an existing values.env, changing only
//! the lines that must.

use crate::cli::{DisableArgs, EnableArgs};
use napgen::app;
use napgen::emit;
use napgen_core::error::Error;
use napgen_core::ops::toggle::{self, Switch};
use std::io;
use std::path::Path;
use std::process::ExitCode;

pub fn enable(args: EnableArgs) -> Result<ExitCode, Error> {
    switch(Switch::On, &args.modules, &args.file)
}

pub fn disable(args: DisableArgs) -> Result<ExitCode, Error> {
    switch(Switch::Off, &args.modules, &args.file)
}

/// Read FILE, switch the modules, write it back atomically if anything changed, keeping it
/// owner-only and never widening its mode. A symbolic link is followed: the file it points to is
/// edited and the link stays.
fn switch(switch: Switch, modules: &[String], file: &Path) -> Result<ExitCode, Error> {
    let shown = file.display().to_string();
    let io_error = |e: io::Error| {
        Error::io_at(
            &shown,
            e.to_string(),
            format!(
                "napgen {} edits an existing values.env (-f FILE); create one with napgen init",
                switch.command()
            ),
        )
    };
    let target = std::fs::canonicalize(file).map_err(io_error)?;
    let (text, mode) = std::fs::read(&target)
        .and_then(|bytes| {
            let meta = std::fs::metadata(&target)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))?;
            Ok((text, file_mode(&meta)))
        })
        .map_err(io_error)?;
    let edited = toggle::switch(&text, &shown, switch, modules, &mut app::os_random)?;
    if edited.text != text {
        // Created 0600 whatever the umask; a narrower mode the file had is put back.
        emit::write_private_file(&target, edited.text.as_bytes(), true)?;
        if let Some(mode) = mode {
            let kept = mode & 0o700;
            if kept != 0o600 {
                set_mode(&target, kept).map_err(io_error)?;
            }
            if mode & 0o077 != 0 {
                eprintln!(
                    "note: {shown} was readable by others (mode {mode:o}); it holds secrets, so it is now {kept:o}"
                );
            }
        }
    }
    eprint!("{}", toggle::summary(&edited, switch, &shown));
    Ok(ExitCode::SUCCESS)
}

#[cfg(unix)]
fn file_mode(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_: &std::fs::Metadata) -> Option<u32> {
    None
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

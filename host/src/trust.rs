//! Whether a path is trustworthy for code or configuration this process runs:
//! the one rule shared by the compiled-plugin cache, plugin files and
//! directories, rules files and the configuration file.
//!
//! A path is trusted when it, and every directory above it, is owned by root
//! or by the effective user and is writable by no one else. A directory that
//! others may write to is still acceptable as an *ancestor* when it is sticky
//! and owned by root (`/tmp`): there no one else can rename or replace what
//! we own. The check runs on the canonical path, so a symlink anywhere on the
//! way is judged by where it leads, and since no directory on that canonical
//! chain can be changed by anyone else, the chain cannot be swapped between
//! the check and the open. Files are then opened with `O_NOFOLLOW` and
//! checked again on the open descriptor.

use std::{
    ffi::OsStr,
    fs::{File, Metadata},
    io::Read,
    os::unix::fs::{MetadataExt, OpenOptionsExt},
    path::{Path, PathBuf},
};

/// Why a path is not trusted (or could not be checked).
#[derive(Debug, thiserror::Error)]
#[error("refusing {path}: {reason}")]
pub struct Untrusted {
    /// The path that was refused (the file itself or the ancestor at fault).
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

impl Untrusted {
    fn new(path: &Path, reason: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// The effective user id.
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Whether `meta` is owned by root or the effective user, and writable by no
/// one else; `ancestor` also accepts a sticky root-owned directory.
fn judge(path: &Path, meta: &Metadata, ancestor: bool) -> Result<(), Untrusted> {
    let uid = euid();
    let mode = meta.mode();
    if meta.uid() != 0 && meta.uid() != uid {
        return Err(Untrusted::new(
            path,
            format!(
                "it is owned by uid {}, neither root nor this user (uid {uid})",
                meta.uid()
            ),
        ));
    }
    if mode & 0o022 != 0 {
        let sticky_root_dir = ancestor && meta.is_dir() && meta.uid() == 0 && mode & 0o1000 != 0;
        if !sticky_root_dir {
            return Err(Untrusted::new(
                path,
                format!(
                    "it is writable by {} (mode {:o})",
                    if mode & 0o002 != 0 {
                        "every user"
                    } else {
                        "its group"
                    },
                    mode & 0o7777
                ),
            ));
        }
    }
    Ok(())
}

/// Checks `path` (a file or directory) and every directory above it; returns
/// the canonical path, which is what the caller must open.
pub fn check_path(path: &Path) -> Result<PathBuf, Untrusted> {
    let canonical = path
        .canonicalize()
        .map_err(|e| Untrusted::new(path, format!("cannot resolve it: {e}")))?;
    let mut ancestors: Vec<&Path> = canonical.ancestors().collect();
    ancestors.reverse();
    let last = ancestors.len() - 1;
    for (i, dir) in ancestors.into_iter().enumerate() {
        let meta = std::fs::symlink_metadata(dir)
            .map_err(|e| Untrusted::new(dir, format!("cannot inspect it: {e}")))?;
        judge(dir, &meta, i != last)?;
    }
    Ok(canonical)
}

/// Checks a directory of code or configuration: it and its ancestors trusted,
/// and a directory. Returns its canonical path.
pub fn check_dir(dir: &Path) -> Result<PathBuf, Untrusted> {
    let canonical = check_path(dir)?;
    if !canonical.is_dir() {
        return Err(Untrusted::new(dir, "it is not a directory"));
    }
    Ok(canonical)
}

/// Reads a trusted regular file of at most `max_bytes`: the path and its
/// ancestors are checked, the file is opened without following a final
/// symlink and without blocking on a FIFO, and the open descriptor is checked
/// again (owner, mode, regular file, size) before a bounded read.
pub fn read_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, Untrusted> {
    let canonical = check_path(path)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(&canonical)
        .map_err(|e| Untrusted::new(path, format!("cannot open it: {e}")))?;
    read_open_file(path, file, max_bytes)
}

/// The checks and bounded read of [`read_file`] on an already open file.
pub fn read_open_file(path: &Path, file: File, max_bytes: u64) -> Result<Vec<u8>, Untrusted> {
    let meta = file
        .metadata()
        .map_err(|e| Untrusted::new(path, format!("cannot inspect it: {e}")))?;
    if !meta.is_file() {
        return Err(Untrusted::new(path, "it is not a regular file"));
    }
    judge(path, &meta, false)?;
    if meta.len() > max_bytes {
        return Err(Untrusted::new(
            path,
            format!(
                "it is {} bytes, more than the {max_bytes} allowed",
                meta.len()
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Untrusted::new(path, format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > max_bytes {
        return Err(Untrusted::new(
            path,
            format!("it grew past the {max_bytes} bytes allowed while being read"),
        ));
    }
    Ok(bytes)
}

/// The entries of a trusted directory whose names end in one of
/// `extensions`, sorted; only regular files (symlinks are judged by their
/// target through [`read_file`] when read).
pub fn list_dir(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, Untrusted> {
    let canonical = check_dir(dir)?;
    let entries = std::fs::read_dir(&canonical)
        .map_err(|e| Untrusted::new(dir, format!("cannot list it: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| dir.join(entry.file_name()))
        .filter(|path| {
            path.extension()
                .and_then(OsStr::to_str)
                .is_some_and(|e| extensions.contains(&e))
                && path.is_file()
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp(label: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "lanner-trust-{label}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    }

    #[test]
    fn a_private_file_below_sticky_tmp_is_trusted() {
        let dir = temp("ok");
        let file = dir.join("rules.yaml");
        std::fs::write(&file, "x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(read_file(&file, 10).unwrap(), b"x");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writable_files_and_parents_are_refused_naming_the_culprit() {
        let dir = temp("writable");
        let file = dir.join("rules.yaml");
        std::fs::write(&file, "x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        let error = read_file(&file, 10).unwrap_err();
        assert_eq!(error.path, file.canonicalize().unwrap());
        assert!(error.reason.contains("writable by every user"), "{error}");

        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o775)).unwrap();
        let error = read_file(&file, 10).unwrap_err();
        assert_eq!(error.path, dir.canonicalize().unwrap());
        assert!(error.reason.contains("writable by its group"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn foreign_owned_files_fifos_and_big_files_are_refused() {
        let dir = temp("foreign");
        let file = dir.join("x.yaml");
        std::fs::write(&file, "x").unwrap();
        std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
        let error = read_file(&file, 10).unwrap_err();
        assert!(error.reason.contains("uid 65534"), "{error}");

        let fifo = dir.join("fifo.yaml");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let error = read_file(&fifo, 10).unwrap_err();
        assert!(error.reason.contains("not a regular file"), "{error}");

        let big = dir.join("big.yaml");
        std::fs::write(&big, vec![b'a'; 100]).unwrap();
        let error = read_file(&big, 10).unwrap_err();
        assert!(error.reason.contains("more than the 10"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

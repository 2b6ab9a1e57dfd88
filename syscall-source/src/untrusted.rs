//! Bounded reads of files that someone other than Lanner controls: a
//! container's `/etc/passwd` and `/etc/group`, container runtimes' state
//! files, other processes' `/proc/PID/*` entries, cgroup files.
//!
//! Lanner runs as root, and whoever controls such a file can make a naive
//! `read_to_string` do harm: a FIFO blocks `open` until someone writes to
//! it (and the thread that opened it, were it the one draining the rings,
//! would blind the whole host); a symlink to `/dev/zero` or a huge (sparse)
//! file makes the read unbounded; an absolute symlink such as
//! `/etc/passwd -> /etc/shadow` resolves against the *host's* root when the
//! container's root is reached as `/proc/PID/root/...`; a device node opened
//! at all may act (a watchdog arms on open).
//!
//! Every such read goes through [`read_bounded`], and only through it:
//! - the path is resolved relative to a directory handle ([`Dir`]) with
//!   `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)`, so `..` and absolute
//!   symlinks stay inside that directory and `/proc` magic links are refused;
//! - the last component is opened `O_PATH | O_NOFOLLOW`, which opens nothing
//!   (no FIFO wait, no device open) and refuses a symlink there outright;
//! - only a regular file (by `fstat` of that handle) is then opened for
//!   reading, `O_NONBLOCK`, through the handle itself (`/proc/self/fd/N`), so
//!   what is read is what was checked, whatever is renamed meanwhile;
//! - at most `cap + 1` bytes are read, and a file over `cap` is refused.
//!
//! A regular file can still be slow to read (a stalled FUSE daemon), which
//! is why container enrichment also runs beside the event thread, never on
//! it (see `crate::live`).

use std::{
    ffi::CString,
    fs::File,
    io::{self, Read},
    os::{
        fd::{AsRawFd, FromRawFd, OwnedFd},
        unix::ffi::OsStrExt,
    },
    path::{Path, PathBuf},
};

/// Why an untrusted file was not read.
#[derive(Debug, thiserror::Error)]
pub enum UntrustedReadError {
    /// The file (or the directory it is read under) could not be opened:
    /// missing, a symlink leaving the root, a magic link, no permission.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The path, relative to its root.
        path: PathBuf,
        /// What the kernel said.
        source: io::Error,
    },
    /// The path names something other than a regular file (a FIFO, a
    /// device, a socket, a directory, or a symlink in last position).
    #[error("{path} is a {kind}, not a regular file")]
    NotRegular {
        /// The path, relative to its root.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// The file holds more than the caller's cap.
    #[error("{path} is larger than {cap} bytes")]
    TooLarge {
        /// The path, relative to its root.
        path: PathBuf,
        /// The cap it exceeded.
        cap: usize,
    },
    /// Reading the opened file failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path, relative to its root.
        path: PathBuf,
        /// What the kernel said.
        source: io::Error,
    },
    /// The file is not UTF-8 text ([`read_text`] only).
    #[error("{path} is not UTF-8 text")]
    NotText {
        /// The path, relative to its root.
        path: PathBuf,
    },
}

/// A directory handle that untrusted paths are resolved inside: nothing
/// read through it (by [`read_bounded`]) can come from outside it.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
}

impl Dir {
    /// Opens the directory at `path` as a root to read under. `path` itself
    /// is trusted (Lanner chose it: `/proc/PID/root`, `/proc/PID`, a runtime's
    /// state directory) and is followed as given, magic links included:
    /// `/proc/PID/root` opened this way *is* the process's root directory.
    /// Opening it with `O_PATH` opens nothing inside, so it cannot block.
    pub fn open(path: &Path) -> Result<Self, UntrustedReadError> {
        let open_error = |source| UntrustedReadError::Open {
            path: path.to_owned(),
            source,
        };
        let name = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| open_error(io::ErrorKind::InvalidInput.into()))?;
        // SAFETY: `name` is NUL-terminated and lives across the call.
        let fd = unsafe {
            libc::open(
                name.as_ptr(),
                libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(open_error(io::Error::last_os_error()));
        }
        // SAFETY: a fresh descriptor that nothing else owns.
        Ok(Self {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// A subdirectory `rel` of this one, resolved the same way files are
    /// (inside this root, no magic links; a symlinked last component is
    /// followed, but only inside the root).
    pub fn subdir(&self, rel: &Path) -> Result<Self, UntrustedReadError> {
        let fd = openat2(
            &self.fd,
            rel,
            (libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) as u64,
        )
        .map_err(|source| UntrustedReadError::Open {
            path: rel.to_owned(),
            source,
        })?;
        Ok(Self { fd })
    }
}

/// Reads the regular file `rel` under `root`, at most `cap` bytes (see the
/// module's documentation for what is refused and why).
pub fn read_bounded(root: &Dir, rel: &Path, cap: usize) -> Result<Vec<u8>, UntrustedReadError> {
    let open_error = |source| UntrustedReadError::Open {
        path: rel.to_owned(),
        source,
    };
    // O_PATH: a handle on the name, no open of the object (no FIFO wait,
    // no device side effect); O_NOFOLLOW: a symlink here is the handle's
    // object, refused below as not a regular file.
    let handle = openat2(
        &root.fd,
        rel,
        (libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC) as u64,
    )
    .map_err(open_error)?;
    let checked = fstat(&handle).map_err(open_error)?;
    if checked.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(UntrustedReadError::NotRegular {
            path: rel.to_owned(),
            kind: kind_of(checked.st_mode),
        });
    }
    // A regular file reporting more than the cap is refused unread (`/proc`
    // files report 0 and are bounded by the read below).
    if u64::try_from(checked.st_size).unwrap_or(0) > cap as u64 {
        return Err(UntrustedReadError::TooLarge {
            path: rel.to_owned(),
            cap,
        });
    }
    // Reopen the very inode checked, for reading.
    let reopen = CString::new(format!("/proc/self/fd/{}", handle.as_raw_fd()))
        .map_err(|_| open_error(io::ErrorKind::InvalidInput.into()))?;
    // SAFETY: `reopen` is NUL-terminated and lives across the call.
    let fd = unsafe {
        libc::open(
            reopen.as_ptr(),
            libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(open_error(io::Error::last_os_error()));
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    let file = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    let mut bytes = Vec::new();
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| UntrustedReadError::Read {
            path: rel.to_owned(),
            source,
        })?;
    if bytes.len() > cap {
        return Err(UntrustedReadError::TooLarge {
            path: rel.to_owned(),
            cap,
        });
    }
    Ok(bytes)
}

/// [`read_bounded`], as UTF-8 text.
pub fn read_text(root: &Dir, rel: &Path, cap: usize) -> Result<String, UntrustedReadError> {
    String::from_utf8(read_bounded(root, rel, cap)?).map_err(|_| UntrustedReadError::NotText {
        path: rel.to_owned(),
    })
}

/// What [`stat_cached`] tells of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachedStat {
    /// Inode number.
    pub ino: u64,
    /// Whether it is a directory.
    pub is_dir: bool,
    /// Last status change, ns since the epoch (`None` before it).
    pub ctime_ns: Option<u64>,
    /// Last modification, ns since the epoch (`None` before it).
    pub mtime_ns: Option<u64>,
}

/// Stats `path` (following links: `/proc/PID/exe` and `/proc/PID/fd/N`
/// are meant to be followed to the file they name) with
/// `AT_STATX_DONT_SYNC`: a file on a network or FUSE file system is
/// described from what the kernel has cached, without asking its server,
/// which a container may run and stall.
pub fn stat_cached(path: &Path) -> io::Result<CachedStat> {
    let name = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: statx is plain data, filled in by the kernel.
    let mut stx: libc::statx = unsafe { std::mem::zeroed() };
    // SAFETY: `name` and `stx` live across the call.
    let rc = unsafe {
        libc::statx(
            libc::AT_FDCWD,
            name.as_ptr(),
            libc::AT_STATX_DONT_SYNC,
            libc::STATX_TYPE | libc::STATX_INO | libc::STATX_CTIME | libc::STATX_MTIME,
            &mut stx,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    let ns = |t: libc::statx_timestamp| {
        u64::try_from(t.tv_sec)
            .ok()?
            .checked_mul(1_000_000_000)?
            .checked_add(u64::from(t.tv_nsec))
    };
    Ok(CachedStat {
        ino: stx.stx_ino,
        is_dir: u32::from(stx.stx_mode) & libc::S_IFMT == libc::S_IFDIR,
        ctime_ns: ns(stx.stx_ctime),
        mtime_ns: ns(stx.stx_mtime),
    })
}

/// `openat2` below `dir` with `RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS`,
/// retried while the kernel reports a concurrent rename (`EAGAIN`) or a
/// signal, a bounded number of times.
fn openat2(dir: &OwnedFd, rel: &Path, flags: u64) -> io::Result<OwnedFd> {
    let name = CString::new(rel.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: open_how is plain data; all-zero is its "nothing set" value.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = flags;
    how.resolve = libc::RESOLVE_IN_ROOT | libc::RESOLVE_NO_MAGICLINKS;
    let mut last = io::Error::from(io::ErrorKind::Interrupted);
    for _ in 0..8 {
        // SAFETY: `name` and `how` live across the call; the size is how's.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dir.as_raw_fd(),
                name.as_ptr(),
                &how as *const libc::open_how,
                size_of::<libc::open_how>(),
            )
        };
        if fd >= 0 {
            // SAFETY: a fresh descriptor that nothing else owns; the kernel
            // returns an int, so it fits.
            return Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) });
        }
        last = io::Error::last_os_error();
        if !matches!(last.raw_os_error(), Some(libc::EAGAIN | libc::EINTR)) {
            break;
        }
    }
    Err(last)
}

fn fstat(fd: &OwnedFd) -> io::Result<libc::stat> {
    // SAFETY: stat is plain data, filled in by the kernel.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a valid descriptor and a valid out pointer.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(stat)
}

fn kind_of(mode: libc::mode_t) -> &'static str {
    match mode & libc::S_IFMT {
        libc::S_IFLNK => "symbolic link",
        libc::S_IFIFO => "FIFO",
        libc::S_IFCHR => "character device",
        libc::S_IFBLK => "block device",
        libc::S_IFSOCK => "socket",
        libc::S_IFDIR => "directory",
        _ => "special file",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A fresh directory standing for a container's root, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(label: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "lanner-untrusted-{label}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("etc")).unwrap();
            Self(dir)
        }

        fn root(&self) -> Dir {
            Dir::open(&self.0).unwrap()
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn passwd() -> &'static Path {
        Path::new("etc/passwd")
    }

    #[test]
    fn reads_a_regular_file_within_the_cap() {
        let dir = Scratch::new("regular");
        std::fs::write(dir.0.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        let text = read_text(&dir.root(), passwd(), 64).unwrap();
        assert_eq!(text, "root:x:0:0::/root:/bin/sh\n");
        // Exactly the cap is fine; one byte under it is not.
        assert!(read_bounded(&dir.root(), passwd(), text.len()).is_ok());
        assert!(matches!(
            read_bounded(&dir.root(), passwd(), text.len() - 1),
            Err(UntrustedReadError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = Scratch::new("fifo");
        let fifo = CString::new(dir.0.join("etc/passwd").as_os_str().as_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        // A plain open would block here until a writer came: none will.
        let err = read_bounded(&dir.root(), passwd(), 1 << 20).unwrap_err();
        assert!(
            matches!(err, UntrustedReadError::NotRegular { kind: "FIFO", .. }),
            "{err}"
        );
    }

    #[test]
    fn a_symlink_to_dev_zero_is_refused() {
        let dir = Scratch::new("zero");
        symlink("/dev/zero", dir.0.join("etc/passwd")).unwrap();
        let err = read_bounded(&dir.root(), passwd(), 1 << 20).unwrap_err();
        assert!(
            matches!(
                err,
                UntrustedReadError::NotRegular {
                    kind: "symbolic link",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn nothing_resolves_outside_the_root() {
        let dir = Scratch::new("escape");
        // A directory symlink to the host's /etc, and `..` climbing out:
        // both stay inside the scratch root, where no shadow file exists.
        symlink("/etc", dir.0.join("hostetc")).unwrap();
        for rel in ["hostetc/shadow", "../../../../etc/shadow", "/etc/shadow"] {
            let err = read_bounded(&dir.root(), Path::new(rel), 1 << 20).unwrap_err();
            assert!(
                matches!(&err, UntrustedReadError::Open { source, .. }
                    if source.kind() == io::ErrorKind::NotFound),
                "{rel}: {err}"
            );
        }
        // A symlink in last position is refused even when it points inside.
        std::fs::write(dir.0.join("etc/shadow"), "inside\n").unwrap();
        symlink("/etc/shadow", dir.0.join("etc/passwd")).unwrap();
        assert!(matches!(
            read_bounded(&dir.root(), passwd(), 1 << 20),
            Err(UntrustedReadError::NotRegular { .. })
        ));
        // A symlinked directory resolves inside the root.
        symlink("/etc", dir.0.join("inner")).unwrap();
        assert_eq!(
            read_text(&dir.root(), Path::new("inner/shadow"), 64).unwrap(),
            "inside\n"
        );
    }

    #[test]
    fn magic_links_are_refused() {
        let proc_self = Dir::open(Path::new("/proc/self")).unwrap();
        assert!(matches!(
            read_bounded(&proc_self, Path::new("root/etc/hostname"), 1 << 20),
            Err(UntrustedReadError::Open { .. })
        ));
        // A /proc file is read (it reports size 0, the read bounds it).
        assert!(
            read_text(&proc_self, Path::new("status"), 1 << 20)
                .unwrap()
                .starts_with("Name:")
        );
        assert!(matches!(
            read_bounded(&proc_self, Path::new("status"), 8),
            Err(UntrustedReadError::TooLarge { cap: 8, .. })
        ));
    }

    #[test]
    fn stats_from_the_cache_what_a_link_names() {
        use std::os::unix::fs::MetadataExt;
        let exe = stat_cached(Path::new("/proc/self/exe")).unwrap();
        let meta = std::fs::metadata("/proc/self/exe").unwrap();
        assert_eq!(exe.ino, meta.ino());
        assert!(!exe.is_dir);
        assert_eq!(
            exe.mtime_ns.map(|ns| ns / 1_000_000_000),
            Some(meta.mtime() as u64)
        );
        assert!(stat_cached(Path::new("/proc/self/cwd")).unwrap().is_dir);
    }

    #[test]
    fn a_huge_sparse_file_is_refused_unread() {
        let dir = Scratch::new("huge");
        File::create(dir.0.join("etc/passwd"))
            .unwrap()
            .set_len(1 << 30)
            .unwrap();
        assert!(matches!(
            read_bounded(&dir.root(), passwd(), 1 << 20),
            Err(UntrustedReadError::TooLarge { cap, .. }) if cap == 1 << 20
        ));
    }

    #[test]
    fn directories_and_devices_are_not_regular_files() {
        let dir = Scratch::new("special");
        assert!(matches!(
            read_bounded(&dir.root(), Path::new("etc"), 64),
            Err(UntrustedReadError::NotRegular {
                kind: "directory",
                ..
            })
        ));
        let dev = Dir::open(Path::new("/dev")).unwrap();
        assert!(matches!(
            read_bounded(&dev, Path::new("zero"), 64),
            Err(UntrustedReadError::NotRegular {
                kind: "character device",
                ..
            })
        ));
    }
}

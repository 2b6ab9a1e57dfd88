//! The precompiled-component cache: compiling a plugin takes from tens of
//! milliseconds to seconds, loading its machine code from disk well under one.
//!
//! A cache entry is native code that wasmtime runs without verification, so
//! it is only used when nobody else could have written it:
//!
//! - the cache directory and every directory above it pass
//!   [`trust::check_dir`](crate::trust::check_dir); the directory itself must
//!   belong to the effective user with mode 0700;
//! - the directory is opened once and every entry is opened *relative to that
//!   handle* with `O_NOFOLLOW`, and must be a regular file of ours with no
//!   group or other permissions;
//! - every entry carries an HMAC-SHA256 over its name and its bytes, keyed by
//!   a random key in the same directory (mode 0600), so an entry planted or
//!   altered by anyone without that key is refused;
//! - the machine code is deserialized from the bytes that were verified, never
//!   re-read from the path.
//!
//! An entry that fails any check is logged, and the plugin is recompiled and
//! the entry rewritten. Entries are keyed by the SHA-256 of the `.wasm` and
//! the engine's compatibility hash (wasmtime version and every setting that
//! changes code generation), so a changed plugin or a new Lanner never reuses
//! stale code.

use crate::trust;
use sha2::{Digest, Sha256};
use std::{
    ffi::CString,
    fs::File,
    hash::{Hash, Hasher},
    io::Write,
    os::{
        fd::{AsRawFd, FromRawFd, OwnedFd},
        unix::fs::MetadataExt,
    },
    path::{Path, PathBuf},
    sync::Arc,
};
use wasmtime::{Engine, component::Component};

/// Name of the HMAC key file inside the cache directory.
const KEY_FILE: &str = "key";
/// Bytes of the HMAC key and of each entry's tag.
const TAG_LEN: usize = 32;
/// Largest entry read back; compiled plugins are a few MiB.
const MAX_ENTRY_BYTES: u64 = 512 << 20;
/// The root user's cache, never below a home directory that `sudo -E` may
/// point at a user's.
const ROOT_CACHE_DIR: &str = "/var/cache/lanner/plugins";

/// Where compiled plugins are kept, if anywhere.
#[derive(Clone, Debug)]
pub struct ComponentCache {
    dir: Option<Arc<CacheDir>>,
}

/// An open, checked cache directory and its key.
#[derive(Debug)]
struct CacheDir {
    path: PathBuf,
    handle: OwnedFd,
    key: [u8; TAG_LEN],
}

impl ComponentCache {
    /// A cache in `dir`, created if needed; `None` disables caching. A
    /// directory that cannot be trusted disables caching with a warning.
    pub fn new(dir: Option<PathBuf>) -> Self {
        let dir = dir.and_then(|dir| match CacheDir::open(&dir) {
            Ok(open) => Some(Arc::new(open)),
            Err(reason) => {
                tracing::warn!(dir = %dir.display(), "not caching compiled plugins: {reason}");
                None
            }
        });
        Self { dir }
    }

    /// The default location. For root: `/var/cache/lanner/plugins`, whatever
    /// the environment says (under `sudo -E`, `$HOME` is a user's). Otherwise
    /// `$LANNER_CACHE_DIR`, else `$XDG_CACHE_HOME/lanner/plugins`, else
    /// `~/.cache/lanner/plugins`. `$LANNER_CACHE_DIR` is honoured for root
    /// too: nothing is created below a directory that fails the trust rule,
    /// and the ownership checks refuse any directory root does not own.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("LANNER_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        if trust::euid() == 0 {
            return Some(PathBuf::from(ROOT_CACHE_DIR));
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
        Some(base.join("lanner").join("plugins"))
    }

    /// The component for `wasm`: from the cache when a verified entry is
    /// present, else compiled and stored.
    pub fn component(&self, engine: &Engine, wasm: &[u8]) -> wasmtime::Result<Component> {
        let Some(dir) = &self.dir else {
            return Component::new(engine, wasm);
        };
        let name = entry_name(engine, wasm);
        match dir.read_entry(&name) {
            Ok(Some(code)) => {
                // SAFETY: `code` is bytes we read once from an entry of ours
                // (owner, mode, type checked on the open descriptor, inside a
                // directory only we can write) whose HMAC under our private key
                // matches: they are exactly what `store_entry` wrote from
                // `Component::serialize` for these wasm bytes and this engine.
                match unsafe { Component::deserialize(engine, code) } {
                    Ok(component) => return Ok(component),
                    Err(e) => tracing::debug!(entry = name, "recompiling: {e:#}"),
                }
            }
            Ok(None) => {}
            Err(reason) => tracing::warn!(
                dir = %dir.path.display(),
                entry = name,
                "refusing a compiled plugin from the cache, recompiling: {reason}"
            ),
        }
        let component = Component::new(engine, wasm)?;
        if let Err(e) = dir.store_entry(&name, &component) {
            tracing::warn!(dir = %dir.path.display(), entry = name, "could not cache a compiled plugin: {e}");
        }
        Ok(component)
    }
}

/// The entry's file name: the wasm's SHA-256 and the engine's compatibility hash.
fn entry_name(engine: &Engine, wasm: &[u8]) -> String {
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let digest = Sha256::digest(wasm);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}-{:016x}.cwasm", engine_hash.finish())
}

/// HMAC-SHA256 (RFC 2104) of `parts`, concatenated, under `key`. Written out
/// here on top of `sha2` rather than adding a crate for a dozen lines.
fn hmac(key: &[u8; TAG_LEN], parts: &[&[u8]]) -> [u8; TAG_LEN] {
    const BLOCK: usize = 64;
    let mut padded = [0u8; BLOCK];
    padded[..TAG_LEN].copy_from_slice(key);
    let mut inner = Sha256::new();
    inner.update(padded.map(|b| b ^ 0x36));
    for part in parts {
        inner.update(part);
    }
    let mut outer = Sha256::new();
    outer.update(padded.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Creates `dir` and its missing parents (mode 0700), but only below its
/// nearest existing ancestor, and only once that ancestor passes
/// [`trust::check_dir`]; the missing parts are created on the ancestor's
/// canonical path, which no one else can change. Returns the path created
/// (or found). So a cache path that names a place someone else controls
/// (`$LANNER_CACHE_DIR` under `sudo -E`, a symlink a user can swap) makes
/// root create nothing there.
fn create_below_trusted(dir: &Path) -> Result<PathBuf, String> {
    use std::os::unix::fs::DirBuilderExt;
    let mut missing = Vec::new();
    let mut existing = dir;
    loop {
        let probe = if existing.as_os_str().is_empty() {
            Path::new(".")
        } else {
            existing
        };
        match std::fs::symlink_metadata(probe) {
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Only plain names are created (never `..`).
                let name = match existing.components().next_back() {
                    Some(std::path::Component::Normal(name)) => name,
                    _ => return Err(format!("cannot create {}: not a plain path", dir.display())),
                };
                missing.push(name);
                existing = existing.parent().unwrap_or(Path::new("."));
            }
            Err(e) => return Err(format!("cannot inspect {}: {e}", probe.display())),
        }
    }
    if missing.is_empty() {
        return Ok(dir.to_path_buf());
    }
    let existing = if existing.as_os_str().is_empty() {
        Path::new(".")
    } else {
        existing
    };
    let mut path = trust::check_dir(existing).map_err(|e| format!("not creating it: {e}"))?;
    for name in missing.into_iter().rev() {
        path.push(name);
        match std::fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
        }
    }
    Ok(path)
}

fn c_name(name: &str) -> std::io::Result<CString> {
    CString::new(name).map_err(|_| std::io::Error::other("a NUL in an entry name"))
}

impl CacheDir {
    /// Creates `dir` (mode 0700) if needed, checks it and its ancestors, opens
    /// a handle on it and loads (or creates) the key.
    fn open(dir: &Path) -> Result<Self, String> {
        let created = create_below_trusted(dir)?;
        let canonical = trust::check_dir(&created).map_err(|e| e.to_string())?;
        let path = c_name(&canonical.to_string_lossy()).map_err(|e| e.to_string())?;
        // SAFETY: a valid NUL-terminated path; the result is checked.
        let fd = unsafe {
            libc::open(
                path.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(format!(
                "cannot open it: {}",
                std::io::Error::last_os_error()
            ));
        }
        // SAFETY: `fd` was just opened and is owned by nothing else.
        let handle = unsafe { OwnedFd::from_raw_fd(fd) };
        let meta = File::from(handle.try_clone().map_err(|e| e.to_string())?)
            .metadata()
            .map_err(|e| e.to_string())?;
        let uid = trust::euid();
        if meta.uid() != uid {
            return Err(format!("it is owned by uid {}, not {uid}", meta.uid()));
        }
        if meta.mode() & 0o077 != 0 {
            return Err(format!(
                "it is open to other users (mode {:o}); it must be 0700",
                meta.mode() & 0o7777
            ));
        }
        let mut cache = Self {
            path: canonical,
            handle,
            key: [0; TAG_LEN],
        };
        cache.key = cache.load_key()?;
        Ok(cache)
    }

    /// Opens `name` inside the directory without following a symlink and
    /// checks that it is a private regular file of ours.
    fn open_private(&self, name: &str) -> std::io::Result<Option<File>> {
        let c = c_name(name)?;
        // SAFETY: a valid directory descriptor and NUL-terminated name.
        let fd = unsafe {
            libc::openat(
                self.handle.as_raw_fd(),
                c.as_ptr(),
                libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            let error = std::io::Error::last_os_error();
            return match error.raw_os_error() {
                Some(libc::ENOENT) => Ok(None),
                Some(libc::ELOOP) => Err(std::io::Error::other("it is a symbolic link")),
                _ => Err(error),
            };
        }
        // SAFETY: `fd` was just opened and is owned by nothing else.
        let file = unsafe { File::from_raw_fd(fd) };
        let meta = file.metadata()?;
        let uid = trust::euid();
        if !meta.is_file() {
            return Err(std::io::Error::other("it is not a regular file"));
        }
        if meta.uid() != uid {
            return Err(std::io::Error::other(format!(
                "it is owned by uid {}, not {uid}",
                meta.uid()
            )));
        }
        if meta.mode() & 0o077 != 0 {
            return Err(std::io::Error::other(format!(
                "it is open to other users (mode {:o})",
                meta.mode() & 0o7777
            )));
        }
        Ok(Some(file))
    }

    /// Writes `bytes` to `name` atomically: a fresh private file created
    /// exclusively beside it, then renamed over it.
    fn write_private(&self, name: &str, parts: &[&[u8]]) -> std::io::Result<()> {
        let partial = format!(".{name}.{}.partial", std::process::id());
        let c_partial = c_name(&partial)?;
        let c_final = c_name(name)?;
        let dirfd = self.handle.as_raw_fd();
        // SAFETY: valid descriptor and NUL-terminated names.
        unsafe { libc::unlinkat(dirfd, c_partial.as_ptr(), 0) };
        // SAFETY: as above; the result is checked.
        let fd = unsafe {
            libc::openat(
                dirfd,
                c_partial.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o600 as libc::c_uint,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` was just opened and is owned by nothing else.
        let mut file = unsafe { File::from_raw_fd(fd) };
        let written = parts
            .iter()
            .try_for_each(|part| file.write_all(part))
            .and_then(|()| file.sync_all());
        drop(file);
        // SAFETY: valid descriptor and NUL-terminated names.
        let renamed = written.and_then(|()| {
            match unsafe { libc::renameat(dirfd, c_partial.as_ptr(), dirfd, c_final.as_ptr()) } {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
        if renamed.is_err() {
            // SAFETY: valid descriptor and NUL-terminated name.
            unsafe { libc::unlinkat(dirfd, c_partial.as_ptr(), 0) };
        }
        renamed
    }

    /// The directory's HMAC key, created (32 random bytes, mode 0600) when absent.
    fn load_key(&self) -> Result<[u8; TAG_LEN], String> {
        let refuse = |e: std::io::Error| format!("its key file {KEY_FILE} is refused: {e}");
        if let Some(file) = self.open_private(KEY_FILE).map_err(refuse)? {
            let bytes = trust::read_open_file(&self.path.join(KEY_FILE), file, TAG_LEN as u64)
                .map_err(|e| e.to_string())?;
            return bytes
                .try_into()
                .map_err(|_| format!("its key file {KEY_FILE} is not {TAG_LEN} bytes"));
        }
        let mut key = [0u8; TAG_LEN];
        // SAFETY: `key` is a writable buffer of the given length.
        let got = unsafe { libc::getrandom(key.as_mut_ptr().cast(), TAG_LEN, 0) };
        if got != TAG_LEN as isize {
            return Err(format!(
                "no randomness for its key: {}",
                std::io::Error::last_os_error()
            ));
        }
        self.write_private(KEY_FILE, &[&key])
            .map_err(|e| format!("cannot write its key file: {e}"))?;
        Ok(key)
    }

    /// The verified machine code of entry `name`, `None` when there is none,
    /// or why the entry is refused.
    fn read_entry(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        let Some(file) = self.open_private(name).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let mut bytes = trust::read_open_file(&self.path.join(name), file, MAX_ENTRY_BYTES)
            .map_err(|e| e.reason)?;
        if bytes.len() < TAG_LEN {
            return Err("it is too short to carry its authentication tag".into());
        }
        let code = bytes.split_off(TAG_LEN);
        let expected = hmac(&self.key, &[name.as_bytes(), &code]);
        if !crate::secret::constant_time_eq(&bytes, &expected) {
            return Err(
                "its authentication tag does not match (not written by this host, or altered)"
                    .into(),
            );
        }
        Ok(Some(code))
    }

    /// Stores `component` as entry `name`, tagged with its HMAC.
    fn store_entry(&self, name: &str, component: &Component) -> std::io::Result<()> {
        let code = component
            .serialize()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let tag = hmac(&self.key, &[name.as_bytes(), &code]);
        self.write_private(name, &[&tag, &code])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_created_below_a_directory_someone_else_controls() {
        use std::os::unix::fs::PermissionsExt;
        // Root runs the tests: a directory owned by another user stands for a
        // user's home under `sudo -E`.
        let base = std::env::temp_dir().join(format!("lanner-cache-below-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir(&base).unwrap();
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
        let foreign = base.join("user");
        std::fs::create_dir(&foreign).unwrap();
        std::os::unix::fs::chown(&foreign, Some(65534), Some(65534)).unwrap();
        // Directly, and through a symlink to it.
        let link = base.join("link");
        std::os::unix::fs::symlink(&foreign, &link).unwrap();
        for dir in [foreign.join("a/b"), link.join("c/d")] {
            let refused = CacheDir::open(&dir).unwrap_err();
            assert!(refused.contains("uid 65534"), "{refused}");
        }
        let left: Vec<_> = std::fs::read_dir(&foreign).unwrap().collect();
        assert!(
            left.is_empty(),
            "created below a foreign directory: {left:?}"
        );
        // Below a trusted directory, the missing parts are created, private.
        let own = base.join("own/plugins");
        let created = create_below_trusted(&own).unwrap();
        let mode = std::fs::metadata(&created).unwrap().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert_eq!(created, own.canonicalize().unwrap());
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn hmac_matches_rfc_4231_shape() {
        // RFC 4231 test case 2 uses a 4-byte key; ours are always 32 bytes,
        // so check against the same construction with the key zero-padded.
        let mut key = [0u8; TAG_LEN];
        key[..4].copy_from_slice(b"Jefe");
        let tag = hmac(&key, &[b"what do ya want ", b"for nothing?"]);
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}

//! The precompiled-component cache: compiling a plugin takes from tens of
//! milliseconds to seconds, loading its machine code from disk well under one.
//!
//! Entries are keyed by the SHA-256 of the `.wasm` and the engine's
//! compatibility hash (wasmtime version and every setting that changes
//! code generation), so a changed plugin or a new Lanner never reuses stale
//! code. Loading machine code is only safe from bytes this host wrote, so the
//! cache directory must belong to the current user and be writable by no one
//! else; otherwise the cache is not used.

use sha2::{Digest, Sha256};
use std::{
    hash::{Hash, Hasher},
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
};
use wasmtime::{Engine, component::Component};

/// Where compiled plugins are kept, if anywhere.
#[derive(Clone, Debug)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
}

impl ComponentCache {
    /// A cache in `dir`, created if needed; `None` disables caching.
    pub fn new(dir: Option<PathBuf>) -> Self {
        let dir = dir.filter(|dir| match prepare(dir) {
            Ok(()) => true,
            Err(reason) => {
                tracing::warn!(dir = %dir.display(), "not caching compiled plugins: {reason}");
                false
            }
        });
        Self { dir }
    }

    /// The default location: `$LANNER_CACHE_DIR`, else `$XDG_CACHE_HOME/lanner/plugins`,
    /// else `~/.cache/lanner/plugins`.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("LANNER_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
        Some(base.join("lanner").join("plugins"))
    }

    /// The component for `wasm`: from the cache when present, else compiled and stored.
    pub fn component(&self, engine: &Engine, wasm: &[u8]) -> wasmtime::Result<Component> {
        let Some(path) = self.entry(engine, wasm) else {
            return Component::new(engine, wasm);
        };
        if path.is_file() {
            // SAFETY: the file was written by `store` below into a directory
            // that `prepare` checked is owned by us and writable only by us,
            // and its name binds it to these wasm bytes and this engine.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok(component),
                Err(e) => tracing::debug!(path = %path.display(), "recompiling: {e:#}"),
            }
        }
        let component = Component::new(engine, wasm)?;
        if let Err(e) = store(&path, &component) {
            tracing::warn!(path = %path.display(), "could not cache a compiled plugin: {e}");
        }
        Ok(component)
    }

    fn entry(&self, engine: &Engine, wasm: &[u8]) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
        engine
            .precompile_compatibility_hash()
            .hash(&mut engine_hash);
        let digest = Sha256::digest(wasm);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Some(dir.join(format!("{hex}-{:016x}.cwasm", engine_hash.finish())))
    }
}

/// Creates `dir` (mode 0700) and checks that only we can write to it.
fn prepare(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create it: {e}"))?;
    let meta = std::fs::metadata(dir).map_err(|e| e.to_string())?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    if meta.uid() != uid {
        return Err(format!("it is owned by uid {}, not {uid}", meta.uid()));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "it is writable by others (mode {:o})",
            meta.mode() & 0o777
        ));
    }
    Ok(())
}

/// Writes the compiled component next to its final name, then renames, so a
/// reader never sees half a file.
fn store(path: &Path, component: &Component) -> std::io::Result<()> {
    let bytes = component
        .serialize()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let partial = path.with_extension(format!("partial.{}", std::process::id()));
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, path)
}

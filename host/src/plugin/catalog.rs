//! Which plugins a run uses: the built-in ones, drop-in components from a
//! directory, and the operator's `plugins:` entries (Falco's shape).

use super::{LoadedPlugin, PluginError, PluginHost};
use crate::config::PluginConfig;
use std::path::{Path, PathBuf};

/// Components compiled into the binary, by plugin name, so the default
/// configuration needs no files.
pub const BUILTIN_PLUGINS: &[(&str, &[u8])] = &[
    (
        "k8saudit",
        include_bytes!(concat!(env!("OUT_DIR"), "/k8saudit.wasm")),
    ),
    (
        "json",
        include_bytes!(concat!(env!("OUT_DIR"), "/json.wasm")),
    ),
];

/// Where a plugin's code comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PluginOrigin {
    /// Compiled into the binary.
    Builtin,
    /// A `.wasm` file.
    File(PathBuf),
}

/// A plugin ready to run: its code, its configuration and its open parameters.
#[derive(Clone)]
pub struct PluginSpec {
    /// The loaded component.
    pub plugin: LoadedPlugin,
    /// Where it came from.
    pub origin: PluginOrigin,
    /// Its init configuration (JSON text, empty for `{}`).
    pub init_config: String,
    /// Its open parameters.
    pub open_params: String,
}

impl PluginSpec {
    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.plugin.info.name
    }
}

/// What to load: the operator's entries, drop-in directory and selection.
#[derive(Clone, Debug, Default)]
pub struct PluginSelection<'a> {
    /// `plugins:` entries.
    pub entries: &'a [PluginConfig],
    /// Directories of drop-in `.wasm` components, in order.
    pub dirs: &'a [PathBuf],
    /// `load_plugins`: when set, only these, in this order.
    pub only: Option<&'a [String]>,
}

/// Loads the built-in plugins, then every `.wasm` in the drop-in directories
/// (a drop-in replaces a built-in of the same name), then applies the
/// operator's entries and selection. Any plugin that fails to load fails the
/// whole load, naming the file and the reason.
pub fn load_plugins(
    host: &PluginHost,
    selection: &PluginSelection<'_>,
) -> Result<Vec<PluginSpec>, PluginError> {
    let mut specs: Vec<PluginSpec> = Vec::new();
    let put = |spec: PluginSpec, specs: &mut Vec<PluginSpec>| match specs
        .iter_mut()
        .find(|s| s.name() == spec.name())
    {
        Some(existing) => {
            // Replacing a built-in changes what Lanner detects (a writable
            // plugin directory could blind audit detection): say so loudly.
            if existing.origin == PluginOrigin::Builtin {
                tracing::warn!(
                    plugin = spec.name(),
                    "plugin `{}` version {} from {} replaces the built-in version {}",
                    spec.name(),
                    spec.plugin.info.version,
                    spec.plugin.origin,
                    existing.plugin.info.version,
                );
            } else {
                tracing::info!(plugin = spec.name(), from = %spec.plugin.origin, "replaces {}", existing.plugin.origin);
            }
            *existing = spec;
        }
        None => specs.push(spec),
    };
    for (name, bytes) in BUILTIN_PLUGINS {
        let plugin = host.load(&format!("built-in plugin {name}"), bytes)?;
        put(spec(plugin, PluginOrigin::Builtin), &mut specs);
    }
    for dir in selection.dirs {
        for path in wasm_files(dir)? {
            let plugin = host.load_file(&path)?;
            put(spec(plugin, PluginOrigin::File(path)), &mut specs);
        }
    }
    for entry in selection.entries {
        let file = entry
            .library_path
            .as_ref()
            .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
            .map(|p| resolve(p, selection.dirs));
        let mut chosen = match file {
            Some(path) => spec(host.load_file(&path)?, PluginOrigin::File(path)),
            // A Falco `.so` path (or none) names a plugin Lanner already has.
            None => specs
                .iter()
                .find(|s| s.name() == entry.name)
                .cloned()
                .ok_or_else(|| PluginError::Invalid {
                    path: entry
                        .library_path
                        .as_ref()
                        .map_or_else(|| entry.name.clone(), |p| p.display().to_string()),
                    reason: format!(
                        "no plugin named `{}` is built in or in the plugin directory; give library_path a .wasm component",
                        entry.name
                    ),
                })?,
        };
        if chosen.name() != entry.name {
            return Err(PluginError::Invalid {
                path: chosen.plugin.origin.clone(),
                reason: format!(
                    "the configuration entry `{}` loads a plugin that calls itself `{}`",
                    entry.name,
                    chosen.name()
                ),
            });
        }
        chosen.init_config = entry.init_config.clone();
        chosen.open_params = entry.open_params.clone();
        put(chosen, &mut specs);
    }
    if let Some(only) = selection.only {
        let mut selected = Vec::new();
        for name in only {
            let spec = specs
                .iter()
                .find(|s| s.name() == name)
                .cloned()
                .ok_or_else(|| PluginError::Invalid {
                    path: name.clone(),
                    reason: format!("`load_plugins` names `{name}`, which no plugin provides"),
                })?;
            selected.push(spec);
        }
        specs = selected;
    }
    Ok(specs)
}

fn spec(plugin: LoadedPlugin, origin: PluginOrigin) -> PluginSpec {
    PluginSpec {
        plugin,
        origin,
        init_config: String::new(),
        open_params: String::new(),
    }
}

/// A relative library path is looked up in the plugin directories first.
fn resolve(path: &Path, dirs: &[PathBuf]) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    dirs.iter()
        .map(|dir| dir.join(path))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| path.to_path_buf())
}

/// The `.wasm` files of `dir`, sorted by name; the directory (and each file,
/// when read) must pass the ownership checks of [`super::trust`].
fn wasm_files(dir: &Path) -> Result<Vec<PathBuf>, PluginError> {
    Ok(crate::trust::list_dir(dir, &["wasm"])?)
}

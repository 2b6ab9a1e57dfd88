//! What every command that touches rules or plugins sets up first: the
//! plugin host, the plugins (built-in, drop-in, configured), and the field
//! registry with every source's fields.

use crate::{
    config::Config,
    fields::Registry,
    plugin::{ComponentCache, Limits, PluginHost, PluginSelection, PluginSpec, load_plugins},
};
use anyhow::Context;
use std::{path::PathBuf, sync::Arc, time::Duration};

/// The loaded plugins and the host that runs them.
pub struct Plugins {
    /// The wasm host (engine, linker, cache).
    pub host: Arc<PluginHost>,
    /// Every plugin, with its configuration.
    pub specs: Vec<PluginSpec>,
}

impl Plugins {
    /// Loads the built-in plugins, the drop-ins of `config.plugin_dir` and
    /// `extra_dirs`, and the configuration's `plugins`/`load_plugins`.
    pub fn load(config: &Config, extra_dirs: &[PathBuf]) -> anyhow::Result<Self> {
        let mut limits = Limits::default();
        if let Some(ms) = config.plugin_limits.call_timeout_ms {
            limits.call_timeout = Duration::from_millis(ms.max(1));
        }
        let mib = |mb: u64| usize::try_from(mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX);
        if let Some(mb) = config.plugin_limits.max_memory_mb {
            limits.max_memory_bytes = mib(mb);
        }
        if let Some(mb) = config.plugin_limits.max_return_mb {
            limits.max_return_bytes = mib(mb.max(1));
        }
        let host = PluginHost::new(limits, ComponentCache::new(ComponentCache::default_dir()))
            .context("starting the plugin host")?;
        let dirs: Vec<PathBuf> = config
            .plugin_dir
            .iter()
            .chain(extra_dirs)
            .cloned()
            .collect();
        let selection = PluginSelection {
            entries: &config.plugins,
            dirs: &dirs,
            only: config.load_plugins.as_deref(),
        };
        let specs = load_plugins(&host, &selection).context("loading plugins")?;
        Ok(Self {
            host: Arc::new(host),
            specs,
        })
    }

    /// Every field of every source: built-in ones and the plugins'.
    pub fn registry(&self) -> Registry {
        let mut registry = crate::sources::builtin_registry();
        crate::sources::plugin::register(&mut registry, &self.specs);
        registry
    }

    /// `(name, version)` of each plugin, for `required_plugin_versions`.
    pub fn versions(&self) -> Vec<(String, String)> {
        self.specs
            .iter()
            .map(|s| (s.plugin.info.name.clone(), s.plugin.info.version.clone()))
            .collect()
    }
}

//! The WebAssembly component host for event-source plugins.
//!
//! One [`PluginHost`] per process owns the wasmtime engine. Each plugin call
//! runs in a store with a memory cap and an epoch deadline, and plugins get a
//! WASI context that grants nothing: no files, network, environment or args.

mod bindings;
mod contract;
mod sandbox;

pub use contract::{CONTRACT_VERSION, ContractError, check_contract};
pub use sandbox::Limits;

use bindings::SourcePluginPre;
use std::path::Path;
use wasmtime::{
    Config, Engine, Store,
    component::{Component, Linker},
};

/// Why a plugin could not be loaded or called.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The plugin file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a valid component, or it imports what the host does not grant.
    #[error("{path} is not a loadable Lanner plugin component: {reason}")]
    Invalid {
        /// The plugin file.
        path: String,
        /// wasmtime's explanation.
        reason: String,
    },
    /// A call into the plugin trapped, ran out of time or memory.
    #[error("plugin `{plugin}` failed in `{call}`: {reason}")]
    Call {
        /// The plugin's name (or file when unknown).
        plugin: String,
        /// The exported function that failed.
        call: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The plugin was built for another contract version.
    #[error(transparent)]
    Contract(#[from] ContractError),
    /// The engine could not be configured.
    #[error("wasm engine: {0}")]
    Engine(String),
}

/// Identity a plugin reports about itself.
pub type PluginInfo = bindings::lanner::plugin::types::PluginInfo;

/// Owns the wasmtime engine and the linker shared by every plugin.
pub struct PluginHost {
    engine: Engine,
    linker: Linker<sandbox::PluginState>,
    limits: Limits,
}

/// A compiled, contract-checked plugin ready to instantiate.
pub struct LoadedPlugin {
    /// The plugin's self-reported identity.
    pub info: PluginInfo,
    pre: SourcePluginPre<sandbox::PluginState>,
}

impl PluginHost {
    /// Builds the engine and linker with the given per-instance limits.
    pub fn new(limits: Limits) -> Result<Self, PluginError> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        // Plugins are called synchronously from dedicated threads; the async
        // machinery only adds cost per call (see shared/reference/wasm-host.md).
        config.concurrency_support(false);
        config.max_wasm_stack(limits.max_stack_bytes);
        let engine = Engine::new(&config).map_err(|e| PluginError::Engine(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| PluginError::Engine(e.to_string()))?;
        sandbox::start_epoch_ticker(&engine)
            .map_err(|e| PluginError::Engine(format!("starting the deadline ticker: {e}")))?;
        Ok(Self {
            engine,
            linker,
            limits,
        })
    }

    /// Compiles the component at `path`, reads its identity and checks its contract version.
    pub fn load_file(&self, path: &Path) -> Result<LoadedPlugin, PluginError> {
        let display = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| PluginError::Read {
            path: display.clone(),
            source,
        })?;
        self.load_bytes(&display, &bytes)
    }

    /// Like [`load_file`](Self::load_file), from bytes; `origin` names them in errors.
    pub fn load_bytes(&self, origin: &str, bytes: &[u8]) -> Result<LoadedPlugin, PluginError> {
        let invalid = |e: wasmtime::Error| PluginError::Invalid {
            path: origin.to_string(),
            reason: format!("{e:#}"),
        };
        let component = Component::new(&self.engine, bytes).map_err(invalid)?;
        let instance_pre = self.linker.instantiate_pre(&component).map_err(invalid)?;
        let pre = SourcePluginPre::new(instance_pre).map_err(invalid)?;
        let info = {
            let mut store = self.new_store();
            let plugin = pre.instantiate(&mut store).map_err(invalid)?;
            sandbox::arm_deadline(&mut store, &self.limits);
            plugin
                .lanner_plugin_identity()
                .call_info(&mut store)
                .map_err(|e| PluginError::Call {
                    plugin: origin.to_string(),
                    call: "info",
                    reason: sandbox::describe_failure(&e, &store),
                })?
        };
        check_contract(&info.name, &info.contract_version)?;
        Ok(LoadedPlugin { info, pre })
    }

    fn new_store(&self) -> Store<sandbox::PluginState> {
        sandbox::new_store(&self.engine, &self.limits)
    }
}

impl LoadedPlugin {
    /// The instance-ready form of the plugin, for sources that run it.
    #[allow(dead_code)]
    pub(crate) fn pre(&self) -> &SourcePluginPre<sandbox::PluginState> {
        &self.pre
    }
}

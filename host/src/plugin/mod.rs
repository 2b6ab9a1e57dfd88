//! The WebAssembly component host for plugins.
//!
//! One [`PluginHost`] per process owns the wasmtime engine, the linker (the
//! few WASI interfaces a plugin needs, granting nothing and unable to block
//! or reach the network, plus the `log` import) and the compiled-component
//! cache. [`PluginHost::load`] compiles a component, checks its contract
//! version and reads its identity, fields and configuration schema;
//! [`PluginHost::instantiate`] makes a [`PluginInstance`] whose every call has
//! a deadline and a memory cap. [`Supervisor`] restarts an instance that
//! faults, with backoff.

mod bindings;
mod cache;
mod catalog;
mod contract;
mod instance;
mod returns;
mod sandbox;
mod schema;
pub mod supervisor;
pub mod watchdog;

pub use cache::ComponentCache;
pub use catalog::{BUILTIN_PLUGINS, PluginOrigin, PluginSelection, PluginSpec, load_plugins};
pub use contract::{CONTRACT_VERSION, ContractError, check_contract};
pub use instance::{CallError, Fault, PluginInstance};
pub use sandbox::{FaultKind, Limits};
pub use schema::ConfigError;
pub use supervisor::{FaultReport, Supervisor};

/// Types of the contract as the host sees them.
pub mod wit {
    pub use super::bindings::wit::{
        BatchEnd, Event, EventRef, FieldArg, FieldInfo, FieldRequest, FieldType, FieldValue,
        Ingested, PluginInfo, RequestArg,
    };
}

use crate::trust;
use bindings::{extractor::ExtractorPluginPre, source::SourcePluginPre};
use sandbox::PluginState;
use std::path::Path;
use wasmtime::{
    Config, Engine,
    component::{Component, HasSelf, Linker},
};

/// Largest plugin component read from disk; real ones are a few MiB.
const MAX_COMPONENT_BYTES: u64 = 256 << 20;

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
    /// The bytes are not a valid component, or not a Lanner plugin.
    #[error("{path} is not a loadable Lanner plugin component: {reason}")]
    Invalid {
        /// The plugin file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A call into the plugin failed while loading it.
    #[error("plugin `{plugin}` failed in `{call}` while loading: {reason}")]
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
    /// The plugin's configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The plugin refused its configuration or open parameters.
    #[error("plugin `{plugin}` refused to start: {reason}")]
    Refused {
        /// The plugin.
        plugin: String,
        /// Its message.
        reason: String,
    },
    /// A plugin file or directory that others could have written.
    #[error(transparent)]
    Untrusted(#[from] trust::Untrusted),
    /// The engine could not be configured.
    #[error("wasm engine: {0}")]
    Engine(String),
}

/// Which world a plugin implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluginKind {
    /// Produces events of its own source and extracts their fields.
    Source,
    /// Only extracts fields from other sources' events.
    Extractor,
}

/// The pre-linked form of a plugin, ready to instantiate cheaply.
#[derive(Clone)]
enum Pre {
    Source(SourcePluginPre<PluginState>),
    Extractor(ExtractorPluginPre<PluginState>),
}

/// A compiled, contract-checked plugin: what it says about itself, ready to instantiate.
#[derive(Clone)]
pub struct LoadedPlugin {
    /// Its identity.
    pub info: wit::PluginInfo,
    /// Source or extractor.
    pub kind: PluginKind,
    /// Its field table, in id order.
    pub fields: Vec<wit::FieldInfo>,
    /// The JSON Schema of its configuration, if it declares one.
    pub config_schema: Option<String>,
    /// Where it came from (file path or `built-in`), for messages.
    pub origin: String,
    /// Bytes of the component's code, for listings.
    pub size: usize,
    pre: Pre,
}

impl LoadedPlugin {
    /// The sources this plugin extracts fields from, given every plugin source loaded.
    pub fn extracts_from(&self, plugin_sources: &[String]) -> Vec<String> {
        if !self.info.extract_sources.is_empty() {
            return self.info.extract_sources.clone();
        }
        match &self.info.event_source {
            Some(own) => vec![own.clone()],
            None => plugin_sources.to_vec(),
        }
    }
}

/// Owns the wasmtime engine and the linker shared by every plugin.
pub struct PluginHost {
    engine: Engine,
    linker: Linker<PluginState>,
    limits: Limits,
    cache: ComponentCache,
}

impl PluginHost {
    /// Builds the engine and linker with the given per-instance limits and cache.
    pub fn new(limits: Limits, cache: ComponentCache) -> Result<Self, PluginError> {
        let engine_error = |e: wasmtime::Error| PluginError::Engine(format!("{e:#}"));
        let mut config = Config::new();
        config.epoch_interruption(true);
        // Plugins are called synchronously from dedicated threads; the async
        // machinery only adds cost per call (see shared/reference/wasm-host.md).
        config.concurrency_support(false);
        config.max_wasm_stack(limits.max_stack_bytes);
        let engine = Engine::new(&config).map_err(engine_error)?;
        let mut linker = Linker::new(&engine);
        sandbox::add_wasi(&mut linker).map_err(engine_error)?;
        bindings::wit_log::add_to_linker::<_, HasSelf<PluginState>>(&mut linker, |state| state)
            .map_err(engine_error)?;
        sandbox::start_epoch_ticker(&engine)
            .map_err(|e| PluginError::Engine(format!("starting the deadline ticker: {e}")))?;
        Ok(Self {
            engine,
            linker,
            limits,
            cache,
        })
    }

    /// The limits every instance runs under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Reads and loads the component at `path`, which must pass the
    /// ownership checks of [`trust`] (it is code this process will run).
    pub fn load_file(&self, path: &Path) -> Result<LoadedPlugin, PluginError> {
        let display = path.display().to_string();
        let bytes = trust::read_file(path, MAX_COMPONENT_BYTES)?;
        self.load(&display, &bytes)
    }

    /// Compiles (or fetches from the cache) a component, checks its contract
    /// version, and reads its identity, fields and configuration schema.
    /// `origin` names the bytes in messages.
    pub fn load(&self, origin: &str, bytes: &[u8]) -> Result<LoadedPlugin, PluginError> {
        let invalid = |reason: String| PluginError::Invalid {
            path: origin.to_string(),
            reason,
        };
        let component = self
            .cache
            .component(&self.engine, bytes)
            .map_err(|e| invalid(format!("{e:#}")))?;
        self.check_contract_names(origin, &component)?;
        if let Some(import) = sandbox::unlinked_import(&self.engine, &component) {
            return Err(invalid(format!(
                "it imports `{import}`, which Lanner does not give plugins (no network, no name lookup, nothing beyond {})",
                sandbox::linked_interfaces().join(", ")
            )));
        }
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| invalid(format!("{e:#}")))?;
        let pre = match SourcePluginPre::new(instance_pre.clone()) {
            Ok(pre) => Pre::Source(pre),
            Err(_) => match ExtractorPluginPre::new(instance_pre) {
                Ok(pre) => Pre::Extractor(pre),
                Err(e) => {
                    return Err(invalid(format!(
                        "it exports neither the source-plugin nor the extractor-plugin world of contract {CONTRACT_VERSION}: {e:#}"
                    )));
                }
            },
        };
        let mut instance = PluginInstance::new(&self.engine, &self.limits, &pre, origin)
            .map_err(|e| invalid(format!("{e:#}")))?;
        let call_error = |call: &'static str| {
            move |e: CallError| PluginError::Call {
                plugin: origin.to_string(),
                call,
                reason: e.to_string(),
            }
        };
        let info = instance.info().map_err(call_error("info"))?;
        check_contract(&info.name, &info.contract_version)?;
        let kind = match pre {
            Pre::Source(_) => PluginKind::Source,
            Pre::Extractor(_) => PluginKind::Extractor,
        };
        if kind == PluginKind::Source && info.event_source.as_deref().is_none_or(str::is_empty) {
            return Err(invalid(format!(
                "plugin `{}` exports the source interface but names no event source",
                info.name
            )));
        }
        if info.event_source.as_deref() == Some("syscall") {
            return Err(invalid(format!(
                "plugin `{}` claims the reserved event source `syscall`",
                info.name
            )));
        }
        let fields = instance.fields().map_err(call_error("fields"))?;
        if let Some(empty) = fields.iter().find(|f| f.description.trim().is_empty()) {
            return Err(invalid(format!(
                "field `{}` of plugin `{}` has no description",
                empty.name, info.name
            )));
        }
        let config_schema = instance
            .config_schema()
            .map_err(call_error("config-schema"))?;
        Ok(LoadedPlugin {
            info,
            kind,
            fields,
            config_schema,
            origin: origin.to_string(),
            size: bytes.len(),
            pre,
        })
    }

    /// Refuses a component whose imports or exports name another contract version.
    fn check_contract_names(&self, origin: &str, component: &Component) -> Result<(), PluginError> {
        let ty = component.component_type();
        let imports: Vec<String> = ty
            .imports(&self.engine)
            .map(|(n, _)| n.to_string())
            .collect();
        let exports: Vec<String> = ty
            .exports(&self.engine)
            .map(|(n, _)| n.to_string())
            .collect();
        let names = imports.iter().chain(exports.iter()).map(String::as_str);
        if let Some(version) = contract::version_in_names(names) {
            check_contract(origin, &version)?;
        }
        Ok(())
    }

    /// A fresh instance of `plugin`, not yet configured.
    pub fn instantiate(&self, plugin: &LoadedPlugin) -> Result<PluginInstance, PluginError> {
        PluginInstance::new(&self.engine, &self.limits, &plugin.pre, &plugin.info.name).map_err(
            |e| PluginError::Invalid {
                path: plugin.origin.clone(),
                reason: format!("instantiating: {e:#}"),
            },
        )
    }

    /// A fresh instance of `plugin`, configured with `config` (validated
    /// against its schema first) and, for sources, opened with `open_params`.
    pub fn start(
        &self,
        plugin: &LoadedPlugin,
        config: &str,
        open_params: &str,
    ) -> Result<PluginInstance, PluginError> {
        let config = schema::validate(&plugin.info.name, plugin.config_schema.as_deref(), config)?;
        let mut instance = self.instantiate(plugin)?;
        let refused = |reason: String| PluginError::Refused {
            plugin: plugin.info.name.clone(),
            reason,
        };
        instance.init(&config).map_err(|e| refused(e.to_string()))?;
        if plugin.kind == PluginKind::Source {
            instance
                .open(open_params)
                .map_err(|e| refused(e.to_string()))?;
        }
        Ok(instance)
    }
}

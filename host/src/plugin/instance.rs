//! One running plugin instance: its own store, so a fault poisons nothing
//! else, and typed calls that each run under a fresh deadline.

use super::{
    Pre,
    bindings::{extractor::ExtractorPlugin, source::SourcePlugin, wit},
    sandbox::{self, FaultKind, Limits, PluginState},
};
use wasmtime::{Engine, Store};

/// A call that left the instance unusable: it must be dropped and replaced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("plugin `{plugin}` {kind} in `{call}`")]
pub struct Fault {
    /// The plugin's name.
    pub plugin: String,
    /// The exported function that faulted.
    pub call: &'static str,
    /// What happened.
    pub kind: FaultKind,
}

/// Why a call did not return a result.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The instance faulted (deadline, memory, trap) and is dead.
    #[error(transparent)]
    Fault(#[from] Fault),
    /// The plugin returned an error; the instance is still usable.
    #[error("plugin `{plugin}` refused `{call}`: {message}")]
    Refused {
        /// The plugin's name.
        plugin: String,
        /// The call.
        call: &'static str,
        /// Its message.
        message: String,
    },
}

enum Bindings {
    Source(SourcePlugin),
    Extractor(ExtractorPlugin),
}

/// A live plugin instance.
pub struct PluginInstance {
    store: Store<PluginState>,
    bindings: Bindings,
    limits: Limits,
    name: String,
    dead: Option<Fault>,
}

/// Calls a function every world exports, whichever world the instance has.
macro_rules! any_world {
    ($bindings:expr, $plugin:ident => $call:expr) => {
        match $bindings {
            Bindings::Source($plugin) => $call,
            Bindings::Extractor($plugin) => $call,
        }
    };
}

impl PluginInstance {
    pub(super) fn new(
        engine: &Engine,
        limits: &Limits,
        pre: &Pre,
        name: &str,
    ) -> wasmtime::Result<Self> {
        let mut store = sandbox::new_store(engine, limits, name);
        let bindings = match pre {
            Pre::Source(pre) => Bindings::Source(pre.instantiate(&mut store)?),
            Pre::Extractor(pre) => Bindings::Extractor(pre.instantiate(&mut store)?),
        };
        Ok(Self {
            store,
            bindings,
            limits: limits.clone(),
            name: name.to_string(),
            dead: None,
        })
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs one call under a fresh deadline; a trap marks the instance dead.
    fn call<R>(
        &mut self,
        call: &'static str,
        f: impl FnOnce(&Bindings, &mut Store<PluginState>) -> wasmtime::Result<R>,
    ) -> Result<R, Fault> {
        if let Some(fault) = &self.dead {
            return Err(fault.clone());
        }
        sandbox::arm_deadline(&mut self.store, &self.limits);
        match f(&self.bindings, &mut self.store) {
            Ok(result) => Ok(result),
            Err(error) => {
                let fault = Fault {
                    plugin: self.name.clone(),
                    call,
                    kind: sandbox::classify(&error, &self.store, &self.limits),
                };
                self.dead = Some(fault.clone());
                Err(fault)
            }
        }
    }

    fn refused(&self, call: &'static str, message: String) -> CallError {
        CallError::Refused {
            plugin: self.name.clone(),
            call,
            message,
        }
    }

    /// The plugin's identity.
    pub fn info(&mut self) -> Result<wit::PluginInfo, CallError> {
        Ok(self.call("info", |b, store| any_world!(b, p => p.call_info(store)))?)
    }

    /// The plugin's field table.
    pub fn fields(&mut self) -> Result<Vec<wit::FieldInfo>, CallError> {
        Ok(self.call(
            "fields",
            |b, store| any_world!(b, p => p.call_fields(store)),
        )?)
    }

    /// The plugin's configuration schema.
    pub fn config_schema(&mut self) -> Result<Option<String>, CallError> {
        Ok(self.call(
            "config-schema",
            |b, store| any_world!(b, p => p.call_config_schema(store)),
        )?)
    }

    /// Configures the plugin with validated JSON.
    pub fn init(&mut self, config: &str) -> Result<(), CallError> {
        self.call(
            "init",
            |b, store| any_world!(b, p => p.call_init(store, config)),
        )?
        .map_err(|message| self.refused("init", message))
    }

    /// Opens the source with its parameters; extractors have nothing to open.
    pub fn open(&mut self, params: &str) -> Result<(), CallError> {
        let result = self.call("open", |b, store| match b {
            Bindings::Source(p) => p.lanner_plugin_source().call_open(store, params),
            Bindings::Extractor(_) => Ok(Ok(())),
        })?;
        result.map_err(|message| self.refused("open", message))
    }

    /// Splits a payload into events (sources only; an extractor rejects it).
    pub fn ingest(&mut self, payload: &[u8]) -> Result<wit::Ingested, Fault> {
        self.call("ingest", |b, store| match b {
            Bindings::Source(p) => p.lanner_plugin_source().call_ingest(store, payload),
            Bindings::Extractor(_) => Ok(wit::Ingested {
                events: Vec::new(),
                rejected: vec!["an extractor plugin takes no payloads".into()],
            }),
        })
    }

    /// Self-produced events (sources only).
    pub fn next_batch(
        &mut self,
        max_events: u32,
    ) -> Result<Result<Vec<wit::Event>, wit::BatchEnd>, Fault> {
        self.call("next-batch", |b, store| match b {
            Bindings::Source(p) => p.lanner_plugin_source().call_next_batch(store, max_events),
            Bindings::Extractor(_) => Ok(Err(wit::BatchEnd::Eof)),
        })
    }

    /// Extracts `requests` from each of `events`, event-major.
    pub fn extract(
        &mut self,
        events: &[wit::EventRef],
        requests: &[wit::FieldRequest],
    ) -> Result<Vec<wit::FieldValue>, CallError> {
        self.call(
            "extract",
            |b, store| any_world!(b, p => p.call_extract(store, events, requests)),
        )?
        .map_err(|message| self.refused("extract", message))
    }
}

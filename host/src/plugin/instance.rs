//! One running plugin instance: its own store, so a fault poisons nothing
//! else, and typed calls that each run under a fresh deadline.

use super::{
    Pre,
    bindings::wit,
    returns,
    sandbox::{self, FaultKind, Limits, PluginState},
    watchdog,
};
use wasmtime::{
    Engine, Store,
    component::{Func, Instance, TypedFunc},
};

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

/// The exports of one instance, looked up and type-checked once against the
/// budgeted return types of [`returns`] (see there for why not bindgen's).
struct Exports {
    info: Func,
    fields: Func,
    config_schema: Func,
    init: Func,
    extract: Func,
    /// `open`, `ingest` and `next-batch`, for sources.
    source: Option<SourceExports>,
}

struct SourceExports {
    open: Func,
    ingest: Func,
    next_batch: Func,
}

type InfoFn = TypedFunc<(), (returns::PluginInfo,)>;
type FieldsFn = TypedFunc<(), (returns::Capped<Vec<returns::FieldInfo>>,)>;
type SchemaFn = TypedFunc<(), (Option<returns::Text>,)>;
type NextBatchFn =
    TypedFunc<(u32,), (Result<returns::Capped<Vec<returns::Event>>, returns::BatchEnd>,)>;

impl Exports {
    fn load(
        store: &mut Store<PluginState>,
        instance: &Instance,
        source: bool,
    ) -> wasmtime::Result<Self> {
        let mut func = |interface: Option<&str>, name: &str| -> wasmtime::Result<Func> {
            let parent = match interface {
                Some(interface) => Some(
                    instance
                        .get_export_index(&mut *store, None, interface)
                        .ok_or_else(|| wasmtime::format_err!("no export `{interface}`"))?,
                ),
                None => None,
            };
            let index = instance
                .get_export_index(&mut *store, parent.as_ref(), name)
                .ok_or_else(|| wasmtime::format_err!("no export `{name}`"))?;
            instance
                .get_func(&mut *store, index)
                .ok_or_else(|| wasmtime::format_err!("export `{name}` is not a function"))
        };
        let exports = Self {
            info: func(None, "info")?,
            fields: func(None, "fields")?,
            config_schema: func(None, "config-schema")?,
            init: func(None, "init")?,
            extract: func(None, "extract")?,
            source: if source {
                let interface = format!("lanner:plugin/source@{}", super::CONTRACT_VERSION);
                Some(SourceExports {
                    open: func(Some(&interface), "open")?,
                    ingest: func(Some(&interface), "ingest")?,
                    next_batch: func(Some(&interface), "next-batch")?,
                })
            } else {
                None
            },
        };
        // Type-check each export once against the types it is called with,
        // so each call can skip the check.
        exports.info.typed::<(), (returns::PluginInfo,)>(&*store)?;
        exports
            .fields
            .typed::<(), (returns::Capped<Vec<returns::FieldInfo>>,)>(&*store)?;
        exports
            .config_schema
            .typed::<(), (Option<returns::Text>,)>(&*store)?;
        exports
            .init
            .typed::<(&str,), (Result<(), returns::Text>,)>(&*store)?;
        exports.extract.typed::<
            (&[wit::EventRef], &[wit::FieldRequest]),
            (Result<returns::Capped<Vec<returns::FieldValue>>, returns::Text>,),
        >(&*store)?;
        if let Some(source) = &exports.source {
            source
                .open
                .typed::<(&str,), (Result<(), returns::Text>,)>(&*store)?;
            source
                .ingest
                .typed::<(&[u8],), (returns::Ingested,)>(&*store)?;
            source.next_batch.typed::<
                (u32,),
                (Result<returns::Capped<Vec<returns::Event>>, returns::BatchEnd>,),
            >(&*store)?;
        }
        Ok(exports)
    }
}

/// A live plugin instance.
pub struct PluginInstance {
    store: Store<PluginState>,
    exports: Exports,
    limits: Limits,
    name: String,
    dead: Option<Fault>,
}

impl PluginInstance {
    pub(super) fn new(
        engine: &Engine,
        limits: &Limits,
        pre: &Pre,
        name: &str,
    ) -> wasmtime::Result<Self> {
        let mut store = sandbox::new_store(engine, limits, name);
        let (instance, source) = match pre {
            Pre::Source(pre) => (pre.instance_pre().instantiate(&mut store)?, true),
            Pre::Extractor(pre) => (pre.instance_pre().instantiate(&mut store)?, false),
        };
        let exports = Exports::load(&mut store, &instance, source)?;
        Ok(Self {
            store,
            exports,
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
    ///
    /// Three limits apply besides the instance's memory cap: the epoch
    /// deadline (wasm code), the byte budget on the returned value (lifting),
    /// and the wall-clock watchdog, which reports a call stuck past its
    /// deadline anywhere (a host call included) and makes it a fault when it
    /// returns, so the instance is replaced.
    fn call<R>(
        &mut self,
        call: &'static str,
        f: impl FnOnce(&Exports, &mut Store<PluginState>) -> wasmtime::Result<R>,
    ) -> Result<R, Fault> {
        if let Some(fault) = &self.dead {
            return Err(fault.clone());
        }
        sandbox::arm_deadline(&mut self.store, &self.limits);
        let watch = watchdog::watch(&self.name, call, self.limits.call_timeout);
        let budget = returns::Budget::arm(self.limits.max_return_bytes);
        let result = f(&self.exports, &mut self.store);
        let kind = if budget.exceeded() {
            Some(FaultKind::ReturnTooLarge(self.limits.max_return_bytes))
        } else if watch.overdue() {
            Some(FaultKind::Stuck(watch.elapsed()))
        } else {
            result
                .as_ref()
                .err()
                .map(|error| sandbox::classify(error, &self.store, &self.limits))
        };
        drop(budget);
        match kind {
            None => result.map_err(|error| Fault {
                plugin: self.name.clone(),
                call,
                kind: FaultKind::Trap(format!("{error:#}")),
            }),
            Some(kind) => {
                let fault = Fault {
                    plugin: self.name.clone(),
                    call,
                    kind,
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
        let (info,) = self.call("info", |e, store| {
            // SAFETY: type-checked against these types in `Exports::load`.
            unsafe { InfoFn::new_unchecked(e.info) }.call(store, ())
        })?;
        Ok(info.into())
    }

    /// The plugin's field table.
    pub fn fields(&mut self) -> Result<Vec<wit::FieldInfo>, CallError> {
        let (fields,) = self.call("fields", |e, store| {
            // SAFETY: type-checked against these types in `Exports::load`.
            unsafe { FieldsFn::new_unchecked(e.fields) }.call(store, ())
        })?;
        Ok(fields.0.into_iter().map(wit::FieldInfo::from).collect())
    }

    /// The plugin's configuration schema.
    pub fn config_schema(&mut self) -> Result<Option<String>, CallError> {
        let (schema,) = self.call("config-schema", |e, store| {
            // SAFETY: type-checked against these types in `Exports::load`.
            unsafe { SchemaFn::new_unchecked(e.config_schema) }.call(store, ())
        })?;
        Ok(schema.map(|t| t.0))
    }

    /// Configures the plugin with validated JSON.
    pub fn init(&mut self, config: &str) -> Result<(), CallError> {
        let (result,) = self.call("init", |e, store| {
            // SAFETY: type-checked against these types in `Exports::load`;
            // the `'static` in the alias is only the type's shape, the
            // argument is borrowed for the call alone.
            unsafe { TypedFunc::<(&str,), (Result<(), returns::Text>,)>::new_unchecked(e.init) }
                .call(store, (config,))
        })?;
        result.map_err(|message| self.refused("init", message.0))
    }

    /// Opens the source with its parameters; extractors have nothing to open.
    pub fn open(&mut self, params: &str) -> Result<(), CallError> {
        let (result,) = self.call("open", |e, store| match &e.source {
            // SAFETY: type-checked against these types in `Exports::load`.
            Some(source) => unsafe {
                TypedFunc::<(&str,), (Result<(), returns::Text>,)>::new_unchecked(source.open)
            }
            .call(store, (params,)),
            None => Ok((Ok(()),)),
        })?;
        result.map_err(|message| self.refused("open", message.0))
    }

    /// Splits a payload into events (sources only; an extractor rejects it).
    pub fn ingest(&mut self, payload: &[u8]) -> Result<wit::Ingested, Fault> {
        self.call("ingest", |e, store| match &e.source {
            // SAFETY: type-checked against these types in `Exports::load`.
            Some(source) => {
                unsafe { TypedFunc::<(&[u8],), (returns::Ingested,)>::new_unchecked(source.ingest) }
                    .call(store, (payload,))
                    .map(|(ingested,)| ingested.into())
            }
            None => Ok(wit::Ingested {
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
        self.call("next-batch", |e, store| match &e.source {
            // SAFETY: type-checked against these types in `Exports::load`.
            Some(source) => unsafe { NextBatchFn::new_unchecked(source.next_batch) }
                .call(store, (max_events,))
                .map(|(batch,)| batch.map(returns::events).map_err(wit::BatchEnd::from)),
            None => Ok(Err(wit::BatchEnd::Eof)),
        })
    }

    /// Extracts `requests` from each of `events`, event-major.
    pub fn extract(
        &mut self,
        events: &[wit::EventRef],
        requests: &[wit::FieldRequest],
    ) -> Result<Vec<wit::FieldValue>, CallError> {
        let (result,) = self.call("extract", |e, store| {
            // SAFETY: type-checked against these types in `Exports::load`.
            unsafe {
                TypedFunc::<
                    (&[wit::EventRef], &[wit::FieldRequest]),
                    (Result<returns::Capped<Vec<returns::FieldValue>>, returns::Text>,),
                >::new_unchecked(e.extract)
            }
            .call(store, (events, requests))
        })?;
        result
            .map(|values| values.0.into_iter().map(wit::FieldValue::from).collect())
            .map_err(|message| self.refused("extract", message.0))
    }
}

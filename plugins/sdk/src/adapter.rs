//! Bridges a [`Plugin`] to the generated WIT export traits: converts types,
//! keeps the configured [`Runner`] in the instance's state, and turns
//! "called before init" into an error instead of a trap.

use crate::{
    ArgSpec, BatchEnd, CONTRACT_VERSION, EventRef, FieldInfo, FieldType, Plugin, Request, Runner,
    Source, Value,
    bindings::{extractor, source, wit},
    runner::RequestArg,
};
use std::marker::PhantomData;

/// Access to the per-instance [`Runner`]; implemented by the export macros.
pub trait HasState: Plugin {
    /// Runs `f` with the instance's runner slot.
    fn with_state<R>(f: impl FnOnce(&mut Option<Runner<Self>>) -> R) -> R;
}

/// Implements the source-plugin world for `P`.
pub struct SourceAdapter<P>(PhantomData<P>);

/// Implements the extractor-plugin world for `P`.
pub struct ExtractorAdapter<P>(PhantomData<P>);

const NOT_INITIALIZED: &str = "the plugin was called before init";

fn info<P: Plugin>() -> wit::PluginInfo {
    wit::PluginInfo {
        name: P::NAME.into(),
        version: P::VERSION.into(),
        contract_version: CONTRACT_VERSION.into(),
        event_source: P::EVENT_SOURCE.map(Into::into),
        extract_sources: P::EXTRACT_SOURCES.iter().map(|s| s.to_string()).collect(),
        description: P::DESCRIPTION.into(),
        contact: P::CONTACT.into(),
    }
}

fn init<P: HasState>(config: String) -> Result<(), String> {
    #[cfg(target_family = "wasm")]
    install_panic_logger();
    let runner = Runner::<P>::new(&config)?;
    P::with_state(|state| *state = Some(runner));
    Ok(())
}

/// Sends the panic message to the host log before the trap, so the operator
/// sees why the plugin died, not only that it did.
#[cfg(target_family = "wasm")]
fn install_panic_logger() {
    std::panic::set_hook(Box::new(|panic| {
        crate::log::write(crate::log::Level::Error, &format!("panic: {panic}"));
    }));
}

fn fields<P: Plugin>() -> Vec<wit::FieldInfo> {
    Runner::<P>::field_infos()
        .into_iter()
        .map(field_to_wit)
        .collect()
}

fn field_to_wit(field: FieldInfo) -> wit::FieldInfo {
    wit::FieldInfo {
        name: field.name,
        type_: match field.ty {
            FieldType::String => wit::FieldType::String,
            FieldType::U64 => wit::FieldType::U64,
            FieldType::Bool => wit::FieldType::Bool,
            FieldType::RelTime => wit::FieldType::Reltime,
            FieldType::AbsTime => wit::FieldType::Abstime,
            FieldType::IpAddr => wit::FieldType::Ipaddr,
            FieldType::IpNet => wit::FieldType::Ipnet,
        },
        is_list: field.is_list,
        arg: match field.arg {
            ArgSpec::None => wit::FieldArg::None,
            ArgSpec::OptionalIndex => wit::FieldArg::OptionalIndex,
            ArgSpec::RequiredIndex => wit::FieldArg::RequiredIndex,
            ArgSpec::OptionalKey => wit::FieldArg::OptionalKey,
            ArgSpec::RequiredKey => wit::FieldArg::RequiredKey,
        },
        description: field.description,
        add_output: field.add_output,
        hidden: field.hidden,
    }
}

fn value_to_wit(value: Value) -> wit::FieldValue {
    match value {
        Value::Absent => wit::FieldValue::Absent,
        Value::Text(t) => wit::FieldValue::Text(t),
        Value::Number(n) => wit::FieldValue::Number(n),
        Value::Flag(b) => wit::FieldValue::Flag(b),
        Value::Texts(t) => wit::FieldValue::Texts(t),
        Value::Numbers(n) => wit::FieldValue::Numbers(n),
        Value::Flags(b) => wit::FieldValue::Flags(b),
    }
}

fn extract<P: HasState>(
    events: Vec<wit::EventRef>,
    requests: Vec<wit::FieldRequest>,
) -> Result<Vec<wit::FieldValue>, String> {
    let events: Vec<EventRef<'_>> = events
        .iter()
        .map(|e| EventRef {
            number: e.number,
            timestamp_ns: e.timestamp_ns,
            data: &e.data,
        })
        .collect();
    let requests: Vec<Request> = requests
        .into_iter()
        .map(|r| Request {
            field: r.field,
            arg: match r.arg {
                wit::RequestArg::None => RequestArg::None,
                wit::RequestArg::Index(i) => RequestArg::Index(i),
                wit::RequestArg::Key(k) => RequestArg::Key(k),
            },
        })
        .collect();
    P::with_state(|state| {
        let runner = state.as_mut().ok_or(NOT_INITIALIZED)?;
        let values = runner.extract(&events, &requests)?;
        Ok(values.into_iter().map(value_to_wit).collect())
    })
}

fn event_to_wit(event: crate::Event) -> wit::Event {
    wit::Event {
        timestamp_ns: event.timestamp_ns,
        data: event.data,
    }
}

macro_rules! plugin_guest {
    ($adapter:ident, $world:ident) => {
        impl<P: HasState> $world::Guest for $adapter<P> {
            fn info() -> wit::PluginInfo {
                info::<P>()
            }
            fn config_schema() -> Option<String> {
                P::CONFIG_SCHEMA.map(Into::into)
            }
            fn init(config: String) -> Result<(), String> {
                init::<P>(config)
            }
            fn fields() -> Vec<wit::FieldInfo> {
                fields::<P>()
            }
            fn extract(
                events: Vec<wit::EventRef>,
                requests: Vec<wit::FieldRequest>,
            ) -> Result<Vec<wit::FieldValue>, String> {
                extract::<P>(events, requests)
            }
        }
    };
}

plugin_guest!(SourceAdapter, source);
plugin_guest!(ExtractorAdapter, extractor);

impl<P: HasState + Source> source::exports::lanner::plugin::source::Guest for SourceAdapter<P> {
    fn open(params: String) -> Result<(), String> {
        P::with_state(|state| state.as_mut().ok_or(NOT_INITIALIZED)?.open(&params))
    }

    fn ingest(payload: Vec<u8>) -> wit::Ingested {
        P::with_state(|state| match state.as_mut() {
            Some(runner) => {
                let ingested = runner.ingest(&payload);
                wit::Ingested {
                    events: ingested.events.into_iter().map(event_to_wit).collect(),
                    rejected: ingested.rejected,
                }
            }
            None => wit::Ingested {
                events: Vec::new(),
                rejected: vec![NOT_INITIALIZED.into()],
            },
        })
    }

    fn next_batch(max_events: u32) -> Result<Vec<wit::Event>, wit::BatchEnd> {
        P::with_state(|state| {
            let runner = state
                .as_mut()
                .ok_or_else(|| wit::BatchEnd::Failure(NOT_INITIALIZED.into()))?;
            match runner.next_batch(max_events) {
                Ok(events) => Ok(events.into_iter().map(event_to_wit).collect()),
                Err(BatchEnd::Eof) => Err(wit::BatchEnd::Eof),
                Err(BatchEnd::Failure(reason)) => Err(wit::BatchEnd::Failure(reason)),
            }
        })
    }
}

//! Fields the engine knows itself, from the event's envelope rather than its
//! payload: its number, time, source and the host name.

use crate::{engine::output::alert, fields::Value};
use std::borrow::Cow;

/// The envelope of an event being evaluated.
#[derive(Clone, Debug, Default)]
pub struct EventContext {
    /// Sequence number of the event within its source, from 1.
    pub number: u64,
    /// The source's name.
    pub source: String,
    /// The host the engine runs on.
    pub hostname: String,
    /// When capture started, ns since the epoch (for `evt.reltime`).
    pub start_ns: u64,
}

/// A field computed by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum EngineField {
    Num,
    Time,
    TimeS,
    TimeIso8601,
    Datetime,
    DatetimeS,
    RawTime,
    RawTimeS,
    RawTimeNs,
    RelTime,
    RelTimeS,
    RelTimeNs,
    Source,
    Hostname,
    IsAsync,
    PluginName,
}

impl EngineField {
    /// The engine field behind a common field name, if the engine computes it.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "evt.num" => Self::Num,
            "evt.time" => Self::Time,
            "evt.time.s" => Self::TimeS,
            "evt.time.iso8601" => Self::TimeIso8601,
            "evt.datetime" => Self::Datetime,
            "evt.datetime.s" => Self::DatetimeS,
            "evt.rawtime" => Self::RawTime,
            "evt.rawtime.s" => Self::RawTimeS,
            "evt.rawtime.ns" => Self::RawTimeNs,
            "evt.reltime" => Self::RelTime,
            "evt.reltime.s" => Self::RelTimeS,
            "evt.reltime.ns" => Self::RelTimeNs,
            "evt.source" => Self::Source,
            "evt.hostname" => Self::Hostname,
            "evt.is_async" => Self::IsAsync,
            "evt.pluginname" => Self::PluginName,
            _ => return None,
        })
    }
}

impl EventContext {
    /// The value of an engine field for an event that happened at `ts_ns`.
    pub fn extract(&self, field: EngineField, ts_ns: u64) -> Option<Value<'static>> {
        let text = |s: String| Some(Value::Str(Cow::Owned(s)));
        let rel = ts_ns.saturating_sub(self.start_ns);
        match field {
            EngineField::Num => Some(Value::UInt(self.number)),
            EngineField::Time => text(alert::time_of_day(ts_ns)),
            EngineField::TimeS => text(alert::time_of_day(ts_ns)[..8].to_string()),
            EngineField::TimeIso8601 => text(alert::utc_rfc3339(ts_ns)),
            EngineField::Datetime => text(alert::datetime(ts_ns)),
            EngineField::DatetimeS => {
                let full = alert::datetime(ts_ns);
                text(full.split('.').next().unwrap_or(&full).to_string())
            }
            EngineField::RawTime => Some(Value::AbsTime(ts_ns)),
            EngineField::RawTimeS => Some(Value::AbsTime(ts_ns / 1_000_000_000)),
            EngineField::RawTimeNs => Some(Value::AbsTime(ts_ns % 1_000_000_000)),
            EngineField::RelTime => Some(Value::RelTime(rel)),
            EngineField::RelTimeS => Some(Value::RelTime(rel / 1_000_000_000)),
            EngineField::RelTimeNs => Some(Value::RelTime(rel % 1_000_000_000)),
            EngineField::Source | EngineField::PluginName => text(self.source.clone()),
            EngineField::Hostname => text(self.hostname.clone()),
            EngineField::IsAsync => Some(Value::Bool(false)),
        }
    }
}

//! Fields every event source has, whatever produced the event.
//!
//! Falco gives plugin sources a small set of `evt.*` fields that come from the
//! event envelope rather than from the plugin: its number, timestamps, source
//! name, host name. Lanner offers them for every source, the engine extracts
//! them itself, and the registry consults them after the source's own table,
//! so a source can still define a richer field of the same name.

use super::registry::{ArgKind, ArgMode, FieldDef, FieldFlags, FieldTable};
use super::value::FieldType;

/// Name of the pseudo-source that holds the common fields in [`table`].
pub const COMMON_SOURCE: &str = "*";

/// `(name, type, description)` of every common field.
#[rustfmt::skip]
const FIELDS: &[(&str, FieldType, &str)] = &[
    ("evt.num", FieldType::UInt, "Sequence number of the event, counted by the engine."),
    ("evt.time", FieldType::String, "Time of the event as a time of day with nanoseconds."),
    ("evt.time.s", FieldType::String, "Time of the event as a time of day, whole seconds."),
    ("evt.time.iso8601", FieldType::String, "Time of the event in ISO 8601 form, UTC."),
    ("evt.datetime", FieldType::String, "Date and time of the event with nanoseconds."),
    ("evt.datetime.s", FieldType::String, "Date and time of the event, whole seconds."),
    ("evt.rawtime", FieldType::AbsTime, "Time of the event, nanoseconds since the epoch."),
    ("evt.rawtime.s", FieldType::AbsTime, "Whole-second part of evt.rawtime."),
    ("evt.rawtime.ns", FieldType::AbsTime, "Sub-second part of evt.rawtime, in nanoseconds."),
    ("evt.reltime", FieldType::RelTime, "Time since the engine started capturing, in nanoseconds."),
    ("evt.reltime.s", FieldType::RelTime, "Whole-second part of evt.reltime."),
    ("evt.reltime.ns", FieldType::RelTime, "Sub-second part of evt.reltime, in nanoseconds."),
    ("evt.pluginname", FieldType::String, "Name of the plugin that produced the event, if any."),
    ("evt.plugininfo", FieldType::String, "Summary of the event as rendered by the plugin that produced it."),
    ("evt.source", FieldType::String, "Name of the event source (syscall, k8s_audit, ...)."),
    ("evt.is_async", FieldType::Bool, "True if the event was produced outside the normal event flow."),
    ("evt.asynctype", FieldType::String, "For asynchronous events, their kind."),
    ("evt.hostname", FieldType::String, "Name of the host the engine runs on."),
];

/// The common fields as a table (source name [`COMMON_SOURCE`], no event types).
pub fn table() -> FieldTable {
    FieldTable {
        source: COMMON_SOURCE.to_owned(),
        fields: FIELDS
            .iter()
            .map(|(name, ty, description)| FieldDef {
                name: (*name).to_owned(),
                ty: *ty,
                arg_mode: ArgMode::None,
                arg_kind: ArgKind::Key,
                flags: FieldFlags::default(),
                description: (*description).to_owned(),
            })
            .collect(),
        event_types: Vec::new(),
    }
}

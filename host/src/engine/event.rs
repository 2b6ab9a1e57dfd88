//! What the engine needs from an event, whatever its source.
//!
//! Sources implement [`Event`]; the engine asks for fields by the id the
//! registry gave them at compile time, so extraction never parses names.

use crate::fields::{FieldId, Value};

/// One field request: which field, with which argument.
#[derive(Clone, Copy, Debug)]
pub struct FieldRequest<'a> {
    /// The field's id in the registry.
    pub id: FieldId,
    /// The field's full name (for sources that dispatch by name).
    pub name: &'a str,
    /// The argument as written (`2` in `proc.aname[2]`, `/a/b` in `json.value[/a/b]`).
    pub arg: Option<&'a str>,
    /// The argument as a number, when the field takes an index.
    pub index: Option<u64>,
    /// The rule set's cache slot for this (field, argument): sources that
    /// extract ahead of evaluation (plugins, in batches) index their values by it.
    pub slot: u32,
}

/// An event of any source, as the engine sees it.
pub trait Event {
    /// The event's type as an index into its source's `event_types` table,
    /// or `None` when the source has no event types (all rules apply).
    fn event_type_index(&self) -> Option<usize>;

    /// When the event happened, in nanoseconds since the Unix epoch.
    fn timestamp_ns(&self) -> u64;

    /// Extracts one field; `None` when the event has no value for it.
    fn extract(&self, request: &FieldRequest<'_>) -> Option<Value<'_>>;
}

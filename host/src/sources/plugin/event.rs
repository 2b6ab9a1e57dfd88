//! A plugin event with its fields already extracted, indexed by the rule
//! set's cache slots.

use crate::{
    engine::{Event, FieldRequest},
    fields::Value,
};

/// One plugin event as the engine evaluates it.
#[derive(Clone, Debug, Default)]
pub struct PluginEvent {
    /// When it happened, ns since the epoch.
    pub timestamp_ns: u64,
    /// The value of each cache slot the source's rules use (`None`: absent
    /// or not a field of this source).
    pub values: Vec<Option<Value<'static>>>,
}

impl Event for PluginEvent {
    /// Plugin sources have no event types: every rule of the source applies.
    fn event_type_index(&self) -> Option<usize> {
        None
    }

    fn timestamp_ns(&self) -> u64 {
        self.timestamp_ns
    }

    fn extract(&self, request: &FieldRequest<'_>) -> Option<Value<'_>> {
        self.values
            .get(request.slot as usize)?
            .as_ref()
            .map(Value::view)
    }
}

//! A plugin event with its fields already extracted, indexed by the rule
//! set's cache slots.

use crate::{
    engine::{Event, FieldRequest},
    fields::Value,
};

/// Fields left out of the batch because only outputs read them, fetched
/// when a rule matches and renders its output.
pub trait DeferredFields {
    /// The value of `slot`, if it is a deferred slot and the event has one.
    fn fetch(&self, slot: u32) -> Option<Value<'static>>;
}

/// One plugin event as the engine evaluates it.
#[derive(Default)]
pub struct PluginEvent<'d> {
    /// When it happened, ns since the epoch.
    pub timestamp_ns: u64,
    /// The value of each cache slot the source's conditions use (`None`:
    /// absent, or not extracted ahead).
    pub values: Vec<Option<Value<'static>>>,
    /// Where the other slots come from.
    pub deferred: Option<&'d dyn DeferredFields>,
}

impl Event for PluginEvent<'_> {
    /// Plugin sources have no event types: every rule of the source applies.
    fn event_type_index(&self) -> Option<usize> {
        None
    }

    fn timestamp_ns(&self) -> u64 {
        self.timestamp_ns
    }

    fn extract(&self, request: &FieldRequest<'_>) -> Option<Value<'_>> {
        if let Some(value) = self.values.get(request.slot as usize)?.as_ref() {
            return Some(value.view());
        }
        self.deferred?.fetch(request.slot)
    }
}

//! The syscall source's events, as the engine sees them.
//!
//! The syscall source keeps the process, fd, user and container tables and
//! extracts fields itself (`lanner_syscall_source`); this module adapts its
//! event views to the engine's [`Event`] trait and its values to the engine's.

pub mod drops;
pub mod interest;
pub mod metrics;

use crate::{
    engine::{Event, FieldRequest},
    fields::Value,
};
use lanner_syscall_source::extract::{EventView, FieldValue};
use std::collections::HashMap;

/// Maps event type names to the indices of the syscall field table.
pub struct EventTypes {
    index: HashMap<String, usize>,
}

impl EventTypes {
    /// Builds the map from the source's event type table.
    pub fn new(types: &[String]) -> Self {
        let mut index = HashMap::new();
        for (i, name) in types.iter().enumerate() {
            index.entry(name.clone()).or_insert(i);
        }
        Self { index }
    }

    /// The index of `name`, if it is a known type.
    pub fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

/// A syscall event with the state it was evaluated against.
pub struct SyscallView<'a> {
    view: EventView<'a>,
    type_index: Option<usize>,
}

impl<'a> SyscallView<'a> {
    /// Wraps a state view, looking its event type up in `types`.
    pub fn new(view: EventView<'a>, types: &EventTypes) -> Self {
        Self {
            type_index: types.get(view.evt_type()),
            view,
        }
    }
}

impl Event for SyscallView<'_> {
    fn event_type_index(&self) -> Option<usize> {
        self.type_index
    }

    fn timestamp_ns(&self) -> u64 {
        self.view.event().ts_ns
    }

    fn extract(&self, request: &FieldRequest<'_>) -> Option<Value<'_>> {
        self.view
            .extract(request.id.field as usize, request.arg, request.index)
            .map(convert)
    }
}

/// The engine's form of a syscall field value (the same variants, other types).
fn convert(value: FieldValue<'_>) -> Value<'_> {
    match value {
        FieldValue::Str(s) => Value::Str(s),
        FieldValue::Bytes(b) => Value::Bytes(b),
        FieldValue::Int(i) => Value::Int(i),
        FieldValue::UInt(u) => Value::UInt(u),
        FieldValue::Bool(b) => Value::Bool(b),
        FieldValue::Ip(ip) => Value::Ip(ip),
        FieldValue::RelTime(ns) => Value::RelTime(ns),
        FieldValue::AbsTime(ns) => Value::AbsTime(ns),
        FieldValue::List(items) => Value::List(items.into_iter().map(convert).collect()),
    }
}

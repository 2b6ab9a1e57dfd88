//! Output-only fields, fetched for one event when a matching rule renders
//! its output.

use super::{DeferredFields, PluginBackend, plan::Plan, values};
use crate::{fields::Value, plugin::wit};
use std::cell::RefCell;

/// Output-only fields of one event, extracted the first time a matching
/// rule's output asks for one: one call per plugin for all of them.
pub(super) struct DeferredFetch<'p> {
    pub state: RefCell<DeferredState<'p>>,
}

pub(super) struct DeferredState<'p> {
    pub backends: &'p mut [Box<dyn PluginBackend>],
    pub plans: &'p [Plan],
    pub slots: &'p [Option<(usize, usize)>],
    pub event: &'p wit::EventRef,
    /// Per plan, once fetched: the value of each of its requests.
    pub fetched: Vec<Option<Vec<Option<Value<'static>>>>>,
    pub malformed: u64,
}

impl DeferredFields for DeferredFetch<'_> {
    fn fetch(&self, slot: u32) -> Option<Value<'static>> {
        let mut guard = self.state.borrow_mut();
        let state = &mut *guard;
        let (plan_index, position) = (*state.slots.get(slot as usize)?)?;
        if state.fetched.get(plan_index)?.is_none() {
            let plan = state.plans.get(plan_index)?;
            let backend = state.backends.get_mut(plan.supervisor)?;
            let event = std::slice::from_ref(state.event);
            let values = match backend.extract(event, &plan.requests) {
                Ok(values) if values.len() == plan.requests.len() => values,
                // Faults are reported by the pipeline after the event; a
                // wrong count or an error leaves the outputs `<NA>`.
                _ => vec![wit::FieldValue::Absent; plan.requests.len()],
            };
            let mut malformed = 0;
            let converted = values
                .into_iter()
                .zip(&plan.fields)
                .map(|(value, (ty, is_list, _))| {
                    values::convert(value, *ty, *is_list).unwrap_or_else(|_| {
                        malformed += 1;
                        None
                    })
                })
                .collect();
            state.malformed += malformed;
            state.fetched[plan_index] = Some(converted);
        }
        state
            .fetched
            .get(plan_index)?
            .as_ref()?
            .get(position)?
            .clone()
    }
}

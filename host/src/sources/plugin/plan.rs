//! Which fields a plugin source must extract, from which plugin, and when:
//! fields conditions read are extracted for every event in batches; fields
//! only outputs read are deferred until a rule matches.

use super::{Provider, source_table};
use crate::{
    engine::Ruleset,
    fields::{ArgKind, FieldType},
    plugin::{PluginSpec, wit},
};

/// The fields one plugin extracts for the source's rules.
pub(super) struct Plan {
    /// Index into the pipeline's supervisors.
    pub supervisor: usize,
    /// The cache slot each request fills.
    pub slots: Vec<u32>,
    pub requests: Vec<wit::FieldRequest>,
    /// Declared type, list-ness and name of each request's field.
    pub fields: Vec<(FieldType, bool, String)>,
    /// Fields only outputs read: extracted for an event once a rule matches it.
    pub deferred: bool,
}

/// Every plan of one source.
pub(super) struct Plans {
    /// The spec index of each plugin to run, the source plugin first; a
    /// plan's `supervisor` indexes this list.
    pub running: Vec<usize>,
    /// One plan per (plugin, deferred or not).
    pub plans: Vec<Plan>,
    /// For each slot of a deferred plan: (plan, position in the plan).
    pub deferred_slots: Vec<Option<(usize, usize)>>,
}

/// Plans the extraction of every field `ruleset` reads from `source`, whose
/// source plugin is `specs[source_plugin]`.
pub(super) fn plan(
    specs: &[PluginSpec],
    source: &str,
    source_plugin: usize,
    ruleset: &Ruleset,
) -> Plans {
    let (table, providers) = source_table(source, specs);
    let mut running = vec![source_plugin];
    let mut plans: Vec<Plan> = Vec::new();
    for (slot, field) in ruleset.source_slots(source) {
        let Some((&Provider { plugin, field: id }, def)) = providers
            .get(field.id.field as usize)
            .zip(table.fields.get(field.id.field as usize))
        else {
            continue;
        };
        let supervisor = running
            .iter()
            .position(|&p| p == plugin)
            .unwrap_or_else(|| {
                running.push(plugin);
                running.len() - 1
            });
        let deferred = !field.in_condition;
        let index = plans
            .iter()
            .position(|p| p.supervisor == supervisor && p.deferred == deferred)
            .unwrap_or_else(|| {
                plans.push(Plan {
                    supervisor,
                    slots: Vec::new(),
                    requests: Vec::new(),
                    fields: Vec::new(),
                    deferred,
                });
                plans.len() - 1
            });
        let arg = match (&field.arg, def.arg_kind) {
            (None, _) => wit::RequestArg::None,
            (Some(arg), ArgKind::Index) => match arg.parse() {
                Ok(index) => wit::RequestArg::Index(index),
                Err(_) => wit::RequestArg::Key(arg.clone()),
            },
            (Some(arg), ArgKind::Key) => wit::RequestArg::Key(arg.clone()),
        };
        let plan = &mut plans[index];
        plan.slots.push(slot);
        plan.requests.push(wit::FieldRequest { field: id, arg });
        plan.fields
            .push((def.ty, def.flags.is_list, def.name.clone()));
    }
    let mut deferred_slots = vec![None; ruleset.field_slots()];
    for (index, plan) in plans.iter().enumerate().filter(|(_, p)| p.deferred) {
        for (position, &slot) in plan.slots.iter().enumerate() {
            if let Some(entry) = deferred_slots.get_mut(slot as usize) {
                *entry = Some((index, position));
            }
        }
    }
    Plans {
        running,
        plans,
        deferred_slots,
    }
}

//! The loaded rule set: compiled rules indexed by source and event type, and
//! the per-event entry point that turns matches into alerts.

use super::{
    compile::{self, CompiledRule, SlotField},
    diagnostics::{Diagnostic, Severity},
    eval::{Evaluation, EventContext},
    event::Event,
    loader::{self, Priority, RulesSource},
    output::Alert,
    requirements,
};
use crate::fields::Registry;
use std::collections::HashMap;

/// Whether an event stops at its first matching rule (Falco's default) or meets every rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MatchMode {
    /// Only the first matching rule, in definition order, alerts.
    #[default]
    First,
    /// Every matching rule alerts.
    All,
}

/// Engine settings that come from the configuration, not the rules.
#[derive(Clone, Debug)]
pub struct RulesetOptions {
    /// Rules less severe than this are loaded but not enabled.
    pub min_priority: Priority,
    /// First or all matches.
    pub match_mode: MatchMode,
    /// Loaded plugins as `(name, version)`, for `required_plugin_versions`.
    pub plugins: Vec<(String, String)>,
}

impl Default for RulesetOptions {
    fn default() -> Self {
        Self {
            min_priority: Priority::Debug,
            match_mode: MatchMode::First,
            plugins: Vec::new(),
        }
    }
}

/// Rules of one source, indexed by event type.
#[derive(Debug, Default)]
struct SourceIndex {
    /// For each event type index, the enabled rules that may match it, in order.
    by_type: Vec<Vec<u32>>,
    /// Enabled rules, in order (for sources without event types).
    all: Vec<u32>,
}

/// A handle on one source's rules, looked up once by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceHandle(usize);

/// Rules loaded and compiled, ready to evaluate events.
#[derive(Debug)]
pub struct Ruleset {
    registry: Registry,
    rules: Vec<CompiledRule>,
    sources: Vec<(String, SourceIndex)>,
    match_mode: MatchMode,
    /// How many field cache slots the rules use (sizes each event's cache).
    field_slots: usize,
    /// The field and argument behind each slot.
    slot_fields: Vec<SlotField>,
}

/// The result of loading rules: the rule set (when there is no error) and every diagnostic.
#[derive(Debug)]
pub struct LoadOutcome {
    /// The rule set, when no error was found.
    pub ruleset: Option<Ruleset>,
    /// Every error and warning, with locations and snippets.
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadOutcome {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity() == Severity::Error)
    }
}

impl Ruleset {
    /// Loads `files` in order and compiles them against `registry`.
    pub fn load(
        registry: Registry,
        files: &[RulesSource],
        options: &RulesetOptions,
    ) -> LoadOutcome {
        let collection = loader::load(files);
        let mut diagnostics = collection.diagnostics.clone();
        let mut compiled = compile::compile(&collection, &registry);
        diagnostics.extend(std::mem::take(&mut compiled.diagnostics));
        diagnostics.extend(requirements::check(&collection, &options.plugins));
        attach_snippets(&mut diagnostics, files);
        if diagnostics.iter().any(|d| d.severity() == Severity::Error) {
            return LoadOutcome {
                ruleset: None,
                diagnostics,
            };
        }
        let ruleset = Self::index(registry, compiled, options);
        LoadOutcome {
            ruleset: Some(ruleset),
            diagnostics,
        }
    }

    fn index(registry: Registry, compiled: compile::Compiled, options: &RulesetOptions) -> Self {
        let rules = compiled.rules;
        let mut sources: Vec<(String, SourceIndex)> = registry
            .tables()
            .map(|table| {
                (
                    table.source.clone(),
                    SourceIndex {
                        by_type: vec![Vec::new(); table.event_types.len()],
                        all: Vec::new(),
                    },
                )
            })
            .collect();
        for (number, rule) in rules.iter().enumerate() {
            if !rule.enabled || rule.priority > options.min_priority {
                continue;
            }
            let Some((_, index)) = sources.iter_mut().find(|(name, _)| *name == rule.source) else {
                continue;
            };
            index.all.push(number as u32);
            for event_type in rule.event_types.iter() {
                if let Some(bucket) = index.by_type.get_mut(event_type) {
                    bucket.push(number as u32);
                }
            }
        }
        Self {
            registry,
            rules,
            sources,
            match_mode: options.match_mode,
            field_slots: compiled.field_slots,
            slot_fields: compiled.slot_fields,
        }
    }

    /// The handle for `source`, if it is registered.
    pub fn source(&self, source: &str) -> Option<SourceHandle> {
        self.sources
            .iter()
            .position(|(name, _)| name == source)
            .map(SourceHandle)
    }

    /// The registry the rules were compiled against.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// How many field cache slots the rules use; every [`FieldRequest::slot`](super::FieldRequest::slot) is below it.
    pub fn field_slots(&self) -> usize {
        self.field_slots
    }

    /// The slots whose field belongs to `source`'s own table (not the
    /// engine's common fields), with their field and argument: what a source
    /// that extracts ahead of evaluation must provide.
    pub fn source_slots(&self, source: &str) -> Vec<(u32, SlotField)> {
        let Some(index) = self.registry.source_index(source) else {
            return Vec::new();
        };
        self.slot_fields
            .iter()
            .enumerate()
            .filter(|(_, field)| field.id.source == index)
            .map(|(slot, field)| (slot as u32, field.clone()))
            .collect()
    }

    /// Every compiled rule (enabled or not), in definition order.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// How many enabled rules a source has.
    pub fn enabled_rules(&self, source: SourceHandle) -> usize {
        self.sources
            .get(source.0)
            .map_or(0, |(_, index)| index.all.len())
    }

    /// The event types (indices into the source's table) at least one enabled
    /// rule of `source` can match: what a source needs to produce.
    pub fn event_types_with_rules(&self, source: SourceHandle) -> impl Iterator<Item = usize> + '_ {
        self.sources
            .get(source.0)
            .into_iter()
            .flat_map(|(_, index)| index.by_type.iter().enumerate())
            .filter(|(_, rules)| !rules.is_empty())
            .map(|(event_type, _)| event_type)
    }

    /// Evaluates `event` of `source` and appends an alert per matching rule.
    /// Events whose type no rule indexes cost one lookup.
    pub fn process(
        &self,
        source: SourceHandle,
        event: &dyn Event,
        context: &EventContext,
        hostname: &str,
        alerts: &mut Vec<Alert>,
    ) {
        let Some((_, index)) = self.sources.get(source.0) else {
            return;
        };
        let candidates = match event.event_type_index() {
            Some(event_type) => match index.by_type.get(event_type) {
                Some(bucket) => bucket.as_slice(),
                None => return,
            },
            None => index.all.as_slice(),
        };
        if candidates.is_empty() {
            return;
        }
        let mut evaluation = Evaluation::with_slots(event, context, self.field_slots);
        for &number in candidates {
            let Some(rule) = self.rules.get(number as usize) else {
                continue;
            };
            if !evaluation.eval(&rule.condition) {
                continue;
            }
            let rendered = rule.output.render(&mut evaluation);
            alerts.push(Alert {
                rule: rule.name.clone(),
                priority: rule.priority,
                source: rule.source.clone(),
                tags: rule.tags.clone(),
                time_ns: event.timestamp_ns(),
                hostname: hostname.to_string(),
                message: rendered.text,
                output_fields: rendered.fields,
            });
            if self.match_mode == MatchMode::First {
                break;
            }
        }
    }
}

/// Fills in each located diagnostic's snippet from the file it points into.
fn attach_snippets(diagnostics: &mut [Diagnostic], files: &[RulesSource]) {
    let texts: HashMap<&str, &str> = files
        .iter()
        .map(|f| (f.name.as_ref(), f.text.as_str()))
        .collect();
    for diagnostic in diagnostics.iter_mut().filter(|d| d.snippet.is_none()) {
        let Some(location) = &diagnostic.location else {
            continue;
        };
        let Some(text) = texts.get(location.file.as_ref()) else {
            continue;
        };
        if let Some(line) = text.lines().nth(location.line.saturating_sub(1) as usize) {
            diagnostic.snippet = Some(line.chars().take(160).collect());
        }
    }
}

//! Engine tests over a synthetic source whose fields cover every value type,
//! so operator semantics are tested without any real event source.

mod default_rules;
mod fuzz_corpus;
mod operators;
mod rules;

use super::{
    Event, FieldRequest, Ruleset, RulesetOptions,
    diagnostics::{Diagnostic, Severity},
    eval::EventContext,
    loader::RulesSource,
    output::Alert,
};
use crate::fields::{
    ArgKind, ArgMode, FieldDef, FieldFlags, FieldTable, FieldType, Registry, Value,
};
use std::{borrow::Cow, collections::HashMap, sync::Arc};

/// The synthetic source's name.
pub const SOURCE: &str = "test";

fn field(name: &str, ty: FieldType) -> FieldDef {
    FieldDef {
        name: name.into(),
        ty,
        arg_mode: ArgMode::None,
        arg_kind: ArgKind::Key,
        flags: FieldFlags::default(),
        description: format!("test field {name}"),
    }
}

fn list(mut def: FieldDef) -> FieldDef {
    def.flags.is_list = true;
    def
}

fn with_arg(mut def: FieldDef, mode: ArgMode, kind: ArgKind) -> FieldDef {
    def.arg_mode = mode;
    def.arg_kind = kind;
    def
}

/// A registry with the synthetic source (and nothing else).
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(FieldTable {
        source: SOURCE.into(),
        fields: vec![
            field("evt.type", FieldType::String),
            field("t.str", FieldType::String),
            field("t.other", FieldType::String),
            field("t.int", FieldType::Int),
            field("t.uint", FieldType::UInt),
            field("t.bool", FieldType::Bool),
            field("t.ip", FieldType::Ip),
            field("t.net", FieldType::Net),
            field("t.rel", FieldType::RelTime),
            field("t.abs", FieldType::AbsTime),
            field("t.buf", FieldType::Bytes),
            field("ka.user.name", FieldType::String),
            field("evt.dir", FieldType::String),
            list(field("t.strs", FieldType::String)),
            list(field("t.ints", FieldType::UInt)),
            {
                let mut aname = with_arg(
                    field("proc.aname", FieldType::String),
                    ArgMode::Optional,
                    ArgKind::Index,
                );
                aname.flags.any_match = true;
                aname
            },
            with_arg(
                field("t.key", FieldType::String),
                ArgMode::Required,
                ArgKind::Key,
            ),
        ],
        event_types: ["open", "openat", "execve", "connect"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    });
    registry
}

/// An event of the synthetic source: field values by token (`name` or `name[arg]`).
#[derive(Default)]
pub struct TestEvent {
    /// Index into the source's event types.
    pub event_type: Option<usize>,
    /// Field values.
    pub values: HashMap<String, Value<'static>>,
}

impl TestEvent {
    /// An event of the synthetic source, of type `evt_type`, with `fields`.
    pub fn new(evt_type: &str, fields: &[(&str, Value<'static>)]) -> Self {
        Self::of_source(&["open", "openat", "execve", "connect"], evt_type, fields)
    }

    /// An event of a source whose event types are `types`.
    pub fn of_source<T: AsRef<str>>(
        types: &[T],
        evt_type: &str,
        fields: &[(&str, Value<'static>)],
    ) -> Self {
        let mut values: HashMap<String, Value<'static>> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        values.insert("evt.type".into(), s(evt_type));
        Self {
            event_type: types.iter().position(|t| t.as_ref() == evt_type),
            values,
        }
    }
}

impl Event for TestEvent {
    fn event_type_index(&self) -> Option<usize> {
        self.event_type
    }

    fn timestamp_ns(&self) -> u64 {
        1_700_000_000_123_456_789
    }

    fn extract(&self, request: &FieldRequest<'_>) -> Option<Value<'_>> {
        let key = match request.arg {
            Some(arg) => format!("{}[{arg}]", request.name),
            None => request.name.to_string(),
        };
        self.values.get(&key).cloned()
    }
}

/// A string value.
pub fn s(text: &str) -> Value<'static> {
    Value::Str(Cow::Owned(text.to_string()))
}

/// Loads `files` (name, text) against the synthetic registry.
pub fn load(files: &[(&str, &str)]) -> (Option<Ruleset>, Vec<Diagnostic>) {
    let sources: Vec<RulesSource> = files
        .iter()
        .map(|(name, text)| RulesSource {
            name: Arc::from(*name),
            text: text.to_string(),
        })
        .collect();
    let outcome = Ruleset::load(registry(), &sources, &RulesetOptions::default());
    (outcome.ruleset, outcome.diagnostics)
}

/// A one-rule file with `condition` for the synthetic source.
pub fn rule_file(condition: &str) -> String {
    format!(
        "- rule: r\n  desc: d\n  condition: {}\n  output: out %t.str\n  priority: WARNING\n  source: {SOURCE}\n",
        serde_json::Value::from(condition)
    )
}

/// Compiles `condition` (panicking with the diagnostics on failure).
pub fn compile(condition: &str) -> Ruleset {
    let (ruleset, diagnostics) = load(&[("t.yaml", &rule_file(condition))]);
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .map(|d| d.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "`{condition}` should compile: {errors:#?}"
    );
    ruleset.expect("no errors means a rule set")
}

/// The first error compiling `condition`.
pub fn compile_error(condition: &str) -> String {
    let (_, diagnostics) = load(&[("t.yaml", &rule_file(condition))]);
    diagnostics
        .iter()
        .find(|d| d.severity() == Severity::Error)
        .map(|d| d.message.clone())
        .unwrap_or_else(|| panic!("`{condition}` should not compile"))
}

/// The alerts `ruleset` raises for `event` of the synthetic source.
pub fn alerts(ruleset: &Ruleset, event: &TestEvent) -> Vec<Alert> {
    alerts_of(ruleset, SOURCE, event)
}

/// The alerts `ruleset` raises for `event` of `source_name`.
pub fn alerts_of(ruleset: &Ruleset, source_name: &str, event: &TestEvent) -> Vec<Alert> {
    let source = ruleset.source(source_name).expect("source registered");
    let context = EventContext {
        number: 1,
        source: source_name.into(),
        hostname: "h".into(),
        start_ns: 0,
    };
    let mut out = Vec::new();
    ruleset.process(source, event, &context, "h", &mut out);
    out
}

/// Whether `condition` matches `event`.
pub fn matches(condition: &str, event: &TestEvent) -> bool {
    !alerts(&compile(condition), event).is_empty()
}

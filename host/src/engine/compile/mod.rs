//! Turns loaded rules into compiled, indexed rules.
//!
//! For each rule: exceptions appended as text, lists substituted as text,
//! the condition parsed, macros expanded on the tree, fields bound and typed
//! against the registry, literals parsed, the event-type set computed and the
//! output format compiled. Every problem becomes a [`Diagnostic`].

pub mod check;
pub mod evttypes;
pub mod expansion;
pub mod warnings;

use super::{
    ast::{Expr, Pos},
    diagnostics::{Code, Diagnostic, Location},
    eval::Node,
    loader::{
        Collection, ExceptionFields, ListExpander, MacroDef, Priority, RuleDef,
        condition_with_exceptions,
    },
    output::OutputFormat,
    parser::parse_condition,
};
use crate::fields::Registry;
pub use check::SlotField;
use check::{FieldBinder, FieldSlots};
pub use evttypes::EventTypeSet;
use std::collections::{BTreeSet, HashMap, HashSet};

/// A problem compiling one condition or output, with where it is in that text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    /// What is wrong.
    pub message: String,
    /// Where in the (expanded) condition text, when known.
    pub pos: Option<Pos>,
}

impl CompileError {
    /// An error with no position.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            pos: None,
        }
    }

    /// An error at `pos`.
    pub fn at(message: impl Into<String>, pos: Pos) -> Self {
        Self {
            message: message.into(),
            pos: Some(pos),
        }
    }

    /// Keeps this error's position, or takes `pos` if it has none.
    pub fn or_at(mut self, pos: Pos) -> Self {
        self.pos.get_or_insert(pos);
        self
    }
}

/// A rule ready to evaluate.
#[derive(Debug)]
pub struct CompiledRule {
    /// The rule's name.
    pub name: String,
    /// Its description.
    pub desc: String,
    /// Its priority.
    pub priority: Priority,
    /// Its source.
    pub source: String,
    /// Its tags, sorted.
    pub tags: BTreeSet<String>,
    /// Whether it is enabled.
    pub enabled: bool,
    /// The compiled condition.
    pub condition: Node,
    /// The condition after exceptions, lists and macros were expanded.
    pub expanded_condition: String,
    /// The compiled output format.
    pub output: OutputFormat,
    /// Event types that can match (indices into the source's table).
    pub event_types: EventTypeSet,
    /// Fields the condition uses, as written.
    pub fields: Vec<String>,
    /// Where the rule is defined.
    pub location: Location,
}

/// What [`compile`] produces.
#[derive(Debug)]
pub struct Compiled {
    /// The rules that compiled, in definition order.
    pub rules: Vec<CompiledRule>,
    /// How many field cache slots the rules use, all rules together
    /// (every [`BoundField::slot`](super::eval::BoundField::slot) is below it).
    pub field_slots: usize,
    /// The field and argument of each slot, indexed by slot.
    pub slot_fields: Vec<SlotField>,
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
}

/// Compiles every rule of `collection` whose source is registered.
pub fn compile(collection: &Collection, registry: &Registry) -> Compiled {
    let mut diagnostics = Vec::new();
    let mut slots = FieldSlots::default();
    let lists = ListExpander::new(&collection.lists);
    let mut used_lists = vec![false; collection.lists.len()];
    for (index, inlined) in lists.inlined().iter().enumerate() {
        if *inlined && let Some(slot) = used_lists.get_mut(index) {
            *slot = true;
        }
    }

    let mut macros = MacroTable::default();
    for def in &collection.macros {
        let text = lists.expand_recording(&def.condition, &mut used_lists);
        let parsed = parse_condition(&text).map_err(|e| CompileError::at(e.message, e.pos));
        if let Err(error) = &parsed {
            diagnostics.push(
                condition_error(error, &def.condition_location, &text).in_item("macro", &def.name),
            );
        }
        macros.insert(def, parsed);
    }
    let mut used_macros = HashSet::new();
    for parsed in macros.parsed.values().flatten() {
        collect_macro_refs(parsed, &mut used_macros);
    }

    let mut rules = Vec::new();
    for rule in &collection.rules {
        let text = lists.expand_recording(&condition_with_exceptions(rule), &mut used_lists);
        if registry.table(&rule.source).is_none() {
            diagnostics.push(
                Diagnostic::new(
                    Code::UnknownSource,
                    format!("Unknown source {}, skipping", rule.source),
                )
                .at(rule.location.clone())
                .in_item("rule", &rule.name)
                .with_hint("load the plugin that provides this source, or remove the rule"),
            );
            continue;
        }
        match compile_rule(
            rule,
            &text,
            registry,
            &mut macros,
            &mut used_macros,
            &mut slots,
        ) {
            Ok((compiled, warnings)) => {
                diagnostics.extend(warnings);
                rules.push(compiled);
            }
            Err(diagnostic) => {
                let unknown = [
                    "nonexistent field",
                    "unknown event type",
                    "unknown filter",
                    "invalid formatting token",
                ]
                .iter()
                .any(|needle| diagnostic.message.contains(needle));
                if rule.skip_if_unknown_filter && unknown {
                    let mut warning = diagnostic;
                    warning.code = Code::UnknownFilter;
                    diagnostics.push(*warning);
                } else {
                    diagnostics.push(*diagnostic);
                }
            }
        }
    }

    for def in &collection.macros {
        if !used_macros.contains(def.name.as_str()) {
            diagnostics.push(
                Diagnostic::new(
                    Code::UnusedMacro,
                    "Macro not referred to by any other rule/macro",
                )
                .at(def.location.clone())
                .in_item("macro", &def.name),
            );
        }
    }
    for (def, used) in collection.lists.iter().zip(&used_lists) {
        if !used {
            diagnostics.push(
                Diagnostic::new(
                    Code::UnusedList,
                    "List not referred to by any other rule/macro/list",
                )
                .at(def.location.clone())
                .in_item("list", &def.name),
            );
        }
    }
    Compiled {
        rules,
        field_slots: slots.len(),
        slot_fields: slots.fields(),
        diagnostics,
    }
}

fn compile_rule(
    rule: &RuleDef,
    text: &str,
    registry: &Registry,
    macros: &mut MacroTable,
    used_macros: &mut HashSet<String>,
    slots: &mut FieldSlots,
) -> Result<(CompiledRule, Vec<Diagnostic>), Box<Diagnostic>> {
    let in_rule = |d: Diagnostic| d.in_item("rule", &rule.name);
    let fail = |d: Diagnostic| Box::new(in_rule(d));
    let parsed = parse_condition(text).map_err(|e| {
        fail(condition_error(
            &CompileError::at(e.message, e.pos),
            &rule.condition_location,
            text,
        ))
    })?;
    let expanded = macros
        .expand(&parsed, used_macros)
        .map_err(|e| fail(condition_error(&e, &rule.condition_location, text)))?;

    let mut binder = FieldBinder::new(registry, &rule.source, slots);
    for exception in &rule.exceptions {
        let names: Vec<&String> = match &exception.fields {
            ExceptionFields::Scalar(name) => vec![name],
            ExceptionFields::List(names) => names.iter().collect(),
        };
        for (i, name) in names.into_iter().enumerate() {
            let field = crate::engine::ast::FieldRef {
                name: name.clone(),
                arg: None,
                pos: Pos::default(),
            };
            if binder.bind(&field).is_err() {
                let location = exception
                    .field_locations
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| exception.location.clone());
                return Err(Box::new(
                    Diagnostic::new(
                        Code::Validate,
                        format!("'{name}' is not a supported filter field"),
                    )
                    .at(location)
                    .in_item("exception", &exception.name)
                    .with_hint(format!(
                        "check the field name against `lanner fields --source {}`",
                        rule.source
                    )),
                ));
            }
        }
    }

    let condition = compile_expr(&expanded, &mut binder)
        .map_err(|e| fail(condition_error(&e, &rule.condition_location, text)))?;
    let types = registry
        .table(&rule.source)
        .map(|t| t.event_types.clone())
        .unwrap_or_default();
    let event_types = evttypes::event_types(&expanded, &types);
    let mut warnings: Vec<Diagnostic> =
        warnings::condition_warnings(&expanded, &rule.output, &rule.source, registry)
            .into_iter()
            .map(|w| in_rule(w.at(rule.condition_location.clone())))
            .collect();
    if !types.is_empty() && event_types.len() > 100 && rule.warn_evttypes {
        warnings.push(in_rule(
            Diagnostic::new(Code::NoEvttype, format!(
                "Rule matches too many evt.type values ({}). This has a significant performance penalty.",
                event_types.len()
            ))
            .at(rule.condition_location.clone())
            .with_hint("restrict the condition with `evt.type in (...)`, or set `warn_evttypes: false`"),
        ));
    }
    let fields = binder.used.clone();
    binder.binding_output = true;
    let (output, output_warnings) = OutputFormat::compile(&rule.output, &mut binder).map_err(|e| {
        fail(
            Diagnostic::new(Code::CompileOutput, e.message)
                .at(rule.output_location.clone())
                .with_hint("output tokens are `%field` or `%field[arg]`; a literal `%` cannot end the output"),
        )
    })?;
    for warning in output_warnings {
        warnings.push(in_rule(
            Diagnostic::new(Code::DeprecatedItem, warning).at(rule.output_location.clone()),
        ));
    }
    Ok((
        CompiledRule {
            name: rule.name.clone(),
            desc: rule.desc.clone(),
            priority: rule.priority,
            source: rule.source.clone(),
            tags: rule.tags.clone(),
            enabled: rule.enabled,
            condition,
            expanded_condition: expanded.to_string(),
            output,
            event_types,
            fields,
            location: rule.location.clone(),
        },
        warnings,
    ))
}

/// Compiles a macro-free expression.
pub fn compile_expr(expr: &Expr, binder: &mut FieldBinder<'_>) -> Result<Node, CompileError> {
    Ok(match expr {
        Expr::And(children) => Node::And(
            children
                .iter()
                .map(|c| compile_expr(c, binder))
                .collect::<Result<Vec<_>, _>>()?
                .into_boxed_slice(),
        ),
        Expr::Or(children) => Node::Or(
            children
                .iter()
                .map(|c| compile_expr(c, binder))
                .collect::<Result<Vec<_>, _>>()?
                .into_boxed_slice(),
        ),
        Expr::Not(inner) => Node::Not(Box::new(compile_expr(inner, binder)?)),
        Expr::Macro { name, pos } => {
            return Err(CompileError::at(
                format!("Undefined macro '{name}' used in filter."),
                *pos,
            ));
        }
        Expr::Check(check) => binder.check(check)?,
    })
}

/// Parsed macros and their expansions.
#[derive(Default)]
struct MacroTable {
    parsed: HashMap<String, Result<Expr, CompileError>>,
    order: HashMap<String, (usize, usize)>,
    resolved: HashMap<String, Result<Expr, CompileError>>,
    /// Every macro's expanded extent, measured on the first expansion.
    extents: Option<expansion::Extents>,
}

impl MacroTable {
    fn insert(&mut self, def: &MacroDef, parsed: Result<Expr, CompileError>) {
        self.order
            .insert(def.name.clone(), (def.index, def.visibility));
        self.parsed.insert(def.name.clone(), parsed);
    }

    /// Expands the macros of a rule's condition, refusing expansions too big
    /// or too deep to process safely (see [`expansion`]).
    fn expand(&mut self, expr: &Expr, used: &mut HashSet<String>) -> Result<Expr, CompileError> {
        let extents = self.extents.get_or_insert_with(|| {
            let shapes = self
                .order
                .iter()
                .map(|(name, &(index, visibility))| {
                    let body = self.parsed.get(name).and_then(|p| p.as_ref().ok());
                    let shape = expansion::MacroShape {
                        index,
                        visibility,
                        body,
                    };
                    (name.as_str(), shape)
                })
                .collect();
            expansion::Extents::measure(&shapes)
        });
        if let Err(error) = extents.of_rule(expr).check() {
            collect_macro_refs(expr, used);
            return Err(error);
        }
        self.resolve(expr, usize::MAX, &mut Vec::new(), used)
    }

    /// Replaces macro references in `expr` by their expansions; `limit` is the
    /// visibility of the referring item (macros with a lower index are visible).
    fn resolve(
        &mut self,
        expr: &Expr,
        limit: usize,
        stack: &mut Vec<String>,
        used: &mut HashSet<String>,
    ) -> Result<Expr, CompileError> {
        Ok(match expr {
            Expr::And(children) => Expr::And(self.resolve_all(children, limit, stack, used)?),
            Expr::Or(children) => Expr::Or(self.resolve_all(children, limit, stack, used)?),
            Expr::Not(inner) => Expr::Not(Box::new(self.resolve(inner, limit, stack, used)?)),
            Expr::Check(_) => expr.clone(),
            Expr::Macro { name, pos } => {
                let undefined =
                    || CompileError::at(format!("Undefined macro '{name}' used in filter."), *pos);
                let &(index, visibility) = self.order.get(name).ok_or_else(undefined)?;
                if index >= limit {
                    return Err(undefined());
                }
                used.insert(name.clone());
                if stack.contains(name) {
                    return Err(CompileError::at(
                        format!("reference loop in macro '{name}'"),
                        *pos,
                    ));
                }
                if let Some(done) = self.resolved.get(name) {
                    return done.clone().map_err(|e| e.or_at(*pos));
                }
                let parsed = match self.parsed.get(name) {
                    Some(Ok(parsed)) => parsed.clone(),
                    Some(Err(_)) => {
                        return Err(CompileError::at(
                            format!("macro '{name}' has an invalid condition"),
                            *pos,
                        ));
                    }
                    None => return Err(undefined()),
                };
                stack.push(name.clone());
                let result = self.resolve(&parsed, visibility, stack, used);
                stack.pop();
                self.resolved.insert(name.clone(), result.clone());
                result?
            }
        })
    }

    fn resolve_all(
        &mut self,
        children: &[Expr],
        limit: usize,
        stack: &mut Vec<String>,
        used: &mut HashSet<String>,
    ) -> Result<Vec<Expr>, CompileError> {
        children
            .iter()
            .map(|child| self.resolve(child, limit, stack, used))
            .collect()
    }
}

fn collect_macro_refs(expr: &Expr, out: &mut HashSet<String>) {
    match expr {
        Expr::And(children) | Expr::Or(children) => {
            children.iter().for_each(|c| collect_macro_refs(c, out))
        }
        Expr::Not(inner) => collect_macro_refs(inner, out),
        Expr::Macro { name, .. } => {
            out.insert(name.clone());
        }
        Expr::Check(_) => {}
    }
}

/// A condition error located at the condition, with the expanded text around the problem as a hint.
fn condition_error(error: &CompileError, location: &Location, text: &str) -> Diagnostic {
    let mut diagnostic =
        Diagnostic::new(Code::CompileCondition, error.message.clone()).at(location.clone());
    if let Some(pos) = error.pos {
        let start = floor_char_boundary(text, pos.offset.saturating_sub(30));
        let end = floor_char_boundary(text, (pos.offset + 30).min(text.len()));
        let excerpt: String = text[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        diagnostic = diagnostic.with_hint(format!(
            "at line {}, column {} of the expanded condition: `{excerpt}`",
            pos.line, pos.col
        ));
    }
    diagnostic
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

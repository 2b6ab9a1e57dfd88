//! Compiled conditions and their evaluation.
//!
//! A condition is compiled once into a [`Node`] tree whose checks hold
//! pre-built matchers (hash sets, substring finders, globs, regexes), so
//! evaluating an event parses nothing. Field values are cached per event,
//! so a field used by many rules is extracted once.

pub mod compare;
mod context;
mod matchers;
mod transform;

pub use compare::Test;
pub use context::{EngineField, EventContext};
pub use matchers::{GlobMatcher, PathPrefixMatcher};
pub use transform::apply_transform;

use super::{
    ast::TransformKind,
    event::{Event, FieldRequest},
};
use crate::fields::{FieldId, Value};

/// A compiled boolean expression.
#[derive(Debug)]
pub enum Node {
    /// All must hold (short-circuit, in order).
    And(Box<[Node]>),
    /// Any must hold (short-circuit, in order).
    Or(Box<[Node]>),
    /// Negation.
    Not(Box<Node>),
    /// A constant (e.g. `evt.num = 0`-style invariants, or an empty `in ()`).
    Const(bool),
    /// A comparison.
    Check(Box<CompiledCheck>),
}

/// A compiled `lhs op rhs`.
#[derive(Debug)]
pub struct CompiledCheck {
    /// What to extract.
    pub lhs: CompiledOperand,
    /// What to test it against.
    pub test: Test,
    /// For list values from ancestor-style fields used without an argument:
    /// the check holds when any element passes, instead of the list semantics.
    pub any_element: bool,
}

/// A compiled value-producing term.
#[derive(Debug)]
pub enum CompiledOperand {
    /// A field, extracted from the event (through the per-event cache).
    Field(BoundField),
    /// A transformer over compiled arguments.
    Transform {
        /// Which transformer.
        kind: TransformKind,
        /// Its arguments (operands or literals).
        args: Vec<CompiledArg>,
        /// Selector after the call (`getopt(...)[c]`).
        index: Option<String>,
    },
}

/// A compiled transformer argument.
#[derive(Debug)]
pub enum CompiledArg {
    /// A term producing values.
    Operand(CompiledOperand),
    /// A literal.
    Literal(String),
    /// A list of arguments.
    List(Vec<CompiledArg>),
}

/// A field bound to the registry and to a per-event cache slot.
#[derive(Debug)]
pub struct BoundField {
    /// Registry id.
    pub id: FieldId,
    /// Full field name.
    pub name: String,
    /// Argument as written.
    pub arg: Option<String>,
    /// Argument as a number (index arguments).
    pub index: Option<u64>,
    /// Cache slot, unique per (field, argument) within a source.
    pub slot: u32,
    /// Set for fields the engine computes itself (`evt.num`, `evt.source`, ...).
    pub engine: Option<EngineField>,
}

impl BoundField {
    fn request(&self) -> FieldRequest<'_> {
        FieldRequest {
            id: self.id,
            name: &self.name,
            arg: self.arg.as_deref(),
            index: self.index,
            slot: self.slot,
        }
    }
}

/// Per-event evaluation state: the event and the values extracted so far.
///
/// The cache is dense: `positions` maps a field's slot to where its value
/// sits in `values`, so a field used by many rules is extracted once and
/// found again in constant time, and tests read cached values in place
/// rather than cloning them.
pub struct Evaluation<'e> {
    event: &'e dyn Event,
    context: &'e EventContext,
    /// Per slot: 1 + the index of its value in `values`; 0 until extracted.
    positions: Vec<u32>,
    /// Extracted values (`None`: the event has no value for the field).
    values: Vec<Option<Value<'e>>>,
}

impl<'e> Evaluation<'e> {
    /// Starts evaluating `event`, whose envelope is `context`.
    pub fn new(event: &'e dyn Event, context: &'e EventContext) -> Self {
        Self::with_slots(event, context, 0)
    }

    /// Starts evaluating `event` with room for `slots` cached fields
    /// (the rule set's slot count; the cache still grows past it if needed).
    pub fn with_slots(event: &'e dyn Event, context: &'e EventContext, slots: usize) -> Self {
        Self {
            event,
            context,
            positions: vec![0; slots],
            values: Vec::with_capacity(16),
        }
    }

    /// The event being evaluated.
    pub fn event(&self) -> &'e dyn Event {
        self.event
    }

    /// The value of `field` for this event, extracting it on first use.
    pub fn field(&mut self, field: &BoundField) -> Option<Value<'e>> {
        let index = self.cached(field);
        self.values.get(index).cloned().flatten()
    }

    /// Where `field`'s value sits in `values`, extracting it on first use.
    fn cached(&mut self, field: &BoundField) -> usize {
        let slot = field.slot as usize;
        if let Some(&position) = self.positions.get(slot)
            && position != 0
        {
            return position as usize - 1;
        }
        let value = match field.engine {
            Some(engine_field) => self
                .context
                .extract(engine_field, self.event.timestamp_ns()),
            None => self.event.extract(&field.request()),
        };
        if slot >= self.positions.len() {
            self.positions.resize(slot + 1, 0);
        }
        let index = self.values.len();
        self.values.push(value);
        if let Some(position) = self.positions.get_mut(slot) {
            *position = index as u32 + 1;
        }
        index
    }

    /// Evaluates an operand to a value (`None` when missing).
    pub fn operand(&mut self, operand: &CompiledOperand) -> Option<Value<'e>> {
        match operand {
            CompiledOperand::Field(field) => self.field(field),
            CompiledOperand::Transform { kind, args, index } => {
                apply_transform(self, *kind, args, index.as_deref())
            }
        }
    }

    /// Evaluates a condition.
    pub fn eval(&mut self, node: &Node) -> bool {
        match node {
            Node::And(children) => children.iter().all(|child| self.eval(child)),
            Node::Or(children) => children.iter().any(|child| self.eval(child)),
            Node::Not(child) => !self.eval(child),
            Node::Const(value) => *value,
            Node::Check(check) => self.check(check),
        }
    }

    fn check(&mut self, check: &CompiledCheck) -> bool {
        // The common case: a field tested against literals, read in place.
        if let CompiledOperand::Field(field) = &check.lhs
            && !check.test.needs_evaluation()
        {
            let index = self.cached(field);
            // A missing left-hand value makes every operator false, `!=` included.
            let Some(Some(value)) = self.values.get(index) else {
                return false;
            };
            if let Test::Exists = check.test {
                return true;
            }
            if check.any_element
                && let Value::List(items) = value
            {
                return items.iter().any(|item| check.test.matches_value(item));
            }
            return check.test.matches_value(value);
        }
        let Some(value) = self.operand(&check.lhs) else {
            return false;
        };
        if let Test::Exists = check.test {
            return true;
        }
        if check.any_element
            && let Value::List(items) = &value
        {
            return items.iter().any(|item| check.test.matches(self, item));
        }
        check.test.matches(self, &value)
    }
}

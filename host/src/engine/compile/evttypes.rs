//! Which event types can make a condition true, so a rule is only evaluated
//! for events of those types.
//!
//! Computed on the macro-expanded tree: `and` intersects, `or` unites, `not`
//! is pushed to the leaves (De Morgan). Only `evt.type`/`syscall.type` checks
//! against literals restrict the set; every other check is neutral.

use crate::engine::ast::{Check, Expr, Operand, Operator, Rhs};

/// A set of event types, as indices into a source's event type table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventTypeSet {
    bits: Vec<u64>,
    universe: usize,
}

impl EventTypeSet {
    /// Every type of a source with `universe` types.
    pub fn all(universe: usize) -> Self {
        let mut set = Self::empty(universe);
        for i in 0..universe {
            set.insert(i);
        }
        set
    }

    /// No type.
    pub fn empty(universe: usize) -> Self {
        Self {
            bits: vec![0; universe.div_ceil(64)],
            universe,
        }
    }

    /// Adds type `index`.
    pub fn insert(&mut self, index: usize) {
        if let Some(word) = self.bits.get_mut(index / 64) {
            *word |= 1 << (index % 64);
        }
    }

    /// Whether type `index` is in the set.
    pub fn contains(&self, index: usize) -> bool {
        self.bits
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    /// How many types are in the set.
    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every type is in the set.
    pub fn is_all(&self) -> bool {
        self.len() == self.universe
    }

    /// The indices in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.universe).filter(|i| self.contains(*i))
    }

    fn union(mut self, other: &Self) -> Self {
        self.bits
            .iter_mut()
            .zip(&other.bits)
            .for_each(|(a, b)| *a |= b);
        self
    }

    fn intersection(mut self, other: &Self) -> Self {
        self.bits
            .iter_mut()
            .zip(&other.bits)
            .for_each(|(a, b)| *a &= b);
        self
    }

    fn complement(&self) -> Self {
        let mut out = Self::empty(self.universe);
        for i in 0..self.universe {
            if !self.contains(i) {
                out.insert(i);
            }
        }
        out
    }
}

/// The event types that can satisfy `expr`; `types` are the source's type names.
pub fn event_types(expr: &Expr, types: &[String]) -> EventTypeSet {
    walk(expr, false, types)
}

fn walk(expr: &Expr, negated: bool, types: &[String]) -> EventTypeSet {
    let universe = types.len();
    match expr {
        Expr::And(children) | Expr::Or(children) => {
            // `and` under negation behaves as `or` of negations, and vice versa.
            let conjunction = matches!(expr, Expr::And(_)) != negated;
            let mut sets = children.iter().map(|c| walk(c, negated, types));
            let first = sets.next().unwrap_or_else(|| EventTypeSet::all(universe));
            sets.fold(first, |acc, set| {
                if conjunction {
                    acc.intersection(&set)
                } else {
                    acc.union(&set)
                }
            })
        }
        Expr::Not(inner) => walk(inner, !negated, types),
        Expr::Macro { .. } => EventTypeSet::all(universe),
        Expr::Check(check) => leaf(check, negated, types),
    }
}

fn leaf(check: &Check, negated: bool, types: &[String]) -> EventTypeSet {
    let universe = types.len();
    let Operand::Field(field) = &check.lhs else {
        return EventTypeSet::all(universe);
    };
    if !matches!(field.name.as_str(), "evt.type" | "syscall.type") || field.arg.is_some() {
        return EventTypeSet::all(universe);
    }
    let names: Vec<&str> = match (&check.op, &check.rhs) {
        (Operator::Eq | Operator::Ne, Rhs::Value(value)) => vec![value.as_str()],
        (Operator::In | Operator::Intersects, Rhs::List(values)) => {
            values.iter().map(String::as_str).collect()
        }
        _ => return EventTypeSet::all(universe),
    };
    let mut set = EventTypeSet::empty(universe);
    for name in names {
        for (index, known) in types.iter().enumerate() {
            if known == name {
                set.insert(index);
            }
        }
    }
    if (check.op == Operator::Ne) != negated {
        set.complement()
    } else {
        set
    }
}

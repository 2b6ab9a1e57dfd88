//! Operator semantics: how a test compares an extracted value.
//!
//! Literals are parsed into the field's type at compile time; sets and
//! string matchers are built then too, so a test only compares.

use super::{CompiledOperand, Evaluation, GlobMatcher, PathPrefixMatcher};
use crate::{engine::ast::Operator, fields::Value};
use memchr::memmem::Finder;
use rustc_hash::FxHashSet;
use std::cmp::Ordering;

/// A compiled right-hand side, ready to test values against.
#[derive(Debug)]
pub enum Test {
    /// `exists`: the value was extracted.
    Exists,
    /// `= != < <= > >=` against one typed literal.
    Compare {
        /// The operator (one of the six comparisons).
        op: Operator,
        /// The literal, parsed into the field's type.
        rhs: Value<'static>,
    },
    /// `contains` (also `bcontains`, with the needle already hex-decoded).
    Contains(Box<Finder<'static>>),
    /// `icontains`, with the needle lowercased (ASCII).
    IContains(Box<[u8]>),
    /// `startswith` / `bstartswith`.
    StartsWith(Box<[u8]>),
    /// `endswith`.
    EndsWith(Box<[u8]>),
    /// `glob` / `iglob`.
    Glob(GlobMatcher),
    /// `regex` (anchored at both ends).
    Regex(regex::Regex),
    /// `in`: a scalar is a member; a list is a subset.
    In(ValueSet),
    /// `intersects`: a scalar is a member; a list shares at least one element.
    Intersects(ValueSet),
    /// `pmatch`: the path lies under one of the prefixes.
    PMatch(PathPrefixMatcher),
    /// `op oneof|anyof|allof (list)`: per-element tests, counted.
    Modified {
        /// How many must match.
        quantifier: Quantifier,
        /// One test per list element.
        tests: Vec<Test>,
    },
    /// A field-to-field comparison (`val(f)` or a transformer on the right).
    FieldCompare {
        /// The operator.
        op: Operator,
        /// The right-hand term, evaluated per event.
        rhs: Box<CompiledOperand>,
    },
}

/// How many elements of a modifier list must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    /// Exactly one.
    ExactlyOne,
    /// At least one.
    AtLeastOne,
    /// All of them.
    All,
}

/// A set of typed literals for `in`/`intersects`, hashed where the type allows.
///
/// The hash is Fx, not SipHash: the sets hold the rules' literals, fixed at
/// load time, so event data can only look keys up, never grow a bucket, and a
/// fast hash of short strings is what an `in (...)` test costs.
#[derive(Debug)]
pub enum ValueSet {
    /// Strings, hashed.
    Strings(FxHashSet<Box<str>>),
    /// Integers of any width, times included, hashed.
    Numbers(FxHashSet<i128>),
    /// Anything else (addresses, networks, booleans, bytes), compared one by one.
    Values(Vec<Value<'static>>),
}

impl ValueSet {
    /// Builds the set from literals already parsed into one type.
    pub fn new(values: Vec<Value<'static>>) -> Self {
        if values.iter().all(|v| matches!(v, Value::Str(_))) {
            return Self::Strings(
                values
                    .into_iter()
                    .filter_map(|v| match v {
                        Value::Str(s) => Some(s.into_owned().into_boxed_str()),
                        _ => None,
                    })
                    .collect(),
            );
        }
        if values.iter().all(|v| as_number(v).is_some()) {
            return Self::Numbers(values.iter().filter_map(as_number).collect());
        }
        Self::Values(values)
    }

    /// Whether the set holds a value equal to `value` (CIDR membership for addresses).
    pub fn contains(&self, value: &Value<'_>) -> bool {
        match self {
            Self::Strings(set) => match value {
                Value::Str(s) => set.contains(s.as_ref()),
                Value::Bytes(b) => std::str::from_utf8(b).is_ok_and(|s| set.contains(s)),
                _ => false,
            },
            Self::Numbers(set) => as_number(value).is_some_and(|n| set.contains(&n)),
            Self::Values(values) => values
                .iter()
                .any(|rhs| compare_values(Operator::Eq, value, rhs)),
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        match self {
            Self::Strings(set) => set.is_empty(),
            Self::Numbers(set) => set.is_empty(),
            Self::Values(values) => values.is_empty(),
        }
    }
}

impl Test {
    /// Whether the test evaluates other terms of the event (a field or a
    /// transformer on the right), so it needs the [`Evaluation`]; tests that
    /// do not can use [`Test::matches_value`] on a value read in place.
    pub fn needs_evaluation(&self) -> bool {
        match self {
            Self::FieldCompare { .. } => true,
            Self::Modified { tests, .. } => tests.iter().any(Test::needs_evaluation),
            _ => false,
        }
    }

    /// Whether `value` (already extracted, never missing) passes the test.
    pub fn matches<'e>(&self, eval: &mut Evaluation<'e>, value: &Value<'e>) -> bool {
        match self {
            Self::Modified { quantifier, tests } if self.needs_evaluation() => {
                let mut matched = 0usize;
                for test in tests {
                    if test.matches(eval, value) {
                        matched += 1;
                    }
                }
                quantifier.holds(matched, tests.len())
            }
            Self::FieldCompare { op, rhs } => {
                let Some(other) = eval.operand(rhs) else {
                    return false;
                };
                compare_field_values(*op, value, &other)
            }
            _ => self.matches_value(value),
        }
    }

    /// Whether `value` passes a test that needs no evaluation (see
    /// [`Test::needs_evaluation`]); a field-to-field test never passes here.
    pub fn matches_value(&self, value: &Value<'_>) -> bool {
        match self {
            Self::Exists => true,
            Self::Compare { op, rhs } => compare_values(*op, value, rhs),
            Self::Contains(finder) => bytes_of(value).is_some_and(|b| finder.find(b).is_some()),
            Self::IContains(needle) => {
                bytes_of(value).is_some_and(|b| contains_ignore_ascii_case(b, needle))
            }
            Self::StartsWith(prefix) => bytes_of(value).is_some_and(|b| b.starts_with(prefix)),
            Self::EndsWith(suffix) => bytes_of(value).is_some_and(|b| b.ends_with(suffix)),
            Self::Glob(glob) => text_of(value).is_some_and(|s| glob.is_match(s)),
            Self::Regex(regex) => text_of(value).is_some_and(|s| regex.is_match(s)),
            Self::In(set) => match value {
                Value::List(items) => items.iter().all(|item| set.contains(item)),
                scalar => set.contains(scalar),
            },
            Self::Intersects(set) => match value {
                Value::List(items) => items.iter().any(|item| set.contains(item)),
                scalar => set.contains(scalar),
            },
            Self::PMatch(prefixes) => text_of(value).is_some_and(|s| prefixes.is_match(s)),
            Self::Modified { quantifier, tests } => {
                let matched = tests
                    .iter()
                    .filter(|test| test.matches_value(value))
                    .count();
                quantifier.holds(matched, tests.len())
            }
            Self::FieldCompare { .. } => false,
        }
    }
}

impl Quantifier {
    /// Whether `matched` passing tests out of `total` satisfy the quantifier.
    fn holds(self, matched: usize, total: usize) -> bool {
        match self {
            Self::ExactlyOne => matched == 1,
            Self::AtLeastOne => matched >= 1,
            Self::All => matched == total,
        }
    }
}

/// Field-to-field: scalars compare by the operator; string operators on text.
fn compare_field_values(op: Operator, lhs: &Value<'_>, rhs: &Value<'_>) -> bool {
    match op {
        Operator::Contains | Operator::BContains => match (bytes_of(lhs), bytes_of(rhs)) {
            (Some(a), Some(b)) => memchr::memmem::find(a, b).is_some(),
            _ => false,
        },
        Operator::IContains => match (bytes_of(lhs), bytes_of(rhs)) {
            (Some(a), Some(b)) => contains_ignore_ascii_case(a, &b.to_ascii_lowercase()),
            _ => false,
        },
        Operator::StartsWith | Operator::BStartsWith => match (bytes_of(lhs), bytes_of(rhs)) {
            (Some(a), Some(b)) => a.starts_with(b),
            _ => false,
        },
        Operator::EndsWith => match (bytes_of(lhs), bytes_of(rhs)) {
            (Some(a), Some(b)) => a.ends_with(b),
            _ => false,
        },
        Operator::In | Operator::Intersects => match (lhs, rhs) {
            (Value::List(a), Value::List(b)) if op == Operator::In => a
                .iter()
                .all(|x| b.iter().any(|y| compare_values(Operator::Eq, x, y))),
            (Value::List(a), Value::List(b)) => a
                .iter()
                .any(|x| b.iter().any(|y| compare_values(Operator::Eq, x, y))),
            (scalar, Value::List(b)) => b.iter().any(|y| compare_values(Operator::Eq, scalar, y)),
            (a, b) => compare_values(Operator::Eq, a, b),
        },
        Operator::Glob | Operator::IGlob => match (text_of(lhs), text_of(rhs)) {
            (Some(a), Some(pattern)) => {
                GlobMatcher::new(pattern, op == Operator::IGlob).is_ok_and(|glob| glob.is_match(a))
            }
            _ => false,
        },
        _ => compare_values(op, lhs, rhs),
    }
}

/// The six comparisons between two scalar values of compatible types.
pub fn compare_values(op: Operator, lhs: &Value<'_>, rhs: &Value<'_>) -> bool {
    let ordering = match (lhs, rhs) {
        (Value::Ip(ip), Value::Net(net)) | (Value::Net(net), Value::Ip(ip)) => {
            let inside = net.contains(ip);
            return match op {
                Operator::Eq => inside,
                Operator::Ne => !inside,
                _ => false,
            };
        }
        (Value::Ip(a), Value::Ip(b)) => return equality(op, a == b),
        (Value::Net(a), Value::Net(b)) => return equality(op, a == b),
        (Value::Bool(a), Value::Bool(b)) => return equality(op, a == b),
        (Value::List(a), Value::List(b)) => {
            return equality(
                op,
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| compare_values(Operator::Eq, x, y)),
            );
        }
        (a, b) => match (as_number(a), as_number(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => match (bytes_of(a), bytes_of(b)) {
                (Some(x), Some(y)) => x.cmp(y),
                _ => return false,
            },
        },
    };
    match op {
        Operator::Eq => ordering == Ordering::Equal,
        Operator::Ne => ordering != Ordering::Equal,
        Operator::Lt => ordering == Ordering::Less,
        Operator::Le => ordering != Ordering::Greater,
        Operator::Gt => ordering == Ordering::Greater,
        Operator::Ge => ordering != Ordering::Less,
        _ => false,
    }
}

fn equality(op: Operator, equal: bool) -> bool {
    match op {
        Operator::Eq => equal,
        Operator::Ne => !equal,
        _ => false,
    }
}

/// Integers and times as one comparable number.
pub fn as_number(value: &Value<'_>) -> Option<i128> {
    match value {
        Value::Int(n) => Some(i128::from(*n)),
        Value::UInt(n) | Value::RelTime(n) | Value::AbsTime(n) => Some(i128::from(*n)),
        _ => None,
    }
}

/// The bytes of a string or buffer value.
pub fn bytes_of<'a>(value: &'a Value<'_>) -> Option<&'a [u8]> {
    match value {
        Value::Str(s) => Some(s.as_bytes()),
        Value::Bytes(b) => Some(b),
        _ => None,
    }
}

/// The text of a string value (buffers only when valid UTF-8).
pub fn text_of<'a>(value: &'a Value<'_>) -> Option<&'a str> {
    match value {
        Value::Str(s) => Some(s),
        Value::Bytes(b) => std::str::from_utf8(b).ok(),
        _ => None,
    }
}

/// ASCII case-insensitive substring search; `needle` must already be lowercase.
///
/// Candidates are found with `memchr2` on the first byte's two cases, then
/// the rest is compared case-insensitively.
fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let Some(last_start) = haystack.len().checked_sub(needle.len()) else {
        return false;
    };
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let mut from = 0;
    while let Some(window) = haystack.get(from..=last_start) {
        let Some(found) = memchr::memchr2(lower, upper, window) else {
            return false;
        };
        let at = from + found;
        if haystack
            .get(at + 1..at + needle.len())
            .is_some_and(|tail| tail.eq_ignore_ascii_case(rest))
        {
            return true;
        }
        from = at + 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn s(text: &str) -> Value<'static> {
        Value::Str(Cow::Owned(text.to_string()))
    }

    #[test]
    fn comparisons_follow_types() {
        assert!(compare_values(Operator::Eq, &s("bash"), &s("bash")));
        assert!(compare_values(Operator::Lt, &s("abc"), &s("abd")));
        assert!(compare_values(
            Operator::Ge,
            &Value::Int(-1),
            &Value::Int(-1)
        ));
        assert!(compare_values(
            Operator::Gt,
            &Value::UInt(10),
            &Value::Int(9)
        ));
        assert!(!compare_values(
            Operator::Lt,
            &Value::Bool(true),
            &Value::Bool(false)
        ));
        let ip = Value::Ip("10.1.2.3".parse().unwrap());
        let net = Value::Net("10.0.0.0/8".parse().unwrap());
        assert!(compare_values(Operator::Eq, &ip, &net));
        assert!(!compare_values(Operator::Ne, &ip, &net));
        assert!(!compare_values(Operator::Eq, &s("1"), &Value::Int(1)));
    }

    #[test]
    fn sets_hash_strings_and_numbers() {
        let strings = ValueSet::new(vec![s("a"), s("b")]);
        assert!(matches!(strings, ValueSet::Strings(_)));
        assert!(strings.contains(&s("b")) && !strings.contains(&s("c")));
        let numbers = ValueSet::new(vec![Value::UInt(22), Value::UInt(80)]);
        assert!(numbers.contains(&Value::UInt(80)) && !numbers.contains(&Value::UInt(81)));
        let nets = ValueSet::new(vec![Value::Net("192.168.0.0/16".parse().unwrap())]);
        assert!(nets.contains(&Value::Ip("192.168.4.4".parse().unwrap())));
    }

    #[test]
    fn icontains_ignores_ascii_case() {
        assert!(contains_ignore_ascii_case(b"Hello World", b"o wor"));
        assert!(!contains_ignore_ascii_case(b"Hello", b"hellos"));
        assert!(contains_ignore_ascii_case(b"", b""));
        assert!(contains_ignore_ascii_case(b"CAP_SYS_MODULE", b"sys_module"));
        assert!(contains_ignore_ascii_case(b"aab", b"ab"));
        assert!(contains_ignore_ascii_case(b"x", b"x") && !contains_ignore_ascii_case(b"", b"x"));
        assert!(!contains_ignore_ascii_case(b"sys_modul", b"sys_module"));
    }
}

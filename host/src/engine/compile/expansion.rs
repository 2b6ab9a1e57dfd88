//! Bounds on macro expansion, checked before a condition's macros are expanded.
//!
//! Macros expand on the tree by copying their bodies, so a few lines of rules
//! can describe an expansion far larger than memory (each macro naming the
//! previous one twice doubles it: 40 macros make 2^40 checks) or far deeper
//! than the stack (a chain of macros each wrapping the next in parentheses
//! nests 200 levels per macro, past the parser's depth limit). Every pass
//! over the expanded tree (expansion itself, compilation, event types,
//! printing, evaluation, dropping) recurses, so the tree must stay shallow.
//!
//! Before expanding, the size and depth the expansion would have are
//! computed from per-macro figures. Those are worked out once per macro
//! without recursing from one macro into the next (an explicit stack walks
//! the reference graph), so measuring is safe however the macros are nested.
//! References the expansion will reject anyway (undefined, not yet visible,
//! unparsable or looping macros) count as a single check.

use super::{super::ast::Expr, CompileError};
use std::collections::{HashMap, HashSet};

/// The most checks and connectives an expanded condition may have. No rule
/// needs anywhere near this many; it is more than a condition of the maximum
/// text length ([`MAX_CONDITION_LEN`](crate::engine::loader::MAX_CONDITION_LEN))
/// can hold, so only macro expansion can exceed it.
pub const MAX_EXPANDED_NODES: u64 = 1 << 20;

/// The deepest nesting of `and`/`or`/`not` an expanded condition may have.
/// Real rules stay below 30 and a single condition can reach about 200 (the
/// parser's depth limit). At this depth every pass still fits a 2 MiB thread
/// stack in an unoptimised build; 1000 levels do not.
pub const MAX_EXPANDED_DEPTH: u64 = 500;

/// The size of an expanded (sub)tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extent {
    /// Nodes: checks, connectives and negations (saturating).
    pub nodes: u64,
    /// Levels, a lone check being one.
    pub depth: u64,
}

impl Extent {
    const LEAF: Extent = Extent { nodes: 1, depth: 1 };

    /// Whether a tree of this extent is within both limits.
    pub fn check(self) -> Result<(), CompileError> {
        if self.depth > MAX_EXPANDED_DEPTH {
            return Err(CompileError::new(format!(
                "condition nests {} levels deep after macro expansion, more than the limit of {MAX_EXPANDED_DEPTH}",
                self.depth
            )));
        }
        if self.nodes > MAX_EXPANDED_NODES {
            return Err(CompileError::new(format!(
                "condition has more than {MAX_EXPANDED_NODES} checks and operators after macro expansion"
            )));
        }
        Ok(())
    }
}

/// A macro as the measurer sees it.
pub struct MacroShape<'a> {
    /// Its definition index (references from items whose visibility is at
    /// or below it are undefined).
    pub index: usize,
    /// Macros with an index below this are visible from its body.
    pub visibility: usize,
    /// Its parsed body, if it parsed.
    pub body: Option<&'a Expr>,
}

/// The expanded extent of every macro that parsed, by name.
#[derive(Default)]
pub struct Extents {
    by_name: HashMap<String, Extent>,
}

impl Extents {
    /// Measures every macro of `macros`.
    pub fn measure(macros: &HashMap<&str, MacroShape<'_>>) -> Self {
        let mut done: HashMap<String, Extent> = HashMap::new();
        // Names on the explicit stack: a reference to one of them is a loop.
        let mut open: HashSet<&str> = HashSet::new();
        let mut names: Vec<&str> = macros.keys().copied().collect();
        names.sort();
        for root in names {
            if done.contains_key(root) || macros[root].body.is_none() {
                continue;
            }
            // (name, its direct references still to measure)
            let mut stack: Vec<(&str, Vec<&str>)> = vec![(root, refs_to_measure(root, macros))];
            open.insert(root);
            while let Some((name, pending)) = stack.last_mut() {
                let name = *name;
                let next = std::iter::from_fn(|| pending.pop())
                    .find(|r| !done.contains_key(*r) && !open.contains(*r));
                if let Some(child) = next {
                    open.insert(child);
                    stack.push((child, refs_to_measure(child, macros)));
                    continue;
                }
                let shape = &macros[name];
                let extent = shape.body.map_or(Extent::LEAF, |body| {
                    extent_of(body, &|r| visible(r, shape.visibility, macros, &done))
                });
                done.insert(name.to_string(), extent);
                open.remove(name);
                stack.pop();
            }
        }
        Self { by_name: done }
    }

    /// The extent `expr` (a rule's condition, which sees every macro) would
    /// have once expanded.
    pub fn of_rule(&self, expr: &Expr) -> Extent {
        extent_of(expr, &|name| self.by_name.get(name).copied())
    }
}

/// The extent of a macro referenced from an item of `visibility`, if it will expand.
fn visible(
    name: &str,
    visibility: usize,
    macros: &HashMap<&str, MacroShape<'_>>,
    done: &HashMap<String, Extent>,
) -> Option<Extent> {
    let shape = macros.get(name)?;
    if shape.index >= visibility {
        return None;
    }
    done.get(name).copied()
}

/// The macros `name`'s body names that parsed (each once).
fn refs_to_measure<'a>(name: &str, macros: &'a HashMap<&str, MacroShape<'_>>) -> Vec<&'a str> {
    let mut out = Vec::new();
    if let Some(body) = macros.get(name).and_then(|m| m.body) {
        collect_refs(body, &mut |r| {
            if let Some((key, shape)) = macros.get_key_value(r)
                && shape.body.is_some()
                && !out.contains(key)
            {
                out.push(*key);
            }
        });
    }
    out
}

/// Calls `f` with every macro name in `expr` (recursion bounded by the parser's depth limit).
fn collect_refs(expr: &Expr, f: &mut impl FnMut(&str)) {
    match expr {
        Expr::And(children) | Expr::Or(children) => {
            children.iter().for_each(|c| collect_refs(c, f))
        }
        Expr::Not(inner) => collect_refs(inner, f),
        Expr::Macro { name, .. } => f(name),
        Expr::Check(_) => {}
    }
}

/// The extent of `expr` with each macro reference replaced by `lookup`'s
/// extent, or counted as a single check when it has none.
fn extent_of(expr: &Expr, lookup: &impl Fn(&str) -> Option<Extent>) -> Extent {
    match expr {
        Expr::And(children) | Expr::Or(children) => {
            let mut total = Extent { nodes: 1, depth: 0 };
            for child in children {
                let e = extent_of(child, lookup);
                total.nodes = total.nodes.saturating_add(e.nodes);
                total.depth = total.depth.max(e.depth);
            }
            total.depth += 1;
            total
        }
        Expr::Not(inner) => {
            let e = extent_of(inner, lookup);
            Extent {
                nodes: e.nodes.saturating_add(1),
                depth: e.depth + 1,
            }
        }
        Expr::Macro { name, .. } => lookup(name).unwrap_or(Extent::LEAF),
        Expr::Check(_) => Extent::LEAF,
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES};
    use crate::engine::{
        Event, FieldRequest, Ruleset, RulesetOptions,
        diagnostics::{Diagnostic, Severity},
        eval::EventContext,
        loader::RulesSource,
    };
    use crate::fields::Value;
    use std::borrow::Cow;

    fn load(text: &str) -> (Option<Ruleset>, Vec<Diagnostic>) {
        let outcome = Ruleset::load(
            crate::sources::builtin_registry(),
            &[RulesSource::new("t.yaml", text)],
            &RulesetOptions::default(),
        );
        (outcome.ruleset, outcome.diagnostics)
    }

    fn errors(diagnostics: &[Diagnostic]) -> Vec<String> {
        diagnostics
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .map(|d| d.message.clone())
            .collect()
    }

    fn rule(condition: &str) -> String {
        format!("- rule: r\n  desc: d\n  condition: {condition}\n  output: o\n  priority: INFO\n")
    }

    /// `levels` nested `not(...)` around `inner`.
    fn nots(levels: usize, inner: &str) -> String {
        format!("{}{inner}{}", "not(".repeat(levels), ")".repeat(levels))
    }

    /// Macros `m0`..=`m{last}`, each `body(i)`, then a rule using `m{last}`.
    fn chain(last: usize, body: impl Fn(usize) -> String) -> String {
        let mut text = String::new();
        for i in 0..=last {
            text += &format!("- macro: m{i}\n  condition: {}\n", body(i));
        }
        text + &rule(&format!("m{last}"))
    }

    struct NamedProcess;

    impl Event for NamedProcess {
        fn event_type_index(&self) -> Option<usize> {
            Some(0)
        }
        fn timestamp_ns(&self) -> u64 {
            0
        }
        fn extract(&self, request: &FieldRequest<'_>) -> Option<Value<'_>> {
            (request.name == "proc.name").then_some(Value::Str(Cow::Borrowed("x")))
        }
    }

    #[test]
    fn doubling_macros_are_refused_before_expanding() {
        // m40 would expand to 2^41 nodes: without the bound, memory runs out.
        let text = chain(40, |i| match i {
            0 => "proc.name = x".into(),
            _ => format!("m{} and m{}", i - 1, i - 1),
        });
        let (ruleset, diagnostics) = load(&text);
        assert!(ruleset.is_none());
        let errors = errors(&diagnostics);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].contains(&format!("more than {MAX_EXPANDED_NODES} checks")),
            "{errors:#?}"
        );
        // Every macro is still counted as used.
        assert!(
            diagnostics
                .iter()
                .all(|d| !d.message.contains("Macro not referred"))
        );
    }

    #[test]
    fn doubling_macros_within_the_bound_still_expand() {
        // m15 expands to 2^17 - 1 nodes.
        let text = chain(15, |i| match i {
            0 => "proc.name = x".into(),
            _ => format!("m{} and m{}", i - 1, i - 1),
        });
        let (ruleset, diagnostics) = load(&text);
        assert!(ruleset.is_some(), "{:#?}", errors(&diagnostics));
    }

    #[test]
    fn deeply_nested_macro_chains_are_refused_without_overflowing_the_stack() {
        // 200 macros of 190 levels each: 38,000 levels, far past any stack.
        let text = chain(200, |i| match i {
            0 => nots(190, "proc.name = x"),
            _ => nots(190, &format!("m{}", i - 1)),
        });
        let (ruleset, diagnostics) = load(&text);
        assert!(ruleset.is_none());
        let errors = errors(&diagnostics);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].contains(&format!("more than the limit of {MAX_EXPANDED_DEPTH}")),
            "{errors:#?}"
        );
    }

    #[test]
    fn the_deepest_expansion_allowed_compiles_and_evaluates_on_a_test_thread() {
        // Macros of 199 levels of `not(` each, a rule nesting the last one
        // further and the check: exactly the limit, on a default (2 MiB)
        // test thread, unoptimised.
        let per_macro = 199;
        let macros = (MAX_EXPANDED_DEPTH as usize - 1) / per_macro;
        let top = MAX_EXPANDED_DEPTH as usize - 1 - macros * per_macro;
        let mut text = chain(macros - 1, |i| match i {
            0 => nots(per_macro, "proc.name = x"),
            _ => nots(per_macro, &format!("m{}", i - 1)),
        });
        text = text.replace(
            &format!("condition: m{}\n", macros - 1),
            &format!("condition: {}\n", nots(top, &format!("m{}", macros - 1))),
        );
        let (ruleset, diagnostics) = load(&text);
        let ruleset = ruleset.unwrap_or_else(|| panic!("{:#?}", errors(&diagnostics)));
        assert_eq!(
            ruleset.rules()[0].expanded_condition.matches("not").count(),
            MAX_EXPANDED_DEPTH as usize - 1
        );
        let source = ruleset.source("syscall").expect("syscall source");
        let context = EventContext {
            number: 1,
            source: "syscall".into(),
            hostname: "h".into(),
            start_ns: 0,
        };
        let mut alerts = Vec::new();
        ruleset.process(source, &NamedProcess, &context, "h", &mut alerts);
        // An odd number of negations of a true check.
        assert_eq!(MAX_EXPANDED_DEPTH % 2, 0);
        assert!(alerts.is_empty());

        // One level more is refused.
        let deeper = text.replace(
            &format!("condition: {}\n", nots(top, &format!("m{}", macros - 1))),
            &format!(
                "condition: {}\n",
                nots(top + 1, &format!("m{}", macros - 1))
            ),
        );
        let (ruleset, diagnostics) = load(&deeper);
        assert!(ruleset.is_none());
        let errors = errors(&diagnostics);
        assert!(
            errors[0].contains(&format!("{} levels deep", MAX_EXPANDED_DEPTH + 1)),
            "{errors:#?}"
        );
    }

    #[test]
    fn the_fuzzing_reproducers_are_refused_by_the_bounds() {
        let deep =
            include_str!("../testdata/fuzz/rules_file/crash-deep-macro-chain-stack-overflow");
        let errors_deep = errors(&load(deep).1);
        assert!(errors_deep[0].contains("levels deep"), "{errors_deep:#?}");
        let wide =
            include_str!("../testdata/fuzz/rules_file/crash-exponential-macro-expansion-oom");
        let errors_wide = errors(&load(wide).1);
        assert!(
            errors_wide[0].contains("checks and operators"),
            "{errors_wide:#?}"
        );
    }

    #[test]
    fn undefined_and_not_yet_visible_macros_are_still_reported_by_expansion() {
        let text = "- macro: a\n  condition: b and proc.name = x\n\
                    - macro: b\n  condition: not (a)\n\
                    - macro: c\n  condition: later\n\
                    - macro: later\n  condition: proc.name = y\n"
            .to_string()
            + &rule("a")
            + &rule("c").replace("rule: r", "rule: r2")
            + &rule("undefined").replace("rule: r", "rule: r3");
        let (_, diagnostics) = load(&text);
        let errors = errors(&diagnostics);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors[0].contains("Undefined macro 'b'"), "{errors:#?}");
        assert!(errors[1].contains("Undefined macro 'later'"), "{errors:#?}");
        assert!(
            errors[2].contains("Undefined macro 'undefined'"),
            "{errors:#?}"
        );
    }
}

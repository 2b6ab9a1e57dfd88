//! Which syscalls the probe reports: those the loaded rules can match, plus
//! those that keep the state tables true (`state::STATE_SYSCALLS`). Every other syscall is dropped in
//! the kernel after one array lookup.

use crate::engine::{Ruleset, SourceHandle};
use lanner_syscall_source::{state::STATE_SYSCALLS, syscalls};

/// The syscall numbers to capture for `ruleset`'s rules of `source`, sorted.
pub fn syscalls_to_capture(ruleset: &Ruleset, source: SourceHandle, source_name: &str) -> Vec<u64> {
    let types = ruleset
        .registry()
        .event_types(source_name)
        .unwrap_or_default();
    let mut numbers: Vec<u64> = ruleset
        .event_types_with_rules(source)
        .filter_map(|index| types.get(index))
        .filter_map(|name| syscalls::number(name))
        .chain(STATE_SYSCALLS.iter().copied())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RulesetOptions, loader::RulesSource};

    fn ruleset(rules: &str) -> Ruleset {
        let outcome = Ruleset::load(
            crate::sources::builtin_registry(),
            &[RulesSource::new("r.yaml", rules)],
            &RulesetOptions::default(),
        );
        outcome.ruleset.expect("rules load")
    }

    #[test]
    fn captures_what_rules_match_plus_the_state_keeping_syscalls() {
        let rules = ruleset(
            "- rule: ptrace\n  desc: d\n  condition: evt.type = ptrace\n  output: o\n  priority: INFO\n\
             - rule: off\n  desc: d\n  condition: evt.type = kill\n  output: o\n  priority: INFO\n  enabled: false\n",
        );
        let source = rules.source("syscall").unwrap();
        let numbers = syscalls_to_capture(&rules, source, "syscall");
        let has = |name: &str| numbers.contains(&syscalls::number(name).unwrap());
        assert!(has("ptrace"), "the rule's syscall");
        assert!(
            has("openat") && has("close") && has("connect"),
            "state keeping"
        );
        assert!(
            !has("kill"),
            "a disabled rule's syscall stays in the kernel"
        );
        assert!(!has("read") && !has("futex"), "nobody needs these");
        assert!(
            numbers.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
    }

    #[test]
    fn a_rule_without_event_types_needs_every_syscall() {
        let rules = ruleset(
            "- rule: any\n  desc: d\n  condition: proc.name = nginx\n  output: o\n  priority: INFO\n",
        );
        let source = rules.source("syscall").unwrap();
        let numbers = syscalls_to_capture(&rules, source, "syscall");
        assert!(numbers.len() > 300, "{}", numbers.len());
    }
}

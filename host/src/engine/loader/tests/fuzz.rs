//! Robustness: no input, however broken, makes the loader panic or blow up.

use proptest::prelude::*;

use super::super::{ListExpander, RulesSource, condition_with_exceptions, load, substitute_lists};
use super::{errors, load_one, reference};

/// Loads `text` and runs the text-building steps the compiler will run.
fn exercise(text: &str) {
    let c = load(&[
        RulesSource::new("fuzz.yaml", text),
        RulesSource::new("again.yaml", text),
    ]);
    let lists = ListExpander::new(&c.lists);
    let mut used = vec![false; c.lists.len()];
    for rule in &c.rules {
        lists.expand_recording(&condition_with_exceptions(rule), &mut used);
    }
    for d in &c.diagnostics {
        let _ = d.to_string();
    }
}

/// Fragments that make random text look like a rules file.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("- ".to_string()),
        Just("\n".to_string()),
        Just("  ".to_string()),
        Just("rule: r".to_string()),
        Just("macro: m".to_string()),
        Just("list: l".to_string()),
        Just("items: [a, l, 'b c']".to_string()),
        Just("condition: a in (l)".to_string()),
        Just("output: o".to_string()),
        Just("desc: d".to_string()),
        Just("priority: info".to_string()),
        Just("enabled: false".to_string()),
        Just("append: true".to_string()),
        Just("override:".to_string()),
        Just("condition: append".to_string()),
        Just("items: replace".to_string()),
        Just("exceptions:".to_string()),
        Just("name: e".to_string()),
        Just("fields: [a.b, c.d]".to_string()),
        Just("fields: a.b".to_string()),
        Just("comps: [=, in]".to_string()),
        Just("values: [[x, [y, z]]]".to_string()),
        Just("values: [x]".to_string()),
        Just("required_engine_version: 10".to_string()),
        Just("required_plugin_versions:".to_string()),
        Just("version: 0.1.0".to_string()),
        Just("alternatives:".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("---\n".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(": ".to_string()),
        Just("\"".to_string()),
        Just(">\n".to_string()),
        "[a-z ,:\\[\\]{}\"'#&*!|>\n-]{0,8}",
    ]
}

/// A random edit of a text, by character position.
#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..200).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), fragment()).prop_map(|(at, s)| Edit::Insert(at, s)),
        (any::<usize>(), 0usize..400).prop_map(|(at, n)| Edit::Duplicate(at, n)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len().max(1);
        match e {
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(chars.len());
                if at < end {
                    chars.drain(at..end);
                }
            }
            Edit::Insert(at, s) => {
                let at = (at % len).min(chars.len());
                chars.splice(at..at, s.chars());
            }
            Edit::Duplicate(at, n) => {
                let at = (at % len).min(chars.len());
                let end = (at + n).min(chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                chars.splice(at..at, copy);
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn rules_shaped_text(parts in proptest::collection::vec(fragment(), 0..60)) {
        exercise(&parts.concat());
    }

    #[test]
    fn substitution_of_arbitrary_text(
        cond in "[a-z (),=\"' \t\n]{0,40}",
        names in proptest::collection::vec("[a-z]{0,3}", 0..4),
        items in proptest::collection::vec("[a-z ,()]{0,4}", 0..4),
    ) {
        let text: String = names
            .iter()
            .map(|n| format!("- list: {n:?}\n  items: {items:?}\n"))
            .collect();
        let c = load_one(&text);
        let _ = substitute_lists(&cond, &c.lists);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_reference_files(edits in proptest::collection::vec(edit(), 1..6), which in 0usize..3) {
        let name = ["falco_rules.yaml", "k8s_audit_rules.yaml", "okta_rules.yaml"][which];
        let text = apply(&reference(name).text, &edits);
        let c = load(&[RulesSource::new(name, text)]);
        for d in &c.diagnostics {
            let _ = d.to_string();
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let c = load_one(&"[".repeat(200_000));
    assert_eq!(errors(&c).len(), 1);
    let c = load_one(&format!("{}{}", "- ".repeat(5_000), "x"));
    assert_eq!(errors(&c).len(), 1, "{:#?}", c.diagnostics.first());
}

#[test]
fn alias_bombs_are_bounded() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let c = load_one(&text);
    assert_eq!(errors(&c).len(), 1);
    assert!(
        errors(&c)[0].message.contains("too large"),
        "{}",
        errors(&c)[0]
    );
}

#[test]
fn a_large_anchored_scalar_copied_by_many_aliases_is_refused_at_the_alias() {
    // 1 MiB of text, anchored once, then referenced 10,000 times: few nodes,
    // 10 GB of copies. The first alias past the byte budget is the one named.
    let big = "x".repeat(1 << 20);
    let mut text = format!("- list: big\n  items: [&big {big}]\n- list: copies\n  items:\n");
    for _ in 0..10_000 {
        text.push_str("  - *big\n");
    }
    let c = load_one(&text);
    let errors = errors(&c);
    assert_eq!(errors.len(), 1, "{:#?}", c.diagnostics);
    let error = errors[0];
    assert!(
        error.message.contains("aliases expand to more than 16 MiB"),
        "{error}"
    );
    // Line 5 holds the first alias, so the 17th copy is on line 21.
    assert_eq!(error.location.as_ref().map(|l| l.line), Some(21), "{error}");
    assert!(error.to_string().contains("test.yaml:21:"), "{error}");
}

#[test]
fn aliases_within_the_byte_budget_still_expand() {
    let big = "y".repeat(1 << 20);
    let mut text = format!("- list: big\n  items: [&big {big}]\n- list: copies\n  items:\n");
    for _ in 0..15 {
        text.push_str("  - *big\n");
    }
    let c = load_one(&text);
    assert!(errors(&c).is_empty(), "{:#?}", c.diagnostics);
}

#[test]
fn exponential_list_chains_are_bounded() {
    // Each list names the next one ten times; substitution order expands them all.
    let mut text = String::new();
    for i in 0..12 {
        let next = format!("l{}", i + 1);
        let items = [next.as_str(); 10].join(", ");
        text.push_str(&format!("- list: l{i}\n  items: [{items}]\n"));
    }
    let c = load_one(&text);
    let out = substitute_lists("a in (l0)", &c.lists);
    assert!(out.len() <= super::super::MAX_CONDITION_LEN + 1024);
}

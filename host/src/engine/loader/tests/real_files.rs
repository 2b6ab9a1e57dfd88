//! The seven reference rules files load without errors, alone and layered.

use super::super::{
    Collection, ListExpander, RulesSource, Version, condition_with_exceptions, load,
};
use super::{errors, reference};

fn assert_clean(c: &Collection, what: &str) {
    let errs = errors(c);
    assert!(
        errs.is_empty(),
        "{what}: {} errors, first: {}",
        errs.len(),
        errs[0]
    );
}

const PLUGIN_FILES: [&str; 4] = [
    "k8s_audit_rules.yaml",
    "aws_cloudtrail_rules.yaml",
    "okta_rules.yaml",
    "github_rules.yaml",
];

#[test]
fn falco_rules_alone() {
    let c = load(&[reference("falco_rules.yaml")]);
    assert_clean(&c, "falco_rules.yaml");
    assert_eq!(c.rules.len(), 25);
    assert_eq!(c.macros.len(), 87);
    assert_eq!(c.lists.len(), 49);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let (v, loc) = c.required_engine_version.clone().expect("engine version");
    assert_eq!(v, Version::new(0, 57, 0));
    assert_eq!((loc.line, loc.column), (28, 28));
    assert_eq!(c.plugin_requirements.len(), 1);
    assert_eq!(c.plugin_requirements[0].name, "container");
    assert_eq!(c.plugin_requirements[0].version, "0.4.0");
    // Evaluation order is definition order, and indexes grow.
    assert!(c.rules.windows(2).all(|w| w[0].index < w[1].index));
    assert!(c.rules.iter().all(|r| r.source == "syscall"));
    // The first macro and its location.
    assert_eq!(c.macros[0].name, "open_write");
    assert_eq!(c.macros[0].location.line, 42);
    assert_eq!(c.macros[0].condition_location.line, 43);
    assert_eq!(c.macros[0].condition_location.column, 14);
}

#[test]
fn falco_rules_layered_with_incubating_and_sandbox() {
    let base = reference("falco_rules.yaml");
    let incubating = reference("falco-incubating_rules.yaml");
    let sandbox = reference("falco-sandbox_rules.yaml");
    let two = load(&[base.clone(), incubating.clone()]);
    assert_clean(&two, "falco + incubating");
    let three = load(&[base.clone(), incubating, sandbox.clone()]);
    assert_clean(&three, "falco + incubating + sandbox");
    assert!(three.rules.len() > two.rules.len());
    let with_sandbox = load(&[base, sandbox]);
    assert_clean(&with_sandbox, "falco + sandbox");
    // Layering keeps the first file's items first.
    assert_eq!(three.rules[0].name, two.rules[0].name);
}

#[test]
fn plugin_rules_files() {
    for name in PLUGIN_FILES {
        let c = load(&[reference(name)]);
        assert_clean(&c, name);
        assert!(!c.rules.is_empty(), "{name}: no rules");
        assert!(
            !c.plugin_requirements.is_empty(),
            "{name}: no plugin requirements"
        );
        assert!(
            c.rules.iter().all(|r| r.source != "syscall"),
            "{name}: wrong source"
        );
    }
    let all: Vec<RulesSource> = PLUGIN_FILES.iter().map(|n| reference(n)).collect();
    assert_clean(&load(&all), "all plugin files");
}

#[test]
fn every_condition_expands() {
    let all: Vec<RulesSource> = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ]
    .iter()
    .chain(PLUGIN_FILES.iter())
    .map(|n| reference(n))
    .collect();
    for src in all {
        let c = load(std::slice::from_ref(&src));
        let lists = ListExpander::new(&c.lists);
        let mut used = vec![false; c.lists.len()];
        for rule in &c.rules {
            let text = lists.expand_recording(&condition_with_exceptions(rule), &mut used);
            assert!(text.starts_with('('), "{}", rule.name);
        }
        for m in &c.macros {
            lists.expand_recording(&m.condition, &mut used);
        }
        // Most lists of the reference files are used by a condition or inlined.
        let reached = (0..c.lists.len())
            .filter(|&i| used[i] || lists.inlined()[i])
            .count();
        assert!(
            reached * 2 >= c.lists.len(),
            "{}: {reached} of {}",
            src.name,
            c.lists.len()
        );
    }
}

#[test]
fn nested_list_is_inlined_in_falco_rules() {
    let c = load(&[reference("falco_rules.yaml")]);
    let lists = ListExpander::new(&c.lists);
    let i = c
        .lists
        .iter()
        .position(|l| l.name == "package_mgmt_binaries")
        .expect("package_mgmt_binaries");
    let items = lists.items(i).expect("items");
    assert!(items.iter().any(|x| x == "rpm"), "{items:?}");
    assert!(!items.iter().any(|x| x == "rpm_binaries"), "{items:?}");
}

//! Exception condition text, for every form Falco accepts.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::super::super::diagnostics::Location;
use super::super::{
    ExceptionDef, ExceptionFields, ExceptionValue, Priority, RuleDef, condition_with_exceptions,
};
use super::load_one;

fn loc() -> Location {
    Location {
        file: Arc::from("x.yaml"),
        line: 1,
        column: 1,
    }
}

fn rule(exceptions: Vec<ExceptionDef>) -> RuleDef {
    RuleDef {
        name: "r".into(),
        condition: "evt.type = open".into(),
        condition_location: loc(),
        output: "o".into(),
        output_location: loc(),
        desc: "d".into(),
        priority: Priority::Debug,
        source: "syscall".into(),
        enabled: true,
        tags: BTreeSet::new(),
        exceptions,
        warn_evttypes: true,
        skip_if_unknown_filter: false,
        capture: false,
        capture_duration_ms: 0,
        location: loc(),
        index: 0,
        visibility: 0,
    }
}

fn s(v: &str) -> ExceptionValue {
    ExceptionValue::Scalar(v.into())
}

fn l(vs: &[ExceptionValue]) -> ExceptionValue {
    ExceptionValue::List(vs.to_vec())
}

fn ex(fields: ExceptionFields, comps: &[&str], values: Vec<ExceptionValue>) -> ExceptionDef {
    ExceptionDef {
        name: "e".into(),
        field_locations: vec![loc(); fields.names().len()],
        fields,
        comps: comps.iter().map(|c| c.to_string()).collect(),
        values,
        location: loc(),
    }
}

/// The condition text of a rule whose YAML `exceptions:` block is `body`.
fn from_yaml(body: &str) -> String {
    let c = load_one(&format!(
        "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: debug\n  exceptions:\n{body}"
    ));
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    condition_with_exceptions(&c.rules[0])
}

#[test]
fn no_exceptions_just_parenthesises() {
    assert_eq!(
        condition_with_exceptions(&rule(vec![])),
        "(evt.type = open)"
    );
}

#[test]
fn scalar_fields_default_to_in() {
    assert_eq!(
        from_yaml(
            "    - name: e\n      fields: proc.name\n      values: [bash, my shell, '\"quoted x\"']\n"
        ),
        "(evt.type = open) and not (proc.name in (bash, \"my shell\", \"quoted x\"))"
    );
    let e = ex(
        ExceptionFields::Scalar("fd.name".into()),
        &["pmatch"],
        vec![s("/tmp"), s("/var")],
    );
    assert_eq!(
        condition_with_exceptions(&rule(vec![e])),
        "(evt.type = open) and not (fd.name pmatch (/tmp, /var))"
    );
}

#[test]
fn scalar_fields_with_modifier_operator() {
    assert_eq!(
        from_yaml(
            "    - name: e\n      fields: proc.name\n      comps: startswith oneof\n      values: [a, b]\n"
        ),
        "(evt.type = open) and not (proc.name startswith oneof (a, b))"
    );
}

#[test]
fn list_fields_default_to_equals() {
    assert_eq!(
        from_yaml(
            "    - name: e\n      fields: [proc.name, fd.name]\n      values:\n        - [bash, /etc/passwd]\n        - [vi, my file]\n"
        ),
        "(evt.type = open) and not \
         (( proc.name = bash and fd.name = /etc/passwd) or ( proc.name = vi and fd.name = \"my file\"))"
    );
}

#[test]
fn list_fields_with_comps_list_values_and_parens() {
    assert_eq!(
        from_yaml(
            "    - name: e\n      fields: [proc.name, fd.name, proc.pname]\n      comps: [in, ' startswith ', pmatch]\n      values:\n        - [[bash, my sh], /etc, '(a, b)']\n        - [sh, /tmp, c]\n"
        ),
        "(evt.type = open) and not \
         (( proc.name in (bash, \"my sh\") and fd.name startswith /etc and proc.pname pmatch (a, b)) \
         or ( proc.name in (sh) and fd.name startswith /tmp and proc.pname pmatch (c)))"
    );
}

#[test]
fn list_value_for_a_non_list_operator_is_still_a_list_literal() {
    let e = ex(
        ExceptionFields::List(vec!["proc.name".into()]),
        &["="],
        vec![l(&[l(&[s("a"), s("b c"), l(&[s("deep")])])])],
    );
    assert_eq!(
        condition_with_exceptions(&rule(vec![e])),
        "(evt.type = open) and not (( proc.name = (a, \"b c\", )))"
    );
}

#[test]
fn empty_values_add_nothing() {
    assert_eq!(
        from_yaml(
            "    - name: e\n      fields: [proc.name]\n    - name: f\n      fields: fd.name\n      values: []\n"
        ),
        "(evt.type = open)"
    );
}

#[test]
fn several_exceptions_in_order() {
    assert_eq!(
        from_yaml(
            "    - name: e\n      fields: proc.name\n      values: [a]\n    - name: f\n      fields: [fd.name]\n      comps: [contains]\n      values: [[x]]\n"
        ),
        "(evt.type = open) and not (proc.name in (a)) and not (( fd.name contains x))"
    );
}

#[test]
fn quoting_is_textual_only() {
    // Values starting with a quote are left alone; nothing is escaped; values
    // without a space are never quoted even when they contain delimiters.
    assert_eq!(
        from_yaml(
            "    - name: e\n      fields: [a.b, c.d, e.f]\n      values:\n        - ['\"x y\"', \"'p q'\", 'k=v,w']\n"
        ),
        "(evt.type = open) and not (( a.b = \"x y\" and c.d = 'p q' and e.f = k=v,w))"
    );
    assert_eq!(
        from_yaml("    - name: e\n      fields: a.b\n      values: ['say \"hi\" now']\n"),
        "(evt.type = open) and not (a.b in (\"say \"hi\" now\"))"
    );
}

#[test]
fn malformed_rows_built_by_hand_are_skipped() {
    let e = ex(
        ExceptionFields::List(vec!["a.b".into(), "c.d".into()]),
        &["=", "="],
        vec![l(&[s("x")]), s("y"), l(&[s("1"), s("2")])],
    );
    let f = ex(
        ExceptionFields::Scalar("a.b".into()),
        &["in"],
        vec![l(&[s("x")])],
    );
    assert_eq!(
        condition_with_exceptions(&rule(vec![e, f])),
        "(evt.type = open) and not (( a.b = 1 and c.d = 2))"
    );
}

#[test]
fn decoded_exception_keeps_fields_and_locations() {
    let c = load_one(
        "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n  exceptions:\n    - name: e\n      fields: [proc.name, fd.name]\n      values: [[a, b]]\n",
    );
    let e = &c.rules[0].exceptions[0];
    assert_eq!(
        e.fields,
        ExceptionFields::List(vec!["proc.name".into(), "fd.name".into()])
    );
    assert_eq!(e.comps, ["=", "="]);
    assert_eq!(e.field_locations[1].line, 8);
    assert_eq!(e.field_locations[1].column, 27);
    assert_eq!((e.location.line, e.location.column), (7, 7));
    assert_eq!(e.values, [l(&[s("a"), s("b")])]);
}

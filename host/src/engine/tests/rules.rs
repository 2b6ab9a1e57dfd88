//! Rules files end to end through the engine: macros, lists, exceptions,
//! indexing, outputs and diagnostics.

use super::*;
use crate::engine::{diagnostics::Code, output::TimeStyle};

fn file(body: &str) -> String {
    body.replace("SRC", SOURCE)
}

fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .collect()
}

#[test]
fn lists_and_macros_expand_in_order() {
    let text = file(
        "- list: shells\n  items: [bash, sh]\n\
         - list: all_shells\n  items: [shells, zsh]\n\
         - macro: is_shell\n  condition: t.str in (all_shells)\n\
         - macro: shell_open\n  condition: evt.type = open and is_shell\n\
         - rule: r\n  desc: d\n  condition: shell_open\n  output: o\n  priority: INFO\n  source: SRC\n",
    );
    let (ruleset, diagnostics) = load(&[("a.yaml", &text)]);
    assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
    let ruleset = ruleset.unwrap();
    for (value, expected) in [("bash", true), ("zsh", true), ("fish", false)] {
        let event = TestEvent::new("open", &[("t.str", s(value))]);
        assert_eq!(!alerts(&ruleset, &event).is_empty(), expected, "{value}");
    }
    let rule = &ruleset.rules()[0];
    assert_eq!(
        rule.expanded_condition,
        "evt.type = open and t.str in (bash, sh, zsh)"
    );
}

#[test]
fn a_macro_cannot_use_a_later_macro_but_a_rule_can() {
    let text = file(
        "- macro: a\n  condition: b\n\
         - macro: b\n  condition: t.str = x\n\
         - rule: r\n  desc: d\n  condition: a\n  output: o\n  priority: INFO\n  source: SRC\n",
    );
    let (_, diagnostics) = load(&[("a.yaml", &text)]);
    let error = errors(&diagnostics)[0];
    assert_eq!(error.message, "Undefined macro 'b' used in filter.");
    assert_eq!(error.code, Code::CompileCondition);
    // Reported where the rule's condition (which pulls the macro in) is.
    assert_eq!(error.location.as_ref().unwrap().line, 7);
}

#[test]
fn macro_loops_and_undefined_macros_are_errors() {
    let text = file(
        "- rule: r\n  desc: d\n  condition: evt.type = open and nope\n  output: o\n  priority: INFO\n  source: SRC\n",
    );
    let (_, diagnostics) = load(&[("a.yaml", &text)]);
    assert_eq!(
        errors(&diagnostics)[0].message,
        "Undefined macro 'nope' used in filter."
    );
}

#[test]
fn exceptions_exclude_matching_events() {
    let text = file(
        "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n  source: SRC\n  exceptions:\n\
         \x20   - name: trusted\n      fields: [t.str, t.uint]\n      comps: [=, in]\n      values:\n        - [/bin/ok, [1, 2]]\n\
         \x20   - name: by_name\n      fields: t.other\n      values: [safe, also_safe]\n",
    );
    let (ruleset, diagnostics) = load(&[("a.yaml", &text)]);
    assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
    let ruleset = ruleset.unwrap();
    let fire = |str_value: &str, uint: u64, other: &str| {
        let event = TestEvent::new(
            "open",
            &[
                ("t.str", s(str_value)),
                ("t.uint", Value::UInt(uint)),
                ("t.other", s(other)),
            ],
        );
        !alerts(&ruleset, &event).is_empty()
    };
    assert!(fire("/bin/evil", 1, "x"));
    assert!(!fire("/bin/ok", 2, "x"));
    assert!(fire("/bin/ok", 3, "x"));
    assert!(!fire("/bin/evil", 9, "also_safe"));
}

#[test]
fn exception_fields_must_exist() {
    let text = file(
        "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n  source: SRC\n  exceptions:\n\
         \x20   - name: bad\n      fields: [t.nope]\n      values: [[x]]\n",
    );
    let (_, diagnostics) = load(&[("a.yaml", &text)]);
    assert!(
        errors(&diagnostics)[0].message.contains("t.nope"),
        "{diagnostics:#?}"
    );
}

#[test]
fn override_append_and_enabled_across_files() {
    let base = file(
        "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n  source: SRC\n\
         - rule: q\n  desc: d\n  condition: evt.type = openat\n  output: o\n  priority: INFO\n  source: SRC\n",
    );
    let local = file(
        "- rule: r\n  condition: and t.str = x\n  override:\n    condition: append\n\
         - rule: q\n  enabled: false\n  override:\n    enabled: replace\n",
    );
    let (ruleset, diagnostics) = load(&[("base.yaml", &base), ("local.yaml", &local)]);
    assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
    let ruleset = ruleset.unwrap();
    assert!(alerts(&ruleset, &TestEvent::new("open", &[("t.str", s("x"))])).len() == 1);
    assert!(alerts(&ruleset, &TestEvent::new("open", &[("t.str", s("y"))])).is_empty());
    assert!(
        alerts(&ruleset, &TestEvent::new("openat", &[])).is_empty(),
        "q was disabled"
    );
}

#[test]
fn rules_are_indexed_by_event_type() {
    let ruleset = compile("evt.type in (open, openat) and not evt.type = openat");
    let rule = &ruleset.rules()[0];
    assert_eq!(rule.event_types.iter().collect::<Vec<_>>(), vec![0]);
    let untyped = compile("t.str = x");
    assert!(untyped.rules()[0].event_types.is_all());
    let negated = compile("not evt.type in (open, connect)");
    assert_eq!(
        negated.rules()[0].event_types.iter().collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(compile_error("evt.type = bogus").contains("unknown event type bogus"));
}

#[test]
fn first_match_stops_and_all_matches_continue() {
    let text = file(
        "- rule: one\n  desc: d\n  condition: evt.type = open\n  output: first\n  priority: INFO\n  source: SRC\n\
         - rule: two\n  desc: d\n  condition: evt.type = open\n  output: second\n  priority: INFO\n  source: SRC\n",
    );
    let (ruleset, _) = load(&[("a.yaml", &text)]);
    let found = alerts(&ruleset.unwrap(), &TestEvent::new("open", &[]));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, "one");
    let sources = [RulesSource {
        name: Arc::from("a.yaml"),
        text,
    }];
    let options = RulesetOptions {
        match_mode: crate::engine::MatchMode::All,
        ..RulesetOptions::default()
    };
    let all = Ruleset::load(registry(), &sources, &options)
        .ruleset
        .unwrap();
    assert_eq!(alerts(&all, &TestEvent::new("open", &[])).len(), 2);
}

#[test]
fn outputs_render_values_missing_values_and_widths() {
    let text = file(
        "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: \"s=%t.str n=%t.uint k=%t.key[x] w=[%5t.other] a=%proc.aname[1], low=%tolower(t.str)\"\n  priority: ERROR\n  tags: [b, a]\n  source: SRC\n",
    );
    let (ruleset, diagnostics) = load(&[("a.yaml", &text)]);
    assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
    let event = TestEvent::new(
        "open",
        &[
            ("t.str", s("ABC")),
            ("t.uint", Value::UInt(7)),
            ("t.other", s("xy")),
        ],
    );
    let alert = &alerts(&ruleset.unwrap(), &event)[0];
    assert_eq!(alert.message, "s=ABC n=7 k=<NA> w=[xy   ] a=<NA>, low=abc");
    let json: serde_json::Value = serde_json::from_str(&alert.json(TimeStyle::TimeOfDay)).unwrap();
    assert_eq!(json["rule"], "r");
    assert_eq!(json["priority"], "Error");
    assert_eq!(json["source"], SOURCE);
    assert_eq!(json["tags"], serde_json::json!(["a", "b"]));
    assert_eq!(json["time"], "2023-11-14T22:13:20.123456789Z");
    let fields = &json["output_fields"];
    assert_eq!(fields["t.str"], "ABC");
    assert_eq!(fields["t.uint"], 7);
    assert_eq!(fields["t.key[x]"], serde_json::Value::Null);
    assert_eq!(fields["proc.aname[1]"], serde_json::Value::Null);
    assert_eq!(fields["evt.time"], 1_700_000_000_123_456_789u64);
    assert!(
        fields.get("tolower(t.str)").is_none(),
        "transformer tokens are not output fields"
    );
    assert!(alert.text(TimeStyle::Iso8601).contains(": Error s=ABC"));
}

#[test]
fn absurd_output_widths_are_refused() {
    let text = file(
        "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: \"%99999999999t.str\"\n  priority: INFO\n  source: SRC\n",
    );
    let (_, diagnostics) = load(&[("a.yaml", &text)]);
    assert!(
        errors(&diagnostics)[0].message.contains("too large"),
        "{diagnostics:#?}"
    );
}

#[test]
fn bad_outputs_are_errors() {
    let text = file(
        "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: trailing %\n  priority: INFO\n  source: SRC\n\
         - rule: q\n  desc: d\n  condition: evt.type = open\n  output: bad %nope.field\n  priority: INFO\n  source: SRC\n",
    );
    let (_, diagnostics) = load(&[("a.yaml", &text)]);
    let errors = errors(&diagnostics);
    assert_eq!(errors.len(), 2, "{diagnostics:#?}");
    assert!(errors[0].message.contains("cannot end with a %"));
    assert_eq!(errors[0].code, Code::CompileOutput);
    assert!(errors[1].message.contains("unknown filter"));
}

#[test]
fn unknown_sources_and_unused_items_are_warnings() {
    let text = file(
        "- list: unused_list\n  items: [a]\n\
         - macro: unused_macro\n  condition: t.str = a\n\
         - rule: elsewhere\n  desc: d\n  condition: x.y = 1\n  output: o\n  priority: INFO\n  source: nowhere\n",
    );
    let (ruleset, diagnostics) = load(&[("a.yaml", &text)]);
    assert!(ruleset.is_some());
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&Code::UnknownSource), "{codes:?}");
    assert!(codes.contains(&Code::UnusedMacro), "{codes:?}");
    assert!(codes.contains(&Code::UnusedList), "{codes:?}");
}

#[test]
fn skip_if_unknown_filter_turns_the_error_into_a_warning() {
    let text = file(
        "- rule: r\n  desc: d\n  condition: t.future = 1\n  output: o\n  priority: INFO\n  source: SRC\n  skip-if-unknown-filter: true\n",
    );
    let (ruleset, diagnostics) = load(&[("a.yaml", &text)]);
    assert!(ruleset.is_some(), "{diagnostics:#?}");
    assert!(diagnostics.iter().any(|d| d.code == Code::UnknownFilter));
    assert!(ruleset.unwrap().rules().is_empty());
}

#[test]
fn condition_errors_point_at_the_condition_with_a_snippet() {
    let text = file(
        "- rule: r\n  desc: d\n  condition: evt.type = open and (t.str = x\n  output: o\n  priority: INFO\n  source: SRC\n",
    );
    let (_, diagnostics) = load(&[("a.yaml", &text)]);
    let error = errors(&diagnostics)[0];
    assert_eq!(error.code, Code::CompileCondition);
    let location = error.location.as_ref().unwrap();
    assert_eq!((location.file.as_ref(), location.line), ("a.yaml", 3));
    assert!(
        error
            .snippet
            .as_deref()
            .unwrap()
            .contains("condition: evt.type")
    );
    assert!(error.hint.is_some());
}

#[test]
fn rules_of_one_event_do_not_share_field_values_by_accident() {
    // Both rules bind their first field to the first cache slot of their own
    // binder; evaluating the first must not hand its value to the second.
    let text = file(
        "- rule: a\n  desc: d\n  condition: t.str = nope\n  output: o\n  priority: INFO\n  source: SRC\n\
         - rule: b\n  desc: d\n  condition: t.other = yes\n  output: o %t.other\n  priority: INFO\n  source: SRC\n",
    );
    let (ruleset, diagnostics) = load(&[("a.yaml", &text)]);
    assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
    let ruleset = ruleset.unwrap();
    let event = TestEvent::new("open", &[("t.str", s("x")), ("t.other", s("yes"))]);
    let fired = alerts(&ruleset, &event);
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].rule, "b");
    assert_eq!(fired[0].message, "o yes");
}

#[test]
fn plugin_requirements_are_checked_against_loaded_plugins() {
    let text = "- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n  - name: k8saudit\n    version: 0.18.0\n    alternatives:\n      - name: k8saudit-eks\n        version: 0.6.0\n";
    let (ruleset, diagnostics) = load(&[("req.yaml", text)]);
    assert!(ruleset.is_none());
    let errors = errors(&diagnostics);
    assert_eq!(errors.len(), 1, "container is built in: {diagnostics:#?}");
    assert_eq!(
        errors[0].message,
        "Plugin requirement not satisfied, must load one of: k8saudit (>= 0.18.0), k8saudit-eks (>= 0.6.0)"
    );
    assert_eq!(errors[0].location.as_ref().unwrap().line, 4);

    let sources = [RulesSource {
        name: Arc::from("req.yaml"),
        text: text.to_string(),
    }];
    for (name, version, ok) in [
        ("k8saudit", "0.18.2", true),
        ("k8saudit-eks", "0.6.0", true),
        ("k8saudit", "0.17.9", false),
        ("k8saudit", "1.0.0", false),
    ] {
        let options = RulesetOptions {
            plugins: vec![(name.to_string(), version.to_string())],
            ..RulesetOptions::default()
        };
        let outcome = Ruleset::load(registry(), &sources, &options);
        assert_eq!(!outcome.has_errors(), ok, "{name} {version}");
    }
}

#[test]
fn engine_version_requirements_are_checked() {
    let (_, diagnostics) = load(&[("v.yaml", "- required_engine_version: 0.99.0\n")]);
    let error = errors(&diagnostics)[0];
    assert!(error.message.contains("0.99.0"), "{}", error.message);
    let (ruleset, diagnostics) = load(&[("v.yaml", "- required_engine_version: 15\n")]);
    assert!(ruleset.is_some(), "{diagnostics:#?}");
}

#[test]
fn suspicious_conditions_raise_warnings() {
    let ruleset_warnings = |condition: &str| -> Vec<(Code, String)> {
        let (_, diagnostics) = load(&[("w.yaml", &rule_file(condition))]);
        diagnostics
            .into_iter()
            .filter(|d| d.severity() == Severity::Warning)
            .map(|d| (d.code, d.message))
            .collect()
    };
    let found = ruleset_warnings("evt.type = open and t.str = t.other");
    assert!(
        found.contains(&(
            Code::ConditionWarning,
            "'t.other' may be a valid field misused as a const string value".into()
        )),
        "{found:?}"
    );
    let found = ruleset_warnings("evt.type = open and t.str regex abc");
    assert!(
        found
            .iter()
            .any(|(c, m)| *c == Code::ConditionWarning && m.contains("may be optimized")),
        "{found:?}"
    );
    let found = ruleset_warnings("evt.type = open and t.str in (\"tolower(x)\")");
    assert!(
        found.iter().any(|(_, m)| m.contains("transformer misused")),
        "{found:?}"
    );
    assert!(ruleset_warnings("evt.type = open and t.str regex \"a.*b\"").is_empty());
    let found = ruleset_warnings("evt.type = open and ka.user.name != <NA>");
    assert!(
        found.iter().any(|(c, _)| *c == Code::UnsafeNaCheck),
        "{found:?}"
    );
    let found = ruleset_warnings("evt.type = open and evt.dir = <");
    assert!(
        found.contains(&(Code::DeprecatedItem, "field 'evt.dir' is deprecated".into())),
        "{found:?}"
    );
    let found = ruleset_warnings("t.str = x");
    assert!(
        found.iter().all(|(c, _)| *c != Code::NoEvttype),
        "4 event types do not exceed 100"
    );
}

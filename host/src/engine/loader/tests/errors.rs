//! Every error and warning path: code, message, location, snippet and hint.

use super::super::super::diagnostics::Code;
use super::{errors, load_many, load_one, only, warnings};

const RULE: &str =
    "- rule: r\n  desc: d\n  condition: evt.num > 0\n  output: o\n  priority: INFO\n";

#[test]
fn yaml_syntax_error_has_parser_position_and_skips_file() {
    let c = load_one("- list: a\n  items: [x, y\n- macro: m\n");
    assert_eq!(c.diagnostics.len(), 1, "{:#?}", c.diagnostics);
    let d = &c.diagnostics[0];
    assert_eq!(d.code, Code::YamlParse);
    assert!(d.location.is_some() && d.snippet.is_some() && d.hint.is_some());
    assert!(c.lists.is_empty());
}

#[test]
fn document_shapes() {
    only(
        &load_one("just text\n"),
        Code::YamlValidate,
        "Rules content is not yaml",
        1,
        1,
    );
    only(
        &load_one("rule: x\n"),
        Code::YamlValidate,
        "Rules content is not yaml array of objects",
        1,
        1,
    );
    only(
        &load_one("- just text\n"),
        Code::YamlValidate,
        "Unexpected element type. Each element should be a yaml associative array.",
        1,
        3,
    );
    // Empty documents, null documents and null entries are skipped.
    let c = load_one("---\n---\n~\n---\n- \n- ~\n- list: a\n  items: []\n");
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(c.lists.len(), 1);
}

#[test]
fn unknown_item_and_unknown_key() {
    only(
        &load_one("- wat: 1\n"),
        Code::UnknownItem,
        "Unknown top level item",
        1,
        3,
    );
    let c = load_one("- list: a\n  items: []\n  colour: red\n");
    let d = only(
        &c,
        Code::UnknownKey,
        "Unknown key 'colour'. The key will be ignored.",
        3,
        3,
    );
    assert_eq!(
        d.item.as_ref().map(|i| (i.kind, i.name.as_str())),
        Some(("list", "a"))
    );
    assert_eq!(c.lists.len(), 1, "a warning does not drop the item");
}

#[test]
fn missing_empty_and_non_scalar_values() {
    only(
        &load_one("- macro: m\n"),
        Code::YamlValidate,
        "Item has no mapping for key 'condition'",
        1,
        3,
    );
    only(
        &load_one("- macro: m\n  condition:\n"),
        Code::YamlValidate,
        "Mapping for key 'condition' is empty",
        2,
        12,
    );
    only(
        &load_one("- macro: m\n  condition: [a]\n"),
        Code::YamlValidate,
        "Value is not a scalar value",
        2,
        14,
    );
    only(
        &load_one("- macro: m\n  condition: ''\n"),
        Code::YamlValidate,
        "Value must be non-empty",
        2,
        14,
    );
    only(
        &load_one(&format!("{RULE}  enabled: maybe\n")),
        Code::YamlValidate,
        "Can't decode YAML scalar value",
        6,
        12,
    );
    only(
        &load_one(&format!("{RULE}  capture_duration: 1.5\n")),
        Code::YamlValidate,
        "Can't decode YAML scalar value",
        6,
        21,
    );
    only(
        &load_one("- list: a\n  items: x\n"),
        Code::YamlValidate,
        "Value is not a sequence",
        2,
        10,
    );
    only(
        &load_one("- list: a\n  items: [x, [y]]\n"),
        Code::YamlValidate,
        "sequence value is not scalar",
        2,
        14,
    );
    only(
        &load_one(&format!("{RULE}  tags:\n")),
        Code::YamlValidate,
        "Value is not a sequence",
        6,
        7,
    );
}

#[test]
fn all_problems_of_an_item_are_reported() {
    let c = load_one("- rule: r\n  priority: loud\n");
    let messages: Vec<&str> = c.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Item has no mapping for key 'condition'",
            "Item has no mapping for key 'output'",
            "Item has no mapping for key 'desc'",
            "Invalid priority",
        ]
    );
    assert!(c.rules.is_empty());
    // And later items still load.
    let c = load_one("- macro: m\n- list: a\n  items: []\n");
    assert_eq!(errors(&c).len(), 1);
    assert_eq!(c.lists.len(), 1);
}

#[test]
fn invalid_priority() {
    let d = only(
        &load_one("- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: loud\n"),
        Code::YamlValidate,
        "Invalid priority",
        5,
        13,
    );
    assert!(d.hint.unwrap_or_default().contains("informational"));
    assert_eq!(d.snippet.as_deref(), Some("  priority: loud"));
}

#[test]
fn engine_version_errors() {
    only(
        &load_one("- required_engine_version: abc\n"),
        Code::YamlValidate,
        "Unable to parse engine version 'abc' as a semver string. Expected \"x.y.z\" semver format.",
        1,
        28,
    );
    only(
        &load_one("- required_engine_version: 0.99.0\n"),
        Code::Validate,
        "Rules require engine version 0.99.0, but engine version is 0.63.0",
        1,
        28,
    );
    only(
        &load_one("- required_engine_version: 1.0.0\n"),
        Code::Validate,
        "Rules require engine version 1.0.0, but engine version is 0.63.0",
        1,
        28,
    );
    only(
        &load_one("- required_engine_version: 64\n"),
        Code::Validate,
        "Rules require engine version 0.64.0, but engine version is 0.63.0",
        1,
        28,
    );
    only(
        &load_one("- required_engine_version:\n"),
        Code::YamlValidate,
        "Mapping for key 'required_engine_version' is empty",
        1,
        26,
    );
}

#[test]
fn plugin_version_errors() {
    only(
        &load_one("- required_plugin_versions: k8saudit\n"),
        Code::YamlValidate,
        "Value of required_plugin_versions must be a sequence",
        1,
        29,
    );
    only(
        &load_one("- required_plugin_versions: [k8saudit]\n"),
        Code::YamlValidate,
        "Unexpected element type. Each element should be a yaml associative array.",
        1,
        30,
    );
    only(
        &load_one(
            "- required_plugin_versions:\n  - name: a\n    version: 1.0.0\n    alternatives: b\n",
        ),
        Code::YamlValidate,
        "Value of alternatives must be a sequence",
        4,
        19,
    );
    only(
        &load_one("- required_plugin_versions:\n  - name: a\n    version: 1.0\n"),
        Code::Validate,
        "Invalid required version '1.0' for plugin 'a'",
        2,
        5,
    );
    only(
        &load_one(
            "- required_plugin_versions:\n  - name: a\n    version: 1.0.0\n    alternatives:\n      - name: a\n        version: 2.0.0\n",
        ),
        Code::Validate,
        "Defined multiple alternative version requirements for plugin 'a'",
        2,
        5,
    );
    only(
        &load_one("- required_plugin_versions:\n  - version: 1.0.0\n"),
        Code::YamlValidate,
        "Item has no mapping for key 'name'",
        2,
        5,
    );
}

#[test]
fn invalid_names_warn() {
    let c = load_one("- list: my list\n  items: []\n");
    only(
        &c,
        Code::InvalidListName,
        "List has an invalid name 'my list'. List names must match the regular expression [^()\"'[:space:]=,]+",
        1,
        9,
    );
    assert_eq!(c.lists.len(), 1);
    let c = load_one("- macro: 1m\n  condition: a\n");
    only(
        &c,
        Code::InvalidMacroName,
        "Macro has an invalid name '1m'. Macro names must match the regular expression [a-zA-Z]+[a-zA-Z0-9_]*",
        1,
        10,
    );
    assert_eq!(c.macros.len(), 1);
}

#[test]
fn deprecated_append_warns_with_hint() {
    let c = load_one("- list: a\n  items: [x]\n- list: a\n  items: [y]\n  append: true\n");
    let d = only(
        &c,
        Code::DeprecatedItem,
        super::super::items::WARNING_APPEND,
        5,
        11,
    );
    assert_eq!(
        d.hint.as_deref(),
        Some("replace `append: true` with `override: {items: append}`")
    );
    assert_eq!(c.lists[0].items, ["x", "y"]);
    let c = load_one(&format!(
        "{RULE}- rule: r\n  condition: and x\n  append: true\n"
    ));
    let d = only(
        &c,
        Code::DeprecatedItem,
        super::super::items::WARNING_APPEND,
        8,
        11,
    );
    assert_eq!(
        d.hint.as_deref(),
        Some("replace `append: true` with `override: {condition: append}`")
    );
}

#[test]
fn append_and_override_together() {
    let text = "- list: a\n  items: [x]\n- list: a\n  items: [y]\n  append: true\n  override:\n    items: append\n";
    let c = load_one(text);
    assert_eq!(warnings(&c).len(), 1);
    let e = errors(&c);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].message, super::super::items::ERROR_OVERRIDE_APPEND);
    assert_eq!(e[0].location.as_ref().map(|l| l.line), Some(3));
    assert_eq!(c.lists[0].items, ["x"]);
}

#[test]
fn append_without_previous_definition() {
    only(
        &load_one("- list: a\n  items: [x]\n  override:\n    items: append\n"),
        Code::Validate,
        "Cannot append to list 'a': no list with that name is defined before it",
        1,
        3,
    );
    only(
        &load_one("- macro: m\n  condition: x\n  override:\n    condition: append\n"),
        Code::Validate,
        "Cannot append to macro 'm': no macro with that name is defined before it",
        1,
        3,
    );
    only(
        &load_one("- rule: r\n  condition: x\n  override:\n    condition: append\n"),
        Code::Validate,
        "Cannot append to rule 'r': no rule with that name is defined before it",
        1,
        3,
    );
    only(
        &load_one("- rule: r\n  priority: debug\n  override:\n    priority: replace\n"),
        Code::Validate,
        "Cannot replace keys of rule 'r': no rule with that name is defined before it",
        1,
        3,
    );
    let c = load_one("- rule: r\n  enabled: false\n");
    assert_eq!(warnings(&c)[0].code, Code::DeprecatedItem);
    let e = errors(&c);
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].message,
        "Rule has 'enabled' key but no rule by that name already exists"
    );
    assert_eq!(
        e[0].location.as_ref().map(|l| (l.line, l.column)),
        Some((1, 3))
    );
}

#[test]
fn append_to_an_item_that_failed_reports_only_the_failure() {
    let c = load_many(&[
        "- list: a\n  items: x\n",
        "- list: a\n  items: [y]\n  override:\n    items: append\n",
    ]);
    assert_eq!(c.diagnostics.len(), 1, "{:#?}", c.diagnostics);
    assert_eq!(c.diagnostics[0].message, "Value is not a sequence");
}

#[test]
fn override_misuse() {
    only(
        &load_one(&format!(
            "{RULE}- rule: r\n  priority: debug\n  override:\n    priority: append\n"
        )),
        Code::YamlValidate,
        "Key 'priority' cannot be appended to, use 'replace' instead",
        9,
        5,
    );
    let d = only(
        &load_one(&format!(
            "{RULE}- rule: r\n  source: k8s\n  override:\n    source: replace\n"
        )),
        Code::YamlValidate,
        "Key 'source' cannot be replaced",
        9,
        5,
    );
    assert!(d.hint.unwrap_or_default().contains("priority"));
    only(
        &load_one(&format!(
            "{RULE}- rule: r\n  desc: x\n  override:\n    desc: prepend\n"
        )),
        Code::YamlValidate,
        "Invalid override operation for key 'desc': 'prepend'. Allowed values are: append, replace",
        9,
        11,
    );
    only(
        &load_one("- list: a\n  items: []\n  override: items\n"),
        Code::YamlValidate,
        "Value of override must be a mapping",
        3,
        13,
    );
    only(
        &load_one("- list: a\n  items: []\n  override:\n    condition: append\n"),
        Code::YamlValidate,
        "Key 'condition' cannot be appended to, use 'replace' instead",
        4,
        5,
    );
}

#[test]
fn override_keys_must_match_item_keys() {
    only(
        &load_one(&format!(
            "{RULE}- rule: r\n  override:\n    condition: append\n"
        )),
        Code::YamlValidate,
        "An append override for 'condition' was specified but 'condition' is not defined",
        8,
        5,
    );
    let c = load_one(&format!(
        "{RULE}- rule: r\n  desc: x\n  override:\n    enabled: replace\n"
    ));
    let messages: Vec<&str> = c.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "An replace override for 'enabled' was specified but 'enabled' is not defined",
            "Unexpected key 'desc': no corresponding entry under 'override' is defined.",
        ]
    );
    let d = only(
        &load_one(&format!(
            "{RULE}- rule: r\n  condition: and y\n  output: more\n  override:\n    condition: append\n"
        )),
        Code::YamlValidate,
        "Unexpected key 'output': no corresponding entry under 'override' is defined.",
        8,
        3,
    );
    assert!(d.hint.unwrap_or_default().contains("`output: append`"));
}

#[test]
fn appended_rule_needs_content() {
    let c = load_one(&format!("{RULE}- rule: r\n  append: true\n"));
    assert_eq!(c.diagnostics.len(), 2, "{:#?}", c.diagnostics);
    assert_eq!(
        c.diagnostics[0].message,
        super::super::items::WARNING_APPEND
    );
    let d = &c.diagnostics[1];
    assert_eq!(d.code, Code::Validate);
    assert_eq!(
        d.message,
        "Appended rule must have exceptions or condition property"
    );
    assert_eq!(
        d.location.as_ref().map(|l| (l.line, l.column)),
        Some((6, 3))
    );
}

#[test]
fn enabled_only_item() {
    let c = load_one(&format!("{RULE}- rule: r\n  enabled: false\n"));
    only(
        &c,
        Code::DeprecatedItem,
        super::super::items::WARNING_ENABLED,
        6,
        3,
    );
    assert!(!c.rules[0].enabled);
    only(
        &load_one(&format!("{RULE}- rule: r\n  tags: [a]\n")),
        Code::YamlValidate,
        "Item has no mapping for key 'enabled'",
        6,
        3,
    );
}

#[test]
fn redefinition_with_other_source() {
    let c = load_one(&format!("{RULE}{}  source: k8s_audit\n", RULE));
    let d = only(
        &c,
        Code::Validate,
        "Rule has been re-defined with a different source",
        6,
        3,
    );
    assert!(d.hint.unwrap_or_default().contains("syscall"));
    assert_eq!(c.rules[0].source, "syscall");
}

#[test]
fn exception_structure_errors() {
    let ex = |body: &str| load_one(&format!("{RULE}  exceptions:{body}"));
    only(
        &ex(" x\n"),
        Code::YamlValidate,
        "Rule exceptions must be a sequence",
        6,
        15,
    );
    only(
        &ex("\n    - x\n"),
        Code::YamlValidate,
        "Rule exception must be a mapping",
        7,
        7,
    );
    only(
        &ex("\n    - fields: [a]\n"),
        Code::YamlValidate,
        "Item has no mapping for key 'name'",
        7,
        7,
    );
    only(
        &ex("\n    - name: e\n"),
        Code::YamlValidate,
        "Rule exception item must have fields property with a list of fields",
        7,
        7,
    );
    only(
        &ex("\n    - name: e\n      fields: {a: b}\n"),
        Code::YamlValidate,
        "Exception 'fields' must be a string or a list of strings",
        8,
        15,
    );
    only(
        &ex("\n    - name: e\n      fields: [a]\n      values: x\n"),
        Code::YamlValidate,
        "Rule exception values must be a sequence",
        9,
        15,
    );
    only(
        &ex("\n    - name: e\n      fields: [a]\n      values: [{a: b}]\n"),
        Code::YamlValidate,
        "Exception values must be strings or lists of strings",
        9,
        16,
    );
    only(
        &ex("\n    - name: e\n      fields: [a]\n      extra: 1\n"),
        Code::UnknownKey,
        "Unknown key 'extra'. The key will be ignored.",
        9,
        7,
    );
}

#[test]
fn exception_validation_errors() {
    let ex = |body: &str| load_one(&format!("{RULE}  exceptions:\n    - name: e\n{body}"));
    only(
        &ex("      fields: [a, b]\n      comps: [=]\n"),
        Code::Validate,
        "Fields and comps lists must have equal length",
        9,
        14,
    );
    only(
        &ex("      fields: [a, b]\n      comps: in\n"),
        Code::Validate,
        "Fields and comps lists must have equal length",
        9,
        14,
    );
    only(
        &ex("      fields: a\n      comps: [in]\n"),
        Code::Validate,
        "Fields and comps must both be strings",
        9,
        14,
    );
    only(
        &ex("      fields: [a]\n      comps: [like]\n"),
        Code::Validate,
        "'like' is not a supported comparison operator",
        7,
        7,
    );
    only(
        &ex("      fields: a\n      comps: =\n"),
        Code::Validate,
        "When fields is a single value, comps must be one of (in, pmatch, intersects)",
        7,
        7,
    );
    only(
        &ex("      fields: [a, b]\n      values:\n        - [x]\n"),
        Code::Validate,
        "Fields and values lists must have equal length",
        10,
        11,
    );
    only(
        &ex("      fields: [a, b]\n      values:\n        - x\n"),
        Code::Validate,
        "Fields and values lists must have equal length",
        10,
        11,
    );
    only(
        &ex("      fields: a\n      values:\n        - [x]\n"),
        Code::Validate,
        "Expected values array to contain a list of strings",
        10,
        11,
    );
    // Each bad row is reported.
    let c =
        ex("      fields: [a, b]\n      values:\n        - [x]\n        - [y, z]\n        - [w]\n");
    assert_eq!(errors(&c).len(), 2);
    assert!(c.rules.is_empty());
}

#[test]
fn duplicate_exception_names_warn() {
    let c = load_one(&format!(
        "{RULE}  exceptions:\n    - name: e\n      fields: [a]\n    - name: e\n      fields: [b]\n"
    ));
    only(
        &c,
        Code::ExceptionNameNotUnique,
        "Multiple definitions of exception 'e' in the same rule",
        9,
        7,
    );
    assert_eq!(c.rules[0].exceptions.len(), 2);
}

#[test]
fn exception_append_errors() {
    let base =
        format!("{RULE}  exceptions:\n    - name: e\n      fields: [a]\n      values: [[x]]\n");
    let append = |body: &str| {
        load_many(&[
            &base,
            &format!(
                "- rule: r\n  exceptions:\n    - name: {body}\n  override:\n    exceptions: append\n"
            ),
        ])
    };
    only(
        &append("e\n      fields: [b]\n      values: [[y]]"),
        Code::Validate,
        "Can not append exception fields to existing exception, only values",
        3,
        7,
    );
    only(
        &append("e\n      comps: [=]\n      values: [[y]]"),
        Code::Validate,
        "Can not append exception comps to existing exception, only values",
        3,
        7,
    );
    only(
        &append("e"),
        Code::AppendNoValues,
        "Overriding/appending exception with no values",
        3,
        7,
    );
    only(
        &append("f\n      values: [[y]]"),
        Code::Validate,
        "Rule exception must have fields property with a list of fields",
        3,
        7,
    );
    let c = append("f\n      fields: [b]");
    assert_eq!(c.diagnostics.len(), 2, "{:#?}", c.diagnostics);
    assert_eq!(c.diagnostics[0].code, Code::AppendNoValues);
    assert_eq!(
        c.diagnostics[1].message,
        "Rule exception must have values property with a list of values"
    );
    only(
        &append("e\n      values: [[y, z]]"),
        Code::Validate,
        "Fields and values lists must have equal length",
        4,
        16,
    );
    // On error the rule is unchanged.
    let c = append("e\n      values: [[y, z]]");
    assert_eq!(c.rules[0].exceptions[0].values.len(), 1);
}

#[test]
fn diagnostics_name_their_item_and_file() {
    let c = load_many(&[RULE, "- macro: m\n  condition: ''\n"]);
    let d = &c.diagnostics[0];
    let loc = d.location.as_ref().expect("location");
    assert_eq!(&*loc.file, "b.yaml");
    assert_eq!(
        d.item.as_ref().map(|i| (i.kind, i.name.as_str())),
        Some(("macro", "m"))
    );
    let shown = d.to_string();
    assert!(
        shown.starts_with("b.yaml:2:14: error: Value must be non-empty (LOAD_ERR_YAML_VALIDATE)"),
        "{shown}"
    );
    assert!(shown.contains("  | "), "{shown}");
}

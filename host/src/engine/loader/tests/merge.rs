//! Define, append, override and enabled-only across two files.

use super::super::{Priority, condition_with_exceptions};
use super::{errors, load_many, warnings};

const BASE: &str = "\
- list: shells
  items: [bash, sh]
- macro: spawned
  condition: evt.type = execve
- rule: Shell
  desc: a shell ran
  condition: spawned and proc.name in (shells)
  output: '  shell %proc.name  '
  priority: warning
  tags: [shell, b]
- rule: Other
  desc: other
  condition: evt.num > 0
  output: other
  priority: debug
  exceptions:
    - name: known
      fields: [proc.name]
      values: [[init]]
";

#[test]
fn base_file_as_read() {
    let c = load_many(&[BASE]);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let rule = &c.rules[0];
    assert_eq!(rule.output, "shell %proc.name", "output is trimmed");
    assert_eq!(rule.priority, Priority::Warning);
    assert_eq!(rule.source, "syscall");
    assert!(rule.enabled && rule.warn_evttypes && !rule.skip_if_unknown_filter && !rule.capture);
    assert_eq!(rule.capture_duration_ms, 0);
    assert_eq!(rule.tags.iter().collect::<Vec<_>>(), ["b", "shell"]);
    assert_eq!((rule.location.line, rule.location.column), (5, 3));
    assert_eq!(
        (rule.condition_location.line, rule.condition_location.column),
        (7, 14)
    );
    assert_eq!(
        (rule.output_location.line, rule.output_location.column),
        (8, 11)
    );
    assert_eq!(&*rule.location.file, "a.yaml");
    // One sequence number across kinds.
    assert_eq!(
        (
            c.lists[0].index,
            c.macros[0].index,
            c.rules[0].index,
            c.rules[1].index
        ),
        (0, 1, 2, 3)
    );
}

#[test]
fn redefinition_replaces_content_but_keeps_position() {
    let c = load_many(&[
        BASE,
        "- rule: Shell\n  desc: new\n  condition: evt.num = 1\n  output: new\n  priority: error\n",
    ]);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(c.rules[0].name, "Shell", "still first");
    assert_eq!(c.rules[0].index, 2);
    assert_eq!(c.rules[0].visibility, 4);
    assert_eq!(c.rules[0].condition, "evt.num = 1");
    assert!(c.rules[0].tags.is_empty(), "content replaced completely");
    assert_eq!(&*c.rules[0].location.file, "b.yaml");
    // Lists and macros too.
    let c = load_many(&[
        BASE,
        "- list: shells\n  items: [zsh]\n- macro: spawned\n  condition: x\n",
    ]);
    assert_eq!(c.lists[0].items, ["zsh"]);
    assert_eq!((c.lists[0].index, c.lists[0].visibility), (0, 4));
    assert_eq!((c.macros[0].index, c.macros[0].visibility), (1, 5));
}

#[test]
fn override_append_on_lists_macros_rules() {
    let local = "\
- list: shells
  items: [zsh]
  override:
    items: append
- macro: spawned
  condition: or evt.type = execveat
  override:
    condition: append
- rule: Shell
  condition: and not user.name = root
  output: (more)
  desc: ''
  tags: [extra]
  override:
    condition: append
    output: append
    tags: append
";
    let c = load_many(&[BASE, local]);
    // `desc` without an override entry is an error and drops that item only.
    let e = errors(&c);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].message.starts_with("Unexpected key 'desc'"));
    assert_eq!(c.rules[0].condition, "spawned and proc.name in (shells)");
    assert_eq!(c.lists[0].items, ["bash", "sh", "zsh"]);
    assert_eq!(
        c.macros[0].condition,
        "evt.type = execve or evt.type = execveat"
    );
    assert_eq!(c.macros[0].index, 1);

    let local = local.replace("  desc: ''\n", "");
    let c = load_many(&[BASE, &local]);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let rule = &c.rules[0];
    assert_eq!(
        rule.condition,
        "spawned and proc.name in (shells) and not user.name = root"
    );
    assert_eq!(rule.output, "shell %proc.name (more)");
    assert_eq!(
        rule.tags.iter().collect::<Vec<_>>(),
        ["b", "extra", "shell"]
    );
    assert_eq!(rule.priority, Priority::Warning);
    assert_eq!(rule.index, 2);
    assert_eq!(
        &*rule.location.file, "a.yaml",
        "an append keeps the definition's location"
    );
}

#[test]
fn legacy_append_on_lists_macros_rules() {
    let local = "\
- list: shells
  items: [zsh]
  append: true
- macro: spawned
  condition: or x
  append: true
- rule: Shell
  condition: and y
  append: true
";
    let c = load_many(&[BASE, local]);
    assert!(errors(&c).is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(warnings(&c).len(), 3);
    assert_eq!(c.lists[0].items, ["bash", "sh", "zsh"]);
    assert_eq!(c.macros[0].condition, "evt.type = execve or x");
    assert_eq!(
        c.rules[0].condition,
        "spawned and proc.name in (shells) and y"
    );
}

#[test]
fn override_replace_on_rules() {
    let local = "\
- rule: Shell
  condition: evt.type = open
  output: '  replaced  '
  priority: INFO
  enabled: false
  warn_evttypes: false
  skip-if-unknown-filter: true
  capture: true
  capture_duration: 5000
  tags: [only]
  override:
    condition: replace
    output: replace
    priority: replace
    enabled: replace
    warn_evttypes: replace
    skip-if-unknown-filter: replace
    capture: replace
    capture_duration: replace
    tags: replace
";
    let c = load_many(&[BASE, local]);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let rule = &c.rules[0];
    assert_eq!(rule.condition, "evt.type = open");
    assert_eq!(
        rule.output, "  replaced  ",
        "a replaced output is not trimmed"
    );
    assert_eq!(rule.priority, Priority::Informational);
    assert!(!rule.enabled && !rule.warn_evttypes && rule.skip_if_unknown_filter && rule.capture);
    assert_eq!(rule.capture_duration_ms, 5000);
    assert_eq!(rule.tags.iter().collect::<Vec<_>>(), ["only"]);
    assert_eq!(rule.desc, "a shell ran");
    assert_eq!(&*rule.condition_location.file, "b.yaml");
    assert_eq!(rule.condition_location.line, 2);
    assert_eq!(rule.index, 2);
}

#[test]
fn append_and_replace_in_one_item() {
    let local = "\
- rule: Shell
  condition: and z
  priority: critical
  override:
    condition: append
    priority: replace
";
    let c = load_many(&[BASE, local]);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(
        c.rules[0].condition,
        "spawned and proc.name in (shells) and z"
    );
    assert_eq!(c.rules[0].priority, Priority::Critical);
}

#[test]
fn list_and_macro_replace_is_a_definition() {
    let c = load_many(&[
        "- list: fresh\n  items: [a]\n  override:\n    items: replace\n",
        "- list: fresh\n  items: [b]\n  override:\n    items: replace\n- macro: m\n  condition: c\n  override:\n    condition: replace\n",
    ]);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(c.lists[0].items, ["b"]);
    assert_eq!(c.macros[0].condition, "c");
}

#[test]
fn enabled_only_across_files() {
    let c = load_many(&[
        BASE,
        "- rule: Other\n  enabled: no\n",
        "- rule: Other\n  enabled: Yes\n",
    ]);
    assert!(errors(&c).is_empty());
    assert_eq!(warnings(&c).len(), 2);
    assert!(c.rules[1].enabled);
    let c = load_many(&[
        BASE,
        "- rule: Other\n  enabled: off\n  override:\n    enabled: replace\n",
    ]);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert!(!c.rules[1].enabled);
}

#[test]
fn exceptions_append_and_replace() {
    let local = "\
- rule: Other
  exceptions:
    - name: known
      values: [[systemd]]
    - name: by_parent
      fields: [proc.pname, proc.name]
      comps: [=, in]
      values:
        - [bash, [ls, cat]]
  override:
    exceptions: append
";
    let c = load_many(&[BASE, local]);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let rule = &c.rules[1];
    assert_eq!(rule.exceptions.len(), 2);
    assert_eq!(rule.exceptions[0].values.len(), 2);
    assert_eq!(
        condition_with_exceptions(rule),
        "(evt.num > 0) and not (( proc.name = init) or ( proc.name = systemd)) \
         and not (( proc.pname = bash and proc.name in (ls, cat)))"
    );
    let replace = "\
- rule: Other
  exceptions:
    - name: only
      fields: proc.name
      values: [a]
  override:
    exceptions: replace
";
    let c = load_many(&[BASE, replace]);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(
        condition_with_exceptions(&c.rules[1]),
        "(evt.num > 0) and not (proc.name in (a))"
    );
    // Legacy append of exception values.
    let legacy =
        "- rule: Other\n  append: true\n  exceptions:\n    - name: known\n      values: [[x]]\n";
    let c = load_many(&[BASE, legacy]);
    assert!(errors(&c).is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(c.rules[1].exceptions[0].values.len(), 2);
}

#[test]
fn highest_engine_version_is_kept() {
    let c = load_many(&[
        "- required_engine_version: 0.50.0\n",
        "- required_engine_version: 12\n- required_engine_version: 0.57.1\n",
    ]);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let (v, loc) = c.required_engine_version.expect("version");
    assert_eq!(v.to_string(), "0.57.1");
    assert_eq!((&*loc.file, loc.line), ("b.yaml", 2));
}

#[test]
fn plugin_requirements_are_collected() {
    let c = load_many(&[
        "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.7.0\n    alternatives:\n      - name: k8saudit-eks\n        version: 0.4.0\n",
        "- required_plugin_versions:\n  - name: json\n    version: 0.7.0\n",
    ]);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(c.plugin_requirements.len(), 2);
    let r = &c.plugin_requirements[0];
    assert_eq!((r.name.as_str(), r.version.as_str()), ("k8saudit", "0.7.0"));
    assert_eq!(r.alternatives[0].name, "k8saudit-eks");
    assert_eq!((r.location.line, r.location.column), (2, 5));
}

//! Small values: priorities, versions, booleans, raw scalars, plugin checks.

use std::sync::Arc;

use super::super::super::diagnostics::Location;
use super::super::decode::{parse_bool, parse_unsigned};
use super::super::{
    ENGINE_VERSION, PluginAlternative, PluginRequirement, Priority, Version,
    plugin_requirement_satisfied,
};
use super::load_one;

#[test]
fn priorities_parse_case_insensitively_with_info_alias() {
    for (text, p) in [
        ("EMERGENCY", Priority::Emergency),
        ("alert", Priority::Alert),
        ("Critical", Priority::Critical),
        ("eRRoR", Priority::Error),
        ("WARNING", Priority::Warning),
        ("notice", Priority::Notice),
        ("Informational", Priority::Informational),
        ("INFO", Priority::Informational),
        ("info", Priority::Informational),
        ("debug", Priority::Debug),
    ] {
        assert_eq!(text.parse::<Priority>(), Ok(p), "{text}");
    }
    for bad in ["", "warn", "inform", "debug ", "critical!"] {
        assert!(bad.parse::<Priority>().is_err(), "{bad}");
    }
}

#[test]
fn priorities_display_long_names_and_order_by_severity() {
    assert_eq!(Priority::Informational.to_string(), "Informational");
    assert_eq!(Priority::Emergency.to_string(), "Emergency");
    assert!(Priority::Emergency < Priority::Debug);
    assert!(Priority::Warning < Priority::Notice);
    assert_eq!(Priority::Debug.level(), 7);
    let mut sorted = Priority::ALL;
    sorted.sort();
    assert_eq!(sorted, Priority::ALL);
}

#[test]
fn versions() {
    assert_eq!(Version::parse("0.57.0"), Some(Version::new(0, 57, 0)));
    assert_eq!(Version::parse("1.2.3-rc1"), Some(Version::new(1, 2, 3)));
    for bad in ["", "1", "1.2", "a.b.c", "1..2", ".1.2.3"] {
        assert_eq!(Version::parse(bad), None, "{bad}");
    }
    assert_eq!(ENGINE_VERSION.to_string(), "0.63.0");
    assert!(ENGINE_VERSION.compatible_with(&Version::new(0, 63, 0)));
    assert!(ENGINE_VERSION.compatible_with(&Version::new(0, 10, 5)));
    assert!(!ENGINE_VERSION.compatible_with(&Version::new(0, 63, 1)));
    assert!(!Version::new(1, 0, 0).compatible_with(&Version::new(0, 1, 0)));
    // An integer N means 0.N.0.
    let c = load_one("- required_engine_version: 15\n");
    assert_eq!(
        c.required_engine_version.map(|(v, _)| v),
        Some(Version::new(0, 15, 0))
    );
}

#[test]
fn booleans_follow_yaml_cpp() {
    for t in [
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    ] {
        assert_eq!(parse_bool(t), Some(true), "{t}");
    }
    for f in [
        "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    ] {
        assert_eq!(parse_bool(f), Some(false), "{f}");
    }
    for bad in ["tRUE", "yES", "1", "0", "", "enabled"] {
        assert_eq!(parse_bool(bad), None, "{bad}");
    }
    assert_eq!(parse_unsigned("5000"), Some(5000));
    assert_eq!(parse_unsigned("+5"), Some(5));
    assert_eq!(parse_unsigned("-5"), None);
    assert_eq!(parse_unsigned("0x10"), None);
}

#[test]
fn scalars_are_raw_text() {
    let c = load_one(
        "- rule: 1.0\n  desc: yes\n  condition: >\n    a and\n    b\n  output: |\n    x\n    y\n  priority: info\n  source: 0x10\n  enabled: \"no\"\n  tags: [true, 010]\n",
    );
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let r = &c.rules[0];
    assert_eq!(r.name, "1.0");
    assert_eq!(r.desc, "yes");
    assert_eq!(r.condition, "a and b\n");
    assert_eq!(r.output, "x\ny");
    assert_eq!(r.source, "0x10");
    assert!(!r.enabled, "quoted booleans decode too");
    assert_eq!(r.tags.iter().collect::<Vec<_>>(), ["010", "true"]);
    assert_eq!(
        (r.condition_location.line, r.condition_location.column),
        (4, 5)
    );
}

#[test]
fn key_order_does_not_decide_the_kind() {
    let c =
        load_one("- condition: (proc.name in (recon_binaries))\n  macro: recon_binaries_procs\n");
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(c.macros[0].name, "recon_binaries_procs");
    assert_eq!(
        (
            c.macros[0].condition_location.line,
            c.macros[0].condition_location.column
        ),
        (1, 14)
    );
}

#[test]
fn under_indented_flow_sequences_are_accepted() {
    let c = load_one(
        "- list: l\n  items: [\n    \"a\",\n    \"b\"\n  ]\n- list: m\n  items: [\n  c, d\n  ]\n",
    );
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(c.lists[0].items, ["a", "b"]);
    assert_eq!(c.lists[1].items, ["c", "d"]);
    assert_eq!(c.lists[1].location.line, 6);
    assert_eq!(c.lists[1].location.column, 3);
}

#[test]
fn aliases_are_expanded() {
    let c = load_one("- list: a\n  items: &base [x, y]\n- list: b\n  items: *base\n");
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(c.lists[1].items, ["x", "y"]);
}

fn req() -> PluginRequirement {
    PluginRequirement {
        name: "k8saudit".into(),
        version: "0.7.0".into(),
        alternatives: vec![PluginAlternative {
            name: "k8saudit-eks".into(),
            version: "0.4.0".into(),
        }],
        location: Location {
            file: Arc::from("x.yaml"),
            line: 1,
            column: 1,
        },
    }
}

#[test]
fn plugin_requirements() {
    let r = req();
    assert_eq!(
        plugin_requirement_satisfied(&r, &[("k8saudit", "0.7.0")]),
        Ok(())
    );
    assert_eq!(
        plugin_requirement_satisfied(&r, &[("k8saudit", "0.9.1")]),
        Ok(())
    );
    assert_eq!(
        plugin_requirement_satisfied(&r, &[("json", "0.1.0"), ("k8saudit-eks", "0.5.0")]),
        Ok(())
    );
    let msg = "Plugin requirement not satisfied, must load one of: k8saudit (>= 0.7.0), k8saudit-eks (>= 0.4.0)";
    for loaded in [
        vec![],
        vec![("k8saudit", "0.6.9")],
        vec![("k8saudit", "1.0.0")],
        vec![("k8saudit", "bad")],
    ] {
        assert_eq!(
            plugin_requirement_satisfied(&r, &loaded),
            Err(msg.to_string()),
            "{loaded:?}"
        );
    }
    let owned = vec![("k8saudit".to_string(), "0.7.0".to_string())];
    assert!(plugin_requirement_satisfied(&r, &owned).is_ok());
}

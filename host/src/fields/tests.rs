//! Tests for values, literal parsing, the registry and the syscall table.

use std::borrow::Cow;
use std::net::IpAddr;

use serde_json::json;

use super::registry::FieldLookupError as E;
use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

fn net(s: &str) -> ipnet::IpNet {
    s.parse().expect("test network")
}

// ---- literals ---------------------------------------------------------------

#[test]
fn literal_strings_and_bytes() {
    assert_eq!(
        parse_literal(FieldType::String, "a b"),
        Ok(Value::Str(Cow::Owned("a b".into())))
    );
    assert_eq!(
        parse_literal(FieldType::String, ""),
        Ok(Value::Str("".into()))
    );
    assert_eq!(
        parse_literal(FieldType::Bytes, "\x01ab"),
        Ok(Value::Bytes(Cow::Owned(vec![1, b'a', b'b'])))
    );
}

#[test]
fn literal_integers() {
    let int = |t| parse_literal(FieldType::Int, t);
    assert_eq!(int("42"), Ok(Value::Int(42)));
    assert_eq!(int("-1"), Ok(Value::Int(-1)));
    assert_eq!(int("+7"), Ok(Value::Int(7)));
    assert_eq!(int("0x1F"), Ok(Value::Int(31)));
    assert_eq!(int("-0x10"), Ok(Value::Int(-16)));
    assert_eq!(int("-9223372036854775808"), Ok(Value::Int(i64::MIN)));
    assert_eq!(int("9223372036854775807"), Ok(Value::Int(i64::MAX)));
    for bad in [
        "",
        "-",
        "0x",
        "abc",
        "1.5",
        " 1",
        "1 ",
        "9223372036854775808",
        "0xZZ",
        "--1",
    ] {
        assert!(int(bad).is_err(), "{bad:?} parsed");
    }
    let uint = |t| parse_literal(FieldType::UInt, t);
    assert_eq!(uint("443"), Ok(Value::UInt(443)));
    assert_eq!(uint("0xffffffffffffffff"), Ok(Value::UInt(u64::MAX)));
    assert!(uint("-1").is_err());
    assert!(uint("18446744073709551616").is_err());
}

#[test]
fn literal_bools() {
    assert_eq!(
        parse_literal(FieldType::Bool, "true"),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        parse_literal(FieldType::Bool, "false"),
        Ok(Value::Bool(false))
    );
    for bad in ["True", "1", "yes", ""] {
        assert!(
            parse_literal(FieldType::Bool, bad).is_err(),
            "{bad:?} parsed"
        );
    }
}

#[test]
fn literal_addresses_and_networks() {
    assert_eq!(
        parse_literal(FieldType::Ip, "10.1.2.3"),
        Ok(Value::Ip(ip("10.1.2.3")))
    );
    assert_eq!(
        parse_literal(FieldType::Ip, "::1"),
        Ok(Value::Ip(ip("::1")))
    );
    // A CIDR literal against an address field compares by containment.
    assert_eq!(
        parse_literal(FieldType::Ip, "10.0.0.0/8"),
        Ok(Value::Net(net("10.0.0.0/8")))
    );
    assert_eq!(
        parse_literal(FieldType::Net, "192.168.0.0/16"),
        Ok(Value::Net(net("192.168.0.0/16")))
    );
    assert_eq!(
        parse_literal(FieldType::Net, "fd00::/8"),
        Ok(Value::Net(net("fd00::/8")))
    );
    // A bare address against a network field is that one host.
    assert_eq!(
        parse_literal(FieldType::Net, "10.1.2.3"),
        Ok(Value::Net(net("10.1.2.3/32")))
    );
    for bad in ["10.0.0", "10.0.0.0/33", "host", "", "1.2.3.4/"] {
        assert!(
            parse_literal(FieldType::Ip, bad).is_err(),
            "ip {bad:?} parsed"
        );
        assert!(
            parse_literal(FieldType::Net, bad).is_err(),
            "net {bad:?} parsed"
        );
    }
}

#[test]
fn literal_times() {
    let rel = |t| parse_literal(FieldType::RelTime, t);
    assert_eq!(rel("5000000000"), Ok(Value::RelTime(5_000_000_000)));
    assert_eq!(rel("5s"), Ok(Value::RelTime(5_000_000_000)));
    assert_eq!(rel("10ms"), Ok(Value::RelTime(10_000_000)));
    assert_eq!(rel("3us"), Ok(Value::RelTime(3_000)));
    assert_eq!(rel("7ns"), Ok(Value::RelTime(7)));
    assert_eq!(rel("2m"), Ok(Value::RelTime(120_000_000_000)));
    assert_eq!(rel("1h"), Ok(Value::RelTime(3_600_000_000_000)));
    for bad in ["-1", "s", "1.5s", "5 s", "99999999999999999h", "5d"] {
        assert!(rel(bad).is_err(), "{bad:?} parsed");
    }
    assert_eq!(
        parse_literal(FieldType::AbsTime, "1700000000000000000"),
        Ok(Value::AbsTime(1_700_000_000_000_000_000))
    );
    assert!(parse_literal(FieldType::AbsTime, "5s").is_err());
}

#[test]
fn literal_error_names_text_and_type() {
    let e = parse_literal(FieldType::UInt, "eighty").expect_err("not a number");
    let msg = e.to_string();
    assert!(msg.contains("'eighty'") && msg.contains("UINT64"), "{msg}");
    let e = parse_literal(FieldType::Bool, "yes").expect_err("not a bool");
    assert_eq!(
        e.to_string(),
        "cannot use 'yes' as a value of type BOOL: expected true or false"
    );
}

// ---- rendering ----------------------------------------------------------------

#[test]
fn display_follows_falco() {
    assert_eq!(Value::from("bash").to_string(), "bash");
    assert_eq!(Value::Int(-3).to_string(), "-3");
    assert_eq!(Value::UInt(80).to_string(), "80");
    assert_eq!(Value::Bool(true).to_string(), "true");
    assert_eq!(Value::Bool(false).to_string(), "false");
    assert_eq!(Value::Ip(ip("::1")).to_string(), "::1");
    assert_eq!(Value::Net(net("10.0.0.0/8")).to_string(), "10.0.0.0/8");
    assert_eq!(Value::RelTime(12).to_string(), "12");
    assert_eq!(Value::AbsTime(34).to_string(), "34");
    assert_eq!(
        Value::Bytes(Cow::Borrowed(b"ab\xffc")).to_string(),
        "ab\u{fffd}c"
    );
    let list = Value::List(vec![Value::from("a"), Value::UInt(2)]);
    assert_eq!(list.to_string(), "(a,2)");
    assert_eq!(Value::List(vec![]).to_string(), "()");
}

#[test]
fn json_follows_falco() {
    assert_eq!(Value::from("x").to_json(), json!("x"));
    assert_eq!(Value::Int(-1).to_json(), json!(-1));
    assert_eq!(Value::UInt(u64::MAX).to_json(), json!(u64::MAX));
    assert_eq!(Value::Bool(true).to_json(), json!(true));
    assert_eq!(Value::Ip(ip("1.2.3.4")).to_json(), json!("1.2.3.4"));
    assert_eq!(Value::Net(net("1.2.0.0/16")).to_json(), json!("1.2.0.0/16"));
    assert_eq!(Value::RelTime(5).to_json(), json!(5));
    assert_eq!(Value::AbsTime(6).to_json(), json!(6));
    assert_eq!(Value::Bytes(Cow::Borrowed(b"hi")).to_json(), json!("hi"));
    let list = Value::List(vec![Value::from("a"), Value::Int(1)]);
    assert_eq!(list.to_json(), json!(["a", 1]));
}

#[test]
fn into_owned_keeps_the_value() {
    let text = String::from("abc");
    let v = Value::List(vec![Value::from(text.as_str())]);
    let owned: Value<'static> = v.clone().into_owned();
    assert_eq!(owned, v);
}

#[test]
fn type_names() {
    assert_eq!(FieldType::String.name(), "CHARBUF");
    assert_eq!(FieldType::Net.to_string(), "IPNET");
    assert_eq!(FieldType::from_falco_name("uint64"), Some(FieldType::UInt));
    assert_eq!(FieldType::from_falco_name("PORT"), Some(FieldType::UInt));
    assert_eq!(
        FieldType::from_falco_name("string"),
        Some(FieldType::String)
    );
    assert_eq!(FieldType::from_falco_name("double"), None);
    assert!(FieldType::RelTime.is_numeric() && !FieldType::Ip.is_numeric());
}

// ---- registry ----------------------------------------------------------------

fn def(name: &str, ty: FieldType) -> FieldDef {
    FieldDef {
        name: name.into(),
        ty,
        arg_mode: ArgMode::None,
        arg_kind: ArgKind::Key,
        flags: FieldFlags::default(),
        description: format!("test field {name}"),
    }
}

/// A small plugin-like source plus the real syscall table.
fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(syscall::table());
    let mut uri_param = def("ka.uri.param", FieldType::String);
    uri_param.arg_mode = ArgMode::Required;
    let mut plugin_time = def("evt.time", FieldType::String);
    plugin_time.description = "plugin's own evt.time".into();
    r.register(FieldTable {
        source: "k8s_audit".into(),
        fields: vec![def("ka.verb", FieldType::String), uri_param, plugin_time],
        event_types: vec![],
    });
    r
}

#[test]
fn register_and_list_sources() {
    let mut r = registry();
    assert_eq!(
        r.source_names().collect::<Vec<_>>(),
        ["syscall", "k8s_audit"]
    );
    assert_eq!(r.source_index("k8s_audit"), Some(1));
    // Re-registering a source replaces its table in place.
    let idx = r.register(FieldTable {
        source: "k8s_audit".into(),
        fields: vec![def("ka.user.name", FieldType::String)],
        event_types: vec![],
    });
    assert_eq!(idx, 1);
    assert!(r.lookup("k8s_audit", "ka.verb", None).is_err());
    assert!(r.lookup("k8s_audit", "ka.user.name", None).is_ok());
    assert!(r.table("nope").is_none());
}

#[test]
fn exact_lookup() {
    let r = registry();
    let (id, d) = r.lookup("syscall", "proc.name", None).expect("proc.name");
    assert_eq!(d.name, "proc.name");
    assert_eq!(d.ty, FieldType::String);
    assert_eq!(r.get(id), d);
    assert!(!id.is_common());
    assert_eq!(r.source_of(id), Some("syscall"));
    let (_, d) = r.lookup("syscall", "fd.sport", None).expect("fd.sport");
    assert_eq!(d.ty, FieldType::UInt);
}

#[test]
fn dotted_arguments() {
    let r = registry();
    let f = r
        .resolve("syscall", "evt.arg.flags", None)
        .expect("evt.arg.flags");
    assert_eq!(f.def.name, "evt.arg");
    assert_eq!(f.arg, Some(FieldArg::Key("flags".into())));
    let f = r
        .resolve("syscall", "evt.rawarg.res", None)
        .expect("evt.rawarg.res");
    assert_eq!(f.def.name, "evt.rawarg");
    assert_eq!(f.arg, Some(FieldArg::Key("res".into())));
    // Longest prefix wins: evt.type.is.open is evt.type.is[open], not evt.type.
    let f = r
        .resolve("syscall", "evt.type.is.open", None)
        .expect("evt.type.is.open");
    assert_eq!(f.def.name, "evt.type.is");
    assert_eq!(f.arg, Some(FieldArg::Key("open".into())));
    // Dotted key with dots in it.
    let f = r
        .resolve("syscall", "k8s.pod.label.app.kubernetes.io/name", None)
        .expect("label");
    assert_eq!(f.arg, Some(FieldArg::Key("app.kubernetes.io/name".into())));
    // Brackets work too, and both at once is an error.
    let f = r
        .resolve("syscall", "evt.arg", Some("0"))
        .expect("evt.arg[0]");
    assert_eq!(f.arg, Some(FieldArg::Key("0".into())));
    assert!(matches!(
        r.resolve("syscall", "evt.arg.fd", Some("1")),
        Err(E::ConflictingArgs { .. })
    ));
    // A field without dotted_arg does not take a suffix.
    assert!(matches!(
        r.lookup("syscall", "proc.name.x", None),
        Err(E::UnknownField { .. })
    ));
}

#[test]
fn index_arguments() {
    let r = registry();
    let f = r
        .resolve("syscall", "proc.aname", Some("2"))
        .expect("proc.aname[2]");
    assert_eq!(f.arg, Some(FieldArg::Index(2)));
    assert!(f.def.flags.any_match && f.def.flags.no_rhs);
    let f = r
        .resolve("syscall", "proc.aname", None)
        .expect("proc.aname");
    assert_eq!(f.arg, None);
    for bad in ["-1", "x", "1.0", "99999999999999999999999"] {
        let e = r.lookup("syscall", "proc.aname", Some(bad)).expect_err(bad);
        assert!(matches!(e, E::BadIndex { .. }), "{bad}: {e}");
        assert!(e.to_string().contains("proc.aname"), "{e}");
    }
    assert!(matches!(
        r.lookup("syscall", "proc.aname", Some("")),
        Err(E::EmptyArg { .. })
    ));
}

#[test]
fn required_and_unexpected_arguments() {
    let r = registry();
    let e = r.lookup("syscall", "evt.arg", None).expect_err("needs arg");
    assert!(matches!(e, E::MissingArg { .. }));
    assert!(
        e.to_string().contains("evt.arg requires an argument"),
        "{e}"
    );
    let e = r
        .lookup("syscall", "proc.name", Some("1"))
        .expect_err("no arg");
    assert!(matches!(e, E::UnexpectedArg { .. }));
    assert!(
        e.to_string()
            .contains("proc.name does not take an argument"),
        "{e}"
    );
    let f = r
        .resolve("syscall", "container.mount.dest", Some("/proc*"))
        .expect("mount dest");
    assert_eq!(f.arg, Some(FieldArg::Key("/proc*".into())));
    assert!(r.lookup("syscall", "container.mount.dest", None).is_err());
    assert!(
        r.lookup("k8s_audit", "ka.uri.param", Some("command"))
            .is_ok()
    );
}

#[test]
fn unknown_fields_and_sources() {
    let r = registry();
    let e = r.lookup("syscall", "proc.nme", None).expect_err("typo");
    assert_eq!(
        e.to_string(),
        "filter_check called with nonexistent field proc.nme (did you mean proc.name?)"
    );
    let e = r
        .lookup("syscall", "ka.verb", None)
        .expect_err("other source");
    assert!(
        e.to_string().contains("belongs to source 'k8s_audit'"),
        "{e}"
    );
    let e = r
        .lookup("syscall", "zzzz.qqqq", None)
        .expect_err("nonsense");
    assert_eq!(
        e.to_string(),
        "filter_check called with nonexistent field zzzz.qqqq"
    );
    let e = r
        .lookup("okta", "okta.actor.name", None)
        .expect_err("source");
    assert!(matches!(e, E::UnknownSource { .. }));
    assert!(e.to_string().contains("syscall, k8s_audit"), "{e}");
}

#[test]
fn common_fields_fall_back() {
    let r = registry();
    let (id, d) = r.lookup("k8s_audit", "evt.num", None).expect("evt.num");
    assert!(id.is_common());
    assert_eq!(d.ty, FieldType::UInt);
    assert_eq!(r.source_of(id), Some("*"));
    let (id, _) = r.lookup("syscall", "evt.time.iso8601", None).expect("iso");
    assert!(id.is_common());
    assert!(r.lookup("k8s_audit", "evt.plugininfo", None).is_ok());
    // A source's own field shadows the common one.
    let (id, d) = r
        .lookup("k8s_audit", "evt.time", None)
        .expect("own evt.time");
    assert!(!id.is_common());
    assert_eq!(d.description, "plugin's own evt.time");
    // Syscall-only evt fields are not common.
    assert!(r.lookup("k8s_audit", "evt.res", None).is_err());
    // Listing a source shows its fields then the unshadowed common ones, once each.
    let names: Vec<_> = r
        .fields_of("k8s_audit")
        .expect("source")
        .map(|(_, d)| &d.name)
        .collect();
    assert_eq!(names.iter().filter(|n| n.as_str() == "evt.time").count(), 1);
    assert!(names.iter().any(|n| n.as_str() == "evt.hostname"));
    assert!(r.fields_of("nope").is_none());
}

#[test]
fn event_types() {
    let r = registry();
    for t in [
        "open",
        "openat",
        "execve",
        "switch",
        "procexit",
        "container",
        "pread",
        "pread64",
    ] {
        assert!(r.is_event_type("syscall", t), "{t}");
    }
    assert!(!r.is_event_type("syscall", "opne"));
    assert!(!r.is_event_type("nope", "open"));
    assert!(r.event_types("syscall").is_some_and(|t| t.len() > 380));
    assert_eq!(r.event_types("k8s_audit"), Some(&[][..]));
}

#[test]
fn field_references_as_strings() {
    let r = registry();
    assert_eq!(
        split_field_ref("proc.aname[3]"),
        Ok(("proc.aname", Some("3")))
    );
    assert_eq!(split_field_ref("proc.name"), Ok(("proc.name", None)));
    assert_eq!(
        split_field_ref("container.mount.dest[/var/run/docker.sock]"),
        Ok(("container.mount.dest", Some("/var/run/docker.sock")))
    );
    for bad in ["proc.aname[3", "proc.aname]", "[3]"] {
        assert!(split_field_ref(bad).is_err(), "{bad}");
    }
    let f = r
        .resolve_str("syscall", "proc.aexepath[2]")
        .expect("aexepath");
    assert_eq!(
        (f.def.name.as_str(), f.arg),
        ("proc.aexepath", Some(FieldArg::Index(2)))
    );
}

#[test]
fn try_get_rejects_foreign_ids() {
    let r = registry();
    assert!(
        r.try_get(FieldId {
            source: 9,
            field: 0
        })
        .is_none()
    );
    assert!(
        r.try_get(FieldId {
            source: 0,
            field: 99_999
        })
        .is_none()
    );
}

// ---- the syscall table -------------------------------------------------------

#[test]
fn syscall_table_maps_one_to_one() {
    let t = syscall::table();
    assert_eq!(t.source, "syscall");
    assert_eq!(t.fields.len(), lanner_syscall_source::fields::FIELDS.len());
    for (def, decl) in t.fields.iter().zip(lanner_syscall_source::fields::FIELDS) {
        assert_eq!(def.name, decl.name);
        assert_eq!(def.description, decl.description);
    }
}

#[test]
fn syscall_semantic_types() {
    let r = registry();
    let ty = |n: &str| r.lookup("syscall", n, None).map(|(_, d)| d.ty).expect(n);
    assert_eq!(ty("evt.res"), FieldType::String);
    assert_eq!(ty("evt.rawres"), FieldType::Int);
    assert_eq!(ty("fd.num"), FieldType::Int);
    for port in ["fd.sport", "fd.dport", "fd.lport", "fd.rport", "fd.cport"] {
        if port == "fd.dport" {
            continue; // Falco has no fd.dport; its server port is fd.sport.
        }
        assert_eq!(ty(port), FieldType::UInt, "{port}");
    }
    for n in ["fd.net", "fd.snet", "fd.cnet", "fd.rnet", "fd.lnet"] {
        assert_eq!(ty(n), FieldType::Net, "{n}");
    }
    for n in ["fd.ip", "fd.sip", "fd.cip", "fd.rip", "fd.lip"] {
        assert_eq!(ty(n), FieldType::Ip, "{n}");
    }
    assert_eq!(ty("proc.duration"), FieldType::RelTime);
    assert_eq!(ty("container.start_ts"), FieldType::AbsTime);
    assert_eq!(ty("evt.buffer"), FieldType::Bytes);
    assert_eq!(ty("user.loginuid"), FieldType::Int);
    assert_eq!(ty("container.privileged"), FieldType::Bool);
    let (_, ip) = r.lookup("syscall", "fd.ip", None).expect("fd.ip");
    assert!(ip.flags.filter_only);
}

/// The field references (`name` or `name[arg]`) the inventory lists for each
/// of the given rule files.
fn inventory_fields(files: &[&str]) -> Vec<String> {
    let text = include_str!("testdata/field-inventory.txt");
    let mut out = Vec::new();
    let mut in_file = false;
    let mut in_table = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("FILE ") {
            let name = rest.split_whitespace().next().unwrap_or_default();
            in_file = files.contains(&name);
            in_table = false;
            continue;
        }
        if line.starts_with("ALL FILES") || line.starts_with("=====") {
            in_file = false;
            continue;
        }
        if !in_file {
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("field ") {
            in_table = true;
            continue;
        }
        if trimmed.starts_with("syntax notes:") {
            in_table = false;
            continue;
        }
        if in_table && let Some(field) = trimmed.split_whitespace().next() {
            out.push(field.to_owned());
        }
    }
    out
}

#[test]
fn every_field_the_syscall_rules_use_resolves() {
    let files = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ];
    let fields = inventory_fields(&files);
    assert!(
        fields.len() > 150,
        "inventory parse found only {}",
        fields.len()
    );
    let r = registry();
    let failures: Vec<String> = fields
        .iter()
        .filter_map(|f| {
            let resolved = split_field_ref(f).and_then(|(n, a)| r.resolve("syscall", n, a));
            resolved.err().map(|e| format!("{f}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "unresolved:\n{}", failures.join("\n"));
}

#[test]
fn plugin_rule_fields_are_not_syscall_fields() {
    // The inventory parser must not mix files up: k8s audit fields stay unknown.
    let fields = inventory_fields(&["k8s_audit_rules.yaml"]);
    assert!(!fields.is_empty());
    let r = registry();
    assert!(fields.iter().any(|f| r.resolve_str("syscall", f).is_err()));
}

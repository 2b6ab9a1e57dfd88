use super::*;
use std::collections::HashSet;

#[test]
fn names_are_unique_and_well_formed() {
    let mut seen = HashSet::new();
    for f in FIELDS {
        assert!(seen.insert(f.name), "duplicate field {}", f.name);
        assert!(f.name.contains('.'), "{} has no class prefix", f.name);
        assert!(
            f.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_'),
            "{} has unexpected characters",
            f.name
        );
        assert!(!f.description.is_empty(), "{} lacks a description", f.name);
        if f.flags.dotted_arg {
            assert_ne!(
                f.arg,
                Arg::None,
                "{} is dotted but takes no argument",
                f.name
            );
        }
    }
}

#[test]
fn key_types_follow_falco() {
    let ty = |name: &str| FIELDS.iter().find(|f| f.name == name).map(|f| f.ty);
    assert_eq!(ty("evt.res"), Some(FieldType::CharBuf));
    assert_eq!(ty("evt.rawres"), Some(FieldType::Int64));
    assert_eq!(ty("fd.num"), Some(FieldType::Int64));
    assert_eq!(ty("fd.sport"), Some(FieldType::Port));
    assert_eq!(ty("fd.snet"), Some(FieldType::IpNet));
    assert_eq!(ty("fd.sip"), Some(FieldType::IpAddr));
    assert_eq!(ty("proc.duration"), Some(FieldType::RelTime));
    assert_eq!(ty("container.start_ts"), Some(FieldType::AbsTime));
    assert_eq!(ty("evt.buffer"), Some(FieldType::ByteBuf));
    assert_eq!(
        ty("evt.num"),
        None,
        "shared with every source; the host declares it"
    );
}

#[test]
fn event_types_cover_syscalls_and_falco_events() {
    let all: HashSet<_> = event_types().collect();
    for name in [
        "open", "openat", "openat2", "execve", "execveat", "switch", "procexit",
    ] {
        assert!(all.contains(name), "{name}");
    }
    assert!(all.contains("pread") && all.contains("pread64"));
    assert!(!all.contains("proc.name"));
}

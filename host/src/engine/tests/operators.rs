//! Every operator on every value type: a match, a miss, and a missing value.

use super::*;

fn event() -> TestEvent {
    TestEvent::new(
        "open",
        &[
            ("t.str", s("/usr/bin/Bash")),
            ("t.other", s("/usr/bin/Bash")),
            ("t.int", Value::Int(-5)),
            ("t.uint", Value::UInt(443)),
            ("t.bool", Value::Bool(true)),
            ("t.ip", Value::Ip("10.1.2.3".parse().unwrap())),
            ("t.net", Value::Ip("192.168.7.9".parse().unwrap())),
            ("t.rel", Value::RelTime(5_000)),
            ("t.abs", Value::AbsTime(1_700_000_000_000_000_000)),
            (
                "t.buf",
                Value::Bytes(Cow::Owned(vec![0xca, 0xfe, 0xba, 0xbe, 0x01])),
            ),
            ("t.strs", Value::List(vec![s("a"), s("b")])),
            ("t.ints", Value::List(vec![Value::UInt(1), Value::UInt(2)])),
            (
                "proc.aname",
                Value::List(vec![s("bash"), s("sshd"), s("systemd")]),
            ),
            ("proc.aname[1]", s("sshd")),
            ("t.key[x]", s("vx")),
        ],
    )
}

fn empty() -> TestEvent {
    TestEvent::new("open", &[])
}

/// `condition` matches the full event and not the empty one, and `negative` does not match.
fn check(positive: &str, negative: &str) {
    assert!(matches(positive, &event()), "`{positive}` should match");
    assert!(
        !matches(positive, &empty()),
        "`{positive}` must be false on a missing value"
    );
    assert!(
        !matches(negative, &event()),
        "`{negative}` should not match"
    );
}

#[test]
fn equality_on_every_type() {
    check("t.str = /usr/bin/Bash", "t.str = /usr/bin/bash");
    check("t.str == \"/usr/bin/Bash\"", "t.str == x");
    check("t.int = -5", "t.int = 5");
    check("t.uint = 443", "t.uint = 0x1bc0");
    check("t.uint = 0x1bb", "t.uint = 444");
    check("t.bool = true", "t.bool = false");
    check("t.ip = 10.1.2.3", "t.ip = 10.1.2.4");
    check("t.ip = 10.0.0.0/8", "t.ip = 192.168.0.0/16");
    check("t.net = 192.168.0.0/16", "t.net = 10.0.0.0/8");
    check("t.rel = 5000", "t.rel = 4999");
    check("t.abs = 1700000000000000000", "t.abs = 1");
}

#[test]
fn inequality_is_false_on_missing_values() {
    check("t.str != x", "t.str != /usr/bin/Bash");
    check("t.int != 0", "t.int != -5");
    check("t.ip != 192.168.0.0/16", "t.ip != 10.0.0.0/8");
    // `not x = v` differs from `x != v` exactly when the value is missing.
    assert!(matches("not t.str = x", &empty()));
    assert!(!matches("t.str != x", &empty()));
}

#[test]
fn ordering_on_numbers_and_strings() {
    check("t.int < 0", "t.int < -5");
    check("t.int <= -5", "t.int <= -6");
    check("t.uint > 400", "t.uint > 443");
    check("t.uint >= 443", "t.uint >= 444");
    check("t.rel <= 5000", "t.rel < 5000");
    // Ordering operators take numbers only: `t.str > abc` is a parse error.
    assert!(compile_error("t.str > /usr/bin/A").contains("expected a number"));
    check("t.abs > 1600000000000000000", "t.abs < 1");
}

#[test]
fn string_operators() {
    check("t.str contains bin/B", "t.str contains bin/b");
    check("t.str icontains BIN/bASH", "t.str icontains zsh");
    check("t.str startswith /usr/", "t.str startswith /bin");
    check("t.str endswith Bash", "t.str endswith bash");
    check("t.str glob /usr/*/B?sh", "t.str glob /usr/*/b?sh");
    check("t.str iglob /USR/*/b?sh", "t.str iglob /opt/*");
    check(
        "t.str regex \"/usr/bin/[A-Z]ash\"",
        "t.str regex \"bin/Bash\"",
    );
    check(
        "t.str pmatch (/usr/bin, /opt)",
        "t.str pmatch (/usr/bi, /opt)",
    );
    check("t.str pmatch (/usr/*)", "t.str pmatch (/usr/sbin)");
}

#[test]
fn buffer_operators_take_hex() {
    check("t.buf bcontains feba", "t.buf bcontains bebe");
    check("t.buf bstartswith cafe", "t.buf bstartswith fe");
    assert!(compile_error("t.buf bcontains xyz").contains("hex strings only"));
    assert!(compile_error("t.str bcontains cafe").contains("not supported"));
}

#[test]
fn set_operators_on_scalars() {
    check("t.str in (a, /usr/bin/Bash)", "t.str in (a, b)");
    check("t.str intersects (/usr/bin/Bash)", "t.str intersects (x)");
    check("t.uint in (22, 443)", "t.uint in (22, 80)");
    check("t.ip in (127.0.0.1, 10.0.0.0/8)", "t.ip in (127.0.0.1)");
    check("t.bool in (true)", "t.bool in (false)");
    assert!(
        !matches("t.str in ()", &event()),
        "an empty list matches nothing"
    );
}

#[test]
fn list_fields_use_subset_and_overlap() {
    check("t.strs in (a, b, c)", "t.strs in (a, c)");
    check("t.strs intersects (b, z)", "t.strs intersects (y, z)");
    check("t.ints in (1, 2)", "t.ints intersects (3)");
    let no_items = TestEvent::new("open", &[("t.strs", Value::List(vec![]))]);
    assert!(
        matches("t.strs in (a)", &no_items),
        "an empty list is a subset"
    );
    assert!(!matches("t.strs intersects (a)", &no_items));
    assert!(compile_error("t.strs = a").contains("not supported"));
}

#[test]
fn exists_and_missing() {
    check("t.str exists", "t.key[nope] exists");
    assert!(matches("not t.str exists", &empty()));
}

#[test]
fn ancestor_fields_without_argument_match_any_ancestor() {
    check("proc.aname = sshd", "proc.aname = init");
    check("proc.aname[1] = sshd", "proc.aname[1] = bash");
    check("proc.aname in (systemd)", "proc.aname in (cron)");
}

#[test]
fn field_arguments() {
    check("t.key[x] = vx", "t.key[x] = vy");
    assert!(compile_error("t.key = vx").contains("t.key"));
}

#[test]
fn transformers() {
    check(
        "tolower(t.str) = /usr/bin/bash",
        "toupper(t.str) = /usr/bin/bash",
    );
    check("basename(t.str) = Bash", "basename(t.str) = bin");
    check("len(t.str) = 13", "len(t.str) > 13");
    check("len(t.strs) = 2", "len(t.strs) = 3");
    let encoded = TestEvent::new("open", &[("t.str", s("aGVsbG8="))]);
    assert!(matches("b64(t.str) = hello", &encoded));
    assert!(matches("concat(t.str, \"!\") = \"aGVsbG8=!\"", &encoded));
    assert!(compile_error("tolower(t.int) = 1").contains("not supported"));
}

#[test]
fn field_to_field_comparisons() {
    check("t.str = val(t.other)", "t.str != val(t.other)");
    check("t.str startswith val(t.other)", "t.str = tolower(t.other)");
    assert!(compile_error("t.str = val(t.int)").contains("cannot compare"));
    assert!(compile_error("t.str pmatch val(t.other)").contains("cannot compare two fields"));
}

#[test]
fn modifiers() {
    check(
        "t.str startswith anyof (/opt, /usr)",
        "t.str startswith anyof (/opt, /srv)",
    );
    check(
        "t.str contains allof (usr, bin)",
        "t.str contains allof (usr, sbin)",
    );
    check(
        "t.str contains oneof (usr, sbin)",
        "t.str contains oneof (usr, bin)",
    );
}

#[test]
fn literals_must_fit_the_type() {
    assert!(!compile_error("t.uint = abc").is_empty());
    assert!(!compile_error("t.ip = 300.1.1.1").is_empty());
    assert!(!compile_error("t.bool = maybe").is_empty());
    assert!(compile_error("t.ip contains 10").contains("not supported"));
    assert!(compile_error("t.str regex \"(\"").contains("invalid regex"));
}

//! Lanner's built-in syscall rules (`rules/lanner_syscall_rules.yaml`): they
//! load cleanly against the real syscall field table, every rule is indexed
//! by event type, and a few rules match (and only match) what they describe.

use super::*;
use crate::{engine::LoadOutcome, sources::builtin_registry};

const DEFAULT_RULES: &str = include_str!("../../../../rules/lanner_syscall_rules.yaml");

fn load_default_rules() -> LoadOutcome {
    let sources = [RulesSource {
        name: Arc::from("lanner_syscall_rules.yaml"),
        text: DEFAULT_RULES.to_string(),
    }];
    Ruleset::load(builtin_registry(), &sources, &RulesetOptions::default())
}

fn default_ruleset() -> Ruleset {
    let outcome = load_default_rules();
    assert!(outcome.diagnostics.is_empty(), "{:#?}", outcome.diagnostics);
    outcome.ruleset.expect("built-in rules load")
}

/// A syscall event with hand-set field values (see [`TestEvent`]).
type SyscallEvent = TestEvent;

fn syscall_event(
    ruleset: &Ruleset,
    evt_type: &str,
    fields: &[(&str, Value<'static>)],
) -> TestEvent {
    let types = ruleset
        .registry()
        .event_types("syscall")
        .expect("syscall source registered");
    TestEvent::of_source(types, evt_type, fields)
}

/// The rules `event` triggers; the engine's default `first` matching keeps
/// only the first matching rule, in definition order.
fn fired(ruleset: &Ruleset, event: &SyscallEvent) -> Vec<String> {
    alerts_of(ruleset, "syscall", event)
        .into_iter()
        .map(|alert| alert.rule)
        .collect()
}

fn strs(items: &[&str]) -> Value<'static> {
    Value::List(items.iter().map(|item| s(item)).collect())
}

/// A successful execve of `name` whose parent is `parent`, on the host.
fn exec(
    ruleset: &Ruleset,
    name: &str,
    parent: &str,
    extra: &[(&str, Value<'static>)],
) -> SyscallEvent {
    let mut fields = vec![
        ("evt.rawres", Value::Int(0)),
        ("proc.name", s(name)),
        ("proc.exepath", s(&format!("/usr/bin/{name}"))),
        ("proc.pname", s(parent)),
        ("proc.aname", strs(&[parent, "systemd"])),
        ("proc.cmdline", s(name)),
        ("container.id", s("host")),
        ("proc.tty", Value::UInt(0)),
    ];
    fields.extend(extra.iter().cloned());
    syscall_event(ruleset, "execve", &fields)
}

/// A successful openat of `path` by `proc` with the given read/write flags.
fn open(ruleset: &Ruleset, proc: &str, path: &str, read: bool, write: bool) -> SyscallEvent {
    let (directory, filename) = path.rsplit_once('/').expect("absolute path");
    syscall_event(
        ruleset,
        "openat",
        &[
            ("evt.rawres", Value::Int(3)),
            ("evt.is_open_read", Value::Bool(read)),
            ("evt.is_open_write", Value::Bool(write)),
            ("fd.name", s(path)),
            ("fd.directory", s(directory)),
            ("fd.filename", s(filename)),
            ("proc.name", s(proc)),
            ("proc.aname", strs(&["bash", "sshd", "systemd"])),
            ("container.id", s("host")),
        ],
    )
}

#[test]
fn built_in_rules_load_without_any_diagnostic() {
    let outcome = load_default_rules();
    assert!(
        outcome.diagnostics.is_empty(),
        "built-in rules must load with no errors or warnings: {:#?}",
        outcome.diagnostics
    );
    let ruleset = outcome.ruleset.expect("no errors means a rule set");
    assert!(
        ruleset.rules().len() >= 15,
        "{} rules",
        ruleset.rules().len()
    );
    for rule in ruleset.rules() {
        assert_eq!(rule.source, "syscall", "{}", rule.name);
        assert!(rule.enabled, "{} is enabled", rule.name);
        assert!(
            !rule.event_types.is_all(),
            "{} must be restricted by evt.type",
            rule.name
        );
        assert!(
            rule.tags.iter().any(|t| t.starts_with('T')),
            "{} carries a MITRE technique tag",
            rule.name
        );
        assert!(
            rule.tags.contains("host") || rule.tags.contains("container"),
            "{} says where it applies",
            rule.name
        );
    }
    let source = ruleset.source("syscall").expect("syscall source");
    assert_eq!(ruleset.enabled_rules(source), ruleset.rules().len());
}

#[test]
fn shell_under_a_network_service() {
    let rules = default_ruleset();
    const RULE: &str = "Shell started by a network service";
    for parent in ["nginx", "java", "postgres", "php-fpm7.4"] {
        let event = exec(&rules, "bash", parent, &[]);
        assert_eq!(fired(&rules, &event), [RULE], "bash under {parent}");
    }
    // A shell under an ordinary parent, a non-shell under nginx, a failed exec.
    assert!(fired(&rules, &exec(&rules, "bash", "sshd", &[])).is_empty());
    assert!(fired(&rules, &exec(&rules, "curl", "nginx", &[])).is_empty());
    let failed = exec(&rules, "sh", "nginx", &[("evt.rawres", Value::Int(-2))]);
    assert!(fired(&rules, &failed).is_empty());
}

#[test]
fn interactive_shell_in_a_container() {
    let rules = default_ruleset();
    const RULE: &str = "Interactive shell in a container";
    let in_container = [
        ("container.id", s("0123456789ab")),
        ("proc.tty", Value::UInt(34816)),
    ];
    let event = exec(&rules, "sh", "runc", &in_container);
    assert_eq!(fired(&rules, &event), [RULE]);
    // No terminal, on the host, or a nested shell of the same session.
    let no_tty = [("container.id", s("0123456789ab"))];
    assert!(fired(&rules, &exec(&rules, "sh", "runc", &no_tty)).is_empty());
    assert!(
        fired(
            &rules,
            &exec(&rules, "sh", "sshd", &[("proc.tty", Value::UInt(34816))])
        )
        .is_empty()
    );
    assert!(fired(&rules, &exec(&rules, "bash", "sh", &in_container)).is_empty());
}

#[test]
fn secret_file_reads() {
    let rules = default_ruleset();
    const RULE: &str = "Credential store read by unexpected program";
    for path in [
        "/etc/shadow",
        "/etc/sudoers.d/90-cloud",
        "/root/.ssh/id_ed25519",
        "/etc/ssh/ssh_host_rsa_key",
    ] {
        let event = open(&rules, "python3", path, true, false);
        assert_eq!(fired(&rules, &event), [RULE], "{path}");
    }
    // Expected readers, an ssh client reading its own key, public files, failed opens.
    assert!(fired(&rules, &open(&rules, "sudo", "/etc/sudoers", true, false)).is_empty());
    assert!(
        fired(
            &rules,
            &open(&rules, "ssh", "/home/a/.ssh/id_rsa", true, false)
        )
        .is_empty()
    );
    assert!(
        fired(
            &rules,
            &open(
                &rules,
                "python3",
                "/etc/ssh/ssh_host_rsa_key.pub",
                true,
                false
            )
        )
        .is_empty()
    );
    assert!(fired(&rules, &open(&rules, "python3", "/etc/passwd", true, false)).is_empty());
    let mut failed = open(&rules, "python3", "/etc/shadow", true, false);
    failed.values.insert("evt.rawres".into(), Value::Int(-13));
    assert!(fired(&rules, &failed).is_empty());
}

#[test]
fn writes_below_system_directories() {
    let rules = default_ruleset();
    const RULE: &str = "System directory modified outside package management";
    for path in [
        "/etc/ld.so.preload",
        "/usr/bin/ls",
        "/boot/vmlinuz",
        "/lib/x86_64-linux-gnu/libc.so.6",
    ] {
        let event = open(&rules, "python3", path, false, true);
        assert_eq!(fired(&rules, &event), [RULE], "{path}");
    }
    // Persistence locations are reported by the more specific rule first.
    let cron = open(&rules, "python3", "/etc/cron.d/job", false, true);
    assert_eq!(
        fired(&rules, &cron),
        ["Scheduled task or service unit written"]
    );
    // Reads, look-alike paths, package managers and their children.
    assert!(fired(&rules, &open(&rules, "python3", "/etc/hosts", true, false)).is_empty());
    assert!(fired(&rules, &open(&rules, "python3", "/etcetera/x", false, true)).is_empty());
    assert!(fired(&rules, &open(&rules, "dpkg", "/usr/bin/ls", false, true)).is_empty());
    let mut maintainer_script = open(&rules, "cp", "/etc/default/grub", false, true);
    maintainer_script
        .values
        .insert("proc.aname".into(), strs(&["sh", "dpkg", "apt-get"]));
    assert!(fired(&rules, &maintainer_script).is_empty());
}

#[test]
fn setuid_bits_and_ptrace_attach() {
    let rules = default_ruleset();
    let chmod = |mode: &str, proc: &str| {
        syscall_event(
            &rules,
            "fchmodat",
            &[
                ("evt.rawres", Value::Int(0)),
                ("evt.arg[mode]", s(mode)),
                ("proc.name", s(proc)),
                ("proc.aname", strs(&["bash"])),
            ],
        )
    };
    assert_eq!(
        fired(&rules, &chmod("S_ISUID|S_IRWXU|S_IXGRP|S_IXOTH", "chmod")),
        ["Setuid or setgid bit added to a file"]
    );
    assert_eq!(fired(&rules, &chmod("S_ISGID|S_IRWXU", "chmod")).len(), 1);
    assert!(fired(&rules, &chmod("S_IRWXU|S_IRGRP", "chmod")).is_empty());
    assert!(fired(&rules, &chmod("S_ISUID|S_IRWXU", "dpkg")).is_empty());

    let ptrace = |request: &str| {
        syscall_event(
            &rules,
            "ptrace",
            &[
                ("evt.rawres", Value::Int(0)),
                ("evt.arg[request]", s(request)),
                ("proc.name", s("evil")),
            ],
        )
    };
    assert_eq!(
        fired(&rules, &ptrace("PTRACE_ATTACH")),
        ["Process attached with ptrace"]
    );
    assert_eq!(
        fired(&rules, &ptrace("PTRACE_SEIZE")),
        ["Process attached with ptrace"]
    );
    assert_eq!(
        fired(&rules, &ptrace("PTRACE_POKETEXT")),
        ["Code written into another process with ptrace"]
    );
    assert!(fired(&rules, &ptrace("PTRACE_TRACEME")).is_empty());
}

#[test]
fn ssh_to_unusual_ports() {
    let rules = default_ruleset();
    let connect = |proc: &str, port: u64| {
        syscall_event(
            &rules,
            "connect",
            &[
                ("evt.rawres", Value::Int(0)),
                ("proc.name", s(proc)),
                ("fd.sockfamily", s("ip")),
                ("fd.sport", Value::UInt(port)),
            ],
        )
    };
    assert_eq!(
        fired(&rules, &connect("ssh", 443)),
        ["SSH connection to a non-standard port"]
    );
    assert!(fired(&rules, &connect("ssh", 22)).is_empty());
    assert!(fired(&rules, &connect("curl", 443)).is_empty());
}

//! Lanner's own Kubernetes audit rules (`rules/lanner_k8s_audit_rules.yaml`),
//! built into the binary and used when `lanner run --source k8s_audit` is
//! given no rules file.
//!
//! Every rule has a case in `tests/fixtures/k8s_audit/default_rules/<slug>.json`:
//! an audit event that fires it once with its exact output, and a near miss,
//! differing in one meaningful way, that fires no rule at all. A case may add
//! `more_fires` (other shapes of the threat, each with its exact `output`),
//! `more_near_misses` (each with the `why` of the tuning or check it proves)
//! and a `note` explaining a fixture choice. The events go through file
//! replay with no `-r`, so what is checked is what the binary ships.

use crate::k8s_cases::{
    Expected, assert_no_failures, audit_event, case_files, check_one_alert, replay, text,
};
use lanner_tests::{TempDir, compat_rules, lanner, run_lanner};
use serde_json::Value;
use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

/// Our rules file, as checked in (the binary embeds it at build time).
const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../rules/lanner_k8s_audit_rules.yaml"
);

/// One JSON case per rule.
const CASES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/k8s_audit/default_rules"
);

/// The name the built-in copy of the file is loaded under.
const BUILT_IN: &str = "<built-in>/lanner_k8s_audit_rules.yaml";

/// An event that must fire the case's rule once, printing `output`.
struct Fire {
    why: String,
    output: String,
    event: Value,
}

/// One fixture file.
struct Case {
    file: String,
    rule: String,
    priority: String,
    /// The main fire event first, then any further ones.
    fires: Vec<Fire>,
    /// The near miss first, then any further ones, each with why it is quiet.
    near_misses: Vec<(String, Value)>,
}

fn load_cases() -> Vec<Case> {
    case_files(CASES)
        .into_iter()
        .map(|(file, value)| {
            let rule = text(&value, "rule", &file);
            let mut fires = vec![Fire {
                why: "fire".to_string(),
                output: text(&value, "output", &file),
                event: audit_event(&value["fire"], "`fire`", &file),
            }];
            if let Some(more) = value.get("more_fires") {
                let more = more
                    .as_array()
                    .unwrap_or_else(|| panic!("{file}: `more_fires` must be a list"));
                for entry in more {
                    let why = text(entry, "why", &file);
                    fires.push(Fire {
                        output: text(entry, "output", &file),
                        event: audit_event(&entry["event"], &why, &file),
                        why,
                    });
                }
            }
            let mut near_misses = vec![(
                "near_miss".to_string(),
                audit_event(&value["near_miss"], "`near_miss`", &file),
            )];
            if let Some(more) = value.get("more_near_misses") {
                let more = more
                    .as_array()
                    .unwrap_or_else(|| panic!("{file}: `more_near_misses` must be a list"));
                for entry in more {
                    let why = text(entry, "why", &file);
                    let event = audit_event(&entry["event"], &why, &file);
                    near_misses.push((why, event));
                }
            }
            Case {
                rule,
                priority: text(&value, "priority", &file),
                fires,
                near_misses,
                file,
            }
        })
        .collect()
}

fn rules_file() -> PathBuf {
    let path = PathBuf::from(RULES);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

/// The k8s_audit rules `rules list` shows, as `priority<TAB>name` lines, with
/// ` (disabled)` after a disabled rule; `rules` is `-r` files, or none for the
/// built-ins.
fn k8s_rules_listed(rules: &[&Path]) -> Vec<String> {
    let mut command = lanner();
    command.args(["rules", "list"]);
    for file in rules {
        command.arg("-r").arg(file);
    }
    let out = command.output().expect("lanner runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "lanner rules list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("k8s_audit\t"))
        .map(str::to_string)
        .collect()
}

/// Checks `alerts` is exactly `fire`'s one alert; a description of what is wrong otherwise.
fn check_fired(case: &Case, fire: &Fire, alerts: &[Value]) -> Result<(), String> {
    let expected = Expected {
        file: &case.file,
        rule: &case.rule,
        priority: &case.priority,
        output: &fire.output,
    };
    check_one_alert(&expected, alerts, &fire.why)
}

#[test]
fn the_file_validates_with_no_error_and_no_warning() {
    let rules = rules_file();
    let (ok, stdout, stderr) =
        run_lanner(&["rules".as_ref(), "validate".as_ref(), rules.as_os_str()]);
    assert!(ok, "{stdout}{stderr}");
    assert_eq!(
        stdout.trim_end(),
        format!("{}: Ok", rules.display()),
        "stderr: {stderr}"
    );
}

#[test]
fn the_built_in_copy_validates_cleanly_next_to_the_syscall_rules() {
    let (ok, stdout, stderr) = run_lanner(&["rules".as_ref(), "validate".as_ref()]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.lines().any(|line| line == format!("{BUILT_IN}: Ok")),
        "{stdout}{stderr}"
    );
    assert!(
        stdout.lines().all(|line| line.ends_with(": Ok")),
        "{stdout}{stderr}"
    );
}

#[test]
fn the_file_loads_together_with_falcos_k8s_audit_rules() {
    // Falco's own Kubernetes audit rules, from the compat corpus.
    let falco = compat_rules("k8s_audit_rules.yaml");
    let rules = rules_file();
    let (ok, stdout, stderr) = run_lanner(&[
        "rules".as_ref(),
        "validate".as_ref(),
        falco.as_os_str(),
        rules.as_os_str(),
    ]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout
            .lines()
            .any(|line| line == format!("{}: Ok", rules.display())),
        "{stdout}{stderr}"
    );
    // No name is shared, so loading both keeps every rule of each.
    let ours = k8s_rules_listed(&[&rules]);
    let theirs = k8s_rules_listed(&[&falco]);
    let both = k8s_rules_listed(&[&falco, &rules]);
    assert_eq!(both.len(), ours.len() + theirs.len(), "{both:?}");
}

/// `lanner rules describe NAME` against `rules` (none: the built-ins), without
/// the `defined at:` line, which names the file.
fn describe(name: &str, rules: Option<&Path>) -> String {
    let mut command = lanner();
    command.args(["rules", "describe", name]);
    if let Some(file) = rules {
        command.arg("-r").arg(file);
    }
    let out = command.output().expect("lanner runs");
    assert!(
        out.status.success(),
        "lanner rules describe {name:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| !line.starts_with("defined at:"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_binary_embeds_the_current_file() {
    // A stale binary would test yesterday's rules: rebuild with `cargo build -p lanner`.
    let rules = rules_file();
    let from_file = k8s_rules_listed(&[&rules]);
    let built_in = k8s_rules_listed(&[]);
    assert_eq!(
        built_in, from_file,
        "the built-in k8s_audit rules differ from {RULES}: rebuild lanner"
    );
    for case in load_cases() {
        assert_eq!(
            describe(&case.rule, None),
            describe(&case.rule, Some(&rules)),
            "the built-in {:?} differs from {RULES}: rebuild lanner",
            case.rule
        );
    }
}

#[test]
fn every_rule_has_a_case_and_every_case_a_rule() {
    let listed = k8s_rules_listed(&[&rules_file()]);
    let rules: BTreeSet<String> = listed
        .iter()
        .map(|line| {
            let (_, name) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("unexpected `rules list` line: {line}"));
            assert!(
                !name.ends_with(" (disabled)"),
                "built-in rules ship enabled: {line}"
            );
            name.to_string()
        })
        .collect();
    assert!(!rules.is_empty(), "no k8s_audit rule listed");
    let covered: BTreeSet<String> = load_cases().into_iter().map(|case| case.rule).collect();
    let missing: Vec<_> = rules.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&rules).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "rules without a case in {CASES}: {missing:?}\ncases for no rule: {stale:?}"
    );
}

#[test]
fn default_rules_fire_each_rule_once_with_its_exact_output() {
    let dir = TempDir::new("default-k8s-fire");
    let mut failures = Vec::new();
    for case in load_cases() {
        for fire in &case.fires {
            let alerts = replay(&dir, &case.file, &[&fire.event], &[], &[]);
            if let Err(problem) = check_fired(&case, fire, &alerts) {
                failures.push(problem);
            }
        }
    }
    assert_no_failures(&failures);
}

#[test]
fn default_rules_fire_nothing_on_near_misses() {
    let dir = TempDir::new("default-k8s-near");
    let mut failures = Vec::new();
    for case in load_cases() {
        // First-match (the default) alerts whenever any rule matches, so no
        // alert at all means no built-in rule matched.
        for (why, event) in &case.near_misses {
            let alerts = replay(&dir, &case.file, &[event], &[], &[]);
            if !alerts.is_empty() {
                failures.push(format!("{} ({why}): fired {alerts:?}", case.file));
            }
        }
    }
    assert_no_failures(&failures);
}

#[test]
fn with_rule_matching_all_each_fire_event_matches_only_its_own_rule() {
    let dir = TempDir::new("default-k8s-all");
    let config = dir.write("lanner.yaml", "rule_matching: all\n");
    let config = config.to_str().expect("a UTF-8 temp path");
    let mut failures = Vec::new();
    for case in load_cases() {
        for fire in &case.fires {
            let alerts = replay(&dir, &case.file, &[&fire.event], &[], &["-c", config]);
            let got: Vec<&str> = alerts.iter().filter_map(|a| a["rule"].as_str()).collect();
            if got != [case.rule.as_str()] {
                failures.push(format!(
                    "{} ({}): with rule_matching: all, expected only {:?}, got {got:?}",
                    case.file, fire.why, case.rule
                ));
            }
        }
    }
    assert_no_failures(&failures);
}

#[test]
fn one_replay_of_every_fire_event_gives_one_alert_each_in_order() {
    let cases = load_cases();
    let dir = TempDir::new("default-k8s-batch");
    let events: Vec<&Value> = cases.iter().map(|case| &case.fires[0].event).collect();
    let alerts = replay(&dir, "all-fire-events.jsonl", &events, &[], &[]);
    let got: Vec<&str> = alerts.iter().filter_map(|a| a["rule"].as_str()).collect();
    let want: Vec<&str> = cases.iter().map(|case| case.rule.as_str()).collect();
    assert_eq!(got, want);
}

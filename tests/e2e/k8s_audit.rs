//! Falco's Kubernetes audit rules, loaded unchanged, against audit events we
//! wrote from the audit.k8s.io/v1 `Event` schema.
//!
//! Every enabled rule of `k8s_audit_rules.yaml` has a case in
//! `tests/fixtures/k8s_audit/cases/<slug>.json`: an event that fires it
//! once with its exact output, and a near miss, differing in one meaningful
//! way, that fires no rule at all. Both go through file replay and through
//! the webhook, posted by a real HTTP client. Rules whose gate macro is
//! always true cannot fire with the file unchanged; their cases say why
//! (`cannot_fire`), and the tests prove them silent, then lift the gates with
//! an override file to check the output they would print. A case may carry
//! `also_fires_with_rule_matching_all` (rules whose conditions its fire event
//! unavoidably satisfies too) and a `note` explaining a fixture choice.

use crate::k8s_cases::{
    Expected, assert_no_failures, audit_event, case_files, check_one_alert, replay, run_k8s_audit,
    text,
};
use lanner_tests::{Running, TempDir, compat_rules, lanner};
use serde_json::{Value, json};
use std::{collections::BTreeSet, path::PathBuf, time::Duration};
use ureq::{Agent, http::StatusCode};

/// One JSON case per rule.
const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/k8s_audit/cases");

/// Redefines the always-true gate macros, loaded after the unchanged file.
const LIFT_GATES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/k8s_audit/lift_gates.yaml"
);

/// How long to wait for an alert that must come (generous: debug builds, busy CI).
const ALERT_WAIT: Duration = Duration::from_secs(30);

/// The rule whose fire event marks the end of what another post produced.
const SENTINEL: &str = "Disallowed K8s User";
/// The sentinel used while the case under test is the sentinel itself.
const SPARE_SENTINEL: &str = "Create HostPid Pod";

/// Falco's rules file, from the compat corpus.
fn rules_file() -> PathBuf {
    compat_rules("k8s_audit_rules.yaml")
}

/// What a case expects of its fire event.
enum Expect {
    /// It fires the rule once with this alert `output`.
    Fires(String),
    /// The rule cannot fire with the file unchanged (`why`); with the gates
    /// lifted it would print `output`.
    CannotFire { why: String, output: String },
}

/// One fixture file.
struct Case {
    file: String,
    rule: String,
    priority: String,
    expect: Expect,
    /// Rules that match the fire event too, seen only with `rule_matching: all`.
    also_fires: Vec<String>,
    fire: Value,
    near_miss: Value,
}

impl Case {
    fn output(&self) -> Option<&str> {
        match &self.expect {
            Expect::Fires(output) => Some(output),
            Expect::CannotFire { .. } => None,
        }
    }
}

fn load_cases() -> Vec<Case> {
    case_files(CASES)
        .into_iter()
        .map(|(file, value)| {
            let rule = text(&value, "rule", &file);
            let expect = match value.get("cannot_fire") {
                None => Expect::Fires(text(&value, "output", &file)),
                Some(_) => Expect::CannotFire {
                    why: text(&value, "cannot_fire", &file),
                    output: text(&value, "output_when_gate_lifted", &file),
                },
            };
            let also_fires = value
                .get("also_fires_with_rule_matching_all")
                .map(|list| {
                    list.as_array()
                        .unwrap_or_else(|| panic!("{file}: also_fires_… must be a list"))
                        .iter()
                        .map(|r| r.as_str().expect("rule names are strings").to_string())
                        .collect()
                })
                .unwrap_or_default();
            Case {
                rule,
                priority: text(&value, "priority", &file),
                expect,
                also_fires,
                fire: audit_event(&value["fire"], "`fire`", &file),
                near_miss: audit_event(&value["near_miss"], "`near_miss`", &file),
                file,
            }
        })
        .collect()
}

/// Checks `alerts` is exactly the case's one alert; a description of what is wrong otherwise.
fn check_fired(case: &Case, alerts: &[Value], how: &str) -> Result<(), String> {
    let expected = case.output().expect("a firing case");
    check_alert(case, expected, alerts, how)
}

/// Checks `alerts` is exactly one alert of the case's rule, printing `expected`.
fn check_alert(case: &Case, expected: &str, alerts: &[Value], how: &str) -> Result<(), String> {
    let expected = Expected {
        file: &case.file,
        rule: &case.rule,
        priority: &case.priority,
        output: expected,
    };
    check_one_alert(&expected, alerts, how)
}

#[test]
fn every_enabled_rule_has_a_case_and_every_case_an_enabled_rule() {
    let rules = rules_file();
    let out = lanner()
        .args(["rules", "list", "-r"])
        .arg(&rules)
        .output()
        .expect("lanner runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "lanner rules list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Lines are `source<TAB>priority<TAB>name`, with ` (disabled)` after a
    // disabled rule's name.
    let enabled: BTreeSet<String> = stdout
        .lines()
        .filter(|line| !line.ends_with(" (disabled)"))
        .map(|line| {
            let fields: Vec<&str> = line.splitn(3, '\t').collect();
            assert_eq!(fields.len(), 3, "unexpected `rules list` line: {line}");
            assert_eq!(fields[0], "k8s_audit", "{line}");
            fields[2].to_string()
        })
        .collect();
    assert!(!enabled.is_empty(), "no enabled rule listed:\n{stdout}");
    let covered: BTreeSet<String> = load_cases().into_iter().map(|case| case.rule).collect();
    let missing: Vec<_> = enabled.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&enabled).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "enabled rules without a case in {CASES}: {missing:?}\ncases for no enabled rule: {stale:?}"
    );
}

#[test]
fn replay_fires_each_rule_once_with_its_exact_output() {
    let rules = rules_file();
    let dir = TempDir::new("k8s-audit-fire");
    let mut failures = Vec::new();
    for case in load_cases().iter().filter(|c| c.output().is_some()) {
        let alerts = replay(&dir, &case.file, &[&case.fire], &[&rules], &[]);
        if let Err(problem) = check_fired(case, &alerts, "replay") {
            failures.push(problem);
        }
    }
    assert_no_failures(&failures);
}

#[test]
fn replay_near_misses_fire_no_rule() {
    let rules = rules_file();
    let dir = TempDir::new("k8s-audit-near");
    let mut failures = Vec::new();
    for case in load_cases() {
        // First-match (the default) alerts whenever any rule matches, so no
        // alert at all means no rule of the file matched.
        let alerts = replay(&dir, &case.file, &[&case.near_miss], &[&rules], &[]);
        if !alerts.is_empty() {
            failures.push(format!("{}: the near miss fired {alerts:?}", case.file));
        }
    }
    assert_no_failures(&failures);
}

#[test]
fn gated_rules_cannot_fire_on_their_would_be_fixtures() {
    let rules = rules_file();
    let dir = TempDir::new("k8s-audit-gated");
    let mut failures = Vec::new();
    let mut gated = 0;
    for case in load_cases() {
        let Expect::CannotFire { why, .. } = &case.expect else {
            continue;
        };
        gated += 1;
        let alerts = replay(&dir, &case.file, &[&case.fire], &[&rules], &[]);
        if !alerts.is_empty() {
            failures.push(format!(
                "{}: said to be unable to fire ({why}), yet: {alerts:?}",
                case.file
            ));
        }
    }
    assert!(
        gated > 0,
        "no gated case: update this test if the file changed"
    );
    assert_no_failures(&failures);
}

#[test]
fn gated_rules_print_their_output_once_the_gates_are_lifted() {
    let rules = rules_file();
    let lift = PathBuf::from(LIFT_GATES);
    assert!(lift.is_file(), "{} is missing", lift.display());
    let dir = TempDir::new("k8s-audit-lifted");
    let mut failures = Vec::new();
    for case in load_cases() {
        let Expect::CannotFire { output, .. } = &case.expect else {
            continue;
        };
        let fired = replay(&dir, &case.file, &[&case.fire], &[&rules, &lift], &[]);
        if let Err(problem) = check_alert(&case, output, &fired, "replay, gates lifted") {
            failures.push(problem);
        }
        // Lifting the gates also wakes rules that match any admin request, so
        // only this rule must stay quiet on the near miss.
        let near = replay(&dir, &case.file, &[&case.near_miss], &[&rules, &lift], &[]);
        if near.iter().any(|alert| alert["rule"] == case.rule.as_str()) {
            failures.push(format!(
                "{}: the near miss fired the lifted rule: {near:?}",
                case.file
            ));
        }
    }
    assert_no_failures(&failures);
}

#[test]
fn with_rule_matching_all_each_fire_event_matches_only_its_rule_and_known_overlaps() {
    let rules = rules_file();
    let dir = TempDir::new("k8s-audit-all");
    let config = dir.write("lanner.yaml", "rule_matching: all\n");
    let config = config.to_str().expect("a UTF-8 temp path");
    let mut failures = Vec::new();
    for case in load_cases().iter().filter(|c| c.output().is_some()) {
        let alerts = replay(&dir, &case.file, &[&case.fire], &[&rules], &["-c", config]);
        let mut got: Vec<&str> = alerts.iter().filter_map(|a| a["rule"].as_str()).collect();
        let mut want: Vec<&str> = std::iter::once(case.rule.as_str())
            .chain(case.also_fires.iter().map(String::as_str))
            .collect();
        got.sort_unstable();
        want.sort_unstable();
        if got != want {
            failures.push(format!(
                "{}: with rule_matching: all, expected {want:?}, got {got:?}",
                case.file
            ));
        }
    }
    assert_no_failures(&failures);
}

/// A running `lanner` serving the audit webhook with the unchanged rules.
struct Webhook {
    running: Running,
    url: String,
    agent: Agent,
    sentinel: [Value; 2],
    sentinel_output: [String; 2],
}

impl Webhook {
    fn start(cases: &[Case]) -> Self {
        let mut command = run_k8s_audit(&[&rules_file()]);
        command.args(["--webhook-listen", "127.0.0.1:0"]);
        let running = Running::spawn(command, "k8s_audit webhook listening on");
        let url = running.ready_url();
        assert!(url.ends_with("/k8s-audit"), "{url}");
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(ALERT_WAIT))
            .build()
            .into();
        let find = |rule: &str| {
            let case = cases
                .iter()
                .find(|c| c.rule == rule)
                .unwrap_or_else(|| panic!("no case for the sentinel rule {rule}"));
            let output = case.output().expect("sentinel rules fire").to_string();
            (case.fire.clone(), output)
        };
        let (first, first_output) = find(SENTINEL);
        let (spare, spare_output) = find(SPARE_SENTINEL);
        Self {
            running,
            url,
            agent,
            sentinel: [first, spare],
            sentinel_output: [first_output, spare_output],
        }
    }

    /// POSTs `events`, as one Event or as an EventList, as kube-apiserver
    /// does; checks the reply counts them all.
    fn post(&self, events: &[&Value], as_list: bool) {
        let body = if as_list {
            json!({
                "kind": "EventList",
                "apiVersion": "audit.k8s.io/v1",
                "metadata": {},
                "items": events,
            })
        } else {
            assert_eq!(events.len(), 1, "a lone Event is one event");
            events[0].clone()
        };
        let mut response = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .expect("the webhook answers");
        let status = response.status();
        let reply = response.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, StatusCode::OK, "webhook reply: {reply}");
        let reply: Value = serde_json::from_str(&reply)
            .unwrap_or_else(|e| panic!("the reply is not JSON ({e}): {reply}"));
        assert_eq!(reply["events"], events.len(), "webhook reply: {reply}");
        assert_eq!(reply["rejected"], json!([]), "webhook reply: {reply}");
    }

    /// POSTs `events`, then another case's fire event as a sentinel; returns
    /// the alerts that came before the sentinel's, which must be next.
    fn alerts_for(&self, events: &[&Value], as_list: bool, avoid_rule: &str) -> Vec<Value> {
        let which = usize::from(avoid_rule == SENTINEL);
        self.post(events, as_list);
        self.post(&[&self.sentinel[which]], !as_list);
        let mut before = Vec::new();
        loop {
            let line = self.running.wait_for_line(ALERT_WAIT, |_| true);
            let alert: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a JSON alert ({e}): {line}"));
            if alert["output"] == self.sentinel_output[which].as_str() {
                return before;
            }
            before.push(alert);
        }
    }
}

#[test]
fn webhook_fires_each_rule_once_with_its_exact_output_as_event_or_event_list() {
    let cases = load_cases();
    let webhook = Webhook::start(&cases);
    let mut failures = Vec::new();
    for (i, case) in cases.iter().filter(|c| c.output().is_some()).enumerate() {
        // Alternate the two shapes kube-apiserver's webhook backend may send.
        let as_list = i % 2 == 1;
        let alerts = webhook.alerts_for(&[&case.fire], as_list, &case.rule);
        let how = if as_list {
            "webhook, EventList"
        } else {
            "webhook, Event"
        };
        if let Err(problem) = check_fired(case, &alerts, how) {
            failures.push(problem);
        }
    }
    assert_no_failures(&failures);
}

#[test]
fn webhook_near_misses_and_gated_rules_fire_nothing() {
    let cases = load_cases();
    let webhook = Webhook::start(&cases);
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let mut quiet = vec![("near miss", &case.near_miss)];
        if let Expect::CannotFire { .. } = case.expect {
            quiet.push(("gated fire event", &case.fire));
        }
        for (what, event) in quiet {
            let alerts = webhook.alerts_for(&[event], i % 2 == 0, &case.rule);
            if !alerts.is_empty() {
                failures.push(format!("{} ({what}, webhook): fired {alerts:?}", case.file));
            }
        }
    }
    assert_no_failures(&failures);
}

//! What the two k8s_audit fixture suites share: reading case files and
//! checking that a replay or webhook post raised exactly the expected alert.

use lanner_tests::{TempDir, lanner};
use serde_json::Value;
use std::{path::Path, process::Command};

/// The file name a rule's case must have, so cases are easy to find.
pub fn slug(rule: &str) -> String {
    let mut slug = String::new();
    for c in rule.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// The string at `key` of a case file's `value`; panics naming the file otherwise.
pub fn text(value: &Value, key: &str, file: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{file}: `{key}` must be a string"))
        .to_string()
}

/// `event`, after checking it is an audit.k8s.io/v1 Event (`what` names it in the panic).
pub fn audit_event(event: &Value, what: &str, file: &str) -> Value {
    assert!(
        event["kind"] == "Event" && event["apiVersion"] == "audit.k8s.io/v1",
        "{file}: {what} must be an audit.k8s.io/v1 Event"
    );
    event.clone()
}

/// Every case file of `dir` as (file name, contents), in name order, after
/// checking each is named after its rule; panics naming the file otherwise.
pub fn case_files(dir: &str) -> Vec<(String, Value)> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir} cannot be read: {e}"))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case in {dir}");
    files
        .iter()
        .map(|path| {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let raw = std::fs::read_to_string(path).expect("a case file is readable");
            let value: Value = serde_json::from_str(&raw)
                .unwrap_or_else(|e| panic!("{file} is not valid JSON: {e}"));
            let rule = text(&value, "rule", &file);
            assert_eq!(file, format!("{}.json", slug(&rule)), "case file name");
            (file, value)
        })
        .collect()
}

/// The alert a case expects.
pub struct Expected<'a> {
    /// The case file, for messages.
    pub file: &'a str,
    /// The rule.
    pub rule: &'a str,
    /// The priority as JSON alerts print it.
    pub priority: &'a str,
    /// The whole `output` text.
    pub output: &'a str,
}

/// Checks `alerts` is exactly the one `expected` alert of source k8s_audit;
/// otherwise describes what is wrong (`how` says which run it was).
pub fn check_one_alert(expected: &Expected<'_>, alerts: &[Value], how: &str) -> Result<(), String> {
    let file = expected.file;
    if alerts.len() != 1 {
        let got: Vec<String> = alerts.iter().map(|a| format!("  {a}")).collect();
        return Err(format!(
            "{file} ({how}): expected 1 alert, got {}:\n{}",
            alerts.len(),
            got.join("\n")
        ));
    }
    let alert = &alerts[0];
    let mut wrong = Vec::new();
    for (key, want) in [
        ("rule", expected.rule),
        ("output", expected.output),
        ("priority", expected.priority),
        ("source", "k8s_audit"),
    ] {
        if alert[key] != want {
            wrong.push(format!(
                "  {key}: expected {want:?}\n  {key}:      got {}",
                alert[key]
            ));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("{file} ({how}):\n{}", wrong.join("\n")))
    }
}

/// Fails with every collected problem at once, so one bug does not hide another.
pub fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `lanner run --source k8s_audit --json` with `rules` loaded in order
/// (none: Lanner's built-in rules).
pub fn run_k8s_audit(rules: &[&Path]) -> Command {
    let mut command = lanner();
    // The alert text starts with the event's time of day in the local zone:
    // pin the zone so the expected outputs hold on any machine.
    command
        .env("TZ", "UTC")
        .args(["run", "--source", "k8s_audit", "--json"]);
    for file in rules {
        command.arg("-r").arg(file);
    }
    command
}

/// Replays `events` (one JSON document a line) and returns the alerts.
pub fn replay(
    dir: &TempDir,
    name: &str,
    events: &[&Value],
    rules: &[&Path],
    extra: &[&str],
) -> Vec<Value> {
    let lines: String = events.iter().map(|event| format!("{event}\n")).collect();
    let input = dir.write(name, &lines);
    let out = run_k8s_audit(rules)
        .arg("--input")
        .arg(&input)
        .args(extra)
        .output()
        .expect("lanner runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "lanner failed replaying {name}: {stderr}"
    );
    // A fixture the plugin rejected would pass for a quiet near miss: the
    // summary must show every event accepted and read cleanly.
    let clean = format!(
        "{} events, 0 rejected parts, 0 malformed values, 0 plugin faults",
        events.len()
    );
    assert!(
        stderr.contains(&clean),
        "replaying {name}: expected `{clean}` in: {stderr}"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON alert ({e}): {line}"))
        })
        .collect()
}

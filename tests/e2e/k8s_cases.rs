//! What the two k8s_audit fixture suites share: reading case files and
//! checking that a replay or webhook post raised exactly the expected alert.

use serde_json::Value;

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

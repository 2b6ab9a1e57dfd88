//! A source thread that panics is reported (a `Source failure` internal
//! alert and an error) and ends the run with a non-zero exit, the other
//! sources included, instead of leaving a run that looks alive but no longer
//! watches. The panic is real: debug builds honour
//! `LANNER_TEST_PANIC_SOURCE=<source>` by panicking on that source's thread.

use crate::limits::run_measured;
use lanner_tests::{TempDir, lanner, require_root};
use serde_json::Value;
use std::time::Duration;

/// The `Source failure` alert among `stdout`'s JSON lines.
fn source_failure(stdout: &str) -> Value {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|alert| alert["rule"] == "Source failure")
        .unwrap_or_else(|| panic!("no Source failure alert in:\n{stdout}"))
}

#[test]
fn a_panicking_source_raises_an_internal_alert_and_the_run_exits_non_zero() {
    let dir = TempDir::new("panic-replay");
    let capture = dir.write(
        "capture.jsonl",
        "{\"format\":\"lanner-syscall-capture\",\"version\":1,\"hostname\":\"h\",\"started_ns\":0}\n",
    );
    let mut command = lanner();
    command
        .args(["run", "--json", "--source", "syscall", "--input"])
        .arg(&capture)
        .env("LANNER_TEST_PANIC_SOURCE", "syscall");
    let run = run_measured(command, Duration::from_secs(60));
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    let alert = source_failure(&run.stdout);
    assert_eq!(alert["source"], "internal");
    assert_eq!(alert["priority"], "Critical");
    assert_eq!(alert["output_fields"]["source.name"], "syscall");
    assert!(
        alert["output_fields"]["source.panic"]
            .as_str()
            .unwrap()
            .contains("LANNER_TEST_PANIC_SOURCE"),
        "{alert}"
    );
    assert!(
        run.stderr
            .contains("lanner: error: source `syscall`: panicked:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("source thread panicked"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_panicking_plugin_source_stops_the_live_syscall_source_too() {
    require_root();
    let dir = TempDir::new("panic-two-sources");
    let rules = dir.write(
        "rules.yaml",
        "- rule: Any open\n  desc: d\n  condition: evt.type = openat and fd.name = /nonexistent-panic-test\n  output: o\n  priority: WARNING\n",
    );
    let mut command = lanner();
    command
        .args([
            "run",
            "--json",
            "--source",
            "syscall",
            "--source",
            "k8s_audit",
            "--webhook-listen",
            "127.0.0.1:0",
            "-r",
        ])
        .arg(&rules)
        .env("LANNER_TEST_PANIC_SOURCE", "k8s_audit");
    // Without the supervisor the syscall source would run on for ever.
    let run = run_measured(command, Duration::from_secs(60));
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    let alert = source_failure(&run.stdout);
    assert_eq!(alert["output_fields"]["source.name"], "k8s_audit");
    assert!(
        run.stderr
            .contains("lanner: error: source `k8s_audit`: panicked:"),
        "{}",
        run.stderr
    );
}

//! `lanner run --source syscall` against the real kernel (root).

use lanner_tests::{Running, TempDir, lanner, require_root};
use std::time::Duration;

const EXEC_RULE: &str = r#"
- rule: Run of true
  desc: test rule that fires on every exec of /bin/true
  condition: evt.type = execve and proc.name = true
  output: exec of true (pid=%proc.pid file=%proc.exepath comm=%proc.name res=%evt.res)
  priority: NOTICE
  tags: [test]
"#;

/// Runs `/bin/true` to completion and returns its pid.
fn run_bin_true() -> u32 {
    let mut child = std::process::Command::new("/bin/true").spawn().unwrap();
    let pid = child.id();
    assert!(child.wait().unwrap().success());
    pid
}

#[test]
fn run_alerts_on_the_execve_of_bin_true_with_its_pid() {
    require_root();
    let dir = TempDir::new("syscall-run");
    let rules = dir.write("exec.yaml", EXEC_RULE);
    let mut command = lanner();
    command
        .args(["run", "--source", "syscall", "-r"])
        .arg(&rules);
    let running = Running::spawn(command, "syscall source attached");

    let pid = run_bin_true();
    let line = running.wait_for_line(Duration::from_secs(10), |line| {
        line.contains(&format!("(pid={pid} "))
    });
    assert!(line.contains(": Notice exec of true"), "{line}");
    assert!(line.contains("file=/bin/true"), "{line}");
    assert!(line.contains("comm=true res=SUCCESS)"), "{line}");
}

#[test]
fn run_prints_json_alerts_with_falcos_keys() {
    require_root();
    let dir = TempDir::new("syscall-json");
    let rules = dir.write("exec.yaml", EXEC_RULE);
    let mut command = lanner();
    command.args(["run", "--json", "-r"]).arg(&rules);
    let running = Running::spawn(command, "syscall source attached");

    let pid = run_bin_true();
    let line = running.wait_for_line(Duration::from_secs(10), |line| {
        line.contains(&format!("\"proc.pid\":{pid}"))
    });
    let alert: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(alert["rule"], "Run of true");
    assert_eq!(alert["priority"], "Notice");
    assert_eq!(alert["source"], "syscall");
    assert_eq!(alert["tags"], serde_json::json!(["test"]));
    assert_eq!(alert["output_fields"]["proc.exepath"], "/bin/true");
    assert!(alert["output_fields"]["evt.time"].is_u64());
    assert!(alert["time"].as_str().unwrap().ends_with('Z'));
    assert!(alert["hostname"].is_string());
}

#[test]
fn a_falco_style_config_file_selects_json_output_and_rules() {
    require_root();
    let dir = TempDir::new("syscall-config");
    let rules = dir.write("exec.yaml", EXEC_RULE);
    let config = dir.write(
        "lanner.yaml",
        &format!(
            "json_output: true\nrules_files:\n  - {}\npriority: notice\nwebserver:\n  enabled: false\n",
            rules.display()
        ),
    );
    let mut command = lanner();
    command.args(["run", "-c"]).arg(&config);
    let running = Running::spawn(command, "syscall source attached");
    let pid = run_bin_true();
    let line = running.wait_for_line(Duration::from_secs(10), |line| {
        line.contains(&format!("\"proc.pid\":{pid}"))
    });
    assert!(line.starts_with("{\"hostname\":"), "{line}");
}

#[test]
fn a_bad_config_file_is_refused_with_its_position() {
    let dir = TempDir::new("syscall-bad-config");
    let config = dir.write("lanner.yaml", "json_output: perhaps\n");
    let out = lanner().args(["run", "-c"]).arg(&config).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:1:14: `json_output` must be true or false",
            config.display()
        )),
        "{stderr}"
    );
}

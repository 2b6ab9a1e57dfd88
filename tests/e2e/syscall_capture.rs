//! Recording and replaying the syscall source, its drop accounting, and the
//! errors a user meets with bad captures or settings.

use lanner_tests::{Running, TempDir, lanner, require_root};
use serde_json::Value;
use std::{
    io::Write,
    os::unix::{fs::PermissionsExt, process::CommandExt},
    time::Duration,
};

const SHADOW_RULE: &str = r#"
- rule: Shadow read
  desc: test rule for reads of /etc/shadow
  condition: evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.name = /etc/shadow
  output: shadow read (proc=%proc.name parent=%proc.pname file=%fd.name)
  priority: WARNING
"#;

/// `lanner run` on the live syscall source with `config` and the shadow rule, attached.
fn live_with_config(dir: &TempDir, config: &str) -> Running {
    let config = dir.write("lanner.yaml", config);
    let rules = dir.write("rules.yaml", SHADOW_RULE);
    let mut command = lanner();
    command
        .args(["run", "-c"])
        .arg(&config)
        .arg("-r")
        .arg(&rules);
    Running::spawn(command, "syscall source attached")
}

#[test]
fn a_capture_with_damaged_lines_replays_the_rest_without_root() {
    require_root();
    let dir = TempDir::new("capture-damaged");
    dir.world_readable();
    let rules = dir.write("rules.yaml", SHADOW_RULE);
    let capture = dir.path().join("capture.jsonl");
    let mut command = lanner();
    command
        .args(["run", "--source", "syscall", "-r"])
        .arg(&rules)
        .arg("--record")
        .arg(&capture);
    let running = Running::spawn(command, "syscall source attached");
    let status = std::process::Command::new("cat")
        .arg("/etc/shadow")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let live = running.wait_for_line(Duration::from_secs(20), |l| l.contains("shadow read"));
    assert!(live.contains("proc=cat"), "{live}");
    let (status, stderr) = running.terminate();
    assert!(status.success(), "{stderr:?}");

    // Damage it: garbage in the middle, a cut-off record at the end.
    let text = std::fs::read_to_string(&capture).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let middle = lines.len() / 2;
    lines.insert(middle, "{\"Event\": \"not an event\"}");
    lines.insert(2, "this is not json");
    // And one line far over the line cap (32 MiB), which must be skipped
    // without being held in memory.
    const OVERSIZE: &str = "<oversize>";
    lines.insert(4, OVERSIZE);
    let damaged = dir.path().join("damaged.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&damaged).unwrap());
    for line in &lines {
        if *line == OVERSIZE {
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..160 {
                out.write_all(&chunk).unwrap();
            }
            writeln!(out).unwrap();
        } else {
            writeln!(out, "{line}").unwrap();
        }
    }
    write!(out, "{{\"Event\":{{\"ts_ns\":1").unwrap();
    drop(out);
    std::fs::set_permissions(&damaged, std::fs::Permissions::from_mode(0o644)).unwrap();

    let mut command = lanner();
    command
        .args(["run", "--source", "syscall", "--input"])
        .arg(&damaged)
        .arg("-r")
        .arg(&rules)
        .uid(65534)
        .gid(65534);
    let run = crate::limits::run_measured(command, Duration::from_secs(120));
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("shadow read (proc=cat") && l.contains("file=/etc/shadow")),
        "replay lost the alert: {stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("damaged.jsonl:3: malformed capture record"),
        "{stderr}"
    );
    assert!(
        stderr.contains("damaged.jsonl:5: capture line longer than 33554432 bytes"),
        "{stderr}"
    );
    assert!(stderr.contains("4 malformed lines skipped"), "{stderr}");
    // Holding the 160 MiB line would take at least that much.
    assert!(
        run.peak_rss_kib < 128 * 1024,
        "peak RSS {} KiB",
        run.peak_rss_kib
    );
}

#[test]
fn files_that_are_not_captures_are_refused_with_the_reason() {
    let dir = TempDir::new("capture-refused");
    let not_capture = dir.write(
        "events.json",
        "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\"}\n",
    );
    let out = lanner()
        .args(["run", "--source", "syscall", "--input"])
        .arg(&not_capture)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("not a Lanner syscall capture"), "{stderr}");

    let out = lanner()
        .args(["run", "--source", "k8s_audit", "--record"])
        .arg(dir.path().join("x.jsonl"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--record writes what the syscall source captures"),
        "{stderr}"
    );
}

#[test]
fn a_ring_size_the_kernel_cannot_use_is_refused() {
    require_root();
    let dir = TempDir::new("capture-ring-size");
    let config = dir.write("lanner.yaml", "syscall:\n  buffer_bytes_per_cpu: 5000\n");
    let out = lanner().args(["run", "-c"]).arg(&config).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("power of two"), "{stderr}");
}

#[test]
fn dropped_events_raise_an_internal_alert_and_are_counted_per_cpu() {
    require_root();
    let dir = TempDir::new("capture-drops");
    // One page per CPU: a burst of opens overflows it between two reads.
    let running = live_with_config(
        &dir,
        "json_output: true\nsyscall:\n  buffer_bytes_per_cpu: 4096\n",
    );
    // Small enough not to overflow the full-size rings of the other tests'
    // Lanners watching this host meanwhile.
    let burst = std::thread::spawn(|| {
        for _ in 0..20_000 {
            drop(std::fs::File::open("/etc/hostname").unwrap());
        }
    });
    let line = running.wait_for_line(Duration::from_secs(30), |l| {
        l.contains("Syscall event drops")
    });
    burst.join().unwrap();
    let alert: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(alert["priority"], "Critical");
    assert_eq!(alert["source"], "internal");
    assert!(
        alert["output_fields"]["scap.n_drops"].as_u64().unwrap() > 0,
        "{line}"
    );
    assert!(
        alert["output_fields"]["scap.n_drops_per_cpu"]
            .as_str()
            .unwrap()
            .contains("cpu0="),
        "{line}"
    );
    let (status, stderr) = running.terminate();
    assert!(status.success(), "{stderr:?}");
    let summary = stderr
        .iter()
        .find(|l| l.starts_with("lanner: syscall source:"))
        .unwrap_or_else(|| panic!("no summary: {stderr:?}"));
    assert!(
        summary.contains("cpu0:") && summary.contains("dropped"),
        "{summary}"
    );
    assert!(!summary.contains(" 0 dropped,"), "drops counted: {summary}");
}

#[test]
fn falcos_metrics_block_publishes_counter_snapshots_as_internal_alerts() {
    require_root();
    let dir = TempDir::new("capture-metrics");
    let running = live_with_config(
        &dir,
        "json_output: true\nmetrics:\n  enabled: true\n  interval: 200ms\n  output_rule: true\n",
    );
    let line = running.wait_for_line(Duration::from_secs(10), |l| l.contains("metrics snapshot"));
    let alert: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(alert["source"], "internal");
    assert_eq!(alert["priority"], "Informational");
    let fields = &alert["output_fields"];
    assert!(fields["scap.n_evts"].is_u64(), "{line}");
    assert!(fields["scap.n_drops"].is_u64(), "{line}");
    assert!(fields["scap.n_evts_cpu_0"].is_u64(), "{line}");
    assert!(fields["scap.n_drops_cpu_0"].is_u64(), "{line}");
    // Another one follows at the interval.
    running.wait_for_line(Duration::from_secs(10), |l| l.contains("metrics snapshot"));
}

/// `lanner run --record PATH` with the shadow rule; its output.
fn record_to(dir: &TempDir, path: &std::path::Path) -> std::process::Output {
    let rules = dir.write("rules.yaml", SHADOW_RULE);
    lanner()
        .args(["run", "--source", "syscall", "-r"])
        .arg(&rules)
        .arg("--record")
        .arg(path)
        .output()
        .unwrap()
}

#[test]
fn record_refuses_a_link_planted_at_its_path_and_leaves_the_target_alone() {
    require_root();
    let dir = TempDir::new("capture-symlink");
    let target = dir.write("victim", "root's file\n");
    let link = dir.path().join("capture.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = record_to(&dir, &link);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "root's file\n");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o644 & !umask(), "target mode untouched");

    // Dangling: not created through the link either.
    std::fs::remove_file(&target).unwrap();
    let out = record_to(&dir, &link);
    assert!(!out.status.success());
    assert!(!target.exists(), "a file was created through the link");
}

/// This process's umask (read without changing it for long).
fn umask() -> u32 {
    // SAFETY: umask has no preconditions; the old mask is restored at once.
    unsafe {
        let old = libc::umask(0o022);
        libc::umask(old);
        old as u32
    }
}

#[test]
fn record_refuses_an_existing_file_without_truncating_it() {
    require_root();
    let dir = TempDir::new("capture-existing");
    let existing = dir.write("capture.jsonl", "an earlier capture\n");
    let out = record_to(&dir, &existing);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("--record:") && stderr.contains("already exists"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap(),
        "an earlier capture\n"
    );
}

/// Records while a process runs with `SECRET_TOKEN=<secret>` (reading
/// /etc/shadow, so its alert shows the events were taken); the capture's text.
fn record_a_secret(dir: &TempDir, secret: &str, keep_environment: bool) -> String {
    let rules = dir.write("rules.yaml", SHADOW_RULE);
    let capture = dir.path().join("capture.jsonl");
    let mut command = lanner();
    command
        .args(["run", "--source", "syscall", "-r"])
        .arg(&rules)
        .arg("--record")
        .arg(&capture);
    if keep_environment {
        command.arg("--record-environment");
    }
    let running = Running::spawn(command, "syscall source attached");
    let status = std::process::Command::new("cat")
        .arg("/etc/shadow")
        .env_clear()
        .env("SECRET_TOKEN", secret)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    running.wait_for_line(Duration::from_secs(30), |l| l.contains("shadow read"));
    let (status, stderr) = running.terminate();
    assert!(status.success(), "{stderr:?}");
    let mode = std::fs::metadata(&capture).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "capture mode {mode:o}");
    std::fs::read_to_string(&capture).unwrap()
}

#[test]
fn a_recorded_environment_keeps_names_and_drops_values_unless_asked() {
    require_root();
    let secret = format!("hunter2-{}", std::process::id());
    let dir = TempDir::new("capture-redacted");
    let text = record_a_secret(&dir, &secret, false);
    assert!(!text.contains(&secret), "the secret value was recorded");
    assert!(
        text.contains("SECRET_TOKEN=<redacted>"),
        "the name is kept with the marker"
    );
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("\"environment_redacted\":true")
    );

    let dir = TempDir::new("capture-environment-kept");
    let text = record_a_secret(&dir, &secret, true);
    assert!(
        text.contains(&format!("SECRET_TOKEN={secret}")),
        "--record-environment keeps values"
    );
}

#[test]
fn replaying_dev_zero_ends_with_a_clear_error_and_bounded_memory() {
    let mut command = lanner();
    command.args(["run", "--source", "syscall", "--input", "/dev/zero"]);
    let run = crate::limits::run_measured(command, Duration::from_secs(60));
    assert!(!run.status.success());
    assert!(
        run.stderr
            .contains("/dev/zero: not a Lanner syscall capture")
            && run.stderr.contains("longer than"),
        "{}",
        run.stderr
    );
    assert!(
        run.peak_rss_kib < 256 * 1024,
        "peak RSS {} KiB",
        run.peak_rss_kib
    );
}

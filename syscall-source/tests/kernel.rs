//! Root tests against the real kernel: load the probe, act, and see the event.
//! They fail (never skip) when not run as root, since CI runs as root.

use lanner_syscall_source::{EventDetail, ProbeConfig, SyscallEvent, SyscallProbe, syscalls};
use std::time::{Duration, Instant};

fn load_probe() -> SyscallProbe {
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "kernel tests need root: run the suite as root (CI does)"
    );
    let syscalls = ["execve", "execveat"]
        .iter()
        .filter_map(|name| syscalls::number(name))
        .collect();
    SyscallProbe::load(&ProbeConfig { syscalls }).expect("the probe loads and attaches")
}

/// Polls until `wanted` matches an event or a generous timeout passes.
fn wait_for(probe: &mut SyscallProbe, wanted: impl Fn(&SyscallEvent) -> bool) -> SyscallEvent {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut events = Vec::new();
    while Instant::now() < deadline {
        events.clear();
        probe.poll(Duration::from_millis(100), &mut events).unwrap();
        if let Some(found) = events.iter().find(|e| wanted(e)) {
            return found.clone();
        }
    }
    panic!("no matching event within 10 s");
}

#[test]
fn sees_exec_of_bin_true_with_its_pid_and_filename() {
    let mut probe = load_probe();
    let mut child = std::process::Command::new("/bin/true").spawn().unwrap();
    let pid = child.id();
    assert!(child.wait().unwrap().success());
    let event = wait_for(&mut probe, |e| {
        e.pid == pid && matches!(e.detail, EventDetail::Exec { .. })
    });
    assert_eq!(event.evt_type(), "execve");
    assert_eq!(event.comm, "true");
    match &event.detail {
        EventDetail::Exec { filename, .. } => assert_eq!(filename, "/bin/true"),
        other => panic!("unexpected {other:?}"),
    }
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    assert!(
        event.ts_ns <= now_ns && now_ns - event.ts_ns < 60_000_000_000,
        "timestamp is wall-clock time"
    );
    let stats = probe.stats().unwrap();
    assert!(stats.events >= 1);
    assert_eq!(stats.decode_errors, 0);
}

#[test]
fn sees_failed_execve_with_its_error_and_path() {
    let mut probe = load_probe();
    let missing = "/nonexistent/lanner-test-binary";
    let err = std::process::Command::new(missing).spawn().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    let event = wait_for(
        &mut probe,
        |e| matches!(&e.detail, EventDetail::SyscallExit { path: Some(p), .. } if p == missing),
    );
    match event.detail {
        EventDetail::SyscallExit { ret, nr, .. } => {
            assert_eq!(ret, -i64::from(libc::ENOENT));
            assert_eq!(syscalls::name(nr), Some("execve"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_ne!(event.pid, 0);
}

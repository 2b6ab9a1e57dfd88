//! Inputs built to exhaust Lanner (a YAML alias bomb made of one large
//! scalar) are refused with a clear error while its memory stays bounded;
//! and the helper the other limit tests use to see a run's peak memory.

use lanner_tests::{TempDir, lanner};
use std::{
    io::Read,
    process::{Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

/// What a finished run printed, how it ended and its peak memory.
pub struct Measured {
    /// How it ended.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Peak resident memory (`ru_maxrss`), KiB: the kernel's own account of
    /// this child alone, taken as it is reaped.
    pub peak_rss_kib: u64,
}

/// Runs `command` to completion (killed, and the test failed, if it is still
/// running after `deadline`: a bound only a failure reaches) and measures it.
// The child is reaped by `wait4` below (for its rusage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
pub fn run_measured(mut command: Command, deadline: Duration) -> Measured {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lanner starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    let end = Instant::now() + deadline;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: rusage is plain data that wait4 fills in.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our own child, not yet reaped; the pointers are valid.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(reaped >= 0, "wait4: {}", std::io::Error::last_os_error());
        if reaped == pid {
            break (status, usage);
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!(
                "lanner still running after {deadline:?}; stderr so far:\n{}",
                stderr.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    use std::os::unix::process::ExitStatusExt;
    Measured {
        status: ExitStatus::from_raw(status),
        stdout: stdout.join().expect("stdout drained"),
        stderr: stderr.join().expect("stderr drained"),
        peak_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    }
}

#[test]
fn a_large_anchored_scalar_aliased_many_times_is_refused_at_the_alias_with_memory_bounded() {
    let dir = TempDir::new("yaml-alias-bytes");
    // 1 MiB anchored once and referenced 100,000 times: few nodes, but 100 GB
    // once expanded. The byte budget (16 MiB) stops it at the 17th copy.
    let big = "x".repeat(1 << 20);
    let mut text = format!("- list: big\n  items: [&big {big}]\n- list: copies\n  items:\n");
    for _ in 0..100_000 {
        text.push_str("  - *big\n");
    }
    let rules = dir.write("bomb.yaml", &text);
    let mut command = lanner();
    command.args(["rules", "validate"]).arg(&rules);
    let run = run_measured(command, Duration::from_secs(120));
    assert!(!run.status.success(), "{}", run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("bomb.yaml:21:") && all.contains("aliases expand to more than 16 MiB"),
        "{all}"
    );
    // The file is 2 MiB and the budget 16 MiB; expanding even 1% of it would be 1 GB.
    assert!(
        run.peak_rss_kib < 256 * 1024,
        "peak RSS {} KiB",
        run.peak_rss_kib
    );
}

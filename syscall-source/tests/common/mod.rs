//! Helpers shared by the root tests against the real kernel (`kernel.rs`,
//! `live.rs`): the root check, the probe configuration, and forked children
//! that act where the probe sees them (it ignores the reader's own process).

use lanner_syscall_source::{ProbeConfig, syscalls};

/// Asserts the tests run as root, which loading the probe needs; they fail
/// rather than skip, since CI runs as root.
pub fn require_root() {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert_eq!(
        euid, 0,
        "these tests load the probe and need root: run the suite as root (CI does)"
    );
}

/// A probe configuration reporting the exits of `names`, with rings of
/// `ring_bytes_per_cpu` per CPU.
pub fn probe_config(names: &[&str], ring_bytes_per_cpu: u32) -> ProbeConfig {
    ProbeConfig {
        syscalls: names
            .iter()
            .map(|name| syscalls::number(name).unwrap_or_else(|| panic!("no syscall {name}")))
            .collect(),
        ring_bytes_per_cpu,
        ..ProbeConfig::default()
    }
}

/// Forks a child running `action` (raw syscalls on prepared data only: no
/// allocation after the fork), which then exits with the code `action`
/// returns; returns its pid.
pub fn spawn(action: impl FnOnce() -> i32) -> libc::pid_t {
    // SAFETY: the child only runs `action` (raw syscalls on prepared data) and `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = action();
        // SAFETY: leaves the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    pid
}

/// Waits for child `pid`; returns its exit code.
pub fn reap(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    // SAFETY: waits for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status), "child did not exit normally");
    libc::WEXITSTATUS(status)
}

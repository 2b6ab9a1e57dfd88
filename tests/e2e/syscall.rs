//! `lanner run --source syscall` against the real kernel (root).

use lanner_tests::{Running, lanner, require_root};
use std::time::Duration;

#[test]
fn run_prints_the_execve_of_bin_true_with_its_pid() {
    require_root();
    let mut command = lanner();
    command.args(["run", "--source", "syscall"]);
    let running = Running::spawn(command, "syscall source attached");

    let mut child = std::process::Command::new("/bin/true").spawn().unwrap();
    let pid = child.id();
    assert!(child.wait().unwrap().success());
    let line = running.wait_for_line(Duration::from_secs(10), |line| {
        line.contains(&format!(" pid={pid} ")) && line.contains(": execve ")
    });
    assert!(line.contains("filename=/bin/true"), "{line}");
    assert!(line.contains("comm=true"), "{line}");
    assert!(line.contains("res=0"), "{line}");
}

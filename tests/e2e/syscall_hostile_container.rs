//! A container cannot blind the host, exhaust Lanner or read host files
//! through what it plants at its own `/etc/passwd`: a FIFO (an open of it
//! waits for a writer that never comes), a symlink to `/dev/zero` (an
//! endless read), an absolute symlink to a host file (which, followed from
//! `/proc/PID/root`, resolves against the host's root), a 1 GiB sparse file.
//!
//! Each test makes a container the way runtimes make one (its own mount
//! namespace, with its own `/etc` bound over the host's, and a cgroup at a
//! Docker path), plants the file, starts the container's first process,
//! which Lanner then describes (reading its users), and performs an action
//! on the host right after: that action's alert must still come, Lanner's
//! memory must stay small, and nothing of a host file may show in alerts.

use lanner_tests::{Running, TempDir, cgroup2_root, fake_container_id, lanner, require_root};
use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

/// How long an alert may take to come: generous, and only reached on failure.
const ALERT_WAIT: Duration = Duration::from_secs(30);

/// The most Lanner's peak resident memory may be after reading a hostile
/// container: far above what it needs, far below the 1 GiB planted.
const MAX_PEAK_RSS_KB: u64 = 512 * 1024;

/// A user name only a host file holds; it must never reach an alert.
const HOST_SECRET_USER: &str = "hostsecretuser";

/// A Docker-shaped container whose `/etc` is a directory the test prepares.
struct HostileContainer {
    cgroup: PathBuf,
    etc: PathBuf,
    /// The container's first process, reaped when the container goes.
    first: Option<std::process::Child>,
}

impl HostileContainer {
    fn new(dir: &TempDir) -> Self {
        let cgroup = cgroup2_root().join("docker").join(fake_container_id());
        std::fs::create_dir_all(&cgroup).expect("the container's cgroup can be made");
        let etc = dir.path().join("container-etc");
        std::fs::create_dir_all(&etc).unwrap();
        // Programs in the container still find their libraries.
        if Path::new("/etc/ld.so.cache").exists() {
            std::fs::copy("/etc/ld.so.cache", etc.join("ld.so.cache")).unwrap();
        }
        Self {
            cgroup,
            etc,
            first: None,
        }
    }

    /// Starts the container's first process: in a new mount namespace with
    /// the prepared `/etc`, it joins the cgroup and execs `program` (which
    /// sleeps), so Lanner first sees the container while it runs.
    fn start(&mut self, program: &Path) {
        let inner = format!(
            "mount --bind {etc} /etc && echo $$ > {cgroup}/cgroup.procs && exec {program} 60",
            etc = self.etc.display(),
            cgroup = self.cgroup.display(),
            program = program.display(),
        );
        let child = Command::new("unshare")
            .args([
                "--mount",
                "--propagation",
                "private",
                "/bin/sh",
                "-c",
                &inner,
            ])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the container starts");
        self.first = Some(child);
    }
}

impl Drop for HostileContainer {
    fn drop(&mut self) {
        // Kill what runs in it, then remove the cgroup once empty.
        for _ in 0..100 {
            let procs =
                std::fs::read_to_string(self.cgroup.join("cgroup.procs")).unwrap_or_default();
            for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            if std::fs::remove_dir(&self.cgroup).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if let Some(mut first) = self.first.take() {
            let _ = first.kill();
            let _ = first.wait();
        }
    }
}

/// The peak resident memory (`VmHWM`, KiB) of the `lanner` child of this
/// process whose command line names `marker`.
fn peak_rss_kb(marker: &Path) -> u64 {
    let me = std::process::id().to_string();
    let marker = marker.to_string_lossy().into_owned();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let dir = entry.path();
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1));
        let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
        if ppid == Some(me.as_str()) && String::from_utf8_lossy(&cmdline).contains(&marker) {
            let status = std::fs::read_to_string(dir.join("status")).unwrap();
            return status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .expect("VmHWM in status");
        }
    }
    panic!("no running lanner with {marker} in its command line");
}

/// Plants what `plant` makes at the container's `/etc/passwd`, starts the
/// container and then performs an action on the host; the host's alert
/// must come, Lanner must stay small, and no alert may show the host-only
/// user name.
fn host_is_still_watched(label: &str, plant: impl FnOnce(&Path, &Path)) {
    require_root();
    let dir = TempDir::new(label);
    // The program both the container and the host run, under a name of
    // this test's own (other tests' Lanners see it too).
    let name = format!("lnr-{label}");
    let program = dir.path().join(&name);
    std::os::unix::fs::symlink("/bin/sleep", &program).unwrap();
    let rules = dir.write(
        "mark.yaml",
        &format!(
            "- rule: Mark run\n  desc: the test's marker program ran\n  condition: evt.type = execve and proc.name = {name}\n  output: mark (pid=%proc.pid user=%user.name uid=%user.uid container=%container.id)\n  priority: WARNING\n"
        ),
    );
    let secret = dir.write(
        "host-only-passwd",
        &format!("{HOST_SECRET_USER}:x:0:0:host secret:/secret:/bin/sh\n"),
    );
    let mut container = HostileContainer::new(&dir);
    plant(&container.etc.join("passwd"), &secret);

    let mut command = lanner();
    command
        .args(["run", "--source", "syscall", "--json", "-r"])
        .arg(&rules);
    let running = Running::spawn(command, "syscall source attached");
    container.start(&program);
    // The container's own alert: Lanner has seen it (and read its users).
    let mut lines = running.lines_until(ALERT_WAIT, |line| {
        let alert: Value = serde_json::from_str(line).unwrap_or_default();
        alert["rule"] == "Mark run" && alert["output_fields"]["container.id"] != "host"
    });
    // Right after, on the host.
    let mut host = Command::new(&program).arg("0").spawn().unwrap();
    let host_pid = host.id();
    assert!(host.wait().unwrap().success());
    lines.extend(running.lines_until(ALERT_WAIT, |line| {
        let alert: Value = serde_json::from_str(line).unwrap_or_default();
        alert["rule"] == "Mark run" && alert["output_fields"]["proc.pid"] == host_pid
    }));
    for line in &lines {
        assert!(
            !line.contains(HOST_SECRET_USER),
            "a host file's content reached an alert: {line}"
        );
    }
    let peak = peak_rss_kb(&rules);
    assert!(
        peak < MAX_PEAK_RSS_KB,
        "Lanner's peak memory grew to {peak} KiB reading the container"
    );
    let (status, stderr) = running.terminate();
    assert!(status.success(), "lanner failed: {stderr:?}");
}

#[test]
fn a_fifo_at_a_containers_passwd_does_not_blind_the_host() {
    host_is_still_watched("fifo", |passwd, _| {
        let path = std::ffi::CString::new(passwd.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    });
}

#[test]
fn a_containers_passwd_linked_to_dev_zero_is_not_read_endlessly() {
    host_is_still_watched("zero", |passwd, _| {
        std::os::unix::fs::symlink("/dev/zero", passwd).unwrap();
    });
}

#[test]
fn a_containers_passwd_linked_to_a_host_file_does_not_leak_it() {
    host_is_still_watched("link", |passwd, secret| {
        // Absolute: from /proc/PID/root it would resolve on the host.
        assert!(secret.is_absolute());
        std::os::unix::fs::symlink(secret, passwd).unwrap();
    });
}

#[test]
fn a_huge_containers_passwd_is_refused_unread() {
    host_is_still_watched("huge", |passwd, _| {
        std::fs::File::create(passwd)
            .unwrap()
            .set_len(1 << 30)
            .unwrap();
    });
}

//! Root tests against the real kernel: load the probe, act, and see the event.
//! They fail (never skip) when not run as root or when the probe cannot load,
//! since CI runs as root.
//!
//! The probe ignores the reader's own process, so every action happens in a
//! forked child that only makes raw syscalls (no allocation after the fork)
//! and reports what it needs to through its exit status.

mod common;

use common::{probe_config, reap, require_root, spawn};
use lanner_syscall_source::{
    EventDetail, ProbeConfig, SyscallEvent, SyscallExit, SyscallProbe,
    probe::RECORDS_PER_RING_PER_POLL, syscalls,
};
use std::{
    ffi::CString,
    ops::{Deref, DerefMut},
    sync::{
        RwLock, RwLockReadGuard, RwLockWriteGuard,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// Serialises the tests that flood the kernel with events against every
/// other test of this binary: each test loads its own probe, and a storm's
/// records would fill the other probes' rings too, dropping the one event a
/// quiet test waits for. Quiet tests share it; storms take it alone.
static STORMS: RwLock<()> = RwLock::new(());

/// A loaded probe, holding this test's turn on [`STORMS`] for as long as it lives.
struct TestProbe {
    probe: SyscallProbe,
    _turn: Turn,
}

enum Turn {
    Shared(#[allow(dead_code)] RwLockReadGuard<'static, ()>),
    Alone(#[allow(dead_code)] RwLockWriteGuard<'static, ()>),
}

impl Deref for TestProbe {
    type Target = SyscallProbe;
    fn deref(&self) -> &SyscallProbe {
        &self.probe
    }
}

impl DerefMut for TestProbe {
    fn deref_mut(&mut self) -> &mut SyscallProbe {
        &mut self.probe
    }
}

/// Loads the probe with exits of `names` reported and small rings (tests run in parallel).
fn load_probe(names: &[&str]) -> TestProbe {
    load_probe_with_rings(names, 4 << 20)
}

/// Loads the probe with exits of `names` reported and rings of `ring_bytes` per CPU.
fn load_probe_with_rings(names: &[&str], ring_bytes: u32) -> TestProbe {
    // A test that panicked while holding its turn poisons the lock; the
    // lock guards no data, so the others go on.
    let turn = Turn::Shared(STORMS.read().unwrap_or_else(|e| e.into_inner()));
    load(names, ring_bytes, turn)
}

/// Loads the probe for a test that floods the kernel, once no other test runs.
fn load_probe_alone(names: &[&str], ring_bytes: u32) -> TestProbe {
    let turn = Turn::Alone(STORMS.write().unwrap_or_else(|e| e.into_inner()));
    load(names, ring_bytes, turn)
}

fn load(names: &[&str], ring_bytes: u32, turn: Turn) -> TestProbe {
    require_root();
    let probe =
        SyscallProbe::load(&probe_config(names, ring_bytes)).expect("the probe loads and attaches");
    TestProbe { probe, _turn: turn }
}

/// Runs `action` in a forked child, which exits with the code `action`
/// returns; returns the child's pid and exit code.
fn in_child(action: impl FnOnce() -> i32) -> (u32, i32) {
    let pid = spawn(action);
    (pid as u32, reap(pid))
}

/// Polls until `wanted` matches an event (or [`GIVE_UP`] passes: a failure); returns every event
/// seen so far (in order) and the index of the match.
fn wait_for(
    probe: &mut SyscallProbe,
    what: &str,
    wanted: impl Fn(&SyscallEvent) -> bool,
) -> (Vec<SyscallEvent>, usize) {
    let events = collect_until(probe, what, |events| events.iter().any(&wanted));
    let at = events.iter().position(&wanted).expect("a matching event");
    (events, at)
}

/// Polls until `done` holds for the events seen so far (or [`GIVE_UP`]
/// passes: a failure); returns them in order.
/// How long a test waits for an event before failing. Tests wait on the
/// event itself; this only ends a test whose event will never come, so it is
/// far longer than any loaded machine needs.
const GIVE_UP: Duration = Duration::from_secs(60);

fn collect_until(
    probe: &mut SyscallProbe,
    what: &str,
    done: impl Fn(&[SyscallEvent]) -> bool,
) -> Vec<SyscallEvent> {
    let deadline = Instant::now() + GIVE_UP;
    let mut events = Vec::new();
    while Instant::now() < deadline {
        probe.poll(Duration::from_millis(100), &mut events).unwrap();
        if done(&events) {
            return events;
        }
    }
    let stats = probe.stats().expect("the probe's counters");
    panic!(
        "no {what} within {GIVE_UP:?} ({} events, {} dropped by the probe)",
        events.len(),
        stats.drops()
    );
}

/// The syscall exit of `name` made by `pid`, waiting for it.
fn syscall_of(probe: &mut SyscallProbe, pid: u32, name: &str) -> SyscallExit {
    let nr = syscalls::number(name).unwrap();
    let (events, at) = wait_for(probe, name, |e| {
        e.pid == pid && matches!(&e.detail, EventDetail::Syscall(s) if s.nr == nr)
    });
    match &events[at].detail {
        EventDetail::Syscall(exit) => exit.clone(),
        _ => unreachable!(),
    }
}

fn temp_path(name: &str) -> String {
    format!("/tmp/lanner-kernel-test-{}-{name}", std::process::id())
}

fn c(text: &str) -> CString {
    CString::new(text).unwrap()
}

#[test]
fn openat_reports_the_path_and_the_fd() {
    let mut probe = load_probe(&["openat"]);
    let path = temp_path("openat");
    std::fs::write(&path, b"x").unwrap();
    let cpath = c(&path);
    let (pid, fd) =
        in_child(|| unsafe { libc::openat(libc::AT_FDCWD, cpath.as_ptr(), libc::O_RDONLY) });
    let exit = syscall_of(&mut probe, pid, "openat");
    std::fs::remove_file(&path).unwrap();
    assert!(fd >= 3, "child got fd {fd}");
    assert_eq!(exit.ret, i64::from(fd));
    assert_eq!(exit.args[0] as i32, libc::AT_FDCWD);
    assert_eq!(exit.args[2] as i32, libc::O_RDONLY);
    assert_eq!(exit.memory[1].as_deref(), Some(path.as_bytes()));
    assert_eq!(exit.memory[0], None);
}

#[test]
fn rename_reports_both_paths() {
    let mut probe = load_probe(&["rename"]);
    let (from, to) = (temp_path("rename-from"), temp_path("rename-to"));
    std::fs::write(&from, b"x").unwrap();
    let (cfrom, cto) = (c(&from), c(&to));
    let (pid, rc) = in_child(|| unsafe { libc::rename(cfrom.as_ptr(), cto.as_ptr()) });
    assert_eq!(rc, 0);
    let exit = syscall_of(&mut probe, pid, "rename");
    std::fs::remove_file(&to).unwrap();
    assert_eq!(exit.ret, 0);
    assert_eq!(exit.memory[0].as_deref(), Some(from.as_bytes()));
    assert_eq!(exit.memory[1].as_deref(), Some(to.as_bytes()));
}

#[test]
fn connect_reports_the_socket_address() {
    let mut probe = load_probe(&["connect"]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let addr = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_be_bytes([127, 0, 0, 1]).to_be(),
        },
        sin_zero: [0; 8],
    };
    let (pid, rc) = in_child(|| unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        libc::connect(
            fd,
            (&addr as *const libc::sockaddr_in).cast(),
            size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    });
    assert_eq!(rc, 0);
    let exit = syscall_of(&mut probe, pid, "connect");
    assert_eq!(exit.ret, 0);
    let [_, Some(sockaddr), ..] = exit.memory else {
        panic!("the address is not copied");
    };
    assert_eq!(sockaddr.len(), size_of::<libc::sockaddr_in>());
    assert_eq!(
        u16::from_ne_bytes([sockaddr[0], sockaddr[1]]),
        libc::AF_INET as u16
    );
    assert_eq!(u16::from_be_bytes([sockaddr[2], sockaddr[3]]), port);
    assert_eq!(&sockaddr[4..8], &[127, 0, 0, 1]);
}

#[test]
fn write_reports_the_first_snaplen_bytes() {
    let mut probe = load_probe(&["write"]);
    let payload: Vec<u8> = (0..200u8).collect();
    let null = c("/dev/null");
    let (pid, _) = in_child(|| unsafe {
        let fd = libc::open(null.as_ptr(), libc::O_WRONLY);
        libc::write(fd, payload.as_ptr().cast(), payload.len());
        0
    });
    let exit = syscall_of(&mut probe, pid, "write");
    assert_eq!(exit.ret, 200);
    assert_eq!(exit.memory[1].as_deref(), Some(&payload[..80]));
}

#[test]
fn pipe_reports_both_descriptors() {
    let mut probe = load_probe(&["pipe", "pipe2", "dup2"]);
    // The child moves both ends to known numbers, so the fds the probe copied
    // can be checked against the `dup2` calls' arguments.
    let (pid, code) = in_child(|| unsafe {
        let mut fds = [-1i32; 2];
        if libc::pipe(fds.as_mut_ptr()) != 0 {
            return 1;
        }
        libc::dup2(fds[0], 200);
        libc::dup2(fds[1], 201);
        0
    });
    assert_eq!(code, 0);
    let dup2 = syscalls::number("dup2").unwrap();
    let events = collect_until(&mut probe, "pipe and two dup2", |events| {
        events
            .iter()
            .filter(|e| {
                e.pid == pid && matches!(&e.detail, EventDetail::Syscall(s) if s.nr == dup2)
            })
            .count()
            == 2
    });
    let ours: Vec<&SyscallExit> = events
        .iter()
        .filter(|e| e.pid == pid)
        .filter_map(|e| match &e.detail {
            EventDetail::Syscall(exit) => Some(exit),
            _ => None,
        })
        .collect();
    // glibc's pipe() may use the pipe2 syscall.
    let pipe = ours.iter().find(|s| s.nr != dup2).expect("a pipe event");
    assert_eq!(pipe.ret, 0);
    let fds = pipe.memory[0].as_deref().expect("the fds are copied");
    assert_eq!(fds.len(), 8);
    let read_end = i32::from_ne_bytes(fds[0..4].try_into().unwrap());
    let write_end = i32::from_ne_bytes(fds[4..8].try_into().unwrap());
    let moved: Vec<(u64, u64)> = ours
        .iter()
        .filter(|s| s.nr == dup2)
        .map(|s| (s.args[0], s.args[1]))
        .collect();
    assert_eq!(moved, vec![(read_end as u64, 200), (write_end as u64, 201)]);
}

#[test]
fn execve_reports_arguments_then_the_exec() {
    let mut probe = load_probe(&[]);
    let mut child = std::process::Command::new("/bin/true")
        .args(["alpha", "beta gamma"])
        .env_clear()
        .env("LANNER_TEST", "1")
        .spawn()
        .unwrap();
    let pid = child.id();
    assert!(child.wait().unwrap().success());
    let (events, exec_at) = wait_for(&mut probe, "exec", |e| {
        e.pid == pid && matches!(e.detail, EventDetail::Exec { .. })
    });
    let exec = &events[exec_at];
    assert_eq!(exec.evt_type(), Some("execve"));
    assert_eq!(exec.comm, "true");
    // The child inherited this process's terminal and login uid.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let tty_nr: u32 = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(4)?.parse::<i32>().ok())
        .unwrap() as u32;
    let loginuid: u32 = std::fs::read_to_string("/proc/self/loginuid")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(
        exec.detail,
        EventDetail::Exec {
            filename: "/bin/true".into(),
            old_tid: pid,
            tty: Some(tty_nr),
            loginuid: Some(loginuid),
        }
    );
    let args_at = events
        .iter()
        .position(|e| e.pid == pid && matches!(e.detail, EventDetail::ExecArgs { .. }))
        .expect("exec arguments arrive before the exec");
    assert!(args_at < exec_at);
    assert_eq!(
        events[args_at].detail,
        EventDetail::ExecArgs {
            argv: vec!["/bin/true".into(), "alpha".into(), "beta gamma".into()],
            env: vec!["LANNER_TEST=1".into()],
        }
    );
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    assert!(
        exec.ts_ns <= now_ns && now_ns - exec.ts_ns < 60_000_000_000,
        "timestamp is wall-clock time"
    );
    assert_ne!(exec.cgroup_id, 0);
}

#[test]
fn an_exec_on_a_new_terminal_reports_that_terminal() {
    let mut probe = load_probe(&[]);
    // SAFETY: plain libc calls on a pty master this test owns.
    let (master, slave) = unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(master >= 0, "posix_openpt");
        assert_eq!(libc::grantpt(master), 0);
        assert_eq!(libc::unlockpt(master), 0);
        let mut name = [0 as libc::c_char; 64];
        assert_eq!(libc::ptsname_r(master, name.as_mut_ptr(), name.len()), 0);
        (master, std::ffi::CStr::from_ptr(name.as_ptr()).to_owned())
    };
    // The terminal's number as /proc/PID/stat's tty_nr encodes it.
    let rdev =
        std::os::unix::fs::MetadataExt::rdev(&std::fs::metadata(slave.to_str().unwrap()).unwrap());
    let (major, minor) = (libc::major(rdev), libc::minor(rdev));
    let tty_nr = (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12);
    let program = CString::new("/bin/true").unwrap();
    let argv = [program.as_ptr(), std::ptr::null()];
    let envp = [std::ptr::null::<libc::c_char>()];
    let (pid, code) = in_child(|| unsafe {
        // A new session whose controlling terminal is the pty, as a terminal
        // emulator, sshd or `docker exec -t` sets one up.
        if libc::setsid() < 0 {
            return 10;
        }
        let fd = libc::open(slave.as_ptr(), libc::O_RDWR);
        if fd < 0 || libc::ioctl(fd, libc::TIOCSCTTY, 0) != 0 {
            return 11;
        }
        libc::execve(program.as_ptr(), argv.as_ptr(), envp.as_ptr());
        12
    });
    assert_eq!(code, 0, "the child failed at step {code}");
    // SAFETY: closes our own descriptor.
    unsafe { libc::close(master) };
    let (events, at) = wait_for(&mut probe, "exec", |e| {
        e.pid == pid && matches!(e.detail, EventDetail::Exec { .. })
    });
    let EventDetail::Exec { tty, .. } = &events[at].detail else {
        unreachable!()
    };
    assert_ne!(tty_nr, 0);
    assert_eq!(*tty, Some(tty_nr));
}

#[test]
fn a_poll_returns_a_bounded_batch_while_the_rings_never_empty() {
    // Rings big enough to hold the whole backlog below.
    let mut probe = load_probe_alone(&["openat", "close"], 64 << 20);
    // A backlog of at least three polls' worth of records in CPU 0's ring,
    // made before anything is read: the storm counts its own iterations, so
    // how fast this machine runs it does not matter.
    let storm = OpenStorm::start(Some(0));
    storm.wait_for_iterations(2 * RECORDS_PER_RING_PER_POLL as u64);
    drop(storm);
    let cap = RECORDS_PER_RING_PER_POLL * probe_rings();
    let mut events = Vec::new();
    for poll in 0..3 {
        events.clear();
        let n = probe.poll(Duration::from_millis(5), &mut events).unwrap();
        assert!(n <= cap, "poll {poll} returned {n} events (cap {cap})");
        assert!(
            n >= RECORDS_PER_RING_PER_POLL,
            "poll {poll} returned {n} events although CPU 0's ring held at least {} more",
            RECORDS_PER_RING_PER_POLL * (3 - poll)
        );
    }
}

#[test]
fn a_fork_on_a_flooded_cpu_still_precedes_the_childs_exec_on_another() {
    // Room for a backlog of several polls' worth of records on CPU 0.
    let mut probe = load_probe_alone(&["openat", "close"], 32 << 20);
    let storm = OpenStorm::start(Some(0));
    // Let a backlog build up in CPU 0's ring (unread, but far from full).
    storm.wait_for_iterations(10_000);
    let program = CString::new("/bin/true").unwrap();
    let argv = [program.as_ptr(), std::ptr::null()];
    let envp = [std::ptr::null::<libc::c_char>()];
    // The child forks on CPU 0; the grandchild execs on CPU 1.
    let (parent, code) = in_child(|| unsafe {
        pin_to_cpu(0);
        let child = libc::fork();
        if child == 0 {
            pin_to_cpu(1);
            libc::execve(program.as_ptr(), argv.as_ptr(), envp.as_ptr());
            libc::_exit(12);
        }
        let mut status = 0;
        libc::waitpid(child, &mut status, 0);
        if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
            0
        } else {
            13
        }
    });
    assert_eq!(code, 0);
    let events = collect_until(&mut probe, "the grandchild's exec", |events| {
        let forked: Vec<u32> = events
            .iter()
            .filter_map(|e| match e.detail {
                EventDetail::Fork { child_tid } if e.pid == parent => Some(child_tid),
                _ => None,
            })
            .collect();
        events.iter().any(|e| {
            matches!(e.detail, EventDetail::Exec { .. })
                && (forked.contains(&e.pid) || e.comm == "true" && e.cpu == 1)
        })
    });
    drop(storm);
    let fork_at = events
        .iter()
        .position(|e| e.pid == parent && matches!(e.detail, EventDetail::Fork { .. }))
        .expect("the fork was reported");
    let EventDetail::Fork { child_tid } = events[fork_at].detail else {
        unreachable!()
    };
    let exec_at = events
        .iter()
        .position(|e| e.pid == child_tid && matches!(e.detail, EventDetail::Exec { .. }))
        .expect("the exec was reported");
    assert!(
        fork_at < exec_at,
        "the exec (cpu {}) came before the fork (cpu {})",
        events[exec_at].cpu,
        events[fork_at].cpu
    );
    let stamps: Vec<u64> = events.iter().map(|e| e.ts_ns).collect();
    assert!(stamps.is_sorted(), "events are not in time order");
}

/// A child process opening and closing a file as fast as it can (on one
/// CPU when asked), counting its iterations where the test can read them,
/// until dropped.
struct OpenStorm {
    pid: libc::pid_t,
    iterations: &'static AtomicU64,
}

impl OpenStorm {
    fn start(cpu: Option<usize>) -> Self {
        let path = CString::new("/etc/hostname").unwrap();
        // SAFETY: a fresh anonymous mapping, shared with the child across the
        // fork, sized and aligned for one AtomicU64; it is never unmapped, so
        // the 'static reference stays valid (one page per storm, test only).
        let iterations = unsafe {
            let page = libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(page, libc::MAP_FAILED, "mmap failed");
            &*(page as *const AtomicU64)
        };
        // SAFETY: the child only makes raw syscalls and atomic adds until it is killed.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            unsafe {
                // Ends itself should the test die before killing it.
                libc::alarm(120);
                if let Some(cpu) = cpu {
                    pin_to_cpu(cpu);
                }
                loop {
                    let fd = libc::openat(libc::AT_FDCWD, path.as_ptr(), libc::O_RDONLY);
                    libc::close(fd);
                    iterations.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Self { pid, iterations }
    }

    /// Waits until the storm has opened and closed the file `n` times.
    fn wait_for_iterations(&self, n: u64) {
        let deadline = Instant::now() + GIVE_UP;
        while self.iterations.load(Ordering::Relaxed) < n {
            assert!(
                Instant::now() < deadline,
                "the storm made only {} of {n} iterations",
                self.iterations.load(Ordering::Relaxed)
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for OpenStorm {
    fn drop(&mut self) {
        // SAFETY: kills and reaps our own child.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            libc::waitpid(self.pid, std::ptr::null_mut(), 0);
        }
    }
}

/// Pins the calling thread to one CPU.
///
/// # Safety
/// Only makes the syscall (safe after fork).
unsafe fn pin_to_cpu(cpu: usize) {
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set);
    }
}

/// How many rings the probe reads: one per possible CPU.
fn probe_rings() -> usize {
    let possible = std::fs::read_to_string("/sys/devices/system/cpu/possible").unwrap();
    possible
        .trim()
        .split(',')
        .map(|range| match range.split_once('-') {
            Some((a, b)) => b.parse::<usize>().unwrap() - a.parse::<usize>().unwrap() + 1,
            None => 1,
        })
        .sum()
}

#[test]
fn failed_execve_reports_its_error_and_path() {
    let mut probe = load_probe(&["execve"]);
    let missing = "/nonexistent/lanner-test-binary";
    let err = std::process::Command::new(missing).spawn().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    let (events, at) = wait_for(&mut probe, "failed execve", |e| {
        matches!(&e.detail, EventDetail::Syscall(s)
            if s.memory[0].as_deref() == Some(missing.as_bytes()))
    });
    let EventDetail::Syscall(exit) = &events[at].detail else {
        unreachable!()
    };
    assert_eq!(exit.ret, -i64::from(libc::ENOENT));
    assert_eq!(syscalls::name(exit.nr), Some("execve"));
}

#[test]
fn fork_precedes_the_child_and_exit_is_reported() {
    let mut probe = load_probe(&["getppid"]);
    // The probe ignores this process, so a child forks the grandchild we watch.
    let (child, grandchild) = in_child(|| unsafe {
        let pid = libc::fork();
        if pid == 0 {
            libc::getppid();
            libc::_exit(0);
        }
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        // Pids fit the exit code only modulo 256: report the low byte.
        pid & 0xff
    });
    let is_fork = |e: &SyscallEvent| {
        e.pid == child
            && matches!(e.detail, EventDetail::Fork { child_tid } if child_tid & 0xff == grandchild as u32)
    };
    let events = collect_until(&mut probe, "fork and both exits", |events| {
        let Some(fork) = events.iter().find(|e| is_fork(e)) else {
            return false;
        };
        let EventDetail::Fork { child_tid } = fork.detail else {
            return false;
        };
        let exited = |pid| {
            events
                .iter()
                .any(|e| e.pid == pid && e.detail == EventDetail::Exit)
        };
        exited(child_tid) && exited(child)
    });
    let fork_at = events.iter().position(is_fork).unwrap();
    let EventDetail::Fork { child_tid } = events[fork_at].detail else {
        unreachable!()
    };
    assert_eq!(events[fork_at].tid, child);
    // Every event of the grandchild comes after the fork that created it.
    let getppid = syscalls::number("getppid").unwrap();
    let grandchild_events: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.pid == child_tid)
        .map(|(i, _)| i)
        .collect();
    assert!(grandchild_events.iter().all(|&i| i > fork_at));
    let syscall = grandchild_events
        .iter()
        .find_map(|&i| match &events[i].detail {
            EventDetail::Syscall(s) if s.nr == getppid => Some(s),
            _ => None,
        })
        .expect("the grandchild's getppid");
    assert_eq!(syscall.ret, i64::from(child));
    let exit = events
        .iter()
        .find(|e| e.pid == child_tid && e.detail == EventDetail::Exit)
        .unwrap();
    assert_eq!(exit.tid, child_tid);
    assert_eq!(exit.evt_type(), Some("procexit"));
}

#[test]
fn syscalls_outside_the_interest_set_are_not_reported() {
    let mut probe = load_probe(&["getppid"]);
    let dir = c(&temp_path("not-interesting"));
    let (pid, _) = in_child(|| unsafe {
        libc::mkdir(dir.as_ptr(), 0o700);
        libc::rmdir(dir.as_ptr());
        // A marker after the uninteresting calls.
        libc::getppid();
        0
    });
    let (events, _) = wait_for(&mut probe, "marker", |e| {
        e.pid == pid && matches!(e.detail, EventDetail::Syscall(_))
    });
    let ours: Vec<_> = events
        .iter()
        .filter(|e| e.pid == pid && matches!(e.detail, EventDetail::Syscall(_)))
        .collect();
    assert_eq!(ours.len(), 1, "only getppid: {ours:?}");

    // The interest set can change after load.
    probe
        .set_interest(&[syscalls::number("mkdir").unwrap()])
        .unwrap();
    let (pid, _) = in_child(|| unsafe {
        libc::mkdir(dir.as_ptr(), 0o700);
        libc::rmdir(dir.as_ptr());
        0
    });
    let exit = syscall_of(&mut probe, pid, "mkdir");
    assert_eq!(exit.ret, 0);
}

#[test]
fn counters_cover_every_received_event() {
    let mut probe = load_probe(&["getppid"]);
    let (pid, _) = in_child(|| unsafe {
        for _ in 0..50 {
            libc::getppid();
        }
        0
    });
    let events = collect_until(&mut probe, "50 getppid", |events| {
        events.iter().filter(|e| e.pid == pid).count() >= 50
    });
    let stats = probe.stats().unwrap();
    assert_eq!(stats.per_cpu.len(), probe_rings());
    assert!(
        stats.events() >= events.len() as u64,
        "{} counted, {} received",
        stats.events(),
        events.len()
    );
    assert!(events.iter().filter(|e| e.pid == pid).count() >= 50);
    assert_eq!(stats.decode_errors, 0);
    assert_eq!(stats.drops(), stats.drops_by_kind().total());
}

#[test]
fn bad_configurations_are_refused_clearly() {
    let err = SyscallProbe::load(&ProbeConfig {
        ring_bytes_per_cpu: 3 * 4096,
        ..ProbeConfig::default()
    })
    .err()
    .expect("a ring size that is not a power of two is refused");
    assert!(err.to_string().contains("power of two"), "{err}");
    assert!(
        SyscallProbe::load(&ProbeConfig {
            snaplen: 1 << 20,
            ..ProbeConfig::default()
        })
        .is_err()
    );
    assert!(
        SyscallProbe::load(&ProbeConfig {
            syscalls: vec![4096],
            ..ProbeConfig::default()
        })
        .is_err()
    );
}

#[test]
fn long_paths_are_copied_whole_up_to_the_limit() {
    let mut probe = load_probe(&["openat"]);
    // 4095 bytes plus its NUL: PATH_MAX, the longest path the kernel accepts.
    let long = format!("/{}", "a".repeat(4094));
    let clong = c(&long);
    let (pid, _) = in_child(|| unsafe {
        libc::openat(libc::AT_FDCWD, clong.as_ptr(), libc::O_RDONLY);
        0
    });
    let exit = syscall_of(&mut probe, pid, "openat");
    assert!(exit.ret < 0);
    assert_eq!(exit.memory[1].as_deref(), Some(long.as_bytes()));
}

#[test]
fn accept_reports_the_peer_address() {
    let mut probe = load_probe(&["accept", "accept4"]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen_fd = std::os::fd::AsRawFd::as_raw_fd(&listener);
    let addr = listener.local_addr().unwrap();
    // The client stays open until the child has accepted.
    let client = std::net::TcpStream::connect(addr).unwrap();
    let client_port = client.local_addr().unwrap().port();
    let (pid, code) = in_child(|| unsafe {
        let mut peer: libc::sockaddr_in = std::mem::zeroed();
        let mut len = size_of::<libc::sockaddr_in>() as libc::socklen_t;
        let fd = libc::accept(listen_fd, (&raw mut peer).cast(), &mut len);
        i32::from(fd < 0)
    });
    assert_eq!(code, 0);
    let nr = |name| syscalls::number(name).unwrap();
    let (events, at) = wait_for(&mut probe, "accept", |e| {
        e.pid == pid
            && matches!(&e.detail, EventDetail::Syscall(s) if s.nr == nr("accept") || s.nr == nr("accept4"))
    });
    let EventDetail::Syscall(exit) = &events[at].detail else {
        unreachable!()
    };
    assert!(exit.ret >= 0);
    let peer = exit.memory[1]
        .as_deref()
        .expect("the peer address is copied");
    assert_eq!(peer.len(), size_of::<libc::sockaddr_in>());
    assert_eq!(u16::from_be_bytes([peer[2], peer[3]]), client_port);
    assert_eq!(&peer[4..8], &[127, 0, 0, 1]);
    drop(client);
}

#[test]
fn a_full_ring_counts_drops_by_kind() {
    let page = 4096;
    let probe = load_probe_with_rings(&["getppid"], page);
    // Nobody reads: a few hundred records overflow a one-page ring.
    in_child(|| unsafe {
        for _ in 0..500 {
            libc::getppid();
        }
        0
    });
    let stats = probe.stats().unwrap();
    assert!(stats.drops() > 0, "{stats:?}");
    assert!(stats.drops_by_kind().syscall_exit > 0, "{stats:?}");
    assert_eq!(stats.drops(), stats.drops_by_kind().total());
    assert!(stats.events() >= 500, "{stats:?}");
}

#[test]
fn exec_arguments_are_bounded() {
    let mut probe = load_probe(&[]);
    // 40 arguments (more than the 32 pointers followed) and one env var longer
    // than the 4 KiB of env text kept.
    let args: Vec<String> = (0..39).map(|i| format!("arg{i}")).collect();
    let mut child = std::process::Command::new("/bin/true")
        .args(&args)
        .env_clear()
        .env("BIG", "x".repeat(5000))
        .spawn()
        .unwrap();
    let pid = child.id();
    assert!(child.wait().unwrap().success());
    let (events, at) = wait_for(&mut probe, "exec arguments", |e| {
        e.pid == pid && matches!(e.detail, EventDetail::ExecArgs { .. })
    });
    let EventDetail::ExecArgs { argv, env } = &events[at].detail else {
        unreachable!()
    };
    assert_eq!(argv.len(), 32);
    assert_eq!(argv[0], "/bin/true");
    assert_eq!(argv[31], "arg30");
    assert_eq!(env.len(), 1);
    // 4096 bytes of text, the last of them the NUL the probe ends the cut string with.
    assert_eq!(env[0].len(), 4095);
    assert!(env[0].starts_with("BIG=xxx"));
}

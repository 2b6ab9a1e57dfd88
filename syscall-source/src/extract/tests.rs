//! Record streams built by hand, fed to the state tables, and the fields
//! rules would read from each event.

use super::*;
use crate::event::{CaptureRecord, EventDetail, SyscallEvent, SyscallExit};
use crate::fields::{Arg, FIELDS};
use crate::state::{ContainerInfo, Limits, ProcessInfo, SystemState, UserDb, procfs::ThreadIds};

const AT_FDCWD: u64 = (-100i64) as u64;
const DOCKER_ID: &str = "3f2a9c1d7e5b4a6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e";

/// Builds events with increasing timestamps.
struct Stream {
    state: SystemState,
    ts: u64,
}

impl Stream {
    fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    fn with_limits(limits: Limits) -> Self {
        Self {
            state: SystemState::with_limits(limits),
            ts: 1_000_000_000,
        }
    }

    fn event(&mut self, pid: u32, tid: u32, comm: &str, detail: EventDetail) -> CaptureRecord {
        self.ts += 1000;
        CaptureRecord::Event(SyscallEvent {
            ts_ns: self.ts,
            cpu: 1,
            pid,
            tid,
            uid: 0,
            gid: 0,
            cgroup_id: 0,
            comm: comm.to_string(),
            detail,
        })
    }

    /// Feeds a record, ignoring any view.
    fn feed(&mut self, record: CaptureRecord) {
        let _ = self.state.apply(&record);
    }

    /// Feeds a record and renders the named fields of its view (`None` per
    /// field without value; all `None` when the record yields no view).
    fn eval(&mut self, record: CaptureRecord, names: &[&str]) -> Vec<Option<String>> {
        let view = self.state.apply(&record);
        names
            .iter()
            .map(|name| view.as_ref().and_then(|v| field(v, name)))
            .collect()
    }

    fn seed(&mut self, info: ProcessInfo) {
        self.feed(CaptureRecord::Process(Box::new(info)));
    }

    fn syscall(
        &mut self,
        pid: u32,
        nr: u64,
        ret: i64,
        args: &[u64],
        memory: &[(usize, &[u8])],
    ) -> CaptureRecord {
        self.event(pid, pid, "proc", syscall(nr, ret, args, memory))
    }
}

fn syscall(nr: u64, ret: i64, args: &[u64], memory: &[(usize, &[u8])]) -> EventDetail {
    let mut exit = SyscallExit {
        nr,
        ret,
        args: [0; 6],
        memory: Default::default(),
    };
    for (slot, value) in exit.args.iter_mut().zip(args) {
        *slot = *value;
    }
    for (index, bytes) in memory {
        exit.memory[*index] = Some(bytes.to_vec());
    }
    EventDetail::Syscall(exit)
}

fn nr(name: &str) -> u64 {
    crate::syscalls::number(name).unwrap()
}

/// A process snapshot with the given identity.
fn process(pid: u32, ppid: u32, comm: &str, args: &[&str], exe: &str) -> ProcessInfo {
    let mut info = ProcessInfo::bare(pid, comm);
    info.ppid = ppid;
    info.args = args.iter().map(|a| a.to_string()).collect();
    info.exe_path = exe.to_string();
    info.cwd = "/root".to_string();
    info.vpid = Some(pid);
    info.vpgid = Some(pid);
    info.pgid = pid;
    info.sid = pid;
    info.start_ns = Some(500);
    info.caps_known = true;
    info
}

/// Renders one field of a view; `name` may carry `[arg]`.
fn field(view: &EventView<'_>, name: &str) -> Option<String> {
    let (base, bracket) = match name.split_once('[') {
        Some((base, rest)) => (base, Some(rest.trim_end_matches(']'))),
        None => (name, None),
    };
    let index = FIELDS
        .iter()
        .position(|f| f.name == base)
        .unwrap_or_else(|| panic!("no field {base}"));
    let (arg, idx) = match (FIELDS[index].arg, bracket) {
        (Arg::Index { .. }, Some(n)) => (None, Some(n.parse().unwrap())),
        (_, key) => (key, None),
    };
    view.extract(index, arg, idx).map(|v| render(&v))
}

fn render(value: &FieldValue<'_>) -> String {
    match value {
        FieldValue::Str(s) => s.to_string(),
        FieldValue::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        FieldValue::Int(n) => n.to_string(),
        FieldValue::UInt(n) | FieldValue::RelTime(n) | FieldValue::AbsTime(n) => n.to_string(),
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::Ip(ip) => ip.to_string(),
        FieldValue::List(items) => items.iter().map(render).collect::<Vec<_>>().join(","),
    }
}

fn some(values: &[&str]) -> Vec<Option<String>> {
    values
        .iter()
        .map(|v| (*v != "-").then(|| v.to_string()))
        .collect()
}

fn sockaddr_v4(ip: [u8; 4], port: u16) -> Vec<u8> {
    let mut bytes = vec![2, 0];
    bytes.extend_from_slice(&port.to_be_bytes());
    bytes.extend_from_slice(&ip);
    bytes.extend_from_slice(&[0; 8]);
    bytes
}

/// init(1) → sshd(100) → bash(200), bash in /home/u.
fn login_tree() -> Stream {
    let mut s = Stream::new();
    s.seed(process(
        1,
        0,
        "systemd",
        &["/sbin/init"],
        "/usr/lib/systemd/systemd",
    ));
    s.seed(process(100, 1, "sshd", &["sshd:", "u"], "/usr/sbin/sshd"));
    let mut bash = process(200, 100, "bash", &["-bash"], "/usr/bin/bash");
    bash.cwd = "/home/u".to_string();
    bash.env = vec!["HOME=/home/u".into(), "TERM=xterm".into()];
    bash.tty = 34816;
    s.seed(bash);
    s
}

#[test]
fn fork_and_exec_build_the_ancestry() {
    let mut s = login_tree();
    let fork = s.event(200, 200, "bash", EventDetail::Fork { child_tid: 300 });
    assert_eq!(
        s.eval(fork, &["proc.name"]),
        vec![None],
        "forks are not rule events"
    );
    let args = s.event(
        300,
        300,
        "bash",
        EventDetail::ExecArgs {
            argv: vec!["sh".into(), "-c".into(), "id -u".into()],
            env: vec!["PATH=/bin".into()],
        },
    );
    s.feed(args);
    let exec = s.event(
        300,
        300,
        "sh",
        EventDetail::Exec {
            filename: "/bin/sh".into(),
            old_tid: 300,
            tty: None,
            loginuid: None,
        },
    );
    let got = s.eval(
        exec,
        &[
            "evt.type",
            "evt.dir",
            "proc.name",
            "proc.exe",
            "proc.args",
            "proc.cmdline",
            "proc.exepath",
            "proc.pname",
            "proc.pcmdline",
            "proc.pexe",
            "proc.pexepath",
            "proc.aname[1]",
            "proc.aname[2]",
            "proc.aname[3]",
            "proc.aname[4]",
            "proc.aname",
            "proc.apid[2]",
            "proc.aexepath[2]",
            "proc.aexe[2]",
            "proc.ppid",
            "proc.pid",
            "proc.cwd",
            "proc.env",
            "proc.env[PATH]",
            "proc.env[HOME]",
            "proc.aenv[HOME]",
            "proc.tty",
            "proc.duration",
            "proc.loginshellid",
            "proc.vpid",
            "evt.rawres",
            "evt.res",
        ],
    );
    assert_eq!(
        got,
        some(&[
            "execve",
            "<",
            "sh",
            "sh",
            "-c id -u",
            "sh -c id -u",
            "/bin/sh",
            "bash",
            "bash",
            "-bash",
            "/usr/bin/bash",
            "bash",
            "sshd",
            "systemd",
            "-",
            "bash,sshd,systemd",
            "100",
            "/usr/sbin/sshd",
            "sshd:",
            "200",
            "300",
            "/home/u",
            "PATH=/bin",
            "/bin",
            "-",
            "/home/u",
            "34816",
            "2000",
            "200",
            "300",
            "0",
            "SUCCESS",
        ])
    );
}

#[test]
fn ancestor_walks_stop_after_max_generations_on_a_parent_cycle() {
    let mut s = Stream::new();
    s.seed(process(500, 501, "a", &["a"], "/bin/a"));
    s.seed(process(501, 500, "b", &["b"], "/bin/b"));
    let event = s.event(500, 500, "a", syscall(nr("getpid"), 500, &[], &[]));
    let got = s.eval(event, &["proc.apid", "proc.aname[1]", "proc.aname[2]"]);
    let apid = got[0].as_deref().unwrap();
    assert_eq!(apid.split(',').count(), MAX_GENERATIONS);
    assert!(apid.starts_with("501,500,501,"));
    assert_eq!(got[1..], some(&["b", "a"]));
}

#[test]
fn opens_resolve_relative_paths_against_cwd_and_dirfd() {
    let mut s = login_tree();
    let open = s.syscall(
        200,
        nr("openat"),
        3,
        &[AT_FDCWD, 0, 0],
        &[(1, b"docs/../docs/a.txt")],
    );
    assert_eq!(
        s.eval(
            open,
            &[
                "fd.num",
                "fd.name",
                "fd.directory",
                "fd.filename",
                "fd.nameraw",
                "fd.typechar",
                "fd.type",
                "evt.is_open_read",
                "evt.is_open_write",
                "fs.path.name",
                "fs.path.nameraw"
            ]
        ),
        some(&[
            "3",
            "/home/u/docs/a.txt",
            "/home/u/docs",
            "a.txt",
            "docs/../docs/a.txt",
            "f",
            "file",
            "true",
            "false",
            "/home/u/docs/a.txt",
            "docs/../docs/a.txt"
        ])
    );
    let dir = s.syscall(200, nr("open"), 4, &[0, 0o200_000], &[(0, b"/etc")]);
    assert_eq!(
        s.eval(
            dir,
            &["fd.type", "fd.typechar", "fd.directory", "fd.filename"]
        ),
        some(&["directory", "d", "/etc", "-"])
    );
    let at = s.syscall(
        200,
        nr("openat"),
        5,
        &[4, 0, 0o102, 0o755],
        &[(1, b"cron.d/x")],
    );
    assert_eq!(
        s.eval(
            at,
            &[
                "fd.name",
                "evt.is_open_write",
                "evt.is_open_create",
                "evt.is_open_exec"
            ]
        ),
        some(&["/etc/cron.d/x", "true", "true", "true"])
    );
    // A failed open still tells which file it tried.
    let denied = s.syscall(
        200,
        nr("openat"),
        -13,
        &[AT_FDCWD, 0],
        &[(1, b"/etc/shadow")],
    );
    assert_eq!(
        s.eval(
            denied,
            &[
                "fd.num",
                "fd.name",
                "fd.typechar",
                "evt.failed",
                "evt.rawres",
                "evt.is_open_read"
            ]
        ),
        some(&["-13", "/etc/shadow", "f", "true", "-13", "true"])
    );
    let creat = s.syscall(200, nr("creat"), 6, &[0, 0o644], &[(0, b"new")]);
    assert_eq!(
        s.eval(creat, &["fd.name", "evt.is_open_write", "evt.is_open_exec"]),
        some(&["/home/u/new", "true", "false"])
    );
    let how = [0o1u64.to_le_bytes(), 0u64.to_le_bytes(), 0u64.to_le_bytes()].concat();
    let openat2 = s.syscall(
        200,
        nr("openat2"),
        7,
        &[AT_FDCWD],
        &[(1, b"/etc/passwd"), (2, &how)],
    );
    assert_eq!(
        s.eval(
            openat2,
            &["fd.name", "evt.is_open_write", "evt.is_open_read"]
        ),
        some(&["/etc/passwd", "true", "false"])
    );
    // The invalid access mode 3 prints as O_RDONLY, and reads as it prints.
    let invalid = s.syscall(200, nr("open"), 8, &[0, 3], &[(0, b"/etc/hosts")]);
    assert_eq!(
        s.eval(
            invalid,
            &["evt.arg[flags]", "evt.is_open_read", "evt.is_open_write"]
        ),
        some(&["O_RDONLY", "true", "false"])
    );
}

#[test]
fn close_sees_the_closed_descriptor_and_later_events_do_not() {
    let mut s = login_tree();
    let open = s.syscall(200, nr("open"), 3, &[0, 0], &[(0, b"/etc/hosts")]);
    s.feed(open);
    let close = s.syscall(200, nr("close"), 0, &[3], &[]);
    assert_eq!(
        s.eval(close, &["fd.num", "fd.name"]),
        some(&["3", "/etc/hosts"])
    );
    let read = s.syscall(200, nr("read"), -9, &[3], &[]);
    assert_eq!(
        s.eval(read, &["fd.num", "fd.name", "fd.type"]),
        some(&["3", "-", "-"])
    );
    let none = s.syscall(200, nr("getpid"), 200, &[], &[]);
    assert_eq!(s.eval(none, &["fd.num", "fd.name"]), some(&["-", "-"]));
}

#[test]
fn sockets_learn_addresses_and_dup_copies_them() {
    let mut s = login_tree();
    let socket = s.syscall(200, nr("socket"), 3, &[2, 1, 0], &[]);
    assert_eq!(
        s.eval(
            socket,
            &["fd.typechar", "fd.l4proto", "fd.name", "fd.connected"]
        ),
        some(&["4", "tcp", "-", "false"])
    );
    let addr = sockaddr_v4([1, 2, 3, 4], 2222);
    let connect = s.syscall(200, nr("connect"), 0, &[3], &[(1, &addr)]);
    assert_eq!(
        s.eval(
            connect,
            &[
                "fd.sip",
                "fd.sport",
                "fd.rip",
                "fd.rport",
                "fd.cip",
                "fd.l4proto",
                "fd.typechar",
                "fd.type",
                "fd.connected",
                "fd.name_changed",
                "fd.name",
                "fd.sockfamily",
                "fd.is_server",
                "fd.ip",
                "fd.snet",
                "fd.sip.name"
            ]
        ),
        some(&[
            "1.2.3.4",
            "2222",
            "1.2.3.4",
            "2222",
            "-",
            "tcp",
            "4",
            "ipv4",
            "true",
            "true",
            "0.0.0.0:0->1.2.3.4:2222",
            "ip",
            "false",
            "1.2.3.4",
            "1.2.3.4",
            "-"
        ])
    );
    let dup = s.syscall(200, nr("dup2"), 0, &[3, 0], &[]);
    assert_eq!(
        s.eval(dup, &["fd.num", "fd.type", "evt.rawres"]),
        some(&["3", "ipv4", "0"])
    );
    let write = s.syscall(200, nr("write"), 5, &[0], &[(1, b"hello")]);
    assert_eq!(
        s.eval(
            write,
            &[
                "fd.num",
                "fd.sip",
                "fd.name_changed",
                "evt.buffer",
                "evt.buflen",
                "evt.is_io_write",
                "evt.io_dir"
            ]
        ),
        some(&["0", "1.2.3.4", "false", "hello", "5", "true", "w"])
    );
    // A non-blocking connect in progress has its peer but is not connected yet.
    let socket = s.syscall(200, nr("socket"), 4, &[10, 0x80802, 0], &[]);
    s.feed(socket);
    let mut v6 = vec![10, 0, 0, 53, 0, 0, 0, 0];
    v6.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
    let pending = s.syscall(200, nr("connect"), -115, &[4], &[(1, &v6)]);
    assert_eq!(
        s.eval(
            pending,
            &[
                "fd.typechar",
                "fd.l4proto",
                "fd.sip",
                "fd.sport",
                "fd.connected"
            ]
        ),
        some(&["6", "udp", "::1", "53", "false"])
    );
}

#[test]
fn servers_bind_listen_and_accept() {
    let mut s = login_tree();
    for record in [
        s.syscall(200, nr("socket"), 3, &[2, 1, 0], &[]),
        s.syscall(
            200,
            nr("bind"),
            0,
            &[3],
            &[(1, &sockaddr_v4([0, 0, 0, 0], 80))],
        ),
        s.syscall(200, nr("listen"), 0, &[3, 10], &[]),
    ] {
        s.feed(record);
    }
    let peer = sockaddr_v4([10, 0, 0, 9], 5555);
    let accept = s.syscall(
        200,
        nr("accept4"),
        5,
        &[3, 0, 0, 0o2_000_000],
        &[(1, &peer)],
    );
    assert_eq!(
        s.eval(
            accept,
            &[
                "fd.num",
                "fd.cip",
                "fd.cport",
                "fd.sip",
                "fd.sport",
                "fd.lport",
                "fd.rip",
                "fd.is_server",
                "fd.connected",
                "fd.name",
                "fd.port"
            ]
        ),
        some(&[
            "5",
            "10.0.0.9",
            "5555",
            "0.0.0.0",
            "80",
            "80",
            "10.0.0.9",
            "true",
            "true",
            "10.0.0.9:5555->0.0.0.0:80",
            "5555,80"
        ])
    );
    // Descriptors created close-on-exec are gone after an exec.
    let exec = s_exec(&mut s, 200, "nginx");
    s.feed(exec);
    let read = s.syscall(200, nr("read"), 1, &[5], &[]);
    assert_eq!(s.eval(read, &["fd.name"]), some(&["-"]));
    let read = s.syscall(200, nr("read"), 1, &[3], &[]);
    assert_eq!(s.eval(read, &["fd.sport"]), some(&["80"]));
}

#[test]
fn the_terminal_and_login_uid_read_at_exec_win_over_inheritance() {
    // A daemon without a terminal starts a session on a new pty (setsid and
    // TIOCSCTTY, which the tables do not follow) and execs a shell: only the
    // exec record knows the shell's terminal, e.g. when the shell is gone
    // before /proc could be read.
    let mut s = login_tree();
    let fork = s.event(100, 100, "sshd", EventDetail::Fork { child_tid: 400 });
    s.feed(fork);
    let exec = s.event(
        400,
        400,
        "sh",
        EventDetail::Exec {
            filename: "/bin/sh".into(),
            old_tid: 400,
            tty: Some(34817),
            loginuid: Some(1000),
        },
    );
    assert_eq!(
        s.eval(exec, &["proc.tty", "user.loginuid", "proc.pname"]),
        some(&["34817", "1000", "sshd"])
    );
    // Its children inherit both; an exec the probe could not read keeps them.
    let fork = s.event(400, 400, "sh", EventDetail::Fork { child_tid: 401 });
    s.feed(fork);
    let exec = s_exec(&mut s, 401, "id");
    assert_eq!(
        s.eval(exec, &["proc.tty", "user.loginuid"]),
        some(&["34817", "1000"])
    );
    // A shell that lost its terminal (setsid, then exec) says so.
    let exec = s.event(
        401,
        401,
        "sh",
        EventDetail::Exec {
            filename: "/bin/sh".into(),
            old_tid: 401,
            tty: Some(0),
            loginuid: None,
        },
    );
    assert_eq!(
        s.eval(exec, &["proc.tty", "user.loginuid"]),
        some(&["0", "1000"])
    );
}

fn s_exec(s: &mut Stream, pid: u32, comm: &str) -> CaptureRecord {
    s.event(
        pid,
        pid,
        comm,
        EventDetail::Exec {
            filename: format!("/usr/bin/{comm}"),
            old_tid: pid,
            tty: None,
            loginuid: None,
        },
    )
}

#[test]
fn pipes_socketpairs_and_typed_descriptors() {
    let mut s = login_tree();
    let fds = [3i32.to_le_bytes(), 4i32.to_le_bytes()].concat();
    let pipe = s.syscall(200, nr("pipe2"), 0, &[0, 0], &[(0, &fds)]);
    s.feed(pipe);
    let read = s.syscall(200, nr("read"), 0, &[4], &[]);
    assert_eq!(
        s.eval(read, &["fd.type", "fd.typechar", "fd.name"]),
        some(&["pipe", "p", "-"])
    );
    let pair = [5i32.to_le_bytes(), 6i32.to_le_bytes()].concat();
    let sp = s.syscall(200, nr("socketpair"), 0, &[1, 1, 0], &[(3, &pair)]);
    s.feed(sp);
    let read = s.syscall(200, nr("read"), 0, &[6], &[]);
    assert_eq!(
        s.eval(read, &["fd.type", "fd.sockfamily"]),
        some(&["unix", "unix"])
    );
    for (name, args, kind) in [
        ("userfaultfd", [0u64, 0], "userfaultfd"),
        ("eventfd2", [0, 0], "event"),
        ("inotify_init1", [0, 0], "inotify"),
        ("timerfd_create", [1, 0], "timerfd"),
        ("bpf", [0, 0], "bpf"),
    ] {
        let record = s.syscall(200, nr(name), 9, &args, &[]);
        assert_eq!(
            s.eval(record, &["fd.type", "fd.num"]),
            some(&[kind, "9"]),
            "{name}"
        );
    }
    // bpf commands that do not create a descriptor leave fd 0 alone.
    let lookup = s.syscall(200, nr("bpf"), 0, &[1, 0], &[]);
    assert_eq!(s.eval(lookup, &["fd.type"]), some(&["-"]));
}

#[test]
fn exec_of_a_memfd_is_flagged() {
    let mut s = login_tree();
    let create = s.syscall(200, nr("memfd_create"), 3, &[0, 1], &[(0, b"payload")]);
    assert_eq!(
        s.eval(create, &["fd.name", "fd.type", "fd.typechar"]),
        some(&["memfd:payload", "memfd", "m"])
    );
    let args = s.event(
        200,
        200,
        "bash",
        EventDetail::ExecArgs {
            argv: vec!["x".into()],
            env: vec![],
        },
    );
    s.feed(args);
    let exec = s.event(
        200,
        200,
        "3",
        EventDetail::Exec {
            filename: "/dev/fd/3".into(),
            old_tid: 200,
            tty: None,
            loginuid: None,
        },
    );
    assert_eq!(
        s.eval(
            exec,
            &[
                "proc.is_exe_from_memfd",
                "proc.exepath",
                "proc.exe",
                "proc.fdopencount"
            ]
        ),
        some(&["true", "/memfd:payload (deleted)", "x", "0"])
    );
    let mut s = login_tree();
    let create = s.syscall(200, nr("memfd_create"), 4, &[0, 0], &[(0, b"")]);
    s.feed(create);
    let exec = s.event(
        200,
        200,
        "4",
        EventDetail::Exec {
            filename: "/proc/self/fd/4".into(),
            old_tid: 200,
            tty: None,
            loginuid: None,
        },
    );
    assert_eq!(
        s.eval(exec, &["proc.is_exe_from_memfd", "proc.args"]),
        some(&["true", ""])
    );
    let exec = s_exec(&mut s, 200, "ls");
    assert_eq!(
        s.eval(exec, &["proc.is_exe_from_memfd", "proc.exepath"]),
        some(&["false", "/usr/bin/ls"])
    );
}

#[test]
fn container_from_cgroup_records_and_host_otherwise() {
    let mut s = login_tree();
    s.feed(CaptureRecord::Cgroup {
        id: 7,
        path: format!("/system.slice/docker-{DOCKER_ID}.scope"),
    });
    s.feed(CaptureRecord::Cgroup {
        id: 8,
        path: "/process_api/0123456789abcdef0123456789abcdef".into(),
    });
    let mut event = |cgroup_id| {
        let CaptureRecord::Event(mut e) = s.syscall(200, nr("getpid"), 200, &[], &[]) else {
            unreachable!()
        };
        e.cgroup_id = cgroup_id;
        CaptureRecord::Event(e)
    };
    let (in_docker, on_host) = (event(7), event(8));
    let names = [
        "container.id",
        "container.full_id",
        "container.type",
        "container.name",
        "container.image.repository",
        "k8s.ns.name",
    ];
    assert_eq!(
        s.eval(in_docker, &names),
        some(&[&DOCKER_ID[..12], DOCKER_ID, "docker", "-", "-", "-"])
    );
    assert_eq!(
        s.eval(on_host, &names),
        some(&["host", "host", "host", "host", "-", "-"])
    );
}

#[test]
fn user_names_come_from_the_containers_own_table() {
    let mut s = login_tree();
    s.feed(CaptureRecord::Users {
        container: None,
        db: Box::new(UserDb::parse(
            "root:x:0:0::/root:/bin/bash\nu:x:1000:1000::/home/u:/bin/zsh\n",
            "root:x:0:\nu:x:1000:\n",
        )),
    });
    s.feed(CaptureRecord::Users {
        container: Some(DOCKER_ID[..12].into()),
        db: Box::new(UserDb::parse("app:x:1000:1000::/app:/bin/sh\n", "")),
    });
    s.feed(CaptureRecord::Cgroup {
        id: 7,
        path: format!("/docker/{DOCKER_ID}"),
    });
    // A container whose table has not come (it is read beside the event
    // thread, may be dropped or evicted): its uid 1000 is not the host's.
    s.feed(CaptureRecord::Cgroup {
        id: 9,
        path: format!("/docker/{}", "cd".repeat(32)),
    });
    let mut event = |uid, cgroup_id| {
        let CaptureRecord::Event(mut e) = s.syscall(200, nr("getpid"), 200, &[], &[]) else {
            unreachable!()
        };
        e.uid = uid;
        e.gid = uid;
        e.cgroup_id = cgroup_id;
        CaptureRecord::Event(e)
    };
    let (host, container, untold) = (event(1000, 0), event(1000, 7), event(1000, 9));
    let names = [
        "user.uid",
        "user.name",
        "user.homedir",
        "user.shell",
        "group.gid",
        "group.name",
        "user.loginuid",
        "user.loginname",
    ];
    assert_eq!(
        s.eval(host, &names),
        some(&["1000", "u", "/home/u", "/bin/zsh", "1000", "u", "-1", "-"])
    );
    assert_eq!(
        s.eval(container, &names),
        some(&["1000", "app", "/app", "/bin/sh", "1000", "-", "-1", "-"])
    );
    assert_eq!(
        s.eval(untold, &names),
        some(&["1000", "-", "-", "-", "1000", "-", "-1", "-"]),
        "no table: names missing, not the host's"
    );
}

#[test]
fn a_fork_is_a_thread_or_a_process_by_its_first_event() {
    let mut s = login_tree();
    let fork = s.event(200, 200, "bash", EventDetail::Fork { child_tid: 201 });
    s.feed(fork);
    let thread = s.event(200, 201, "worker", syscall(nr("getpid"), 200, &[], &[]));
    assert_eq!(
        s.eval(
            thread,
            &[
                "proc.pid",
                "thread.tid",
                "thread.ismain",
                "proc.nthreads",
                "proc.name",
                "proc.ppid",
                "thread.vtid"
            ]
        ),
        some(&["200", "201", "false", "2", "worker", "100", "201"])
    );
    let fork = s.event(200, 201, "worker", EventDetail::Fork { child_tid: 202 });
    s.feed(fork);
    let child = s.event(202, 202, "bash", syscall(nr("getpid"), 202, &[], &[]));
    assert_eq!(
        s.eval(
            child,
            &[
                "proc.pid",
                "proc.ppid",
                "proc.pname",
                "proc.nthreads",
                "proc.cwd",
                "proc.vpid",
                "proc.tty",
                "proc.pid.ts"
            ]
        ),
        some(&[
            "202",
            "200",
            "bash",
            "1",
            "/home/u",
            "202",
            "34816",
            "1000003000"
        ])
    );
    // A clone into a new pid namespace makes the child its init.
    let fork = s.event(200, 200, "bash", EventDetail::Fork { child_tid: 210 });
    s.feed(fork);
    let clone = s.syscall(200, nr("clone"), 210, &[0x2000_0000 | 17], &[]);
    s.feed(clone);
    let init = s.event(210, 210, "sh", syscall(nr("getpid"), 1, &[], &[]));
    assert_eq!(
        s.eval(init, &["proc.vpid", "thread.vtid", "proc.ppid"]),
        some(&["1", "1", "200"])
    );
}

#[test]
fn exec_by_a_non_leader_thread_takes_over_the_process() {
    let mut s = login_tree();
    let mut java = process(
        500,
        200,
        "java",
        &["java", "-jar", "app.jar"],
        "/usr/bin/java",
    );
    java.threads = vec![
        ThreadIds {
            tid: 500,
            vtid: 500,
        },
        ThreadIds {
            tid: 501,
            vtid: 501,
        },
        ThreadIds {
            tid: 502,
            vtid: 502,
        },
    ];
    s.seed(java);
    let args = s.event(
        500,
        501,
        "java",
        EventDetail::ExecArgs {
            argv: vec!["sh".into(), "-i".into()],
            env: vec![],
        },
    );
    s.feed(args);
    let exec = s.event(
        500,
        500,
        "sh",
        EventDetail::Exec {
            filename: "/bin/sh".into(),
            old_tid: 501,
            tty: None,
            loginuid: None,
        },
    );
    assert_eq!(
        s.eval(
            exec,
            &[
                "proc.pid",
                "thread.tid",
                "proc.cmdline",
                "proc.nthreads",
                "proc.pname"
            ]
        ),
        some(&["500", "500", "sh -i", "1", "bash"])
    );
    assert!(s.state.process_of_thread(501).is_none());
    assert!(s.state.process_of_thread(502).is_none());
    assert_eq!(
        s.state.process_of_thread(500).map(|p| p.info.pid),
        Some(500)
    );
}

#[test]
fn exit_removes_threads_then_the_process() {
    let mut s = login_tree();
    let fork = s.event(200, 200, "bash", EventDetail::Fork { child_tid: 201 });
    s.feed(fork);
    let first = s.event(200, 201, "bash", syscall(nr("getpid"), 200, &[], &[]));
    s.feed(first);
    let thread_exit = s.event(200, 201, "bash", EventDetail::Exit);
    assert_eq!(
        s.eval(thread_exit, &["evt.type", "proc.nthreads", "evt.rawres"]),
        some(&["procexit", "1", "-"])
    );
    assert!(s.state.process(200).is_some());
    let exit = s.event(200, 200, "bash", EventDetail::Exit);
    assert_eq!(
        s.eval(
            exit,
            &["evt.type", "proc.name", "proc.pname", "proc.cmdline"]
        ),
        some(&["procexit", "bash", "sshd", "bash"])
    );
    assert!(s.state.process(200).is_none());
    assert!(s.state.process_of_thread(200).is_none());
}

#[test]
fn capabilities_render_as_names_and_follow_capset() {
    let mut s = login_tree();
    let mut info = process(600, 1, "agent", &["agent"], "/opt/agent");
    info.cap_effective = (1 << 16) | (1 << 21);
    info.cap_permitted = 1 << 16;
    s.seed(info);
    let event = s.syscall(600, nr("getpid"), 600, &[], &[]);
    assert_eq!(
        s.eval(
            event,
            &[
                "thread.cap_effective",
                "thread.cap_permitted",
                "thread.cap_inheritable"
            ]
        ),
        some(&["CAP_SYS_MODULE CAP_SYS_ADMIN", "CAP_SYS_MODULE", ""])
    );
    let data = [1u32, 1, 0, 0, 0, 0]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect::<Vec<_>>();
    let capset = s.syscall(600, nr("capset"), 0, &[0, 0], &[(1, &data)]);
    assert_eq!(
        s.eval(capset, &["thread.cap_effective", "thread.cap_permitted"]),
        some(&["CAP_CHOWN", "CAP_CHOWN"])
    );
    // Nothing is known about the capabilities of a process seen only in events.
    let stranger = s.syscall(4242, nr("getpid"), 4242, &[], &[]);
    assert_eq!(
        s.eval(
            stranger,
            &[
                "thread.cap_effective",
                "proc.name",
                "proc.pid",
                "proc.exepath",
                "proc.pname"
            ]
        ),
        some(&["-", "proc", "4242", "-", "-"])
    );
    assert_eq!(s.state.stats().unknown_processes, 1);
}

#[test]
fn privileged_containers_are_told_by_their_capabilities() {
    let mut s = Stream::new();
    let other = "aa".repeat(32);
    for (pid, id, bounding) in [
        (10, DOCKER_ID, (1u64 << 41) - 1),
        (11, DOCKER_ID, (1u64 << 41) - 1),
        (20, other.as_str(), 0xa80425fb),
    ] {
        let mut info = process(pid, 1, "sh", &["sh"], "/bin/sh");
        info.container = crate::state::container_of(&format!("/docker/{id}"));
        info.cap_bounding = Some(bounding);
        s.seed(info);
    }
    let privileged = s.syscall(10, nr("getpid"), 10, &[], &[]);
    assert_eq!(
        s.eval(privileged, &["container.privileged"]),
        some(&["true"])
    );
    let ordinary = s.syscall(20, nr("getpid"), 20, &[], &[]);
    assert_eq!(
        s.eval(ordinary, &["container.privileged"]),
        some(&["false"])
    );
    s.seed(process(30, 1, "sh", &["sh"], "/bin/sh"));
    let host = s.syscall(30, nr("getpid"), 30, &[], &[]);
    assert_eq!(s.eval(host, &["container.privileged"]), some(&["-"]));
}

#[test]
fn tables_stay_within_their_limits() {
    let mut s = Stream::with_limits(Limits {
        max_processes: 3,
        max_fds_per_process: 4,
        max_pending: 2,
    });
    for pid in 1..=10 {
        s.seed(process(pid, 0, "p", &["p"], "/p"));
    }
    assert_eq!(s.state.process_count(), 3);
    assert_eq!(s.state.stats().evicted_processes, 7);
    assert!(s.state.process(10).is_some() && s.state.process(1).is_none());
    for fd in 0..10 {
        let open = s.syscall(10, nr("open"), fd, &[0, 0], &[(0, b"/tmp/f")]);
        s.feed(open);
    }
    assert_eq!(s.state.process(10).unwrap().fds.len(), 4);
    assert_eq!(s.state.stats().evicted_fds, 6);
    for child in 100..110 {
        let fork = s.event(10, 10, "p", EventDetail::Fork { child_tid: child });
        s.feed(fork);
    }
    assert!(s.state.pending_forks.len() <= 2);
    // Many unknown pids never grow the table past its limit.
    for pid in 1000..1100 {
        let e = s.syscall(pid, nr("getpid"), 0, &[], &[]);
        s.feed(e);
    }
    assert_eq!(s.state.process_count(), 3);
}

#[test]
fn cgroup_and_container_tables_stay_bounded_under_churn() {
    use crate::state::bounded::DEFAULT_CAPACITY;
    let mut s = login_tree();
    s.feed(CaptureRecord::Cgroup {
        id: 7,
        path: format!("/docker/{DOCKER_ID}"),
    });
    let churn = 3 * DEFAULT_CAPACITY as u64;
    for n in 0..churn {
        // A container's events keep arriving while cgroups and containers
        // come and go by the thousand.
        let mut e = s.syscall(200, nr("getpid"), 200, &[], &[]);
        if let CaptureRecord::Event(event) = &mut e {
            event.cgroup_id = 7;
        }
        s.feed(e);
        let id = format!("{n:012x}");
        s.feed(CaptureRecord::Cgroup {
            id: 1000 + n,
            path: format!("/docker/{id}{}", &DOCKER_ID[12..]),
        });
        s.feed(CaptureRecord::Users {
            container: Some(id.clone()),
            db: Box::new(UserDb::parse("app:x:1000:1000::/app:/bin/sh\n", "")),
        });
        s.feed(CaptureRecord::ContainerInfo(ContainerInfo {
            id,
            ..ContainerInfo::default()
        }));
    }
    assert!(s.state.cgroups.len() <= DEFAULT_CAPACITY);
    assert!(s.state.container_users.len() <= DEFAULT_CAPACITY);
    assert!(s.state.container_info.len() <= DEFAULT_CAPACITY);
    assert_eq!(
        s.state.cgroups.get(&7).map(|c| c.id.as_str()),
        Some(&DOCKER_ID[..12]),
        "the container in use kept its cgroup"
    );
}

#[test]
fn malformed_and_unusual_records_never_panic() {
    let mut s = login_tree();
    let long = vec![0xffu8; 5000];
    let records = vec![
        s.syscall(
            200,
            99_999,
            i64::MIN,
            &[u64::MAX; 6],
            &[(0, &long), (5, b"")],
        ),
        s.syscall(200, nr("connect"), 0, &[u64::MAX], &[(1, b"\x02")]),
        s.syscall(200, nr("accept"), 7, &[12345], &[(1, b"\x0a\x00")]),
        s.syscall(200, nr("pipe"), 0, &[0], &[(0, b"\x01")]),
        s.syscall(200, nr("clone3"), 77, &[0], &[(0, b"\x00")]),
        s.syscall(200, nr("capset"), 0, &[0, 0], &[(1, b"\x01\x02")]),
        s.syscall(
            200,
            nr("openat2"),
            3,
            &[AT_FDCWD],
            &[(1, b"rel"), (2, b"short")],
        ),
        s.syscall(200, nr("openat"), 3, &[77], &[(1, &long)]),
        s.syscall(200, nr("dup2"), 9, &[123, 9], &[]),
        s.syscall(200, nr("fcntl"), 9, &[3, 1030], &[]),
        s.syscall(200, nr("chdir"), 0, &[], &[]),
        s.syscall(200, nr("fchdir"), 0, &[999], &[]),
        s.syscall(200, nr("setpgid"), 0, &[0, u64::MAX], &[]),
        s.syscall(
            200,
            nr("renameat2"),
            0,
            &[AT_FDCWD, 0, 55],
            &[(1, b"a"), (3, b"../../b")],
        ),
        s.event(
            9,
            9,
            "",
            EventDetail::Exec {
                filename: String::new(),
                old_tid: 77,
                tty: None,
                loginuid: None,
            },
        ),
        s.event(9, 10, "", EventDetail::Exit),
        s.event(0, 0, "", EventDetail::Exit),
        s.event(
            u32::MAX,
            1,
            "x",
            EventDetail::Fork {
                child_tid: u32::MAX,
            },
        ),
        s.event(
            u32::MAX,
            u32::MAX,
            "x",
            EventDetail::Exec {
                filename: "/proc/x/fd/y".into(),
                old_tid: 1,
                tty: None,
                loginuid: None,
            },
        ),
        CaptureRecord::Cgroup {
            id: 0,
            path: "\u{0}::::".into(),
        },
        CaptureRecord::Users {
            container: Some(String::new()),
            db: Box::default(),
        },
    ];
    for record in &records {
        if let Some(view) = s.state.apply(record) {
            for index in 0..FIELDS.len() + 2 {
                for (arg, idx) in [
                    (None, None),
                    (Some("0"), Some(0)),
                    (Some("HOME"), Some(u64::MAX)),
                ] {
                    let _ = view.extract(index, arg, idx);
                }
            }
        }
    }
    let rename = s.syscall(
        200,
        nr("renameat"),
        0,
        &[AT_FDCWD, 0, AT_FDCWD],
        &[(1, b"a"), (3, b"../b")],
    );
    assert_eq!(
        s.eval(
            rename,
            &[
                "evt.abspath.src",
                "evt.abspath.dst",
                "fs.path.sourceraw",
                "fs.path.target",
                "evt.abspath"
            ]
        ),
        some(&["/home/u/a", "/home/b", "a", "/home/b", "-"])
    );
}

/// `evt.abspath*` of the `*at` calls: the relative path joined to its
/// directory descriptor, or to the working directory for `AT_FDCWD`.
#[test]
fn abspath_joins_at_calls_to_their_directory() {
    let mut s = login_tree();
    let dir = s.syscall(200, nr("open"), 5, &[0, 0o200_000], &[(0, b"/var/lib")]);
    s.feed(dir);
    let abspath = ["evt.abspath", "evt.abspath.src", "evt.abspath.dst"];
    let unlinkat = s.syscall(200, nr("unlinkat"), 0, &[5, 0, 0x200], &[(1, b"old")]);
    assert_eq!(
        s.eval(unlinkat, &abspath),
        some(&["/var/lib/old", "-", "-"])
    );
    let mkdirat = s.syscall(200, nr("mkdirat"), 0, &[AT_FDCWD, 0, 0o700], &[(1, b"d")]);
    assert_eq!(s.eval(mkdirat, &abspath), some(&["/home/u/d", "-", "-"]));
    let linkat = s.syscall(
        200,
        nr("linkat"),
        0,
        &[AT_FDCWD, 0, 5, 0, 0x400],
        &[(1, b"/etc/shadow"), (3, b"x")],
    );
    assert_eq!(
        s.eval(linkat, &abspath),
        some(&["-", "/etc/shadow", "/var/lib/x"])
    );
    let renameat2 = s.syscall(
        200,
        nr("renameat2"),
        0,
        &[AT_FDCWD, 0, AT_FDCWD, 0, 1],
        &[(1, b".bash_history"), (3, b"/tmp/h")],
    );
    assert_eq!(
        s.eval(renameat2, &abspath),
        some(&["-", "/home/u/.bash_history", "/tmp/h"])
    );
    let symlinkat = s.syscall(
        200,
        nr("symlinkat"),
        0,
        &[0, AT_FDCWD, 0],
        &[(0, b"../shadow"), (2, b"s")],
    );
    assert_eq!(
        s.eval(symlinkat, &abspath),
        some(&["-", "../shadow", "/home/u/s"])
    );
}

#[test]
fn every_field_the_rules_use_is_declared_and_extracted() {
    // The syscall fields of falco_rules.yaml, falco-incubating_rules.yaml and
    // falco-sandbox_rules.yaml (the host provides evt.num).
    const FROM_RULES: &[&str] = &[
        "container.id",
        "container.privileged",
        "evt.is_open_read",
        "evt.is_open_write",
        "evt.is_open_exec",
        "evt.rawres",
        "evt.res",
        "evt.type",
        "evt.buffer",
        "fd.cip",
        "fd.cip.name",
        "fd.cnet",
        "fd.connected",
        "fd.directory",
        "fd.filename",
        "fd.ip",
        "fd.l4proto",
        "fd.lip.name",
        "fd.lport",
        "fd.name",
        "fd.name_changed",
        "fd.nameraw",
        "fd.net",
        "fd.num",
        "fd.port",
        "fd.rip",
        "fd.rip.name",
        "fd.rnet",
        "fd.rport",
        "fd.sip",
        "fd.sip.name",
        "fd.snet",
        "fd.sockfamily",
        "fd.sport",
        "fd.type",
        "fd.typechar",
        "group.gid",
        "group.name",
        "proc.aexepath",
        "proc.aexe",
        "proc.aname",
        "proc.args",
        "proc.cmdline",
        "proc.cwd",
        "proc.duration",
        "proc.env",
        "proc.exe",
        "proc.exe_ino.ctime",
        "proc.exe_ino.ctime_duration_proc_start",
        "proc.exe_ino.mtime",
        "proc.exepath",
        "proc.is_exe_from_memfd",
        "proc.is_exe_upper_layer",
        "proc.is_vpgid_leader",
        "proc.name",
        "proc.pcmdline",
        "proc.pexe",
        "proc.pexepath",
        "proc.pname",
        "proc.sname",
        "proc.tty",
        "proc.vpid",
        "thread.cap_effective",
        "thread.cap_permitted",
        "user.loginname",
        "user.loginuid",
        "user.name",
        "user.uid",
        "evt.arg",
        "evt.args",
    ];
    // Filled from the container runtimes' files when a ContainerInfo record
    // describes the container.
    const FROM_RUNTIMES: &[&str] = &[
        "container.image.repository",
        "container.start_ts",
        "container.mounts",
        "container.mount.dest",
        "k8s.ns.name",
        "k8s.pod.name",
    ];
    let names_without_dns = ["fd.cip.name", "fd.lip.name", "fd.rip.name", "fd.sip.name"];
    for name in FROM_RULES.iter().chain(FROM_RUNTIMES) {
        assert!(
            FIELDS.iter().any(|f| f.name == *name),
            "{name} is not declared"
        );
    }
    for name in FROM_RULES
        .iter()
        .chain(FROM_RUNTIMES)
        .filter(|n| !names_without_dns.contains(n))
    {
        assert_ne!(
            kind_of(name),
            FieldKind::Unavailable,
            "{name} has no extraction"
        );
    }
    // Every extraction belongs to a declared field (no typo in kind_of).
    let declared: std::collections::HashSet<_> = KINDS.iter().collect();
    for name in [
        "proc.pid",
        "fd.types",
        "fs.path.targetraw",
        "evt.abspath.dst",
        "container.type",
    ] {
        assert!(declared.contains(&kind_of(name)), "{name}");
    }
    assert_eq!(kind_at(usize::MAX), FieldKind::Unavailable);
}

#[test]
fn arguments_render_through_params_with_this_events_state() {
    let mut s = login_tree();
    let open = s.syscall(200, nr("open"), -2, &[0, 0], &[(0, b"/nope")]);
    assert_eq!(
        s.eval(
            open,
            &["evt.arg[flags]", "evt.args", "evt.rawarg[flags]", "evt.res"]
        ),
        some(&[
            "O_RDONLY",
            "fd=-2(ENOENT) name=/nope flags=1(O_RDONLY) mode=0",
            "1",
            "ENOENT"
        ])
    );
    // An errno Linux does not name has no evt.res; the number is in evt.rawres.
    let unnamed = s.syscall(200, nr("open"), -4000, &[0, 0], &[(0, b"/x")]);
    assert_eq!(
        s.eval(unnamed, &["evt.res", "evt.rawres", "evt.failed"]),
        some(&["-", "-4000", "true"])
    );
    // A descriptor argument shows the file the state tables know it as.
    let opened = s.syscall(200, nr("open"), 5, &[0, 0], &[(0, b"/etc/shadow")]);
    s.feed(opened);
    let close = s.syscall(200, nr("close"), 0, &[5], &[]);
    assert_eq!(
        s.eval(close, &["evt.arg[fd]", "evt.args"]),
        some(&["<f>/etc/shadow", "res=0 fd=5(<f>/etc/shadow)"])
    );
}

#[test]
fn working_directory_ids_and_sessions_follow_syscalls() {
    let mut s = login_tree();
    let chdir = s.syscall(200, nr("chdir"), 0, &[], &[(0, b"../../tmp")]);
    assert_eq!(s.eval(chdir, &["proc.cwd"]), some(&["/tmp"]));
    let open = s.syscall(200, nr("open"), 3, &[0, 0o200_000], &[(0, b"/var/log")]);
    s.feed(open);
    let fchdir = s.syscall(200, nr("fchdir"), 0, &[3], &[]);
    assert_eq!(
        s.eval(fchdir, &["proc.cwd", "fd.name"]),
        some(&["/var/log", "/var/log"])
    );
    let fcntl = s.syscall(200, nr("fcntl"), 7, &[3, 1030], &[]);
    assert_eq!(s.eval(fcntl, &["fd.num", "evt.rawres"]), some(&["3", "7"]));
    let read = s.syscall(200, nr("getdents64"), 0, &[7], &[]);
    assert_eq!(
        s.eval(read, &["fd.name", "fd.types"]),
        some(&["/var/log", "directory"])
    );
    let setuid = s.syscall(200, nr("setresuid"), 0, &[u64::from(u32::MAX), 33, 33], &[]);
    assert_eq!(s.eval(setuid, &["user.uid"]), some(&["33"]));
    let fork = s.event(200, 200, "bash", EventDetail::Fork { child_tid: 250 });
    s.feed(fork);
    let setsid = s.event(250, 250, "daemon", syscall(nr("setsid"), 250, &[], &[]));
    assert_eq!(
        s.eval(
            setsid,
            &[
                "proc.sid",
                "proc.is_sid_leader",
                "proc.sname",
                "proc.is_vpgid_leader",
                "proc.pgid",
                "user.uid"
            ]
        ),
        some(&["250", "true", "daemon", "true", "250", "33"])
    );
    let stdin = s.event(250, 250, "daemon", syscall(nr("getpid"), 250, &[], &[]));
    assert_eq!(
        s.eval(stdin, &["proc.stdin.type", "proc.fdopencount"]),
        some(&["-", "2"])
    );
}

mod enrichment;

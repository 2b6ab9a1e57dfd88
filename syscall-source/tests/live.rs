//! Root tests of the live stream against the real kernel: the records it
//! adds to the probe's events. They fail (never skip) when not run as root.
//!
//! The probe ignores the reader's own process, so the socket calls under
//! test happen in forked children that only make raw syscalls (no
//! allocation after the fork); each child keeps its socket open, blocked on
//! a pipe, until the test has seen what it needs, since the live stream
//! reads the socket from `/proc` while the process still has it.

mod common;

use common::{reap, require_root, spawn};
use lanner_syscall_source::{
    CaptureRecord, EventDetail, ProbeConfig, SyscallEvent, live::LiveSource, state::Endpoint,
    syscalls,
};
use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream},
    time::{Duration, Instant},
};

/// The probe configuration reporting exits of `names`, with small rings
/// (tests run in parallel), after checking the tests run as root.
fn probe_config(names: &[&str]) -> ProbeConfig {
    require_root();
    common::probe_config(names, 1 << 20)
}

fn start_live(names: &[&str]) -> LiveSource {
    LiveSource::start(&probe_config(names)).expect("the live source starts")
}

/// A pipe whose read end a child blocks on until the test writes to it.
struct Gate {
    read: i32,
    write: i32,
}

impl Gate {
    fn new() -> Self {
        let mut fds = [-1i32; 2];
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        Self {
            read: fds[0],
            write: fds[1],
        }
    }

    /// In the child: waits until the test opens the gate.
    fn wait(&self) {
        let mut byte = 0u8;
        unsafe { libc::read(self.read, (&mut byte as *mut u8).cast(), 1) };
    }

    fn open(&self) {
        assert_eq!(
            unsafe { libc::write(self.write, [1u8].as_ptr().cast(), 1) },
            1
        );
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        unsafe {
            libc::close(self.read);
            libc::close(self.write);
        }
    }
}

fn sockaddr_in(addr: SocketAddr) -> libc::sockaddr_in {
    let IpAddr::V4(ip) = addr.ip() else {
        panic!("IPv4 only");
    };
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: addr.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_be_bytes(ip.octets()).to_be(),
        },
        sin_zero: [0; 8],
    }
}

/// Reads records until one matches `wanted` or 10 s pass; returns every
/// record so far and the index of the match.
fn records_until(
    live: &mut LiveSource,
    what: &str,
    wanted: impl Fn(&CaptureRecord) -> bool,
) -> (Vec<CaptureRecord>, usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut records = Vec::new();
    while Instant::now() < deadline {
        let from = records.len();
        live.next_batch(Duration::from_millis(100), &mut records)
            .unwrap();
        if let Some(found) = records[from..].iter().position(&wanted) {
            return (records, from + found);
        }
    }
    panic!("no {what} within 10 s");
}

fn is_syscall(record: &CaptureRecord, pid: libc::pid_t, name: &str) -> bool {
    let nr = syscalls::number(name).unwrap();
    matches!(record, CaptureRecord::Event(SyscallEvent { pid: p, detail: EventDetail::Syscall(exit), .. })
        if *p == pid as u32 && exit.nr == nr)
}

fn endpoint(addr: SocketAddr) -> Endpoint {
    Endpoint {
        ip: addr.ip(),
        port: addr.port(),
    }
}

#[test]
fn a_connect_is_preceded_by_its_sockets_real_local_end() {
    let mut live = start_live(&["connect", "socket"]);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = listener.local_addr().unwrap();
    let target = sockaddr_in(server);
    let gate = Gate::new();
    let child = spawn(|| unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        let rc = libc::connect(
            fd,
            (&target as *const libc::sockaddr_in).cast(),
            size_of::<libc::sockaddr_in>() as libc::socklen_t,
        );
        gate.wait();
        if rc == 0 { fd } else { 255 }
    });
    // The peer the listener sees is the child's local end.
    let (_accepted, child_end) = listener.accept().unwrap();
    let (records, at) = records_until(&mut live, "the child's connect", |r| {
        is_syscall(r, child, "connect")
    });
    gate.open();
    let fd = reap(child);
    assert!((3..255).contains(&fd), "the child's connect failed");
    let expected = CaptureRecord::Socket {
        pid: child as u32,
        fd: i64::from(fd),
        l4proto: Some(lanner_syscall_source::state::L4Proto::Tcp),
        local: endpoint(child_end),
        remote: Some(endpoint(server)),
    };
    assert_eq!(
        records.get(at.wrapping_sub(1)),
        Some(&expected),
        "the record right before the connect"
    );
    // Replayed, the connect names both ends.
    let mut state = lanner_syscall_source::state::SystemState::new();
    let mut name = None;
    for (index, record) in records[..=at].iter().enumerate() {
        if let Some(view) = state.apply(record)
            && index == at
        {
            name = view.fd().map(|fd| fd.name.clone());
        }
    }
    assert_eq!(name, Some(format!("{child_end}->{server}")));
}

#[test]
fn an_accept_without_an_address_buffer_gets_its_peer() {
    let mut live = start_live(&["accept", "accept4", "listen"]);
    // Bound by the test, so its port is known before the fork; the child
    // inherits it and does the listen and accept.
    let socket = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
    assert!(socket >= 0);
    let probe = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = probe.local_addr().unwrap();
    drop(probe);
    let address = sockaddr_in(server);
    assert_eq!(
        unsafe {
            libc::bind(
                socket,
                (&address as *const libc::sockaddr_in).cast(),
                size_of::<libc::sockaddr_in>() as libc::socklen_t,
            )
        },
        0,
        "bind {server}"
    );
    let gate = Gate::new();
    let child = spawn(|| unsafe {
        if libc::listen(socket, 4) != 0 {
            return 254;
        }
        let fd = libc::accept(socket, std::ptr::null_mut(), std::ptr::null_mut());
        gate.wait();
        if fd >= 0 { fd } else { 255 }
    });
    unsafe { libc::close(socket) };
    // Connect once the child listens (the test's own calls are not traced).
    let deadline = Instant::now() + Duration::from_secs(10);
    let client = loop {
        match TcpStream::connect(server) {
            Ok(stream) => break stream,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(err) => panic!("connect to the child: {err}"),
        }
    };
    let client_end = client.local_addr().unwrap();
    let (records, at) = records_until(&mut live, "the child's accept", |r| {
        is_syscall(r, child, "accept") || is_syscall(r, child, "accept4")
    });
    let listen = records
        .iter()
        .position(|r| is_syscall(r, child, "listen"))
        .expect("the listen event");
    gate.open();
    let fd = reap(child);
    assert!((3..254).contains(&fd), "the child's accept failed ({fd})");
    let tcp = Some(lanner_syscall_source::state::L4Proto::Tcp);
    assert_eq!(
        records.get(listen.wrapping_sub(1)),
        Some(&CaptureRecord::Socket {
            pid: child as u32,
            fd: i64::from(socket),
            l4proto: tcp,
            local: endpoint(server),
            remote: None,
        }),
        "the record right before the listen"
    );
    assert_eq!(
        records.get(at.wrapping_sub(1)),
        Some(&CaptureRecord::Socket {
            pid: child as u32,
            fd: i64::from(fd),
            l4proto: tcp,
            local: endpoint(server),
            remote: Some(endpoint(client_end)),
        }),
        "the record right before the accept"
    );
    assert_eq!(
        client_end.ip(),
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        "a loopback peer"
    );
}

/// Runs `action` in a cgroup v2 directory named the way Docker names a
/// container's (`docker-<id>.scope`), so the live stream takes it for one.
struct FakeDockerCgroup {
    parent: std::path::PathBuf,
    dir: std::path::PathBuf,
}

impl FakeDockerCgroup {
    fn new(full_id: &str) -> Self {
        let parent = cgroup2_root().join(format!("lanner-live-test-{}", std::process::id()));
        let dir = parent.join(format!("docker-{full_id}.scope"));
        std::fs::create_dir_all(&dir).unwrap();
        Self { parent, dir }
    }

    fn adopt(&self, pid: libc::pid_t) {
        std::fs::write(self.dir.join("cgroup.procs"), pid.to_string()).unwrap();
    }
}

impl Drop for FakeDockerCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
        let _ = std::fs::remove_dir(&self.parent);
    }
}

#[test]
fn a_new_container_is_described_from_its_runtimes_files() {
    let full_id = format!("{:064x}", u64::from(std::process::id()) << 20 | 0xd0c);
    let fixtures = std::env::temp_dir().join(format!("lanner-live-docker-{}", std::process::id()));
    let record_dir = fixtures.join("containers").join(&full_id);
    std::fs::create_dir_all(&record_dir).unwrap();
    std::fs::write(
        record_dir.join("config.v2.json"),
        r#"{"Name": "/web", "Config": {"Image": "nginx:1.25"},
            "MountPoints": {"/host/proc": {"Source": "/proc", "Destination": "/host/proc", "RW": false}}}"#,
    )
    .unwrap();
    std::fs::write(
        record_dir.join("hostconfig.json"),
        r#"{"Privileged": true}"#,
    )
    .unwrap();
    let roots = lanner_syscall_source::live::RuntimeRoots {
        docker: fixtures.clone(),
        ..Default::default()
    };
    let config = probe_config(&["getppid"]);
    let mut live = LiveSource::start_with_runtimes(&config, roots).expect("the live source starts");
    let cgroup = FakeDockerCgroup::new(&full_id);
    let gate = Gate::new();
    let child = spawn(|| unsafe {
        gate.wait();
        libc::syscall(libc::SYS_getppid);
        0
    });
    cgroup.adopt(child);
    gate.open();
    let (mut records, at) = records_until(&mut live, "the child's getppid", |r| {
        is_syscall(r, child, "getppid")
    });
    // The description is read beside the event thread: it normally comes
    // before the event, but may follow it on a loaded machine.
    let is_info = |r: &CaptureRecord| matches!(r, CaptureRecord::ContainerInfo(_));
    if !records.iter().any(is_info) {
        let (later, _) = records_until(&mut live, "the container's description", is_info);
        records.extend(later);
    }
    assert_eq!(reap(child), 0);
    drop(cgroup);
    std::fs::remove_dir_all(&fixtures).unwrap();
    let info = records
        .iter()
        .find_map(|r| match r {
            CaptureRecord::ContainerInfo(info) => Some(info.clone()),
            _ => None,
        })
        .expect("a ContainerInfo record");
    // Replay everything, then the event again: the state has the container
    // however the records were ordered.
    records.push(records[at].clone());
    let at = records.len() - 1;
    assert_eq!(info.id, &full_id[..12]);
    assert_eq!(info.name.as_deref(), Some("web"));
    assert_eq!(info.privileged, Some(true));
    // Replayed, the event is in the container the files describe.
    let mut state = lanner_syscall_source::state::SystemState::new();
    let field = |name: &str| {
        lanner_syscall_source::fields::FIELDS
            .iter()
            .position(|f| f.name == name)
            .unwrap()
    };
    let mut values = Vec::new();
    for (index, record) in records[..=at].iter().enumerate() {
        if let Some(view) = state.apply(record)
            && index == at
        {
            for (name, arg) in [
                ("container.id", None),
                ("container.name", None),
                ("container.image.tag", None),
                ("container.privileged", None),
                ("container.mount.dest", Some("/proc*")),
            ] {
                values.push(
                    view.extract(field(name), arg, None)
                        .map(|v| format!("{v:?}")),
                );
            }
        }
    }
    let text = |t: &str| Some(format!("Str({t:?})"));
    assert_eq!(
        values,
        [
            text(&full_id[..12]),
            text("web"),
            text("1.25"),
            Some("Bool(true)".to_string()),
            text("/host/proc"),
        ]
    );
}

/// The cgroup v2 mount point.
fn cgroup2_root() -> std::path::PathBuf {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    mountinfo
        .lines()
        .find_map(|line| {
            let (before, after) = line.split_once(" - ")?;
            (after.split_whitespace().next()? == "cgroup2").then(|| {
                before
                    .split_whitespace()
                    .nth(4)
                    .map(std::path::PathBuf::from)
            })?
        })
        .expect("a cgroup2 mount")
}

/// How many cgroups the churn tests make and remove.
const CHURN: usize = 10_000;

#[test]
fn ten_thousand_cgroups_are_named_by_id_and_forgotten_within_capacity() {
    use lanner_syscall_source::live::cgroups::{ANNOUNCED_CAPACITY, CgroupPaths, Lookup};
    use std::os::unix::fs::MetadataExt;
    require_root();
    let root = cgroup2_root();
    let parent = root.join(format!("lanner-names-{}", std::process::id()));
    std::fs::create_dir_all(&parent).unwrap();
    let mut paths = CgroupPaths::discover();
    let mut first_removed = None;
    for i in 0..CHURN {
        let dir = parent.join(format!("c{i}"));
        std::fs::create_dir(&dir).unwrap();
        let id = std::fs::metadata(&dir).unwrap().ino();
        let lookup = paths.first_sight(id);
        std::fs::remove_dir(&dir).unwrap();
        let expected = format!("/{}", dir.strip_prefix(&root).unwrap().display());
        assert_eq!(lookup, Some(Lookup::Path(expected)), "cgroup {i}");
        assert!(
            paths.remembered() <= ANNOUNCED_CAPACITY,
            "{} ids remembered after {i} cgroups",
            paths.remembered()
        );
        first_removed.get_or_insert(id);
    }
    std::fs::remove_dir(&parent).unwrap();
    // The first one was pruned (it was removed): seen again, it is gone.
    assert_eq!(
        paths.first_sight(first_removed.unwrap()),
        Some(Lookup::Gone)
    );
}

#[test]
fn cgroup_churn_leaves_the_live_streams_memory_bounded() {
    use lanner_syscall_source::live::{CONTAINERS_CAPACITY, cgroups::ANNOUNCED_CAPACITY};
    use std::{collections::HashSet, ffi::CString};
    require_root();
    // Rings large enough for every event of the churn, however slowly
    // this test reads them.
    let config = common::probe_config(&["getppid"], 1 << 23);
    let mut live = LiveSource::start(&config).expect("the live source starts");
    let parent = cgroup2_root().join(format!("lanner-churn-{}", std::process::id()));
    std::fs::create_dir_all(&parent).unwrap();
    let c = |p: std::path::PathBuf| CString::new(p.into_os_string().into_encoded_bytes()).unwrap();
    let dirs: Vec<CString> = (0..CHURN)
        .map(|i| c(parent.join(format!("c{i}"))))
        .collect();
    let procs: Vec<CString> = (0..CHURN)
        .map(|i| c(parent.join(format!("c{i}")).join("cgroup.procs")))
        .collect();
    let back = c(parent.join("cgroup.procs"));
    // In each cgroup in turn: enter, make a syscall the probe reports,
    // leave, remove.
    let child = spawn(|| unsafe {
        let enter = |procs: &CString| {
            let fd = libc::open(procs.as_ptr(), libc::O_WRONLY);
            let ok = fd >= 0 && libc::write(fd, b"0".as_ptr().cast(), 1) == 1;
            libc::close(fd);
            ok
        };
        for i in 0..CHURN {
            if libc::mkdir(dirs[i].as_ptr(), 0o755) != 0 || !enter(&procs[i]) {
                return 1;
            }
            libc::syscall(libc::SYS_getppid);
            if !enter(&back) || libc::rmdir(dirs[i].as_ptr()) != 0 {
                return 2;
            }
        }
        0
    });
    let mut named = HashSet::new();
    let mut peak = 0;
    let mut events = 0usize;
    let mut records = Vec::new();
    let mut status = None;
    let deadline = Instant::now() + Duration::from_secs(600);
    // Read while the child churns, and until its events stop coming.
    let mut idle = 0;
    while idle < 10 {
        assert!(Instant::now() < deadline, "the churn did not end");
        records.clear();
        live.next_batch(Duration::from_millis(100), &mut records)
            .unwrap();
        for record in &records {
            match record {
                CaptureRecord::Cgroup { id, .. } => {
                    named.insert(*id);
                }
                record if is_syscall(record, child, "getppid") => events += 1,
                _ => {}
            }
        }
        let remembered = live.remembered();
        peak = peak.max(remembered.cgroups);
        assert!(remembered.cgroups <= ANNOUNCED_CAPACITY, "{remembered:?}");
        assert!(
            remembered.containers <= CONTAINERS_CAPACITY,
            "{remembered:?}"
        );
        if status.is_none() {
            let mut raw = 0;
            if unsafe { libc::waitpid(child, &mut raw, libc::WNOHANG) } == child {
                status = Some(raw);
            }
        } else if records.is_empty() {
            idle += 1;
        }
    }
    let _ = std::fs::remove_dir(&parent);
    let raw = status.unwrap();
    assert!(
        libc::WIFEXITED(raw) && libc::WEXITSTATUS(raw) == 0,
        "the churn failed ({raw})"
    );
    let stats = live.stats().unwrap();
    assert_eq!(events, CHURN, "every cgroup's event was read ({stats:?})");
    // Every cgroup was looked up (most were removed before their event was
    // read, and are not named): enough to fill what is remembered, never
    // more.
    assert!(
        peak >= ANNOUNCED_CAPACITY / 4 * 3,
        "only {peak} cgroups remembered at most ({} named)",
        named.len()
    );
}

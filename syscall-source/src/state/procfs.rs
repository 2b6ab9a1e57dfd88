//! A snapshot of the processes already running when the source starts, read
//! from `/proc`: the seed of the process table that events then keep current.

use super::container::{Container, container_of};
use super::fd::{FdInfo, FdKind};
use super::netfs::SocketTables;
use crate::decode::BootClock;
use crate::untrusted::{Dir, UntrustedReadError, read_bounded, stat_cached};
use std::{
    collections::HashMap,
    io,
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
    rc::Rc,
    sync::OnceLock,
};

/// At most this many descriptors of one process are read from `/proc/PID/fd`.
pub const MAX_SNAPSHOT_FDS: usize = 1024;

/// A thread of a process, by its id on the host and in its own pid namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ThreadIds {
    /// Thread id as the host sees it.
    pub tid: u32,
    /// Thread id in the thread's own pid namespace.
    pub vtid: u32,
}

/// What `/proc/PID` says about one process.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessInfo {
    /// Process id (thread-group id).
    pub pid: u32,
    /// Parent's pid (0 for the kernel's own).
    pub ppid: u32,
    /// Session id.
    pub sid: u32,
    /// Command name as the kernel keeps it (at most 15 bytes).
    pub comm: String,
    /// The executable (`/proc/PID/exe`), empty for kernel threads or when unreadable.
    pub exe_path: String,
    /// `argv`, from `/proc/PID/cmdline`.
    pub args: Vec<String>,
    /// Working directory, empty when unreadable.
    pub cwd: String,
    /// Real user id.
    pub uid: u32,
    /// Effective user id.
    pub euid: u32,
    /// Real group id.
    pub gid: u32,
    /// Login uid (`u32::MAX` when unset).
    pub loginuid: u32,
    /// Controlling terminal device number (0: none).
    pub tty: u32,
    /// Its container, from its cgroups.
    pub container: Container,
    /// Process group id (host view).
    #[serde(default)]
    pub pgid: u32,
    /// Process id in the process's own pid namespace (innermost `NStgid`).
    #[serde(default)]
    pub vpid: Option<u32>,
    /// Process group id in the process's own pid namespace (innermost `NSpgid`).
    #[serde(default)]
    pub vpgid: Option<u32>,
    /// Effective group id.
    #[serde(default)]
    pub egid: u32,
    /// Its threads, the main one included.
    #[serde(default)]
    pub threads: Vec<ThreadIds>,
    /// Effective capability set (`CapEff`), one bit per capability.
    #[serde(default)]
    pub cap_effective: u64,
    /// Permitted capability set (`CapPrm`).
    #[serde(default)]
    pub cap_permitted: u64,
    /// Inheritable capability set (`CapInh`).
    #[serde(default)]
    pub cap_inheritable: u64,
    /// Bounding capability set (`CapBnd`), when known: full in privileged
    /// containers, reduced in ordinary ones.
    #[serde(default)]
    pub cap_bounding: Option<u64>,
    /// The capability sets above were read or set (a process known only
    /// from an event header has unknown capabilities, not empty ones).
    #[serde(default)]
    pub caps_known: bool,
    /// Environment, `NAME=value` entries from `/proc/PID/environ`.
    #[serde(default)]
    pub env: Vec<String>,
    /// Inode number of the executable.
    #[serde(default)]
    pub exe_ino: Option<u64>,
    /// Last status change of the executable's inode, ns since the epoch.
    #[serde(default)]
    pub exe_ctime_ns: Option<u64>,
    /// Last modification of the executable, ns since the epoch.
    #[serde(default)]
    pub exe_mtime_ns: Option<u64>,
    /// The executable is an anonymous memory file (`/memfd:NAME (deleted)`).
    #[serde(default)]
    pub exe_from_memfd: bool,
    /// Whether the executable lives on an overlay filesystem's upper layer;
    /// `None` when not decided (the snapshot does not inspect overlay layers).
    #[serde(default)]
    pub exe_upper_layer: Option<bool>,
    /// Start time, ns since the epoch.
    #[serde(default)]
    pub start_ns: Option<u64>,
    /// Open descriptors (at most [`MAX_SNAPSHOT_FDS`]).
    #[serde(default)]
    pub fds: Vec<FdInfo>,
}

impl ProcessInfo {
    /// A process known only by its id and name: what an event from a
    /// process never seen before tells.
    pub fn bare(pid: u32, comm: &str) -> Self {
        Self {
            pid,
            ppid: 0,
            sid: 0,
            comm: comm.to_string(),
            exe_path: String::new(),
            args: Vec::new(),
            cwd: String::new(),
            uid: 0,
            euid: 0,
            gid: 0,
            loginuid: u32::MAX,
            tty: 0,
            container: Container::host(),
            pgid: 0,
            vpid: None,
            vpgid: None,
            egid: 0,
            threads: vec![ThreadIds {
                tid: pid,
                vtid: pid,
            }],
            cap_effective: 0,
            cap_permitted: 0,
            cap_inheritable: 0,
            cap_bounding: None,
            caps_known: false,
            env: Vec::new(),
            exe_ino: None,
            exe_ctime_ns: None,
            exe_mtime_ns: None,
            exe_from_memfd: false,
            exe_upper_layer: None,
            start_ns: None,
            fds: Vec::new(),
        }
    }
}

/// The fields of `/proc/PID/stat` the table needs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stat {
    /// The command name, between the parentheses.
    pub comm: String,
    /// Parent pid.
    pub ppid: u32,
    /// Session id.
    pub sid: u32,
    /// Controlling terminal.
    pub tty: u32,
    /// Process group.
    pub pgrp: u32,
    /// Start time in clock ticks after boot, when the line is long enough.
    pub start_ticks: Option<u64>,
}

/// Parses `/proc/PID/stat`. The command name may hold spaces and
/// parentheses, so it runs from the first `(` to the *last* `)`.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    // After the name: state ppid pgrp session tty_nr ...
    let mut rest = text.get(close + 1..)?.split_whitespace().skip(1);
    let ppid = rest.next()?.parse().ok()?;
    let pgrp = rest.next()?.parse().ok()?;
    let sid = rest.next()?.parse().ok()?;
    let tty = rest.next()?.parse::<i64>().ok()?;
    // tpgid .. itrealvalue come before starttime (the 22nd field).
    let start_ticks = rest.nth(14).and_then(|v| v.parse().ok());
    Some(Stat {
        comm,
        ppid,
        sid,
        tty: u32::try_from(tty).unwrap_or(0),
        pgrp,
        start_ticks,
    })
}

/// The real, effective, saved and filesystem ids of a `Uid:` or `Gid:` line
/// of `/proc/PID/status`.
pub fn status_ids(status: &str, key: &str) -> Option<[u32; 4]> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    let mut ids = line
        .get(key.len()..)?
        .split_whitespace()
        .map(|v| v.parse().ok());
    Some([ids.next()??, ids.next()??, ids.next()??, ids.next()??])
}

/// The innermost (own pid namespace) id of an `NStgid:`/`NSpgid:`/`NSpid:` line.
pub fn status_ns_id(status: &str, key: &str) -> Option<u32> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.get(key.len()..)?
        .split_whitespace()
        .last()?
        .parse()
        .ok()
}

/// A hexadecimal capability mask line (`CapEff:`) of `/proc/PID/status`.
pub fn status_caps(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    u64::from_str_radix(line.get(key.len()..)?.trim(), 16).ok()
}

/// What a `/proc/PID/fd/N` link target says about the descriptor: its kind
/// and name (`/memfd:x (deleted)` becomes the memfd named `memfd:x`).
pub fn classify_fd_link(target: &str) -> (FdKind, String) {
    if let Some(memfd) = target.strip_prefix("/memfd:") {
        let name = memfd.strip_suffix(" (deleted)").unwrap_or(memfd);
        return (FdKind::Memfd, format!("memfd:{name}"));
    }
    let kind = if target.starts_with('/') {
        FdKind::File
    } else if target.starts_with("socket:") {
        FdKind::OtherSocket
    } else if target.starts_with("pipe:") {
        FdKind::Pipe
    } else if let Some(anon) = target.strip_prefix("anon_inode:") {
        match anon.trim_start_matches('[').trim_end_matches(']') {
            "eventfd" => FdKind::Event,
            "signalfd" => FdKind::Signalfd,
            "eventpoll" => FdKind::Eventpoll,
            "inotify" => FdKind::Inotify,
            "timerfd" => FdKind::Timerfd,
            "userfaultfd" => FdKind::Userfaultfd,
            "io_uring" => FdKind::IoUring,
            "pidfd" => FdKind::Pidfd,
            other if other.starts_with("bpf") => FdKind::Bpf,
            _ => FdKind::Unknown,
        }
    } else {
        FdKind::Unknown
    };
    let name = if kind == FdKind::OtherSocket {
        String::new()
    } else {
        target.to_string()
    };
    (kind, name)
}

/// The socket tables of the network namespaces met during one scan, by the
/// namespace's inode: every process of a namespace sees the same tables, and
/// on a busy host they are long, so each is read once per scan rather than
/// once per process holding a socket. A socket opened in the short time
/// between the read and a later process's listing keeps no addresses, as it
/// would had the scan run a moment earlier.
#[derive(Default)]
struct NetNamespaces {
    tables: HashMap<u64, Rc<SocketTables>>,
}

impl NetNamespaces {
    /// The socket tables the process in `dir` (`/proc/PID`) sees; read for
    /// it alone when its namespace cannot be told.
    fn tables_of(&mut self, dir: &Path) -> Rc<SocketTables> {
        let read = || Rc::new(SocketTables::read(&dir.join("net")));
        match std::fs::metadata(dir.join("ns").join("net")) {
            Ok(ns) => Rc::clone(self.tables.entry(ns.ino()).or_insert_with(read)),
            Err(_) => read(),
        }
    }
}

/// The most one small `/proc/PID` file (`stat`, `status`, `cgroup`,
/// `loginuid`, `fdinfo/N`) may hold: each is a few hundred bytes, `cgroup`
/// a few KiB on a host with many v1 hierarchies.
const PROC_FILE_CAP: usize = 1 << 16;

/// The most `cmdline` or `environ` may hold: what a process may pass to
/// exec is bounded by its stack limit (a quarter of it, 2 MiB by default);
/// past the cap a process keeps neither rather than a cut list.
const PROC_ARGS_CAP: usize = 16 << 20;

/// The text of `rel` under a process's `/proc/PID` directory, through the
/// bounded reader: the process can shape what its own entries say (and
/// `cmdline`/`environ` sizes), never what is read outside them.
fn proc_text(proc: &Dir, rel: &str, cap: usize) -> io::Result<String> {
    let bytes = proc_bytes(proc, rel, cap)?;
    String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, rel.to_string()))
}

/// [`proc_text`]'s bytes.
fn proc_bytes(proc: &Dir, rel: &str, cap: usize) -> io::Result<Vec<u8>> {
    read_bounded(proc, Path::new(rel), cap).map_err(|err| match err {
        UntrustedReadError::Open { source, .. } | UntrustedReadError::Read { source, .. } => source,
        other => io::Error::other(other),
    })
}

/// The open descriptors of the process in `dir` (`/proc/PID`), with their
/// open flags from `fdinfo`; unreadable entries are skipped.
fn read_fds(dir: &Path, proc: &Dir, namespaces: &mut NetNamespaces) -> Vec<FdInfo> {
    let Ok(entries) = std::fs::read_dir(dir.join("fd")) else {
        return Vec::new();
    };
    // Only for processes that hold sockets, once.
    let mut sockets: Option<Rc<SocketTables>> = None;
    let mut fds: Vec<FdInfo> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let num: i64 = entry.file_name().to_str()?.parse().ok()?;
            let target = std::fs::read_link(entry.path()).ok()?;
            let target = target.to_string_lossy();
            let (mut kind, name) = classify_fd_link(&target);
            if kind == FdKind::File && stat_cached(&entry.path()).is_ok_and(|m| m.is_dir) {
                kind = FdKind::Directory;
            }
            let mut fd = FdInfo::new(num, kind, name);
            if let Some(inode) = super::netfs::socket_inode(&target) {
                sockets
                    .get_or_insert_with(|| namespaces.tables_of(dir))
                    .describe(&mut fd, inode);
            }
            fd.flags = proc_text(proc, &format!("fdinfo/{num}"), PROC_FILE_CAP)
                .ok()
                .and_then(|info| {
                    let line = info.lines().find(|l| l.starts_with("flags:"))?;
                    u64::from_str_radix(line.get(6..)?.trim(), 8).ok()
                })
                .unwrap_or(0);
            Some(fd)
        })
        .take(MAX_SNAPSHOT_FDS)
        .collect();
    fds.sort_by_key(|fd| fd.num);
    fds
}

/// The threads of the process in `dir`, with their ids in the process's
/// pid namespace (read per thread only when that namespace is not the host's).
fn read_threads(dir: &Path, proc: &Dir, pid: u32, vpid: Option<u32>) -> Vec<ThreadIds> {
    let nested = vpid.is_some_and(|v| v != pid);
    let mut threads: Vec<ThreadIds> = std::fs::read_dir(dir.join("task"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let tid: u32 = entry.file_name().to_str()?.parse().ok()?;
                    let vtid = if nested {
                        proc_text(proc, &format!("task/{tid}/status"), PROC_FILE_CAP)
                            .ok()
                            .and_then(|s| status_ns_id(&s, "NSpid:"))?
                    } else {
                        tid
                    };
                    Some(ThreadIds { tid, vtid })
                })
                .collect()
        })
        .unwrap_or_default();
    if threads.is_empty() {
        threads.push(ThreadIds {
            tid: pid,
            vtid: vpid.unwrap_or(pid),
        });
    }
    threads.sort_by_key(|t| t.tid);
    threads
}

/// Turns a start time in clock ticks after boot into ns since the epoch:
/// the offset between the boot clock and wall time plus the tick rate, found
/// once for the life of the process rather than per process read. The
/// offset is exact where `btime` of `/proc/stat` is whole seconds, and it is
/// the one the probe's event stamps use, so a snapshot's start times line up
/// with the events' times.
fn start_time_ns(start_ticks: u64) -> Option<u64> {
    static CLOCK: OnceLock<Option<(BootClock, u64)>> = OnceLock::new();
    let (clock, hz) = (*CLOCK.get_or_init(|| {
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let hz = u64::try_from(ticks).ok().filter(|&t| t > 0)?;
        Some((BootClock::now(), hz))
    }))?;
    Some(clock.to_wall_ns(start_ticks.checked_mul(1_000_000_000)? / hz))
}

/// Reads one process from `proc_root` (normally `/proc`), its open
/// descriptors included.
pub fn read_process(proc_root: &Path, pid: u32) -> io::Result<ProcessInfo> {
    read_with_fds(proc_root, pid, &mut NetNamespaces::default())
}

fn read_with_fds(
    proc_root: &Path,
    pid: u32,
    namespaces: &mut NetNamespaces,
) -> io::Result<ProcessInfo> {
    let dir = proc_root.join(pid.to_string());
    let proc = open_proc_dir(&dir)?;
    let stat = read_stat(&dir, &proc)?;
    let exe_path = read_link(&dir, "exe");
    read(&dir, &proc, pid, stat, exe_path, Some(namespaces))
}

/// Reads a process that just exec'd `filename`, without its descriptors:
/// the state tables already know them from the parent and the fd syscalls,
/// and listing them (sockets mean reading the network tables) on every exec
/// would cost a busy host more than everything else here.
///
/// `Ok(None)` when the process no longer runs the image the exec installed
/// (it exec'd again) or already exited (a zombie has no executable left, and
/// its snapshot would only blank what the exec said); both are told by
/// `stat` and the `exe` link, before anything else is read.
pub fn read_exec_snapshot(
    proc_root: &Path,
    pid: u32,
    filename: &str,
) -> io::Result<Option<ProcessInfo>> {
    let dir = proc_root.join(pid.to_string());
    let proc = open_proc_dir(&dir)?;
    let stat = read_stat(&dir, &proc)?;
    if !runs_image(&stat.comm, filename) {
        return Ok(None);
    }
    let exe_path = read_link(&dir, "exe");
    if exe_path.is_empty() {
        return Ok(None);
    }
    read(&dir, &proc, pid, stat, exe_path, None).map(Some)
}

/// Whether a process whose `comm` is `comm` still runs the image `filename`
/// installed: the kernel names a process after the first 15 bytes of the
/// file name it executed, so a later exec would show another name.
fn runs_image(comm: &str, filename: &str) -> bool {
    let base = filename.rsplit('/').next().unwrap_or(filename);
    let name = &base.as_bytes()[..base.len().min(15)];
    comm.as_bytes() == name
}

fn invalid(dir: &Path, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: unreadable {what}", dir.display()),
    )
}

/// A handle on the process directory `dir` (`/proc/PID`): every entry read
/// through it is the same process's, even if the pid is reused meanwhile.
fn open_proc_dir(dir: &Path) -> io::Result<Dir> {
    Dir::open(dir).map_err(|err| match err {
        UntrustedReadError::Open { source, .. } => source,
        other => io::Error::other(other),
    })
}

/// `stat` of the process in `dir` (`/proc/PID`).
fn read_stat(dir: &Path, proc: &Dir) -> io::Result<Stat> {
    parse_stat(&proc_text(proc, "stat", PROC_FILE_CAP)?).ok_or_else(|| invalid(dir, "stat"))
}

/// The target of link `name` in `dir`, empty when unreadable.
fn read_link(dir: &Path, name: &str) -> String {
    std::fs::read_link(dir.join(name))
        .map(|p: PathBuf| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The rest of the process in `dir` whose `stat` and executable were read;
/// its descriptors only when given the namespaces' socket tables to describe them.
fn read(
    dir: &Path,
    proc: &Dir,
    pid: u32,
    stat: Stat,
    exe_path: String,
    fds_with: Option<&mut NetNamespaces>,
) -> io::Result<ProcessInfo> {
    let status = proc_text(proc, "status", PROC_FILE_CAP)?;
    let uids = status_ids(&status, "Uid:").ok_or_else(|| invalid(dir, "Uid"))?;
    let gids = status_ids(&status, "Gid:").ok_or_else(|| invalid(dir, "Gid"))?;
    let args = proc_bytes(proc, "cmdline", PROC_ARGS_CAP)
        .unwrap_or_default()
        .split(|&b| b == 0)
        .filter(|arg| !arg.is_empty())
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect();
    let loginuid = proc_text(proc, "loginuid", PROC_FILE_CAP)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(u32::MAX);
    let cgroups = proc_text(proc, "cgroup", PROC_FILE_CAP).unwrap_or_default();
    let vpid = status_ns_id(&status, "NStgid:");
    let exe_meta = stat_cached(&dir.join("exe")).ok();
    let env = proc_bytes(proc, "environ", PROC_ARGS_CAP)
        .unwrap_or_default()
        .split(|&b| b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| String::from_utf8_lossy(entry).into_owned())
        .collect();
    let start_ns = stat.start_ticks.and_then(start_time_ns);
    let cap_effective = status_caps(&status, "CapEff:");
    Ok(ProcessInfo {
        pgid: stat.pgrp,
        vpid,
        vpgid: status_ns_id(&status, "NSpgid:"),
        egid: gids[1],
        threads: read_threads(dir, proc, pid, vpid),
        cap_effective: cap_effective.unwrap_or(0),
        cap_permitted: status_caps(&status, "CapPrm:").unwrap_or(0),
        cap_inheritable: status_caps(&status, "CapInh:").unwrap_or(0),
        cap_bounding: status_caps(&status, "CapBnd:"),
        caps_known: cap_effective.is_some(),
        env,
        exe_ino: exe_meta.map(|m| m.ino),
        exe_ctime_ns: exe_meta.and_then(|m| m.ctime_ns),
        exe_mtime_ns: exe_meta.and_then(|m| m.mtime_ns),
        exe_from_memfd: exe_path.starts_with("/memfd:"),
        exe_upper_layer: None,
        start_ns,
        fds: fds_with.map_or_else(Vec::new, |namespaces| read_fds(dir, proc, namespaces)),
        pid,
        ppid: stat.ppid,
        sid: stat.sid,
        comm: stat.comm,
        exe_path,
        args,
        cwd: read_link(dir, "cwd"),
        uid: uids[0],
        euid: uids[1],
        gid: gids[0],
        loginuid,
        tty: stat.tty,
        container: container_of(&cgroups),
    })
}

/// Every process under `proc_root` that could be read; processes that exit
/// during the scan are skipped.
pub fn scan(proc_root: &Path) -> io::Result<Vec<ProcessInfo>> {
    let mut namespaces = NetNamespaces::default();
    let mut processes: Vec<ProcessInfo> = std::fs::read_dir(proc_root)?
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| read_with_fds(proc_root, pid, &mut namespaces).ok())
        .collect();
    processes.sort_by_key(|p| p.pid);
    Ok(processes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_awkward_command_names() {
        let stat =
            parse_stat("4242 (my (odd) prog) S 17 4242 4200 34817 4242 4194304 0 0").unwrap();
        assert_eq!(stat.comm, "my (odd) prog");
        assert_eq!((stat.ppid, stat.sid, stat.tty), (17, 4200, 34817));
        assert_eq!((stat.pgrp, stat.start_ticks), (4242, None));
        let full = parse_stat("9 (x) S 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12345 0").unwrap();
        assert_eq!(full.start_ticks, Some(12345));
        assert_eq!(parse_stat("1 (init) S"), None);
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (x) S a b c d"), None);
    }

    #[test]
    fn reads_uid_and_gid_lines_of_status() {
        let status = "Name:\tsh\nUid:\t1000\t0\t0\t0\nGid:\t100\t100\t100\t100\n";
        assert_eq!(status_ids(status, "Uid:"), Some([1000, 0, 0, 0]));
        assert_eq!(status_ids(status, "Gid:"), Some([100; 4]));
        assert_eq!(status_ids("Uid:\t1\t2\n", "Uid:"), None);
    }

    #[test]
    fn reads_this_process_from_proc() {
        let me = read_process(Path::new("/proc"), std::process::id()).unwrap();
        let exe = std::env::current_exe().unwrap();
        assert_eq!(me.exe_path, exe.display().to_string());
        assert!(!me.args.is_empty(), "argv is read");
        assert_eq!(
            me.cwd,
            std::env::current_dir().unwrap().display().to_string()
        );
        assert!(me.ppid > 0);
        // SAFETY: getuid has no preconditions.
        assert_eq!(me.uid, unsafe { libc::getuid() });
        let name = exe.file_name().unwrap().to_string_lossy();
        assert!(name.starts_with(&me.comm), "{name} vs {}", me.comm);
    }

    #[test]
    fn reads_ids_capabilities_environment_and_descriptors() {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open("/proc/self/status").unwrap();
        let me = read_process(Path::new("/proc"), std::process::id()).unwrap();
        assert!(me.vpid.is_some() && me.vpgid.is_some());
        assert!(me.caps_known && me.cap_bounding.is_some());
        assert!(!me.env.is_empty(), "environ is read");
        assert!(me.threads.iter().any(|t| t.tid == me.pid));
        assert!(me.exe_ino.is_some() && me.exe_ctime_ns.is_some() && me.exe_mtime_ns.is_some());
        assert!(!me.exe_from_memfd);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        let start = me.start_ns.unwrap();
        assert!(
            start <= now && now - start < 3_600_000_000_000,
            "{start} vs {now}"
        );
        let fd = me
            .fds
            .iter()
            .find(|fd| fd.num == i64::from(file.as_raw_fd()))
            .expect("the open file is listed");
        assert!(fd.name.starts_with("/proc/") && fd.name.ends_with("/status"));
        assert_eq!(fd.kind, FdKind::File);
        assert!(fd.close_on_exec(), "Rust opens files close-on-exec");
    }

    #[test]
    fn sockets_of_this_process_get_their_addresses() {
        use std::os::fd::AsRawFd;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let me = read_process(Path::new("/proc"), std::process::id()).unwrap();
        let fd = me
            .fds
            .iter()
            .find(|fd| fd.num == i64::from(listener.as_raw_fd()))
            .expect("the listener is listed");
        assert_eq!(fd.kind, FdKind::Ipv4);
        assert_eq!(fd.name, format!("127.0.0.1:{port}"));
        assert_eq!(fd.socket.as_ref().and_then(|s| s.is_server), Some(true));
    }

    #[test]
    fn classifies_descriptor_links() {
        assert_eq!(
            classify_fd_link("/memfd:x (deleted)"),
            (FdKind::Memfd, "memfd:x".into())
        );
        assert_eq!(classify_fd_link("socket:[123]").0, FdKind::OtherSocket);
        assert_eq!(classify_fd_link("pipe:[9]").0, FdKind::Pipe);
        assert_eq!(classify_fd_link("anon_inode:[eventfd]").0, FdKind::Event);
        assert_eq!(classify_fd_link("anon_inode:inotify").0, FdKind::Inotify);
        assert_eq!(classify_fd_link("anon_inode:bpf-map").0, FdKind::Bpf);
        assert_eq!(classify_fd_link("anon_inode:[weird]").0, FdKind::Unknown);
        assert_eq!(classify_fd_link("").0, FdKind::Unknown);
    }

    #[test]
    fn snapshots_round_trip_and_older_ones_still_load() {
        let me = read_process(Path::new("/proc"), std::process::id()).unwrap();
        let text = serde_json::to_string(&me).unwrap();
        assert_eq!(serde_json::from_str::<ProcessInfo>(&text).unwrap(), me);
        let mut old: serde_json::Value = serde_json::to_value(ProcessInfo::bare(7, "x")).unwrap();
        for key in ["fds", "env", "vpid", "threads", "caps_known", "start_ns"] {
            old.as_object_mut().unwrap().remove(key);
        }
        let loaded: ProcessInfo = serde_json::from_value(old).unwrap();
        assert_eq!((loaded.pid, loaded.vpid, loaded.fds.len()), (7, None, 0));
    }

    #[test]
    fn reads_namespace_ids_and_capability_masks() {
        let status = "NStgid:\t4242\t7\nNSpgid:\t4200\t1\nCapEff:\t000001ffffffffff\nCapInh:\tzz\n";
        assert_eq!(status_ns_id(status, "NStgid:"), Some(7));
        assert_eq!(status_ns_id(status, "NSpgid:"), Some(1));
        assert_eq!(status_ns_id(status, "NSpid:"), None);
        assert_eq!(status_caps(status, "CapEff:"), Some(0x1ff_ffff_ffff));
        assert_eq!(status_caps(status, "CapInh:"), None);
    }

    #[test]
    fn a_snapshot_is_kept_only_for_the_image_the_exec_installed() {
        assert!(runs_image("cat", "/usr/bin/cat"));
        assert!(runs_image(
            "a-very-long-nam",
            "/opt/a-very-long-name-indeed"
        ));
        assert!(!runs_image("sh", "/usr/bin/cat"));
        let me = std::process::id();
        let exe = std::env::current_exe().unwrap();
        let snapshot = read_exec_snapshot(Path::new("/proc"), me, exe.to_str().unwrap())
            .unwrap()
            .expect("this process runs its own image");
        assert!(
            snapshot.fds.is_empty(),
            "an exec snapshot skips descriptors"
        );
        assert_eq!(
            read_exec_snapshot(Path::new("/proc"), me, "/usr/bin/another-image").unwrap(),
            None
        );
    }

    #[test]
    fn a_scan_finds_init_and_this_process() {
        use std::os::fd::AsRawFd;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let all = scan(Path::new("/proc")).unwrap();
        assert!(all.iter().any(|p| p.pid == 1));
        let me = all.iter().find(|p| p.pid == std::process::id()).unwrap();
        // Its namespace's tables were read once for the scan, by whichever
        // process came first: this socket is in them all the same.
        let fd = me
            .fds
            .iter()
            .find(|fd| fd.num == i64::from(listener.as_raw_fd()))
            .expect("the listener is listed");
        assert_eq!(fd.name, format!("127.0.0.1:{port}"));
        assert!(read_process(Path::new("/proc"), u32::MAX).is_err());
    }
}

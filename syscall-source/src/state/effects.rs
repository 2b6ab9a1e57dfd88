//! How each state-changing syscall changes the tables: descriptors opened,
//! duplicated and closed, socket addresses learnt, the working directory,
//! ids and capabilities. Only successful calls change anything, except that
//! a failed open still describes the file it tried to open (rules ask about
//! failed opens of sensitive files).

use super::fd::{Endpoint, FdInfo, FdKind, L4Proto, SocketInfo};
use super::path;
use super::process::Process;
use super::sockaddr::{self, SockAddr};
use super::table::{EventContext, FdSlot, ObservedSocket, SystemState};
use crate::event::{SyscallEvent, SyscallExit};
use crate::params::flags::{
    at::AT_FDCWD,
    clone::{KERNEL_CLONE_NEWPID, KERNEL_CLONE_THREAD},
    fcntl::{F_DUPFD, F_DUPFD_CLOEXEC},
    open::{KERNEL_O_CLOEXEC, KERNEL_O_CREAT, KERNEL_O_DIRECTORY, KERNEL_O_TRUNC, KERNEL_O_WRONLY},
    socket::{AF_INET, AF_INET6, AF_NETLINK, AF_UNIX},
};
use crate::params::render::capabilities;
use crate::params::schema::CapabilitySet;

/// x86-64 numbers of the syscalls the tables follow or classify.
#[allow(missing_docs)]
pub mod nr {
    pub const READ: u64 = 0;
    pub const WRITE: u64 = 1;
    pub const OPEN: u64 = 2;
    pub const CLOSE: u64 = 3;
    pub const FSTAT: u64 = 5;
    pub const LSEEK: u64 = 8;
    pub const IOCTL: u64 = 16;
    pub const PREAD64: u64 = 17;
    pub const PWRITE64: u64 = 18;
    pub const READV: u64 = 19;
    pub const WRITEV: u64 = 20;
    pub const PIPE: u64 = 22;
    pub const DUP: u64 = 32;
    pub const DUP2: u64 = 33;
    pub const SENDFILE: u64 = 40;
    pub const SOCKET: u64 = 41;
    pub const CONNECT: u64 = 42;
    pub const ACCEPT: u64 = 43;
    pub const SENDTO: u64 = 44;
    pub const RECVFROM: u64 = 45;
    pub const SENDMSG: u64 = 46;
    pub const RECVMSG: u64 = 47;
    pub const SHUTDOWN: u64 = 48;
    pub const BIND: u64 = 49;
    pub const LISTEN: u64 = 50;
    pub const SOCKETPAIR: u64 = 53;
    pub const SETSOCKOPT: u64 = 54;
    pub const GETSOCKOPT: u64 = 55;
    pub const CLONE: u64 = 56;
    pub const FORK: u64 = 57;
    pub const VFORK: u64 = 58;
    pub const EXECVE: u64 = 59;
    pub const FCNTL: u64 = 72;
    pub const FLOCK: u64 = 73;
    pub const FSYNC: u64 = 74;
    pub const FTRUNCATE: u64 = 77;
    pub const GETDENTS: u64 = 78;
    pub const CHDIR: u64 = 80;
    pub const FCHDIR: u64 = 81;
    pub const RENAME: u64 = 82;
    pub const MKDIR: u64 = 83;
    pub const RMDIR: u64 = 84;
    pub const CREAT: u64 = 85;
    pub const LINK: u64 = 86;
    pub const UNLINK: u64 = 87;
    pub const SYMLINK: u64 = 88;
    pub const CHMOD: u64 = 90;
    pub const FCHMOD: u64 = 91;
    pub const CHOWN: u64 = 92;
    pub const FCHOWN: u64 = 93;
    pub const LCHOWN: u64 = 94;
    pub const SETUID: u64 = 105;
    pub const SETGID: u64 = 106;
    pub const SETPGID: u64 = 109;
    pub const SETSID: u64 = 112;
    pub const SETREUID: u64 = 113;
    pub const SETREGID: u64 = 114;
    pub const SETRESUID: u64 = 117;
    pub const SETRESGID: u64 = 119;
    pub const CAPSET: u64 = 126;
    pub const MOUNT: u64 = 165;
    pub const UMOUNT2: u64 = 166;
    pub const EPOLL_CREATE: u64 = 213;
    pub const GETDENTS64: u64 = 217;
    pub const INOTIFY_INIT: u64 = 253;
    pub const OPENAT: u64 = 257;
    pub const MKDIRAT: u64 = 258;
    pub const FCHOWNAT: u64 = 260;
    pub const UNLINKAT: u64 = 263;
    pub const RENAMEAT: u64 = 264;
    pub const LINKAT: u64 = 265;
    pub const SYMLINKAT: u64 = 266;
    pub const FCHMODAT: u64 = 268;
    pub const SIGNALFD: u64 = 282;
    pub const TIMERFD_CREATE: u64 = 283;
    pub const EVENTFD: u64 = 284;
    pub const ACCEPT4: u64 = 288;
    pub const SIGNALFD4: u64 = 289;
    pub const EVENTFD2: u64 = 290;
    pub const EPOLL_CREATE1: u64 = 291;
    pub const DUP3: u64 = 292;
    pub const PIPE2: u64 = 293;
    pub const INOTIFY_INIT1: u64 = 294;
    pub const RENAMEAT2: u64 = 316;
    pub const MEMFD_CREATE: u64 = 319;
    pub const BPF: u64 = 321;
    pub const EXECVEAT: u64 = 322;
    pub const USERFAULTFD: u64 = 323;
    pub const IO_URING_SETUP: u64 = 425;
    pub const PIDFD_OPEN: u64 = 434;
    pub const CLONE3: u64 = 435;
    pub const OPENAT2: u64 = 437;
    pub const FCHMODAT2: u64 = 452;
}

/// The socket type bits of `socket`'s type argument (the rest are
/// `SOCK_NONBLOCK`/`SOCK_CLOEXEC`); the kernel's own mask, not in libc.
const SOCK_TYPE_MASK: i32 = 0xf;

/// An argument register as a descriptor number (the ABI passes `int`s).
pub fn fd_arg(exit: &SyscallExit, index: usize) -> i64 {
    i64::from(exit.args.get(index).copied().unwrap_or(0) as i32)
}

/// The copied memory of argument `index`, as text.
pub fn memory_text(exit: &SyscallExit, index: usize) -> Option<String> {
    let bytes = exit.memory.get(index)?.as_ref()?;
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// Which syscalls open a file, and where their path and flags are.
pub struct OpenCall {
    /// Argument holding the directory fd, for the `*at` variants.
    pub dirfd_arg: Option<usize>,
    /// Argument holding the path.
    pub path_arg: usize,
}

/// The open-family shape of syscall `nr`.
pub fn open_call(nr: u64) -> Option<OpenCall> {
    match nr {
        nr::OPEN | nr::CREAT => Some(OpenCall {
            dirfd_arg: None,
            path_arg: 0,
        }),
        nr::OPENAT | nr::OPENAT2 => Some(OpenCall {
            dirfd_arg: Some(0),
            path_arg: 1,
        }),
        _ => None,
    }
}

/// Open flags (`O_*`) and creation mode of an open-family call.
pub fn open_flags_and_mode(exit: &SyscallExit) -> Option<(u64, u64)> {
    match exit.nr {
        nr::OPEN => Some((exit.args[1], exit.args[2])),
        nr::OPENAT => Some((exit.args[2], exit.args[3])),
        nr::CREAT => Some((
            KERNEL_O_CREAT | KERNEL_O_WRONLY | KERNEL_O_TRUNC,
            exit.args[1],
        )),
        nr::OPENAT2 => {
            let how = exit.memory[2].as_deref()?;
            let word = |at: usize| -> Option<u64> {
                Some(u64::from_le_bytes(how.get(at..at + 8)?.try_into().ok()?))
            };
            Some((word(0)?, word(8)?))
        }
        _ => None,
    }
}

/// The directory a `*at` path argument is relative to: the working
/// directory for `AT_FDCWD`, else the directory descriptor's path.
pub fn base_dir(process: &Process, dirfd: Option<i64>) -> String {
    match dirfd {
        None => process.info.cwd.clone(),
        Some(AT_FDCWD) => process.info.cwd.clone(),
        Some(fd) => process
            .fds
            .get(fd)
            .map(|f| f.name.clone())
            .unwrap_or_default(),
    }
}

/// The path argument `path_arg` of `exit` made absolute against directory
/// argument `dirfd_arg` (or the working directory).
pub fn absolute_path_arg(
    process: &Process,
    exit: &SyscallExit,
    dirfd_arg: Option<usize>,
    path_arg: usize,
) -> Option<String> {
    let raw = memory_text(exit, path_arg)?;
    let base = base_dir(process, dirfd_arg.map(|i| fd_arg(exit, i)));
    Some(path::resolve(&base, &raw))
}

/// What an exec's file name says about the new executable.
pub struct ExecTarget {
    /// The executable's path (`/memfd:NAME (deleted)` for a memfd).
    pub path: String,
    /// It is a memfd.
    pub from_memfd: bool,
}

/// Resolves an exec's `filename` against the process's state *before* the
/// exec closes its close-on-exec descriptors: `/dev/fd/N` and
/// `/proc/{self,PID}/fd/N` (what execveat with `AT_EMPTY_PATH` produces)
/// name descriptor N, which may be a memfd.
pub fn exec_target(process: &Process, filename: &str) -> ExecTarget {
    if let Some(num) = fd_path_number(filename, process.info.pid)
        && let Some(fd) = process.fds.get(num)
    {
        if fd.kind == FdKind::Memfd {
            return ExecTarget {
                path: format!("/{} (deleted)", fd.name),
                from_memfd: true,
            };
        }
        if !fd.name.is_empty() {
            return ExecTarget {
                path: fd.name.clone(),
                from_memfd: false,
            };
        }
    }
    ExecTarget {
        path: path::resolve(&process.info.cwd, filename),
        from_memfd: filename.starts_with("/memfd:"),
    }
}

/// N of `/dev/fd/N`, `/proc/self/fd/N`, `/proc/thread-self/fd/N` or `/proc/PID/fd/N`.
fn fd_path_number(filename: &str, pid: u32) -> Option<i64> {
    let rest = filename.strip_prefix("/dev/fd/").or_else(|| {
        let rest = filename.strip_prefix("/proc/")?;
        let (who, rest) = rest.split_once('/')?;
        let own = who == "self" || who == "thread-self" || who.parse::<u32>().ok() == Some(pid);
        if own { rest.strip_prefix("fd/") } else { None }
    })?;
    rest.parse().ok()
}

/// The kind and transport protocol of a new socket.
fn socket_kind(domain: u64, ty: u64, protocol: u64) -> (FdKind, Option<L4Proto>) {
    let kind = match u16::try_from(domain).unwrap_or(u16::MAX) {
        AF_INET => FdKind::Ipv4,
        AF_INET6 => FdKind::Ipv6,
        AF_UNIX => FdKind::Unix,
        AF_NETLINK => FdKind::Netlink,
        _ => FdKind::OtherSocket,
    };
    if !kind.is_ip() {
        return (kind, None);
    }
    // Both are C `int`s: the register's upper half is no part of them.
    let l4 = match (ty as i32 & SOCK_TYPE_MASK, protocol as i32) {
        (_, libc::IPPROTO_ICMP | libc::IPPROTO_ICMPV6) => Some(L4Proto::Icmp),
        (libc::SOCK_STREAM, _) => Some(L4Proto::Tcp),
        (libc::SOCK_DGRAM, _) => Some(L4Proto::Udp),
        (libc::SOCK_RAW, _) => Some(L4Proto::Raw),
        _ => None,
    };
    (kind, l4)
}

/// Two `int` descriptors copied from user memory (pipe, socketpair).
fn fd_pair(bytes: Option<&Vec<u8>>) -> Option<(i64, i64)> {
    let bytes = bytes?;
    let first = i32::from_le_bytes(bytes.get(0..4)?.try_into().ok()?);
    let second = i32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    Some((i64::from(first), i64::from(second)))
}

/// The close-on-exec bit for flags whose `*_CLOEXEC` equals `O_CLOEXEC`
/// (every such flag on x86-64 except memfd's).
fn cloexec_if(flags: u64) -> u64 {
    flags & KERNEL_O_CLOEXEC
}

/// The descriptor number a syscall acts on, by its shape: the return value
/// for calls that create one, the first argument for calls that use one.
pub fn event_fd(exit: &SyscallExit) -> Option<i64> {
    match exit.nr {
        nr::OPEN
        | nr::OPENAT
        | nr::OPENAT2
        | nr::CREAT
        | nr::SOCKET
        | nr::ACCEPT
        | nr::ACCEPT4
        | nr::MEMFD_CREATE
        | nr::EVENTFD
        | nr::EVENTFD2
        | nr::SIGNALFD
        | nr::SIGNALFD4
        | nr::TIMERFD_CREATE
        | nr::INOTIFY_INIT
        | nr::INOTIFY_INIT1
        | nr::EPOLL_CREATE
        | nr::EPOLL_CREATE1
        | nr::USERFAULTFD
        | nr::PIDFD_OPEN
        | nr::IO_URING_SETUP
        | nr::BPF => Some(exit.ret),
        nr::READ
        | nr::WRITE
        | nr::PREAD64
        | nr::PWRITE64
        | nr::READV
        | nr::WRITEV
        | nr::CLOSE
        | nr::CONNECT
        | nr::SENDTO
        | nr::RECVFROM
        | nr::SENDMSG
        | nr::RECVMSG
        | nr::SHUTDOWN
        | nr::BIND
        | nr::LISTEN
        | nr::FCHMOD
        | nr::FCHOWN
        | nr::FCHDIR
        | nr::FCNTL
        | nr::DUP
        | nr::DUP2
        | nr::DUP3
        | nr::IOCTL
        | nr::FSTAT
        | nr::LSEEK
        | nr::GETDENTS
        | nr::GETDENTS64
        | nr::SETSOCKOPT
        | nr::GETSOCKOPT
        | nr::SENDFILE
        | nr::FLOCK
        | nr::FSYNC
        | nr::FTRUNCATE => Some(fd_arg(exit, 0)),
        _ => None,
    }
}

impl SystemState {
    /// Applies a syscall exit to the event's process and fills in which
    /// descriptor the event acts on.
    pub(crate) fn apply_syscall(
        &mut self,
        event: &SyscallEvent,
        exit: &SyscallExit,
        observed: Option<ObservedSocket>,
        context: &mut EventContext,
    ) {
        if matches!(exit.nr, nr::CLONE | nr::CLONE3) {
            self.note_clone_flags(event, exit);
        }
        if matches!(exit.nr, nr::EXECVE | nr::EXECVEAT) {
            // A failed exec: its arguments will never be used.
            self.forget_exec_args(event.tid);
        }
        let fd_limit = self.limits.max_fds_per_process;
        let Some(process) = self.processes.get_mut(&event.pid) else {
            return;
        };
        context.fd_num = event_fd(exit);
        let mut changes = Changes {
            fd_limit,
            evicted: 0,
            scratch: None,
            name_changed: false,
        };
        let observed = observed.filter(|o| {
            o.pid == event.pid && Some(o.fd) == context.fd_num && observes_socket_ends(exit)
        });
        let name_before = observed.and_then(|o| process.fds.get(o.fd).map(|f| f.name.clone()));
        changes.apply(process, exit);
        if let Some(observed) = observed {
            // The kernel's ends are what the call really produced; they win
            // over what the call's own address argument (or its absence) said.
            let name = changes.adopt_kernel_ends(process, &observed);
            changes.name_changed = matches!(exit.nr, nr::ACCEPT | nr::ACCEPT4)
                || name_before.is_none_or(|before| before != name);
        }
        self.stats.evicted_fds += changes.evicted;
        context.fd_name_changed = changes.name_changed;
        if changes.scratch.is_some() {
            self.scratch_fd = changes.scratch;
            context.fd_slot = FdSlot::Scratch;
        } else if let Some(num) = context.fd_num
            && self
                .processes
                .get(&event.pid)
                .is_some_and(|p| p.fds.get(num).is_some())
        {
            context.fd_slot = FdSlot::Table;
        }
    }

    /// A clone in the host's pid namespace returns the child's host id:
    /// remember whether the child starts a new pid namespace (it is then
    /// pid 1 there) before or after its first event.
    fn note_clone_flags(&mut self, event: &SyscallEvent, exit: &SyscallExit) {
        let flags = if exit.nr == nr::CLONE3 {
            let Some(bytes) = exit.memory[0].as_deref().and_then(|b| b.get(0..8)) else {
                return;
            };
            u64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]))
        } else {
            exit.args[0]
        };
        let in_host_ns = self
            .processes
            .get(&event.pid)
            .is_some_and(|p| p.info.vpid == Some(p.info.pid));
        let Ok(child) = u32::try_from(exit.ret) else {
            return;
        };
        if child == 0
            || !in_host_ns
            || flags & KERNEL_CLONE_NEWPID == 0
            || flags & KERNEL_CLONE_THREAD != 0
        {
            return;
        }
        if let Some(fork) = self.pending_forks.get_mut(&child) {
            fork.new_pid_ns = true;
        } else if let Some(process) = self.processes.get_mut(&child) {
            process.info.vpid = Some(1);
            for thread in &mut process.info.threads {
                if thread.tid == child {
                    thread.vtid = 1;
                }
            }
            if let Some(entry) = self.threads.get_mut(&child) {
                entry.vtid = Some(1);
            }
        }
    }
}

/// Whether `exit` is a call whose socket's ends a `Socket` record may carry:
/// a connect that succeeded or is in progress, a successful accept, bind or
/// listen. The live source looks sockets up by the same rule.
pub(crate) fn observes_socket_ends(exit: &SyscallExit) -> bool {
    match exit.nr {
        nr::CONNECT => exit.ret == 0 || connect_in_progress(exit),
        nr::ACCEPT | nr::ACCEPT4 => exit.ret >= 0,
        nr::BIND | nr::LISTEN => exit.ret == 0,
        _ => false,
    }
}

/// A non-blocking connect that failed with `EINPROGRESS`: it has picked its
/// local end and names its peer already.
fn connect_in_progress(exit: &SyscallExit) -> bool {
    exit.nr == nr::CONNECT && exit.ret == -i64::from(libc::EINPROGRESS)
}

/// The descriptor-table changes of one syscall.
struct Changes {
    fd_limit: usize,
    evicted: u64,
    /// A descriptor the event closed, or the would-be descriptor of a failed open.
    scratch: Option<FdInfo>,
    name_changed: bool,
}

impl Changes {
    fn add(&mut self, process: &mut Process, fd: FdInfo) {
        self.evicted += process.fds.insert(fd, self.fd_limit);
    }

    fn apply(&mut self, process: &mut Process, exit: &SyscallExit) {
        let ret = exit.ret;
        if let Some(call) = open_call(exit.nr) {
            self.open(process, exit, &call);
            return;
        }
        // A non-blocking connect in progress already names its peer.
        if ret < 0 && !connect_in_progress(exit) {
            return;
        }
        match exit.nr {
            nr::CLOSE => self.scratch = process.fds.remove(fd_arg(exit, 0)),
            nr::DUP | nr::DUP2 | nr::DUP3 => {
                let cloexec = if exit.nr == nr::DUP3 {
                    cloexec_if(exit.args[2])
                } else {
                    0
                };
                self.duplicate(process, fd_arg(exit, 0), ret, cloexec);
            }
            nr::FCNTL => match exit.args[1] {
                F_DUPFD => self.duplicate(process, fd_arg(exit, 0), ret, 0),
                F_DUPFD_CLOEXEC => {
                    self.duplicate(process, fd_arg(exit, 0), ret, KERNEL_O_CLOEXEC);
                }
                cmd if cmd == libc::F_SETFD as u64 => {
                    if let Some(fd) = process.fds.get_mut(fd_arg(exit, 0)) {
                        fd.flags &= !KERNEL_O_CLOEXEC;
                        if exit.args[2] & libc::FD_CLOEXEC as u64 != 0 {
                            fd.flags |= KERNEL_O_CLOEXEC;
                        }
                    }
                }
                _ => {}
            },
            nr::PIPE | nr::PIPE2 => {
                if let Some((read, write)) = fd_pair(exit.memory[0].as_ref()) {
                    let flags = if exit.nr == nr::PIPE2 {
                        cloexec_if(exit.args[1])
                    } else {
                        0
                    };
                    for num in [read, write] {
                        let mut fd = FdInfo::new(num, FdKind::Pipe, "");
                        fd.flags = flags;
                        self.add(process, fd);
                    }
                }
            }
            nr::SOCKET => {
                let (kind, l4proto) = socket_kind(exit.args[0], exit.args[1], exit.args[2]);
                let mut fd = FdInfo::new(ret, kind, "");
                fd.flags = cloexec_if(exit.args[1]);
                if let Some(socket) = &mut fd.socket {
                    socket.l4proto = l4proto;
                }
                self.add(process, fd);
            }
            nr::SOCKETPAIR => {
                if let Some((a, b)) = fd_pair(exit.memory[3].as_ref()) {
                    let (kind, l4proto) = socket_kind(exit.args[0], exit.args[1], exit.args[2]);
                    for num in [a, b] {
                        let mut fd = FdInfo::new(num, kind, "");
                        fd.flags = cloexec_if(exit.args[1]);
                        if let Some(socket) = &mut fd.socket {
                            socket.l4proto = l4proto;
                            socket.connected = true;
                        }
                        self.add(process, fd);
                    }
                }
            }
            nr::CONNECT => self.address(process, exit, 1, Role::Client, true),
            nr::BIND => self.address(process, exit, 1, Role::Bound, false),
            nr::SENDTO => self.address(process, exit, 4, Role::Client, false),
            nr::RECVFROM => self.address(process, exit, 4, Role::Server, false),
            nr::LISTEN => {
                if let Some(socket) = process
                    .fds
                    .get_mut(fd_arg(exit, 0))
                    .and_then(|f| f.socket.as_mut())
                {
                    socket.is_server = Some(true);
                }
            }
            nr::ACCEPT | nr::ACCEPT4 => self.accept(process, exit),
            nr::MEMFD_CREATE => {
                let name = memory_text(exit, 0).unwrap_or_default();
                let mut fd = FdInfo::new(ret, FdKind::Memfd, format!("memfd:{name}"));
                if exit.args[1] & u64::from(libc::MFD_CLOEXEC) != 0 {
                    fd.flags = KERNEL_O_CLOEXEC;
                }
                self.add(process, fd);
            }
            nr::EVENTFD | nr::EVENTFD2 => self.typed(
                process,
                ret,
                FdKind::Event,
                if exit.nr == nr::EVENTFD2 {
                    exit.args[1]
                } else {
                    0
                },
            ),
            nr::SIGNALFD | nr::SIGNALFD4 => {
                let flags = if exit.nr == nr::SIGNALFD4 {
                    exit.args[3]
                } else {
                    0
                };
                self.typed(process, ret, FdKind::Signalfd, flags);
            }
            nr::TIMERFD_CREATE => self.typed(process, ret, FdKind::Timerfd, exit.args[1]),
            nr::INOTIFY_INIT | nr::INOTIFY_INIT1 => {
                let flags = if exit.nr == nr::INOTIFY_INIT1 {
                    exit.args[0]
                } else {
                    0
                };
                self.typed(process, ret, FdKind::Inotify, flags);
            }
            nr::EPOLL_CREATE | nr::EPOLL_CREATE1 => {
                let flags = if exit.nr == nr::EPOLL_CREATE1 {
                    exit.args[0]
                } else {
                    0
                };
                self.typed(process, ret, FdKind::Eventpoll, flags);
            }
            nr::USERFAULTFD => self.typed(process, ret, FdKind::Userfaultfd, exit.args[0]),
            nr::PIDFD_OPEN => self.typed(process, ret, FdKind::Pidfd, KERNEL_O_CLOEXEC),
            nr::IO_URING_SETUP => self.typed(process, ret, FdKind::IoUring, KERNEL_O_CLOEXEC),
            // Only commands that create an object return a descriptor; the
            // others return 0 or a count, which must not shadow fds 0..2.
            nr::BPF if bpf_creates_fd(exit.args[0]) => {
                self.typed(process, ret, FdKind::Bpf, KERNEL_O_CLOEXEC);
            }
            nr::CHDIR => {
                if let Some(dir) = absolute_path_arg(process, exit, None, 0) {
                    process.info.cwd = dir;
                }
            }
            nr::FCHDIR => {
                if let Some(fd) = process.fds.get(fd_arg(exit, 0))
                    && !fd.name.is_empty()
                {
                    process.info.cwd = fd.name.clone();
                }
            }
            nr::SETUID => process.info.euid = exit.args[0] as u32,
            nr::SETGID => process.info.egid = exit.args[0] as u32,
            nr::SETREUID | nr::SETRESUID => {
                if let Some(euid) = id_arg(exit.args[1]) {
                    process.info.euid = euid;
                }
            }
            nr::SETREGID | nr::SETRESGID => {
                if let Some(egid) = id_arg(exit.args[1]) {
                    process.info.egid = egid;
                }
            }
            nr::CAPSET => {
                if let Some(bytes) = exit.memory[1].as_deref() {
                    let set = |set| capabilities(bytes, set);
                    if let (Some(eff), Some(prm), Some(inh)) = (
                        set(CapabilitySet::Effective),
                        set(CapabilitySet::Permitted),
                        set(CapabilitySet::Inheritable),
                    ) {
                        process.info.cap_effective = eff;
                        process.info.cap_permitted = prm;
                        process.info.cap_inheritable = inh;
                        process.info.caps_known = true;
                    }
                }
            }
            nr::SETSID => {
                process.info.sid = process.info.pid;
                process.info.pgid = process.info.pid;
                process.info.vpgid = process.info.vpid;
            }
            nr::SETPGID => {
                let target = fd_arg(exit, 0);
                let in_host_ns = process.info.vpid == Some(process.info.pid);
                if target == 0 || (in_host_ns && target == i64::from(process.info.pid)) {
                    match exit.args[1] as u32 {
                        0 => {
                            process.info.pgid = process.info.pid;
                            process.info.vpgid = process.info.vpid;
                        }
                        group if in_host_ns => {
                            process.info.pgid = group;
                            process.info.vpgid = Some(group);
                        }
                        _ => process.info.vpgid = None,
                    }
                }
            }
            _ => {}
        }
    }

    fn open(&mut self, process: &mut Process, exit: &SyscallExit, call: &OpenCall) {
        let Some(raw) = memory_text(exit, call.path_arg) else {
            return;
        };
        let base = base_dir(process, call.dirfd_arg.map(|i| fd_arg(exit, i)));
        let (flags, _) = open_flags_and_mode(exit).unwrap_or((0, 0));
        // O_TMPFILE carries the O_DIRECTORY bit too and so makes a
        // "directory" here (params::flags::open::is_directory tells them
        // apart); kept as it is for now.
        let kind = if flags & KERNEL_O_DIRECTORY != 0 {
            FdKind::Directory
        } else {
            FdKind::File
        };
        let mut fd = FdInfo::new(exit.ret, kind, path::resolve(&base, &raw));
        if fd.name != raw {
            fd.name_raw = raw;
        }
        fd.flags = flags;
        if exit.ret >= 0 {
            self.add(process, fd);
        } else {
            self.scratch = Some(fd);
        }
    }

    /// Sets the ends of the observed socket (creating the descriptor when
    /// the tables missed it) and returns its new name.
    fn adopt_kernel_ends(&mut self, process: &mut Process, observed: &ObservedSocket) -> String {
        let kind = if observed.local.ip.is_ipv4() {
            FdKind::Ipv4
        } else {
            FdKind::Ipv6
        };
        if process.fds.get(observed.fd).is_none() {
            self.add(process, FdInfo::new(observed.fd, kind, ""));
        }
        let Some(fd) = process.fds.get_mut(observed.fd) else {
            return String::new();
        };
        // The kernel found it in an IP table: whatever the tables thought, it is an IP socket.
        fd.kind = kind;
        let socket = fd.socket.get_or_insert_with(SocketInfo::default);
        socket.l4proto = observed.l4proto.or(socket.l4proto);
        socket.local = Some(observed.local);
        if observed.remote.is_some() {
            socket.remote = observed.remote;
        }
        fd.rename_ip_socket();
        fd.name.clone()
    }

    fn duplicate(&mut self, process: &mut Process, old: i64, new: i64, cloexec: u64) {
        if old == new {
            return;
        }
        let Some(mut fd) = process.fds.get(old).cloned() else {
            return;
        };
        fd.num = new;
        fd.flags = (fd.flags & !KERNEL_O_CLOEXEC) | cloexec;
        self.add(process, fd);
    }

    fn typed(&mut self, process: &mut Process, num: i64, kind: FdKind, flags: u64) {
        let mut fd = FdInfo::new(num, kind, "");
        fd.flags = cloexec_if(flags);
        self.add(process, fd);
    }

    /// Learns an address for socket `args[0]` from argument `addr_arg`.
    fn address(
        &mut self,
        process: &mut Process,
        exit: &SyscallExit,
        addr_arg: usize,
        role: Role,
        connects: bool,
    ) {
        let num = fd_arg(exit, 0);
        let Some(addr) = exit.memory[addr_arg].as_deref().and_then(sockaddr::parse) else {
            return;
        };
        let fd = match process.fds.get_mut(num) {
            Some(fd) => fd,
            None => {
                let kind = kind_of_address(&addr);
                self.add(process, FdInfo::new(num, kind, ""));
                let Some(fd) = process.fds.get_mut(num) else {
                    return;
                };
                fd
            }
        };
        if fd.kind == FdKind::OtherSocket {
            // A socket from a snapshot, family unknown until now.
            fd.kind = kind_of_address(&addr);
        }
        let before = fd.name.clone();
        let socket = fd.socket.get_or_insert_with(SocketInfo::default);
        match addr {
            SockAddr::Ip(ip, port) => {
                let endpoint = Endpoint { ip, port };
                match role {
                    Role::Bound => {
                        socket.local = Some(endpoint);
                        socket.is_server = Some(true);
                    }
                    Role::Client => {
                        socket.remote = Some(endpoint);
                        socket.is_server.get_or_insert(false);
                    }
                    Role::Server => {
                        socket.remote = Some(endpoint);
                        socket.is_server.get_or_insert(true);
                    }
                }
                if connects {
                    socket.connected = exit.ret == 0;
                }
                fd.rename_ip_socket();
            }
            SockAddr::Unix(path) => {
                if connects {
                    socket.connected = exit.ret == 0;
                    socket.is_server = Some(false);
                }
                if role == Role::Bound {
                    socket.is_server = Some(true);
                }
                if !path.is_empty() {
                    fd.name = path;
                }
            }
            SockAddr::Other(_) => {}
        }
        self.name_changed = fd.name != before;
    }

    fn accept(&mut self, process: &mut Process, exit: &SyscallExit) {
        let listener = process.fds.get(fd_arg(exit, 0)).cloned();
        let peer = exit.memory[1].as_deref().and_then(sockaddr::parse);
        let kind = match (&listener, &peer) {
            (Some(l), _) if l.kind != FdKind::OtherSocket => l.kind,
            (_, Some(addr)) => kind_of_address(addr),
            _ => FdKind::OtherSocket,
        };
        let mut fd = FdInfo::new(exit.ret, kind, "");
        if exit.nr == nr::ACCEPT4 {
            fd.flags = cloexec_if(exit.args[3]);
        }
        let listener_socket = listener
            .as_ref()
            .and_then(|l| l.socket.clone())
            .unwrap_or_default();
        let socket = fd.socket.get_or_insert_with(SocketInfo::default);
        socket.l4proto = listener_socket.l4proto;
        socket.local = listener_socket.local;
        socket.is_server = Some(true);
        socket.connected = true;
        if let Some(SockAddr::Ip(ip, port)) = peer {
            socket.remote = Some(Endpoint { ip, port });
        }
        if kind.is_ip() {
            fd.rename_ip_socket();
        } else if let Some(listener) = &listener {
            fd.name.clone_from(&listener.name);
        }
        self.name_changed = true;
        self.add(process, fd);
    }
}

/// What an address tells about a socket's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Our own address (bind): we serve.
    Bound,
    /// The peer we contact (connect, sendto): we are the client.
    Client,
    /// The peer that contacted us (recvfrom): we serve, unless known otherwise.
    Server,
}

fn kind_of_address(addr: &SockAddr) -> FdKind {
    match addr {
        SockAddr::Ip(std::net::IpAddr::V4(_), _) => FdKind::Ipv4,
        SockAddr::Ip(std::net::IpAddr::V6(_), _) => FdKind::Ipv6,
        SockAddr::Unix(_) => FdKind::Unix,
        SockAddr::Other(AF_NETLINK) => FdKind::Netlink,
        SockAddr::Other(_) => FdKind::OtherSocket,
    }
}

/// An id argument of setre*id/setres*id: `-1` leaves the id unchanged.
fn id_arg(value: u64) -> Option<u32> {
    let id = value as u32;
    (id != u32::MAX).then_some(id)
}

/// bpf(2) commands that return a new descriptor.
fn bpf_creates_fd(cmd: u64) -> bool {
    // MAP_CREATE, PROG_LOAD, OBJ_GET, PROG_GET_FD_BY_ID, MAP_GET_FD_BY_ID,
    // RAW_TRACEPOINT_OPEN, BTF_LOAD, BTF_GET_FD_BY_ID, LINK_CREATE,
    // LINK_GET_FD_BY_ID, ENABLE_STATS, ITER_CREATE, TOKEN_CREATE.
    matches!(
        cmd,
        0 | 5 | 7 | 13 | 14 | 17 | 18 | 19 | 28 | 30 | 32 | 33 | 36
    )
}

#[cfg(test)]
mod tests {
    use super::nr;
    use super::{Changes, FdInfo, FdKind, Process};
    use crate::event::SyscallExit;
    use crate::state::ProcessInfo;
    use crate::state::kept_by::STATE_SYSCALLS;

    /// Every syscall that changes a process's entry must be captured
    /// whatever the rules say, or the tables drift from the host.
    #[test]
    fn every_syscall_with_an_effect_is_always_captured() {
        let (mut before, _) = Process::from_info(ProcessInfo::bare(10, "app"), 64);
        before.info.cwd = "/srv".into();
        before
            .fds
            .insert(FdInfo::new(3, FdKind::File, "/srv/data"), 64);
        let path = Some(b"/srv/other".to_vec());
        for number in 0..512 {
            if STATE_SYSCALLS.contains(&number) || [nr::SENDTO, nr::RECVFROM].contains(&number) {
                continue;
            }
            let exit = SyscallExit {
                nr: number,
                ret: 5,
                args: [3, 1, 2, 0, 0, 0],
                memory: std::array::from_fn(|_| path.clone()),
            };
            let mut after = before.clone();
            let mut changes = Changes {
                fd_limit: 64,
                evicted: 0,
                scratch: None,
                name_changed: false,
            };
            changes.apply(&mut after, &exit);
            assert_eq!(
                after,
                before,
                "syscall {number} ({:?}) changes the state but is not in STATE_SYSCALLS",
                crate::syscalls::name(number)
            );
        }
    }

    #[test]
    fn syscall_numbers_match_the_syscall_table() {
        for (name, number) in [
            ("open", nr::OPEN),
            ("close", nr::CLOSE),
            ("openat", nr::OPENAT),
            ("openat2", nr::OPENAT2),
            ("creat", nr::CREAT),
            ("dup3", nr::DUP3),
            ("pipe2", nr::PIPE2),
            ("socket", nr::SOCKET),
            ("connect", nr::CONNECT),
            ("accept4", nr::ACCEPT4),
            ("bind", nr::BIND),
            ("recvfrom", nr::RECVFROM),
            ("socketpair", nr::SOCKETPAIR),
            ("memfd_create", nr::MEMFD_CREATE),
            ("fchdir", nr::FCHDIR),
            ("setresgid", nr::SETRESGID),
            ("capset", nr::CAPSET),
            ("userfaultfd", nr::USERFAULTFD),
            ("bpf", nr::BPF),
            ("clone3", nr::CLONE3),
            ("execveat", nr::EXECVEAT),
            ("renameat2", nr::RENAMEAT2),
            ("symlinkat", nr::SYMLINKAT),
            ("linkat", nr::LINKAT),
            ("unlinkat", nr::UNLINKAT),
            ("fchmodat", nr::FCHMODAT),
            ("inotify_init1", nr::INOTIFY_INIT1),
            ("epoll_create1", nr::EPOLL_CREATE1),
            ("timerfd_create", nr::TIMERFD_CREATE),
            ("signalfd4", nr::SIGNALFD4),
            ("eventfd2", nr::EVENTFD2),
            ("pidfd_open", nr::PIDFD_OPEN),
            ("io_uring_setup", nr::IO_URING_SETUP),
            ("setsid", nr::SETSID),
            ("setpgid", nr::SETPGID),
            ("mount", nr::MOUNT),
            ("umount2", nr::UMOUNT2),
            ("getdents64", nr::GETDENTS64),
            ("sendfile", nr::SENDFILE),
            ("fchmodat2", nr::FCHMODAT2),
            ("mkdirat", nr::MKDIRAT),
            ("fchownat", nr::FCHOWNAT),
            ("renameat", nr::RENAMEAT),
        ] {
            assert_eq!(crate::syscalls::number(name), Some(number), "{name}");
        }
    }
}

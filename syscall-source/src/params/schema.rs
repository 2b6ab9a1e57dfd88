//! Falco's exit-event parameters of each syscall Lanner covers: their
//! names and order (what `evt.arg.<name>`, `evt.arg[i]` and `evt.args`
//! address), how each is shown, and where its value lives in a
//! [`SyscallExit`](crate::event::SyscallExit).
//!
//! The lists follow Falco's current exit events, which carry the enter
//! event's parameters after the exit's own (`ptrace` exit: `res, addr,
//! data, request, pid`). Parameters Falco's driver reads from kernel
//! structures Lanner does not capture (an opened file's device and inode,
//! accept queue sizes, memory counters) are kept in place, so positions
//! match Falco's, with [`Source::NotCaptured`].

use super::context::ProcessField;
use super::flags::at::{
    FCHOWNAT_FLAGS, LINKAT_FLAGS, OPENAT2_RESOLVE, RENAMEAT2_FLAGS, UNLINKAT_FLAGS,
};
use super::flags::bpf::BPF_COMMANDS;
use super::flags::clone::CLONE_FLAGS;
use super::flags::exe::EXE_FLAGS;
use super::flags::fcntl::FCNTL_COMMANDS;
use super::flags::memfd::MEMFD_FLAGS;
use super::flags::mount::{MOUNT_FLAGS, UMOUNT_FLAGS};
use super::flags::open::{FD_FLAGS, OPEN_FLAGS};
use super::flags::prctl::PRCTL_OPTIONS;
use super::flags::ptrace::PTRACE_REQUESTS;
use super::flags::socket::SOCKET_FAMILIES;
use super::flags::{EnumSet, FlagSet};

/// How a number is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// Decimal.
    Dec,
    /// Upper-case hexadecimal without prefix (`dev=FD00`).
    Hex,
    /// Octal with a leading 0 (`mode=0644`).
    Oct,
}

/// What a parameter is, which decides how Falco shows it.
#[derive(Clone, Copy, Debug)]
pub enum ParamKind {
    /// A syscall result: the number, and the errno name when negative.
    Errno,
    /// A file descriptor: the number, and `<tag>name` of the descriptor
    /// (`AT_FDCWD` for -100, the errno name when negative).
    Fd,
    /// A process or thread id: the number, and the thread's command name.
    Pid,
    /// A user id: the number, and the user name (`<NA>` when unknown).
    Uid,
    /// A group id: the number, and the group name (`<NA>` when unknown).
    Gid,
    /// An unsigned number.
    Unsigned(Base),
    /// A signed decimal number.
    Signed,
    /// A filesystem path: relative ones also show the absolute path
    /// against the thread's working directory.
    Path,
    /// A filesystem path relative to the directory descriptor held by
    /// parameter number `dirfd_param` (or the working directory for
    /// `AT_FDCWD`).
    RelativePath {
        /// Index of the dirfd parameter in the same schema.
        dirfd_param: usize,
    },
    /// Text shown as given.
    Text,
    /// A byte buffer: printable ASCII kept, every other byte a `.`.
    Bytes,
    /// A socket address (`ip:port`, a Unix path).
    SockAddr,
    /// A connection (`ip:port->ip:port`).
    SockTuple,
    /// Bit flags: the number and the names of its bits.
    Flags(&'static FlagSet),
    /// One value of an enumeration: the number and its name.
    Enum(&'static EnumSet),
    /// A file mode: octal number and `S_I*` names.
    Mode,
    /// A signal: the number and its `SIG*` name.
    Signal,
    /// The syscall of a generic event, shown by name.
    SyscallId,
}

/// Which capability set of a `capset` argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapabilitySet {
    /// `inheritable`.
    Inheritable,
    /// `permitted`.
    Permitted,
    /// `effective`.
    Effective,
}

/// Where a parameter's value comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// The return value.
    Return,
    /// Raw argument register `i`.
    Arg(usize),
    /// The user memory copied for argument `i` (string, address or buffer).
    Memory(usize),
    /// Element `index` of the `int[2]` copied for argument `arg`.
    MemoryI32 {
        /// Argument whose memory holds the pair.
        arg: usize,
        /// 0 or 1.
        index: usize,
    },
    /// A little-endian `u64` at `offset` in the struct copied for `arg`.
    MemoryU64 {
        /// Argument whose memory holds the struct.
        arg: usize,
        /// Byte offset of the field.
        offset: usize,
    },
    /// A 64-bit capability mask from the two `__user_cap_data_struct`s
    /// copied for argument `arg`.
    Capabilities {
        /// Argument whose memory holds the two structs.
        arg: usize,
        /// Which of the three masks.
        set: CapabilitySet,
    },
    /// The mode of an open: the mode value only counts when the flags can
    /// create a file. `flags: None` means the call always creates (`creat`).
    OpenMode {
        /// Where the open flags are.
        flags: Option<&'static Source>,
        /// Where the mode is.
        mode: &'static Source,
    },
    /// The connection of the socket `fd`: its name from the fd table, or
    /// else the peer address copied for argument `remote`.
    Tuple {
        /// Where the socket descriptor is.
        fd: &'static Source,
        /// Argument whose memory holds the peer address, if any.
        remote: Option<usize>,
    },
    /// A constant Falco's driver always sends (`fork` flags are 0).
    Zero,
    /// A process parameter from the state tables.
    Process(ProcessField),
    /// The syscall number.
    SyscallNumber,
    /// Falco has this parameter but Lanner's probe does not capture it.
    NotCaptured,
}

/// One exit-event parameter.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// Falco's parameter name (`evt.arg.<name>`).
    pub name: &'static str,
    /// How it is shown.
    pub kind: ParamKind,
    /// Where its value is.
    pub source: Source,
}

/// The exit-event parameters of one syscall.
#[derive(Debug)]
pub struct SyscallSchema {
    /// Falco's event name (`evt.type`).
    pub event: &'static str,
    /// Parameters in Falco's order.
    pub params: &'static [Param],
}

impl SyscallSchema {
    /// The parameter addressed by `key`: a name, or a position (`"0"`).
    pub fn find(&self, key: &str) -> Option<(usize, &'static Param)> {
        if let Ok(index) = key.parse::<usize>() {
            return self.params.get(index).map(|p| (index, p));
        }
        self.params.iter().enumerate().find(|(_, p)| p.name == key)
    }
}

const fn p(name: &'static str, kind: ParamKind, source: Source) -> Param {
    Param { name, kind, source }
}

use Base::{Dec, Hex, Oct};
use ParamKind as K;
use Source as S;

const RES: Param = p("res", K::Errno, S::Return);
const FD_RESULT: Param = p("fd", K::Fd, S::Return);

/// The schema of the syscall Falco calls `name` (its `evt.type`), if Falco
/// has a dedicated event for it. Syscalls without one are generic events
/// (see [`GENERIC`]).
pub fn by_event_name(name: &str) -> Option<&'static SyscallSchema> {
    all().find(|schema| schema.event == name)
}

/// Every dedicated schema.
pub fn all() -> impl Iterator<Item = &'static SyscallSchema> {
    ALL.iter().copied()
}

/// The dedicated schemas; [`by_event_name`] and [`super::schema`] look here.
const ALL: &[&SyscallSchema] = &[
    &OPEN,
    &OPENAT,
    &OPENAT2,
    &CREAT,
    &CLOSE,
    &READ,
    &WRITE,
    &PREAD,
    &PWRITE,
    &CONNECT,
    &ACCEPT,
    &ACCEPT4,
    &BIND,
    &LISTEN,
    &SOCKET,
    &SOCKETPAIR,
    &SENDTO,
    &RECVFROM,
    &CHMOD,
    &FCHMOD,
    &FCHMODAT,
    &CHOWN,
    &LCHOWN,
    &FCHOWN,
    &FCHOWNAT,
    &MOUNT,
    &UMOUNT2,
    &UNLINK,
    &UNLINKAT,
    &RENAME,
    &RENAMEAT,
    &RENAMEAT2,
    &MKDIR,
    &MKDIRAT,
    &RMDIR,
    &LINK,
    &LINKAT,
    &SYMLINK,
    &SYMLINKAT,
    &SETUID,
    &SETGID,
    &SETRESUID,
    &SETRESGID,
    &PTRACE,
    &MEMFD_CREATE,
    &DUP,
    &DUP2,
    &DUP3,
    &CHDIR,
    &FCHDIR,
    &PIPE,
    &PIPE2,
    &INIT_MODULE,
    &FINIT_MODULE,
    &BPF,
    &SETNS,
    &UNSHARE,
    &CAPSET,
    &PRCTL,
    &USERFAULTFD,
    &KILL,
    &TKILL,
    &TGKILL,
    &FCNTL,
    &EXECVE,
    &EXECVEAT,
    &CLONE,
    &CLONE3,
    &FORK,
    &VFORK,
];

/// A syscall Falco has no dedicated event for: one parameter naming it.
pub static GENERIC: SyscallSchema = SyscallSchema {
    event: "syscall",
    params: &[p("ID", K::SyscallId, S::SyscallNumber)],
};

/// A schema literal; a macro rather than a function so the parameter
/// arrays are borrowed for `'static` in the static initialisers.
macro_rules! schema {
    ($event:expr, $params:expr $(,)?) => {
        SyscallSchema {
            event: $event,
            params: $params,
        }
    };
}

// --- files -------------------------------------------------------------

static OPEN: SyscallSchema = schema!(
    "open",
    &[
        FD_RESULT,
        p("name", K::Path, S::Memory(0)),
        p("flags", K::Flags(&OPEN_FLAGS), S::Arg(1)),
        p(
            "mode",
            K::Unsigned(Oct),
            S::OpenMode {
                flags: Some(&S::Arg(1)),
                mode: &S::Arg(2)
            }
        ),
        p("dev", K::Unsigned(Hex), S::NotCaptured),
        p("ino", K::Unsigned(Dec), S::NotCaptured),
    ],
);

static OPENAT: SyscallSchema = schema!(
    "openat",
    &[
        FD_RESULT,
        p("dirfd", K::Fd, S::Arg(0)),
        p("name", K::RelativePath { dirfd_param: 1 }, S::Memory(1)),
        p("flags", K::Flags(&OPEN_FLAGS), S::Arg(2)),
        p(
            "mode",
            K::Unsigned(Oct),
            S::OpenMode {
                flags: Some(&S::Arg(2)),
                mode: &S::Arg(3)
            }
        ),
        p("dev", K::Unsigned(Hex), S::NotCaptured),
        p("ino", K::Unsigned(Dec), S::NotCaptured),
    ],
);

const OPEN_HOW_FLAGS: Source = S::MemoryU64 { arg: 2, offset: 0 };

static OPENAT2: SyscallSchema = schema!(
    "openat2",
    &[
        FD_RESULT,
        p("dirfd", K::Fd, S::Arg(0)),
        p("name", K::RelativePath { dirfd_param: 1 }, S::Memory(1)),
        p("flags", K::Flags(&OPEN_FLAGS), OPEN_HOW_FLAGS),
        p(
            "mode",
            K::Unsigned(Oct),
            S::OpenMode {
                flags: Some(&OPEN_HOW_FLAGS),
                mode: &S::MemoryU64 { arg: 2, offset: 8 }
            },
        ),
        p(
            "resolve",
            K::Flags(&OPENAT2_RESOLVE),
            S::MemoryU64 { arg: 2, offset: 16 }
        ),
    ],
);

static CREAT: SyscallSchema = schema!(
    "creat",
    &[
        FD_RESULT,
        p("name", K::Path, S::Memory(0)),
        p(
            "mode",
            K::Unsigned(Oct),
            S::OpenMode {
                flags: None,
                mode: &S::Arg(1)
            }
        ),
        p("dev", K::Unsigned(Hex), S::NotCaptured),
        p("ino", K::Unsigned(Dec), S::NotCaptured),
    ],
);

static CLOSE: SyscallSchema = schema!("close", &[RES, p("fd", K::Fd, S::Arg(0))]);

const DATA: Param = p("data", K::Bytes, S::Memory(1));
const IO_FD: Param = p("fd", K::Fd, S::Arg(0));
const IO_SIZE: Param = p("size", K::Unsigned(Dec), S::Arg(2));
const IO_POS: Param = p("pos", K::Unsigned(Dec), S::Arg(3));

static READ: SyscallSchema = schema!("read", &[RES, DATA, IO_FD, IO_SIZE]);
static WRITE: SyscallSchema = schema!("write", &[RES, DATA, IO_FD, IO_SIZE]);
static PREAD: SyscallSchema = schema!("pread", &[RES, DATA, IO_FD, IO_SIZE, IO_POS]);
static PWRITE: SyscallSchema = schema!("pwrite", &[RES, DATA, IO_FD, IO_SIZE, IO_POS]);

static CHMOD: SyscallSchema = schema!(
    "chmod",
    &[
        RES,
        p("filename", K::Path, S::Memory(0)),
        p("mode", K::Mode, S::Arg(1))
    ],
);

static FCHMOD: SyscallSchema = schema!(
    "fchmod",
    &[
        RES,
        p("fd", K::Fd, S::Arg(0)),
        p("mode", K::Mode, S::Arg(1))
    ]
);

static FCHMODAT: SyscallSchema = schema!(
    "fchmodat",
    &[
        RES,
        p("dirfd", K::Fd, S::Arg(0)),
        p("filename", K::RelativePath { dirfd_param: 1 }, S::Memory(1)),
        p("mode", K::Mode, S::Arg(2)),
    ],
);

const CHOWN_PARAMS: [Param; 4] = [
    RES,
    p("path", K::Path, S::Memory(0)),
    p("uid", K::Unsigned(Dec), S::Arg(1)),
    p("gid", K::Unsigned(Dec), S::Arg(2)),
];

static CHOWN: SyscallSchema = schema!("chown", &CHOWN_PARAMS);
static LCHOWN: SyscallSchema = schema!("lchown", &CHOWN_PARAMS);

static FCHOWN: SyscallSchema = schema!(
    "fchown",
    &[
        RES,
        p("fd", K::Fd, S::Arg(0)),
        p("uid", K::Unsigned(Dec), S::Arg(1)),
        p("gid", K::Unsigned(Dec), S::Arg(2)),
    ],
);

static FCHOWNAT: SyscallSchema = schema!(
    "fchownat",
    &[
        RES,
        p("dirfd", K::Fd, S::Arg(0)),
        p("pathname", K::RelativePath { dirfd_param: 1 }, S::Memory(1)),
        p("uid", K::Unsigned(Dec), S::Arg(2)),
        p("gid", K::Unsigned(Dec), S::Arg(3)),
        p("flags", K::Flags(&FCHOWNAT_FLAGS), S::Arg(4)),
    ],
);

static MOUNT: SyscallSchema = schema!(
    "mount",
    &[
        RES,
        p("dev", K::Text, S::Memory(0)),
        p("dir", K::Path, S::Memory(1)),
        p("type", K::Text, S::Memory(2)),
        p("flags", K::Flags(&MOUNT_FLAGS), S::Arg(3)),
    ],
);

static UMOUNT2: SyscallSchema = schema!(
    "umount2",
    &[
        RES,
        p("name", K::Path, S::Memory(0)),
        p("flags", K::Flags(&UMOUNT_FLAGS), S::Arg(1)),
    ],
);

static UNLINK: SyscallSchema = schema!("unlink", &[RES, p("path", K::Path, S::Memory(0))]);

static UNLINKAT: SyscallSchema = schema!(
    "unlinkat",
    &[
        RES,
        p("dirfd", K::Fd, S::Arg(0)),
        p("name", K::RelativePath { dirfd_param: 1 }, S::Memory(1)),
        p("flags", K::Flags(&UNLINKAT_FLAGS), S::Arg(2)),
    ],
);

static RENAME: SyscallSchema = schema!(
    "rename",
    &[
        RES,
        p("oldpath", K::Path, S::Memory(0)),
        p("newpath", K::Path, S::Memory(1))
    ],
);

const RENAMEAT_PARAMS: [Param; 5] = [
    RES,
    p("olddirfd", K::Fd, S::Arg(0)),
    p("oldpath", K::RelativePath { dirfd_param: 1 }, S::Memory(1)),
    p("newdirfd", K::Fd, S::Arg(2)),
    p("newpath", K::RelativePath { dirfd_param: 3 }, S::Memory(3)),
];

static RENAMEAT: SyscallSchema = schema!("renameat", &RENAMEAT_PARAMS);

static RENAMEAT2: SyscallSchema = schema!(
    "renameat2",
    &join::<5, 1, 6>(
        RENAMEAT_PARAMS,
        [p("flags", K::Flags(&RENAMEAT2_FLAGS), S::Arg(4))]
    ),
);

static MKDIR: SyscallSchema = schema!(
    "mkdir",
    &[
        RES,
        p("path", K::Path, S::Memory(0)),
        p("mode", K::Unsigned(Hex), S::Arg(1))
    ],
);

static MKDIRAT: SyscallSchema = schema!(
    "mkdirat",
    &[
        RES,
        p("dirfd", K::Fd, S::Arg(0)),
        p("path", K::RelativePath { dirfd_param: 1 }, S::Memory(1)),
        p("mode", K::Unsigned(Hex), S::Arg(2)),
    ],
);

static RMDIR: SyscallSchema = schema!("rmdir", &[RES, p("path", K::Path, S::Memory(0))]);

static LINK: SyscallSchema = schema!(
    "link",
    &[
        RES,
        p("oldpath", K::Path, S::Memory(0)),
        p("newpath", K::Path, S::Memory(1))
    ],
);

static LINKAT: SyscallSchema = schema!(
    "linkat",
    &[
        RES,
        p("olddir", K::Fd, S::Arg(0)),
        p("oldpath", K::RelativePath { dirfd_param: 1 }, S::Memory(1)),
        p("newdir", K::Fd, S::Arg(2)),
        p("newpath", K::RelativePath { dirfd_param: 3 }, S::Memory(3)),
        p("flags", K::Flags(&LINKAT_FLAGS), S::Arg(4)),
    ],
);

static SYMLINK: SyscallSchema = schema!(
    "symlink",
    &[
        RES,
        p("target", K::Text, S::Memory(0)),
        p("linkpath", K::Path, S::Memory(1))
    ],
);

static SYMLINKAT: SyscallSchema = schema!(
    "symlinkat",
    &[
        RES,
        p("target", K::Text, S::Memory(0)),
        p("linkdirfd", K::Fd, S::Arg(1)),
        p("linkpath", K::RelativePath { dirfd_param: 2 }, S::Memory(2)),
    ],
);

static CHDIR: SyscallSchema = schema!("chdir", &[RES, p("path", K::Text, S::Memory(0))]);
static FCHDIR: SyscallSchema = schema!("fchdir", &[RES, p("fd", K::Fd, S::Arg(0))]);

static MEMFD_CREATE: SyscallSchema = schema!(
    "memfd_create",
    &[
        FD_RESULT,
        p("name", K::Text, S::Memory(0)),
        p("flags", K::Flags(&MEMFD_FLAGS), S::Arg(1)),
    ],
);

// --- descriptors -------------------------------------------------------

static DUP: SyscallSchema = schema!(
    "dup",
    &[p("res", K::Fd, S::Return), p("oldfd", K::Fd, S::Arg(0))]
);

static DUP2: SyscallSchema = schema!(
    "dup2",
    &[
        p("res", K::Fd, S::Return),
        p("oldfd", K::Fd, S::Arg(0)),
        p("newfd", K::Fd, S::Arg(1))
    ],
);

static DUP3: SyscallSchema = schema!(
    "dup3",
    &[
        p("res", K::Fd, S::Return),
        p("oldfd", K::Fd, S::Arg(0)),
        p("newfd", K::Fd, S::Arg(1)),
        p("flags", K::Flags(&FD_FLAGS), S::Arg(2)),
    ],
);

const PIPE_PARAMS: [Param; 4] = [
    RES,
    p("fd1", K::Fd, S::MemoryI32 { arg: 0, index: 0 }),
    p("fd2", K::Fd, S::MemoryI32 { arg: 0, index: 1 }),
    p("ino", K::Unsigned(Dec), S::NotCaptured),
];

static PIPE: SyscallSchema = schema!("pipe", &PIPE_PARAMS);

static PIPE2: SyscallSchema = schema!(
    "pipe2",
    &join::<4, 1, 5>(PIPE_PARAMS, [p("flags", K::Flags(&FD_FLAGS), S::Arg(1))]),
);

static FCNTL: SyscallSchema = schema!(
    "fcntl",
    &[
        p("res", K::Fd, S::Return),
        p("fd", K::Fd, S::Arg(0)),
        p("cmd", K::Enum(&FCNTL_COMMANDS), S::Arg(1)),
    ],
);

static USERFAULTFD: SyscallSchema = schema!(
    "userfaultfd",
    &[RES, p("flags", K::Flags(&FD_FLAGS), S::Arg(0))]
);

// --- network -----------------------------------------------------------

static SOCKET: SyscallSchema = schema!(
    "socket",
    &[
        FD_RESULT,
        p("domain", K::Enum(&SOCKET_FAMILIES), S::Arg(0)),
        p("type", K::Unsigned(Dec), S::Arg(1)),
        p("proto", K::Unsigned(Dec), S::Arg(2)),
    ],
);

static SOCKETPAIR: SyscallSchema = schema!(
    "socketpair",
    &[
        RES,
        p("fd1", K::Fd, S::MemoryI32 { arg: 3, index: 0 }),
        p("fd2", K::Fd, S::MemoryI32 { arg: 3, index: 1 }),
        p("source", K::Unsigned(Hex), S::NotCaptured),
        p("peer", K::Unsigned(Hex), S::NotCaptured),
        p("domain", K::Enum(&SOCKET_FAMILIES), S::Arg(0)),
        p("type", K::Unsigned(Dec), S::Arg(1)),
        p("proto", K::Unsigned(Dec), S::Arg(2)),
    ],
);

static CONNECT: SyscallSchema = schema!(
    "connect",
    &[
        RES,
        p(
            "tuple",
            K::SockTuple,
            S::Tuple {
                fd: &S::Arg(0),
                remote: Some(1)
            }
        ),
        p("fd", K::Fd, S::Arg(0)),
        p("addr", K::SockAddr, S::Memory(1)),
    ],
);

const ACCEPT_PARAMS: [Param; 5] = [
    FD_RESULT,
    p(
        "tuple",
        K::SockTuple,
        S::Tuple {
            fd: &S::Return,
            remote: Some(1),
        },
    ),
    p("queuepct", K::Unsigned(Dec), S::NotCaptured),
    p("queuelen", K::Unsigned(Dec), S::NotCaptured),
    p("queuemax", K::Unsigned(Dec), S::NotCaptured),
];

static ACCEPT: SyscallSchema = schema!("accept", &ACCEPT_PARAMS);

static ACCEPT4: SyscallSchema = schema!(
    "accept4",
    &join::<5, 1, 6>(ACCEPT_PARAMS, [p("flags", K::Unsigned(Hex), S::Arg(3))]),
);

static BIND: SyscallSchema = schema!(
    "bind",
    &[
        RES,
        p("addr", K::SockAddr, S::Memory(1)),
        p("fd", K::Fd, S::Arg(0))
    ],
);

static LISTEN: SyscallSchema = schema!(
    "listen",
    &[
        RES,
        p("fd", K::Fd, S::Arg(0)),
        p("backlog", K::Signed, S::Arg(1))
    ],
);

static SENDTO: SyscallSchema = schema!(
    "sendto",
    &[
        RES,
        DATA,
        IO_FD,
        IO_SIZE,
        p(
            "tuple",
            K::SockTuple,
            S::Tuple {
                fd: &S::Arg(0),
                remote: Some(4)
            }
        ),
    ],
);

static RECVFROM: SyscallSchema = schema!(
    "recvfrom",
    &[
        RES,
        DATA,
        p(
            "tuple",
            K::SockTuple,
            S::Tuple {
                fd: &S::Arg(0),
                remote: Some(4)
            }
        ),
        IO_FD,
        IO_SIZE,
    ],
);

// --- identity, privileges, kernel --------------------------------------

static SETUID: SyscallSchema = schema!("setuid", &[RES, p("uid", K::Uid, S::Arg(0))]);
static SETGID: SyscallSchema = schema!("setgid", &[RES, p("gid", K::Gid, S::Arg(0))]);

static SETRESUID: SyscallSchema = schema!(
    "setresuid",
    &[
        RES,
        p("ruid", K::Uid, S::Arg(0)),
        p("euid", K::Uid, S::Arg(1)),
        p("suid", K::Uid, S::Arg(2)),
    ],
);

static SETRESGID: SyscallSchema = schema!(
    "setresgid",
    &[
        RES,
        p("rgid", K::Gid, S::Arg(0)),
        p("egid", K::Gid, S::Arg(1)),
        p("sgid", K::Gid, S::Arg(2)),
    ],
);

static CAPSET: SyscallSchema = schema!(
    "capset",
    &[
        RES,
        p(
            "cap_inheritable",
            K::Unsigned(Hex),
            S::Capabilities {
                arg: 1,
                set: CapabilitySet::Inheritable
            },
        ),
        p(
            "cap_permitted",
            K::Unsigned(Hex),
            S::Capabilities {
                arg: 1,
                set: CapabilitySet::Permitted
            },
        ),
        p(
            "cap_effective",
            K::Unsigned(Hex),
            S::Capabilities {
                arg: 1,
                set: CapabilitySet::Effective
            },
        ),
    ],
);

static PRCTL: SyscallSchema = schema!(
    "prctl",
    &[
        RES,
        p("option", K::Enum(&PRCTL_OPTIONS), S::Arg(0)),
        p("arg2_str", K::Text, S::NotCaptured),
        p("arg2_int", K::Signed, S::Arg(1)),
    ],
);

static PTRACE: SyscallSchema = schema!(
    "ptrace",
    &[
        RES,
        p("addr", K::Unsigned(Hex), S::Arg(2)),
        p("data", K::Unsigned(Hex), S::Arg(3)),
        p("request", K::Enum(&PTRACE_REQUESTS), S::Arg(0)),
        p("pid", K::Pid, S::Arg(1)),
    ],
);

static SETNS: SyscallSchema = schema!(
    "setns",
    &[
        RES,
        p("fd", K::Fd, S::Arg(0)),
        p("nstype", K::Flags(&CLONE_FLAGS), S::Arg(1))
    ],
);

static UNSHARE: SyscallSchema = schema!(
    "unshare",
    &[RES, p("flags", K::Flags(&CLONE_FLAGS), S::Arg(0))]
);

static INIT_MODULE: SyscallSchema = schema!(
    "init_module",
    &[
        RES,
        p("img", K::Bytes, S::NotCaptured),
        p("length", K::Unsigned(Dec), S::Arg(1)),
        p("uargs", K::Text, S::Memory(2)),
    ],
);

static FINIT_MODULE: SyscallSchema = schema!(
    "finit_module",
    &[
        RES,
        p("fd", K::Fd, S::Arg(0)),
        p("uargs", K::Text, S::Memory(1)),
        p("flags", K::Unsigned(Dec), S::Arg(2)),
    ],
);

static BPF: SyscallSchema = schema!(
    "bpf",
    &[FD_RESULT, p("cmd", K::Enum(&BPF_COMMANDS), S::Arg(0))],
);

static KILL: SyscallSchema = schema!(
    "kill",
    &[
        RES,
        p("pid", K::Pid, S::Arg(0)),
        p("sig", K::Signal, S::Arg(1))
    ],
);

static TKILL: SyscallSchema = schema!(
    "tkill",
    &[
        RES,
        p("tid", K::Pid, S::Arg(0)),
        p("sig", K::Signal, S::Arg(1))
    ],
);

static TGKILL: SyscallSchema = schema!(
    "tgkill",
    &[
        RES,
        p("pid", K::Pid, S::Arg(0)),
        p("tid", K::Pid, S::Arg(1)),
        p("sig", K::Signal, S::Arg(2)),
    ],
);

// --- processes ---------------------------------------------------------

const fn process(name: &'static str, kind: ParamKind, field: ProcessField) -> Param {
    p(name, kind, S::Process(field))
}

use ProcessField as F;

/// Concatenates two parameter lists at compile time.
const fn join<const A: usize, const B: usize, const N: usize>(
    a: [Param; A],
    b: [Param; B],
) -> [Param; N] {
    assert!(A + B == N, "joined length must be the sum of the parts");
    let mut out = [RES; N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < B {
        out[A + j] = b[j];
        j += 1;
    }
    out
}

/// The task parameters that open both the exec and the clone exits, after
/// the result.
const TASK: [Param; 14] = [
    process("exe", K::Text, F::Exe),
    process("args", K::Bytes, F::Args),
    process("tid", K::Pid, F::Tid),
    process("pid", K::Pid, F::Pid),
    process("ptid", K::Pid, F::Ptid),
    process("cwd", K::Text, F::Cwd),
    process("fdlimit", K::Unsigned(Dec), F::FdLimit),
    p("pgft_maj", K::Unsigned(Dec), S::NotCaptured),
    p("pgft_min", K::Unsigned(Dec), S::NotCaptured),
    p("vm_size", K::Unsigned(Dec), S::NotCaptured),
    p("vm_rss", K::Unsigned(Dec), S::NotCaptured),
    p("vm_swap", K::Unsigned(Dec), S::NotCaptured),
    process("comm", K::Text, F::Comm),
    process("cgroups", K::Bytes, F::Cgroups),
];

/// `execve`/`execveat` exit: Falco's 30 parameters, plus the `filename`
/// of the enter event. For a successful exec the caller builds the
/// `SyscallExit` from the exec record with the filename in memory of the
/// path argument.
const fn exec_params(filename_arg: usize) -> [Param; 31] {
    join::<15, 16, 31>(
        join::<1, 14, 15>([RES], TASK),
        [
            process("env", K::Bytes, F::Env),
            process("tty", K::Unsigned(Dec), F::Tty),
            process("vpgid", K::Pid, F::Vpgid),
            process("loginuid", K::Uid, F::LoginUid),
            process("flags", K::Flags(&EXE_FLAGS), F::ExeFlags),
            process("cap_inheritable", K::Unsigned(Hex), F::CapInheritable),
            process("cap_permitted", K::Unsigned(Hex), F::CapPermitted),
            process("cap_effective", K::Unsigned(Hex), F::CapEffective),
            process("exe_ino", K::Unsigned(Dec), F::ExeIno),
            process("exe_ino_ctime", K::Unsigned(Dec), F::ExeInoCtime),
            process("exe_ino_mtime", K::Unsigned(Dec), F::ExeInoMtime),
            process("uid", K::Uid, F::Uid),
            process("trusted_exepath", K::Text, F::TrustedExePath),
            process("pgid", K::Pid, F::Pgid),
            process("gid", K::Gid, F::Gid),
            p("filename", K::Path, S::Memory(filename_arg)),
        ],
    )
}

static EXECVE: SyscallSchema = schema!("execve", &exec_params(0));
static EXECVEAT: SyscallSchema = schema!("execveat", &exec_params(1));

/// `clone`/`clone3`/`fork`/`vfork` exit (Falco's 21 parameters).
const fn clone_params(flags: Source) -> [Param; 21] {
    join::<15, 6, 21>(
        join::<1, 14, 15>([p("res", K::Pid, S::Return)], TASK),
        [
            p("flags", K::Flags(&CLONE_FLAGS), flags),
            process("uid", K::Unsigned(Dec), F::Uid),
            process("gid", K::Unsigned(Dec), F::Gid),
            process("vtid", K::Pid, F::Vtid),
            process("vpid", K::Pid, F::Vpid),
            process("pidns_init_start_ts", K::Unsigned(Dec), F::PidnsInitStartTs),
        ],
    )
}

static CLONE: SyscallSchema = schema!("clone", &clone_params(S::Arg(0)));
static CLONE3: SyscallSchema = schema!("clone3", &clone_params(S::MemoryU64 { arg: 0, offset: 0 }));
static FORK: SyscallSchema = schema!("fork", &clone_params(S::Zero));
static VFORK: SyscallSchema = schema!("vfork", &clone_params(S::Zero));

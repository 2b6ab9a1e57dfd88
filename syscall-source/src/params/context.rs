//! What rendering a parameter needs to know beyond the syscall's own
//! registers and memory: the state tables' view of the calling thread.
//!
//! Falco resolves a descriptor to the file it names (`fd=3(<f>/etc/shadow)`),
//! a relative path against the thread's working directory or the `dirfd`,
//! a uid to a user name, and fills the process parameters of `execve` and
//! `clone` exits from its thread table. Lanner's state module implements
//! [`ParamContext`] for one event; every method has a default that knows
//! nothing, so a caller implements only what it has.

use std::borrow::Cow;

/// A process parameter of the `execve`/`execveat` and `clone`/`fork`
/// exits, which Falco's driver reads from the task and Lanner's state
/// tables provide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessField {
    /// The executable as invoked (`argv[0]` for execve, Falco's `exe`).
    Exe,
    /// The arguments after `argv[0]`.
    Args,
    /// The thread id.
    Tid,
    /// The process id.
    Pid,
    /// The parent's process id.
    Ptid,
    /// The working directory.
    Cwd,
    /// The open-file limit.
    FdLimit,
    /// The command name (`comm`).
    Comm,
    /// The cgroups, `subsys=path` entries.
    Cgroups,
    /// The environment.
    Env,
    /// The controlling terminal's device number.
    Tty,
    /// The process group id, as the process's own pid namespace sees it.
    Vpgid,
    /// The process group id.
    Pgid,
    /// The login uid.
    LoginUid,
    /// Facts about the executable, in Falco's `EXE_*` encoding
    /// ([`crate::params::flags::exe`]).
    ExeFlags,
    /// Inheritable capabilities (64-bit mask).
    CapInheritable,
    /// Permitted capabilities.
    CapPermitted,
    /// Effective capabilities.
    CapEffective,
    /// The executable's inode number.
    ExeIno,
    /// The executable's inode change time, nanoseconds since the epoch.
    ExeInoCtime,
    /// The executable's modification time, nanoseconds since the epoch.
    ExeInoMtime,
    /// The user id.
    Uid,
    /// The group id.
    Gid,
    /// The executable's resolved path.
    TrustedExePath,
    /// The thread id as the thread's own pid namespace sees it.
    Vtid,
    /// The process id as the process's own pid namespace sees it.
    Vpid,
    /// Start time of the pid namespace's init, nanoseconds since the epoch.
    PidnsInitStartTs,
}

/// A process parameter's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProcessValue {
    /// A number.
    Num(i64),
    /// Text.
    Text(String),
    /// A list (arguments, environment, cgroups), shown NUL-separated as
    /// Falco's byte buffers hold them.
    List(Vec<String>),
}

/// The thread state a parameter's text may depend on. Defaults know
/// nothing; the parameter is then shown without the resolved part.
pub trait ParamContext {
    /// The name of descriptor `fd` of the calling thread as Falco's
    /// `fd.name` shows it: a path for files, `ip:port->ip:port` for
    /// connected IP sockets, the path for Unix sockets.
    fn fd_name(&self, _fd: i64) -> Option<Cow<'_, str>> {
        None
    }

    /// Falco's type tag of descriptor `fd` as `evt.args` shows it before
    /// the name: `f` file, `d` directory, `4t`/`4u`/`6t`/`6u` IP sockets
    /// (version and L4 protocol), `u` Unix socket, `p` pipe, `e` eventfd,
    /// `s` signalfd, `n` netlink, `m` memfd, `b` bpf.
    fn fd_tag(&self, _fd: i64) -> Option<Cow<'_, str>> {
        None
    }

    /// The calling thread's working directory.
    fn cwd(&self) -> Option<Cow<'_, str>> {
        None
    }

    /// The name of user `uid` (in the thread's container, if any).
    fn user_name(&self, _uid: u32) -> Option<Cow<'_, str>> {
        None
    }

    /// The name of group `gid` (in the thread's container, if any).
    fn group_name(&self, _gid: u32) -> Option<Cow<'_, str>> {
        None
    }

    /// The command name of thread `tid`, for pid parameters
    /// (`pid=1234(bash)`).
    fn thread_comm(&self, _tid: i64) -> Option<Cow<'_, str>> {
        None
    }

    /// A process parameter of an exec or clone exit.
    fn process_value(&self, _field: ProcessField) -> Option<ProcessValue> {
        None
    }
}

/// A context that knows nothing: parameters render from the registers and
/// copied memory alone.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoContext;

impl ParamContext for NoContext {}

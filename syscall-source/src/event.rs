//! The decoded form of a probe record, as the rest of Lanner sees it.

/// One event from the syscall source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallEvent {
    /// Wall-clock time of the event, nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    /// Thread-group id (the process id).
    pub pid: u32,
    /// Thread id.
    pub tid: u32,
    /// Real user id.
    pub uid: u32,
    /// Real group id.
    pub gid: u32,
    /// The thread's command name (`comm`), at most 15 bytes.
    pub comm: String,
    /// What happened.
    pub detail: EventDetail,
}

/// What kind of event this is, with the data specific to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventDetail {
    /// A successful execve/execveat: the process now runs `filename`.
    Exec {
        /// The file the kernel executed, as given to execve (not canonicalised).
        filename: String,
        /// The thread id before exec (differs when a non-leader thread execs).
        old_tid: u32,
    },
    /// Any other syscall return (including failed execs).
    SyscallExit {
        /// x86-64 syscall number.
        nr: u64,
        /// Return value; negative errno on failure.
        ret: i64,
        /// Raw argument registers.
        args: [u64; 6],
        /// The path argument, for syscalls that take one.
        path: Option<String>,
    },
}

impl SyscallEvent {
    /// The Falco event type name (`evt.type`): `execve` for execs, else the syscall's name.
    pub fn evt_type(&self) -> &'static str {
        match &self.detail {
            EventDetail::Exec { .. } => "execve",
            EventDetail::SyscallExit { nr, .. } => crate::syscalls::name(*nr).unwrap_or("unknown"),
        }
    }
}

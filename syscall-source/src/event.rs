//! The decoded form of probe records, as the rest of Lanner sees them, and
//! the records a capture holds.
//!
//! The live reader turns ring-buffer records into [`SyscallEvent`]s and,
//! where only the running system knows something (a `/proc` snapshot of a
//! new process, the path of a cgroup id), adds a [`CaptureRecord`] carrying
//! it. The state tables consume exactly this stream, live or replayed from a
//! capture file, so a replay reaches the same state and the same alerts.

use crate::state::{ContainerInfo, Endpoint, L4Proto, ProcessInfo, UserDb};
use serde::{Deserialize, Serialize};

/// One event from the syscall source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallEvent {
    /// Wall-clock time of the event, nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    /// The CPU the probe ran on.
    pub cpu: u16,
    /// Thread-group id (the process id), as the host's pid namespace sees it.
    pub pid: u32,
    /// Thread id, as the host's pid namespace sees it.
    pub tid: u32,
    /// Real user id.
    pub uid: u32,
    /// Real group id.
    pub gid: u32,
    /// The thread's cgroup (v2) id, 0 when unknown; [`CaptureRecord::Cgroup`] names it.
    pub cgroup_id: u64,
    /// The thread's command name (`comm`), at most 15 bytes.
    pub comm: String,
    /// What happened.
    pub detail: EventDetail,
}

/// What kind of event this is, with the data specific to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventDetail {
    /// A syscall returned (failed execs included; successful ones are [`EventDetail::Exec`]).
    Syscall(SyscallExit),
    /// execve/execveat was entered: the arguments and environment as the
    /// caller passed them, captured before the old image is gone. The
    /// [`EventDetail::Exec`] that follows on success (same thread) uses them.
    ExecArgs {
        /// `argv`, bounded in count and length by the probe.
        argv: Vec<String>,
        /// `envp`, bounded likewise.
        env: Vec<String>,
    },
    /// A successful execve/execveat: the process now runs `filename`.
    Exec {
        /// The file the kernel executed, as given to execve (not canonicalised).
        filename: String,
        /// The thread id before exec (differs when a non-leader thread execs).
        old_tid: u32,
        /// The controlling terminal (`tty_nr` encoding, 0 for none), read
        /// from the task at exec; `None` when the probe could not.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tty: Option<u32>,
        /// The audit login uid (`u32::MAX` when unset) read at exec; `None`
        /// when the probe could not.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        loginuid: Option<u32>,
    },
    /// The current thread created a task (`sched_process_fork`): a process,
    /// or a thread when the child's first event shows it shares a thread group.
    Fork {
        /// The child's thread id, as the host sees it.
        child_tid: u32,
    },
    /// The current thread exited (`sched_process_exit`).
    Exit,
}

/// A syscall's return, with the argument registers and the user memory the
/// probe copied for the arguments that point at it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallExit {
    /// x86-64 syscall number.
    pub nr: u64,
    /// Return value; negative errno on failure.
    pub ret: i64,
    /// Raw argument registers.
    pub args: [u64; 6],
    /// Copied user memory, by argument position: the string a path argument
    /// points at (without its NUL), the bytes of a socket address, the first
    /// bytes of an I/O buffer. `None` for arguments not copied or unreadable.
    #[serde(with = "memory_text")]
    pub memory: [Option<Vec<u8>>; 6],
}

/// One record of the syscall stream: what the state tables consume, and
/// what a capture file holds, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// Events are nearly every record: boxing them to shrink the rare variants
// would cost an allocation per event, the opposite of the point.
#[allow(clippy::large_enum_variant)]
pub enum CaptureRecord {
    /// A probe event.
    Event(SyscallEvent),
    /// What `/proc` said about a process: at start for every process, and
    /// after an exec when the process could still be read. Boxed: records
    /// are moved around by the million and this one is by far the largest.
    Process(Box<ProcessInfo>),
    /// The path of a cgroup (v2) id, from the cgroup filesystem.
    Cgroup {
        /// The id events carry in [`SyscallEvent::cgroup_id`].
        id: u64,
        /// Its path below the cgroup v2 root, e.g. `/docker/<64 hex>`.
        path: String,
    },
    /// The users and groups of the host (`container: None`) or of a container
    /// (its own `/etc/passwd` and `/etc/group`).
    Users {
        /// The container's short id, `None` for the host.
        container: Option<String>,
        /// Its users and groups.
        db: Box<UserDb>,
    },
    /// Both ends of an IP socket as the kernel's socket tables showed them
    /// right after a connect, accept, bind or listen: the probe copies only
    /// the address the caller passed, not the local address and port the
    /// kernel chose (nor the peer of an accept without an address buffer).
    /// It comes right before the event it belongs to, which then reports
    /// both ends.
    Socket {
        /// The process holding the socket.
        pid: u32,
        /// The descriptor the event acts on (the new one for an accept).
        fd: i64,
        /// Transport protocol, from the table the socket was found in.
        #[serde(default)]
        l4proto: Option<L4Proto>,
        /// The socket's own address and port.
        local: Endpoint,
        /// The peer, when connected.
        #[serde(default)]
        remote: Option<Endpoint>,
    },
    /// What the container runtime's files say about a container (name,
    /// image, mounts, privileges, pod), the first time one of its processes
    /// is seen.
    ContainerInfo(ContainerInfo),
}

impl SyscallEvent {
    /// The Falco event type name (`evt.type`): `execve` for execs, the
    /// syscall's name for syscalls, `procexit` for a thread's exit; `None` for
    /// the records that only feed the state tables (exec arguments, forks),
    /// which rules never see.
    pub fn evt_type(&self) -> Option<&'static str> {
        match &self.detail {
            EventDetail::Exec { .. } => Some("execve"),
            EventDetail::Exit => Some("procexit"),
            EventDetail::Syscall(exit) => Some(crate::syscalls::name(exit.nr).unwrap_or("unknown")),
            EventDetail::ExecArgs { .. } | EventDetail::Fork { .. } => None,
        }
    }
}

/// Copied user memory in a capture file: text where it is UTF-8 (paths, the
/// usual case, stay readable), else the list of byte values.
mod memory_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Bytes {
        Text(String),
        Raw(Vec<u8>),
    }

    impl From<&Vec<u8>> for Bytes {
        fn from(bytes: &Vec<u8>) -> Self {
            match std::str::from_utf8(bytes) {
                Ok(text) => Bytes::Text(text.to_owned()),
                Err(_) => Bytes::Raw(bytes.clone()),
            }
        }
    }

    pub fn serialize<S: Serializer>(
        memory: &[Option<Vec<u8>>; 6],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let encoded: Vec<Option<Bytes>> =
            memory.iter().map(|m| m.as_ref().map(Bytes::from)).collect();
        encoded.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<[Option<Vec<u8>>; 6], D::Error> {
        let decoded: Vec<Option<Bytes>> = Vec::deserialize(deserializer)?;
        if decoded.len() != 6 {
            return Err(serde::de::Error::invalid_length(
                decoded.len(),
                &"6 arguments",
            ));
        }
        let mut memory: [Option<Vec<u8>>; 6] = Default::default();
        for (slot, bytes) in memory.iter_mut().zip(decoded) {
            *slot = bytes.map(|b| match b {
                Bytes::Text(text) => text.into_bytes(),
                Bytes::Raw(raw) => raw,
            });
        }
        Ok(memory)
    }
}

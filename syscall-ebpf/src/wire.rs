//! Records written by the probe into the ring buffer, and the maps' value types.
//!
//! Every record starts with a [`RecordHeader`]; its `kind` says which record
//! follows. Sizes are fixed so the probe can reserve ring space in one step.

/// Number of slots in the syscall interest table (x86-64 syscall numbers are below this).
pub const SYSCALL_TABLE_SIZE: u32 = 512;

/// Bytes reserved for a path or file name read from user or kernel memory.
pub const MAX_PATH_LEN: usize = 4096;

/// Name of the ring buffer map the probe writes records into.
pub const EVENTS_MAP: &str = "EVENTS";
/// Name of the array map holding one interest flag per syscall number.
pub const INTEREST_MAP: &str = "INTERESTING_SYSCALLS";
/// Name of the per-CPU array map holding [`Counters`].
pub const COUNTERS_MAP: &str = "COUNTERS";
/// Global the loader overrides with the offset of `filename`'s `__data_loc`
/// word inside the `sched_process_exec` tracepoint record (read from tracefs).
pub const EXEC_FILENAME_LOC_GLOBAL: &str = "EXEC_FILENAME_LOC_OFFSET";
/// Global the loader overrides with the offset of `old_pid` in that record.
pub const EXEC_OLD_PID_GLOBAL: &str = "EXEC_OLD_PID_OFFSET";
/// Global the loader overrides with its own thread-group id, so the probe
/// does not report the reader's own syscalls back to it.
pub const SELF_TGID_GLOBAL: &str = "SELF_TGID";

/// Which record follows a [`RecordHeader`].
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// A syscall returned; [`SyscallExit`] follows.
    SyscallExit = 1,
    /// A process image was replaced by a successful execve/execveat; [`Exec`] follows.
    Exec = 2,
}

impl RecordKind {
    /// Decodes the raw `kind` word of a header.
    pub fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            1 => Some(Self::SyscallExit),
            2 => Some(Self::Exec),
            _ => None,
        }
    }
}

/// The common prefix of every record.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RecordHeader {
    /// `bpf_ktime_get_boot_ns()` when the record was produced.
    pub boot_ns: u64,
    /// A [`RecordKind`] as its raw value.
    pub kind: u32,
    /// Thread-group id (the userspace "pid").
    pub tgid: u32,
    /// Thread id.
    pub tid: u32,
    /// Real user id of the thread.
    pub uid: u32,
    /// Real group id of the thread.
    pub gid: u32,
    /// Padding, always zero.
    pub reserved: u32,
    /// The thread's `comm` (NUL-padded).
    pub comm: [u8; 16],
}

/// A syscall exit: its number, return value, raw arguments and, for syscalls
/// whose first interesting argument is a path, that path.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SyscallExit {
    /// Common header; `kind` is [`RecordKind::SyscallExit`].
    pub header: RecordHeader,
    /// x86-64 syscall number.
    pub nr: u64,
    /// The syscall's return value (negative errno on failure).
    pub ret: i64,
    /// The six raw argument registers.
    pub args: [u64; 6],
    /// Bytes of `path` that are valid (0 when no path was read).
    pub path_len: u32,
    /// Padding, always zero.
    pub reserved: u32,
    /// NUL-terminated path argument, when the syscall has one.
    pub path: [u8; MAX_PATH_LEN],
}

/// A successful exec, from the `sched_process_exec` tracepoint.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Exec {
    /// Common header; `kind` is [`RecordKind::Exec`].
    pub header: RecordHeader,
    /// The pid before exec (differs from `tgid` when a non-leader thread execs).
    pub old_tid: u32,
    /// Bytes of `filename` that are valid.
    pub filename_len: u32,
    /// NUL-terminated file name the kernel executed.
    pub filename: [u8; MAX_PATH_LEN],
}

/// Per-CPU counters of what the probe saw and what it could not deliver.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    /// Records the probe tried to send.
    pub events: u64,
    /// Records lost because the ring buffer was full.
    pub drops: u64,
}

/// x86-64 syscall numbers the probe treats specially.
pub mod nr {
    /// `execve(filename, argv, envp)`.
    pub const EXECVE: u64 = 59;
    /// `execveat(dirfd, pathname, argv, envp, flags)`.
    pub const EXECVEAT: u64 = 322;
}

// The loader reads these from a per-CPU map, which needs aya's plain-old-data marker.
#[cfg(feature = "user")]
// SAFETY: `Counters` is `repr(C)`, made only of integers, with no padding.
unsafe impl aya::Pod for Counters {}

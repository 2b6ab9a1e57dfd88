//! Records the probe writes into its ring buffers, and the maps' value types.
//!
//! Every record starts with a [`RecordHeader`]; its `kind` says which record
//! follows. Records with variable-size parts (copied user memory, exec
//! arguments, the exec file name) have a fixed head followed by the bytes the
//! head's length fields describe, back to back. A record is never larger than
//! [`RECORD_LIMIT`]. All integers are little-endian (the probe's native order).

/// Number of slots in the syscall tables (x86-64 syscall numbers are below this).
pub const SYSCALL_TABLE_SIZE: u32 = 512;

/// Most bytes copied for one argument: a path (without its NUL), a socket
/// address, a fixed struct, or the captured part of an I/O buffer.
pub const MAX_COPY_LEN: usize = 4096;

/// Largest record the probe emits. Offsets into the scratch buffer are masked
/// with `RECORD_LIMIT - 1`, so it must be a power of two.
pub const RECORD_LIMIT: usize = 16 * 1024;

/// Size of each CPU's scratch buffer. Twice [`RECORD_LIMIT`], so that a masked
/// offset plus one [`MAX_COPY_LEN`] copy always stays inside the buffer, which
/// is what lets the verifier accept variable offsets.
pub const SCRATCH_LEN: usize = 2 * RECORD_LIMIT;

/// Most `argv` (and, separately, `envp`) pointers an exec-arguments record follows.
pub const MAX_EXEC_POINTERS: u32 = 32;

/// Most bytes of `argv` text (and, separately, of `envp` text) in an
/// exec-arguments record, NULs included. A string that does not fit is cut
/// and ends the list.
pub const MAX_EXEC_TEXT: usize = 4096;

/// Name of the array-of-maps holding one ring buffer per possible CPU.
pub const RINGS_MAP: &str = "RINGS";
/// Name of the per-CPU-indexed array of scratch buffers.
pub const SCRATCH_MAP: &str = "SCRATCH";
/// Name of the array map holding one `sys_exit` interest flag per syscall number.
pub const INTEREST_MAP: &str = "INTERESTING_SYSCALLS";
/// Name of the array map holding one [`SyscallMemory`] per syscall number.
pub const MEMORY_MAP: &str = "SYSCALL_MEMORY";
/// Name of the per-CPU array map holding [`Counters`].
pub const COUNTERS_MAP: &str = "COUNTERS";
/// Global the loader overrides with the offset of `filename`'s `__data_loc`
/// word inside the `sched_process_exec` tracepoint record (read from tracefs).
pub const EXEC_FILENAME_LOC_GLOBAL: &str = "EXEC_FILENAME_LOC_OFFSET";
/// Global the loader overrides with the offset of `old_pid` in that record.
pub const EXEC_OLD_PID_GLOBAL: &str = "EXEC_OLD_PID_OFFSET";
/// Global the loader overrides with the offset of `child_pid` in the
/// `sched_process_fork` tracepoint record.
pub const FORK_CHILD_PID_GLOBAL: &str = "FORK_CHILD_PID_OFFSET";
/// Globals the loader overrides with the offsets of `argv` and `envp` in the
/// `syscalls:sys_enter_execve` and `sys_enter_execveat` records (from tracefs).
pub const EXECVE_ARGV_GLOBAL: &str = "EXECVE_ARGV_OFFSET";
/// See [`EXECVE_ARGV_GLOBAL`].
pub const EXECVE_ENVP_GLOBAL: &str = "EXECVE_ENVP_OFFSET";
/// See [`EXECVE_ARGV_GLOBAL`].
pub const EXECVEAT_ARGV_GLOBAL: &str = "EXECVEAT_ARGV_OFFSET";
/// See [`EXECVE_ARGV_GLOBAL`].
pub const EXECVEAT_ENVP_GLOBAL: &str = "EXECVEAT_ENVP_OFFSET";
/// Global the loader overrides with its own thread-group id, so the probe
/// does not report the reader's own activity back to it.
pub const SELF_TGID_GLOBAL: &str = "SELF_TGID";
/// Global the loader overrides with kernel struct member offsets read from
/// this kernel's BTF (`/sys/kernel/btf/vmlinux`), indexed by [`task_offset`].
pub const TASK_OFFSETS_GLOBAL: &str = "TASK_OFFSETS";

/// Indexes into the [`TASK_OFFSETS_GLOBAL`] array: byte offsets of the
/// members the exec record follows from the current task to its
/// controlling terminal and login uid. The layouts differ between kernel
/// builds, so none is compiled in.
pub mod task_offset {
    /// `task_struct.signal` (a `struct signal_struct *`).
    pub const TASK_SIGNAL: usize = 0;
    /// `signal_struct.tty` (a `struct tty_struct *`, null without a terminal).
    pub const SIGNAL_TTY: usize = 1;
    /// `tty_struct.index` (an `int`).
    pub const TTY_INDEX: usize = 2;
    /// `tty_struct.driver` (a `struct tty_driver *`).
    pub const TTY_DRIVER: usize = 3;
    /// `tty_driver.major` (an `int`).
    pub const DRIVER_MAJOR: usize = 4;
    /// `tty_driver.minor_start` (an `int`).
    pub const DRIVER_MINOR_START: usize = 5;
    /// `task_struct.loginuid` (a `kuid_t`; absent without `CONFIG_AUDIT`).
    pub const TASK_LOGINUID: usize = 6;
    /// Number of offsets.
    pub const COUNT: usize = 8;
    /// An offset this kernel's BTF did not give: the value it leads to is not read.
    pub const UNKNOWN: u32 = u32::MAX;
}

/// Bits of [`ExecHead::known`].
pub mod exec_known {
    /// [`super::ExecHead::tty`] was read from the task.
    pub const TTY: u32 = 1;
    /// [`super::ExecHead::loginuid`] was read from the task.
    pub const LOGINUID: u32 = 2;
}

/// Which record follows a [`RecordHeader`].
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// A syscall returned; [`SyscallExitHead`] and the copied memory follow.
    SyscallExit = 1,
    /// A successful execve/execveat; [`ExecHead`] and the file name follow.
    Exec = 2,
    /// execve/execveat was entered; [`ExecArgsHead`] and the argv/env text follow.
    ExecArgs = 3,
    /// A task was created; [`Fork`] is the whole record.
    Fork = 4,
    /// A thread exited; the header is the whole record.
    Exit = 5,
}

/// One more than the largest [`RecordKind`] value: the size of per-kind counter arrays.
pub const RECORD_KINDS: usize = 6;

impl RecordKind {
    /// Decodes the raw `kind` word of a header.
    pub fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            1 => Some(Self::SyscallExit),
            2 => Some(Self::Exec),
            3 => Some(Self::ExecArgs),
            4 => Some(Self::Fork),
            5 => Some(Self::Exit),
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
    /// `bpf_get_current_cgroup_id()`: the thread's cgroup v2 id.
    pub cgroup_id: u64,
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
    /// The CPU the probe ran on.
    pub cpu: u32,
    /// The thread's `comm` (NUL-padded).
    pub comm: [u8; 16],
}

/// The fixed part of a syscall-exit record. The copied memory follows it: for
/// each argument `i` whose bit is set in `memory_present`, in argument order,
/// `memory_lens[i]` bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SyscallExitHead {
    /// Common header; `kind` is [`RecordKind::SyscallExit`].
    pub header: RecordHeader,
    /// x86-64 syscall number.
    pub nr: u64,
    /// The syscall's return value (negative errno on failure).
    pub ret: i64,
    /// The six raw argument registers.
    pub args: [u64; 6],
    /// Bit `i` set: memory for argument `i` follows (possibly zero bytes).
    pub memory_present: u32,
    /// Bytes copied for each argument (0 when absent).
    pub memory_lens: [u16; 6],
}

/// The fixed part of an exec record; `filename_len` bytes of file name (no NUL) follow.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ExecHead {
    /// Common header; `kind` is [`RecordKind::Exec`].
    pub header: RecordHeader,
    /// The pid before exec (differs from `tgid` when a non-leader thread execs).
    pub old_tid: u32,
    /// Bytes of file name that follow.
    pub filename_len: u32,
    /// The controlling terminal as `/proc/PID/stat` encodes it (`tty_nr`),
    /// 0 without one; valid when [`exec_known::TTY`] is set in `known`.
    pub tty: u32,
    /// The audit login uid (`u32::MAX` when unset); valid when
    /// [`exec_known::LOGINUID`] is set in `known`.
    pub loginuid: u32,
    /// Which of the task values above were read ([`exec_known`] bits).
    pub known: u32,
    /// Keeps the record's size a multiple of 8.
    pub reserved: u32,
}

/// The fixed part of an exec-arguments record. `argv_len` bytes of argv text
/// follow, then `env_len` bytes of env text; each text is its strings, each
/// ended by a NUL.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ExecArgsHead {
    /// Common header; `kind` is [`RecordKind::ExecArgs`].
    pub header: RecordHeader,
    /// Number of argv strings in the argv text.
    pub argc: u32,
    /// Number of env strings in the env text.
    pub envc: u32,
    /// Bytes of argv text.
    pub argv_len: u32,
    /// Bytes of env text.
    pub env_len: u32,
}

/// A task creation, from the `sched_process_fork` tracepoint.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Fork {
    /// Common header; `kind` is [`RecordKind::Fork`]; the ids are the parent thread's.
    pub header: RecordHeader,
    /// The new task's thread id.
    pub child_tid: u32,
    /// Padding, always zero.
    pub reserved: u32,
}

/// How the probe copies the user memory one syscall argument points at.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyKind {
    /// Nothing is copied.
    None = 0,
    /// A NUL-terminated string, at most `max_len` bytes without the NUL.
    String = 1,
    /// Exactly `max_len` bytes.
    Fixed = 2,
    /// As many bytes as argument register `length_arg` says, at most `max_len`.
    LengthInArg = 3,
    /// As many bytes as the `int` that argument register `length_arg` points
    /// at says (read at exit), at most `max_len`; nothing when that pointer is NULL.
    LengthAtPointer = 4,
    /// As many bytes as the return value, at most `max_len`; nothing unless it is positive.
    ReturnValue = 5,
}

impl CopyKind {
    /// Decodes a raw kind byte.
    pub fn from_raw(raw: u8) -> Option<Self> {
        match raw {
            0 => Some(Self::None),
            1 => Some(Self::String),
            2 => Some(Self::Fixed),
            3 => Some(Self::LengthInArg),
            4 => Some(Self::LengthAtPointer),
            5 => Some(Self::ReturnValue),
            _ => None,
        }
    }
}

/// [`ArgCopy::flags`] bit: copy only when the syscall succeeded (`ret >= 0`),
/// for memory the kernel fills in (pipe fds, accepted peer addresses).
pub const COPY_ON_SUCCESS: u8 = 1;

/// The copy rule for one argument.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArgCopy {
    /// A [`CopyKind`] as its raw value.
    pub kind: u8,
    /// The argument register holding (or pointing at) the length, for the kinds that use one.
    pub length_arg: u8,
    /// [`COPY_ON_SUCCESS`] or 0.
    pub flags: u8,
    /// Padding, always zero.
    pub reserved: u8,
    /// Most bytes to copy; the probe also caps it at [`MAX_COPY_LEN`].
    pub max_len: u32,
}

/// The copy rules for one syscall's six arguments, as the loader writes them
/// into [`MEMORY_MAP`] at the syscall's number.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyscallMemory {
    /// Rule per argument position.
    pub args: [ArgCopy; 6],
}

/// Per-CPU counters of what the probe saw and what it could not deliver.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    /// Records the probe tried to send (including dropped ones).
    pub events: u64,
    /// Records lost because this CPU's ring buffer was full.
    pub drops: u64,
    /// `drops`, split by [`RecordKind`] value (index 0 is unused).
    pub drops_by_kind: [u64; RECORD_KINDS],
    /// Arguments whose memory was left out because the record was full.
    pub truncated: u64,
}

/// x86-64 syscall numbers the probe treats specially.
pub mod nr {
    /// `execve(filename, argv, envp)`.
    pub const EXECVE: u64 = 59;
    /// `execveat(dirfd, pathname, argv, envp, flags)`.
    pub const EXECVEAT: u64 = 322;
}

// The loader reads and writes these through maps, which needs aya's plain-old-data marker.
#[cfg(feature = "user")]
// SAFETY: `Counters` is `repr(C)`, made only of u64s, with no padding.
unsafe impl aya::Pod for Counters {}
#[cfg(feature = "user")]
// SAFETY: `SyscallMemory` is `repr(C)`, made only of `ArgCopy`s (u8s and a u32, no padding).
unsafe impl aya::Pod for SyscallMemory {}

const _: () = assert!(RECORD_LIMIT.is_power_of_two());
const _: () = assert!(core::mem::size_of::<RecordHeader>() == 56);
const _: () = assert!(core::mem::size_of::<SyscallExitHead>() == 136);
const _: () = assert!(core::mem::size_of::<SyscallMemory>() == 48);
const _: () = assert!(MAX_COPY_LEN <= u16::MAX as usize);

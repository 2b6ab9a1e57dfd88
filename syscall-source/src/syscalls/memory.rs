//! The copy table: which user memory the probe copies, at syscall exit, for
//! the arguments of each syscall.
//!
//! This is the only place that knows it. The loader turns it into one
//! [`SyscallMemory`] rule per syscall number and writes those into the
//! probe's memory map; the probe follows the rules without knowing any
//! syscall, and [`crate::SyscallExit::memory`] holds what it copied, by
//! argument position.

use super::number;
use lanner_syscall_ebpf::wire::{ArgCopy, COPY_ON_SUCCESS, CopyKind, MAX_COPY_LEN, SyscallMemory};

/// Most bytes of a socket address the probe copies (`struct sockaddr_storage` size).
const MAX_SOCKADDR_LEN: u32 = 128;

/// The default number of bytes of an I/O buffer the probe copies.
pub const DEFAULT_SNAPLEN: u32 = 80;

/// What the probe copies for one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ArgMemory {
    /// A NUL-terminated string (a path, a name), without its NUL, at most
    /// [`MAX_COPY_LEN`] bytes.
    String,
    /// A socket address whose length the caller passes in argument `.0`;
    /// at most [`MAX_SOCKADDR_LEN`] bytes.
    SockaddrLengthInArg(u8),
    /// A socket address the kernel filled in, whose length is the `int`
    /// argument `.0` points at; only on success, absent when that pointer is
    /// NULL; at most [`MAX_SOCKADDR_LEN`] bytes.
    SockaddrLengthAtPointer(u8),
    /// An I/O buffer: its first `min(ret, snaplen)` bytes, only when `ret > 0`.
    IoBuffer,
    /// A struct of this many bytes that the caller passes in.
    Input(u32),
    /// A struct of this many bytes that the kernel fills in; only on success.
    Output(u32),
}

use ArgMemory::{
    Input, IoBuffer, Output, SockaddrLengthAtPointer as AddrAt, SockaddrLengthInArg as AddrIn,
    String as Str,
};

/// `(syscall name, [(argument position, what is copied)])`. Syscalls not
/// listed get their raw registers only.
const TABLE: &[(&str, &[(usize, ArgMemory)])] = &[
    // Paths and names.
    ("open", &[(0, Str)]),
    ("openat", &[(1, Str)]),
    // struct open_how { u64 flags, mode, resolve }.
    ("openat2", &[(1, Str), (2, Input(24))]),
    ("creat", &[(0, Str)]),
    // Only failed execs reach sys_exit; successful ones are reported by sched_process_exec.
    ("execve", &[(0, Str)]),
    ("execveat", &[(1, Str)]),
    ("chmod", &[(0, Str)]),
    ("fchmodat", &[(1, Str)]),
    ("fchmodat2", &[(1, Str)]),
    ("chown", &[(0, Str)]),
    ("lchown", &[(0, Str)]),
    ("fchownat", &[(1, Str)]),
    // device, directory, filesystem type.
    ("mount", &[(0, Str), (1, Str), (2, Str)]),
    ("umount2", &[(0, Str)]),
    ("unlink", &[(0, Str)]),
    ("unlinkat", &[(1, Str)]),
    ("rename", &[(0, Str), (1, Str)]),
    ("renameat", &[(1, Str), (3, Str)]),
    ("renameat2", &[(1, Str), (3, Str)]),
    ("mkdir", &[(0, Str)]),
    ("mkdirat", &[(1, Str)]),
    ("rmdir", &[(0, Str)]),
    ("link", &[(0, Str), (1, Str)]),
    ("linkat", &[(1, Str), (3, Str)]),
    // target, link path.
    ("symlink", &[(0, Str), (1, Str)]),
    ("symlinkat", &[(0, Str), (2, Str)]),
    ("chdir", &[(0, Str)]),
    ("memfd_create", &[(0, Str)]),
    // The module parameter string.
    ("init_module", &[(2, Str)]),
    ("finit_module", &[(1, Str)]),
    // Socket addresses.
    ("connect", &[(1, AddrIn(2))]),
    ("bind", &[(1, AddrIn(2))]),
    ("sendto", &[(1, IoBuffer), (4, AddrIn(5))]),
    ("accept", &[(1, AddrAt(2))]),
    ("accept4", &[(1, AddrAt(2))]),
    ("recvfrom", &[(1, IoBuffer), (4, AddrAt(5))]),
    // I/O buffers.
    ("read", &[(1, IoBuffer)]),
    ("pread64", &[(1, IoBuffer)]),
    ("write", &[(1, IoBuffer)]),
    ("pwrite64", &[(1, IoBuffer)]),
    // int[2] of new descriptors.
    ("pipe", &[(0, Output(8))]),
    ("pipe2", &[(0, Output(8))]),
    ("socketpair", &[(3, Output(8))]),
    // The first field of struct clone_args: flags.
    ("clone3", &[(0, Input(8))]),
    // Two struct __user_cap_data_struct { effective, permitted, inheritable }.
    ("capset", &[(1, Input(24))]),
];

/// The probe's rule for every syscall that has at least one copied
/// argument, by number, copying `snaplen` bytes of I/O buffers (the loader
/// refuses a `snaplen` above [`MAX_COPY_LEN`]).
pub(crate) fn probe_rules(snaplen: u32) -> impl Iterator<Item = (u64, SyscallMemory)> {
    TABLE
        .iter()
        .filter_map(move |(name, args)| Some((number(name)?, probe_rule(args, snaplen))))
}

/// What the probe copies for each argument of a table row (`None` where nothing is).
fn arguments(args: &[(usize, ArgMemory)]) -> [Option<ArgMemory>; 6] {
    let mut out = [None; 6];
    for &(pos, memory) in args {
        if let Some(slot) = out.get_mut(pos) {
            *slot = Some(memory);
        }
    }
    out
}

/// The probe's rule for a table row's arguments.
fn probe_rule(args: &[(usize, ArgMemory)], snaplen: u32) -> SyscallMemory {
    let mut rule = SyscallMemory::default();
    for (slot, memory) in rule.args.iter_mut().zip(arguments(args)) {
        if let Some(memory) = memory {
            *slot = arg_copy(memory, snaplen);
        }
    }
    rule
}

fn arg_copy(memory: ArgMemory, snaplen: u32) -> ArgCopy {
    let max_copy = MAX_COPY_LEN as u32;
    let (kind, length_arg, flags, max_len) = match memory {
        Str => (CopyKind::String, 0, 0, max_copy),
        AddrIn(arg) => (CopyKind::LengthInArg, arg, 0, MAX_SOCKADDR_LEN),
        AddrAt(arg) => (
            CopyKind::LengthAtPointer,
            arg,
            COPY_ON_SUCCESS,
            MAX_SOCKADDR_LEN,
        ),
        IoBuffer => (CopyKind::ReturnValue, 0, 0, snaplen),
        Input(len) => (CopyKind::Fixed, 0, 0, len.min(max_copy)),
        Output(len) => (CopyKind::Fixed, 0, COPY_ON_SUCCESS, len.min(max_copy)),
    };
    ArgCopy {
        kind: kind as u8,
        length_arg,
        flags,
        reserved: 0,
        max_len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_name_is_a_syscall_and_positions_are_valid() {
        for (name, args) in TABLE {
            assert!(number(name).is_some(), "{name} is not a syscall name");
            for (pos, memory) in *args {
                assert!(*pos < 6, "{name}: argument {pos}");
                if let AddrIn(a) | AddrAt(a) = memory {
                    assert!(*a < 6, "{name}: length argument {a}");
                }
            }
        }
        let mut names: Vec<_> = TABLE.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLE.len(), "one row per syscall");
    }

    /// The rule [`probe_rules`] gives syscall `name`, if any.
    fn rule(name: &str, snaplen: u32) -> Option<SyscallMemory> {
        let nr = number(name).unwrap();
        probe_rules(snaplen).find_map(|(n, rule)| (n == nr).then_some(rule))
    }

    #[test]
    fn rules_follow_the_table() {
        let (_, openat_args) = TABLE.iter().find(|(n, _)| *n == "openat").unwrap();
        assert_eq!(arguments(openat_args)[1], Some(Str));
        let openat = rule("openat", 80).unwrap();
        assert_eq!(openat.args[1].kind, CopyKind::String as u8);
        assert_eq!(openat.args[1].max_len, 4096);
        assert_eq!(openat.args[0], ArgCopy::default());

        let write = rule("write", 80).unwrap();
        assert_eq!(write.args[1].kind, CopyKind::ReturnValue as u8);
        assert_eq!(write.args[1].max_len, 80);

        let accept = rule("accept", 80).unwrap();
        assert_eq!(accept.args[1].kind, CopyKind::LengthAtPointer as u8);
        assert_eq!(accept.args[1].length_arg, 2);
        assert_eq!(accept.args[1].flags, COPY_ON_SUCCESS);

        let pipe = rule("pipe", 80).unwrap();
        assert_eq!(pipe.args[0].kind, CopyKind::Fixed as u8);
        assert_eq!(pipe.args[0].max_len, 8);

        assert_eq!(rule("close", 80), None);
        assert_eq!(probe_rules(80).count(), TABLE.len());
    }
}

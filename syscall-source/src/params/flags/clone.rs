//! Clone flags (`clone`, `clone3`) and namespace flags (`unshare`,
//! `setns`), in Falco's own bit numbering.
//!
//! Falco gives every `CLONE_*` flag its own bit, unrelated to the kernel's
//! (`CLONE_NEWNS` is 1 << 5 for Falco, 0x20000 for the kernel), and uses the
//! same set for `unshare` flags and the `setns` namespace type. Kernel flags
//! Falco has no bit for (`CLONE_PIDFD`, `CLONE_NEWTIME`, the exit signal in
//! the low byte...) are dropped.

use super::{FlagSet, translate_bits};

/// Kernel `CLONE_NEWNS`.
pub const KERNEL_CLONE_NEWNS: u64 = 0x0002_0000;
/// Kernel `CLONE_NEWUSER`.
pub const KERNEL_CLONE_NEWUSER: u64 = 0x1000_0000;
/// Kernel `CLONE_NEWPID`.
pub const KERNEL_CLONE_NEWPID: u64 = 0x2000_0000;
/// Kernel `CLONE_NEWNET`.
pub const KERNEL_CLONE_NEWNET: u64 = 0x4000_0000;
/// Kernel `CLONE_THREAD`.
pub const KERNEL_CLONE_THREAD: u64 = 0x0001_0000;
/// Kernel `CLONE_VM`.
pub const KERNEL_CLONE_VM: u64 = 0x100;

/// `(kernel flag, Falco flag, name)`, in the order Falco lists the names.
const FLAGS: &[(u64, u64, &str)] = &[
    (0x400, 1 << 0, "CLONE_FILES"),
    (0x200, 1 << 1, "CLONE_FS"),
    (0x8000_0000, 1 << 2, "CLONE_IO"),
    (0x0800_0000, 1 << 3, "CLONE_NEWIPC"),
    (KERNEL_CLONE_NEWNET, 1 << 4, "CLONE_NEWNET"),
    (KERNEL_CLONE_NEWNS, 1 << 5, "CLONE_NEWNS"),
    (KERNEL_CLONE_NEWPID, 1 << 6, "CLONE_NEWPID"),
    (0x0400_0000, 1 << 7, "CLONE_NEWUTS"),
    (0x8000, 1 << 8, "CLONE_PARENT"),
    (0x0010_0000, 1 << 9, "CLONE_PARENT_SETTID"),
    (0x2000, 1 << 10, "CLONE_PTRACE"),
    (0x800, 1 << 11, "CLONE_SIGHAND"),
    (0x0004_0000, 1 << 12, "CLONE_SYSVSEM"),
    (KERNEL_CLONE_THREAD, 1 << 13, "CLONE_THREAD"),
    (0x0080_0000, 1 << 14, "CLONE_UNTRACED"),
    (KERNEL_CLONE_VM, 1 << 15, "CLONE_VM"),
    (KERNEL_CLONE_NEWUSER, 1 << 20, "CLONE_NEWUSER"),
    (0x0020_0000, 1 << 23, "CLONE_CHILD_CLEARTID"),
    (0x0100_0000, 1 << 24, "CLONE_CHILD_SETTID"),
    (0x0008_0000, 1 << 25, "CLONE_SETTLS"),
    (0x4000, 1 << 27, "CLONE_VFORK"),
    (0x0200_0000, 1 << 28, "CLONE_NEWCGROUP"),
];

/// Falco's encoding of kernel clone/namespace flags.
pub fn encode(kernel: u64) -> u64 {
    const PAIRS: [(u64, u64); FLAGS.len()] = {
        let mut pairs = [(0, 0); FLAGS.len()];
        let mut i = 0;
        while i < FLAGS.len() {
            pairs[i] = (FLAGS[i].0, FLAGS[i].1);
            i += 1;
        }
        pairs
    };
    translate_bits(kernel, &PAIRS)
}

/// Clone and namespace flags as Falco names them (`clone_flags`).
pub static CLONE_FLAGS: FlagSet = FlagSet {
    names: &{
        let mut names = [("", 0); FLAGS.len()];
        let mut i = 0;
        while i < FLAGS.len() {
            names[i] = (FLAGS[i].2, FLAGS[i].1);
            i += 1;
        }
        names
    },
    encode,
    shows_unknown_bits: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn text(kernel: u64) -> String {
        CLONE_FLAGS.render(CLONE_FLAGS.encode(kernel))
    }

    #[test]
    fn namespace_flags() {
        assert_eq!(text(KERNEL_CLONE_NEWNS), "CLONE_NEWNS");
        assert_eq!(encode(KERNEL_CLONE_NEWNS), 1 << 5);
        assert_eq!(
            text(KERNEL_CLONE_NEWUSER | KERNEL_CLONE_NEWNS | KERNEL_CLONE_NEWPID),
            "CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWUSER"
        );
        assert!(!text(KERNEL_CLONE_NEWNET).contains("CLONE_NEWNS"));
    }

    #[test]
    fn thread_creation_flags() {
        // What glibc's pthread_create passes.
        let flags = 0x3d0f00;
        assert_eq!(
            text(flags),
            "CLONE_FILES|CLONE_FS|CLONE_PARENT_SETTID|CLONE_SIGHAND|CLONE_SYSVSEM|\
             CLONE_THREAD|CLONE_VM|CLONE_CHILD_CLEARTID|CLONE_SETTLS"
        );
    }

    #[test]
    fn exit_signal_and_unknown_bits_are_dropped() {
        // fork() via clone: SIGCHLD in the low byte plus CHILD_SETTID/CLEARTID.
        assert_eq!(text(0x0120_0011), "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID");
        // CLONE_PIDFD and CLONE_NEWTIME have no Falco bit.
        assert_eq!(text(0x1000 | 0x80), "");
        assert_eq!(text(0), "");
    }
}

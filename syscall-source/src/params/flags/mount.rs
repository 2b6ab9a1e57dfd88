//! `mount` flags (`MS_*`, printed without the prefix as Falco does) and
//! `umount2` flags.
//!
//! Falco's mount bits are the kernel's. Old callers still put the magic
//! number `0xC0ED` in the high half of the flags; the kernel ignores it and
//! so does Falco, so it is removed before naming the bits.

use super::FlagSet;

/// Kernel `MS_BIND`.
pub const MS_BIND: u64 = 4096;
/// Kernel `MS_REMOUNT`.
pub const MS_REMOUNT: u64 = 32;

const MAGIC_MASK: u64 = 0xffff_0000;
const MAGIC_VALUE: u64 = 0xc0ed_0000;

/// Mount flags without the legacy magic number.
pub fn encode(kernel: u64) -> u64 {
    let flags = kernel & 0xffff_ffff;
    if flags & MAGIC_MASK == MAGIC_VALUE {
        flags & !MAGIC_MASK
    } else {
        flags
    }
}

/// Mount flags as Falco names them (`mount_flags`).
pub static MOUNT_FLAGS: FlagSet = FlagSet {
    names: &[
        ("RDONLY", 1 << 0),
        ("NOSUID", 1 << 1),
        ("NODEV", 1 << 2),
        ("NOEXEC", 1 << 3),
        ("SYNCHRONOUS", 1 << 4),
        ("REMOUNT", MS_REMOUNT),
        ("MANDLOCK", 1 << 6),
        ("DIRSYNC", 1 << 7),
        ("NOATIME", 1 << 10),
        ("NODIRATIME", 1 << 11),
        ("BIND", MS_BIND),
        ("MOVE", 1 << 13),
        ("REC", 1 << 14),
        ("SILENT", 1 << 15),
        ("POSIXACL", 1 << 16),
        ("UNBINDABLE", 1 << 17),
        ("PRIVATE", 1 << 18),
        ("SLAVE", 1 << 19),
        ("SHARED", 1 << 20),
        ("RELATIME", 1 << 21),
        ("KERNMOUNT", 1 << 22),
        ("I_VERSION", 1 << 23),
        ("STRICTATIME", 1 << 24),
        ("LAZYTIME", 1 << 25),
        ("NOSEC", 1 << 28),
        ("BORN", 1 << 29),
        ("ACTIVE", 1 << 30),
        ("NOUSER", 1 << 31),
    ],
    encode,
    shows_unknown_bits: true,
};

/// `umount2` flags as Falco names them (`umount_flags`).
pub static UMOUNT_FLAGS: FlagSet = FlagSet {
    names: &[
        ("FORCE", 1 << 0),
        ("DETACH", 1 << 1),
        ("EXPIRE", 1 << 2),
        ("NOFOLLOW", 1 << 3),
    ],
    encode: super::same_as_kernel,
    shows_unknown_bits: true,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn text(kernel: u64) -> String {
        MOUNT_FLAGS.render(MOUNT_FLAGS.encode(kernel))
    }

    #[test]
    fn bind_and_recursive() {
        assert_eq!(text(MS_BIND | (1 << 14)), "BIND|REC");
        assert_eq!(text(1 | 2 | 8), "RDONLY|NOSUID|NOEXEC");
        assert!(!text(MS_BIND).contains("REMOUNT"));
    }

    #[test]
    fn legacy_magic_is_ignored() {
        assert_eq!(encode(0xc0ed_0000 | MS_REMOUNT), MS_REMOUNT);
        assert_eq!(text(0xc0ed_0000), "");
    }

    #[test]
    fn unknown_bits_are_numeric() {
        // MS_NOSYMFOLLOW (256) has no Falco name.
        assert_eq!(text(256 | 1), "RDONLY|0x100");
    }

    #[test]
    fn umount() {
        assert_eq!(UMOUNT_FLAGS.render(2), "DETACH");
        assert_eq!(UMOUNT_FLAGS.render(1 | 8), "FORCE|NOFOLLOW");
        assert_eq!(UMOUNT_FLAGS.render(0x10), "0x10");
    }
}

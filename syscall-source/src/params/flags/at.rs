//! Flags of the `*at` family and its relatives: `unlinkat`, `linkat`,
//! `fchownat`, `renameat2` flags and `openat2` resolve flags.
//!
//! All keep the kernel's numbers except the `openat2` resolve flags, which
//! Falco renumbers.

use super::{FlagSet, same_as_kernel, translate_bits};

/// The `dirfd` value meaning "relative to the current directory".
pub const AT_FDCWD: i64 = -100;
/// `AT_SYMLINK_NOFOLLOW`.
pub const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
/// `AT_REMOVEDIR` (`unlinkat` removes a directory).
pub const AT_REMOVEDIR: u64 = 0x200;
/// `AT_SYMLINK_FOLLOW` (`linkat` follows a symlink source).
pub const AT_SYMLINK_FOLLOW: u64 = 0x400;
/// `AT_EMPTY_PATH` (operate on the dirfd itself).
pub const AT_EMPTY_PATH: u64 = 0x1000;

/// `unlinkat` flags (`unlinkat_flags`).
pub static UNLINKAT_FLAGS: FlagSet = FlagSet {
    names: &[("AT_REMOVEDIR", AT_REMOVEDIR)],
    encode: same_as_kernel,
    shows_unknown_bits: true,
};

/// `linkat` flags (`linkat_flags`).
pub static LINKAT_FLAGS: FlagSet = FlagSet {
    names: &[
        ("AT_SYMLINK_FOLLOW", AT_SYMLINK_FOLLOW),
        ("AT_EMPTY_PATH", AT_EMPTY_PATH),
    ],
    encode: same_as_kernel,
    shows_unknown_bits: true,
};

/// `fchownat` flags (`fchownat_flags`).
pub static FCHOWNAT_FLAGS: FlagSet = FlagSet {
    names: &[
        ("AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW),
        ("AT_EMPTY_PATH", AT_EMPTY_PATH),
    ],
    encode: same_as_kernel,
    shows_unknown_bits: true,
};

/// `renameat2` flags (`renameat2_flags`).
pub static RENAMEAT2_FLAGS: FlagSet = FlagSet {
    names: &[
        ("RENAME_NOREPLACE", 1 << 0),
        ("RENAME_EXCHANGE", 1 << 1),
        ("RENAME_WHITEOUT", 1 << 2),
    ],
    encode: same_as_kernel,
    shows_unknown_bits: true,
};

/// Falco's encoding of `openat2` resolve flags.
pub fn encode_resolve(kernel: u64) -> u64 {
    translate_bits(
        kernel,
        &[
            (0x08, 1 << 0), // RESOLVE_BENEATH
            (0x10, 1 << 1), // RESOLVE_IN_ROOT
            (0x02, 1 << 2), // RESOLVE_NO_MAGICLINKS
            (0x04, 1 << 3), // RESOLVE_NO_SYMLINKS
            (0x01, 1 << 4), // RESOLVE_NO_XDEV
            (0x20, 1 << 5), // RESOLVE_CACHED
        ],
    )
}

/// `openat2` resolve flags as Falco names them (`openat2_flags`).
pub static OPENAT2_RESOLVE: FlagSet = FlagSet {
    names: &[
        ("RESOLVE_BENEATH", 1 << 0),
        ("RESOLVE_IN_ROOT", 1 << 1),
        ("RESOLVE_NO_MAGICLINKS", 1 << 2),
        ("RESOLVE_NO_SYMLINKS", 1 << 3),
        ("RESOLVE_NO_XDEV", 1 << 4),
        ("RESOLVE_CACHED", 1 << 5),
    ],
    encode: encode_resolve,
    shows_unknown_bits: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlinkat() {
        assert_eq!(UNLINKAT_FLAGS.render(AT_REMOVEDIR), "AT_REMOVEDIR");
        assert_eq!(UNLINKAT_FLAGS.render(0), "");
        assert_eq!(UNLINKAT_FLAGS.render(0x800), "0x800");
    }

    #[test]
    fn linkat_and_fchownat() {
        assert_eq!(
            LINKAT_FLAGS.render(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH),
            "AT_SYMLINK_FOLLOW|AT_EMPTY_PATH"
        );
        assert_eq!(
            FCHOWNAT_FLAGS.render(AT_SYMLINK_NOFOLLOW),
            "AT_SYMLINK_NOFOLLOW"
        );
        assert!(!LINKAT_FLAGS.render(AT_EMPTY_PATH).contains("FOLLOW"));
    }

    #[test]
    fn renameat2() {
        assert_eq!(RENAMEAT2_FLAGS.render(2), "RENAME_EXCHANGE");
        assert_eq!(
            RENAMEAT2_FLAGS.render(1 | 4),
            "RENAME_NOREPLACE|RENAME_WHITEOUT"
        );
    }

    #[test]
    fn resolve_is_renumbered() {
        assert_eq!(encode_resolve(0x08), 1);
        let text = OPENAT2_RESOLVE.render(OPENAT2_RESOLVE.encode(0x08 | 0x04));
        assert_eq!(text, "RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS");
        assert_eq!(OPENAT2_RESOLVE.render(OPENAT2_RESOLVE.encode(0x40)), "");
    }
}

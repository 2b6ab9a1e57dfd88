//! Open flags (`open`, `openat`, `openat2`, and the `O_*` flags that
//! `pipe2`, `dup3` and `userfaultfd` take), in Falco's encoding, and the
//! predicates the fd table needs about an open.
//!
//! Falco does not record the kernel's `O_*` numbers but its own bit per flag
//! (`O_RDONLY` is 1, `O_WRONLY` 2, `O_RDWR` both, `O_CLOEXEC` 1 << 12...),
//! which is why `openat(..., O_RDONLY|O_CLOEXEC)` prints `flags=4097`.
//! Kernel flags Falco has no bit for (`O_NOFOLLOW`, `O_NOCTTY`, `O_PATH`,
//! `O_NOATIME`, `FASYNC`) are dropped from the text as Falco drops them.

use super::{FlagSet, translate_bits};

/// Kernel `O_WRONLY` (x86-64).
pub const KERNEL_O_WRONLY: u64 = 0o1;
/// Kernel `O_RDWR`.
pub const KERNEL_O_RDWR: u64 = 0o2;
/// Kernel `O_ACCMODE`: the two access-mode bits.
pub const KERNEL_O_ACCMODE: u64 = 0o3;
/// Kernel `O_CREAT`.
pub const KERNEL_O_CREAT: u64 = 0o100;
/// Kernel `O_EXCL`.
pub const KERNEL_O_EXCL: u64 = 0o200;
/// Kernel `O_TRUNC`.
pub const KERNEL_O_TRUNC: u64 = 0o1000;
/// Kernel `O_APPEND`.
pub const KERNEL_O_APPEND: u64 = 0o2000;
/// Kernel `O_NONBLOCK`.
pub const KERNEL_O_NONBLOCK: u64 = 0o4000;
/// Kernel `O_DSYNC`.
pub const KERNEL_O_DSYNC: u64 = 0o10000;
/// Kernel `O_DIRECT`.
pub const KERNEL_O_DIRECT: u64 = 0o40000;
/// Kernel `O_LARGEFILE`.
pub const KERNEL_O_LARGEFILE: u64 = 0o100000;
/// Kernel `O_DIRECTORY`.
pub const KERNEL_O_DIRECTORY: u64 = 0o200000;
/// Kernel `O_CLOEXEC`.
pub const KERNEL_O_CLOEXEC: u64 = 0o2000000;
/// Kernel `__O_SYNC` (`O_SYNC` is this plus `O_DSYNC`).
pub const KERNEL_O_SYNC_BIT: u64 = 0o4000000;
/// Kernel `O_PATH`.
pub const KERNEL_O_PATH: u64 = 0o10000000;
/// Kernel `O_TMPFILE` (`__O_TMPFILE` plus `O_DIRECTORY`).
pub const KERNEL_O_TMPFILE: u64 = 0o20000000 | KERNEL_O_DIRECTORY;

/// Falco's bit for a read access mode.
pub const FALCO_O_RDONLY: u64 = 1 << 0;
/// Falco's bit for a write access mode.
pub const FALCO_O_WRONLY: u64 = 1 << 1;
/// Falco's `O_RDWR`: both access bits.
pub const FALCO_O_RDWR: u64 = FALCO_O_RDONLY | FALCO_O_WRONLY;
/// Falco's `O_CREAT`.
pub const FALCO_O_CREAT: u64 = 1 << 2;
/// Falco's `O_APPEND`.
pub const FALCO_O_APPEND: u64 = 1 << 3;
/// Falco's `O_DSYNC`.
pub const FALCO_O_DSYNC: u64 = 1 << 4;
/// Falco's `O_EXCL`.
pub const FALCO_O_EXCL: u64 = 1 << 5;
/// Falco's `O_NONBLOCK`.
pub const FALCO_O_NONBLOCK: u64 = 1 << 6;
/// Falco's `O_SYNC`.
pub const FALCO_O_SYNC: u64 = 1 << 7;
/// Falco's `O_TRUNC`.
pub const FALCO_O_TRUNC: u64 = 1 << 8;
/// Falco's `O_DIRECT`.
pub const FALCO_O_DIRECT: u64 = 1 << 9;
/// Falco's `O_DIRECTORY`.
pub const FALCO_O_DIRECTORY: u64 = 1 << 10;
/// Falco's `O_LARGEFILE`.
pub const FALCO_O_LARGEFILE: u64 = 1 << 11;
/// Falco's `O_CLOEXEC`.
pub const FALCO_O_CLOEXEC: u64 = 1 << 12;
/// Falco's `O_TMPFILE`.
pub const FALCO_O_TMPFILE: u64 = 1 << 13;
/// Falco's `O_F_CREATED`: the open created the file (set by the driver
/// from the opened file, not from the registers).
pub const FALCO_O_F_CREATED: u64 = 1 << 14;

/// Kernel bit → Falco bit, for every flag besides the access mode and
/// `O_TMPFILE` (which need whole-field comparisons).
const SINGLE_BITS: &[(u64, u64)] = &[
    (KERNEL_O_CREAT, FALCO_O_CREAT),
    (KERNEL_O_APPEND, FALCO_O_APPEND),
    (KERNEL_O_DSYNC, FALCO_O_DSYNC),
    (KERNEL_O_EXCL, FALCO_O_EXCL),
    (KERNEL_O_NONBLOCK, FALCO_O_NONBLOCK),
    (KERNEL_O_SYNC_BIT, FALCO_O_SYNC),
    (KERNEL_O_TRUNC, FALCO_O_TRUNC),
    (KERNEL_O_DIRECT, FALCO_O_DIRECT),
    (KERNEL_O_DIRECTORY, FALCO_O_DIRECTORY),
    (KERNEL_O_LARGEFILE, FALCO_O_LARGEFILE),
    (KERNEL_O_CLOEXEC, FALCO_O_CLOEXEC),
];

/// Falco's encoding of kernel open flags.
pub fn encode(kernel: u64) -> u64 {
    let access = match kernel & KERNEL_O_ACCMODE {
        KERNEL_O_WRONLY => FALCO_O_WRONLY,
        KERNEL_O_RDWR => FALCO_O_RDWR,
        // O_RDONLY is 0; the invalid mode 3 is shown as read-only too.
        _ => FALCO_O_RDONLY,
    };
    let tmpfile = if kernel & KERNEL_O_TMPFILE == KERNEL_O_TMPFILE {
        FALCO_O_TMPFILE
    } else {
        0
    };
    access | tmpfile | translate_bits(kernel, SINGLE_BITS)
}

/// Open flags as Falco names them (`file_flags`).
pub static OPEN_FLAGS: FlagSet = FlagSet {
    names: &[
        ("O_LARGEFILE", FALCO_O_LARGEFILE),
        ("O_DIRECTORY", FALCO_O_DIRECTORY),
        ("O_DIRECT", FALCO_O_DIRECT),
        ("O_TRUNC", FALCO_O_TRUNC),
        ("O_SYNC", FALCO_O_SYNC),
        ("O_NONBLOCK", FALCO_O_NONBLOCK),
        ("O_EXCL", FALCO_O_EXCL),
        ("O_DSYNC", FALCO_O_DSYNC),
        ("O_APPEND", FALCO_O_APPEND),
        ("O_CREAT", FALCO_O_CREAT),
        ("O_RDWR", FALCO_O_RDWR),
        ("O_WRONLY", FALCO_O_WRONLY),
        ("O_RDONLY", FALCO_O_RDONLY),
        ("O_CLOEXEC", FALCO_O_CLOEXEC),
        ("O_NONE", 0),
        ("O_TMPFILE", FALCO_O_TMPFILE),
        ("O_F_CREATED", FALCO_O_F_CREATED),
    ],
    encode,
    shows_unknown_bits: false,
};

/// The `O_*` flags of `pipe2`, `dup3`, `userfaultfd` and friends: Falco
/// renders them with the open-flag names but without an access mode, since
/// these calls take none.
pub static FD_FLAGS: FlagSet = FlagSet {
    names: OPEN_FLAGS.names,
    encode: encode_without_access_mode,
    shows_unknown_bits: false,
};

/// Falco's encoding of `O_*` flags of calls that take no access mode.
pub fn encode_without_access_mode(kernel: u64) -> u64 {
    translate_bits(kernel, SINGLE_BITS)
}

/// The mode Falco records for an open: the permission bits when the open
/// can create a file (`O_CREAT` or `O_TMPFILE`), 0 otherwise, because the
/// kernel ignores the mode register then.
pub fn effective_mode(kernel_flags: u64, mode: u64) -> u64 {
    if creates(kernel_flags) {
        mode & 0o7777
    } else {
        0
    }
}

/// The open may read the file (`O_RDONLY` or `O_RDWR`; `evt.is_open_read`).
pub fn is_read(kernel_flags: u64) -> bool {
    encode(kernel_flags) & FALCO_O_RDONLY != 0
}

/// The open may write the file (`O_WRONLY` or `O_RDWR`; `evt.is_open_write`).
pub fn is_write(kernel_flags: u64) -> bool {
    encode(kernel_flags) & FALCO_O_WRONLY != 0
}

/// The open may create a file (`O_CREAT` or `O_TMPFILE`).
pub fn creates(kernel_flags: u64) -> bool {
    kernel_flags & KERNEL_O_CREAT != 0 || is_tmpfile(kernel_flags)
}

/// The open creates an unnamed temporary file (`O_TMPFILE`).
pub fn is_tmpfile(kernel_flags: u64) -> bool {
    kernel_flags & KERNEL_O_TMPFILE == KERNEL_O_TMPFILE
}

/// The open truncates the file (`O_TRUNC`).
pub fn truncates(kernel_flags: u64) -> bool {
    kernel_flags & KERNEL_O_TRUNC != 0
}

/// The open requires a directory (`O_DIRECTORY`, also part of `O_TMPFILE`).
pub fn is_directory(kernel_flags: u64) -> bool {
    kernel_flags & KERNEL_O_DIRECTORY != 0 && !is_tmpfile(kernel_flags)
}

/// The open only obtains a path handle (`O_PATH`): no read or write.
pub fn is_path_only(kernel_flags: u64) -> bool {
    kernel_flags & KERNEL_O_PATH != 0
}

/// The descriptor is closed on exec (`O_CLOEXEC`).
pub fn is_cloexec(kernel_flags: u64) -> bool {
    kernel_flags & KERNEL_O_CLOEXEC != 0
}

/// The open may create an executable file (`evt.is_open_exec`): it creates
/// and the mode has an execute bit.
pub fn creates_executable(kernel_flags: u64, mode: u64) -> bool {
    creates(kernel_flags) && effective_mode(kernel_flags, mode) & 0o111 != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(kernel: u64) -> String {
        OPEN_FLAGS.render(OPEN_FLAGS.encode(kernel))
    }

    #[test]
    fn read_only_has_its_own_bit() {
        assert_eq!(encode(0), FALCO_O_RDONLY);
        assert_eq!(text(0), "O_RDONLY");
        assert_eq!(encode(KERNEL_O_CLOEXEC), 4097);
        assert_eq!(text(KERNEL_O_CLOEXEC), "O_RDONLY|O_CLOEXEC");
    }

    #[test]
    fn write_create_truncate() {
        let flags = KERNEL_O_WRONLY | KERNEL_O_CREAT | KERNEL_O_TRUNC;
        assert_eq!(text(flags), "O_TRUNC|O_CREAT|O_WRONLY");
        assert!(text(flags).contains("O_CREAT"));
        assert!(!text(flags).contains("O_RDONLY"));
    }

    #[test]
    fn read_write_is_one_name() {
        assert_eq!(text(KERNEL_O_RDWR), "O_RDWR");
        assert_eq!(text(KERNEL_O_RDWR | KERNEL_O_APPEND), "O_APPEND|O_RDWR");
    }

    #[test]
    fn tmpfile_and_sync() {
        assert_eq!(
            text(KERNEL_O_RDWR | KERNEL_O_TMPFILE),
            "O_DIRECTORY|O_RDWR|O_TMPFILE"
        );
        assert_eq!(
            text(KERNEL_O_WRONLY | KERNEL_O_SYNC_BIT | KERNEL_O_DSYNC),
            "O_SYNC|O_DSYNC|O_WRONLY"
        );
    }

    #[test]
    fn unknown_kernel_bits_are_dropped_like_falco() {
        // O_NOFOLLOW and O_NOCTTY have no Falco bit.
        assert_eq!(text(0o400000 | 0o400), "O_RDONLY");
        assert!(!text(u64::MAX).contains("O_RDWR"));
    }

    #[test]
    fn predicates() {
        assert!(is_read(0) && !is_write(0));
        assert!(is_write(KERNEL_O_WRONLY) && !is_read(KERNEL_O_WRONLY));
        assert!(is_read(KERNEL_O_RDWR) && is_write(KERNEL_O_RDWR));
        // The invalid access mode 3 is read-only, as its text says.
        assert_eq!(text(KERNEL_O_ACCMODE), "O_RDONLY");
        assert!(is_read(KERNEL_O_ACCMODE) && !is_write(KERNEL_O_ACCMODE));
        assert!(creates(KERNEL_O_CREAT) && creates(KERNEL_O_TMPFILE) && !creates(0));
        assert!(is_tmpfile(KERNEL_O_TMPFILE) && !is_tmpfile(KERNEL_O_DIRECTORY));
        assert!(is_directory(KERNEL_O_DIRECTORY) && !is_directory(KERNEL_O_TMPFILE));
        assert!(truncates(KERNEL_O_TRUNC) && !truncates(0));
        assert!(is_path_only(KERNEL_O_PATH) && is_cloexec(KERNEL_O_CLOEXEC));
        assert!(creates_executable(KERNEL_O_CREAT | KERNEL_O_WRONLY, 0o755));
        assert!(!creates_executable(KERNEL_O_CREAT | KERNEL_O_WRONLY, 0o644));
        assert!(!creates_executable(KERNEL_O_WRONLY, 0o755));
    }

    #[test]
    fn mode_only_counts_when_creating() {
        assert_eq!(effective_mode(KERNEL_O_CREAT, 0o100644), 0o644);
        assert_eq!(effective_mode(0, 0o644), 0);
    }

    #[test]
    fn fd_flags_have_no_access_mode() {
        assert_eq!(
            FD_FLAGS.render(FD_FLAGS.encode(KERNEL_O_CLOEXEC)),
            "O_CLOEXEC"
        );
        assert_eq!(
            FD_FLAGS.render(FD_FLAGS.encode(KERNEL_O_CLOEXEC | KERNEL_O_NONBLOCK)),
            "O_NONBLOCK|O_CLOEXEC"
        );
        assert_eq!(FD_FLAGS.render(FD_FLAGS.encode(0)), "O_NONE");
    }
}

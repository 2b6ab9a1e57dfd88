//! File permission modes (`chmod`, `fchmod`, `fchmodat`): the octal number
//! and the `S_I*` names Falco gives the bits.
//!
//! Falco's mode bits have the kernel's values, so no translation is needed;
//! the names are listed from the "other" bits up to the set-id bits, which
//! is the order they appear in Falco's text (`S_IXOTH|S_IROTH|...|S_ISUID`).
//! File-type bits (`S_IFREG`...) are not part of a chmod mode and are
//! dropped.

use super::{FlagSet, same_as_kernel};

/// Set-user-id bit.
pub const S_ISUID: u64 = 0o4000;
/// Set-group-id bit.
pub const S_ISGID: u64 = 0o2000;
/// Sticky bit.
pub const S_ISVTX: u64 = 0o1000;

/// Permission and set-id bits of a mode, as Falco names them (`chmod_mode`).
pub static CHMOD_MODE: FlagSet = FlagSet {
    names: &[
        ("S_IXOTH", 0o1),
        ("S_IWOTH", 0o2),
        ("S_IROTH", 0o4),
        ("S_IXGRP", 0o10),
        ("S_IWGRP", 0o20),
        ("S_IRGRP", 0o40),
        ("S_IXUSR", 0o100),
        ("S_IWUSR", 0o200),
        ("S_IRUSR", 0o400),
        ("S_ISVTX", S_ISVTX),
        ("S_ISGID", S_ISGID),
        ("S_ISUID", S_ISUID),
    ],
    encode: permission_bits,
    shows_unknown_bits: false,
};

/// The permission and set-id bits of a kernel mode (file-type bits removed).
pub fn permission_bits(mode: u64) -> u64 {
    same_as_kernel(mode) & 0o7777
}

/// A mode as Falco prints its number: octal with a leading 0 (`0755`),
/// and a single `0` for no bits.
pub fn octal_text(mode: u64) -> String {
    if mode == 0 {
        "0".to_string()
    } else {
        format!("0{mode:o}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(mode: u64) -> String {
        CHMOD_MODE.render(CHMOD_MODE.encode(mode))
    }

    #[test]
    fn setuid_755() {
        let names = text(0o4755);
        assert_eq!(
            names,
            "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID"
        );
        assert!(names.contains("S_ISUID") && !names.contains("S_ISGID"));
    }

    #[test]
    fn single_bits_and_combinations() {
        assert_eq!(text(0o2000), "S_ISGID");
        assert_eq!(text(0o1777).split('|').count(), 10);
        assert_eq!(text(0o644), "S_IROTH|S_IRGRP|S_IWUSR|S_IRUSR");
        assert!(!text(0o644).contains("S_IXUSR"));
    }

    #[test]
    fn zero_and_file_type_bits() {
        assert_eq!(text(0), "");
        assert_eq!(text(0o100600), "S_IWUSR|S_IRUSR");
    }

    #[test]
    fn octal_numbers() {
        assert_eq!(octal_text(0), "0");
        assert_eq!(octal_text(0o4755), "04755");
        assert_eq!(octal_text(0o644), "0644");
    }
}

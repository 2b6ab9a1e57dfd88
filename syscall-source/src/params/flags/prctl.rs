//! `prctl` options (`PR_*`), with the kernel's numbers.
//!
//! Falco names only the options below; others print as a bare number.

use super::{EnumSet, same_as_kernel};

/// `PR_SET_NAME`: its argument is a string (the new thread name).
pub const PR_SET_NAME: u64 = 15;
/// `PR_GET_NAME`.
pub const PR_GET_NAME: u64 = 16;

/// prctl options as Falco names them (`prctl_options`).
pub static PRCTL_OPTIONS: EnumSet = EnumSet {
    names: &[
        ("PR_GET_DUMPABLE", 3),
        ("PR_SET_DUMPABLE", 4),
        ("PR_GET_KEEPCAPS", 7),
        ("PR_SET_KEEPCAPS", 8),
        ("PR_SET_NAME", PR_SET_NAME),
        ("PR_GET_NAME", PR_GET_NAME),
        ("PR_GET_SECCOMP", 21),
        ("PR_SET_SECCOMP", 22),
        ("PR_CAPBSET_READ", 23),
        ("PR_CAPBSET_DROP", 24),
        ("PR_GET_SECUREBITS", 27),
        ("PR_SET_SECUREBITS", 28),
        ("PR_MCE_KILL", 33),
        ("PR_SET_MM", 35),
        ("PR_SET_CHILD_SUBREAPER", 36),
        ("PR_GET_CHILD_SUBREAPER", 37),
        ("PR_SET_NO_NEW_PRIVS", 38),
        ("PR_GET_NO_NEW_PRIVS", 39),
        ("PR_GET_TID_ADDRESS", 40),
        ("PR_SET_THP_DISABLE", 41),
        ("PR_GET_THP_DISABLE", 42),
        ("PR_CAP_AMBIENT", 47),
    ],
    encode: same_as_kernel,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_options() {
        assert_eq!(PRCTL_OPTIONS.name(15), Some("PR_SET_NAME"));
        assert_eq!(PRCTL_OPTIONS.name(38), Some("PR_SET_NO_NEW_PRIVS"));
        assert_eq!(PRCTL_OPTIONS.name(47), Some("PR_CAP_AMBIENT"));
    }

    #[test]
    fn unnamed_options() {
        // PR_SET_PDEATHSIG is not among Falco's names.
        assert_eq!(PRCTL_OPTIONS.name(1), None);
        assert_eq!(PRCTL_OPTIONS.name(0x5961_6d61), None);
    }
}

//! `memfd_create` flags (`MFD_*`), with the kernel's numbers.
//!
//! Falco names three of them; newer ones (`MFD_NOEXEC_SEAL`, `MFD_EXEC`)
//! and the huge-page size bits are shown as a hex number.

use super::{FlagSet, same_as_kernel};

/// `memfd_create` flags as Falco names them (`memfd_create_flags`).
pub static MEMFD_FLAGS: FlagSet = FlagSet {
    names: &[
        ("MFD_CLOEXEC", 1),
        ("MFD_ALLOW_SEALING", 2),
        ("MFD_HUGETLB", 4),
    ],
    encode: same_as_kernel,
    shows_unknown_bits: true,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_flags() {
        assert_eq!(MEMFD_FLAGS.render(1), "MFD_CLOEXEC");
        assert_eq!(MEMFD_FLAGS.render(3), "MFD_CLOEXEC|MFD_ALLOW_SEALING");
        assert!(!MEMFD_FLAGS.render(2).contains("MFD_CLOEXEC"));
    }

    #[test]
    fn zero_and_unknown() {
        assert_eq!(MEMFD_FLAGS.render(0), "");
        assert_eq!(MEMFD_FLAGS.render(1 | 8), "MFD_CLOEXEC|0x8");
    }
}

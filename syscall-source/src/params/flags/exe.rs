//! Flags of an executed file (`evt.arg.flags` of `execve`, which Falco
//! rules print as `exe_flags`): facts the state tables learn about the
//! executable, already in Falco's encoding.

use super::{FlagSet, same_as_kernel};

/// The executable is writable by the process that runs it.
pub const EXE_WRITABLE: u64 = 1 << 0;
/// The executable lives in the upper (container-written) overlay layer.
pub const EXE_UPPER_LAYER: u64 = 1 << 1;
/// The executable is a memfd (fileless execution).
pub const EXE_FROM_MEMFD: u64 = 1 << 2;
/// The executable lives in a lower (image) overlay layer.
pub const EXE_LOWER_LAYER: u64 = 1 << 3;

/// Executable flags as Falco names them (`execve_flags`).
pub static EXE_FLAGS: FlagSet = FlagSet {
    names: &[
        ("EXE_WRITABLE", EXE_WRITABLE),
        ("EXE_UPPER_LAYER", EXE_UPPER_LAYER),
        ("EXE_FROM_MEMFD", EXE_FROM_MEMFD),
        ("EXE_LOWER_LAYER", EXE_LOWER_LAYER),
    ],
    encode: same_as_kernel,
    shows_unknown_bits: true,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(EXE_FLAGS.render(EXE_FROM_MEMFD), "EXE_FROM_MEMFD");
        assert_eq!(
            EXE_FLAGS.render(EXE_WRITABLE | EXE_UPPER_LAYER),
            "EXE_WRITABLE|EXE_UPPER_LAYER"
        );
        assert_eq!(EXE_FLAGS.render(0), "");
        assert_eq!(EXE_FLAGS.render(0x20), "0x20");
    }
}

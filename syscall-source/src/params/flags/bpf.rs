//! `bpf` commands (`BPF_*`), with the kernel's numbers.
//!
//! Rules compare either the number or the name (`evt.arg.cmd=5 or
//! evt.arg.cmd=BPF_PROG_LOAD`); `evt.arg.cmd` gives the name.

use super::{EnumSet, same_as_kernel};

/// `BPF_PROG_LOAD`.
pub const BPF_PROG_LOAD: u64 = 5;

/// bpf commands by name.
pub static BPF_COMMANDS: EnumSet = EnumSet {
    names: &[
        ("BPF_MAP_CREATE", 0),
        ("BPF_MAP_LOOKUP_ELEM", 1),
        ("BPF_MAP_UPDATE_ELEM", 2),
        ("BPF_MAP_DELETE_ELEM", 3),
        ("BPF_MAP_GET_NEXT_KEY", 4),
        ("BPF_PROG_LOAD", BPF_PROG_LOAD),
        ("BPF_OBJ_PIN", 6),
        ("BPF_OBJ_GET", 7),
        ("BPF_PROG_ATTACH", 8),
        ("BPF_PROG_DETACH", 9),
        ("BPF_PROG_TEST_RUN", 10),
        ("BPF_PROG_GET_NEXT_ID", 11),
        ("BPF_MAP_GET_NEXT_ID", 12),
        ("BPF_PROG_GET_FD_BY_ID", 13),
        ("BPF_MAP_GET_FD_BY_ID", 14),
        ("BPF_OBJ_GET_INFO_BY_FD", 15),
        ("BPF_PROG_QUERY", 16),
        ("BPF_RAW_TRACEPOINT_OPEN", 17),
        ("BPF_BTF_LOAD", 18),
        ("BPF_BTF_GET_FD_BY_ID", 19),
        ("BPF_TASK_FD_QUERY", 20),
        ("BPF_MAP_LOOKUP_AND_DELETE_ELEM", 21),
        ("BPF_MAP_FREEZE", 22),
        ("BPF_BTF_GET_NEXT_ID", 23),
        ("BPF_MAP_LOOKUP_BATCH", 24),
        ("BPF_MAP_LOOKUP_AND_DELETE_BATCH", 25),
        ("BPF_MAP_UPDATE_BATCH", 26),
        ("BPF_MAP_DELETE_BATCH", 27),
        ("BPF_LINK_CREATE", 28),
        ("BPF_LINK_UPDATE", 29),
        ("BPF_LINK_GET_FD_BY_ID", 30),
        ("BPF_LINK_GET_NEXT_ID", 31),
        ("BPF_ENABLE_STATS", 32),
        ("BPF_ITER_CREATE", 33),
        ("BPF_LINK_DETACH", 34),
        ("BPF_PROG_BIND_MAP", 35),
        ("BPF_TOKEN_CREATE", 36),
    ],
    encode: same_as_kernel,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(BPF_COMMANDS.name(5), Some("BPF_PROG_LOAD"));
        assert_eq!(BPF_COMMANDS.name(0), Some("BPF_MAP_CREATE"));
        assert_ne!(BPF_COMMANDS.name(6), Some("BPF_PROG_LOAD"));
        assert_eq!(BPF_COMMANDS.name(999), None);
    }
}

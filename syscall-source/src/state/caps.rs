//! Linux capability sets as text, the way Falco renders `thread.cap_*`:
//! the names of the set bits, lowest first, separated by spaces.

/// Capability names by bit number.
const NAMES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The capability bit of `CAP_SYS_ADMIN`.
pub const CAP_SYS_ADMIN: u32 = 21;

/// Every capability up to `CAP_AUDIT_READ` (bit 37): what a privileged
/// container holds on any kernel since 4.16. Newer bits are left out so the
/// test also holds on kernels that do not know them.
pub const PRIVILEGED_MASK: u64 = (1 << 38) - 1;

/// The names of the capabilities set in `mask`, separated by spaces
/// (empty for an empty set). Bits without a known name show as `CAP_<bit>`.
pub fn to_text(mask: u64) -> String {
    let mut text = String::new();
    for bit in (0..64).filter(|bit| mask & (1u64 << bit) != 0) {
        if !text.is_empty() {
            text.push(' ');
        }
        match NAMES.get(bit) {
            Some(name) => text.push_str(name),
            None => text.push_str(&format!("CAP_{bit}")),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_names_in_bit_order() {
        assert_eq!(to_text(0), "");
        assert_eq!(to_text(0b11), "CAP_CHOWN CAP_DAC_OVERRIDE");
        assert_eq!(to_text(1 << 16), "CAP_SYS_MODULE");
        assert_eq!(to_text(1 << 63), "CAP_63");
        assert!(to_text(0x1ff_ffff_ffff).ends_with("CAP_CHECKPOINT_RESTORE"));
    }
}

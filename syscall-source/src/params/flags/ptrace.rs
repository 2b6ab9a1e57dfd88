//! ptrace requests (`PTRACE_*`), in Falco's own numbering.
//!
//! Falco renumbers requests densely (`PTRACE_ATTACH` is 11 for Falco, 16
//! for the kernel) and names any request it does not know
//! `PTRACE_UNKNOWN`. Rules match the names (`evt.arg.request contains
//! PTRACE_ATTACH`).

use super::EnumSet;

/// `(kernel request, Falco request, name)`.
const REQUESTS: &[(u64, u64, &str)] = &[
    (0, 1, "PTRACE_TRACEME"),
    (1, 2, "PTRACE_PEEKTEXT"),
    (2, 3, "PTRACE_PEEKDATA"),
    (3, 4, "PTRACE_PEEKUSR"),
    (4, 5, "PTRACE_POKETEXT"),
    (5, 6, "PTRACE_POKEDATA"),
    (6, 7, "PTRACE_POKEUSR"),
    (7, 8, "PTRACE_CONT"),
    (8, 9, "PTRACE_KILL"),
    (9, 10, "PTRACE_SINGLESTEP"),
    (16, 11, "PTRACE_ATTACH"),
    (17, 12, "PTRACE_DETACH"),
    (24, 13, "PTRACE_SYSCALL"),
    (0x4200, 14, "PTRACE_SETOPTIONS"),
    (0x4201, 15, "PTRACE_GETEVENTMSG"),
    (0x4202, 16, "PTRACE_GETSIGINFO"),
    (0x4203, 17, "PTRACE_SETSIGINFO"),
    (0x4204, 18, "PTRACE_GETREGSET"),
    (0x4205, 19, "PTRACE_SETREGSET"),
    (0x4206, 20, "PTRACE_SEIZE"),
    (0x4207, 21, "PTRACE_INTERRUPT"),
    (0x4208, 22, "PTRACE_LISTEN"),
    (0x4209, 23, "PTRACE_PEEKSIGINFO"),
    (0x420a, 24, "PTRACE_GETSIGMASK"),
    (0x420b, 25, "PTRACE_SETSIGMASK"),
    (12, 26, "PTRACE_GETREGS"),
    (13, 27, "PTRACE_SETREGS"),
    (14, 28, "PTRACE_GETFPREGS"),
    (15, 29, "PTRACE_SETFPREGS"),
    (18, 30, "PTRACE_GETFPXREGS"),
    (19, 31, "PTRACE_SETFPXREGS"),
    (21, 32, "PTRACE_OLDSETOPTIONS"),
    (25, 33, "PTRACE_GET_THREAD_AREA"),
    (26, 34, "PTRACE_SET_THREAD_AREA"),
    (30, 35, "PTRACE_ARCH_PRCTL"),
    (31, 36, "PTRACE_SYSEMU"),
    (32, 37, "PTRACE_SYSEMU_SINGLESTEP"),
    (33, 38, "PTRACE_SINGLEBLOCK"),
];

/// Falco's number for an unknown request.
pub const FALCO_PTRACE_UNKNOWN: u64 = 0;

/// Falco's number for a kernel request.
pub fn encode(kernel: u64) -> u64 {
    REQUESTS
        .iter()
        .find(|&&(k, _, _)| k == kernel)
        .map_or(FALCO_PTRACE_UNKNOWN, |&(_, falco, _)| falco)
}

/// ptrace requests as Falco names them (`ptrace_requests`).
pub static PTRACE_REQUESTS: EnumSet = EnumSet {
    names: &[
        ("PTRACE_UNKNOWN", FALCO_PTRACE_UNKNOWN),
        ("PTRACE_TRACEME", 1),
        ("PTRACE_PEEKTEXT", 2),
        ("PTRACE_PEEKDATA", 3),
        ("PTRACE_PEEKUSR", 4),
        ("PTRACE_POKETEXT", 5),
        ("PTRACE_POKEDATA", 6),
        ("PTRACE_POKEUSR", 7),
        ("PTRACE_CONT", 8),
        ("PTRACE_KILL", 9),
        ("PTRACE_SINGLESTEP", 10),
        ("PTRACE_ATTACH", 11),
        ("PTRACE_DETACH", 12),
        ("PTRACE_SYSCALL", 13),
        ("PTRACE_SETOPTIONS", 14),
        ("PTRACE_GETEVENTMSG", 15),
        ("PTRACE_GETSIGINFO", 16),
        ("PTRACE_SETSIGINFO", 17),
        ("PTRACE_GETREGSET", 18),
        ("PTRACE_SETREGSET", 19),
        ("PTRACE_SEIZE", 20),
        ("PTRACE_INTERRUPT", 21),
        ("PTRACE_LISTEN", 22),
        ("PTRACE_PEEKSIGINFO", 23),
        ("PTRACE_GETSIGMASK", 24),
        ("PTRACE_SETSIGMASK", 25),
        ("PTRACE_GETREGS", 26),
        ("PTRACE_SETREGS", 27),
        ("PTRACE_GETFPREGS", 28),
        ("PTRACE_SETFPREGS", 29),
        ("PTRACE_GETFPXREGS", 30),
        ("PTRACE_SETFPXREGS", 31),
        ("PTRACE_OLDSETOPTIONS", 32),
        ("PTRACE_GET_THREAD_AREA", 33),
        ("PTRACE_SET_THREAD_AREA", 34),
        ("PTRACE_ARCH_PRCTL", 35),
        ("PTRACE_SYSEMU", 36),
        ("PTRACE_SYSEMU_SINGLESTEP", 37),
        ("PTRACE_SINGLEBLOCK", 38),
    ],
    encode,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn name(kernel: u64) -> Option<&'static str> {
        PTRACE_REQUESTS.name(PTRACE_REQUESTS.encode(kernel))
    }

    #[test]
    fn requests_rules_watch() {
        assert_eq!(name(16), Some("PTRACE_ATTACH"));
        assert_eq!(encode(16), 11);
        assert_eq!(name(0), Some("PTRACE_TRACEME"));
        assert_eq!(name(4), Some("PTRACE_POKETEXT"));
        assert_eq!(name(5), Some("PTRACE_POKEDATA"));
        assert_eq!(name(0x4206), Some("PTRACE_SEIZE"));
        assert_eq!(name(13), Some("PTRACE_SETREGS"));
    }

    #[test]
    fn attach_is_not_detach() {
        assert_ne!(name(17), Some("PTRACE_ATTACH"));
        assert_eq!(name(17), Some("PTRACE_DETACH"));
    }

    #[test]
    fn unknown_requests() {
        assert_eq!(name(0x420c), Some("PTRACE_UNKNOWN"));
        assert_eq!(name(u64::MAX), Some("PTRACE_UNKNOWN"));
    }

    #[test]
    fn every_kernel_request_has_its_name() {
        for &(kernel, _, expected) in REQUESTS {
            assert_eq!(name(kernel), Some(expected));
        }
    }
}

//! `fcntl` commands (`F_*`), in Falco's own numbering.
//!
//! Falco renumbers the commands it knows and calls the rest `UNKNOWN`.

use super::EnumSet;

/// `(kernel command, Falco command, name)`.
const COMMANDS: &[(u64, u64, &str)] = &[
    (0, 1, "F_DUPFD"),
    (1, 2, "F_GETFD"),
    (2, 3, "F_SETFD"),
    (3, 4, "F_GETFL"),
    (4, 5, "F_SETFL"),
    (5, 6, "F_GETLK"),
    (6, 8, "F_SETLK"),
    (7, 9, "F_SETLKW"),
    (8, 10, "F_SETOWN"),
    (9, 12, "F_GETOWN"),
    (10, 13, "F_SETSIG"),
    (11, 15, "F_GETSIG"),
    (15, 21, "F_SETOWN_EX"),
    (16, 22, "F_GETOWN_EX"),
    (1024, 23, "F_SETLEASE"),
    (1025, 24, "F_GETLEASE"),
    (1029, 25, "F_CANCELLK"),
    (1030, 26, "F_DUPFD_CLOEXEC"),
    (1026, 27, "F_NOTIFY"),
    (1031, 28, "F_SETPIPE_SZ"),
    (1032, 29, "F_GETPIPE_SZ"),
    (36, 30, "F_OFD_GETLK"),
    (37, 31, "F_OFD_SETLK"),
    (38, 32, "F_OFD_SETLKW"),
];

/// Kernel `F_DUPFD`.
pub const F_DUPFD: u64 = 0;
/// Kernel `F_DUPFD_CLOEXEC`.
pub const F_DUPFD_CLOEXEC: u64 = 1030;

/// Falco's number for a kernel command (0, `UNKNOWN`, when it has none).
pub fn encode(kernel: u64) -> u64 {
    COMMANDS
        .iter()
        .find(|&&(k, _, _)| k == kernel)
        .map_or(0, |&(_, falco, _)| falco)
}

/// fcntl commands as Falco names them (`fcntl_commands`).
pub static FCNTL_COMMANDS: EnumSet = EnumSet {
    names: &{
        let mut names = [("UNKNOWN", 0); COMMANDS.len() + 1];
        let mut i = 0;
        while i < COMMANDS.len() {
            names[i + 1] = (COMMANDS[i].2, COMMANDS[i].1);
            i += 1;
        }
        names
    },
    encode,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn name(kernel: u64) -> Option<&'static str> {
        FCNTL_COMMANDS.name(FCNTL_COMMANDS.encode(kernel))
    }

    #[test]
    fn commands() {
        assert_eq!(name(F_DUPFD), Some("F_DUPFD"));
        assert_eq!(name(F_DUPFD_CLOEXEC), Some("F_DUPFD_CLOEXEC"));
        assert_eq!(name(4), Some("F_SETFL"));
        assert_eq!(encode(4), 5);
        assert_ne!(name(3), Some("F_SETFL"));
    }

    #[test]
    fn unknown() {
        assert_eq!(name(1033), Some("UNKNOWN"));
        assert_eq!(name(u64::MAX), Some("UNKNOWN"));
    }
}

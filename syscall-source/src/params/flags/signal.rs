//! Signal names (`SIG*`) for `kill`, `tkill` and `tgkill`.
//!
//! Falco prints a signal as its number and name (`sig=9(SIGKILL)`);
//! real-time and invalid signals have no name.

/// x86-64 signal names by number (1..=31).
const NAMES: [&str; 31] = [
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

/// The name of signal `sig`, if it has one.
pub fn name(sig: u64) -> Option<&'static str> {
    let index = usize::try_from(sig).ok()?.checked_sub(1)?;
    NAMES.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name(9), Some("SIGKILL"));
        assert_eq!(name(1), Some("SIGHUP"));
        assert_eq!(name(15), Some("SIGTERM"));
        assert_eq!(name(31), Some("SIGSYS"));
    }

    #[test]
    fn no_name() {
        assert_eq!(name(0), None);
        assert_eq!(name(34), None);
        assert_eq!(name(u64::MAX), None);
    }
}

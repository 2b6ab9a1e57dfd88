//! Rule priorities: Falco's eight syslog-like levels.
//!
//! A rule's `priority` decides whether it is enabled under the configured
//! minimum and is printed in every alert, so parsing (case-insensitive, with
//! the `info` alias) and display (the long names) must match Falco's.

use std::{fmt, str::FromStr};

/// How severe a rule's alerts are. Ordered from most to least severe, so
/// `Emergency < Debug`, as in Falco.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// System is unusable.
    Emergency,
    /// Action must be taken immediately.
    Alert,
    /// Critical conditions.
    Critical,
    /// Error conditions.
    Error,
    /// Warning conditions.
    Warning,
    /// Normal but significant condition.
    Notice,
    /// Informational messages.
    Informational,
    /// Debug-level messages.
    Debug,
}

impl Priority {
    /// Every priority, most severe first.
    pub const ALL: [Priority; 8] = [
        Priority::Emergency,
        Priority::Alert,
        Priority::Critical,
        Priority::Error,
        Priority::Warning,
        Priority::Notice,
        Priority::Informational,
        Priority::Debug,
    ];

    /// The long name Falco prints, e.g. `Informational`.
    pub fn name(self) -> &'static str {
        match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        }
    }

    /// Falco's numeric level, 0 (Emergency) to 7 (Debug).
    pub fn level(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The text is not a priority name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Invalid priority")]
pub struct InvalidPriority;

impl FromStr for Priority {
    type Err = InvalidPriority;

    /// Case-insensitive; `info` is accepted for `Informational`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("info") {
            return Ok(Priority::Informational);
        }
        Priority::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(text))
            .ok_or(InvalidPriority)
    }
}

//! Capture files: the syscall stream written to disk so it can be replayed
//! without root, on any machine, with the same results.
//!
//! A capture is JSON lines: a [`CaptureHeader`] first, then one
//! [`CaptureRecord`](crate::CaptureRecord) per line, in the order the state
//! tables consumed them live (the `/proc` snapshot taken at start comes
//! first). Replaying feeds the same records through the same state code, so
//! fields and alerts come out as they did live. JSON keeps captures readable
//! and lets tests write small ones by hand.

mod reader;
mod writer;

pub use reader::{CaptureReader, ReadError};
pub use writer::{CaptureWriter, WriteError};

use serde::{Deserialize, Serialize};

/// The value of [`CaptureHeader::format`]: what identifies a Lanner capture.
pub const FORMAT: &str = "lanner-syscall-capture";

/// The capture format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The first line of a capture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureHeader {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format version, [`VERSION`] when written by this build.
    pub version: u32,
    /// The host the events were captured on (`evt.hostname` of replayed alerts).
    pub hostname: String,
    /// When the capture started, nanoseconds since the Unix epoch.
    pub started_ns: u64,
}

impl CaptureHeader {
    /// A header for a capture of `hostname` starting at `started_ns`.
    pub fn new(hostname: &str, started_ns: u64) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            hostname: hostname.to_owned(),
            started_ns,
        }
    }
}

#[cfg(test)]
mod tests;

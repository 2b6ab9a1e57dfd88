//! Capture files: the syscall stream written to disk so it can be replayed
//! without root, on any machine, with the same results.
//!
//! A capture is JSON lines: a [`CaptureHeader`] first, then one
//! [`CaptureRecord`](crate::CaptureRecord) per line, in the order the state
//! tables consumed them live (the `/proc` snapshot taken at start comes
//! first). Replaying feeds the same records through the same state code, so
//! fields and alerts come out as they did live. JSON keeps captures readable
//! and lets tests write small ones by hand.
//!
//! A capture is created exclusively (an existing file or link at the path is
//! refused, never truncated or followed) with mode 0600, and environment
//! values are replaced with [`REDACTED`] unless the header says they are kept:
//! captures travel (they are replayed "anywhere"), and every process's
//! environment holds tokens and keys. The live state keeps the real values, so
//! detection still sees them.
//!
//! No line is longer than [`MAX_LINE_BYTES`]: the writer leaves out (and
//! counts) a record that would be, and the reader refuses such a line without
//! buffering it, so a hostile or damaged capture cannot exhaust memory.

mod reader;
mod redact;
mod writer;

pub use reader::{CaptureReader, ReadError};
pub use redact::{REDACTED, redact_environment};
pub use writer::{CaptureWriter, WriteError};

use serde::{Deserialize, Serialize};

/// The value of [`CaptureHeader::format`]: what identifies a Lanner capture.
pub const FORMAT: &str = "lanner-syscall-capture";

/// The capture format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The longest line (record) a capture may hold, newline excluded.
///
/// Far above the largest record a live capture produces: the biggest is a
/// process snapshot, whose arguments and environment the kernel bounds at
/// 6 MiB together (a quarter of the stack limit, at most three quarters of
/// 8 MiB) and whose descriptors are at most 1024 paths of 4 KiB, i.e. about
/// 10 MiB of text before JSON escaping.
pub const MAX_LINE_BYTES: usize = 32 << 20;

/// The longest header line: a header is a few short fields (the host name is
/// at most 64 bytes on Linux), so anything longer is not a capture.
pub const MAX_HEADER_BYTES: usize = 64 << 10;

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
    /// Environment values were replaced with [`REDACTED`] (names kept). Absent
    /// in captures written before redaction existed, which kept them.
    #[serde(default)]
    pub environment_redacted: bool,
}

impl CaptureHeader {
    /// A header for a capture of `hostname` starting at `started_ns`, with
    /// environment values redacted (see [`CaptureHeader::keeping_environment`]).
    pub fn new(hostname: &str, started_ns: u64) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            hostname: hostname.to_owned(),
            started_ns,
            environment_redacted: true,
        }
    }

    /// The same header for a capture that keeps environment values: the
    /// operator asked for them, knowing the capture then holds secrets.
    pub fn keeping_environment(mut self) -> Self {
        self.environment_redacted = false;
        self
    }
}

#[cfg(test)]
mod tests;

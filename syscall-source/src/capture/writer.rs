//! Writes a capture file.

use super::{CaptureHeader, MAX_HEADER_BYTES, MAX_LINE_BYTES, redact::redacted};
use crate::CaptureRecord;
use std::{
    fs::{File, OpenOptions},
    io::{self, BufWriter, Write},
    os::unix::fs::OpenOptionsExt,
    path::{Path, PathBuf},
};

/// The mode of a new capture: it holds what every process on the host did,
/// so only its owner may read it.
const CAPTURE_MODE: u32 = 0o600;

/// Why a capture could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Something (a file, a link, anything) already exists at the path.
    #[error(
        "{path} already exists; a capture is always a new file (never overwritten, never through a link): choose another path or remove it"
    )]
    Exists {
        /// The capture file asked for.
        path: PathBuf,
    },
    /// The file could not be created or written.
    #[error("writing capture {path}: {source}")]
    Io {
        /// The capture file.
        path: PathBuf,
        /// What the system reported.
        #[source]
        source: io::Error,
    },
    /// The header would be longer than a reader accepts (an absurd host name).
    #[error("capture header longer than {MAX_HEADER_BYTES} bytes (is the host name sane?)")]
    HeaderTooLong,
    /// A record could not be encoded.
    #[error("encoding a capture record: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Appends records to a capture file, one JSON line each.
pub struct CaptureWriter {
    path: PathBuf,
    out: BufWriter<File>,
    /// Replace environment values with [`super::REDACTED`].
    redact: bool,
    /// One encoded line, reused: a record is measured before it is written.
    line: Vec<u8>,
    records: u64,
    oversize: u64,
}

impl CaptureWriter {
    /// Creates `path`, which must not exist (nor be a link), with mode 0600,
    /// and writes `header`. Environment values are redacted in every record
    /// when the header says so.
    pub fn create(path: &Path, header: &CaptureHeader) -> Result<Self, WriteError> {
        let io_error = |source| WriteError::Io {
            path: path.to_owned(),
            source,
        };
        if serde_json::to_vec(header)?.len() > MAX_HEADER_BYTES {
            return Err(WriteError::HeaderTooLong);
        }
        // O_EXCL: never truncate what is there, and (with O_CREAT) fail on
        // any link at the path, dangling or not. O_NOFOLLOW says the same for
        // the last component should O_EXCL ever be dropped; the mode applies
        // at creation, before a byte is written.
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(CAPTURE_MODE)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
            .map_err(|source| match source.kind() {
                io::ErrorKind::AlreadyExists => WriteError::Exists {
                    path: path.to_owned(),
                },
                _ => io_error(source),
            })?;
        let mut writer = Self {
            path: path.to_owned(),
            out: BufWriter::with_capacity(1 << 16, file),
            redact: header.environment_redacted,
            line: Vec::with_capacity(1 << 12),
            records: 0,
            oversize: 0,
        };
        writer.line(header)?;
        Ok(writer)
    }

    /// Appends one record, its environment values redacted unless the
    /// header keeps them. A record whose line would exceed
    /// [`MAX_LINE_BYTES`] (no live record comes near) is left out and
    /// counted in [`CaptureWriter::oversize`]: failing would end the
    /// recording, and the reader would refuse the line anyway.
    pub fn write(&mut self, record: &CaptureRecord) -> Result<(), WriteError> {
        let written = if self.redact {
            self.line(redacted(record).as_ref())?
        } else {
            self.line(record)?
        };
        if written {
            self.records += 1;
        } else {
            self.oversize += 1;
        }
        Ok(())
    }

    /// Records written so far (the header not counted).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Records left out because their line would exceed [`MAX_LINE_BYTES`].
    pub fn oversize(&self) -> u64 {
        self.oversize
    }

    /// Flushes buffered records to the file.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        self.out.flush().map_err(|source| WriteError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Encodes `value` as one line and writes it; false when it was too long.
    fn line<T: serde::Serialize>(&mut self, value: &T) -> Result<bool, WriteError> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, value)?;
        if self.line.len() > MAX_LINE_BYTES {
            // Do not keep a huge buffer for the rest of the run.
            self.line = Vec::with_capacity(1 << 12);
            return Ok(false);
        }
        self.line.push(b'\n');
        self.out
            .write_all(&self.line)
            .map_err(|source| WriteError::Io {
                path: self.path.clone(),
                source,
            })?;
        Ok(true)
    }
}

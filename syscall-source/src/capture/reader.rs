//! Reads a capture file back, record by record.

use super::{CaptureHeader, FORMAT, MAX_HEADER_BYTES, MAX_LINE_BYTES, VERSION};
use crate::CaptureRecord;
use std::{
    fs::File,
    io::{self, BufRead, BufReader},
    path::{Path, PathBuf},
};

/// How far past [`MAX_LINE_BYTES`] a line may run before reading gives up:
/// skipping an overlong line costs no memory, but a source that never sends a
/// newline (a device, a pipe) would keep the replay busy for ever.
const MAX_SKIP_BYTES: u64 = 1 << 30;

/// Why a capture, or one of its lines, could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("reading capture {path}: {source}")]
    Io {
        /// The capture file.
        path: PathBuf,
        /// What the system reported.
        #[source]
        source: io::Error,
    },
    /// The first line is not a Lanner capture header.
    #[error(
        "{path}: not a Lanner syscall capture (the first line must be a `{FORMAT}` header): {reason}"
    )]
    NotACapture {
        /// The file.
        path: PathBuf,
        /// What was wrong with its first line.
        reason: String,
    },
    /// The capture was written by a format version this build cannot read.
    #[error("{path}: capture format version {found}; this Lanner reads version {VERSION}")]
    Version {
        /// The file.
        path: PathBuf,
        /// The version in its header.
        found: u32,
    },
    /// One line is not a valid record; the lines around it are still read.
    #[error("{path}:{line}: malformed capture record: {reason}")]
    Record {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
        /// What the decoder reported.
        reason: String,
    },
    /// One line is longer than [`MAX_LINE_BYTES`]; it was skipped without
    /// being kept in memory and the lines after it are still read.
    #[error(
        "{path}:{line}: capture line longer than {MAX_LINE_BYTES} bytes (no record is that long); skipped"
    )]
    LineTooLong {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
    },
    /// A line has no end within [`MAX_SKIP_BYTES`] past the line cap: the
    /// input is not a capture (e.g. a device that never sends a newline);
    /// reading stops.
    #[error(
        "{path}:{line}: no end of line within {} bytes; this is not a capture, reading stopped",
        MAX_LINE_BYTES as u64 + MAX_SKIP_BYTES
    )]
    Unterminated {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
    },
}

/// What reading one line found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Line {
    /// The end of the input: no byte was left.
    End,
    /// A line (its newline dropped) is in the buffer.
    Complete,
    /// The line exceeded the cap; the buffer is empty.
    TooLong,
    /// The line exceeded the cap and then the skip budget; reading stops.
    Unterminated,
}

/// Reads one line of at most `limit` bytes into `buffer` (newline dropped),
/// never holding more than `limit` bytes. An overlong line is skipped up to
/// its newline, at most `skip` bytes past the cap, when `skip` is given;
/// without it reading stops right at the cap.
pub(super) fn read_line(
    input: &mut impl BufRead,
    buffer: &mut Vec<u8>,
    limit: usize,
    skip: Option<u64>,
) -> io::Result<Line> {
    buffer.clear();
    let mut seen = 0u64;
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (seen, too_long) {
                (0, _) => Line::End,
                (_, false) => Line::Complete,
                (_, true) => Line::TooLong,
            });
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let content = &available[..newline.unwrap_or(available.len())];
        seen += content.len() as u64;
        if !too_long && buffer.len() + content.len() > limit {
            too_long = true;
            buffer.clear();
            if skip.is_none() {
                return Ok(Line::TooLong);
            }
        }
        if !too_long {
            buffer.extend_from_slice(content);
        }
        let used = newline.map_or(available.len(), |at| at + 1);
        input.consume(used);
        if newline.is_some() {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Complete
            });
        }
        if seen > (limit as u64).saturating_add(skip.unwrap_or(0)) {
            return Ok(Line::Unterminated);
        }
    }
}

/// Iterates over the records of a capture; a malformed line yields an error
/// item and reading goes on with the next line.
pub struct CaptureReader {
    path: PathBuf,
    input: BufReader<File>,
    header: CaptureHeader,
    line: u64,
    buffer: Vec<u8>,
    /// Reading stopped (an unterminated line); nothing more is returned.
    stopped: bool,
}

impl CaptureReader {
    /// Opens `path` and checks its header.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let io_error = |source| ReadError::Io {
            path: path.to_owned(),
            source,
        };
        let mut input = BufReader::with_capacity(1 << 16, File::open(path).map_err(io_error)?);
        let mut first = Vec::new();
        let read = read_line(&mut input, &mut first, MAX_HEADER_BYTES, None).map_err(io_error)?;
        let not_a_capture = |reason: String| ReadError::NotACapture {
            path: path.to_owned(),
            reason,
        };
        if read == Line::TooLong {
            return Err(not_a_capture(format!(
                "the first line is longer than {MAX_HEADER_BYTES} bytes"
            )));
        }
        if first.iter().all(u8::is_ascii_whitespace) {
            return Err(not_a_capture("the file is empty".into()));
        }
        let header: CaptureHeader =
            serde_json::from_slice(&first).map_err(|e| not_a_capture(e.to_string()))?;
        if header.format != FORMAT {
            return Err(not_a_capture(format!("format is `{}`", header.format)));
        }
        if header.version != VERSION {
            return Err(ReadError::Version {
                path: path.to_owned(),
                found: header.version,
            });
        }
        Ok(Self {
            path: path.to_owned(),
            input,
            header,
            line: 1,
            buffer: Vec::new(),
            stopped: false,
        })
    }

    /// The capture's header.
    pub fn header(&self) -> &CaptureHeader {
        &self.header
    }
}

impl Iterator for CaptureReader {
    type Item = Result<CaptureRecord, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped {
            return None;
        }
        loop {
            // One huge (but legal) line must not pin its buffer for the whole replay.
            if self.buffer.capacity() > 1 << 20 {
                self.buffer = Vec::new();
            }
            let read = read_line(
                &mut self.input,
                &mut self.buffer,
                MAX_LINE_BYTES,
                Some(MAX_SKIP_BYTES),
            );
            let path = || self.path.clone();
            match read {
                Ok(Line::End) => return None,
                Ok(Line::Complete) => {}
                Ok(Line::TooLong) => {
                    self.line += 1;
                    return Some(Err(ReadError::LineTooLong {
                        path: path(),
                        line: self.line,
                    }));
                }
                Ok(Line::Unterminated) => {
                    self.stopped = true;
                    return Some(Err(ReadError::Unterminated {
                        path: path(),
                        line: self.line + 1,
                    }));
                }
                Err(source) => {
                    self.stopped = true;
                    return Some(Err(ReadError::Io {
                        path: path(),
                        source,
                    }));
                }
            }
            self.line += 1;
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(
                serde_json::from_slice(&self.buffer).map_err(|e| ReadError::Record {
                    path: self.path.clone(),
                    line: self.line,
                    reason: e.to_string(),
                }),
            );
        }
    }
}

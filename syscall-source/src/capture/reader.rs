//! Reads a capture file back, record by record.

use super::{CaptureHeader, FORMAT, VERSION};
use crate::CaptureRecord;
use std::{
    fs::File,
    io::{self, BufRead, BufReader},
    path::{Path, PathBuf},
};

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
}

/// Iterates over the records of a capture; a malformed line yields an error
/// item and reading goes on with the next line.
pub struct CaptureReader {
    path: PathBuf,
    input: BufReader<File>,
    header: CaptureHeader,
    line: u64,
    buffer: Vec<u8>,
}

impl CaptureReader {
    /// Opens `path` and checks its header.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let io_error = |source| ReadError::Io {
            path: path.to_owned(),
            source,
        };
        let mut input = BufReader::new(File::open(path).map_err(io_error)?);
        let mut first = String::new();
        input.read_line(&mut first).map_err(io_error)?;
        let not_a_capture = |reason: String| ReadError::NotACapture {
            path: path.to_owned(),
            reason,
        };
        if first.trim().is_empty() {
            return Err(not_a_capture("the file is empty".into()));
        }
        let header: CaptureHeader =
            serde_json::from_str(&first).map_err(|e| not_a_capture(e.to_string()))?;
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
        loop {
            self.buffer.clear();
            match self.input.read_until(b'\n', &mut self.buffer) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(source) => {
                    return Some(Err(ReadError::Io {
                        path: self.path.clone(),
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

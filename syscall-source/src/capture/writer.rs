//! Writes a capture file.

use super::CaptureHeader;
use crate::CaptureRecord;
use std::{
    fs::File,
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
};

/// Why a capture could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file could not be created or written.
    #[error("writing capture {path}: {source}")]
    Io {
        /// The capture file.
        path: PathBuf,
        /// What the system reported.
        #[source]
        source: io::Error,
    },
    /// A record could not be encoded.
    #[error("encoding a capture record: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Appends records to a capture file, one JSON line each.
pub struct CaptureWriter {
    path: PathBuf,
    out: BufWriter<File>,
    records: u64,
}

impl CaptureWriter {
    /// Creates (or truncates) `path` and writes `header`.
    pub fn create(path: &Path, header: &CaptureHeader) -> Result<Self, WriteError> {
        let io_error = |source| WriteError::Io {
            path: path.to_owned(),
            source,
        };
        let file = File::create(path).map_err(io_error)?;
        let mut writer = Self {
            path: path.to_owned(),
            out: BufWriter::with_capacity(1 << 16, file),
            records: 0,
        };
        writer.line(header)?;
        Ok(writer)
    }

    /// Appends one record.
    pub fn write(&mut self, record: &CaptureRecord) -> Result<(), WriteError> {
        self.line(record)?;
        self.records += 1;
        Ok(())
    }

    /// Records written so far (the header not counted).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Flushes buffered records to the file.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        self.out.flush().map_err(|source| WriteError::Io {
            path: self.path.clone(),
            source,
        })
    }

    fn line<T: serde::Serialize>(&mut self, value: &T) -> Result<(), WriteError> {
        serde_json::to_writer(&mut self.out, value)?;
        self.out.write_all(b"\n").map_err(|source| WriteError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

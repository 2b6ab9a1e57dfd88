//! Turns raw ring-buffer records into [`SyscallEvent`]s.
//!
//! Records come from the kernel, but the decoder still checks every length:
//! a short or unknown record is an error value, never a panic.

mod clock;

pub use clock::BootClock;

use crate::event::{EventDetail, SyscallEvent};
use lanner_syscall_ebpf::wire::{Exec, MAX_PATH_LEN, RecordHeader, RecordKind, SyscallExit};
use std::mem::size_of;

/// Why a record could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The record is shorter than the type its header announces.
    #[error("record of {got} bytes is too short for a {kind} record ({need} bytes)")]
    Truncated {
        /// The record kind that was expected.
        kind: &'static str,
        /// Bytes received.
        got: usize,
        /// Bytes needed.
        need: usize,
    },
    /// The header's kind is not one this decoder knows.
    #[error("unknown record kind {0}")]
    UnknownKind(u32),
}

/// Decodes one record. `clock` converts the probe's boot-time stamps to wall time.
pub fn decode(bytes: &[u8], clock: &BootClock) -> Result<SyscallEvent, DecodeError> {
    let header: RecordHeader = read_record(bytes, "header")?;
    let detail = match RecordKind::from_raw(header.kind) {
        Some(RecordKind::Exec) => {
            let exec: Exec = read_record(bytes, "exec")?;
            EventDetail::Exec {
                filename: c_string(&exec.filename, exec.filename_len),
                old_tid: exec.old_tid,
            }
        }
        Some(RecordKind::SyscallExit) => {
            let exit: SyscallExit = read_record(bytes, "syscall-exit")?;
            let path = (exit.path_len > 0).then(|| c_string(&exit.path, exit.path_len));
            EventDetail::SyscallExit {
                nr: exit.nr,
                ret: exit.ret,
                args: exit.args,
                path,
            }
        }
        None => return Err(DecodeError::UnknownKind(header.kind)),
    };
    Ok(SyscallEvent {
        ts_ns: clock.to_wall_ns(header.boot_ns),
        pid: header.tgid,
        tid: header.tid,
        uid: header.uid,
        gid: header.gid,
        comm: c_string(&header.comm, header.comm.len() as u32),
        detail,
    })
}

/// Copies a `repr(C)` wire record out of `bytes` after checking its length.
fn read_record<T: Copy>(bytes: &[u8], kind: &'static str) -> Result<T, DecodeError> {
    let need = size_of::<T>();
    if bytes.len() < need {
        return Err(DecodeError::Truncated {
            kind,
            got: bytes.len(),
            need,
        });
    }
    // SAFETY: length checked above; every wire type is plain integers and byte
    // arrays, valid for any bit pattern; `read_unaligned` tolerates any alignment.
    Ok(unsafe { bytes.as_ptr().cast::<T>().read_unaligned() })
}

/// The text before the first NUL within the first `len` bytes (lossy UTF-8).
fn c_string(buf: &[u8], len: u32) -> String {
    let len = (len as usize).min(buf.len()).min(MAX_PATH_LEN);
    let bytes = &buf[..len];
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

#[cfg(test)]
mod tests;

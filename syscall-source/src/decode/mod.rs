//! Turns raw ring-buffer records into [`SyscallEvent`]s.
//!
//! Records come from the kernel, but the decoder still checks every length:
//! a short record, a length field pointing outside the record, bytes left
//! over, or an unknown kind is an error value, never a panic.
//!
//! Text (comm, file names, argv, env) is converted lossily: Linux names are
//! bytes, and refusing a record because a process chose a non-UTF-8 name
//! would let that process hide its activity. Copied argument memory stays raw
//! bytes.

mod clock;

pub use clock::BootClock;

use crate::event::{EventDetail, SyscallEvent, SyscallExit};
use lanner_syscall_ebpf::wire::{
    ExecArgsHead, ExecHead, Fork, RecordHeader, RecordKind, SyscallExitHead, exec_known,
};
use std::mem::size_of;

/// Why a record could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The record is shorter than the fixed part its header announces.
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
    /// A length or count field does not match the bytes that follow it.
    #[error("{kind} record: {field} does not match the record ({detail})")]
    BadLength {
        /// The record kind.
        kind: &'static str,
        /// The field that is inconsistent.
        field: &'static str,
        /// What was wrong, for the log.
        detail: String,
    },
}

/// Decodes one record. `clock` converts the probe's boot-time stamps to wall time.
pub fn decode(bytes: &[u8], clock: &BootClock) -> Result<SyscallEvent, DecodeError> {
    let header: RecordHeader = read_head(bytes, "header")?;
    let detail = match RecordKind::from_raw(header.kind) {
        Some(RecordKind::SyscallExit) => decode_syscall_exit(bytes)?,
        Some(RecordKind::Exec) => decode_exec(bytes)?,
        Some(RecordKind::ExecArgs) => decode_exec_args(bytes)?,
        Some(RecordKind::Fork) => {
            let fork: Fork = read_head(bytes, "fork")?;
            expect_no_tail(bytes, size_of::<Fork>(), "fork")?;
            EventDetail::Fork {
                child_tid: fork.child_tid,
            }
        }
        Some(RecordKind::Exit) => {
            expect_no_tail(bytes, size_of::<RecordHeader>(), "exit")?;
            EventDetail::Exit
        }
        None => return Err(DecodeError::UnknownKind(header.kind)),
    };
    Ok(SyscallEvent {
        ts_ns: clock.to_wall_ns(header.boot_ns),
        cpu: u16::try_from(header.cpu).unwrap_or(u16::MAX),
        pid: header.tgid,
        tid: header.tid,
        uid: header.uid,
        gid: header.gid,
        cgroup_id: header.cgroup_id,
        comm: text_until_nul(&header.comm),
        detail,
    })
}

fn decode_syscall_exit(bytes: &[u8]) -> Result<EventDetail, DecodeError> {
    const KIND: &str = "syscall-exit";
    let head: SyscallExitHead = read_head(bytes, KIND)?;
    if head.memory_present >> 6 != 0 {
        return Err(bad_length(
            KIND,
            "memory_present",
            format!("bits {:#x} beyond the six arguments", head.memory_present),
        ));
    }
    let mut rest = tail(bytes, size_of::<SyscallExitHead>());
    let mut memory: [Option<Vec<u8>>; 6] = Default::default();
    for (i, (slot, &len)) in memory.iter_mut().zip(&head.memory_lens).enumerate() {
        let len = usize::from(len);
        if head.memory_present & (1 << i) == 0 {
            if len != 0 {
                return Err(bad_length(
                    KIND,
                    "memory_lens",
                    format!("argument {i} is absent but has {len} bytes"),
                ));
            }
            continue;
        }
        let Some((copied, after)) = rest.split_at_checked(len) else {
            return Err(bad_length(
                KIND,
                "memory_lens",
                format!("argument {i} claims {len} bytes, {} left", rest.len()),
            ));
        };
        *slot = Some(copied.to_vec());
        rest = after;
    }
    if !rest.is_empty() {
        return Err(bad_length(
            KIND,
            "memory_lens",
            format!("{} bytes left over", rest.len()),
        ));
    }
    Ok(EventDetail::Syscall(SyscallExit {
        nr: head.nr,
        ret: head.ret,
        args: head.args,
        memory,
    }))
}

fn decode_exec(bytes: &[u8]) -> Result<EventDetail, DecodeError> {
    const KIND: &str = "exec";
    let head: ExecHead = read_head(bytes, KIND)?;
    let name = tail(bytes, size_of::<ExecHead>());
    if name.len() != head.filename_len as usize {
        return Err(bad_length(
            KIND,
            "filename_len",
            format!("{} claimed, {} present", head.filename_len, name.len()),
        ));
    }
    let known = |bit: u32| head.known & bit != 0;
    Ok(EventDetail::Exec {
        filename: String::from_utf8_lossy(name).into_owned(),
        old_tid: head.old_tid,
        tty: known(exec_known::TTY).then_some(head.tty),
        loginuid: known(exec_known::LOGINUID).then_some(head.loginuid),
    })
}

fn decode_exec_args(bytes: &[u8]) -> Result<EventDetail, DecodeError> {
    const KIND: &str = "exec-args";
    let head: ExecArgsHead = read_head(bytes, KIND)?;
    let text = tail(bytes, size_of::<ExecArgsHead>());
    let argv_len = head.argv_len as usize;
    let env_len = head.env_len as usize;
    if argv_len.checked_add(env_len) != Some(text.len()) {
        return Err(bad_length(
            KIND,
            "argv_len/env_len",
            format!("{argv_len} + {env_len} claimed, {} present", text.len()),
        ));
    }
    let (argv_text, env_text) = text.split_at(argv_len);
    Ok(EventDetail::ExecArgs {
        argv: nul_ended_strings(argv_text, head.argc, "argv")?,
        env: nul_ended_strings(env_text, head.envc, "env")?,
    })
}

/// Splits text made of NUL-ended strings, checking it holds exactly `count` of them.
fn nul_ended_strings(
    text: &[u8],
    count: u32,
    field: &'static str,
) -> Result<Vec<String>, DecodeError> {
    let Some(body) = text.strip_suffix(b"\0") else {
        if text.is_empty() && count == 0 {
            return Ok(Vec::new());
        }
        return Err(bad_length(
            "exec-args",
            field,
            "text does not end with a NUL".into(),
        ));
    };
    let strings: Vec<String> = body
        .split(|&b| b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    if strings.len() != count as usize {
        return Err(bad_length(
            "exec-args",
            field,
            format!("{count} strings claimed, {} present", strings.len()),
        ));
    }
    Ok(strings)
}

fn bad_length(kind: &'static str, field: &'static str, detail: String) -> DecodeError {
    DecodeError::BadLength {
        kind,
        field,
        detail,
    }
}

/// The bytes after a fixed part whose length [`read_head`] already checked.
fn tail(bytes: &[u8], head_len: usize) -> &[u8] {
    bytes.get(head_len..).unwrap_or_default()
}

fn expect_no_tail(bytes: &[u8], head_len: usize, kind: &'static str) -> Result<(), DecodeError> {
    let extra = tail(bytes, head_len).len();
    if extra != 0 {
        return Err(bad_length(
            kind,
            "record length",
            format!("{extra} bytes left over"),
        ));
    }
    Ok(())
}

/// Copies the `repr(C)` fixed part of a wire record out of `bytes` after checking its length.
fn read_head<T: Copy>(bytes: &[u8], kind: &'static str) -> Result<T, DecodeError> {
    let need = size_of::<T>();
    if bytes.len() < need {
        return Err(DecodeError::Truncated {
            kind,
            got: bytes.len(),
            need,
        });
    }
    // SAFETY: length checked above; every wire head is plain integers and byte
    // arrays, valid for any bit pattern; `read_unaligned` tolerates any alignment.
    Ok(unsafe { bytes.as_ptr().cast::<T>().read_unaligned() })
}

/// The text before the first NUL (lossy UTF-8).
fn text_until_nul(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(test)]
mod tests;

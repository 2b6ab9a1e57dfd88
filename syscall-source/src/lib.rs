//! Lanner's syscall event source.
//!
//! The pipeline runs one way: [`probe`] loads the kernel program and hands out
//! raw ring-buffer records, [`decode`] turns each record into a
//! [`SyscallEvent`], and the host's engine consumes the events.

pub mod capture;
pub mod decode;
pub mod event;
pub mod extract;
pub mod fields;
pub mod live;
pub mod params;
pub mod probe;
pub mod state;
pub mod syscalls;
pub mod untrusted;

pub use event::{CaptureRecord, EventDetail, SyscallEvent, SyscallExit};
pub use probe::{ProbeConfig, ProbeError, ProbeStats, SyscallProbe};

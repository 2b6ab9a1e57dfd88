//! The wire format between Lanner's kernel probe and its userspace decoder.
//!
//! Both sides compile this module: the probe (for `bpfel-unknown-none`) writes
//! these `#[repr(C)]` records into the ring buffer, and `lanner-syscall-source`
//! reads them back. Keeping one definition is what stops the two sides drifting.
#![no_std]

pub mod wire;

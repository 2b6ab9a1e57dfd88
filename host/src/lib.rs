//! Lanner's host: the CLI and the library behind it.
//!
//! Rooms, in the direction data flows: [`plugin`] hosts Wasm event-source
//! plugins, the syscall source lives in its own crate, and [`cli`] wires the
//! sources to the output.

pub mod cli;
pub mod plugin;

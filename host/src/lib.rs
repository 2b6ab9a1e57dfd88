//! Lanner's host: the CLI and the library behind it.
//!
//! Rooms, in the direction data flows: [`sources`] adapts each event source
//! (the syscall source lives in its own crate; [`plugin`] hosts Wasm source
//! plugins) to the rule [`engine`], whose fields are typed in [`fields`];
//! [`cli`] wires sources, rules and outputs together.

pub mod cli;
pub mod config;
pub mod engine;
pub mod fields;
pub mod ingress;
pub mod plugin;
pub mod secret;
pub mod sources;
pub mod trust;

//! The rule engine: loads Falco-format rules, compiles their conditions once,
//! and evaluates events from any source against them.
//!
//! It knows nothing of Wasm or eBPF: sources register field tables in
//! [`crate::fields`] and hand events to the engine through the [`Event`] trait.
//! Data flows through the rooms in order: [`loader`] (YAML to definitions),
//! [`parser`] (condition text to [`ast`]), [`compile`] (to [`eval`] nodes,
//! indexed by event type), [`ruleset`] (per-event entry point) and [`output`].

pub mod ast;
pub mod compile;
pub mod diagnostics;
pub mod eval;
pub mod event;
pub mod loader;
pub mod output;
pub mod parser;
pub mod requirements;
pub mod ruleset;

pub use event::{Event, FieldRequest};
pub use ruleset::{LoadOutcome, MatchMode, Ruleset, RulesetOptions, SourceHandle};

#[cfg(test)]
mod tests;

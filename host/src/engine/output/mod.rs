//! What a match produces: the alert, rendered as Falco renders it.
//!
//! [`format`] compiles a rule's `output:` text once; [`alert`] holds a match's
//! data and renders it as a text line or as Falco's JSON object.

pub mod alert;
pub mod format;

pub use alert::{Alert, TimeStyle, now_ns};
pub use format::OutputFormat;

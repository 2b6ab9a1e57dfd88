//! Typed field values and the registry of every field each source offers.
//!
//! Sources register a [`FieldTable`]; the engine checks conditions and
//! outputs against the registry and never hard-codes a source's fields.
//! [`common`] holds the fields every source shares, [`syscall`] turns the
//! syscall source's own declarations into a table.

pub mod common;
pub mod registry;
pub mod syscall;
pub mod value;

#[cfg(test)]
mod tests;

pub use registry::{
    ArgKind, ArgMode, FieldArg, FieldDef, FieldFlags, FieldId, FieldLookupError, FieldTable,
    Registry, ResolvedField, split_field_ref,
};
pub use value::{FieldType, LiteralError, Value, parse_literal};

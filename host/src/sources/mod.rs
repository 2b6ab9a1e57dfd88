//! Event sources as the engine sees them: each registers its field table and
//! adapts its events to the engine's [`Event`](crate::engine::Event) trait.

pub mod plugin;
pub mod syscall;

use crate::fields::Registry;

/// A registry with every built-in source's fields.
pub fn builtin_registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(crate::fields::syscall::table());
    registry
}

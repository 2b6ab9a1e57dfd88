//! Host-side bindings generated from the `wit/` package, one module per world;
//! the extractor world reuses the source world's types and log import.

/// The `source-plugin` world.
pub mod source {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "source-plugin",
    });
}

/// The `extractor-plugin` world.
pub mod extractor {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "extractor-plugin",
        with: {
            "lanner:plugin/types": super::source::lanner::plugin::types,
            "lanner:plugin/log": super::source::lanner::plugin::log,
        },
    });
}

pub use source::lanner::plugin::{log as wit_log, types as wit};

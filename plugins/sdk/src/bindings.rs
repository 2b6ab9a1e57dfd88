//! Generated from `wit/plugin.wit`, once per world; not part of the SDK's API.

/// The `source-plugin` world.
pub mod source {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "source-plugin",
        pub_export_macro: true,
        default_bindings_module: "lanner_plugin_sdk::bindings::source",
        export_macro_name: "export_source_bindings",
    });
}

/// The `extractor-plugin` world; shares the types and log import with [`source`].
pub mod extractor {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "extractor-plugin",
        pub_export_macro: true,
        default_bindings_module: "lanner_plugin_sdk::bindings::extractor",
        export_macro_name: "export_extractor_bindings",
        with: {
            "lanner:plugin/types@0.2.0": crate::bindings::source::lanner::plugin::types,
            "lanner:plugin/log@0.2.0": crate::bindings::source::lanner::plugin::log,
        },
    });
}

pub use source::lanner::plugin::{log as wit_log, types as wit};

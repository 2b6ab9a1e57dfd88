//! The crate a Lanner plugin author depends on.
//!
//! A plugin is a type that implements [`Plugin`] (identity, configuration,
//! field table, per-event parsing) and, if it produces events, [`Source`].
//! One macro exports it as a WebAssembly component:
//! [`export_source_plugin!`] or [`export_extractor_plugin!`]. The SDK owns
//! the WIT bindings, batches extraction, caches each event's parsed form and
//! turns errors and panics into what the host expects, so a plugin crate
//! never touches `wit-bindgen`.
//!
//! The same crate builds natively too: [`Runner`] drives a plugin without
//! Wasm, for unit tests and for benchmarks against the component.
//!
//! See `plugins/sdk/README.md` for a complete minimal plugin.

#[doc(hidden)]
pub mod adapter;
#[doc(hidden)]
pub mod bindings;
pub mod fields;
pub mod log;
pub mod plugin;
pub mod runner;
pub mod source;

pub use fields::{Arg, ArgSpec, Field, FieldInfo, FieldType, Value};
pub use plugin::Plugin;
pub use runner::{Request, Runner};
pub use source::{BatchEnd, Event, EventRef, Ingested, Source};

/// The allocator of every plugin component: plugins allocate for each event
/// they read, and talc does that markedly faster than the default wasm
/// allocator. (Components are single-threaded, which talc's wasm allocator requires.)
#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The contract version this SDK implements (the `wit/` package version).
pub const CONTRACT_VERSION: &str = "0.2.0";

/// Exports `$plugin` (implementing [`Plugin`] and [`Source`]) as a source-plugin component.
#[macro_export]
macro_rules! export_source_plugin {
    ($plugin:ty) => {
        $crate::__plugin_state!($plugin);
        // Exports exist only in the component: a native build of the same crate
        // (tests, benchmarks) links without the component ABI symbols.
        #[cfg(target_family = "wasm")]
        type LannerSourceExport = $crate::adapter::SourceAdapter<$plugin>;
        #[cfg(target_family = "wasm")]
        $crate::bindings::source::export_source_bindings!(LannerSourceExport);
    };
}

/// Exports `$plugin` (implementing [`Plugin`]) as an extractor-plugin component.
#[macro_export]
macro_rules! export_extractor_plugin {
    ($plugin:ty) => {
        $crate::__plugin_state!($plugin);
        #[cfg(target_family = "wasm")]
        type LannerExtractorExport = $crate::adapter::ExtractorAdapter<$plugin>;
        #[cfg(target_family = "wasm")]
        $crate::bindings::extractor::export_extractor_bindings!(LannerExtractorExport);
    };
}

/// Gives `$plugin` its per-instance state slot (a component instance is single-threaded).
#[doc(hidden)]
#[macro_export]
macro_rules! __plugin_state {
    ($plugin:ty) => {
        #[cfg(target_family = "wasm")]
        impl $crate::adapter::HasState for $plugin {
            fn with_state<R>(
                f: impl FnOnce(&mut ::core::option::Option<$crate::Runner<Self>>) -> R,
            ) -> R {
                ::std::thread_local! {
                    static STATE: ::core::cell::RefCell<::core::option::Option<$crate::Runner<$plugin>>> =
                        const { ::core::cell::RefCell::new(::core::option::Option::None) };
                }
                STATE.with(|state| f(&mut state.borrow_mut()))
            }
        }
    };
}

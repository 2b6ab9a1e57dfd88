//! The crate a Lanner plugin author depends on.
//!
//! A plugin implements [`Plugin`] and exports it with
//! [`export_plugin!`](crate::export_plugin). The SDK owns the WIT bindings
//! (generated once, here, from the repository's `wit/` package), so plugin
//! crates never depend on `wit-bindgen` themselves.
//!
//! ```ignore
//! struct Hello;
//! impl lanner_plugin_sdk::Plugin for Hello {
//!     const NAME: &'static str = "hello";
//!     const VERSION: &'static str = "0.1.0";
//!     const EVENT_SOURCE: Option<&'static str> = Some("hello");
//!     const DESCRIPTION: &'static str = "says hello";
//!     const CONTACT: &'static str = "https://example.com";
//! }
//! lanner_plugin_sdk::export_plugin!(Hello);
//! ```

#[doc(hidden)]
pub mod bindings {
    //! Generated from `wit/plugin.wit`; not part of the SDK's public API.
    wit_bindgen::generate!({
        path: "../../wit",
        world: "source-plugin",
        pub_export_macro: true,
        default_bindings_module: "lanner_plugin_sdk::bindings",
        export_macro_name: "export_bindings",
    });
}

#[doc(hidden)]
pub mod adapter;

/// The contract version this SDK implements (the `wit/` package version).
pub const CONTRACT_VERSION: &str = "0.1.0";

/// What every plugin declares about itself.
pub trait Plugin: 'static {
    /// Short unique name, e.g. `k8saudit`.
    const NAME: &'static str;
    /// The plugin's own semantic version.
    const VERSION: &'static str;
    /// The event source it produces (`source:` in rules), if any.
    const EVENT_SOURCE: Option<&'static str>;
    /// One-line description for operators.
    const DESCRIPTION: &'static str;
    /// Where to report problems.
    const CONTACT: &'static str;
}

/// Exports `$plugin` (a type implementing [`Plugin`]) as the component's implementation.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        // The generated export macro takes a plain identifier, hence the alias.
        // Exports exist only in the component: a native build of the same crate
        // (for tests and benchmarks) links without the component ABI symbols.
        #[cfg(target_family = "wasm")]
        type LannerPluginExport = $crate::adapter::Adapter<$plugin>;
        #[cfg(target_family = "wasm")]
        $crate::bindings::export_bindings!(LannerPluginExport);
    };
}

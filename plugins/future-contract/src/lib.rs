//! `future-contract`: a plugin built against contract 9.0.0, a version the
//! host does not speak, so tests can prove the host refuses it and names both
//! versions.
//!
//! It deliberately bypasses the SDK (which always speaks the current
//! contract) and generates its bindings from its own `wit/plugin.wit`. The
//! component imports `lanner:plugin/log@9.0.0` and exports
//! `lanner:plugin/source@9.0.0`, so the future version shows in the
//! component's import and export names as well as in `info()`: whichever
//! the host checks first, it finds 9.0.0.
//!
//! Should a host wrongly accept it, the plugin behaves as an empty source.

wit_bindgen::generate!({
    path: "wit",
    world: "source-plugin",
});

use exports::lanner::plugin::source::Guest as SourceGuest;
use lanner::plugin::log::{self, Level};
// `PluginInfo` comes in with the world's own `use types.{plugin-info}`.
use lanner::plugin::types::{BatchEnd, Event, Ingested};

/// The contract version this plugin claims; matches `wit/plugin.wit`.
const CONTRACT_VERSION: &str = "9.0.0";

/// The plugin; it has no state.
pub struct FutureContract;

impl Guest for FutureContract {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "future-contract".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract_version: CONTRACT_VERSION.into(),
            event_source: Some("future".into()),
            extract_sources: Vec::new(),
            description: "Built against a future plugin contract; the host must refuse it.".into(),
            contact: "https://github.com/lanner-dev/lanner".into(),
        }
    }

    fn config_schema() -> Option<String> {
        None
    }

    fn init(_config: String) -> Result<(), String> {
        // Calling the import keeps it in the component, so the host sees
        // `lanner:plugin/log@9.0.0` among the imports.
        log::write(
            Level::Warn,
            "future-contract initialised: this host accepted contract 9.0.0",
        );
        Ok(())
    }
}

impl SourceGuest for FutureContract {
    fn open(_params: String) -> Result<(), String> {
        Ok(())
    }

    fn ingest(_payload: Vec<u8>) -> Ingested {
        Ingested {
            events: Vec::new(),
            rejected: vec!["future-contract takes no input".into()],
        }
    }

    fn next_batch(_max_events: u32) -> Result<Vec<Event>, BatchEnd> {
        Err(BatchEnd::Eof)
    }
}

// Exports exist only in the component; a native build (workspace check,
// clippy, tests) has no component ABI to export to.
#[cfg(target_family = "wasm")]
export!(FutureContract);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_the_future_contract() {
        let info = FutureContract::info();
        assert_eq!(info.name, "future-contract");
        assert_eq!(info.contract_version, "9.0.0");
        assert_eq!(info.event_source.as_deref(), Some("future"));
    }

    #[test]
    fn is_an_empty_source() {
        assert!(matches!(FutureContract::next_batch(8), Err(BatchEnd::Eof)));
        assert!(FutureContract::ingest(b"x".to_vec()).events.is_empty());
    }
}

//! `heartbeat`: the smallest useful Lanner plugin. It proves the toolchain and
//! the contract end to end, and is a template for new plugins.

use lanner_plugin_sdk::Plugin;

/// The heartbeat plugin.
pub struct Heartbeat;

impl Plugin for Heartbeat {
    const NAME: &'static str = "heartbeat";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const EVENT_SOURCE: Option<&'static str> = Some("heartbeat");
    const DESCRIPTION: &'static str = "Emits a heartbeat event at a fixed interval.";
    const CONTACT: &'static str = "https://github.com/lanner-dev/lanner";
}

lanner_plugin_sdk::export_plugin!(Heartbeat);

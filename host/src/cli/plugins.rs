//! `lanner plugins …`: look inside plugin components.

use super::args::PluginsCommand;
use crate::plugin::{Limits, PluginHost};
use anyhow::Context;

/// Runs a `plugins` subcommand.
pub fn plugins(command: &PluginsCommand) -> anyhow::Result<()> {
    match command {
        PluginsCommand::Inspect { file } => {
            let host = PluginHost::new(Limits::default())?;
            let plugin = host
                .load_file(file)
                .with_context(|| format!("inspecting {}", file.display()))?;
            let info = &plugin.info;
            println!("name:             {}", info.name);
            println!("version:          {}", info.version);
            println!("contract version: {}", info.contract_version);
            println!(
                "event source:     {}",
                info.event_source
                    .as_deref()
                    .unwrap_or("(none: extractor only)")
            );
            println!("description:      {}", info.description);
            println!("contact:          {}", info.contact);
            Ok(())
        }
    }
}

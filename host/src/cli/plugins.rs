//! `lanner plugins …`: what plugins a run would load, and what is inside one.

use super::{args::PluginsCommand, rules::config, setup::Plugins};
use crate::plugin::{
    ComponentCache, Limits, LoadedPlugin, PluginHost, PluginKind, PluginOrigin, wit,
};
use anyhow::Context;

/// Runs a `plugins` subcommand.
pub fn plugins(command: &PluginsCommand) -> anyhow::Result<()> {
    match command {
        PluginsCommand::List { setup } => {
            let plugins = Plugins::load(&config(setup)?, &setup.plugin_dirs)?;
            println!(
                "{:<12} {:<9} {:<10} {:<14} {:>6}  from",
                "name", "version", "kind", "source", "fields"
            );
            for spec in &plugins.specs {
                let plugin = &spec.plugin;
                let from = match &spec.origin {
                    PluginOrigin::Builtin => "built-in".to_string(),
                    PluginOrigin::File(path) => path.display().to_string(),
                };
                println!(
                    "{:<12} {:<9} {:<10} {:<14} {:>6}  {from}",
                    plugin.info.name,
                    plugin.info.version,
                    kind(plugin),
                    plugin.info.event_source.as_deref().unwrap_or("-"),
                    plugin.fields.len(),
                );
            }
            Ok(())
        }
        PluginsCommand::Inspect { file } => {
            let host = PluginHost::new(Limits::default(), ComponentCache::new(None))?;
            let plugin = host
                .load_file(file)
                .with_context(|| format!("inspecting {}", file.display()))?;
            print_plugin(&plugin);
            Ok(())
        }
    }
}

fn kind(plugin: &LoadedPlugin) -> &'static str {
    match plugin.kind {
        PluginKind::Source => "source",
        PluginKind::Extractor => "extractor",
    }
}

fn print_plugin(plugin: &LoadedPlugin) {
    let info = &plugin.info;
    println!("name:             {}", info.name);
    println!("version:          {}", info.version);
    println!("contract version: {}", info.contract_version);
    println!("kind:             {}", kind(plugin));
    println!(
        "event source:     {}",
        info.event_source
            .as_deref()
            .unwrap_or("(none: extractor only)")
    );
    if !info.extract_sources.is_empty() {
        println!("extracts from:    {}", info.extract_sources.join(", "));
    }
    println!("description:      {}", info.description);
    println!("contact:          {}", info.contact);
    println!("fields:           {}", plugin.fields.len());
    for field in &plugin.fields {
        let arg = match field.arg {
            wit::FieldArg::None => "",
            wit::FieldArg::OptionalIndex => "[index]",
            wit::FieldArg::RequiredIndex => "[INDEX]",
            wit::FieldArg::OptionalKey => "[key]",
            wit::FieldArg::RequiredKey => "[KEY]",
        };
        let ty = crate::sources::plugin::field_type(field.type_);
        let list = if field.is_list { " (list)" } else { "" };
        println!(
            "  {:<48} {:<8}{list} {}",
            format!("{}{arg}", field.name),
            ty.name(),
            field.description
        );
    }
    match &plugin.config_schema {
        Some(schema) => println!("config schema:    {schema}"),
        None => println!("config schema:    (none)"),
    }
}

//! Plugin sources as the engine sees them: their field tables (a source
//! plugin's own fields plus those of every extractor plugin that applies to
//! the source), events whose fields were extracted ahead of evaluation in one
//! batched call per plugin, and the pipeline that drives it all.

mod backend;
mod deferred;
mod event;
mod fault;
mod pipeline;
mod plan;
mod values;

pub use backend::PluginBackend;
pub use event::{DeferredFields, PluginEvent};
pub use fault::{fault_alert, stuck_call_alert};
pub use pipeline::{IngestReport, PipelineStats, PluginPipeline};

use crate::{
    fields::{ArgKind, ArgMode, FieldDef, FieldFlags, FieldTable, FieldType, Registry},
    plugin::{PluginKind, PluginSpec, wit},
};

/// Which plugin provides one field of a source's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provider {
    /// Index of the plugin in the spec list.
    pub plugin: usize,
    /// The field's id in that plugin's table.
    pub field: u32,
}

/// The event sources the loaded plugins produce, in load order.
pub fn plugin_sources(specs: &[PluginSpec]) -> Vec<String> {
    specs
        .iter()
        .filter(|s| s.plugin.kind == PluginKind::Source)
        .filter_map(|s| s.plugin.info.event_source.clone())
        .collect()
}

/// The table of `source`: its source plugin's fields first, then each
/// applicable extractor's, skipping names already taken; and who provides each.
pub fn source_table(source: &str, specs: &[PluginSpec]) -> (FieldTable, Vec<Provider>) {
    let sources = plugin_sources(specs);
    let mut table = FieldTable {
        source: source.to_string(),
        fields: Vec::new(),
        event_types: Vec::new(),
    };
    let mut providers = Vec::new();
    let own = specs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.plugin.info.event_source.as_deref() == Some(source));
    let extractors = specs.iter().enumerate().filter(|(_, s)| {
        s.plugin.info.event_source.as_deref() != Some(source)
            && s.plugin.extracts_from(&sources).iter().any(|x| x == source)
    });
    for (plugin, spec) in own.chain(extractors) {
        for (field, info) in spec.plugin.fields.iter().enumerate() {
            if table.fields.iter().any(|f| f.name == info.name) {
                continue;
            }
            table.fields.push(field_def(info));
            providers.push(Provider {
                plugin,
                field: field as u32,
            });
        }
    }
    (table, providers)
}

/// Registers the table of every plugin source.
pub fn register(registry: &mut Registry, specs: &[PluginSpec]) {
    for source in plugin_sources(specs) {
        registry.register(source_table(&source, specs).0);
    }
}

/// The engine's definition of a plugin field.
fn field_def(info: &wit::FieldInfo) -> FieldDef {
    let (arg_mode, arg_kind) = match info.arg {
        wit::FieldArg::None => (ArgMode::None, ArgKind::Key),
        wit::FieldArg::OptionalIndex => (ArgMode::Optional, ArgKind::Index),
        wit::FieldArg::RequiredIndex => (ArgMode::Required, ArgKind::Index),
        wit::FieldArg::OptionalKey => (ArgMode::Optional, ArgKind::Key),
        wit::FieldArg::RequiredKey => (ArgMode::Required, ArgKind::Key),
    };
    FieldDef {
        name: info.name.clone(),
        ty: field_type(info.type_),
        arg_mode,
        arg_kind,
        flags: FieldFlags {
            is_list: info.is_list,
            ..FieldFlags::default()
        },
        description: info.description.clone(),
    }
}

/// The engine type of a contract field type.
pub fn field_type(ty: wit::FieldType) -> FieldType {
    match ty {
        wit::FieldType::String => FieldType::String,
        wit::FieldType::U64 => FieldType::UInt,
        wit::FieldType::Bool => FieldType::Bool,
        wit::FieldType::Reltime => FieldType::RelTime,
        wit::FieldType::Abstime => FieldType::AbsTime,
        wit::FieldType::Ipaddr => FieldType::Ip,
        wit::FieldType::Ipnet => FieldType::Net,
    }
}

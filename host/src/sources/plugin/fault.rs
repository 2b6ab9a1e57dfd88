//! The internal alert that reports a plugin fault.

use crate::{
    engine::{loader::Priority, output::Alert},
    plugin::FaultReport,
};
use std::collections::BTreeMap;

/// The internal alert for a plugin fault.
pub fn fault_alert(report: &FaultReport, hostname: &str, time_ns: u64) -> Alert {
    let fault = &report.fault;
    let mut output_fields = BTreeMap::new();
    output_fields.insert("plugin.name".into(), fault.plugin.clone().into());
    output_fields.insert("plugin.call".into(), fault.call.into());
    output_fields.insert("plugin.fault".into(), fault.kind.to_string().into());
    output_fields.insert("plugin.faults".into(), report.count.into());
    Alert::internal(
        "Plugin fault",
        Priority::Error,
        "plugin",
        hostname,
        time_ns,
        format!(
            "Lanner internal: {fault}; the instance was discarded and restarts in {:?} (fault {} of this plugin)",
            report.restart_in, report.count
        ),
        output_fields,
    )
}

//! The internal alerts that report a plugin fault or a plugin call stuck.

use crate::{
    engine::{loader::Priority, output::Alert},
    plugin::{FaultReport, watchdog::StuckCall},
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

/// The internal alert for a call the wall-clock watchdog found still running
/// well past its deadline: its source is blocked until the call returns (and
/// then replaces the instance), so the alert is raised from outside it.
pub fn stuck_call_alert(stuck: &StuckCall, hostname: &str, time_ns: u64) -> Alert {
    let mut output_fields = BTreeMap::new();
    output_fields.insert("plugin.name".into(), stuck.plugin.clone().into());
    output_fields.insert("plugin.call".into(), stuck.call.into());
    output_fields.insert("plugin.fault".into(), "stuck".into());
    Alert::internal(
        "Plugin fault",
        Priority::Critical,
        "plugin",
        hostname,
        time_ns,
        format!(
            "Lanner internal: plugin `{}` is stuck in `{}` far past its {:?} deadline; its source takes no events until the call returns",
            stuck.plugin, stuck.call, stuck.limit
        ),
        output_fields,
    )
}

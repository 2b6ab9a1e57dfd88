//! Periodic metrics of the syscall source, published as Falco publishes its
//! own: an internal alert whose output fields hold the counters (Falco's
//! `metrics.output_rule`), so whatever consumes alerts can chart them.

use crate::engine::{loader::Priority, output::Alert};
use lanner_syscall_source::ProbeStats;
use std::collections::BTreeMap;

/// The internal alert carrying a snapshot of the probe's counters: totals,
/// per CPU, and the share of events dropped since start.
pub fn metrics_alert(stats: &ProbeStats, hostname: &str, time_ns: u64) -> Alert {
    let mut output_fields: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    output_fields.insert("scap.n_evts".into(), stats.events.into());
    output_fields.insert("scap.n_drops".into(), stats.drops.into());
    output_fields.insert("scap.n_drops_buffer_total".into(), stats.drops.into());
    let percent = if stats.events == 0 {
        0.0
    } else {
        stats.drops as f64 * 100.0 / stats.events as f64
    };
    output_fields.insert("scap.n_drops_perc".into(), percent.into());
    for (cpu, counters) in stats.per_cpu.iter().enumerate() {
        output_fields.insert(format!("scap.n_evts_cpu_{cpu}"), counters.events.into());
        output_fields.insert(format!("scap.n_drops_cpu_{cpu}"), counters.drops.into());
    }
    Alert::internal(
        "Lanner internal: metrics snapshot",
        Priority::Informational,
        "metrics",
        hostname,
        time_ns,
        format!(
            "Lanner metrics snapshot: {} syscall events, {} dropped ({percent:.2}%)",
            stats.events, stats.drops
        ),
        output_fields,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use lanner_syscall_source::probe::CpuStats;

    #[test]
    fn carries_totals_and_per_cpu_counters() {
        let stats = ProbeStats {
            events: 300,
            drops: 3,
            per_cpu: vec![
                CpuStats {
                    events: 100,
                    drops: 3,
                    ..CpuStats::default()
                },
                CpuStats {
                    events: 200,
                    ..CpuStats::default()
                },
            ],
            ..ProbeStats::default()
        };
        let alert = metrics_alert(&stats, "h", 7);
        assert_eq!(alert.source, "internal");
        assert_eq!(alert.output_fields["scap.n_evts"], 300);
        assert_eq!(alert.output_fields["scap.n_drops_perc"], 1.0);
        assert_eq!(alert.output_fields["scap.n_evts_cpu_1"], 200);
        assert_eq!(alert.output_fields["scap.n_drops_cpu_0"], 3);
        assert!(
            alert
                .message
                .contains("300 syscall events, 3 dropped (1.00%)")
        );
    }
}

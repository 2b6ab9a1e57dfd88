//! Periodic metrics of the syscall source, published as Falco publishes its
//! own: an internal alert whose output fields hold the counters (Falco's
//! `metrics.output_rule`), so whatever consumes alerts can chart them.

use crate::engine::{loader::Priority, output::Alert};
use lanner_syscall_source::ProbeStats;
use std::collections::BTreeMap;

/// The internal alert carrying a snapshot of the probe's counters: totals,
/// drops by record kind, per CPU, and the share of events dropped since
/// start. Drop kinds take Falco's names where they mean the same record
/// (exec arguments come from execve's entry, forks from clone's exit);
/// Falco splits syscall exits by syscall family, Lanner counts them as one.
pub fn metrics_alert(stats: &ProbeStats, hostname: &str, time_ns: u64) -> Alert {
    let (events, drops) = (stats.events(), stats.drops());
    let by_kind = stats.drops_by_kind();
    let mut output_fields: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    output_fields.insert("scap.n_evts".into(), events.into());
    output_fields.insert("scap.n_drops".into(), drops.into());
    output_fields.insert("scap.n_drops_buffer_total".into(), drops.into());
    for (name, count) in [
        ("scap.n_drops_buffer_syscall_exit", by_kind.syscall_exit),
        ("scap.n_drops_buffer_execve_exit", by_kind.exec),
        ("scap.n_drops_buffer_execve_enter", by_kind.exec_args),
        ("scap.n_drops_buffer_clone_fork_exit", by_kind.fork),
        ("scap.n_drops_buffer_proc_exit", by_kind.exit),
    ] {
        output_fields.insert(name.into(), count.into());
    }
    output_fields.insert("lanner.n_args_truncated".into(), stats.truncated().into());
    let percent = if events == 0 {
        0.0
    } else {
        drops as f64 * 100.0 / events as f64
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
            events, drops
        ),
        output_fields,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use lanner_syscall_source::probe::{CpuStats, KindCounts};

    #[test]
    fn carries_totals_and_per_cpu_counters() {
        let stats = ProbeStats {
            per_cpu: vec![
                CpuStats {
                    events: 100,
                    drops: 3,
                    drops_by_kind: KindCounts {
                        syscall_exit: 1,
                        exec: 2,
                        ..KindCounts::default()
                    },
                    truncated: 4,
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
        assert_eq!(alert.output_fields["scap.n_drops_buffer_syscall_exit"], 1);
        assert_eq!(alert.output_fields["scap.n_drops_buffer_execve_exit"], 2);
        assert_eq!(alert.output_fields["scap.n_drops_buffer_proc_exit"], 0);
        assert_eq!(alert.output_fields["lanner.n_args_truncated"], 4);
        assert!(
            alert
                .message
                .contains("300 syscall events, 3 dropped (1.00%)")
        );
    }
}

//! The internal alert raised when the probe loses events.
//!
//! A full ring buffer means events the rules never saw; the operator must
//! know. Drops are checked once a second and alerted at most once per
//! interval (Falco's default is one message every 30 s), with the counts
//! since the previous alert, per CPU.

use crate::engine::{loader::Priority, output::Alert};
use lanner_syscall_source::ProbeStats;
use std::collections::BTreeMap;

/// Watches the probe's counters and decides when to alert.
pub struct DropMonitor {
    interval_ns: u64,
    last_alert_ns: Option<u64>,
    reported: ProbeStats,
}

impl DropMonitor {
    /// Alerts at most once per `interval_ns`.
    pub fn new(interval_ns: u64) -> Self {
        Self {
            interval_ns,
            last_alert_ns: None,
            reported: ProbeStats::default(),
        }
    }

    /// The alert to raise for `stats` at `now_ns`, if events were dropped
    /// since the last alert and the interval has passed.
    pub fn check(&mut self, stats: &ProbeStats, now_ns: u64, hostname: &str) -> Option<Alert> {
        let drops = stats.drops().saturating_sub(self.reported.drops());
        if drops == 0 {
            return None;
        }
        if let Some(last) = self.last_alert_ns
            && now_ns.saturating_sub(last) < self.interval_ns
        {
            return None;
        }
        let events = stats.events().saturating_sub(self.reported.events());
        let per_cpu: Vec<String> = stats
            .per_cpu
            .iter()
            .enumerate()
            .map(|(cpu, counters)| {
                let before = self.reported.per_cpu.get(cpu).map_or(0, |c| c.drops);
                format!("cpu{cpu}={}", counters.drops.saturating_sub(before))
            })
            .collect();
        self.last_alert_ns = Some(now_ns);
        self.reported = stats.clone();
        let mut output_fields = BTreeMap::new();
        output_fields.insert("scap.n_evts".into(), events.into());
        output_fields.insert("scap.n_drops".into(), drops.into());
        output_fields.insert("scap.n_drops_per_cpu".into(), per_cpu.join(" ").into());
        let percent = if events == 0 {
            100.0
        } else {
            drops as f64 * 100.0 / events as f64
        };
        Some(Alert::internal(
            "Syscall event drops",
            Priority::Critical,
            "syscall",
            hostname,
            now_ns,
            format!(
                "Lanner internal: syscall event drops: {drops} of {events} events ({percent:.2}%) lost because the ring buffers were full ({}); rules did not see them",
                per_cpu.join(" ")
            ),
            output_fields,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lanner_syscall_source::probe::CpuStats;

    fn stats(per_cpu: &[(u64, u64)]) -> ProbeStats {
        let per_cpu: Vec<CpuStats> = per_cpu
            .iter()
            .map(|&(events, drops)| CpuStats {
                events,
                drops,
                ..CpuStats::default()
            })
            .collect();
        ProbeStats {
            per_cpu,
            ..ProbeStats::default()
        }
    }

    const SECOND: u64 = 1_000_000_000;

    #[test]
    fn alerts_on_new_drops_at_most_once_per_interval_with_counts_since_the_last() {
        let mut monitor = DropMonitor::new(30 * SECOND);
        assert!(
            monitor
                .check(&stats(&[(100, 0), (50, 0)]), SECOND, "h")
                .is_none()
        );
        let alert = monitor
            .check(&stats(&[(200, 5), (80, 0)]), 2 * SECOND, "h")
            .expect("drops alert");
        assert_eq!(alert.rule, "Syscall event drops");
        assert_eq!(alert.priority, Priority::Critical);
        assert_eq!(alert.source, "internal");
        assert_eq!(alert.output_fields["scap.n_drops"], 5);
        assert_eq!(alert.output_fields["scap.n_evts"], 280);
        assert_eq!(alert.output_fields["scap.n_drops_per_cpu"], "cpu0=5 cpu1=0");
        // More drops within the interval: quiet; after it: the drops since the last alert.
        assert!(
            monitor
                .check(&stats(&[(300, 9), (90, 1)]), 10 * SECOND, "h")
                .is_none()
        );
        let later = monitor
            .check(&stats(&[(400, 9), (95, 3)]), 40 * SECOND, "h")
            .expect("second alert");
        assert_eq!(later.output_fields["scap.n_drops"], 7);
        assert_eq!(later.output_fields["scap.n_drops_per_cpu"], "cpu0=4 cpu1=3");
        // No new drops: no alert, however long.
        assert!(
            monitor
                .check(&stats(&[(500, 9), (99, 3)]), 100 * SECOND, "h")
                .is_none()
        );
    }
}

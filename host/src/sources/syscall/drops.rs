//! The internal alert raised when the probe loses events.
//!
//! A full ring buffer means events the rules never saw; the operator must
//! know. Drops are checked once a second and alerted at most once per
//! interval (Falco's default is one message every 30 s), with the counts
//! since the previous alert, per CPU.

use crate::engine::{loader::Priority, output::Alert};
use lanner_syscall_source::ProbeStats;
use std::collections::{BTreeMap, BTreeSet};

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
        let drops = stats.drops.saturating_sub(self.reported.drops);
        if drops == 0 {
            return None;
        }
        if let Some(last) = self.last_alert_ns
            && now_ns.saturating_sub(last) < self.interval_ns
        {
            return None;
        }
        let events = stats.events.saturating_sub(self.reported.events);
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
        Some(Alert {
            rule: "Syscall event drops".into(),
            priority: Priority::Critical,
            source: "internal".into(),
            tags: BTreeSet::from(["lanner_internal".to_string(), "syscall".to_string()]),
            time_ns: now_ns,
            hostname: hostname.to_string(),
            message: format!(
                "Lanner internal: syscall event drops: {drops} of {events} events ({percent:.2}%) lost because the ring buffers were full ({}); rules did not see them",
                per_cpu.join(" ")
            ),
            output_fields,
        })
    }
}

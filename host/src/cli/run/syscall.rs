//! The syscall source in a run: attach the probe, evaluate every event.

use super::{shutdown::Shutdown, sink::AlertSink};
use crate::{
    engine::{Ruleset, eval::EventContext},
    sources::syscall::{EventTypes, SyscallView},
};
use anyhow::Context;
use lanner_syscall_source::{ProbeConfig, SyscallProbe, syscalls};
use std::time::Duration;

/// Runs the syscall source until `shutdown`.
pub fn run(
    ruleset: &Ruleset,
    sink: &AlertSink,
    shutdown: &Shutdown,
    hostname: &str,
) -> anyhow::Result<()> {
    let source = ruleset
        .source("syscall")
        .context("the syscall source is not registered")?;
    let types = EventTypes::new(
        ruleset
            .registry()
            .event_types("syscall")
            .unwrap_or_default(),
    );
    let syscalls = ["execve", "execveat"]
        .iter()
        .filter_map(|name| syscalls::number(name))
        .collect();
    let mut probe =
        SyscallProbe::load(&ProbeConfig { syscalls }).context("starting the syscall source")?;
    eprintln!(
        "lanner: syscall source attached; {} rules enabled; printing alerts (Ctrl-C to stop)",
        ruleset.enabled_rules(source)
    );
    let mut context = EventContext {
        number: 0,
        source: "syscall".into(),
        hostname: hostname.to_string(),
        start_ns: now_ns(),
    };
    let mut events = Vec::new();
    let mut alerts = Vec::new();
    while !shutdown.is_set() {
        events.clear();
        probe
            .poll(Duration::from_millis(100), &mut events)
            .context("reading the syscall source")?;
        alerts.clear();
        for event in &events {
            context.number += 1;
            let view = SyscallView::new(event, &types);
            ruleset.process(source, &view, &context, hostname, &mut alerts);
        }
        if !alerts.is_empty() && !sink.emit(&alerts) {
            return Ok(());
        }
    }
    Ok(())
}

fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}

//! `lanner run`: read a source, evaluate rules, print alerts.

use super::{
    args::{RunArgs, SourceName},
    rules_files,
};
use crate::{
    config::Config,
    engine::{
        Ruleset, RulesetOptions,
        eval::EventContext,
        output::{Alert, TimeStyle},
    },
    sources::syscall::{EventTypes, SyscallView},
};
use anyhow::Context;
use lanner_syscall_source::{ProbeConfig, SyscallProbe, syscalls};
use std::{
    io::{BufWriter, Write},
    time::Duration,
};

/// How alerts are printed.
struct Printer {
    json: bool,
    time_style: TimeStyle,
    printed: u64,
    limit: Option<u64>,
}

impl Printer {
    /// Prints `alerts`; returns false once the alert limit is reached.
    fn print(&mut self, out: &mut impl Write, alerts: &[Alert]) -> std::io::Result<bool> {
        for alert in alerts {
            let line = if self.json {
                alert.json(self.time_style)
            } else {
                alert.text(self.time_style)
            };
            writeln!(out, "{line}")?;
            self.printed += 1;
            if self.limit.is_some_and(|limit| self.printed >= limit) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Runs `lanner run`.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => Config::read(path)?,
        None => Config::default(),
    };
    for key in &config.ignored_keys {
        tracing::debug!(key, "configuration key not used by Lanner");
    }
    let rule_paths = if args.rules.files.is_empty() {
        config.rules_files.clone()
    } else {
        args.rules.files.clone()
    };
    let options = RulesetOptions {
        min_priority: config
            .priority
            .unwrap_or(RulesetOptions::default().min_priority),
        match_mode: config.rule_matching.unwrap_or_default(),
        ..RulesetOptions::default()
    };
    let ruleset = rules_files::load_for_run(&rule_paths, &options)?;
    let printer = Printer {
        json: args.json || config.json_output == Some(true),
        time_style: config.time_style.unwrap_or_default(),
        printed: 0,
        limit: args.max_alerts,
    };
    match args.source {
        SourceName::Syscall => run_syscall(&ruleset, printer),
    }
}

fn run_syscall(ruleset: &Ruleset, mut printer: Printer) -> anyhow::Result<()> {
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
    let hostname = hostname();
    let mut context = EventContext {
        number: 0,
        source: "syscall".into(),
        hostname: hostname.clone(),
        start_ns: now_ns(),
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut events = Vec::new();
    let mut alerts = Vec::new();
    loop {
        events.clear();
        probe
            .poll(Duration::from_millis(100), &mut events)
            .context("reading the syscall source")?;
        for event in &events {
            context.number += 1;
            alerts.clear();
            let view = SyscallView::new(event, &types);
            ruleset.process(source, &view, &context, &hostname, &mut alerts);
            if !printer.print(&mut out, &alerts)? {
                out.flush()?;
                return Ok(());
            }
        }
        out.flush()?;
    }
}

/// `$FALCO_HOSTNAME` if set (as Falco honours it), else the kernel's host name.
fn hostname() -> String {
    if let Ok(name) = std::env::var("FALCO_HOSTNAME") {
        return name;
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}

fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}

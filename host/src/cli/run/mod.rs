//! `lanner run`: start the chosen sources, evaluate rules, print alerts.
//!
//! Each source runs on its own thread and shares the rule set and the alert
//! sink; SIGINT/SIGTERM, reaching `--max-alerts` or a failing source stops
//! every source, which drains what it accepted, prints its summary and
//! returns. A source whose input ends (a replay) just finishes.

mod plugin;
mod shutdown;
mod sink;
mod syscall;

use super::{args::RunArgs, rules::config, rules_files, setup::Plugins};
use crate::engine::RulesetOptions;
use anyhow::{Context, bail};
use shutdown::Shutdown;
use sink::AlertSink;
use std::sync::Arc;

/// Runs `lanner run`.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let config = config(&args.setup)?;
    for key in &config.ignored_keys {
        tracing::debug!(key, "configuration key not used by Lanner");
    }
    let mut sources: Vec<String> = Vec::new();
    for source in &args.sources {
        if !sources.contains(source) {
            sources.push(source.clone());
        }
    }
    if args.input.is_some() && sources.len() != 1 {
        bail!(
            "--input replays one source; name it with --source (e.g. --source syscall for a capture, --source k8s_audit for audit events)"
        );
    }
    if args.record.is_some() && !sources.iter().any(|s| s == "syscall") {
        bail!("--record writes what the syscall source captures; add --source syscall");
    }
    let plugins = Plugins::load(&config, &args.setup.plugin_dirs)?;
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
        plugins: plugins.versions(),
    };
    let ruleset = Arc::new(rules_files::load_for_run(
        &rule_paths,
        &options,
        plugins.registry(),
    )?);
    for source in &sources {
        let handle = ruleset.source(source).with_context(|| {
            format!(
                "unknown source `{source}`; available: {}",
                ruleset
                    .registry()
                    .source_names()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        if ruleset.enabled_rules(handle) == 0 {
            eprintln!("lanner: warning: no enabled rule reads source `{source}`");
        }
    }
    let shutdown = Shutdown::install()?;
    let sink = Arc::new(AlertSink::new(
        args.json || config.json_output == Some(true),
        config.time_style.unwrap_or_default(),
        args.max_alerts,
        shutdown.clone(),
    ));
    let hostname = hostname();
    let mut workers = Vec::new();
    for source in sources {
        let ruleset = Arc::clone(&ruleset);
        let sink = Arc::clone(&sink);
        let shutdown = shutdown.clone();
        let hostname = hostname.clone();
        let stop = shutdown.clone();
        let job: Box<dyn FnOnce() -> anyhow::Result<()> + Send> = if source == "syscall" {
            let setup = syscall::SyscallRun {
                input: args.input.clone(),
                record: args.record.clone(),
                ring_bytes_per_cpu: config.syscall_ring_bytes_per_cpu,
                metrics_interval: config.metrics_interval,
            };
            Box::new(move || setup.run(&ruleset, &sink, &stop, &hostname))
        } else {
            let setup = plugin::PluginRun {
                source: source.clone(),
                host: Arc::clone(&plugins.host),
                specs: plugins.specs.clone(),
                input: args.input.clone(),
                webhook_listen: args.webhook_listen.clone(),
                webhook: config.webhook.clone(),
            };
            Box::new(move || setup.run(&ruleset, &sink, &stop, &hostname))
        };
        let thread = std::thread::Builder::new()
            .name(format!("source-{source}"))
            .spawn(move || {
                let result = job();
                // A failed source ends the run; one that finished (a replay)
                // leaves the others running, and the run ends with the last.
                if result.is_err() {
                    shutdown.trigger();
                }
                result
            })
            .context("starting a source thread")?;
        workers.push((source, thread));
    }
    let mut failure = None;
    for (source, thread) in workers {
        match thread.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                failure.get_or_insert(e.context(format!("source `{source}`")));
            }
            Err(_) => {
                failure.get_or_insert(anyhow::anyhow!("source `{source}` panicked"));
            }
        }
    }
    sink.flush();
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
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

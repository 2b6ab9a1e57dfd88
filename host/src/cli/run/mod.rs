//! `lanner run`: start the chosen sources, evaluate rules, print alerts.
//!
//! Each source runs on its own thread and shares the rule set and the alert
//! sink; SIGINT/SIGTERM, reaching `--max-alerts` or a failing source stops
//! every source, which drains what it accepted, prints its summary and
//! returns. A source whose input ends (a replay) just finishes. A source
//! thread that panics is reported (error log, `Source failure` internal
//! alert) and ends the run with a non-zero exit.

mod plugin;
mod shutdown;
mod sink;
mod syscall;

use super::{args::RunArgs, rules::config, rules_files, setup::Plugins};
use crate::{
    engine::{
        RulesetOptions,
        loader::Priority,
        output::{Alert, now_ns},
    },
    sources::plugin::stuck_call_alert,
};
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
        let job_sink = Arc::clone(&sink);
        let shutdown = shutdown.clone();
        let job_hostname = hostname.clone();
        let stop = shutdown.clone();
        let job: Box<dyn FnOnce() -> anyhow::Result<()> + Send> = if source == "syscall" {
            let setup = syscall::SyscallRun {
                input: args.input.clone(),
                record: args.record.clone(),
                record_environment: args.record_environment,
                ring_bytes_per_cpu: config.syscall_ring_bytes_per_cpu,
                metrics_interval: config.metrics_interval,
            };
            Box::new(move || setup.run(&ruleset, &job_sink, &stop, &job_hostname))
        } else {
            let setup = plugin::PluginRun {
                source: source.clone(),
                host: Arc::clone(&plugins.host),
                specs: plugins.specs.clone(),
                input: args.input.clone(),
                webhook_listen: args.webhook_listen.clone(),
                webhook: config.webhook.clone(),
            };
            Box::new(move || setup.run(&ruleset, &job_sink, &stop, &job_hostname))
        };
        let name = source.clone();
        let sink = Arc::clone(&sink);
        let hostname = hostname.clone();
        let thread = std::thread::Builder::new()
            .name(format!("source-{source}"))
            .spawn(move || {
                let result = supervised(&name, job, &sink, &hostname);
                // A failed (or panicked) source ends the run; one that
                // finished (a replay) leaves the others running, and the run
                // ends with the last.
                if result.is_err() {
                    shutdown.trigger();
                }
                result
            })
            .context("starting a source thread")?;
        workers.push((source, thread));
    }
    // A plugin call stuck in the host is raised from here: the source
    // thread it blocks cannot raise it itself.
    while !workers.iter().all(|(_, thread)| thread.is_finished()) {
        for stuck in crate::plugin::watchdog::stuck_calls() {
            sink.emit(&[stuck_call_alert(&stuck, &hostname, now_ns())]);
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let mut failure = None;
    for (source, thread) in workers {
        match thread.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                failure.get_or_insert(e.context(format!("source `{source}`")));
            }
            // `supervised` catches panics; this is one escaping it (e.g. in
            // a panic payload's destructor).
            Err(payload) => {
                failure.get_or_insert(anyhow::anyhow!(
                    "source `{source}` panicked: {}",
                    panic_message(payload.as_ref())
                ));
            }
        }
    }
    sink.flush();
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Runs a source's `job` on its thread, turning a panic into a reported
/// failure: an error log, a `Source failure` internal alert, and an error
/// that ends the run with a non-zero exit. Without this a panicking source
/// would silently stop alerting while the others (or nothing) kept the
/// process looking alive. Every source goes through here, whatever it is.
fn supervised(
    source: &str,
    job: Box<dyn FnOnce() -> anyhow::Result<()> + Send>,
    sink: &AlertSink,
    hostname: &str,
) -> anyhow::Result<()> {
    let job = move || {
        test_panic_hook(source);
        job()
    };
    // Unwind safety: on a panic the source's own state is dropped unused;
    // the shared pieces (rules, sink, stop flag) are read-only or guarded.
    let payload = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
        Ok(result) => return result,
        Err(payload) => payload,
    };
    let message = panic_message(payload.as_ref());
    tracing::error!(source, panic = %message, "source thread panicked; stopping the run");
    sink.emit(&[source_panic_alert(source, &message, hostname)]);
    // The caller adds which source this was.
    Err(anyhow::anyhow!("panicked: {message}; the run stopped"))
}

/// The text of a panic payload (`panic!` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".to_string()
    }
}

/// The internal alert for a source whose thread panicked.
fn source_panic_alert(source: &str, message: &str, hostname: &str) -> Alert {
    let mut fields = std::collections::BTreeMap::new();
    fields.insert("source.name".to_string(), source.into());
    fields.insert("source.panic".to_string(), message.into());
    Alert::internal(
        "Source failure",
        Priority::Critical,
        "source",
        hostname,
        now_ns(),
        format!(
            "Lanner internal: source `{source}` panicked ({message}); no more events come from it and the run stops"
        ),
        fields,
    )
}

/// Test builds only: `LANNER_TEST_PANIC_SOURCE=<source>` makes that source's
/// thread panic as it starts, so the tests can see a real panic reported.
/// Compiled out of release builds.
fn test_panic_hook(source: &str) {
    #[cfg(debug_assertions)]
    if std::env::var_os("LANNER_TEST_PANIC_SOURCE").is_some_and(|wanted| wanted == source) {
        panic!("LANNER_TEST_PANIC_SOURCE asked source `{source}` to panic");
    }
    #[cfg(not(debug_assertions))]
    let _ = source;
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

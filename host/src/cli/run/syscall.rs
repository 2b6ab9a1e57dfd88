//! The syscall source in a run: live from the probe (optionally recorded to
//! a capture file) or replayed from a capture; every record goes through the
//! state tables, every event through the rules.

use super::{shutdown::Shutdown, sink::AlertSink};
use crate::{
    engine::{Ruleset, eval::EventContext, output::now_ns},
    sources::syscall::{
        EventTypes, SyscallView, drops::DropMonitor, interest::syscalls_to_capture,
        metrics::metrics_alert,
    },
};
use anyhow::Context;
use lanner_syscall_source::{
    CaptureRecord, ProbeConfig,
    capture::{CaptureHeader, CaptureReader, CaptureWriter, ReadError},
    live::LiveSource,
    state::SystemState,
};
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

/// How often the probe's drop counters are checked.
const DROP_CHECK: Duration = Duration::from_secs(1);
/// At most one drop alert per this interval.
const DROP_ALERT_INTERVAL: Duration = Duration::from_secs(30);
/// Records handled per replay batch.
const REPLAY_BATCH: usize = 4096;

/// What the syscall source of a run reads and writes.
#[derive(Clone, Debug, Default)]
pub struct SyscallRun {
    /// Replay this capture instead of capturing live.
    pub input: Option<PathBuf>,
    /// Write what is captured live to this capture file.
    pub record: Option<PathBuf>,
    /// Keep environment values in the capture (else they are redacted).
    pub record_environment: bool,
    /// Ring buffer bytes per CPU (`None`: the probe's default).
    pub ring_bytes_per_cpu: Option<u32>,
    /// Publish a metrics snapshot alert this often (`None`: never).
    pub metrics_interval: Option<Duration>,
}

/// Per-run evaluation state shared by the live and replay loops.
struct Evaluator<'r> {
    ruleset: &'r Ruleset,
    source: crate::engine::SourceHandle,
    types: EventTypes,
    state: SystemState,
    context: EventContext,
    alerts: Vec<crate::engine::output::Alert>,
}

impl<'r> Evaluator<'r> {
    fn new(ruleset: &'r Ruleset, hostname: &str, start_ns: u64) -> anyhow::Result<Self> {
        let source = ruleset
            .source("syscall")
            .context("the syscall source is not registered")?;
        let types = EventTypes::new(
            ruleset
                .registry()
                .event_types("syscall")
                .unwrap_or_default(),
        );
        Ok(Self {
            ruleset,
            source,
            types,
            state: SystemState::new(),
            context: EventContext {
                number: 0,
                source: "syscall".into(),
                hostname: hostname.to_string(),
                start_ns,
            },
            alerts: Vec::new(),
        })
    }

    /// Applies one record to the state and evaluates it when it is an event rules see.
    fn handle(&mut self, record: &CaptureRecord) {
        let Some(view) = self.state.apply(record) else {
            return;
        };
        self.context.number += 1;
        let view = SyscallView::new(view, &self.types);
        self.ruleset.process(
            self.source,
            &view,
            &self.context,
            &self.context.hostname,
            &mut self.alerts,
        );
    }

    /// Hands the alerts gathered so far to `sink`; false when the run should stop.
    fn flush(&mut self, sink: &AlertSink) -> bool {
        let keep_going = self.alerts.is_empty() || sink.emit(&self.alerts);
        self.alerts.clear();
        keep_going
    }
}

impl SyscallRun {
    /// How often counters are read: every second, or more often when metrics are wanted sooner.
    fn check_period(&self) -> Duration {
        self.metrics_interval
            .map_or(DROP_CHECK, |m| m.min(DROP_CHECK))
    }

    /// Runs the syscall source until `shutdown` (live) or the end of the capture (replay).
    pub fn run(
        &self,
        ruleset: &Ruleset,
        sink: &AlertSink,
        shutdown: &Shutdown,
        hostname: &str,
    ) -> anyhow::Result<()> {
        match &self.input {
            Some(path) => replay(path, ruleset, sink, shutdown),
            None => self.live(ruleset, sink, shutdown, hostname),
        }
    }

    fn live(
        &self,
        ruleset: &Ruleset,
        sink: &AlertSink,
        shutdown: &Shutdown,
        hostname: &str,
    ) -> anyhow::Result<()> {
        let start_ns = now_ns();
        let mut evaluator = Evaluator::new(ruleset, hostname, start_ns)?;
        let mut config = ProbeConfig {
            syscalls: syscalls_to_capture(ruleset, evaluator.source, "syscall"),
            ..ProbeConfig::default()
        };
        if let Some(bytes) = self.ring_bytes_per_cpu {
            config.ring_bytes_per_cpu = bytes;
        }
        let syscall_count = config.syscalls.len();
        // Before the probe: a path that is refused fails fast, with nothing attached.
        let mut recorder = match &self.record {
            Some(path) => {
                let header = CaptureHeader::new(hostname, start_ns);
                let header = if self.record_environment {
                    header.keeping_environment()
                } else {
                    header
                };
                Some(CaptureWriter::create(path, &header).context("--record")?)
            }
            None => None,
        };
        let mut live = LiveSource::start(&config).context("starting the syscall source")?;
        eprintln!(
            "lanner: syscall source attached; {} rules enabled; capturing {syscall_count} syscalls; printing alerts (Ctrl-C to stop)",
            ruleset.enabled_rules(evaluator.source)
        );
        let mut drops = DropMonitor::new(DROP_ALERT_INTERVAL.as_nanos() as u64);
        let mut last_check = Instant::now();
        let mut last_metrics = Instant::now();
        let mut records = Vec::new();
        while !shutdown.is_set() {
            records.clear();
            live.next_batch(Duration::from_millis(50), &mut records)
                .context("reading the syscall source")?;
            record_and_evaluate(&records, recorder.as_mut(), &mut evaluator)?;
            if last_check.elapsed() >= self.check_period() {
                last_check = Instant::now();
                let stats = live.stats().context("reading the probe's counters")?;
                if let Some(alert) = drops.check(&stats, now_ns(), hostname) {
                    evaluator.alerts.push(alert);
                }
                if let Some(interval) = self.metrics_interval
                    && last_metrics.elapsed() >= interval
                {
                    last_metrics = Instant::now();
                    evaluator
                        .alerts
                        .push(metrics_alert(&stats, hostname, now_ns()));
                }
                if let Some(writer) = recorder.as_mut() {
                    writer.flush().context("recording")?;
                }
            }
            if !evaluator.flush(sink) {
                break;
            }
        }
        // The last events, held back until now to keep time order.
        records.clear();
        live.finish(&mut records);
        record_and_evaluate(&records, recorder.as_mut(), &mut evaluator)?;
        let stats = live.stats().context("reading the probe's counters")?;
        if let Some(alert) = drops.check(&stats, now_ns(), hostname) {
            evaluator.alerts.push(alert);
        }
        evaluator.flush(sink);
        let per_cpu: Vec<String> = stats
            .per_cpu
            .iter()
            .enumerate()
            .map(|(cpu, c)| format!("cpu{cpu}: {} events, {} dropped", c.events, c.drops))
            .collect();
        eprintln!(
            "lanner: syscall source: {} events, {} dropped, {} undecodable ({}); {} socket lookups skipped under load; {} container enrichments dropped (queue full)",
            stats.events(),
            stats.drops(),
            stats.decode_errors,
            per_cpu.join("; "),
            live.socket_lookups_skipped(),
            live.enrichment_dropped()
        );
        if let (Some(mut writer), Some(path)) = (recorder, &self.record) {
            writer.flush().context("recording")?;
            eprintln!(
                "lanner: recorded {} records to {} (environment values {}){}",
                writer.records(),
                path.display(),
                if self.record_environment {
                    "kept"
                } else {
                    "redacted"
                },
                match writer.oversize() {
                    0 => String::new(),
                    n => format!(
                        "; {n} records longer than {} bytes left out",
                        lanner_syscall_source::capture::MAX_LINE_BYTES
                    ),
                }
            );
        }
        Ok(())
    }
}

/// Writes each record to the capture being recorded, if any, and evaluates it.
fn record_and_evaluate(
    records: &[CaptureRecord],
    mut recorder: Option<&mut CaptureWriter>,
    evaluator: &mut Evaluator<'_>,
) -> anyhow::Result<()> {
    for record in records {
        if let Some(writer) = recorder.as_mut() {
            writer.write(record).context("recording")?;
        }
        evaluator.handle(record);
    }
    Ok(())
}

/// Replays a capture through the state tables and the rules.
fn replay(
    path: &std::path::Path,
    ruleset: &Ruleset,
    sink: &AlertSink,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let reader = CaptureReader::open(path)?;
    let header = reader.header().clone();
    let mut evaluator = Evaluator::new(ruleset, &header.hostname, header.started_ns)?;
    let (mut records, mut malformed) = (0u64, 0u64);
    for item in reader {
        match item {
            Ok(record) => {
                records += 1;
                evaluator.handle(&record);
                if records % REPLAY_BATCH as u64 == 0
                    && (!evaluator.flush(sink) || shutdown.is_set())
                {
                    return Ok(());
                }
            }
            Err(err @ (ReadError::Record { .. } | ReadError::LineTooLong { .. })) => {
                malformed += 1;
                eprintln!("lanner: skipping: {err}");
            }
            Err(err) => return Err(err.into()),
        }
    }
    evaluator.flush(sink);
    eprintln!(
        "lanner: replayed {records} records from {} ({} events){}{}",
        path.display(),
        evaluator.context.number,
        if malformed > 0 {
            format!("; {malformed} malformed lines skipped")
        } else {
            String::new()
        },
        // Conditions on environment values cannot match what was redacted.
        if header.environment_redacted {
            "; environment values were redacted when recorded"
        } else {
            ""
        }
    );
    Ok(())
}

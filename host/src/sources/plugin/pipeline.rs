//! Drives one plugin source: payloads go to the source plugin, the events
//! it returns are extracted in batches (one call per plugin per batch, every
//! field the source's rules use), then evaluated. Plugin faults become
//! internal alerts; the instance is restarted and the other events go on.

use super::{
    PluginBackend, PluginEvent,
    backend::Supervised,
    deferred::{DeferredFetch, DeferredState},
    fault::fault_alert,
    plan::{Plan, Plans, plan},
    values,
};
use crate::{
    engine::{
        Ruleset, SourceHandle,
        eval::EventContext,
        output::{Alert, now_ns},
    },
    fields::Value,
    plugin::{PluginError, PluginHost, PluginKind, PluginSpec, supervisor::Unavailable, wit},
};
use std::{cell::RefCell, collections::HashSet, sync::Arc};

/// Most events extracted in one call.
const EXTRACT_BATCH: usize = 128;

/// Longest a batch retry waits for a faulting plugin's backoff.
const MAX_RETRY_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Rejection reasons kept per payload; the rest are only counted. A body of
/// a million bad elements must not become a million reasons in a reply.
pub const MAX_REASONS: usize = 8;
/// Longest rejection reason kept, in bytes.
pub const MAX_REASON_BYTES: usize = 256;
/// What a source plugin may return for one payload (event data plus
/// rejection texts), as a multiple of the payload's size plus
/// [`RETURN_ALLOWANCE`]: splitting a document into events re-encodes it, it
/// does not multiply it. Events past the budget are dropped and reported.
pub const RETURN_FACTOR: usize = 4;
/// Bytes a plugin may return for any payload, however small.
pub const RETURN_ALLOWANCE: usize = 1 << 20;

/// Counters of one pipeline, for the shutdown summary and metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PipelineStats {
    /// Payloads handed to the source plugin.
    pub payloads: u64,
    /// Events it produced.
    pub events: u64,
    /// Parts of payloads it rejected.
    pub rejected: u64,
    /// Values dropped because they broke their field's declaration.
    pub malformed_values: u64,
    /// Plugin faults (deadline, memory, trap).
    pub faults: u64,
    /// Alerts raised by rules.
    pub alerts: u64,
}

/// What became of one payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Events found in it (and kept: within the return budget).
    pub events: usize,
    /// Why parts of it were rejected: the first [`MAX_REASONS`], each cut
    /// to [`MAX_REASON_BYTES`].
    pub rejected: Vec<String>,
    /// How many parts were rejected in all.
    pub rejected_total: usize,
}

impl IngestReport {
    /// The report of what a plugin returned for a payload of `payload_len`
    /// bytes: reasons summarised, events past the return budget dropped
    /// (and counted as rejected). Returns the events kept.
    fn summarise(
        payload_len: usize,
        mut events: Vec<wit::Event>,
        rejected: Vec<String>,
    ) -> (Self, Vec<wit::Event>) {
        let budget = payload_len
            .saturating_mul(RETURN_FACTOR)
            .saturating_add(RETURN_ALLOWANCE);
        let mut spent: usize = rejected.iter().map(String::len).sum();
        let keep = events
            .iter()
            .position(|event| {
                spent = spent.saturating_add(event.data.len());
                spent > budget
            })
            .unwrap_or(events.len());
        let dropped = events.len() - keep;
        events.truncate(keep);
        let mut reasons: Vec<String> = Vec::new();
        if dropped > 0 {
            reasons.push(format!(
                "{dropped} events dropped: the plugin returned more than {budget} bytes \
                 for a payload of {payload_len} bytes"
            ));
        }
        let total = rejected.len() + dropped;
        reasons.extend(
            rejected
                .iter()
                .take(MAX_REASONS.saturating_sub(reasons.len()))
                .map(|reason| crate::ingress::clip(reason, MAX_REASON_BYTES)),
        );
        let report = Self {
            events: events.len(),
            rejected: reasons,
            rejected_total: total,
        };
        (report, events)
    }

    /// The rejections as one line: the reasons kept and how many more.
    pub fn rejection_summary(&self) -> String {
        let more = self.rejected_total.saturating_sub(self.rejected.len());
        let mut text = self.rejected.join("; ");
        if more > 0 {
            text.push_str(&format!(" (and {more} more)"));
        }
        text
    }
}

/// One plugin source, its extractors and the rules that read them.
pub struct PluginPipeline {
    handle: SourceHandle,
    /// The source plugin first, then the extractors the rules need.
    supervisors: Vec<Box<dyn PluginBackend>>,
    plans: Vec<Plan>,
    /// For each slot of a deferred plan: (plan, position in the plan).
    deferred_slots: Vec<Option<(usize, usize)>>,
    slots: usize,
    context: EventContext,
    stats: PipelineStats,
    /// Kinds of problems already logged, so a bad plugin cannot flood the log.
    logged: HashSet<String>,
}

impl PluginPipeline {
    /// Starts the plugins of `source` (its source plugin and every extractor
    /// whose fields the rules use) with their configurations.
    pub fn new(
        host: &Arc<PluginHost>,
        specs: &[PluginSpec],
        source: &str,
        ruleset: &Ruleset,
        hostname: &str,
    ) -> Result<Self, PluginError> {
        Self::with_backends(specs, source, ruleset, hostname, |spec| {
            Ok(Box::new(Supervised::start(host, spec)?))
        })
    }

    /// Like [`new`](Self::new), with each needed plugin run by the backend
    /// `start` makes for its spec (benchmarks run a native build of a plugin
    /// crate against the same pipeline).
    pub fn with_backends(
        specs: &[PluginSpec],
        source: &str,
        ruleset: &Ruleset,
        hostname: &str,
        mut start: impl FnMut(&PluginSpec) -> Result<Box<dyn PluginBackend>, PluginError>,
    ) -> Result<Self, PluginError> {
        let unknown = || PluginError::Invalid {
            path: source.to_string(),
            reason: format!("no loaded plugin produces the event source `{source}`"),
        };
        let handle = ruleset.source(source).ok_or_else(unknown)?;
        let source_plugin = specs
            .iter()
            .position(|s| {
                s.plugin.kind == PluginKind::Source
                    && s.plugin.info.event_source.as_deref() == Some(source)
            })
            .ok_or_else(unknown)?;
        let Plans {
            running,
            plans,
            deferred_slots,
        } = plan(specs, source, source_plugin, ruleset);
        let mut supervisors = Vec::with_capacity(running.len());
        for index in running {
            supervisors.push(start(&specs[index])?);
        }
        Ok(Self {
            handle,
            supervisors,
            plans,
            deferred_slots,
            slots: ruleset.field_slots(),
            context: EventContext {
                number: 0,
                source: source.to_string(),
                hostname: hostname.to_string(),
                start_ns: now_ns(),
            },
            stats: PipelineStats::default(),
            logged: HashSet::new(),
        })
    }

    /// The counters so far.
    pub fn stats(&self) -> &PipelineStats {
        &self.stats
    }

    /// The source plugin's backend.
    fn source(&mut self) -> &mut dyn PluginBackend {
        self.supervisors[0].as_mut()
    }

    /// When the source plugin can next take a payload.
    pub fn ready_at(&self) -> std::time::Instant {
        self.supervisors[0].ready_at()
    }

    /// Hands one payload to the source plugin and evaluates the events it
    /// yields; alerts (rules and internal) are appended to `alerts`. On a
    /// fault the payload is lost (and reported); the instance is restarted
    /// for the next one.
    ///
    /// A plugin left backing off by an earlier payload's faults is started
    /// afresh first: the backoff answers faults that repeat, and those were
    /// the earlier payload's, not this one's, so a poison body cannot stall
    /// the payloads queued behind it. Each payload gets at most one fresh
    /// start per plugin, so a plugin that faults on everything costs one
    /// start and one call per payload, paced by whoever sends them.
    pub fn ingest(
        &mut self,
        ruleset: &Ruleset,
        payload: &[u8],
        alerts: &mut Vec<Alert>,
    ) -> Result<IngestReport, Unavailable> {
        self.stats.payloads += 1;
        let now = std::time::Instant::now();
        for backend in &mut self.supervisors {
            if backend.ready_at() > now {
                backend.restart_now();
            }
        }
        let result = self.source().ingest(payload);
        self.report_faults(alerts);
        let ingested = result?;
        let (report, events) =
            IngestReport::summarise(payload.len(), ingested.events, ingested.rejected);
        self.stats.rejected += report.rejected_total as u64;
        if report.rejected_total > 0 {
            tracing::debug!(
                source = %self.context.source,
                "payload parts rejected: {}",
                report.rejection_summary()
            );
        }
        self.evaluate(ruleset, events, alerts);
        Ok(report)
    }

    /// Asks the source plugin for events it produced by itself; `Ok(false)` at its end.
    pub fn poll(
        &mut self,
        ruleset: &Ruleset,
        max_events: u32,
        alerts: &mut Vec<Alert>,
    ) -> Result<bool, Unavailable> {
        let result = self.source().next_batch(max_events);
        self.report_faults(alerts);
        match result? {
            Ok(events) => {
                self.evaluate(ruleset, events, alerts);
                Ok(true)
            }
            Err(wit::BatchEnd::Eof) => Ok(false),
            Err(wit::BatchEnd::Failure(reason)) => Err(Unavailable::Refused(reason)),
        }
    }

    fn evaluate(&mut self, ruleset: &Ruleset, events: Vec<wit::Event>, alerts: &mut Vec<Alert>) {
        self.stats.events += events.len() as u64;
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let batch: Vec<wit::EventRef> = events
                .by_ref()
                .take(EXTRACT_BATCH)
                .map(|event| {
                    self.context.number += 1;
                    wit::EventRef {
                        number: self.context.number,
                        // The largest value means "now" (Falco's convention);
                        // zero is a real time, the epoch.
                        timestamp_ns: if event.timestamp_ns == u64::MAX {
                            now_ns()
                        } else {
                            event.timestamp_ns
                        },
                        data: event.data,
                    }
                })
                .collect();
            let mut rows: Vec<Vec<Option<Value<'static>>>> =
                vec![vec![None; self.slots]; batch.len()];
            for plan in 0..self.plans.len() {
                if !self.plans[plan].deferred {
                    self.extract_plan(plan, &batch, &mut rows, alerts);
                }
            }
            let before = alerts.len();
            let mut malformed = 0;
            for (event, values) in batch.iter().zip(rows) {
                self.context.number = event.number;
                let deferred = DeferredFetch {
                    state: RefCell::new(DeferredState {
                        backends: &mut self.supervisors,
                        plans: &self.plans,
                        slots: &self.deferred_slots,
                        event,
                        fetched: vec![None; self.plans.len()],
                        malformed: 0,
                    }),
                };
                let plugin_event = PluginEvent {
                    timestamp_ns: event.timestamp_ns,
                    values,
                    deferred: Some(&deferred),
                };
                ruleset.process(
                    self.handle,
                    &plugin_event,
                    &self.context,
                    &self.context.hostname,
                    alerts,
                );
                malformed += deferred.state.into_inner().malformed;
            }
            self.stats.malformed_values += malformed;
            self.stats.alerts += (alerts.len() - before) as u64;
            self.report_faults(alerts);
        }
    }

    /// Fills `rows` with one plan's fields. If the plugin faults on the
    /// batch, it is restarted and the events are retried one by one, so only
    /// the event that kills it loses its fields.
    fn extract_plan(
        &mut self,
        plan: usize,
        batch: &[wit::EventRef],
        rows: &mut [Vec<Option<Value<'static>>>],
        alerts: &mut Vec<Alert>,
    ) {
        let Plan {
            supervisor,
            requests,
            ..
        } = &self.plans[plan];
        let supervisor = *supervisor;
        let result = self.supervisors[supervisor].extract(batch, requests);
        self.report_faults(alerts);
        match result {
            Ok(values) => self.fill(plan, rows, values),
            Err(Unavailable::Fault(_)) => {
                for (index, event) in batch.iter().enumerate() {
                    // Repeated faults put the plugin in backoff; wait it out
                    // (bounded) so the innocent events keep their fields.
                    let wait = self.supervisors[supervisor]
                        .ready_at()
                        .saturating_duration_since(std::time::Instant::now());
                    if wait > MAX_RETRY_WAIT {
                        self.log_once(
                            "extract-backoff",
                            "plugin backing off; remaining events of the batch have no fields",
                        );
                        break;
                    }
                    std::thread::sleep(wait);
                    let requests = &self.plans[plan].requests;
                    let result =
                        self.supervisors[supervisor].extract(std::slice::from_ref(event), requests);
                    self.report_faults(alerts);
                    match result {
                        Ok(values) => self.fill(plan, &mut rows[index..=index], values),
                        Err(Unavailable::Fault(_)) => {}
                        Err(other) => self.log_once("extract", &other.to_string()),
                    }
                }
            }
            Err(other) => self.log_once("extract", &other.to_string()),
        }
    }

    /// Stores a plan's values into `rows` after checking count and types.
    fn fill(
        &mut self,
        plan: usize,
        rows: &mut [Vec<Option<Value<'static>>>],
        values: Vec<wit::FieldValue>,
    ) {
        let Plan {
            supervisor,
            slots,
            fields,
            ..
        } = &self.plans[plan];
        let plugin = self.supervisors[*supervisor].name().to_string();
        if values.len() != rows.len() * slots.len() {
            self.stats.malformed_values += (rows.len() * slots.len()) as u64;
            let message = format!(
                "plugin `{plugin}` returned {} values for {} events x {} fields; ignoring them",
                values.len(),
                rows.len(),
                slots.len()
            );
            self.log_once(&format!("{plugin}/count"), &message);
            return;
        }
        let mut problems = Vec::new();
        let mut values = values.into_iter();
        for row in rows.iter_mut() {
            for (slot, (ty, is_list, name)) in slots.iter().zip(fields) {
                let Some(value) = values.next() else { break };
                match values::convert(value, *ty, *is_list) {
                    Ok(value) => {
                        if let Some(cell) = row.get_mut(*slot as usize) {
                            *cell = value;
                        }
                    }
                    Err(mismatch) => problems.push((name.clone(), mismatch)),
                }
            }
        }
        self.stats.malformed_values += problems.len() as u64;
        for (name, mismatch) in problems {
            self.log_once(
                &format!("{plugin}/{name}"),
                &format!("plugin `{plugin}` field `{name}` {mismatch}; treated as absent"),
            );
        }
    }

    fn log_once(&mut self, kind: &str, message: &str) {
        if self.logged.insert(kind.to_string()) {
            tracing::warn!(source = %self.context.source, "{message} (further occurrences are counted, not logged)");
        }
    }

    /// Turns every new fault into an internal alert.
    fn report_faults(&mut self, alerts: &mut Vec<Alert>) {
        for index in 0..self.supervisors.len() {
            for report in self.supervisors[index].take_faults() {
                self.stats.faults += 1;
                alerts.push(fault_alert(&report, &self.context.hostname, now_ns()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(bytes: usize) -> wit::Event {
        wit::Event {
            timestamp_ns: 1,
            data: vec![b'x'; bytes],
        }
    }

    #[test]
    fn a_million_rejections_become_a_few_reasons_and_a_count() {
        let rejected = vec!["element 1 is not an audit event".to_string(); 1_000_000];
        let (report, events) = IngestReport::summarise(2_000_000, Vec::new(), rejected);
        assert!(events.is_empty());
        assert_eq!(report.rejected.len(), MAX_REASONS);
        assert_eq!(report.rejected_total, 1_000_000);
        let summary = report.rejection_summary();
        assert!(summary.ends_with(&format!("(and {} more)", 1_000_000 - MAX_REASONS)));
        assert!(summary.len() < MAX_REASONS * (MAX_REASON_BYTES + 2) + 64);
    }

    #[test]
    fn long_reasons_are_cut() {
        let (report, _) = IngestReport::summarise(10, Vec::new(), vec!["y".repeat(100_000)]);
        assert!(report.rejected[0].len() <= MAX_REASON_BYTES);
        assert_eq!(report.rejected_total, 1);
    }

    #[test]
    fn events_past_the_return_budget_are_dropped_and_reported() {
        let payload = 1000;
        let budget = payload * RETURN_FACTOR + RETURN_ALLOWANCE;
        let events: Vec<_> = (0..10).map(|_| event(budget / 4)).collect();
        let (report, kept) = IngestReport::summarise(payload, events, Vec::new());
        assert_eq!(kept.len(), 4);
        assert_eq!(report.events, 4);
        assert_eq!(report.rejected_total, 6);
        assert!(
            report.rejected[0].starts_with("6 events dropped"),
            "{report:?}"
        );

        let within: Vec<_> = (0..3).map(|_| event(budget / 4)).collect();
        let (report, kept) = IngestReport::summarise(payload, within, Vec::new());
        assert_eq!((kept.len(), report.rejected_total), (3, 0));
    }
}

//! Throughput of the Kubernetes audit source end to end, with its plugins
//! (`k8saudit`, and `json` for the `jevt.*` fields) run two ways over the same
//! payloads and the same rules:
//!
//! * **component**: the built-in wasm32-wasip2 components, in supervised
//!   wasmtime instances, exactly as `lanner` runs them (`PluginPipeline::new`);
//! * **native**: the same plugin crates compiled into this binary and driven
//!   through `lanner_plugin_sdk::Runner`, behind a [`PluginBackend`] that
//!   converts the SDK's types to and from the contract's
//!   (`PluginPipeline::with_backends`).
//!
//! Both sides run the same host pipeline (ingest, batched extraction of every
//! field the rules use, rule evaluation, alert rendering) with Falco's
//! `k8s_audit_rules.yaml` unchanged, so the time ratio isolates the Wasm
//! boundary and wasm code generation. The corpus is a deterministic mix of
//! audit events shaped like kube-apiserver's (`audit.k8s.io/v1`), batched in
//! `EventList` payloads of 50 as its webhook backend sends them.
//!
//! Single-threaded: events/s are per core. Rounds alternate sides; the
//! report gives the median and the best round of each. See `benches/README.md`.

use lanner::{
    engine::{Ruleset, RulesetOptions, loader::RulesSource, output::Alert},
    fields::ArgKind,
    plugin::{
        ComponentCache, Limits, PluginError, PluginHost, PluginSelection, PluginSpec, Supervisor,
        load_plugins, supervisor::Unavailable, wit,
    },
    sources::{
        builtin_registry,
        plugin::{PluginBackend, PluginPipeline, source_table},
    },
};
use lanner_plugin_json::Json;
use lanner_plugin_k8saudit::K8sAudit;
use lanner_plugin_sdk::{EventRef, Plugin, Request, Runner, Value, runner::RequestArg};
use serde_json::{Value as JsonValue, json};
use std::{
    collections::HashSet,
    hint::black_box,
    sync::Arc,
    time::{Duration, Instant},
};

/// The event source the rules and the k8saudit plugin name.
const SOURCE: &str = "k8s_audit";
/// Events per webhook payload (kube-apiserver batches its webhook posts).
const EVENTS_PER_PAYLOAD: usize = 50;
/// Payloads in the corpus.
const PAYLOADS: usize = 400;
/// Events per extraction call in the extract-only measurement (the pipeline's batch).
const EXTRACT_BATCH: usize = 128;
/// Timed rounds per side and measurement, after one warm-up round.
const ROUNDS: usize = 7;
/// Batch sizes of the extraction sweep, and its timed rounds per side.
const SWEEP: [usize; 4] = [1, 16, 50, 512];
const SWEEP_ROUNDS: usize = 3;

fn main() {
    let rules_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/compat-rules/k8s_audit_rules.yaml"
    );
    let rules_text = std::fs::read_to_string(rules_path).unwrap_or_else(|e| {
        panic!("the k8s audit rules are required at {rules_path}: {e}");
    });

    let started = Instant::now();
    let host = Arc::new(
        PluginHost::new(Limits::default(), ComponentCache::new(None))
            .expect("starting the plugin host"),
    );
    let specs = load_plugins(&host, &PluginSelection::default()).expect("loading the built-ins");
    let load_time = started.elapsed();

    let mut registry = builtin_registry();
    lanner::sources::plugin::register(&mut registry, &specs);
    let versions = specs
        .iter()
        .map(|s| (s.plugin.info.name.clone(), s.plugin.info.version.clone()))
        .collect();
    let outcome = Ruleset::load(
        registry,
        &[RulesSource::new(rules_path, rules_text)],
        &RulesetOptions {
            plugins: versions,
            ..RulesetOptions::default()
        },
    );
    let ruleset = match outcome.ruleset {
        Some(ruleset) => ruleset,
        None => {
            for d in &outcome.diagnostics {
                eprintln!("{d}");
            }
            panic!("k8s_audit_rules.yaml did not load");
        }
    };
    let handle = ruleset.source(SOURCE).expect("the k8s_audit source");

    let corpus = Corpus::generate(PAYLOADS, EVENTS_PER_PAYLOAD);
    println!("plugins benchmark: k8saudit + json, native vs component (wasmtime)");
    println!(
        "  corpus: {} payloads x {} events = {} events, {:.0} KiB of payloads, \
         {} B/event on average after ingest",
        corpus.payloads.len(),
        EVENTS_PER_PAYLOAD,
        corpus.events.len(),
        corpus.payload_bytes() as f64 / 1024.0,
        corpus.event_bytes() / corpus.events.len(),
    );
    println!(
        "  rules: {} enabled for {SOURCE}; components compiled in {:.2?}",
        ruleset.enabled_rules(handle),
        load_time
    );

    let hostname = "bench";
    let mut component =
        PluginPipeline::new(&host, &specs, SOURCE, &ruleset, hostname).expect("component pipeline");
    let mut native =
        PluginPipeline::with_backends(&specs, SOURCE, &ruleset, hostname, start_native)
            .expect("native pipeline");

    // Both sides must see the same events and raise the same alerts.
    let check_native = full_round(&mut native, &ruleset, &corpus);
    let check_component = full_round(&mut component, &ruleset, &corpus);
    assert_eq!(check_native.events, corpus.events.len());
    assert_eq!(check_native.events, check_component.events);
    assert_eq!(
        check_native.alerts, check_component.alerts,
        "native and component raise different alerts"
    );
    assert_eq!(native.stats().malformed_values, 0);
    assert_eq!(component.stats().malformed_values, 0);
    println!(
        "  alerts per round: {} ({:.1}% of events), by rule: {}",
        check_native.alerts.len(),
        100.0 * check_native.alerts.len() as f64 / corpus.events.len() as f64,
        check_native.summary()
    );
    println!();

    let n = corpus.events.len();
    let mut table = Vec::new();

    // End to end: the pipeline as `lanner` runs it.
    let (full_native, full_component) = alternate(
        ROUNDS,
        || full_round(&mut native, &ruleset, &corpus).elapsed,
        || full_round(&mut component, &ruleset, &corpus).elapsed,
    );
    table.push((
        "end to end (pipeline)".to_string(),
        full_native,
        full_component,
    ));

    // Breakdown: the plugins' calls alone, outside the pipeline.
    let spec = |name: &str| specs.iter().find(|s| s.name() == name).expect(name);
    let mut native_source = start_native(spec("k8saudit")).expect("native k8saudit");
    let mut component_source = start_component(&host, spec("k8saudit"));
    assert_eq!(
        ingest_all(native_source.as_mut(), &corpus),
        ingest_all(component_source.as_mut(), &corpus),
        "native and component split the payloads differently"
    );
    let (ingest_native, ingest_component) = alternate(
        ROUNDS,
        || time(|| ingest_all(native_source.as_mut(), &corpus)),
        || time(|| ingest_all(component_source.as_mut(), &corpus)),
    );
    table.push((
        "  ingest k8saudit".to_string(),
        ingest_native,
        ingest_component,
    ));

    // Every field the rules use (what the pipeline extracts), then only the
    // fields conditions use (what extracting output fields lazily, for
    // alerting events only, would leave).
    let conditions: HashSet<String> = ruleset
        .rules()
        .iter()
        .filter(|r| r.enabled && r.source == SOURCE)
        .flat_map(|r| r.fields.iter().cloned())
        .collect();
    let all = rule_requests(&specs, &ruleset, None);
    let in_conditions = rule_requests(&specs, &ruleset, Some(&conditions));
    let batches = corpus.batches(EXTRACT_BATCH);
    for (which, requests) in [("all", &all), ("condition", &in_conditions)] {
        for (name, requests) in requests {
            let mut native_backend = start_native(spec(name)).expect("native backend");
            let mut component_backend = start_component(&host, spec(name));
            assert_eq!(
                extract_all(native_backend.as_mut(), &batches, requests),
                extract_all(component_backend.as_mut(), &batches, requests),
                "native and component {name} extract different values"
            );
            let (n_side, c_side) = alternate(
                ROUNDS,
                || time(|| extract_all(native_backend.as_mut(), &batches, requests)),
                || time(|| extract_all(component_backend.as_mut(), &batches, requests)),
            );
            let label = format!("  extract {name}, {which} ({})", requests.len());
            table.push((label, n_side, c_side));
        }
    }

    // The pipeline's plugin calls without the engine: per payload, ingest
    // then one extraction per plugin, the source instance doing both.
    let plugin_requests = |name: &str| {
        all.iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.clone())
            .unwrap_or_default()
    };
    let (k8s_requests, json_requests) = (plugin_requests("k8saudit"), plugin_requests("json"));
    let mut native_json = start_native(spec("json")).expect("native json");
    let mut component_json = start_component(&host, spec("json"));
    let (n_side, c_side) = alternate(
        ROUNDS,
        || {
            time(|| {
                plugins_round(
                    native_source.as_mut(),
                    native_json.as_mut(),
                    &corpus,
                    &k8s_requests,
                    &json_requests,
                )
            })
        },
        || {
            time(|| {
                plugins_round(
                    component_source.as_mut(),
                    component_json.as_mut(),
                    &corpus,
                    &k8s_requests,
                    &json_requests,
                )
            })
        },
    );
    table.push(("  plugins only, per payload".to_string(), n_side, c_side));

    // Batch size: what one call across the boundary costs, k8saudit, all fields.
    let (_, requests) = all
        .iter()
        .find(|(n, _)| n == "k8saudit")
        .expect("k8saudit fields");
    let mut native_backend = start_native(spec("k8saudit")).expect("native backend");
    let mut component_backend = start_component(&host, spec("k8saudit"));
    for size in SWEEP {
        let batches = corpus.batches(size);
        let (n_side, c_side) = alternate(
            SWEEP_ROUNDS,
            || time(|| extract_all(native_backend.as_mut(), &batches, requests)),
            || time(|| extract_all(component_backend.as_mut(), &batches, requests)),
        );
        let label = format!("  extract k8saudit, batch {size}");
        table.push((label, n_side, c_side));
    }
    println!();

    println!(
        "{:<36} {:>22} {:>24} {:>16}",
        "events/s (one core)", "native median (best)", "component median (best)", "ratio c/n"
    );
    for (label, native_rounds, component_rounds) in &table {
        let (nm, nb) = summary(native_rounds);
        let (cm, cb) = summary(component_rounds);
        println!(
            "{label:<36} {:>22} {:>24} {:>7.2}x ({:.2}x)",
            format!("{} ({})", rate(n, nm), rate(n, nb)),
            format!("{} ({})", rate(n, cm), rate(n, cb)),
            cm.as_secs_f64() / nm.as_secs_f64(),
            cb.as_secs_f64() / nb.as_secs_f64(),
        );
    }
    println!();
    println!(
        "{:<36} {:>22} {:>24}",
        "ns/event (median)", "native", "component"
    );
    for (label, native_rounds, component_rounds) in &table {
        println!(
            "{label:<36} {:>22.0} {:>24.0}",
            summary(native_rounds).0.as_nanos() as f64 / n as f64,
            summary(component_rounds).0.as_nanos() as f64 / n as f64,
        );
    }
    println!();
    let (nm, _) = summary(&table[0].1);
    let (cm, _) = summary(&table[0].2);
    println!(
        "goal: component within 1.5x of native -> {:.2}x; over 100k events/s/core end to end -> \
         native {}, component {}",
        cm.as_secs_f64() / nm.as_secs_f64(),
        rate(n, nm),
        rate(n, cm),
    );
    println!("total bench time {:.1?}", started.elapsed());
}

/// What one pass over the corpus did.
struct Round {
    elapsed: Duration,
    events: usize,
    /// Rule names of the alerts raised, in order.
    alerts: Vec<String>,
}

impl Round {
    /// Alerts per rule, most frequent first.
    fn summary(&self) -> String {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for rule in &self.alerts {
            match counts.iter_mut().find(|(r, _)| r == rule) {
                Some((_, c)) => *c += 1,
                None => counts.push((rule, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts
            .iter()
            .map(|(r, c)| format!("{r} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Every payload through `pipeline`, alerts rendered then dropped.
fn full_round(pipeline: &mut PluginPipeline, ruleset: &Ruleset, corpus: &Corpus) -> Round {
    let mut alerts: Vec<Alert> = Vec::new();
    let mut rules = Vec::new();
    let mut events = 0;
    let start = Instant::now();
    for payload in &corpus.payloads {
        let report = pipeline
            .ingest(ruleset, payload, &mut alerts)
            .expect("pipeline ingest");
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        events += report.events;
        rules.extend(alerts.drain(..).map(|a| a.rule));
    }
    Round {
        elapsed: start.elapsed(),
        events,
        alerts: rules,
    }
}

/// Every payload through the source plugin alone; the events found.
fn ingest_all(backend: &mut dyn PluginBackend, corpus: &Corpus) -> usize {
    let mut events = 0;
    for payload in &corpus.payloads {
        let ingested = backend.ingest(payload).expect("ingest");
        events += ingested.events.len();
        black_box(ingested);
    }
    events
}

/// Per payload: ingest, then extraction of the events by the source and by
/// the extractor, as the pipeline calls them (no rule evaluation).
fn plugins_round(
    source: &mut dyn PluginBackend,
    extractor: &mut dyn PluginBackend,
    corpus: &Corpus,
    source_requests: &[wit::FieldRequest],
    extractor_requests: &[wit::FieldRequest],
) -> usize {
    let mut number = 0;
    let mut values = 0;
    for payload in &corpus.payloads {
        let events: Vec<wit::EventRef> = source
            .ingest(payload)
            .expect("ingest")
            .events
            .into_iter()
            .map(|e| {
                number += 1;
                wit::EventRef {
                    number,
                    timestamp_ns: e.timestamp_ns,
                    data: e.data,
                }
            })
            .collect();
        values += source
            .extract(&events, source_requests)
            .expect("extract")
            .len();
        values += extractor
            .extract(&events, extractor_requests)
            .expect("extract")
            .len();
    }
    values
}

/// Every batch through one plugin's extraction alone; a digest of the values.
fn extract_all(
    backend: &mut dyn PluginBackend,
    batches: &[Vec<wit::EventRef>],
    requests: &[wit::FieldRequest],
) -> u64 {
    let mut digest = 0u64;
    for batch in batches {
        let values = backend.extract(batch, requests).expect("extract");
        assert_eq!(values.len(), batch.len() * requests.len());
        for value in &values {
            digest = digest.wrapping_mul(31).wrapping_add(match value {
                wit::FieldValue::Absent => 1,
                wit::FieldValue::Text(s) => s.len() as u64 + 2,
                wit::FieldValue::Number(v) => *v,
                wit::FieldValue::Flag(b) => u64::from(*b) + 3,
                wit::FieldValue::Texts(v) => v.iter().map(|s| s.len() as u64).sum::<u64>() + 4,
                wit::FieldValue::Numbers(v) => v.iter().sum::<u64>() + 5,
                wit::FieldValue::Flags(v) => v.len() as u64 + 6,
            });
        }
        black_box(values);
    }
    digest
}

fn time<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    black_box(f());
    start.elapsed()
}

/// One warm-up round of each side, then `rounds` timed rounds of each,
/// alternating which side goes first.
fn alternate(
    rounds: usize,
    mut native: impl FnMut() -> Duration,
    mut component: impl FnMut() -> Duration,
) -> (Vec<Duration>, Vec<Duration>) {
    native();
    component();
    let (mut n, mut c) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            n.push(native());
            c.push(component());
        } else {
            c.push(component());
            n.push(native());
        }
    }
    (n, c)
}

/// Median and best of the rounds.
fn summary(rounds: &[Duration]) -> (Duration, Duration) {
    let mut sorted = rounds.to_vec();
    sorted.sort();
    (sorted[sorted.len() / 2], sorted[0])
}

fn rate(events: usize, elapsed: Duration) -> String {
    let per_s = events as f64 / elapsed.as_secs_f64();
    if per_s >= 1e6 {
        format!("{:.2} M", per_s / 1e6)
    } else {
        format!("{:.0} k", per_s / 1e3)
    }
}

/// The requests the pipeline makes of each plugin for the rules' fields:
/// the same derivation as `PluginPipeline`'s plans.
/// With `only`, just the fields (as written, `name[arg]`) it holds.
fn rule_requests(
    specs: &[PluginSpec],
    ruleset: &Ruleset,
    only: Option<&HashSet<String>>,
) -> Vec<(String, Vec<wit::FieldRequest>)> {
    let (table, providers) = source_table(SOURCE, specs);
    let mut out: Vec<(String, Vec<wit::FieldRequest>)> = Vec::new();
    for (_, field) in ruleset.source_slots(SOURCE) {
        let index = field.id.field as usize;
        let (Some(provider), Some(def)) = (providers.get(index), table.fields.get(index)) else {
            continue;
        };
        let written = match &field.arg {
            Some(arg) => format!("{}[{arg}]", def.name),
            None => def.name.clone(),
        };
        if only.is_some_and(|only| !only.contains(&written)) {
            continue;
        }
        let arg = match (&field.arg, def.arg_kind) {
            (None, _) => wit::RequestArg::None,
            (Some(arg), ArgKind::Index) => arg.parse().map_or_else(
                |_| wit::RequestArg::Key(arg.clone()),
                wit::RequestArg::Index,
            ),
            (Some(arg), ArgKind::Key) => wit::RequestArg::Key(arg.clone()),
        };
        let name = specs[provider.plugin].name().to_string();
        let request = wit::FieldRequest {
            field: provider.field,
            arg,
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, requests)) => requests.push(request),
            None => out.push((name, vec![request])),
        }
    }
    out
}

/// A supervised component instance of `spec`, as the pipeline starts them.
fn start_component(host: &Arc<PluginHost>, spec: &PluginSpec) -> Box<dyn PluginBackend> {
    Box::new(
        Supervisor::start(
            Arc::clone(host),
            spec.plugin.clone(),
            spec.init_config.clone(),
            spec.open_params.clone(),
        )
        .expect("starting the component"),
    )
}

// ---------------------------------------------------------------------------
// The native backend: a plugin crate linked into this binary.

/// How a native source splits a payload (`None` for an extractor).
type IngestFn<P> = fn(&mut Runner<P>, &[u8]) -> lanner_plugin_sdk::Ingested;

/// A plugin crate run natively through the SDK's `Runner`, converting the
/// SDK's types to and from the contract's, as the component adapter does.
struct Native<P: Plugin> {
    name: String,
    runner: Runner<P>,
    ingest: Option<IngestFn<P>>,
}

/// The native backend for `spec`'s plugin.
fn start_native(spec: &PluginSpec) -> Result<Box<dyn PluginBackend>, PluginError> {
    let invalid = |reason: String| PluginError::Invalid {
        path: spec.name().to_string(),
        reason,
    };
    match spec.name() {
        "k8saudit" => {
            let mut runner = Runner::<K8sAudit>::new(&spec.init_config).map_err(invalid)?;
            runner.open(&spec.open_params).map_err(invalid)?;
            Ok(Box::new(Native {
                name: spec.name().to_string(),
                runner,
                ingest: Some(|runner, payload| runner.ingest(payload)),
            }))
        }
        "json" => Ok(Box::new(Native {
            name: spec.name().to_string(),
            runner: Runner::<Json>::new(&spec.init_config).map_err(invalid)?,
            ingest: None,
        })),
        other => Err(invalid(format!(
            "no native build of `{other}` in this bench"
        ))),
    }
}

impl<P: Plugin + Send> PluginBackend for Native<P>
where
    P::Parsed: Send,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn ingest(&mut self, payload: &[u8]) -> Result<wit::Ingested, Unavailable> {
        let ingest = self
            .ingest
            .ok_or_else(|| Unavailable::Refused(format!("{} is not a source", self.name)))?;
        let ingested = ingest(&mut self.runner, payload);
        Ok(wit::Ingested {
            events: ingested
                .events
                .into_iter()
                .map(|e| wit::Event {
                    timestamp_ns: e.timestamp_ns,
                    data: e.data,
                })
                .collect(),
            rejected: ingested.rejected,
        })
    }

    fn next_batch(
        &mut self,
        _max_events: u32,
    ) -> Result<Result<Vec<wit::Event>, wit::BatchEnd>, Unavailable> {
        Ok(Ok(Vec::new()))
    }

    fn extract(
        &mut self,
        events: &[wit::EventRef],
        requests: &[wit::FieldRequest],
    ) -> Result<Vec<wit::FieldValue>, Unavailable> {
        let events: Vec<EventRef<'_>> = events
            .iter()
            .map(|e| EventRef {
                number: e.number,
                timestamp_ns: e.timestamp_ns,
                data: &e.data,
            })
            .collect();
        let requests: Vec<Request> = requests
            .iter()
            .map(|r| Request {
                field: r.field,
                arg: match &r.arg {
                    wit::RequestArg::None => RequestArg::None,
                    wit::RequestArg::Index(i) => RequestArg::Index(*i),
                    wit::RequestArg::Key(k) => RequestArg::Key(k.clone()),
                },
            })
            .collect();
        let values = self
            .runner
            .extract(&events, &requests)
            .map_err(Unavailable::Refused)?;
        Ok(values
            .into_iter()
            .map(|v| match v {
                Value::Absent => wit::FieldValue::Absent,
                Value::Text(s) => wit::FieldValue::Text(s),
                Value::Number(n) => wit::FieldValue::Number(n),
                Value::Flag(b) => wit::FieldValue::Flag(b),
                Value::Texts(v) => wit::FieldValue::Texts(v),
                Value::Numbers(v) => wit::FieldValue::Numbers(v),
                Value::Flags(v) => wit::FieldValue::Flags(v),
            })
            .collect())
    }
}

// ---------------------------------------------------------------------------
// The corpus: audit events as kube-apiserver writes them.

struct Corpus {
    /// `EventList` webhook bodies.
    payloads: Vec<Vec<u8>>,
    /// The events as k8saudit splits them (compact JSON), for extract-only runs.
    events: Vec<wit::Event>,
}

impl Corpus {
    fn generate(payloads: usize, per_payload: usize) -> Self {
        let mut generator = Generator::new(0x5eed_1a22_e4b0_0c75);
        let payloads: Vec<Vec<u8>> = (0..payloads)
            .map(|_| {
                let items: Vec<JsonValue> = (0..per_payload).map(|_| generator.event()).collect();
                serde_json::to_vec(&json!({
                    "kind": "EventList",
                    "apiVersion": "audit.k8s.io/v1",
                    "metadata": {},
                    "items": items,
                }))
                .expect("serializing a payload")
            })
            .collect();
        let mut runner = Runner::<K8sAudit>::new("").expect("native k8saudit");
        let mut events = Vec::new();
        for payload in &payloads {
            let ingested = runner.ingest(payload);
            assert!(ingested.rejected.is_empty(), "{:?}", ingested.rejected);
            events.extend(ingested.events.into_iter().map(|e| wit::Event {
                timestamp_ns: e.timestamp_ns,
                data: e.data,
            }));
        }
        Self { payloads, events }
    }

    fn payload_bytes(&self) -> usize {
        self.payloads.iter().map(Vec::len).sum()
    }

    fn event_bytes(&self) -> usize {
        self.events.iter().map(|e| e.data.len()).sum()
    }

    /// The events numbered and cut into batches of `size`.
    fn batches(&self, size: usize) -> Vec<Vec<wit::EventRef>> {
        self.events
            .chunks(size)
            .enumerate()
            .map(|(b, chunk)| {
                chunk
                    .iter()
                    .enumerate()
                    .map(|(i, e)| wit::EventRef {
                        number: (b * size + i + 1) as u64,
                        timestamp_ns: e.timestamp_ns,
                        data: e.data.clone(),
                    })
                    .collect()
            })
            .collect()
    }
}

const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "monitoring",
    "payments",
    "checkout",
    "ci",
    "ingress-nginx",
    "cert-manager",
    "logging",
    "data-platform",
];

const CONTROLLERS: &[(&str, &str)] = &[
    ("kube-system", "deployment-controller"),
    ("kube-system", "replicaset-controller"),
    ("kube-system", "endpointslice-controller"),
    ("kube-system", "namespace-controller"),
    ("kube-system", "generic-garbage-collector"),
    ("monitoring", "prometheus-k8s"),
    ("monitoring", "kube-state-metrics"),
    ("logging", "fluent-bit"),
    ("argocd", "argocd-application-controller"),
    ("cert-manager", "cert-manager"),
    ("ingress-nginx", "ingress-nginx"),
    ("ci", "builder"),
];

const READ_RESOURCES: &[(&str, &str, &str)] = &[
    // (apiGroup, apiVersion, resource)
    ("", "v1", "pods"),
    ("", "v1", "endpoints"),
    ("", "v1", "services"),
    ("", "v1", "configmaps"),
    ("", "v1", "nodes"),
    ("", "v1", "namespaces"),
    ("apps", "v1", "deployments"),
    ("apps", "v1", "replicasets"),
    ("apps", "v1", "statefulsets"),
    ("discovery.k8s.io", "v1", "endpointslices"),
    ("networking.k8s.io", "v1", "ingresses"),
    ("batch", "v1", "jobs"),
];

const USERS: &[&str] = &[
    "kubernetes-admin",
    "alice@example.com",
    "bob@example.com",
    "system:admin",
];

const IMAGES: &[&str] = &[
    "docker.io/library/nginx:1.27.2",
    "registry.k8s.io/ingress-nginx/controller:v1.11.2",
    "quay.io/prometheus/node-exporter:v1.8.2",
    "ghcr.io/acme/payments-api:2.14.1",
    "ghcr.io/acme/checkout-web:5.3.0",
    "registry.example.com:5000/platform/worker:0.9.12",
    "docker.io/bitnami/redis:7.4.1",
    "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2",
];

const APPS: &[&str] = &[
    "payments-api",
    "checkout-web",
    "redis",
    "worker",
    "node-exporter",
    "ingress-nginx-controller",
    "fluent-bit",
    "cert-manager-webhook",
];

/// A deterministic stream of audit events (SplitMix64).
struct Generator {
    state: u64,
    /// Microseconds since the first event.
    clock_us: u64,
    resource_version: u64,
}

impl Generator {
    fn new(seed: u64) -> Self {
        Self {
            state: seed,
            clock_us: 0,
            resource_version: 48_213_977,
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }

    fn suffix(&mut self) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..5)
            .map(|_| ALPHABET[self.below(ALPHABET.len())] as char)
            .collect()
    }

    fn pod_name(&mut self, app: &str) -> String {
        let hash = self.next() & 0xff_ffff_ffff;
        let suffix = self.suffix();
        format!("{app}-{hash:010x}-{suffix}")
    }

    fn ip(&mut self) -> String {
        let n = self.next();
        format!("10.{}.{}.{}", (n >> 8) % 4, (n >> 16) % 256, 1 + n % 254)
    }

    /// `(received, stage)` timestamps, RFC 3339 with microseconds.
    fn times(&mut self) -> (String, String) {
        let step = 200 + self.below(4000) as u64;
        self.clock_us += step;
        let received = self.clock_us;
        let stage = received + 500 + self.below(20_000) as u64;
        (rfc3339(received), rfc3339(stage))
    }

    fn resource_version(&mut self) -> String {
        let step = 1 + self.below(40) as u64;
        self.resource_version += step;
        self.resource_version.to_string()
    }

    fn service_account(&mut self) -> (String, JsonValue) {
        let (ns, name) = CONTROLLERS[self.below(CONTROLLERS.len())];
        let user = json!({
            "username": format!("system:serviceaccount:{ns}:{name}"),
            "uid": self.uuid(),
            "groups": [
                "system:serviceaccounts",
                format!("system:serviceaccounts:{ns}"),
                "system:authenticated"
            ],
            "extra": {
                "authentication.kubernetes.io/pod-name": [format!("{name}-{}", self.suffix())],
                "authentication.kubernetes.io/pod-uid": [self.uuid()]
            }
        });
        let agent = format!(
            "{name}/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:{ns}:{name}"
        );
        (agent, user)
    }

    fn human(&mut self) -> (String, JsonValue) {
        let name = self.pick(USERS);
        let groups = if name == "kubernetes-admin" || name == "system:admin" {
            json!(["system:masters", "system:authenticated"])
        } else {
            json!(["developers", "system:authenticated"])
        };
        (
            "kubectl/v1.31.1 (darwin/arm64) kubernetes/948afe5".to_string(),
            json!({"username": name, "groups": groups}),
        )
    }

    /// The fields every audit event has.
    #[allow(clippy::too_many_arguments)]
    fn base(
        &mut self,
        level: &str,
        stage: &str,
        verb: &str,
        uri: String,
        (agent, user): (String, JsonValue),
        object_ref: JsonValue,
        code: u64,
    ) -> JsonValue {
        let (received, stage_time) = self.times();
        let decision = if code == 403 { "forbid" } else { "allow" };
        let reason = if code == 403 {
            String::new()
        } else {
            "RBAC: allowed by ClusterRoleBinding \"system:controller\" of ClusterRole \
             \"system:controller\" to ServiceAccount"
                .to_string()
        };
        let mut status = json!({"metadata": {}, "code": code});
        if code >= 400 {
            status["status"] = json!("Failure");
            status["reason"] = json!("Forbidden");
            status["message"] = json!(format!("{verb} is forbidden: User cannot {verb} here"));
        }
        json!({
            "level": level,
            "auditID": self.uuid(),
            "stage": stage,
            "requestURI": uri,
            "verb": verb,
            "user": user,
            "sourceIPs": [self.ip()],
            "userAgent": agent,
            "objectRef": object_ref,
            "responseStatus": status,
            "requestReceivedTimestamp": received,
            "stageTimestamp": stage_time,
            "annotations": {
                "authorization.k8s.io/decision": decision,
                "authorization.k8s.io/reason": reason
            }
        })
    }

    /// One event of the mix, by weight: reads by controllers dominate, as in
    /// a real cluster's audit stream.
    fn event(&mut self) -> JsonValue {
        match self.below(100) {
            0..45 => self.read(),
            45..57 => self.lease(),
            57..67 => self.config_access(),
            67..77 => self.pod_create(),
            77..81 => self.exec(),
            81..85 => self.binding(),
            85..90 => self.deployment_patch(),
            90..95 => self.token_request(),
            95..98 => self.forbidden(),
            _ => self.core_event(),
        }
    }

    fn read(&mut self) -> JsonValue {
        let (group, version, resource) = READ_RESOURCES[self.below(READ_RESOURCES.len())];
        let ns = self.pick(NAMESPACES);
        let prefix = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        let cluster_scoped = matches!(resource, "nodes" | "namespaces");
        let path = if cluster_scoped {
            format!("{prefix}/{resource}")
        } else {
            format!("{prefix}/namespaces/{ns}/{resource}")
        };
        let who = self.service_account();
        let mut object_ref = json!({"resource": resource, "apiVersion": version});
        if !group.is_empty() {
            object_ref["apiGroup"] = json!(group);
        }
        if !cluster_scoped {
            object_ref["namespace"] = json!(ns);
        }
        let rv = self.resource_version();
        let (verb, uri, stage) = match self.below(3) {
            0 => {
                let app = self.pick(APPS);
                let name = self.pod_name(app);
                object_ref["name"] = json!(name);
                ("get", format!("{path}/{name}"), "ResponseComplete")
            }
            1 => (
                "list",
                format!("{path}?limit=500&resourceVersion=0"),
                "ResponseComplete",
            ),
            _ => (
                "watch",
                format!(
                    "{path}?allowWatchBookmarks=true&resourceVersion={rv}&timeout=7m{}s&timeoutSeconds={}&watch=true",
                    self.below(60),
                    300 + self.below(300)
                ),
                if self.below(2) == 0 {
                    "ResponseStarted"
                } else {
                    "ResponseComplete"
                },
            ),
        };
        self.base("Metadata", stage, verb, uri, who, object_ref, 200)
    }

    fn lease(&mut self) -> JsonValue {
        let node = format!("ip-10-0-{}-{}.ec2.internal", self.below(8), self.below(250));
        let (ns, name, who) = if self.below(3) == 0 {
            let who = self.service_account();
            let name = self.pick(&[
                "kube-controller-manager",
                "kube-scheduler",
                "cert-manager-controller",
            ]);
            ("kube-system", name.to_string(), who)
        } else {
            let who = (
                "kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46".to_string(),
                json!({"username": format!("system:node:{node}"), "groups": ["system:nodes", "system:authenticated"]}),
            );
            ("kube-node-lease", node.clone(), who)
        };
        let object_ref = json!({
            "resource": "leases", "namespace": ns, "name": name,
            "apiGroup": "coordination.k8s.io", "apiVersion": "v1",
            "uid": self.uuid(), "resourceVersion": self.resource_version()
        });
        let uri = format!("/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name}?timeout=10s");
        self.base(
            "Metadata",
            "ResponseComplete",
            "update",
            uri,
            who,
            object_ref,
            200,
        )
    }

    fn config_access(&mut self) -> JsonValue {
        let ns = self.pick(NAMESPACES);
        let app = self.pick(APPS);
        let secret = self.below(2) == 0;
        let resource = if secret { "secrets" } else { "configmaps" };
        let name = format!(
            "{app}-{}",
            self.pick(&["config", "env", "tls", "credentials"])
        );
        let who = if self.below(5) == 0 {
            self.human()
        } else {
            self.service_account()
        };
        let verb = match self.below(10) {
            0 => "create",
            1 | 2 => "update",
            _ => "get",
        };
        let object_ref = json!({
            "resource": resource, "namespace": ns, "name": name, "apiVersion": "v1"
        });
        let uri = if verb == "create" {
            format!("/api/v1/namespaces/{ns}/{resource}")
        } else {
            format!("/api/v1/namespaces/{ns}/{resource}/{name}")
        };
        if secret || verb == "get" {
            // Secrets are audited at Metadata level, never with their data.
            return self.base(
                "Metadata",
                "ResponseComplete",
                verb,
                uri,
                who,
                object_ref,
                200,
            );
        }
        let mut event = self.base(
            "RequestResponse",
            "ResponseComplete",
            verb,
            uri,
            who,
            object_ref,
            if verb == "create" { 201 } else { 200 },
        );
        event["requestObject"] = json!({
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": {"name": name, "namespace": ns, "labels": {"app.kubernetes.io/name": app}},
            "data": {
                "LOG_LEVEL": self.pick(&["info", "debug", "warn"]),
                "FEATURE_FLAGS": "checkout-v2,fast-refunds",
                "UPSTREAM_URL": format!("http://{app}.{ns}.svc.cluster.local:8080"),
                "application.yaml": "server:\n  port: 8080\nmanagement:\n  endpoints: health,metrics\n"
            }
        });
        event
    }

    fn container(&mut self, name: &str, hardened: bool) -> JsonValue {
        let image = self.pick(IMAGES);
        let security = if hardened {
            json!({
                "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true,
                "runAsNonRoot": true,
                "runAsUser": 10001 + self.below(100),
                "capabilities": {"drop": ["ALL"]},
                "seccompProfile": {"type": "RuntimeDefault"}
            })
        } else {
            match self.below(3) {
                0 => json!({"privileged": true}),
                1 => json!({"capabilities": {"add": ["NET_ADMIN", "SYS_TIME"]}, "runAsUser": 0}),
                _ => json!({"allowPrivilegeEscalation": true}),
            }
        };
        json!({
            "name": name,
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "args": ["--port=8080", format!("--log-level={}", self.pick(&["info", "debug"]))],
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "env": [
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "GOMAXPROCS", "value": "2"}
            ],
            "resources": {
                "limits": {"cpu": "500m", "memory": "256Mi"},
                "requests": {"cpu": "100m", "memory": "128Mi"}
            },
            "securityContext": security,
            "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": true}]
        })
    }

    fn pod_create(&mut self) -> JsonValue {
        let ns = self.pick(NAMESPACES);
        let app = self.pick(APPS);
        let name = self.pod_name(app);
        // One pod in ten is not hardened (privileged, host namespaces, host paths).
        let hardened = self.below(10) != 0;
        let containers: Vec<JsonValue> = (0..1 + self.below(2))
            .map(|i| {
                let name = if i == 0 {
                    app.to_string()
                } else {
                    "sidecar".to_string()
                };
                self.container(&name, hardened)
            })
            .collect();
        let mut volumes =
            vec![json!({"name": "config", "configMap": {"name": format!("{app}-config")}})];
        let mut spec = json!({
            "serviceAccountName": app,
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "terminationGracePeriodSeconds": 30,
            "containers": containers,
            "securityContext": {"fsGroup": 2000, "runAsNonRoot": hardened},
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            ]
        });
        if !hardened {
            match self.below(3) {
                0 => spec["hostNetwork"] = json!(true),
                1 => spec["hostPID"] = json!(true),
                _ => volumes.push(json!({"name": "host", "hostPath": {"path": self.pick(&["/proc", "/var/run/docker.sock", "/var/log", "/etc"]), "type": ""}})),
            }
        }
        spec["volumes"] = json!(volumes);
        let object_ref =
            json!({"resource": "pods", "namespace": ns, "name": name, "apiVersion": "v1"});
        let who = self.service_account();
        let mut event = self.base(
            "RequestResponse",
            "ResponseComplete",
            "create",
            format!("/api/v1/namespaces/{ns}/pods"),
            who,
            object_ref,
            201,
        );
        event["requestObject"] = json!({
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {
                "generateName": format!("{app}-"),
                "namespace": ns,
                "labels": {"app.kubernetes.io/name": app, "pod-template-hash": self.suffix()},
                "ownerReferences": [{
                    "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-{}", self.suffix()),
                    "uid": self.uuid(), "controller": true, "blockOwnerDeletion": true
                }]
            },
            "spec": spec
        });
        event["responseObject"] = json!({
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {"name": name, "namespace": ns, "uid": self.uuid(), "resourceVersion": self.resource_version()},
            "status": {"phase": "Pending", "qosClass": "Burstable"}
        });
        event
    }

    fn exec(&mut self) -> JsonValue {
        let ns = self.pick(NAMESPACES);
        let app = self.pick(APPS);
        let name = self.pod_name(app);
        let command = self.pick(&["sh", "bash", "ls", "cat", "env"]);
        let attach = self.below(5) == 0;
        let sub = if attach { "attach" } else { "exec" };
        let object_ref = json!({
            "resource": "pods", "namespace": ns, "name": name, "apiVersion": "v1", "subresource": sub
        });
        let uri = format!(
            "/api/v1/namespaces/{ns}/pods/{name}/{sub}?command={command}&container=app&stdin=true&stdout=true&tty=true"
        );
        let who = self.human();
        self.base(
            "Metadata",
            "ResponseStarted",
            "create",
            uri,
            who,
            object_ref,
            101,
        )
    }

    fn binding(&mut self) -> JsonValue {
        let cluster = self.below(3) == 0;
        let ns = self.pick(NAMESPACES);
        let role = if cluster {
            self.pick(&["cluster-admin", "view", "edit", "system:aggregate-to-view"])
        } else {
            self.pick(&["deployer", "reader", "secret-reader"])
        };
        let name = format!("{role}-{}", self.suffix());
        let (resource, kind, uri) = if cluster {
            (
                "clusterrolebindings",
                "ClusterRoleBinding",
                "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings".to_string(),
            )
        } else {
            (
                "rolebindings",
                "RoleBinding",
                format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings"),
            )
        };
        let mut object_ref = json!({
            "resource": resource, "name": name,
            "apiGroup": "rbac.authorization.k8s.io", "apiVersion": "v1"
        });
        if !cluster {
            object_ref["namespace"] = json!(ns);
        }
        let who = if self.below(2) == 0 {
            self.human()
        } else {
            self.service_account()
        };
        let mut event = self.base(
            "RequestResponse",
            "ResponseComplete",
            "create",
            uri,
            who,
            object_ref,
            201,
        );
        event["requestObject"] = json!({
            "kind": kind,
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": name},
            "subjects": [
                {"kind": "ServiceAccount", "name": self.pick(APPS), "namespace": ns},
                {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "developers"}
            ],
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": if cluster { "ClusterRole" } else { "Role" },
                "name": role
            }
        });
        event["responseObject"] =
            json!({"kind": kind, "metadata": {"name": name, "uid": self.uuid()}});
        event
    }

    fn deployment_patch(&mut self) -> JsonValue {
        let ns = self.pick(NAMESPACES);
        let app = self.pick(APPS);
        let object_ref = json!({
            "resource": "deployments", "namespace": ns, "name": app,
            "apiGroup": "apps", "apiVersion": "v1"
        });
        let uri = format!(
            "/apis/apps/v1/namespaces/{ns}/deployments/{app}?fieldManager=argocd-controller"
        );
        let who = self.service_account();
        let mut event = self.base(
            "Request",
            "ResponseComplete",
            "patch",
            uri,
            who,
            object_ref,
            200,
        );
        event["requestObject"] = json!({
            "spec": {"replicas": 2 + self.below(6), "template": {"metadata": {"annotations": {
                "kubectl.kubernetes.io/restartedAt": rfc3339(self.clock_us)
            }}}}
        });
        event
    }

    fn token_request(&mut self) -> JsonValue {
        let ns = self.pick(NAMESPACES);
        let sa = self.pick(APPS);
        let node = format!("ip-10-0-{}-{}.ec2.internal", self.below(8), self.below(250));
        let who = (
            "kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46".to_string(),
            json!({"username": format!("system:node:{node}"), "groups": ["system:nodes", "system:authenticated"]}),
        );
        let object_ref = json!({
            "resource": "serviceaccounts", "namespace": ns, "name": sa,
            "apiVersion": "v1", "subresource": "token"
        });
        let uri = format!("/api/v1/namespaces/{ns}/serviceaccounts/{sa}/token");
        self.base(
            "Metadata",
            "ResponseComplete",
            "create",
            uri,
            who,
            object_ref,
            201,
        )
    }

    fn forbidden(&mut self) -> JsonValue {
        let anonymous = self.below(2) == 0;
        let who = if anonymous {
            (
                "curl/8.5.0".to_string(),
                json!({"username": "system:anonymous", "groups": ["system:unauthenticated"]}),
            )
        } else {
            self.service_account()
        };
        let ns = self.pick(NAMESPACES);
        let object_ref = json!({"resource": "secrets", "namespace": ns, "apiVersion": "v1"});
        self.base(
            "Metadata",
            "ResponseComplete",
            "list",
            format!("/api/v1/namespaces/{ns}/secrets"),
            who,
            object_ref,
            403,
        )
    }

    fn core_event(&mut self) -> JsonValue {
        let ns = self.pick(NAMESPACES);
        let app = self.pick(APPS);
        let pod = self.pod_name(app);
        let name = format!("{pod}.{:x}", self.next() & 0xffff_ffff);
        let object_ref =
            json!({"resource": "events", "namespace": ns, "name": name, "apiVersion": "v1"});
        let who = (
            "kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46".to_string(),
            json!({"username": "system:node:ip-10-0-1-17.ec2.internal", "groups": ["system:nodes", "system:authenticated"]}),
        );
        self.base(
            "Metadata",
            "ResponseComplete",
            "create",
            format!("/api/v1/namespaces/{ns}/events"),
            who,
            object_ref,
            201,
        )
    }
}

/// `2026-11-28T10:MM:SS.ffffffZ` for `us` microseconds after 10:00.
fn rfc3339(us: u64) -> String {
    let seconds = us / 1_000_000;
    format!(
        "2026-11-28T{:02}:{:02}:{:02}.{:06}Z",
        10 + seconds / 3600,
        (seconds / 60) % 60,
        seconds % 60,
        us % 1_000_000
    )
}

//! A plugin source in a run: payloads from a webhook endpoint or a replayed
//! file go to the source's pipeline (plugin instances plus rules); a source
//! plugin that makes its own events is polled.

use super::{shutdown::Shutdown, sink::AlertSink};
use crate::{
    config::WebhookConfig,
    engine::Ruleset,
    ingress::{
        Job, JobOutcome,
        framing::Documents,
        tls,
        webhook::{self, WebhookSettings, WebhookStats},
    },
    plugin::{PluginHost, PluginSpec, supervisor::Unavailable},
    sources::plugin::PluginPipeline,
};
use anyhow::{Context, bail};
use std::{
    io::BufReader,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

/// Default open parameters of a webhook source, as in Falco's k8saudit docs.
const DEFAULT_WEBHOOK: &str = "http://:9765/k8s-audit";
/// Default largest webhook body: kube-apiserver's default batch limit plus 20%.
const DEFAULT_MAX_BODY: u64 = 12 << 20;
/// Payloads queued for the worker before the webhook answers 503.
const QUEUE_DEPTH: usize = 64;

/// Everything needed to run one plugin source.
pub struct PluginRun {
    /// The source's name.
    pub source: String,
    /// The wasm host.
    pub host: Arc<PluginHost>,
    /// Every loaded plugin.
    pub specs: Vec<PluginSpec>,
    /// `--input`: replay this file (`-`: stdin).
    pub input: Option<PathBuf>,
    /// `--webhook-listen`.
    pub webhook_listen: Option<String>,
    /// The `webhook` configuration.
    pub webhook: WebhookConfig,
}

/// How the source gets its payloads.
enum Ingress {
    Replay(PathBuf),
    Webhook {
        tls: bool,
        listen: String,
        path: String,
    },
    Poll,
}

impl PluginRun {
    fn spec(&self) -> anyhow::Result<&PluginSpec> {
        self.specs
            .iter()
            .find(|s| s.plugin.info.event_source.as_deref() == Some(self.source.as_str()))
            .with_context(|| format!("no loaded plugin produces source `{}`", self.source))
    }

    /// Reads the open parameters the way Falco's webhook sources do: an
    /// http(s) URL serves a webhook, `file://` or a path replays a file.
    fn ingress(&self) -> anyhow::Result<Ingress> {
        if let Some(input) = &self.input {
            return Ok(Ingress::Replay(input.clone()));
        }
        let spec = self.spec()?;
        let params = match spec.open_params.trim() {
            "" if self.source == "k8s_audit" => DEFAULT_WEBHOOK,
            other => other,
        };
        if params.is_empty() {
            return Ok(Ingress::Poll);
        }
        if let Some(path) = params.strip_prefix("file://") {
            return Ok(Ingress::Replay(path.into()));
        }
        let (tls, rest) = match (
            params.strip_prefix("http://"),
            params.strip_prefix("https://"),
        ) {
            (Some(rest), _) => (false, rest),
            (_, Some(rest)) => (true, rest),
            _ if params.contains("://") => bail!(
                "open parameters `{params}` of source `{}`: scheme not supported (http, https, file)",
                self.source
            ),
            _ => return Ok(Ingress::Replay(params.into())),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let listen = self
            .webhook_listen
            .clone()
            .or_else(|| self.webhook.listen.clone())
            .unwrap_or_else(|| authority.to_string());
        let path = self
            .webhook
            .path
            .clone()
            .unwrap_or_else(|| path.to_string());
        Ok(Ingress::Webhook { tls, listen, path })
    }

    /// Runs the source until its input ends or `shutdown`.
    pub fn run(
        self,
        ruleset: &Ruleset,
        sink: &AlertSink,
        shutdown: &Shutdown,
        hostname: &str,
    ) -> anyhow::Result<()> {
        let ingress = self.ingress()?;
        let mut pipeline =
            PluginPipeline::new(&self.host, &self.specs, &self.source, ruleset, hostname)
                .with_context(|| format!("starting the plugins of source `{}`", self.source))?;
        match ingress {
            Ingress::Replay(path) => {
                replay(&self.source, &path, &mut pipeline, ruleset, sink, shutdown)
            }
            Ingress::Webhook { tls, listen, path } => {
                let settings = self.webhook_settings(tls, path)?;
                serve(
                    &self.source,
                    &listen,
                    settings,
                    &mut pipeline,
                    ruleset,
                    sink,
                    shutdown,
                )
            }
            Ingress::Poll => poll(&mut pipeline, ruleset, sink, shutdown),
        }
    }

    fn webhook_settings(&self, tls: bool, path: String) -> anyhow::Result<WebhookSettings> {
        let init: serde_json::Value =
            serde_json::from_str(&self.spec()?.init_config).unwrap_or_default();
        let tls = if tls {
            // Falco's k8saudit keeps certificate and key in one PEM file, `sslCertificate`.
            let certificate = self
                .webhook
                .tls_certificate
                .clone()
                .or_else(|| {
                    init.get("sslCertificate")
                        .and_then(|v| v.as_str())
                        .map(PathBuf::from)
                })
                .unwrap_or_else(|| PathBuf::from("/etc/falco/falco.pem"));
            let key = self
                .webhook
                .tls_private_key
                .clone()
                .unwrap_or_else(|| certificate.clone());
            Some(tls::server_config(&certificate, &key)?)
        } else {
            None
        };
        let token = match &self.webhook.bearer_token_file {
            Some(file) => Some(
                std::fs::read_to_string(file)
                    .with_context(|| format!("reading the webhook token from {}", file.display()))?
                    .trim()
                    .to_string(),
            ),
            None => std::env::var("LANNER_WEBHOOK_TOKEN").ok(),
        }
        .filter(|t| !t.is_empty());
        let max_body_bytes = self
            .webhook
            .max_body_bytes
            .or_else(|| init.get("webhookMaxBatchSize").and_then(|v| v.as_u64()))
            .unwrap_or(DEFAULT_MAX_BODY);
        Ok(WebhookSettings {
            path,
            tls,
            token,
            max_body_bytes,
        })
    }
}

/// Ingests one payload, waiting out a restart backoff rather than dropping it.
fn ingest_patiently(
    pipeline: &mut PluginPipeline,
    ruleset: &Ruleset,
    payload: &[u8],
    sink: &AlertSink,
    shutdown: &Shutdown,
) -> (JobOutcome, bool) {
    let mut alerts = Vec::new();
    loop {
        alerts.clear();
        let result = pipeline.ingest(ruleset, payload, &mut alerts);
        let more = alerts.is_empty() || sink.emit(&alerts);
        match result {
            Ok(report) => return (JobOutcome::Ingested(report), more),
            Err(Unavailable::Fault(fault)) => return (JobOutcome::Fault(fault.to_string()), more),
            Err(Unavailable::Refused(reason)) => return (JobOutcome::Unavailable(reason), more),
            Err(Unavailable::Backoff { .. }) => {
                if shutdown.is_set() {
                    return (JobOutcome::Unavailable("shutting down".into()), more);
                }
                let wait = pipeline
                    .ready_at()
                    .saturating_duration_since(Instant::now());
                std::thread::sleep(wait.min(Duration::from_millis(500)));
            }
        }
    }
}

fn replay(
    source: &str,
    path: &Path,
    pipeline: &mut PluginPipeline,
    ruleset: &Ruleset,
    sink: &AlertSink,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let reader: Box<dyn std::io::BufRead> = if path == Path::new("-") {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(path)
            .with_context(|| format!("opening {} for replay", path.display()))?;
        Box::new(BufReader::new(file))
    };
    let (mut documents, mut malformed, mut lost) = (0u64, 0u64, 0u64);
    for document in Documents::new(reader) {
        if shutdown.is_set() {
            break;
        }
        let payload = match document {
            Ok(payload) => payload,
            Err(e) => {
                malformed += 1;
                eprintln!("lanner: {}:{e}; skipped", path.display());
                continue;
            }
        };
        documents += 1;
        let (outcome, more) = ingest_patiently(pipeline, ruleset, &payload, sink, shutdown);
        match outcome {
            JobOutcome::Ingested(report) => {
                for reason in &report.rejected {
                    eprintln!("lanner: {}: document {documents}: {reason}", path.display());
                }
            }
            JobOutcome::Fault(reason) | JobOutcome::Unavailable(reason) => {
                lost += 1;
                eprintln!(
                    "lanner: {}: document {documents} lost: {reason}",
                    path.display()
                );
            }
        }
        if !more {
            break;
        }
    }
    let stats = pipeline.stats();
    eprintln!(
        "lanner: {source} replay of {}: {documents} documents, {malformed} malformed, {lost} lost to plugin faults; \
         {} events, {} rejected parts, {} malformed values, {} plugin faults, {} alerts",
        path.display(),
        stats.events,
        stats.rejected,
        stats.malformed_values,
        stats.faults,
        stats.alerts
    );
    Ok(())
}

fn serve(
    source: &str,
    listen: &str,
    settings: WebhookSettings,
    pipeline: &mut PluginPipeline,
    ruleset: &Ruleset,
    sink: &AlertSink,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    let listener = runtime
        .block_on(webhook::bind(listen))
        .with_context(|| format!("listening on {listen} for source `{source}`"))?;
    let address = listener.local_addr()?;
    let scheme = if settings.tls.is_some() {
        "https"
    } else {
        "http"
    };
    eprintln!(
        "lanner: {source} webhook listening on {scheme}://{address}{}",
        settings.path
    );
    let stats = Arc::new(WebhookStats::default());
    let (jobs, mut queue) = tokio::sync::mpsc::channel::<Job>(QUEUE_DEPTH);
    let server = {
        let stats = Arc::clone(&stats);
        let shutdown = shutdown.clone();
        std::thread::Builder::new()
            .name(format!("webhook-{source}"))
            .spawn(move || {
                runtime.block_on(webhook::serve(
                    listener,
                    settings,
                    jobs,
                    stats,
                    shutdown.wait(),
                ));
            })?
    };
    // The server drops its sender when it stops; the queue then drains and ends.
    while let Some(job) = queue.blocking_recv() {
        let (outcome, more) = ingest_patiently(pipeline, ruleset, &job.payload, sink, shutdown);
        if let Some(reply) = job.reply {
            let _ = reply.send(outcome);
        }
        if !more {
            shutdown.trigger();
        }
    }
    let _ = server.join();
    let pipeline_stats = pipeline.stats();
    eprintln!(
        "lanner: {source} webhook: {}; {} events, {} rejected parts, {} malformed values, {} plugin faults, {} alerts",
        stats.summary(),
        pipeline_stats.events,
        pipeline_stats.rejected,
        pipeline_stats.malformed_values,
        pipeline_stats.faults,
        pipeline_stats.alerts
    );
    Ok(())
}

fn poll(
    pipeline: &mut PluginPipeline,
    ruleset: &Ruleset,
    sink: &AlertSink,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let mut alerts = Vec::new();
    while !shutdown.is_set() {
        alerts.clear();
        let result = pipeline.poll(ruleset, 128, &mut alerts);
        if !alerts.is_empty() && !sink.emit(&alerts) {
            return Ok(());
        }
        match result {
            Ok(true) => std::thread::sleep(Duration::from_millis(20)),
            Ok(false) => return Ok(()),
            Err(Unavailable::Refused(reason)) => bail!("the source failed: {reason}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Ok(())
}

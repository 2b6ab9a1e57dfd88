//! A plugin source in a run: payloads from a webhook endpoint or a replayed
//! file go to the source's pipeline (plugin instances plus rules); a source
//! plugin that makes its own events is polled.
//!
//! A webhook listens on loopback unless an address is named (Falco's
//! `http://:9765/k8s-audit` form, with no host, means 127.0.0.1 here). An
//! address other than loopback is served only with TLS and a bearer token,
//! or with `webhook.allow_insecure: true`, which is warned about at start:
//! anyone who reaches a plaintext or unauthenticated endpoint can forge
//! audit events.

use super::{shutdown::Shutdown, sink::AlertSink};
use crate::{
    config::WebhookConfig,
    engine::Ruleset,
    ingress::{
        Job, JobOutcome,
        framing::Documents,
        tls,
        webhook::{self, Limits, WebhookSettings, WebhookStats},
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

/// Default open parameters of a webhook source, as in Falco's k8saudit docs
/// (no host: loopback).
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
                    self.webhook.allow_insecure.unwrap_or(false),
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
            Some(file) => Some(read_token(file)?),
            None => std::env::var("LANNER_WEBHOOK_TOKEN").ok(),
        }
        .filter(|t| !t.is_empty());
        let max_body_bytes = self
            .webhook
            .max_body_bytes
            .or_else(|| init.get("webhookMaxBatchSize").and_then(|v| v.as_u64()))
            .unwrap_or(DEFAULT_MAX_BODY);
        let config = &self.webhook;
        let defaults = Limits::default();
        let ms = |value: Option<u64>, default: Duration| {
            value.map(Duration::from_millis).unwrap_or(default)
        };
        let limits = Limits {
            header_timeout: ms(config.header_timeout_ms, defaults.header_timeout),
            body_timeout: ms(config.body_timeout_ms, defaults.body_timeout),
            handshake_timeout: ms(config.handshake_timeout_ms, defaults.handshake_timeout),
            verdict_timeout: ms(config.verdict_timeout_ms, defaults.verdict_timeout),
            max_connections: config
                .max_connections
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
                .unwrap_or(defaults.max_connections),
        };
        let capped = limits.within_descriptor_limit();
        if capped.max_connections < limits.max_connections {
            eprintln!(
                "lanner: warning: webhook.max_connections lowered to {}, half the descriptor limit",
                capped.max_connections
            );
        }
        Ok(WebhookSettings {
            path,
            tls,
            token,
            max_body_bytes,
            limits: capped,
        })
    }
}

/// The most bytes a bearer token file may hold.
const MAX_TOKEN_BYTES: u64 = 4096;

/// Reads the webhook's bearer token from `file`: a trusted regular file (see
/// [`crate::trust`]) of bounded size that only its owner may read, since
/// anyone who can read it can forge audit events.
fn read_token(file: &Path) -> anyhow::Result<String> {
    use std::os::unix::fs::MetadataExt;
    let context = || format!("reading the webhook token from {}", file.display());
    let mode = std::fs::metadata(file).with_context(context)?.mode();
    if mode & 0o077 != 0 {
        bail!(
            "refusing the webhook token file {}: it is readable by {} (mode {:o}); \
             make it readable by its owner only (chmod 600)",
            file.display(),
            if mode & 0o007 != 0 {
                "other users"
            } else {
                "its group"
            },
            mode & 0o7777
        );
    }
    let bytes = crate::trust::read_file(file, MAX_TOKEN_BYTES).with_context(context)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("the webhook token in {} is not UTF-8", file.display()))?;
    Ok(text.trim().to_string())
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
                if report.rejected_total > 0 {
                    eprintln!(
                        "lanner: {}: document {documents}: {} parts rejected: {}",
                        path.display(),
                        report.rejected_total,
                        report.rejection_summary()
                    );
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

/// Refuses to serve a non-loopback address without TLS and a bearer token,
/// unless `allow_insecure`; when that opt-in is what lets it start, the
/// warning to print.
fn exposure(
    source: &str,
    address: std::net::SocketAddr,
    settings: &WebhookSettings,
    allow_insecure: bool,
) -> anyhow::Result<Option<String>> {
    if address.ip().is_loopback() || (settings.tls.is_some() && settings.token.is_some()) {
        return Ok(None);
    }
    let missing = match (settings.tls.is_some(), settings.token.is_some()) {
        (false, false) => "without TLS and without a bearer token",
        (false, true) => "without TLS",
        _ => "without a bearer token",
    };
    if !allow_insecure {
        bail!(
            "refusing to serve the {source} webhook on {address} {missing}: anyone who can reach \
             it could forge audit events. Listen on loopback (the default), configure \
             webhook.tls_certificate and webhook.bearer_token_file, or set \
             `webhook: {{allow_insecure: true}}` to accept the risk"
        );
    }
    Ok(Some(format!(
        "lanner: warning: the {source} webhook serves {address} {missing} \
         (webhook.allow_insecure): anyone who can reach it can forge audit events"
    )))
}

/// Ingests one webhook payload. A plugin still backing off (it could not
/// even start) answers "unavailable" at once rather than making the
/// payloads queued behind wait; the client retries.
fn ingest_once(
    pipeline: &mut PluginPipeline,
    ruleset: &Ruleset,
    payload: &[u8],
    sink: &AlertSink,
) -> (JobOutcome, bool) {
    let mut alerts = Vec::new();
    let result = pipeline.ingest(ruleset, payload, &mut alerts);
    let more = alerts.is_empty() || sink.emit(&alerts);
    let outcome = match result {
        Ok(report) => JobOutcome::Ingested(report),
        Err(Unavailable::Fault(fault)) => JobOutcome::Fault(fault.to_string()),
        Err(other) => JobOutcome::Unavailable(other.to_string()),
    };
    (outcome, more)
}

#[allow(clippy::too_many_arguments)]
fn serve(
    source: &str,
    listen: &str,
    settings: WebhookSettings,
    allow_insecure: bool,
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
    let warning = exposure(source, address, &settings, allow_insecure)?;
    let limits = settings.limits;
    eprintln!(
        "lanner: {source} webhook limits: {} connections at once, headers within {} ms, \
         bodies of up to {} bytes within {} ms, TLS handshakes within {} ms, verdicts within {} ms",
        limits.max_connections,
        limits.header_timeout.as_millis(),
        settings.max_body_bytes,
        limits.body_timeout.as_millis(),
        limits.handshake_timeout.as_millis(),
        limits.verdict_timeout.as_millis(),
    );
    eprintln!(
        "lanner: {source} webhook listening on {scheme}://{address}{}",
        settings.path
    );
    if let Some(warning) = warning {
        eprintln!("{warning}");
    }
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
    let mut abandoned = 0u64;
    while let Some(job) = queue.blocking_recv() {
        // Answered 503 while queued, or its client left: the client sends it
        // again, so ingesting this copy as well would duplicate its events.
        if !job.claim.take() {
            abandoned += 1;
            continue;
        }
        let (outcome, more) = ingest_once(pipeline, ruleset, &job.payload, sink);
        if let Some(reply) = job.reply {
            let _ = reply.send(outcome);
        }
        if !more {
            shutdown.trigger();
        }
    }
    let crashed = server.join().is_err();
    let pipeline_stats = pipeline.stats();
    eprintln!(
        "lanner: {source} webhook: {}; {abandoned} given up while queued \
         (answered 503 or the client left) and dropped; \
         {} events, {} rejected parts, {} malformed values, {} plugin faults, {} alerts",
        stats.summary(),
        pipeline_stats.events,
        pipeline_stats.rejected,
        pipeline_stats.malformed_values,
        pipeline_stats.faults,
        pipeline_stats.alerts
    );
    if crashed {
        // The server's panic was printed by the panic hook; end the source
        // with an error rather than as if it had stopped on request.
        bail!("the {source} webhook server failed unexpectedly");
    }
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

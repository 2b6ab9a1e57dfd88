//! The webhook endpoint: accepts what kube-apiserver's audit webhook backend
//! posts (an `audit.k8s.io/v1` `EventList`, or a single `Event`, as JSON),
//! over HTTP or HTTPS, and hands each body to the source's worker.
//!
//! Every request gets a precise status: 404 wrong path, 401 missing or wrong
//! bearer token, 405 not POST, 415 not JSON, 413 body over the limit, 400
//! malformed JSON or no audit event in it, 503 when the worker's queue is
//! full or the plugin is restarting (the client retries), 500 when the
//! plugin faulted on this body, 200 otherwise. Each outcome is counted.

use super::{Job, JobOutcome};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{
    Method, Request, Response, StatusCode,
    body::Incoming,
    header::{self, HeaderValue},
    server::conn::http1,
    service::service_fn,
};
use hyper_util::rt::TokioIo;
use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::{net::TcpListener, sync::mpsc};
use tokio_rustls::{TlsAcceptor, rustls::ServerConfig};

/// How long a request waits for the worker's verdict before getting 503.
const VERDICT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything the endpoint needs to know.
#[derive(Clone)]
pub struct WebhookSettings {
    /// The path requests must use, e.g. `/k8s-audit`.
    pub path: String,
    /// TLS, when serving HTTPS.
    pub tls: Option<Arc<ServerConfig>>,
    /// The bearer token clients must present, if any.
    pub token: Option<String>,
    /// The largest body accepted, in bytes.
    pub max_body_bytes: u64,
}

/// How many requests ended each way.
#[derive(Debug, Default)]
pub struct WebhookStats {
    /// 200: the body reached the plugin.
    pub accepted: AtomicU64,
    /// Events the accepted bodies held.
    pub events: AtomicU64,
    /// 404.
    pub not_found: AtomicU64,
    /// 401.
    pub unauthorized: AtomicU64,
    /// 405.
    pub bad_method: AtomicU64,
    /// 415.
    pub bad_content_type: AtomicU64,
    /// 413.
    pub too_large: AtomicU64,
    /// 400, malformed JSON.
    pub malformed: AtomicU64,
    /// 400, JSON that holds no event.
    pub not_events: AtomicU64,
    /// 503.
    pub unavailable: AtomicU64,
    /// 500.
    pub plugin_faults: AtomicU64,
}

impl WebhookStats {
    /// One line for the shutdown summary.
    pub fn summary(&self) -> String {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "{} accepted ({} events), {} malformed JSON, {} without events, {} too large, \
             {} wrong content type, {} wrong method, {} unauthorized, {} wrong path, \
             {} unavailable, {} plugin faults",
            n(&self.accepted),
            n(&self.events),
            n(&self.malformed),
            n(&self.not_events),
            n(&self.too_large),
            n(&self.bad_content_type),
            n(&self.bad_method),
            n(&self.unauthorized),
            n(&self.not_found),
            n(&self.unavailable),
            n(&self.plugin_faults),
        )
    }
}

fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

type Reply = Response<Full<Bytes>>;

/// Marks a reply sent while the request's body is left (partly) unread: the
/// connection cannot carry another request after it, so say so, or a client
/// that reuses it (kube-apiserver's pool) sends its next batch into a socket
/// about to be closed.
fn unread(mut response: Reply) -> Reply {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn reply(status: StatusCode, message: impl Into<String>) -> Reply {
    let body = serde_json::json!({ "status": status.as_u16(), "message": message.into() });
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Serves the endpoint on `listener` until `shutdown` resolves, then stops
/// accepting and gives open requests a few seconds to finish.
pub async fn serve(
    listener: TcpListener,
    settings: WebhookSettings,
    jobs: mpsc::Sender<Job>,
    stats: Arc<WebhookStats>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let settings = Arc::new(settings);
    let acceptor = settings.tls.clone().map(TlsAcceptor::from);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!("webhook accept failed: {e}");
                    continue;
                }
            },
        };
        let settings = Arc::clone(&settings);
        let jobs = jobs.clone();
        let stats = Arc::clone(&stats);
        let acceptor = acceptor.clone();
        connections.spawn(async move {
            let service = service_fn(move |request| {
                handle(
                    request,
                    Arc::clone(&settings),
                    jobs.clone(),
                    Arc::clone(&stats),
                )
            });
            let result = match acceptor {
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(tls) => {
                        http1::Builder::new()
                            .serve_connection(TokioIo::new(tls), service)
                            .await
                    }
                    Err(e) => {
                        tracing::debug!(%peer, "TLS handshake failed: {e}");
                        return;
                    }
                },
                None => {
                    http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, "webhook connection ended: {e}");
            }
        });
        // Reap finished connections so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

/// Binds `address` (Falco's `:9765` form allowed: all interfaces).
pub async fn bind(address: &str) -> std::io::Result<TcpListener> {
    let address = if address.starts_with(':') {
        format!("0.0.0.0{address}")
    } else {
        address.to_string()
    };
    let parsed: Result<SocketAddr, _> = address.parse();
    match parsed {
        Ok(addr) => TcpListener::bind(addr).await,
        Err(_) => TcpListener::bind(address.as_str()).await,
    }
}

fn authorized(request: &Request<Incoming>, token: &str) -> bool {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return false;
    };
    let Some(given) = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) else {
        return false;
    };
    // Compare in constant time so the token cannot be guessed byte by byte.
    let (a, b) = (given.trim().as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn is_json(request: &Request<Incoming>) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

async fn handle(
    request: Request<Incoming>,
    settings: Arc<WebhookSettings>,
    jobs: mpsc::Sender<Job>,
    stats: Arc<WebhookStats>,
) -> Result<Reply, std::convert::Infallible> {
    Ok(verdict(request, &settings, &jobs, &stats).await)
}

async fn verdict(
    request: Request<Incoming>,
    settings: &WebhookSettings,
    jobs: &mpsc::Sender<Job>,
    stats: &WebhookStats,
) -> Reply {
    if request.uri().path() != settings.path {
        count(&stats.not_found);
        return unread(reply(
            StatusCode::NOT_FOUND,
            format!("no endpoint here; post audit events to {}", settings.path),
        ));
    }
    if let Some(token) = &settings.token
        && !authorized(&request, token)
    {
        count(&stats.unauthorized);
        let mut response = reply(StatusCode::UNAUTHORIZED, "missing or wrong bearer token");
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return unread(response);
    }
    if request.method() != Method::POST {
        count(&stats.bad_method);
        let mut response = reply(StatusCode::METHOD_NOT_ALLOWED, "only POST is accepted");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return unread(response);
    }
    if !is_json(&request) {
        count(&stats.bad_content_type);
        return unread(reply(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be JSON (Content-Type: application/json)",
        ));
    }
    let too_large = || {
        count(&stats.too_large);
        reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body exceeds {} bytes", settings.max_body_bytes),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > settings.max_body_bytes) {
        return unread(too_large());
    }
    let limit = usize::try_from(settings.max_body_bytes).unwrap_or(usize::MAX);
    let body = match Limited::new(request.into_body(), limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return unread(too_large()),
        Err(e) => {
            count(&stats.malformed);
            return reply(StatusCode::BAD_REQUEST, format!("reading the body: {e}"));
        }
    };
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
        count(&stats.malformed);
        return reply(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}"));
    }
    let (tell, verdict) = tokio::sync::oneshot::channel();
    let job = Job {
        payload: body.to_vec(),
        reply: Some(tell),
    };
    if jobs.try_send(job).is_err() {
        count(&stats.unavailable);
        let mut response = reply(StatusCode::SERVICE_UNAVAILABLE, "busy; retry shortly");
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    match tokio::time::timeout(VERDICT_TIMEOUT, verdict).await {
        Ok(Ok(JobOutcome::Ingested(report))) => {
            if report.events == 0 && !report.rejected.is_empty() {
                count(&stats.not_events);
                return reply(
                    StatusCode::BAD_REQUEST,
                    format!("no audit event in the body: {}", report.rejected.join("; ")),
                );
            }
            count(&stats.accepted);
            stats
                .events
                .fetch_add(report.events as u64, Ordering::Relaxed);
            let body = serde_json::json!({
                "status": 200,
                "events": report.events,
                "rejected": report.rejected,
            });
            let mut response = reply(StatusCode::OK, "");
            *response.body_mut() = Full::new(Bytes::from(body.to_string()));
            response
        }
        Ok(Ok(JobOutcome::Fault(reason))) => {
            count(&stats.plugin_faults);
            reply(StatusCode::INTERNAL_SERVER_ERROR, reason)
        }
        Ok(Ok(JobOutcome::Unavailable(reason))) => {
            count(&stats.unavailable);
            let mut response = reply(StatusCode::SERVICE_UNAVAILABLE, reason);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
        Ok(Err(_)) | Err(_) => {
            count(&stats.unavailable);
            reply(
                StatusCode::SERVICE_UNAVAILABLE,
                "the source did not answer in time",
            )
        }
    }
}

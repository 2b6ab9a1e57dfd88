//! The webhook endpoint: accepts what kube-apiserver's audit webhook backend
//! posts (an `audit.k8s.io/v1` `EventList`, or a single `Event`, as JSON),
//! over HTTP or HTTPS, and hands each body to the source's worker.
//!
//! Every request gets a precise status: 404 wrong path, 401 missing or wrong
//! bearer token, 405 not POST, 415 not JSON, 413 body over the limit, 408
//! body not sent in time, 400 malformed JSON or no audit event in it, 503
//! when the worker's queue is full, the plugin is restarting or the verdict
//! did not come in time before the worker took the body (the client
//! retries; a payload answered 503 is never ingested later), 504 when the
//! worker took the body but gave no verdict within a long grace period (the
//! outcome is unknown: it may have been ingested), 500 when the plugin
//! faulted on this body, 200 otherwise. A request whose client hangs up
//! before its verdict is not ingested unless the worker already took it.
//! Each outcome is counted.
//!
//! The endpoint faces whoever can reach it, so nothing a client does can
//! hold it for long or make it hold much:
//! - the request line and headers must arrive within the header timeout,
//!   which also bounds how long a kept-alive connection may sit idle, and
//!   fit in [`MAX_HEADER_BYTES`] (they are read before the token is checked);
//! - the body must arrive within the body timeout, the TLS handshake within
//!   the handshake timeout;
//! - at most `max_connections` connections are served at once (never more
//!   than half the process's descriptor limit); one past the cap is closed
//!   as soon as it is accepted;
//! - a failing `accept` (out of descriptors, say) backs off instead of
//!   spinning;
//! - every reply fits in [`MAX_REPLY_BYTES`]: rejection reasons are
//!   summarised (the first few and a count), untrusted text is cut.

use super::{Claim, Job, JobOutcome, clip};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{
    Method, Request, Response, StatusCode,
    body::Incoming,
    header::{self, HeaderValue},
    server::conn::http1,
    service::service_fn,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::{
    net::TcpListener,
    sync::{Semaphore, mpsc},
};
use tokio_rustls::{TlsAcceptor, rustls::ServerConfig};

/// The most bytes of request line and headers buffered for one connection
/// (hyper's buffer cap; its minimum is 8 KiB). Audit webhook requests carry
/// a few small headers and perhaps a service-account token.
pub const MAX_HEADER_BYTES: usize = 32 << 10;
/// The largest reply body sent, whatever went wrong.
pub const MAX_REPLY_BYTES: usize = 8 << 10;
/// The longest message in a reply, in bytes.
const MAX_MESSAGE_BYTES: usize = 1024;
/// How long `accept` pauses after failing (e.g. out of descriptors), so a
/// resource shortage does not turn into a busy loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// How long a request whose payload the worker already took waits for its
/// verdict after the verdict timeout: the plugin call is bounded by its own
/// deadline, so this only fires if the worker is wedged.
const CLAIMED_GRACE: Duration = Duration::from_secs(60);

/// Bounds on what one client can make the endpoint spend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Time for a request line and headers, from when the connection is
    /// ready for a request (so also the keep-alive idle bound).
    pub header_timeout: Duration,
    /// Time for a whole body, from when the headers are read.
    pub body_timeout: Duration,
    /// Time for a TLS handshake, from the accept.
    pub handshake_timeout: Duration,
    /// Time a request waits for the worker's verdict before 503 (when the
    /// worker has not taken the body yet; once it has, the request waits
    /// for the verdict up to a grace period longer).
    pub verdict_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            verdict_timeout: Duration::from_secs(10),
            max_connections: 256,
        }
    }
}

impl Limits {
    /// These limits with the connection cap lowered, if needed, to half the
    /// process's soft descriptor limit (the rest is for everything else:
    /// plugins, the syscall source, files), so a flood of connections hits
    /// the cap and is closed rather than making `accept` fail.
    pub fn within_descriptor_limit(mut self) -> Self {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the limits into the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            let half = usize::try_from(limit.rlim_cur / 2).unwrap_or(usize::MAX);
            self.max_connections = self.max_connections.min(half.max(1));
        }
        // An unlimited descriptor limit leaves the cap above what a semaphore
        // can count (it would panic).
        self.max_connections = self.max_connections.min(Semaphore::MAX_PERMITS);
        self
    }
}

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
    /// Timeouts and the connection cap.
    pub limits: Limits,
}

/// How many requests (and connections) ended each way.
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
    /// 408: the body did not arrive in time.
    pub slow_bodies: AtomicU64,
    /// 400, malformed JSON.
    pub malformed: AtomicU64,
    /// 400, JSON that holds no event.
    pub not_events: AtomicU64,
    /// 503: certainly not ingested.
    pub unavailable: AtomicU64,
    /// 504: taken by the worker but no verdict in time; outcome unknown.
    pub unknown: AtomicU64,
    /// 500.
    pub plugin_faults: AtomicU64,
    /// Connections closed at once because the cap was reached.
    pub refused_connections: AtomicU64,
    /// TLS handshakes that failed or did not finish in time.
    pub failed_handshakes: AtomicU64,
}

impl WebhookStats {
    /// One line for the shutdown summary.
    pub fn summary(&self) -> String {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "{} accepted ({} events), {} malformed JSON, {} without events, {} too large, \
             {} too slow, {} wrong content type, {} wrong method, {} unauthorized, \
             {} wrong path, {} unavailable, {} without a verdict, {} plugin faults; \
             {} connections over the cap, \
             {} failed TLS handshakes",
            n(&self.accepted),
            n(&self.events),
            n(&self.malformed),
            n(&self.not_events),
            n(&self.too_large),
            n(&self.slow_bodies),
            n(&self.bad_content_type),
            n(&self.bad_method),
            n(&self.unauthorized),
            n(&self.not_found),
            n(&self.unavailable),
            n(&self.unknown),
            n(&self.plugin_faults),
            n(&self.refused_connections),
            n(&self.failed_handshakes),
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

/// A JSON reply, within [`MAX_REPLY_BYTES`] whatever `body` holds.
fn json_reply(status: StatusCode, body: &serde_json::Value) -> Reply {
    let mut text = body.to_string();
    if text.len() > MAX_REPLY_BYTES {
        // Every part is bounded where it is made; this is the last line.
        tracing::warn!("a {status} reply of {} bytes was replaced", text.len());
        text = serde_json::json!({
            "status": status.as_u16(),
            "message": "the reply was too large to send",
        })
        .to_string();
    }
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn reply(status: StatusCode, message: impl AsRef<str>) -> Reply {
    json_reply(
        status,
        &serde_json::json!({
            "status": status.as_u16(),
            "message": clip(message.as_ref(), MAX_MESSAGE_BYTES),
        }),
    )
}

fn retry_later(message: impl AsRef<str>) -> Reply {
    let mut response = reply(StatusCode::SERVICE_UNAVAILABLE, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// True for `accept` errors that say the process or system is out of a
/// resource, which only time (connections closing) can fix.
fn out_of_resources(error: &std::io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
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
    let limits = settings.limits;
    let acceptor = settings.tls.clone().map(TlsAcceptor::from);
    // Semaphore::new panics above MAX_PERMITS (an unlimited descriptor limit).
    let slots = Arc::new(Semaphore::new(
        limits.max_connections.min(Semaphore::MAX_PERMITS),
    ));
    let mut connections = tokio::task::JoinSet::new();
    let mut failing = false;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => {
                    failing = false;
                    pair
                }
                Err(e) => {
                    // Log the first failure of a streak; the rest would flood the log.
                    if !failing {
                        tracing::warn!("webhook accept failed: {e}; backing off");
                    }
                    failing = true;
                    let pause = if out_of_resources(&e) {
                        ACCEPT_BACKOFF
                    } else {
                        ACCEPT_BACKOFF / 10
                    };
                    tokio::select! {
                        _ = &mut shutdown => break,
                        _ = tokio::time::sleep(pause) => continue,
                    }
                }
            },
        };
        // Reap finished connections so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            // Over the cap: close at once; the client may retry later.
            count(&stats.refused_connections);
            tracing::debug!(%peer, "webhook connection refused: {} connections open", limits.max_connections);
            drop(stream);
            continue;
        };
        let settings = Arc::clone(&settings);
        let jobs = jobs.clone();
        let stats = Arc::clone(&stats);
        let acceptor = acceptor.clone();
        connections.spawn(async move {
            let _permit = permit;
            let handshake_stats = Arc::clone(&stats);
            let service = service_fn(move |request| {
                handle(
                    request,
                    Arc::clone(&settings),
                    jobs.clone(),
                    Arc::clone(&stats),
                )
            });
            let mut http = http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_buf_size(MAX_HEADER_BYTES)
                .keep_alive(true);
            let result = match acceptor {
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream));
                    match handshake.await {
                        Ok(Ok(tls)) => http.serve_connection(TokioIo::new(tls), service).await,
                        Ok(Err(e)) => {
                            count(&handshake_stats.failed_handshakes);
                            tracing::debug!(%peer, "TLS handshake failed: {e}");
                            return;
                        }
                        Err(_) => {
                            count(&handshake_stats.failed_handshakes);
                            tracing::debug!(%peer, "TLS handshake not done in time");
                            return;
                        }
                    }
                }
                None => http.serve_connection(TokioIo::new(stream), service).await,
            };
            if let Err(e) = result {
                tracing::debug!(%peer, "webhook connection ended: {e}");
            }
        });
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

/// Binds `address`. Falco's `:9765` form (no host) means loopback here:
/// serving other interfaces must be asked for by naming an address.
pub async fn bind(address: &str) -> std::io::Result<TcpListener> {
    let address = if address.starts_with(':') {
        format!("127.0.0.1{address}")
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
    crate::secret::constant_time_eq(given.trim().as_bytes(), token.as_bytes())
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
    let limits = settings.limits;
    let reading = Limited::new(request.into_body(), limit).collect();
    let body = match tokio::time::timeout(limits.body_timeout, reading).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return unread(too_large()),
        Ok(Err(e)) => {
            count(&stats.malformed);
            return reply(StatusCode::BAD_REQUEST, format!("reading the body: {e}"));
        }
        Err(_) => {
            count(&stats.slow_bodies);
            return unread(reply(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the body did not arrive within {} ms",
                    limits.body_timeout.as_millis()
                ),
            ));
        }
    };
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
        count(&stats.malformed);
        return reply(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}"));
    }
    let (tell, mut verdict) = tokio::sync::oneshot::channel();
    let claim = Arc::new(Claim::default());
    let job = Job {
        payload: body.to_vec(),
        reply: Some(tell),
        claim: Arc::clone(&claim),
    };
    if jobs.try_send(job).is_err() {
        count(&stats.unavailable);
        return retry_later("busy; retry shortly");
    }
    // If this future is dropped before the verdict (the client hung up, or
    // the server aborts its connections at shutdown), nobody is left to
    // answer: the payload must not be ingested behind the client's back, as
    // its retry would duplicate it.
    let _settle = AbandonOnDrop(Arc::clone(&claim));
    let waited = match tokio::time::timeout(limits.verdict_timeout, &mut verdict).await {
        Ok(Ok(outcome)) => Waited::Verdict(outcome),
        // Not taken yet (or dropped untaken), and now never will be: the
        // client's retry is the only copy.
        _ if claim.abandon() => Waited::NotIngested,
        // Taken, but the worker dropped the reply without a verdict.
        Ok(Err(_)) => Waited::Unknown,
        // The worker is ingesting it: its verdict is on its way.
        Err(_) => match tokio::time::timeout(CLAIMED_GRACE, verdict).await {
            Ok(Ok(outcome)) => Waited::Verdict(outcome),
            _ => Waited::Unknown,
        },
    };
    let outcome = match waited {
        Waited::Verdict(outcome) => outcome,
        Waited::NotIngested => {
            count(&stats.unavailable);
            return retry_later("the source did not answer in time; the body was not ingested");
        }
        Waited::Unknown => {
            count(&stats.unknown);
            return reply(
                StatusCode::GATEWAY_TIMEOUT,
                "the source took the body but gave no verdict in time; it may have been \
                 ingested, so sending it again may duplicate its events",
            );
        }
    };
    match outcome {
        JobOutcome::Ingested(report) => {
            if report.events == 0 && report.rejected_total > 0 {
                count(&stats.not_events);
                return reply(
                    StatusCode::BAD_REQUEST,
                    format!("no audit event in the body: {}", report.rejection_summary()),
                );
            }
            count(&stats.accepted);
            stats
                .events
                .fetch_add(report.events as u64, Ordering::Relaxed);
            json_reply(
                StatusCode::OK,
                &serde_json::json!({
                    "status": 200,
                    "events": report.events,
                    "rejected": report.rejected,
                    "rejected_total": report.rejected_total,
                }),
            )
        }
        JobOutcome::Fault(reason) => {
            count(&stats.plugin_faults);
            reply(StatusCode::INTERNAL_SERVER_ERROR, reason)
        }
        JobOutcome::Unavailable(reason) => {
            count(&stats.unavailable);
            retry_later(reason)
        }
    }
}

/// What waiting for the worker came to.
enum Waited {
    /// The worker's verdict.
    Verdict(JobOutcome),
    /// The payload was abandoned before the worker took it: it is never
    /// ingested, so the client may safely send it again.
    NotIngested,
    /// The worker took the payload but no verdict came: it may or may not
    /// have been ingested.
    Unknown,
}

/// Abandons a queued payload's claim when dropped. Once the worker has taken
/// the claim this does nothing, so it may be dropped on every path; what it
/// catches is the request future being dropped mid-wait.
struct AbandonOnDrop(Arc<Claim>);

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        self.0.abandon();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_stay_within_their_budget() {
        let response = reply(StatusCode::BAD_REQUEST, "x".repeat(10 << 20));
        let size = hyper::body::Body::size_hint(response.body())
            .exact()
            .unwrap();
        assert!(size <= MAX_REPLY_BYTES as u64);
        let huge = serde_json::json!({ "rejected": vec!["y".repeat(100); 1000] });
        let response = json_reply(StatusCode::OK, &huge);
        let size = hyper::body::Body::size_hint(response.body())
            .exact()
            .unwrap();
        assert!(size <= MAX_REPLY_BYTES as u64);
    }

    #[tokio::test]
    async fn an_empty_host_binds_loopback() {
        let listener = bind(":0").await.unwrap();
        assert!(listener.local_addr().unwrap().ip().is_loopback());
    }

    #[test]
    fn the_connection_cap_stays_below_the_descriptor_limit() {
        let limits = Limits {
            max_connections: usize::MAX,
            ..Limits::default()
        }
        .within_descriptor_limit();
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct it is given.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        assert!((limits.max_connections as u64) <= limit.rlim_cur / 2);
    }
}

//! Where plugin payloads come from: an HTTP(S) webhook endpoint (what
//! kube-apiserver's audit webhook backend posts to) and files or standard
//! input for replay. Ingress only frames and vets payloads; the source
//! plugin splits them into events.

pub mod framing;
pub mod tls;
pub mod webhook;

use crate::sources::plugin::IngestReport;
use tokio::sync::oneshot;

/// One payload on its way to a plugin source's worker.
#[derive(Debug)]
pub struct Job {
    /// The payload (one JSON document).
    pub payload: Vec<u8>,
    /// Where to say what became of it, when someone is waiting (a webhook client).
    pub reply: Option<oneshot::Sender<JobOutcome>>,
}

/// What became of a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobOutcome {
    /// The plugin read it.
    Ingested(IngestReport),
    /// The plugin faulted on it; the payload is lost, the instance restarted.
    Fault(String),
    /// The plugin is restarting or refused it; try again later.
    Unavailable(String),
}

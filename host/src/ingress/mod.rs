//! Where plugin payloads come from: an HTTP(S) webhook endpoint (what
//! kube-apiserver's audit webhook backend posts to) and files or standard
//! input for replay. Ingress only frames and vets payloads; the source
//! plugin splits them into events.
//!
//! Everything that arrives here is hostile until proven otherwise: every
//! listener binds loopback unless told otherwise, bounds how long each step
//! of a request may take and how many connections it holds, and every
//! reply has a byte budget (see [`webhook`]).

pub mod framing;
pub mod tls;
pub mod webhook;

use crate::sources::plugin::IngestReport;
use std::sync::atomic::{AtomicU8, Ordering};
use tokio::sync::oneshot;

/// One payload on its way to a plugin source's worker.
#[derive(Debug)]
pub struct Job {
    /// The payload (one JSON document).
    pub payload: Vec<u8>,
    /// Where to say what became of it, when someone is waiting (a webhook client).
    pub reply: Option<oneshot::Sender<JobOutcome>>,
    /// Who decided the payload's fate first, when someone is waiting.
    pub claim: std::sync::Arc<Claim>,
}

/// Decides, once, whether a queued payload is ingested or abandoned: the
/// worker claims it before handing it to the plugin, the endpoint abandons
/// it when it gives up waiting and answers 503. Whoever comes second loses,
/// so a payload answered 503 (which the client will send again) is never
/// ingested as well, and one being ingested is never answered 503.
#[derive(Debug, Default)]
pub struct Claim(AtomicU8);

const PENDING: u8 = 0;
const TAKEN: u8 = 1;
const ABANDONED: u8 = 2;

impl Claim {
    /// The worker's side: true if the payload may be ingested now.
    pub fn take(&self) -> bool {
        self.0
            .compare_exchange(PENDING, TAKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The endpoint's side: true if the payload will never be ingested.
    pub fn abandon(&self) -> bool {
        self.0
            .compare_exchange(PENDING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
            || self.0.load(Ordering::Acquire) == ABANDONED
    }
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

/// `text` cut to at most `max` bytes (on a character boundary), with a
/// marker when something was cut: how untrusted text (a plugin's rejection
/// reason, a parser's message) is kept within a reply's byte budget.
pub fn clip(text: &str, max: usize) -> String {
    const MARK: &str = " [cut]";
    if text.len() <= max {
        return text.to_string();
    }
    let mut cut = max.saturating_sub(MARK.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{MARK}", &text[..cut])
}

#[cfg(test)]
mod tests {
    use super::{Claim, clip};

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text_on_a_character() {
        assert_eq!(clip("short", 64), "short");
        let long = "é".repeat(100);
        let cut = clip(&long, 41);
        assert!(cut.len() <= 41, "{cut}");
        assert!(cut.ends_with(" [cut]"));
    }

    #[test]
    fn a_claim_is_decided_once() {
        let claim = Claim::default();
        assert!(claim.take());
        assert!(!claim.abandon());
        let claim = Claim::default();
        assert!(claim.abandon());
        assert!(claim.abandon());
        assert!(!claim.take());
    }
}

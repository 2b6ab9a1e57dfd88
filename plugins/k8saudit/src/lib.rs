//! `k8saudit`: Kubernetes audit events (`audit.k8s.io/v1`) as the Lanner
//! `k8s_audit` source, compatible with Falco's k8saudit plugin 0.18.0 so the
//! upstream rules load and behave the same.
//!
//! The host owns ingress (the audit webhook endpoint, replayed files) and
//! hands each received document to [`Source::ingest`], which splits it into
//! events (see [`ingest`]), each the raw text of one audit event. At
//! extraction an event is read once into an [`Event`] holding only what
//! fields use (see [`event`]), and every `ka.*` field is computed from it
//! (see [`fields`]).
//!
//! A few upstream bugs are fixed rather than reproduced; each fix is
//! documented where it is made: `ka.sourceips`, the `eff_run_as_*` fields,
//! image repositories with a registry port, and
//! `ka.req.binding.subject.has_name`.

pub mod config;
pub mod event;
pub mod fields;
pub mod ingest;
pub mod json;
pub mod validate;

pub use config::Config;
pub use event::Event;
use lanner_plugin_sdk::{EventRef, Field, Ingested, Plugin, Source};

/// The k8saudit plugin.
pub struct K8sAudit {
    /// Largest accepted event in bytes, as received.
    max_event_size: u64,
}

impl Plugin for K8sAudit {
    const NAME: &'static str = "k8saudit";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Reads Kubernetes audit events (audit.k8s.io/v1) and extracts the ka.* fields.";
    const CONTACT: &'static str = "https://github.com/lanner-dev/lanner";
    const EVENT_SOURCE: Option<&'static str> = Some("k8s_audit");
    const CONFIG_SCHEMA: Option<&'static str> = Some(config::SCHEMA);

    type Config = Config;
    /// The parts of the event fields read; `parse` guarantees an `auditID`.
    type Parsed = Event;

    fn new(config: Config) -> Result<Self, String> {
        if config.max_event_size == 0 {
            return Err("maxEventSize must be at least 1".to_owned());
        }
        Ok(Self {
            max_event_size: config.max_event_size,
        })
    }

    fn fields() -> Vec<Field<Self>> {
        fields::table()
    }

    /// Events without an `auditID` yield no field at all, as upstream: such
    /// a document is not an audit event, whatever else it holds.
    fn parse(&self, event: &EventRef<'_>) -> Option<Event> {
        Event::parse(event.data)
    }
}

impl Source for K8sAudit {
    /// One payload is one JSON document: a webhook body (an `EventList`), a
    /// line of an audit log file (an `Event`), or an array of either.
    fn ingest(&mut self, payload: &[u8], out: &mut Ingested) {
        ingest::split(payload, self.max_event_size, out);
    }
}

lanner_plugin_sdk::export_source_plugin!(K8sAudit);

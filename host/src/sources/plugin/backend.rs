//! What a pipeline needs from one plugin. In a run that is a supervised
//! wasm instance; benchmarks plug in a native build of the same plugin crate.

use crate::plugin::{FaultReport, Supervisor, supervisor::Unavailable, wit};
use std::time::Instant;

/// One plugin as a pipeline drives it.
pub trait PluginBackend: Send {
    /// The plugin's name, for messages.
    fn name(&self) -> &str;

    /// Splits a payload into events.
    fn ingest(&mut self, payload: &[u8]) -> Result<wit::Ingested, Unavailable>;

    /// Events the plugin produces by itself.
    fn next_batch(
        &mut self,
        max_events: u32,
    ) -> Result<Result<Vec<wit::Event>, wit::BatchEnd>, Unavailable>;

    /// Extracts `requests` from `events`, event-major.
    fn extract(
        &mut self,
        events: &[wit::EventRef],
        requests: &[wit::FieldRequest],
    ) -> Result<Vec<wit::FieldValue>, Unavailable>;

    /// Faults since the last call, for internal alerts.
    fn take_faults(&mut self) -> Vec<FaultReport> {
        Vec::new()
    }

    /// When the plugin can next be called.
    fn ready_at(&self) -> Instant {
        Instant::now()
    }
}

impl PluginBackend for Supervisor {
    fn name(&self) -> &str {
        &self.plugin().info.name
    }

    fn ingest(&mut self, payload: &[u8]) -> Result<wit::Ingested, Unavailable> {
        Supervisor::ingest(self, payload)
    }

    fn next_batch(
        &mut self,
        max_events: u32,
    ) -> Result<Result<Vec<wit::Event>, wit::BatchEnd>, Unavailable> {
        Supervisor::next_batch(self, max_events)
    }

    fn extract(
        &mut self,
        events: &[wit::EventRef],
        requests: &[wit::FieldRequest],
    ) -> Result<Vec<wit::FieldValue>, Unavailable> {
        Supervisor::extract(self, events, requests)
    }

    fn take_faults(&mut self) -> Vec<FaultReport> {
        Supervisor::take_faults(self)
    }

    fn ready_at(&self) -> Instant {
        Supervisor::ready_at(self)
    }
}

//! What a pipeline needs from one plugin. In a run that is a supervised
//! wasm instance; benchmarks plug in a native build of the same plugin crate.

use crate::plugin::{
    FaultReport, PluginHost, PluginSpec, Supervisor, supervisor::Unavailable, wit,
};
use std::{sync::Arc, time::Instant};

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

    /// Starts a fresh instance now, ending a restart backoff: for when the
    /// faults that caused it belong to an earlier payload, not to the next.
    /// If the plugin cannot start, the backoff stays (that fault is the
    /// plugin's own).
    fn restart_now(&mut self) {}
}

/// A supervised instance that can be started afresh, ending its backoff:
/// what a run's pipeline drives.
pub struct Supervised {
    supervisor: Supervisor,
    host: Arc<PluginHost>,
    spec: PluginSpec,
    /// Faults of the supervisors this one replaced, so fault reports keep
    /// counting from where they were.
    earlier_faults: u64,
    /// Reports of a replaced supervisor not yet taken.
    pending: Vec<FaultReport>,
}

impl Supervised {
    /// Starts `spec`'s plugin under a supervisor.
    pub fn start(
        host: &Arc<PluginHost>,
        spec: &PluginSpec,
    ) -> Result<Self, crate::plugin::PluginError> {
        let supervisor = Supervisor::start(
            Arc::clone(host),
            spec.plugin.clone(),
            spec.init_config.clone(),
            spec.open_params.clone(),
        )?;
        Ok(Self {
            supervisor,
            host: Arc::clone(host),
            spec: spec.clone(),
            earlier_faults: 0,
            pending: Vec::new(),
        })
    }
}

impl PluginBackend for Supervised {
    fn name(&self) -> &str {
        &self.supervisor.plugin().info.name
    }

    fn ingest(&mut self, payload: &[u8]) -> Result<wit::Ingested, Unavailable> {
        self.supervisor.ingest(payload)
    }

    fn next_batch(
        &mut self,
        max_events: u32,
    ) -> Result<Result<Vec<wit::Event>, wit::BatchEnd>, Unavailable> {
        self.supervisor.next_batch(max_events)
    }

    fn extract(
        &mut self,
        events: &[wit::EventRef],
        requests: &[wit::FieldRequest],
    ) -> Result<Vec<wit::FieldValue>, Unavailable> {
        PluginBackend::extract(&mut self.supervisor, events, requests)
    }

    fn take_faults(&mut self) -> Vec<FaultReport> {
        let mut reports = std::mem::take(&mut self.pending);
        for mut report in self.supervisor.take_faults() {
            report.count += self.earlier_faults;
            reports.push(report);
        }
        reports
    }

    fn ready_at(&self) -> Instant {
        self.supervisor.ready_at()
    }

    fn restart_now(&mut self) {
        match Self::start(&self.host, &self.spec) {
            Ok(fresh) => {
                // Keep the old supervisor's reports not yet taken.
                let pending = self.take_faults();
                let earlier = self.earlier_faults + self.supervisor.total_faults();
                *self = fresh;
                self.earlier_faults = earlier;
                self.pending.extend(pending);
            }
            Err(e) => {
                tracing::warn!(plugin = %self.name(), "restarting the plugin: {e}; it keeps backing off")
            }
        }
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

//! Keeps one plugin instance alive: a fault (deadline, memory cap, trap)
//! kills only that instance; the supervisor reports it and starts a fresh
//! one, immediately the first time and then with growing backoff while
//! faults repeat, so a plugin that dies on every call cannot spin the host.

use super::{
    CallError, Fault, FaultKind, LoadedPlugin, PluginError, PluginHost, PluginInstance, wit,
};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

/// First delay after a repeated fault; doubles per fault up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between restarts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A fault, as reported to the operator (log line and internal alert).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultReport {
    /// The fault.
    pub fault: Fault,
    /// How many faults this plugin has had so far.
    pub count: u64,
    /// When the next instance will be started.
    pub restart_in: Duration,
}

/// Why the supervisor could not serve a call.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    /// The instance faulted during this call (reported in [`Supervisor::take_faults`]).
    #[error(transparent)]
    Fault(Fault),
    /// The plugin is waiting out its backoff after repeated faults.
    #[error("plugin `{plugin}` is restarting after repeated faults; retry in {retry_in:?}")]
    Backoff {
        /// The plugin.
        plugin: String,
        /// How long until the next attempt.
        retry_in: Duration,
    },
    /// The plugin returned an error.
    #[error("{0}")]
    Refused(String),
}

/// One supervised plugin instance.
pub struct Supervisor {
    host: Arc<PluginHost>,
    plugin: LoadedPlugin,
    config: String,
    open_params: String,
    instance: Option<PluginInstance>,
    /// Faults since the last successful call.
    consecutive: u32,
    total_faults: u64,
    next_start: Instant,
    reports: Vec<FaultReport>,
}

impl Supervisor {
    /// Starts `plugin`; a bad configuration or a plugin that cannot start is an error here.
    pub fn start(
        host: Arc<PluginHost>,
        plugin: LoadedPlugin,
        config: String,
        open_params: String,
    ) -> Result<Self, PluginError> {
        let instance = host.start(&plugin, &config, &open_params)?;
        Ok(Self {
            host,
            plugin,
            config,
            open_params,
            instance: Some(instance),
            consecutive: 0,
            total_faults: 0,
            next_start: Instant::now(),
            reports: Vec::new(),
        })
    }

    /// The plugin being supervised.
    pub fn plugin(&self) -> &LoadedPlugin {
        &self.plugin
    }

    /// Faults since the last call to this, oldest first.
    pub fn take_faults(&mut self) -> Vec<FaultReport> {
        std::mem::take(&mut self.reports)
    }

    /// How many faults the plugin has had.
    pub fn total_faults(&self) -> u64 {
        self.total_faults
    }

    /// When the plugin can next be called: now, or after its backoff.
    pub fn ready_at(&self) -> Instant {
        if self.instance.is_some() {
            Instant::now()
        } else {
            self.next_start
        }
    }

    /// The live instance, starting a new one if the backoff has passed.
    fn instance(&mut self) -> Result<&mut PluginInstance, Unavailable> {
        if let Some(ref mut instance) = self.instance {
            return Ok(instance);
        }
        let now = Instant::now();
        if now < self.next_start {
            return Err(Unavailable::Backoff {
                plugin: self.plugin.info.name.clone(),
                retry_in: self.next_start - now,
            });
        }
        match self
            .host
            .start(&self.plugin, &self.config, &self.open_params)
        {
            Ok(instance) => {
                tracing::info!(plugin = %self.plugin.info.name, "plugin restarted");
                Ok(self.instance.insert(instance))
            }
            Err(error) => Err(Unavailable::Fault(self.record(Fault {
                plugin: self.plugin.info.name.clone(),
                call: "init",
                kind: FaultKind::Trap(format!("restart failed: {error}")),
            }))),
        }
    }

    /// Records a fault, drops the instance and schedules the next start.
    fn record(&mut self, fault: Fault) -> Fault {
        self.instance = None;
        self.total_faults += 1;
        let restart_in = if self.consecutive == 0 {
            Duration::ZERO
        } else {
            FIRST_BACKOFF
                .saturating_mul(1 << (self.consecutive - 1).min(16))
                .min(MAX_BACKOFF)
        };
        self.consecutive = self.consecutive.saturating_add(1);
        self.next_start = Instant::now() + restart_in;
        tracing::error!(
            plugin = %fault.plugin,
            call = fault.call,
            faults = self.total_faults,
            "{fault}; restarting in {restart_in:?}"
        );
        self.reports.push(FaultReport {
            fault: fault.clone(),
            count: self.total_faults,
            restart_in,
        });
        fault
    }

    fn settle<R>(&mut self, result: Result<R, CallError>) -> Result<R, Unavailable> {
        match result {
            Ok(value) => {
                self.consecutive = 0;
                Ok(value)
            }
            Err(CallError::Fault(fault)) => Err(Unavailable::Fault(self.record(fault))),
            Err(refused @ CallError::Refused { .. }) => {
                Err(Unavailable::Refused(refused.to_string()))
            }
        }
    }

    /// Splits a payload into events.
    pub fn ingest(&mut self, payload: &[u8]) -> Result<wit::Ingested, Unavailable> {
        let result = self.instance()?.ingest(payload).map_err(CallError::from);
        self.settle(result)
    }

    /// Self-produced events.
    pub fn next_batch(
        &mut self,
        max_events: u32,
    ) -> Result<Result<Vec<wit::Event>, wit::BatchEnd>, Unavailable> {
        let result = self
            .instance()?
            .next_batch(max_events)
            .map_err(CallError::from);
        self.settle(result)
    }

    /// Extracts `requests` from `events`, event-major.
    pub fn extract(
        &mut self,
        events: &[wit::EventRef],
        requests: &[wit::FieldRequest],
    ) -> Result<Vec<wit::FieldValue>, Unavailable> {
        let result = self.instance()?.extract(events, requests);
        self.settle(result)
    }
}

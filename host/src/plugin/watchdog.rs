//! The wall-clock watchdog: the second line behind the epoch deadline.
//!
//! The epoch deadline stops wasm code, but not a call that is blocked inside
//! the host (an import waiting on something). The sandbox links no import
//! that can wait, so this should never fire; if one ever does block, a
//! thread notices every call that has run past its deadline by a margin,
//! reports it once (an error log line naming the plugin and the call, and an
//! entry in [`stuck_calls`] for the run to raise), and marks the call so that
//! when it does return, its result is discarded and the instance is faulted
//! and replaced.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// How often the watchdog looks at the calls in flight.
const PERIOD: Duration = Duration::from_millis(100);
/// Least extra time a call gets past its deadline before it is called stuck.
const MIN_MARGIN: Duration = Duration::from_secs(1);

/// A call in flight.
struct Watched {
    plugin: String,
    call: &'static str,
    started: Instant,
    limit: Duration,
    overdue: Arc<AtomicBool>,
}

/// A call the watchdog found stuck.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StuckCall {
    /// The plugin.
    pub plugin: String,
    /// The exported function.
    pub call: &'static str,
    /// Its deadline.
    pub limit: Duration,
}

#[derive(Default)]
struct Registry {
    calls: Mutex<HashMap<u64, Watched>>,
    stuck: Mutex<Vec<StuckCall>>,
    next: AtomicU64,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    static THREAD: OnceLock<()> = OnceLock::new();
    let shared = REGISTRY.get_or_init(Registry::default);
    THREAD.get_or_init(|| {
        let spawned = std::thread::Builder::new()
            .name("lanner-watchdog".into())
            .spawn(|| {
                loop {
                    std::thread::sleep(PERIOD);
                    sweep(REGISTRY.get_or_init(Registry::default));
                }
            });
        if let Err(e) = spawned {
            tracing::error!("plugin watchdog not started: {e}");
        }
    });
    shared
}

/// Marks and reports every call past its deadline plus margin.
fn sweep(registry: &Registry) {
    let now = Instant::now();
    let mut newly_stuck = Vec::new();
    if let Ok(calls) = registry.calls.lock() {
        for watched in calls.values() {
            let margin = watched.limit.max(MIN_MARGIN);
            if now.duration_since(watched.started) > watched.limit + margin
                && !watched.overdue.swap(true, Ordering::AcqRel)
            {
                newly_stuck.push(StuckCall {
                    plugin: watched.plugin.clone(),
                    call: watched.call,
                    limit: watched.limit,
                });
            }
        }
    }
    for stuck in &newly_stuck {
        tracing::error!(
            plugin = %stuck.plugin,
            call = stuck.call,
            "plugin `{}` is stuck in `{}` well past its {:?} deadline; its instance will be replaced when the call returns",
            stuck.plugin,
            stuck.call,
            stuck.limit
        );
    }
    if !newly_stuck.is_empty()
        && let Ok(mut stuck) = registry.stuck.lock()
    {
        stuck.extend(newly_stuck);
    }
}

/// Calls found stuck since the last call to this, oldest first.
pub fn stuck_calls() -> Vec<StuckCall> {
    registry()
        .stuck
        .lock()
        .map(|mut stuck| std::mem::take(&mut *stuck))
        .unwrap_or_default()
}

/// One watched call; dropping it ends the watch.
pub struct Watch {
    id: u64,
    started: Instant,
    overdue: Arc<AtomicBool>,
}

impl Watch {
    /// Whether the watchdog found this call stuck.
    pub fn overdue(&self) -> bool {
        self.overdue.load(Ordering::Acquire)
    }

    /// How long the call has run.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Ok(mut calls) = registry().calls.lock() {
            calls.remove(&self.id);
        }
    }
}

/// Starts watching a call of `plugin` that must end within `limit`.
pub fn watch(plugin: &str, call: &'static str, limit: Duration) -> Watch {
    let registry = registry();
    let id = registry.next.fetch_add(1, Ordering::Relaxed);
    let overdue = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    if let Ok(mut calls) = registry.calls.lock() {
        calls.insert(
            id,
            Watched {
                plugin: plugin.to_string(),
                call,
                started,
                limit,
                overdue: Arc::clone(&overdue),
            },
        );
    }
    Watch {
        id,
        started,
        overdue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_blocked_past_its_deadline_is_reported_and_marked() {
        let watch = watch("stuck-plugin", "ingest", Duration::from_millis(10));
        // Stand in for a call blocked in the host: wait for the report itself.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut reported = Vec::new();
        while !watch.overdue() {
            assert!(Instant::now() < deadline, "the watchdog never fired");
            std::thread::sleep(Duration::from_millis(20));
        }
        while !reported
            .iter()
            .any(|s: &StuckCall| s.plugin == "stuck-plugin")
        {
            assert!(
                Instant::now() < deadline,
                "the stuck call was never reported"
            );
            reported.extend(stuck_calls());
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(reported.iter().any(|s| s.call == "ingest"));

        // A call that ends in time is never marked.
        let quick = super::watch("quick-plugin", "extract", Duration::from_secs(3600));
        std::thread::sleep(PERIOD * 3);
        assert!(!quick.overdue());
    }
}

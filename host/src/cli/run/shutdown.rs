//! Stopping a run: SIGINT/SIGTERM, the alert limit, or a source that ends
//! all set one flag that every source watches.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};
use tokio::sync::Notify;

/// A shared stop signal.
#[derive(Clone)]
pub struct Shutdown {
    stopped: Arc<AtomicBool>,
    notify: Arc<Notify>,
}

impl Shutdown {
    /// A stop signal that SIGINT and SIGTERM trigger.
    pub fn install() -> anyhow::Result<Self> {
        let shutdown = Self {
            stopped: Arc::new(AtomicBool::new(false)),
            notify: Arc::new(Notify::new()),
        };
        let watcher = shutdown.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                runtime.block_on(async {
                    use tokio::signal::unix::{SignalKind, signal};
                    let (Ok(mut interrupt), Ok(mut terminate)) = (
                        signal(SignalKind::interrupt()),
                        signal(SignalKind::terminate()),
                    ) else {
                        tracing::warn!("cannot watch SIGINT/SIGTERM");
                        return;
                    };
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                    watcher.trigger();
                });
            })?;
        Ok(shutdown)
    }

    /// Asks every source to stop.
    pub fn trigger(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Whether a stop was asked for.
    pub fn is_set(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Resolves once a stop is asked for.
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            // Registered before the check, so a trigger in between is not missed.
            notified.as_mut().enable();
            if self.is_set() {
                return;
            }
            notified.await;
        }
    }
}

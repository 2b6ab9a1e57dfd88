//! Where alerts go: standard output, as text or Falco's JSON, shared by
//! every source thread, with an optional limit on how many are printed.

use super::shutdown::Shutdown;
use crate::engine::output::{Alert, TimeStyle};
use std::{
    io::{BufWriter, Stdout, Write},
    sync::Mutex,
};

/// Prints alerts from every source, one line each.
pub struct AlertSink {
    json: bool,
    time_style: TimeStyle,
    limit: Option<u64>,
    state: Mutex<(BufWriter<Stdout>, u64)>,
    /// Stopped when the limit is reached.
    shutdown: Shutdown,
}

impl AlertSink {
    /// A sink printing JSON or text; after `limit` alerts it stops the run.
    pub fn new(json: bool, time_style: TimeStyle, limit: Option<u64>, shutdown: Shutdown) -> Self {
        Self {
            json,
            time_style,
            limit,
            state: Mutex::new((BufWriter::new(std::io::stdout()), 0)),
            shutdown,
        }
    }

    /// Prints `alerts` and flushes; false once the limit is reached (the run should stop).
    pub fn emit(&self, alerts: &[Alert]) -> bool {
        // A thread that panicked while printing poisons the lock; the
        // writer is still whole, and the alert about that panic must print.
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (out, printed) = &mut *state;
        for alert in alerts {
            if self.limit.is_some_and(|limit| *printed >= limit) {
                break;
            }
            let line = if self.json {
                alert.json(self.time_style)
            } else {
                alert.text(self.time_style)
            };
            if writeln!(out, "{line}").is_err() {
                return false;
            }
            *printed += 1;
        }
        // Alerts must be visible as they happen, not when a buffer fills.
        let _ = out.flush();
        let more = self.limit.is_none_or(|limit| *printed < limit);
        if !more {
            self.shutdown.trigger();
        }
        more
    }

    /// Flushes standard output.
    pub fn flush(&self) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = state.0.flush();
    }
}

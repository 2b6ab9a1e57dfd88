//! `heartbeat`: the smallest useful Lanner source plugin. It emits an event
//! every `interval_ms` milliseconds carrying a counter, and extracts that
//! counter as `heartbeat.beat`. It proves the contract end to end and is the
//! template for new plugins.

use lanner_plugin_sdk::{
    BatchEnd, Event, EventRef, Field, FieldType, Ingested, Plugin, Source, Value,
};
use serde::Deserialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The heartbeat plugin.
pub struct Heartbeat {
    interval: Duration,
    next_beat: u64,
    last: Option<SystemTime>,
}

/// Configuration: how often to beat.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Milliseconds between beats (default 1000).
    #[serde(default = "default_interval")]
    interval_ms: u64,
}

fn default_interval() -> u64 {
    1000
}

impl Plugin for Heartbeat {
    const NAME: &'static str = "heartbeat";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Emits a heartbeat event at a fixed interval.";
    const CONTACT: &'static str = "https://github.com/lanner-dev/lanner";
    const EVENT_SOURCE: Option<&'static str> = Some("heartbeat");
    const CONFIG_SCHEMA: Option<&'static str> = Some(
        r#"{"type":"object","properties":{"interval_ms":{"type":"integer","minimum":1}},"additionalProperties":false}"#,
    );

    type Config = Config;
    type Parsed = u64;

    fn new(config: Config) -> Result<Self, String> {
        Ok(Self {
            interval: Duration::from_millis(config.interval_ms),
            next_beat: 1,
            last: None,
        })
    }

    fn fields() -> Vec<Field<Self>> {
        vec![Field::new(
            "heartbeat.beat",
            FieldType::U64,
            "The beat's sequence number, from 1.",
            |_, beat: &u64, _| Value::Number(*beat),
        )]
    }

    fn parse(&self, event: &EventRef<'_>) -> Option<u64> {
        std::str::from_utf8(event.data).ok()?.parse().ok()
    }
}

impl Source for Heartbeat {
    /// Heartbeats come from the clock, not from payloads.
    fn ingest(&mut self, _payload: &[u8], out: &mut Ingested) {
        out.reject("heartbeat takes no input");
    }

    fn next_batch(&mut self, max_events: u32, out: &mut Vec<Event>) -> Result<(), BatchEnd> {
        let now = SystemTime::now();
        let due = self
            .last
            .is_none_or(|last| now.duration_since(last).unwrap_or_default() >= self.interval);
        if due && max_events > 0 {
            self.last = Some(now);
            let timestamp_ns = now
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            out.push(Event {
                timestamp_ns,
                data: self.next_beat.to_string().into_bytes(),
            });
            self.next_beat += 1;
        }
        Ok(())
    }
}

lanner_plugin_sdk::export_source_plugin!(Heartbeat);

#[cfg(test)]
mod tests {
    use super::*;
    use lanner_plugin_sdk::{Request, Runner, runner::RequestArg};

    #[test]
    fn beats_and_extracts_the_counter() {
        let mut runner = Runner::<Heartbeat>::new(r#"{"interval_ms": 1}"#).unwrap();
        let events = runner.next_batch(10).unwrap();
        assert_eq!(events.len(), 1);
        let event = EventRef {
            number: 1,
            timestamp_ns: events[0].timestamp_ns,
            data: &events[0].data,
        };
        let values = runner
            .extract(
                &[event],
                &[Request {
                    field: 0,
                    arg: RequestArg::None,
                }],
            )
            .unwrap();
        assert_eq!(values, vec![Value::Number(1)]);
    }

    #[test]
    fn refuses_unknown_configuration() {
        assert!(Runner::<Heartbeat>::new(r#"{"interval": 1}"#).is_err());
    }
}

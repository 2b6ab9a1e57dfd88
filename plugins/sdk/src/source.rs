//! Event sourcing: payloads in, events out.

use crate::Plugin;

/// An event a source produced: when it happened and its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Nanoseconds since the Unix epoch; [`Event::NOW`] lets the host stamp it.
    pub timestamp_ns: u64,
    /// The payload (for JSON sources, one document).
    pub data: Vec<u8>,
}

impl Event {
    /// A timestamp that asks the host to stamp the event with the current time.
    pub const NOW: u64 = u64::MAX;
}

/// An event handed to extraction.
#[derive(Clone, Copy, Debug)]
pub struct EventRef<'a> {
    /// Sequence number within its source; the same number means the same event.
    pub number: u64,
    /// Nanoseconds since the Unix epoch.
    pub timestamp_ns: u64,
    /// The payload.
    pub data: &'a [u8],
}

/// What became of one payload: the events found and the parts rejected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ingested {
    /// Events, in payload order.
    pub events: Vec<Event>,
    /// One message per rejected part.
    pub rejected: Vec<String>,
}

impl Ingested {
    /// Adds an event.
    pub fn event(&mut self, timestamp_ns: u64, data: Vec<u8>) {
        self.events.push(Event { timestamp_ns, data });
    }

    /// Records a part of the payload that is not an event, and why.
    pub fn reject(&mut self, reason: impl Into<String>) {
        self.rejected.push(reason.into());
    }
}

/// Why a source stopped producing events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchEnd {
    /// The source is finished.
    Eof,
    /// The source failed.
    Failure(String),
}

/// A plugin that produces events of its own source.
///
/// Payloads the host receives for the source (webhook bodies, lines or
/// documents of a replayed file) go through [`Source::ingest`]; events the
/// plugin makes by itself come from [`Source::next_batch`].
pub trait Source: Plugin {
    /// Starts the source with the operator's open parameters.
    fn open(&mut self, params: &str) -> Result<(), String> {
        let _ = params;
        Ok(())
    }

    /// Splits one payload into events; rejects bad parts one by one.
    fn ingest(&mut self, payload: &[u8], out: &mut Ingested);

    /// Appends at most `max_events` self-produced events to `out`; none means nothing now.
    fn next_batch(&mut self, max_events: u32, out: &mut Vec<Event>) -> Result<(), BatchEnd> {
        let _ = (max_events, out);
        Ok(())
    }
}

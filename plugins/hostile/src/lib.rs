//! `hostile`: a source plugin that misbehaves on request, so the host's test
//! suite can prove that a faulty plugin is contained (time limits, memory
//! cap, trap handling, validation of what comes back) and the host lives on.
//!
//! Without a trigger it is an ordinary source: each non-empty line of an
//! ingested payload is one event, and three fields describe the event.
//!
//! # Triggers
//!
//! Lines and event data are compared byte for byte, after dropping a
//! trailing `\r` from the line (so CRLF payloads behave the same) and
//! unwrapping a one-string JSON array: `["loop"]` triggers like `loop`, so
//! triggers also travel through ingress that only accepts JSON documents
//! (webhooks, replayed files).
//!
//! At **ingest**, a line that is exactly
//! - `loop`: spins forever;
//! - `bomb`: allocates 1 MiB chunks filled with non-zero bytes, all kept
//!   alive, until the host's memory cap stops it;
//! - `trap`: panics with "hostile plugin asked to trap";
//! - `malformed`: emits an event with empty data and timestamp 0, then goes
//!   on with the following lines;
//! - `sleep`: sleeps for an hour (a WASI clock subscription and poll, where
//!   no epoch deadline can reach);
//! - `log-flood`: writes errors to the host's log forever (a busy loop
//!   that spends its time inside a host call);
//! - `alias`: returns 4096 events whose data all point at one 1 MiB buffer
//!   (4 GiB for the host to copy from 1 MiB of plugin memory);
//! - `probe-sandbox`: tries to read files and list environment variables,
//!   and emits an event whose data says what worked:
//!   `fs=<ok|denied> env=<count>`. (Sockets cannot even be imported: the
//!   `hostile-net` plugin shows that.)
//!
//! Lines before a fatal trigger are already split into events but never
//! returned, since the call does not return. Every other line, including
//! `extract-*` ones, becomes an event whose data is the line and whose
//! timestamp is a counter starting at 1 (never 0).
//!
//! At **extract**, an event whose data is exactly
//! - `extract-loop`: spins forever;
//! - `extract-bomb`: allocates without bound, as above;
//! - `extract-trap`: panics;
//! - `extract-malformed`: returns values of the wrong type: text `"0"` for
//!   the u64 field `hostile.len`, text `"not-an-ip"` for the ipaddr field
//!   `hostile.ip` (and the data, normally, for `hostile.text`);
//! - `extract-short`: returns a list for every field although none is a list
//!   field (`Texts([])` for `hostile.text` and `hostile.ip`, `Numbers([])`
//!   for `hostile.len`). The SDK always returns one value per request, so a
//!   wrong value *shape* is the closest this plugin can come to a short
//!   answer.
//!
//! The loop, bomb and trap run while the event is parsed, so they happen
//! whatever fields are requested.
//!
//! At **init**, the configuration `{"misbehave_in_init": "loop" | "bomb" |
//! "trap"}` commits that fault before the plugin exists; `"none"` (the
//! default) behaves.

mod misbehave;

use lanner_plugin_sdk::{EventRef, Field, FieldType, Ingested, Plugin, Source, Value};
pub use misbehave::Fault;
use serde::Deserialize;
use std::net::IpAddr;

/// The hostile plugin: an event counter for timestamps.
pub struct Hostile {
    /// The timestamp of the next ingested event.
    next_timestamp: u64,
}

/// Configuration.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The fault to commit in `init` (default: none).
    #[serde(default)]
    misbehave_in_init: Fault,
}

/// How an event will be extracted, decided once when it is parsed.
pub enum Parsed {
    /// Normal values from the event data.
    Normal(Vec<u8>),
    /// Wrong-typed values (`extract-malformed`).
    WrongType(Vec<u8>),
    /// List values for non-list fields (`extract-short`).
    WrongShape,
}

impl Plugin for Hostile {
    const NAME: &'static str = "hostile";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Misbehaves on request (loop, memory bomb, trap, malformed values) to test host isolation.";
    const CONTACT: &'static str = "https://github.com/lanner-dev/lanner";
    const EVENT_SOURCE: Option<&'static str> = Some("hostile");
    const CONFIG_SCHEMA: Option<&'static str> = Some(
        r#"{"type":"object","properties":{"misbehave_in_init":{"type":"string","enum":["none","loop","bomb","trap"]}},"additionalProperties":false}"#,
    );

    type Config = Config;
    type Parsed = Parsed;

    fn new(config: Config) -> Result<Self, String> {
        config.misbehave_in_init.commit();
        Ok(Self { next_timestamp: 1 })
    }

    fn fields() -> Vec<Field<Self>> {
        vec![
            Field::string(
                "hostile.text",
                "The event data as text.",
                |parsed, _| match parsed {
                    Parsed::Normal(data) | Parsed::WrongType(data) => {
                        Value::Text(String::from_utf8_lossy(data).into_owned())
                    }
                    Parsed::WrongShape => Value::Texts(Vec::new()),
                },
            ),
            Field::new(
                "hostile.len",
                FieldType::U64,
                "The event data's length in bytes.",
                |_, parsed: &Parsed, _| match parsed {
                    Parsed::Normal(data) => Value::Number(data.len() as u64),
                    Parsed::WrongType(_) => Value::Text("0".into()),
                    Parsed::WrongShape => Value::Numbers(Vec::new()),
                },
            ),
            Field::new(
                "hostile.ip",
                FieldType::IpAddr,
                "The event data, when it is an IP address.",
                |_, parsed: &Parsed, _| match parsed {
                    Parsed::Normal(data) => Value::text(as_ip(data)),
                    Parsed::WrongType(_) => Value::Text("not-an-ip".into()),
                    Parsed::WrongShape => Value::Texts(Vec::new()),
                },
            ),
        ]
    }

    fn parse(&self, event: &EventRef<'_>) -> Option<Parsed> {
        match command(event.data) {
            b"extract-loop" => misbehave::spin(),
            b"extract-bomb" => misbehave::bomb(),
            b"extract-trap" => misbehave::trap(),
            b"extract-malformed" => Some(Parsed::WrongType(event.data.to_vec())),
            b"extract-short" => Some(Parsed::WrongShape),
            data => Some(Parsed::Normal(data.to_vec())),
        }
    }
}

/// The trigger a line or event carries: the text itself, or the one string
/// of a `["..."]` JSON array.
fn command(data: &[u8]) -> &[u8] {
    data.strip_prefix(b"[\"")
        .and_then(|rest| rest.strip_suffix(b"\"]"))
        .unwrap_or(data)
}

/// Tries what a sandboxed plugin must not be able to do, and says what
/// happened: `fs=<ok|denied> env=<variables seen>`.
fn sandbox_report() -> String {
    let fs = std::fs::read("/etc/passwd").is_ok() || std::fs::read_dir("/").is_ok();
    let env = std::env::vars_os().count();
    let verdict = |allowed: bool| if allowed { "ok" } else { "denied" };
    format!("fs={} env={env}", verdict(fs))
}

/// The data as an IP address in canonical text, if it is one.
fn as_ip(data: &[u8]) -> Option<String> {
    let ip: IpAddr = std::str::from_utf8(data).ok()?.parse().ok()?;
    Some(ip.to_string())
}

impl Source for Hostile {
    fn ingest(&mut self, payload: &[u8], out: &mut Ingested) {
        for line in payload.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            match command(line) {
                b"" => {}
                b"loop" => misbehave::spin(),
                b"bomb" => misbehave::bomb(),
                b"trap" => misbehave::trap(),
                b"malformed" => out.event(0, Vec::new()),
                b"sleep" => misbehave::sleep(),
                b"log-flood" => misbehave::log_flood(),
                b"alias" => misbehave::aliased_events(out),
                b"probe-sandbox" => {
                    out.event(self.next_timestamp, sandbox_report().into_bytes());
                    self.next_timestamp = self.next_timestamp.saturating_add(1);
                }
                _ => {
                    out.event(self.next_timestamp, line.to_vec());
                    self.next_timestamp = self.next_timestamp.saturating_add(1);
                }
            }
        }
    }
}

lanner_plugin_sdk::export_source_plugin!(Hostile);

#[cfg(test)]
mod tests {
    use super::*;
    use lanner_plugin_sdk::runner::RequestArg;
    use lanner_plugin_sdk::{Event, Request, Runner};

    fn runner() -> Runner<Hostile> {
        Runner::<Hostile>::new("").expect("empty configuration is valid")
    }

    fn all_fields() -> Vec<Request> {
        (0..3)
            .map(|field| Request {
                field,
                arg: RequestArg::None,
            })
            .collect()
    }

    fn extract(runner: &mut Runner<Hostile>, number: u64, data: &[u8]) -> Vec<Value> {
        let event = EventRef {
            number,
            timestamp_ns: 1,
            data,
        };
        runner
            .extract(&[event], &all_fields())
            .expect("field ids are in range")
    }

    #[test]
    fn declares_three_fields() {
        let infos = Runner::<Hostile>::field_infos();
        let shape: Vec<(&str, FieldType, bool)> = infos
            .iter()
            .map(|f| (f.name.as_str(), f.ty, f.is_list))
            .collect();
        assert_eq!(
            shape,
            [
                ("hostile.text", FieldType::String, false),
                ("hostile.len", FieldType::U64, false),
                ("hostile.ip", FieldType::IpAddr, false),
            ]
        );
    }

    #[test]
    fn each_non_empty_line_is_an_event() {
        let mut runner = runner();
        let out = runner.ingest(b"one\n\ntwo\r\nextract-trap\n");
        assert!(out.rejected.is_empty());
        assert_eq!(
            out.events,
            [
                Event {
                    timestamp_ns: 1,
                    data: b"one".to_vec()
                },
                Event {
                    timestamp_ns: 2,
                    data: b"two".to_vec()
                },
                Event {
                    timestamp_ns: 3,
                    data: b"extract-trap".to_vec()
                },
            ]
        );
        // The counter carries across payloads.
        assert_eq!(runner.ingest(b"three").events[0].timestamp_ns, 4);
    }

    #[test]
    fn malformed_line_yields_an_empty_zero_time_event_and_continues() {
        let out = runner().ingest(b"a\nmalformed\nb");
        assert_eq!(
            out.events,
            [
                Event {
                    timestamp_ns: 1,
                    data: b"a".to_vec()
                },
                Event {
                    timestamp_ns: 0,
                    data: Vec::new()
                },
                Event {
                    timestamp_ns: 2,
                    data: b"b".to_vec()
                },
            ]
        );
    }

    #[test]
    fn extracts_normal_values() {
        let mut runner = runner();
        assert_eq!(
            extract(&mut runner, 1, b"hello"),
            [Value::Text("hello".into()), Value::Number(5), Value::Absent]
        );
        assert_eq!(
            extract(&mut runner, 2, b"10.0.0.1"),
            [
                Value::Text("10.0.0.1".into()),
                Value::Number(8),
                Value::Text("10.0.0.1".into())
            ]
        );
        assert_eq!(
            extract(&mut runner, 3, b""),
            [Value::Text(String::new()), Value::Number(0), Value::Absent]
        );
    }

    #[test]
    fn extract_malformed_returns_wrong_types() {
        assert_eq!(
            extract(&mut runner(), 1, b"extract-malformed"),
            [
                Value::Text("extract-malformed".into()),
                Value::Text("0".into()),
                Value::Text("not-an-ip".into())
            ]
        );
    }

    #[test]
    fn extract_short_returns_lists_for_scalar_fields() {
        assert_eq!(
            extract(&mut runner(), 1, b"extract-short"),
            [
                Value::Texts(Vec::new()),
                Value::Numbers(Vec::new()),
                Value::Texts(Vec::new())
            ]
        );
    }

    #[test]
    fn triggers_may_be_wrapped_in_a_json_array() {
        assert_eq!(command(b"[\"loop\"]"), b"loop");
        assert_eq!(command(b"loop"), b"loop");
        assert_eq!(command(b"[\"a\", \"b\"]"), b"a\", \"b");
        let mut runner = runner();
        let ingested = runner.ingest(b"[\"malformed\"]\n[\"hello\"]");
        assert_eq!(ingested.events.len(), 2);
        assert_eq!(ingested.events[1].data, b"[\"hello\"]".to_vec());
    }

    #[test]
    fn configuration() {
        assert!(Runner::<Hostile>::new(r#"{"misbehave_in_init": "none"}"#).is_ok());
        assert!(Runner::<Hostile>::new(r#"{"misbehave_in_init": "explode"}"#).is_err());
        assert!(Runner::<Hostile>::new(r#"{"other": 1}"#).is_err());
    }
}

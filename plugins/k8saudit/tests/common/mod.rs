//! Shared test harness: drives the plugin through the SDK's native runner,
//! addressing fields by name so tests read like rule conditions.

#![allow(dead_code)] // each test binary uses a different subset

use lanner_plugin_k8saudit::K8sAudit;
use lanner_plugin_sdk::runner::RequestArg;
use lanner_plugin_sdk::{EventRef, Ingested, Request, Runner, Value};

/// The fixture `name` from `tests/fixtures/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A configured plugin plus a counter that gives each extraction its own
/// event number, so the runner's parse cache never serves a stale event.
pub struct Harness {
    pub runner: Runner<K8sAudit>,
    next_number: u64,
}

impl Harness {
    pub fn new() -> Self {
        Self::with_config("{}")
    }

    pub fn with_config(config: &str) -> Self {
        Self {
            runner: Runner::<K8sAudit>::new(config).expect("valid configuration"),
            next_number: 0,
        }
    }

    pub fn ingest(&mut self, payload: &[u8]) -> Ingested {
        self.runner.ingest(payload)
    }

    /// Ingests a fixture that must hold exactly one good event; returns its data.
    pub fn event(&mut self, name: &str) -> Vec<u8> {
        let out = self.ingest(&fixture(name));
        assert!(out.rejected.is_empty(), "{name}: {:?}", out.rejected);
        assert_eq!(out.events.len(), 1, "{name}");
        out.events[0].data.clone()
    }

    /// Extracts field `name` with `arg` from event `data`.
    pub fn get(&mut self, data: &[u8], name: &str, arg: RequestArg) -> Value {
        let field = field_id(name);
        self.next_number += 1;
        let event = EventRef {
            number: self.next_number,
            timestamp_ns: 0,
            data,
        };
        let mut values = self
            .runner
            .extract(&[event], &[Request { field, arg }])
            .expect("field id is valid");
        assert_eq!(values.len(), 1);
        values.remove(0)
    }

    /// Extracts every request from event `data` in one call (one parse).
    pub fn get_many(&mut self, data: &[u8], requests: &[Request]) -> Vec<Value> {
        self.next_number += 1;
        let event = EventRef {
            number: self.next_number,
            timestamp_ns: 0,
            data,
        };
        let values = self
            .runner
            .extract(&[event], requests)
            .expect("field ids are valid");
        assert_eq!(values.len(), requests.len());
        values
    }

    /// `name` without argument.
    pub fn field(&mut self, data: &[u8], name: &str) -> Value {
        self.get(data, name, RequestArg::None)
    }

    /// `name[index]`.
    pub fn at(&mut self, data: &[u8], name: &str, index: u64) -> Value {
        self.get(data, name, RequestArg::Index(index))
    }

    /// `name[key]`.
    pub fn key(&mut self, data: &[u8], name: &str, key: &str) -> Value {
        self.get(data, name, RequestArg::Key(key.to_owned()))
    }
}

/// The id of field `name`; panics when the plugin has no such field.
pub fn field_id(name: &str) -> u32 {
    let infos = Runner::<K8sAudit>::field_infos();
    let index = infos
        .iter()
        .position(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field {name}"));
    u32::try_from(index).expect("fewer than 2^32 fields")
}

/// A text value.
pub fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// A list-of-texts value.
pub fn texts(items: &[&str]) -> Value {
    Value::Texts(items.iter().map(|s| (*s).to_owned()).collect())
}

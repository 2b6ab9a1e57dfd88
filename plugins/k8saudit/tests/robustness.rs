//! Hostile input never panics: truncated and corrupted fixtures, random
//! bytes and absurd nesting go through ingest and then through every field.

mod common;

use common::{Harness, fixture};
use lanner_plugin_k8saudit::K8sAudit;
use lanner_plugin_sdk::runner::RequestArg;
use lanner_plugin_sdk::{ArgSpec, Request, Runner};

const FIXTURES: [&str; 7] = [
    "pod_create.json",
    "clusterrolebinding.json",
    "role.json",
    "configmap.json",
    "exec.json",
    "service.json",
    "webhook_eventlist.json",
];

/// A tiny deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every field with no argument and with the arguments it may take, in one
/// extraction call so the event is parsed once.
fn extract_everything(h: &mut Harness, data: &[u8]) {
    let mut requests = Vec::new();
    for (field, info) in (0u32..).zip(Runner::<K8sAudit>::field_infos()) {
        let mut args = vec![RequestArg::None];
        match info.arg {
            ArgSpec::OptionalIndex | ArgSpec::RequiredIndex => {
                args.extend([0, 1, 7, u64::MAX].map(RequestArg::Index));
            }
            ArgSpec::OptionalKey | ArgSpec::RequiredKey => {
                args.extend(
                    ["", "*", "/", "command", "%", "/etc*"].map(|k| RequestArg::Key(k.to_owned())),
                );
            }
            ArgSpec::None => {}
        }
        requests.extend(args.into_iter().map(|arg| Request { field, arg }));
    }
    let _ = h.get_many(data, &requests);
}

/// Ingests `payload` and extracts every field of every event it yields, and
/// of the payload itself taken as an event.
fn churn(h: &mut Harness, payload: &[u8]) {
    let out = h.ingest(payload);
    for event in &out.events {
        extract_everything(h, &event.data);
    }
    extract_everything(h, payload);
}

#[test]
fn truncated_fixtures_never_panic() {
    let mut h = Harness::new();
    for name in FIXTURES {
        let raw = fixture(name);
        for len in 0..raw.len() {
            let out = h.ingest(&raw[..len]);
            // Only the whole document (give or take trailing whitespace) is an event.
            assert!(
                out.events.is_empty() || len + 2 >= raw.len(),
                "{name}[..{len}]"
            );
            assert!(
                !out.rejected.is_empty() || !out.events.is_empty(),
                "{name}[..{len}]"
            );
            extract_everything(&mut h, &raw[..len]);
        }
    }
}

#[test]
fn corrupted_fixtures_never_panic() {
    let mut h = Harness::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let specials = b"{}[]\":,0-.eE\\ntfu\x00\xff";
    for name in FIXTURES {
        let raw = fixture(name);
        for _ in 0..60 {
            let mut data = raw.clone();
            for _ in 0..=rng.below(4) {
                let at = rng.below(data.len());
                match rng.below(3) {
                    0 => data[at] = specials[rng.below(specials.len())],
                    1 => {
                        data.remove(at);
                    }
                    _ => data.insert(at, specials[rng.below(specials.len())]),
                }
            }
            churn(&mut h, &data);
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut h = Harness::new();
    let mut rng = Rng(42);
    for _ in 0..300 {
        let len = rng.below(200);
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        churn(&mut h, &data);
    }
}

#[test]
fn absurd_nesting_is_rejected_not_overflowed() {
    let mut h = Harness::new();
    for depth in [127, 129, 100_000] {
        let payload = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let out = h.ingest(payload.as_bytes());
        assert!(out.events.is_empty());
        extract_everything(&mut h, payload.as_bytes());
    }
    let deep_object = format!(
        r#"{{"kind":"Event","auditID":"a","stageTimestamp":"2026-11-28T10:00:01Z","requestObject":{}{}}}"#,
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    let out = h.ingest(deep_object.as_bytes());
    assert_eq!((out.events.len(), out.rejected.len()), (0, 1));
}

#[test]
fn odd_but_valid_shapes_never_panic() {
    let mut h = Harness::new();
    let shapes = [
        r#"{"auditID":"a","requestObject":{"spec":{"containers":{"a":1},"volumes":"x","initContainers":[null,1,"s",[]],"securityContext":[]}}}"#,
        r#"{"auditID":"a","requestObject":{"spec":{"containers":[{"image":7,"ports":[null,1,{"hostPort":null}],"command":[null,{"a":1}],"securityContext":{"capabilities":{"add":"ALL"}}}]}}}"#,
        r#"{"auditID":"a","requestObject":{"rules":[null,{"verbs":"get"},{"verbs":[null,"list"]}],"subjects":[null,{"kind":"User"},{"kind":"ServiceAccount","name":1,"namespace":2}]}}"#,
        r#"{"auditID":"a","requestURI":"/?%=1&=&&a=%&%FF=b","objectRef":{"resource":"pods","subresource":""},"responseObject":{"metadata":{"name":"p"}}}"#,
        r#"{"auditID":"a","sourceIPs":"1.2.3.4","annotations":[],"user":"bob"}"#,
    ];
    for shape in shapes {
        extract_everything(&mut h, shape.as_bytes());
    }
    // An empty subresource is no subresource.
    let data = shapes[3].as_bytes();
    assert_eq!(h.field(data, "ka.target.pod.name"), common::text("p"));
}

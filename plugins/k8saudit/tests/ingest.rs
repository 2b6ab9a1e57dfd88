//! Payload splitting: the document shapes kube-apiserver and audit files
//! produce, and every way a payload can be (partly) wrong.

mod common;

use common::{Harness, fixture, text};
use serde_json::{Value as Json, json};

const NS_2026_11_28_10_00_01: u64 = 1_795_860_001_000_000_000;

fn audit_ids(data: &[Vec<u8>]) -> Vec<String> {
    data.iter()
        .map(|d| {
            let v: Json = serde_json::from_slice(d).unwrap();
            v["auditID"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn single_event_is_kept_as_received_with_its_stage_timestamp() {
    let mut h = Harness::new();
    let raw = fixture("pod_create.json");
    let out = h.ingest(&raw);
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.events.len(), 1);
    let event = &out.events[0];
    assert_eq!(event.timestamp_ns, NS_2026_11_28_10_00_01 + 123_456_000);
    // The text as received, pretty-printing included, without the
    // surrounding whitespace (the fixture ends with a newline).
    assert_eq!(event.data, raw.trim_ascii());
    assert!(event.data.len() < raw.len());
    let original: Json = serde_json::from_slice(&raw).unwrap();
    let emitted: Json = serde_json::from_slice(&event.data).unwrap();
    assert_eq!(original, emitted);
}

#[test]
fn list_items_are_kept_as_received() {
    let mut h = Harness::new();
    let payload = br#" { "kind" : "EventList", "items" : [ {"auditID": "a",  "stageTimestamp": "2026-11-28T10:00:01Z"} ,
        {
          "stageTimestamp": "2026-11-28T10:00:01Z", "auditID": "b"
        }
    ] } "#;
    let out = h.ingest(payload);
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let data: Vec<_> = out.events.iter().map(|e| e.data.as_slice()).collect();
    assert_eq!(
        data,
        [
            &br#"{"auditID": "a",  "stageTimestamp": "2026-11-28T10:00:01Z"}"#[..],
            br#"{
          "stageTimestamp": "2026-11-28T10:00:01Z", "auditID": "b"
        }"#,
        ]
    );
}

#[test]
fn timestamp_offsets_and_nanoseconds() {
    let mut h = Harness::new();
    let configmap = h.ingest(&fixture("configmap.json"));
    // 10:07:00.5+02:00 is 08:07:00.5Z.
    assert_eq!(
        configmap.events[0].timestamp_ns,
        NS_2026_11_28_10_00_01 - 1_000_000_000 - 2 * 3600 * 1_000_000_000
            + 7 * 60 * 1_000_000_000
            + 500_000_000
    );
    let service = h.ingest(&fixture("service.json"));
    assert_eq!(
        service.events[0].timestamp_ns,
        NS_2026_11_28_10_00_01 - 1_000_000_000 + 9 * 60 * 1_000_000_000 + 1
    );
}

#[test]
fn event_list_keeps_good_items_and_rejects_the_one_without_stage_timestamp() {
    let mut h = Harness::new();
    let out = h.ingest(&fixture("webhook_eventlist.json"));
    let data: Vec<_> = out.events.iter().map(|e| e.data.clone()).collect();
    assert_eq!(
        audit_ids(&data),
        [
            "5f7a9c1e-0000-4000-8000-000000000010",
            "5f7a9c1e-0000-4000-8000-000000000012"
        ]
    );
    assert_eq!(out.rejected.len(), 1, "{:?}", out.rejected);
    assert!(out.rejected[0].contains("items[1]"), "{}", out.rejected[0]);
    assert!(
        out.rejected[0].contains("stageTimestamp"),
        "{}",
        out.rejected[0]
    );
    // Items are extractable although they carry no `kind` of their own.
    assert_eq!(h.field(&data[0], "ka.verb"), text("get"));
}

#[test]
fn arrays_are_walked_recursively() {
    let mut h = Harness::new();
    let pod: Json = serde_json::from_slice(&fixture("pod_create.json")).unwrap();
    let list: Json = serde_json::from_slice(&fixture("webhook_eventlist.json")).unwrap();
    let role: Json = serde_json::from_slice(&fixture("role.json")).unwrap();
    let payload = json!([pod, [list, [role]], 42, {"kind": "Pod"}]);
    let out = h.ingest(payload.to_string().as_bytes());
    let data: Vec<_> = out.events.iter().map(|e| e.data.clone()).collect();
    assert_eq!(
        audit_ids(&data),
        [
            "5f7a9c1e-0000-4000-8000-000000000001",
            "5f7a9c1e-0000-4000-8000-000000000010",
            "5f7a9c1e-0000-4000-8000-000000000012",
            "5f7a9c1e-0000-4000-8000-000000000003",
        ]
    );
    // The list item without stageTimestamp, the number and the Pod object.
    assert_eq!(out.rejected.len(), 3, "{:?}", out.rejected);
    assert!(out.rejected.iter().any(|r| r.contains("payload[2]")));
    assert!(out.rejected.iter().any(|r| r.contains("payload[3]")));
}

#[test]
fn unrecognized_documents_are_rejected_with_a_clear_message() {
    let mut h = Harness::new();
    for payload in [
        &br#"{"kind": "Pod", "stageTimestamp": "2026-11-28T10:00:01Z"}"#[..],
        br#"{"auditID": "x", "stageTimestamp": "2026-11-28T10:00:01Z"}"#,
        br#""an audit event""#,
        b"null",
        b"17",
        br#"{"kind": "EventList"}"#,
        br#"{"kind": "EventList", "items": {"a": 1}}"#,
    ] {
        let out = h.ingest(payload);
        assert!(
            out.events.is_empty(),
            "{}",
            String::from_utf8_lossy(payload)
        );
        assert_eq!(
            out.rejected.len(),
            1,
            "{}",
            String::from_utf8_lossy(payload)
        );
        let message = &out.rejected[0];
        assert!(
            message.contains("not recognized") || message.contains("EventList"),
            "{message}"
        );
    }
    let out = h.ingest(br#"{"kind": "EventList", "items": [7, {"auditID": "a", "stageTimestamp": "2026-11-28T10:00:01Z"}]}"#);
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.rejected.len(), 1);
    assert!(
        out.rejected[0].contains("must be a JSON object"),
        "{}",
        out.rejected[0]
    );
    assert_eq!(h.ingest(b"[]"), Default::default());
}

#[test]
fn malformed_json_is_one_rejection() {
    let mut h = Harness::new();
    for payload in [
        &b""[..],
        b"   ",
        b"{",
        br#"{"kind": "Event", "stageTimestamp": "2026-11-28T10:00:01Z""#,
        b"\xff\xfe{}",
        br#"{"kind": "Event"} {"kind": "Event"}"#,
    ] {
        let out = h.ingest(payload);
        assert!(out.events.is_empty());
        assert_eq!(out.rejected.len(), 1, "{:?}", out.rejected);
        assert!(
            out.rejected[0].contains("not valid JSON"),
            "{}",
            out.rejected[0]
        );
    }
}

#[test]
fn missing_or_bad_stage_timestamps_reject_only_that_event() {
    let mut h = Harness::new();
    let good =
        json!({"kind": "Event", "auditID": "good", "stageTimestamp": "2026-11-28T10:00:01Z"});
    let mut payload = vec![good.clone()];
    for stamp in [
        Json::Null,
        json!(1_795_860_001),
        json!("yesterday"),
        json!("2026-11-28T10:00:01"),
        json!("1960-01-01T00:00:00Z"),
    ] {
        payload.push(json!({"kind": "Event", "auditID": "bad", "stageTimestamp": stamp}));
    }
    payload.push(json!({"kind": "Event", "auditID": "bad", "requestReceivedTimestamp": "2026-11-28T10:00:01Z"}));
    payload.push(good);
    let out = h.ingest(Json::Array(payload).to_string().as_bytes());
    assert_eq!(out.events.len(), 2);
    assert!(
        out.events
            .iter()
            .all(|e| e.timestamp_ns == NS_2026_11_28_10_00_01)
    );
    assert_eq!(out.rejected.len(), 6, "{:?}", out.rejected);
    assert!(out.rejected.iter().all(|r| r.contains("stageTimestamp")));
}

#[test]
fn oversize_events_are_rejected_naming_both_sizes() {
    let small = json!({"kind": "Event", "auditID": "s", "stageTimestamp": "2026-11-28T10:00:01Z"});
    let small_len = small.to_string().len();
    let big = json!({"kind": "Event", "auditID": "b", "stageTimestamp": "2026-11-28T10:00:01Z",
                     "requestObject": {"data": "x".repeat(500)}});
    let big_len = big.to_string().len();
    let mut h = Harness::with_config(&format!(r#"{{"maxEventSize": {small_len}}}"#));
    let out = h.ingest(
        json!({"kind": "EventList", "items": [big, small]})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].data.len(), small_len);
    assert_eq!(out.rejected.len(), 1);
    let message = &out.rejected[0];
    assert!(message.contains(&big_len.to_string()), "{message}");
    assert!(message.contains(&small_len.to_string()), "{message}");
    assert!(message.contains("maxEventSize"), "{message}");
}

#[test]
fn default_max_event_size_is_256_kib() {
    let mut h = Harness::new();
    let event = |filler: usize| json!({"kind": "Event", "auditID": "a", "stageTimestamp": "2026-11-28T10:00:01Z", "f": "x".repeat(filler)});
    let overhead = event(0).to_string().len();
    let fits = h.ingest(event(262_144 - overhead).to_string().as_bytes());
    assert_eq!((fits.events.len(), fits.rejected.len()), (1, 0));
    let too_big = h.ingest(event(262_145 - overhead).to_string().as_bytes());
    assert_eq!((too_big.events.len(), too_big.rejected.len()), (0, 1));
}

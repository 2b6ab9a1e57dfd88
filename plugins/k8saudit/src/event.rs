//! An audit event as fields read it: only the members some field uses.
//!
//! Building a whole `serde_json::Value` of every event (a map node and a
//! `String` per key and value) was most of the extraction cost, although
//! fields read a few dozen values: top-level ones, the response object's
//! name, and the parts of the request object that describe pods, services,
//! roles, bindings and config maps. [`Event`] is read in one pass that keeps
//! just those (small values and the request's subtrees as JSON, objects
//! reduced to the members fields read) and validates the rest without
//! building it (see [`crate::validate::Skip`]).
//!
//! The kept request subtrees are parsed eagerly: keeping them as raw text to
//! parse on first use was measured slower, because the raw text must be fully
//! validated at once anyway (an event `Value` would refuse yields no field)
//! and the pipeline extracts every rule field of every event.
//!
//! Lookups answer exactly what the same path would in the whole document's
//! `Value` (see [`crate::json::get`]): a missing member, a step through a
//! non-object and JSON `null` are all absent; duplicate keys keep the last
//! value, as `Value` does. A document `Value` would refuse (invalid JSON,
//! nesting beyond serde_json's limit, a lone surrogate escape, ...) is
//! refused here too.

use crate::json;
use crate::validate::{ROOT_DEPTH, Skip};
use lanner_plugin_sdk::Value;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;
use std::fmt;

/// How much of a member to keep.
#[derive(Debug)]
enum Keep {
    /// The whole value, as JSON.
    Whole,
    /// Only the named members of an object.
    Members(&'static [(&'static str, Keep)]),
}

/// Every member of an audit event a field reads. A path outside this tree
/// reads as absent, so a new field reading elsewhere must be added here.
const EVENT: &[(&str, Keep)] = &[
    ("auditID", Keep::Whole),
    ("stage", Keep::Whole),
    ("verb", Keep::Whole),
    ("requestURI", Keep::Whole),
    ("userAgent", Keep::Whole),
    ("sourceIPs", Keep::Whole),
    (
        "user",
        Keep::Members(&[("username", Keep::Whole), ("groups", Keep::Whole)]),
    ),
    (
        "impersonatedUser",
        Keep::Members(&[("username", Keep::Whole)]),
    ),
    (
        "objectRef",
        Keep::Members(&[
            ("resource", Keep::Whole),
            ("subresource", Keep::Whole),
            ("namespace", Keep::Whole),
            ("name", Keep::Whole),
        ]),
    ),
    (
        "responseStatus",
        Keep::Members(&[("code", Keep::Whole), ("reason", Keep::Whole)]),
    ),
    (
        "annotations",
        Keep::Members(&[
            ("authorization.k8s.io/decision", Keep::Whole),
            ("authorization.k8s.io/reason", Keep::Whole),
            ("authentication.openshift.io/decision", Keep::Whole),
            ("authentication.openshift.io/username", Keep::Whole),
            (
                "validation.policy.admission.k8s.io/validation_failure",
                Keep::Whole,
            ),
            ("pod-security.kubernetes.io/audit-violations", Keep::Whole),
            ("cluster_name", Keep::Whole),
        ]),
    ),
    (
        "requestObject",
        Keep::Members(&[
            ("spec", Keep::Whole),
            ("rules", Keep::Whole),
            ("subjects", Keep::Whole),
            ("roleRef", Keep::Members(&[("name", Keep::Whole)])),
            ("data", Keep::Whole),
        ]),
    ),
    (
        "responseObject",
        Keep::Members(&[("metadata", Keep::Members(&[("name", Keep::Whole)]))]),
    ),
];

/// A parsed audit event: what [`crate::K8sAudit`] extracts fields from.
#[derive(Debug)]
pub struct Event {
    root: Object,
}

impl Event {
    /// Reads event `data`; `None` when it is not valid JSON, not an object,
    /// or has no `auditID` (or a `null` one): such a document is not an audit
    /// event, whatever else it holds, and yields no field (as upstream).
    pub fn parse(data: &[u8]) -> Option<Event> {
        // One UTF-8 check of the whole event instead of one per string, which
        // serde_json makes on bytes but not on a `str`: a third of the cost.
        let text = std::str::from_utf8(data).ok()?;
        let mut de = serde_json::Deserializer::from_str(text);
        let root = Pick {
            keep: EVENT,
            at: Skip::at(ROOT_DEPTH),
        }
        .deserialize(&mut de)
        .ok()?;
        de.end().ok()?;
        let event = Event { root };
        event.get(&["auditID"])?;
        Some(event)
    }

    /// The value at `path`, as [`json::get`] finds it in the whole event:
    /// `None` when a step is missing or not an object, or the value is `null`.
    pub fn get(&self, path: &[&str]) -> Option<&Json> {
        self.root.get(path)
    }

    /// The text at `path`, or absent (see [`json::text_at`]).
    pub fn text_at(&self, path: &[&str]) -> Value {
        Value::text(self.get(path).map(json::as_text))
    }

    /// The array at `path`, if it is one.
    pub fn array_at(&self, path: &[&str]) -> Option<&[Json]> {
        self.get(path)?.as_array().map(Vec::as_slice)
    }

    /// Every non-null element of the array at `path` as text; absent when
    /// there is none (see [`json::list_at`]).
    pub fn list_at(&self, path: &[&str]) -> Value {
        Value::texts(json::texts(self.array_at(path).unwrap_or_default()))
    }
}

/// An object reduced to the members its [`Keep`] list names.
#[derive(Debug)]
struct Object {
    /// One slot per kept member, in the list's order; `None` for the whole
    /// when the value was not an object (every lookup in it is then absent).
    members: Option<Box<[Option<Member>]>>,
    keep: &'static [(&'static str, Keep)],
}

#[derive(Debug)]
enum Member {
    Whole(Json),
    Members(Object),
}

impl Object {
    fn not_an_object(keep: &'static [(&'static str, Keep)]) -> Self {
        Self {
            members: None,
            keep,
        }
    }

    fn get(&self, path: &[&str]) -> Option<&Json> {
        let (first, rest) = path.split_first()?;
        let slot = self.keep.iter().position(|(name, _)| name == first)?;
        match self.members.as_ref()?.get(slot)?.as_ref()? {
            Member::Whole(value) => json::get(value, rest),
            Member::Members(object) => object.get(rest),
        }
    }
}

/// Reads one value into an [`Object`] keeping what `keep` lists. `at` is
/// serde_json's nesting budget at the value: what is skipped is validated
/// with it, so that it fails exactly where parsing a `Value` would.
#[derive(Clone, Copy)]
struct Pick {
    keep: &'static [(&'static str, Keep)],
    at: Skip,
}

impl<'de> DeserializeSeed<'de> for Pick {
    type Value = Object;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Object, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Pick {
    type Value = Object;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Object, E> {
        Ok(Object::not_an_object(self.keep))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Object, E> {
        Ok(Object::not_an_object(self.keep))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Object, E> {
        Ok(Object::not_an_object(self.keep))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Object, E> {
        Ok(Object::not_an_object(self.keep))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Object, E> {
        Ok(Object::not_an_object(self.keep))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Object, E> {
        Ok(Object::not_an_object(self.keep))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Object, A::Error> {
        self.at.visit_seq(seq)?;
        Ok(Object::not_an_object(self.keep))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
        let inner = self.at.enter()?;
        let mut members: Box<[Option<Member>]> = self.keep.iter().map(|_| None).collect();
        while let Some(slot) = map.next_key_seed(Slot(self.keep))? {
            let Some((slot, (_, keep))) = slot.and_then(|i| Some((i, self.keep.get(i)?))) else {
                // Not read by any field: validated, not kept.
                map.next_value_seed(inner)?;
                continue;
            };
            let member = match keep {
                // Same deserializer as the whole event, so serde_json's own
                // nesting limit applies as it would to the event's `Value`.
                Keep::Whole => Member::Whole(map.next_value()?),
                Keep::Members(keep) => {
                    Member::Members(map.next_value_seed(Pick { keep, at: inner })?)
                }
            };
            // A repeated key replaces the earlier value, as in a `Value`.
            if let Some(place) = members.get_mut(slot) {
                *place = Some(member);
            }
        }
        Ok(Object {
            members: Some(members),
            keep: self.keep,
        })
    }
}

/// Reads an object key: the position of the kept member it names, if any.
struct Slot(&'static [(&'static str, Keep)]);

impl<'de> DeserializeSeed<'de> for Slot {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Slot {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|(name, _)| *name == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path of the tree, and a few outside it, read what the whole
    /// `Value` holds there.
    #[test]
    fn lookups_agree_with_the_whole_value() {
        let documents = [
            r#"{"auditID":"a","stage":"ResponseComplete","verb":{"odd":[1,true]},
                "requestURI":"/api?x=1","userAgent":null,"sourceIPs":["1.2.3.4",null,5],
                "user":{"username":"u","groups":["g",1],"uid":"x"},
                "impersonatedUser":"bob",
                "objectRef":{"resource":"pods","resource":"secrets","subresource":null,"name":{"a":1}},
                "responseStatus":{"code":201,"reason":false},
                "annotations":{"authorization.k8s.io/decision":"allow","cluster_name":null,"other":1},
                "requestObject":{"spec":{"containers":[{"image":"x"}]},"data":{"b":1,"a":2},"roleRef":{"name":null},"rules":{"0":1}},
                "responseObject":{"metadata":{"name":"p","uid":"u"},"metadata":{"name":"q"}}}"#,
            r#"{"auditID":"b","requestObject":null,"responseObject":[1],"user":[],"annotations":"x"}"#,
            r#"{"auditID":"c","requestObject":"s","responseObject":{"metadata":7},"objectRef":{}}"#,
            r#"{"auditID":"e","requestObject":{"spec":1,"spec":{"hostPID":true}},"requestObject":{"subjects":[{"name":"x"}]}}"#,
            r#"{"audit\u0049D":"d","st\u0061ge":"\u0041"}"#,
        ];
        let mut paths: Vec<Vec<&str>> = Vec::new();
        fn walk(
            keep: &'static [(&'static str, Keep)],
            prefix: Vec<&'static str>,
            out: &mut Vec<Vec<&'static str>>,
        ) {
            for (name, kept) in keep {
                let mut path = prefix.clone();
                path.push(name);
                if let Keep::Members(inner) = kept {
                    walk(inner, path.clone(), out);
                } else {
                    out.push(path.clone());
                    path.push("deeper");
                    out.push(path);
                }
            }
        }
        walk(EVENT, Vec::new(), &mut paths);
        paths.push(vec!["requestObject", "spec", "containers"]);
        paths.push(vec!["requestObject", "rules", "0"]);
        for doc in documents {
            let whole: Json = serde_json::from_str(doc).unwrap();
            let event = Event::parse(doc.as_bytes()).unwrap();
            for path in &paths {
                assert_eq!(
                    event.get(path),
                    json::get(&whole, path),
                    "{path:?} in {doc}"
                );
            }
        }
    }

    #[test]
    fn refuses_what_value_refuses() {
        let nest = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        for (doc, ok) in [
            (r#"{"auditID":"a"}"#.to_owned(), true),
            (r#"{"auditID":null}"#.to_owned(), false),
            (r#"{"auditID":"a","auditID":null}"#.to_owned(), false),
            (r#"{"auditID":null,"auditID":"a"}"#.to_owned(), true),
            (r#"[{"auditID":"a"}]"#.to_owned(), false),
            (r#"{"auditID":"a"} x"#.to_owned(), false),
            (
                r#"{"auditID":"a","requestObject":{"x":"\ud800"}}"#.to_owned(),
                false,
            ),
            (
                r#"{"auditID":"a","requestObject":{"x":1e400}}"#.to_owned(),
                false,
            ),
            (
                r#"{"auditID":"a","responseObject":{"x":"\udc00"}}"#.to_owned(),
                false,
            ),
            (
                format!(r#"{{"auditID":"a","requestObject":{}}}"#, nest(126)),
                true,
            ),
            (
                format!(r#"{{"auditID":"a","requestObject":{}}}"#, nest(127)),
                false,
            ),
            (format!(r#"{{"auditID":"a","other":{}}}"#, nest(127)), false),
        ] {
            assert_eq!(
                serde_json::from_str::<Json>(&doc).is_ok() && ok,
                ok,
                "{doc:.60}"
            );
            assert_eq!(Event::parse(doc.as_bytes()).is_some(), ok, "{doc:.60}");
        }
    }
}

//! `json`: field extraction from any plugin source whose events carry one
//! JSON document each (k8saudit, cloudtrail and the like).
//!
//! Rules written for Falco's `json` plugin use these fields, and the
//! k8saudit and cloudtrail rule files require `json >= 0.7.0`, so the name,
//! field names and version line follow it:
//!
//! | Field | Value |
//! |---|---|
//! | `json.value[<pointer>]` | The value an RFC 6901 pointer designates: strings unquoted, anything else as compact JSON text; an empty pointer means the whole document. |
//! | `json.obj` | The whole document, pretty-printed in its own member order. |
//! | `json.rawtime` | The event's timestamp in nanoseconds, as decimal text. |
//! | `jevt.value`, `jevt.obj`, `jevt.rawtime` | Older names of the same three fields. |
//!
//! An event whose payload is not JSON has none of these fields, and neither
//! does a pointer that designates nothing.

mod check;
mod pointer;
mod pretty;
mod scan;

use lanner_plugin_sdk::{Arg, ArgSpec, EventRef, Field, Plugin, Value};
use serde::Deserialize;

/// The json plugin. It keeps no state: everything comes from the event.
pub struct Json;

/// Configuration: none. Unknown keys are refused so a typo is not ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {}

/// An event's payload, checked once and shared by every field extracted
/// from it.
///
/// Only the text is kept: each field reads what it needs from it (see
/// [`pointer`]), which is much cheaper than parsing every event into a
/// `serde_json::Value` for the few values rules ask for.
pub struct Document {
    /// The payload, known to be JSON that `serde_json::Value` accepts.
    text: String,
    /// The event's timestamp, for `json.rawtime`.
    timestamp_ns: u64,
    /// The objects pointer lookups walked through, shared by the fields.
    tables: pointer::Tables,
}

impl Plugin for Json {
    const NAME: &'static str = "json";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Extracts values from events whose payload is a JSON document, by JSON pointer.";
    const CONTACT: &'static str = "https://github.com/lanner-dev/lanner";
    const CONFIG_SCHEMA: Option<&'static str> =
        Some(r#"{"type":"object","properties":{},"additionalProperties":false}"#);

    type Config = Config;
    type Parsed = Document;

    fn new(_config: Config) -> Result<Self, String> {
        Ok(Json)
    }

    fn fields() -> Vec<Field<Self>> {
        // The `json.*` names first, then the `jevt.*` aliases in the same
        // order: field ids are positions, and both families stay aligned.
        let mut fields = Vec::with_capacity(6);
        for prefix in ["json", "jevt"] {
            fields.push(
                Field::string(
                    format!("{prefix}.value"),
                    "The value at an RFC 6901 JSON pointer into the event's JSON \
                     (e.g. [/user/name]): strings unquoted, other values as JSON text.",
                    value_field,
                )
                .arg(ArgSpec::RequiredKey),
            );
            fields.push(Field::string(
                format!("{prefix}.obj"),
                "The event's whole JSON document, pretty-printed.",
                |doc: &Document, _| Value::Text(pretty::pretty(&doc.text)),
            ));
            fields.push(Field::string(
                format!("{prefix}.rawtime"),
                "The event's timestamp in nanoseconds since the Unix epoch, as text.",
                |doc: &Document, _| Value::Text(doc.timestamp_ns.to_string()),
            ));
        }
        fields
    }

    fn parse(&self, event: &EventRef<'_>) -> Option<Document> {
        let text = std::str::from_utf8(event.data).ok()?;
        // A payload that is not JSON has no fields: checked here once, so
        // that every field can rely on the text being valid.
        if !check::is_json(text) {
            return None;
        }
        Some(Document {
            text: text.to_owned(),
            timestamp_ns: event.timestamp_ns,
            tables: pointer::Tables::default(),
        })
    }
}

/// `json.value`: the pointer's target, or absent when it designates nothing.
fn value_field(doc: &Document, arg: Arg<'_>) -> Value {
    let pointer = match arg {
        Arg::Key(pointer) => pointer,
        // The host enforces the required key; without one, the empty
        // pointer's meaning (the whole document) is the natural reading.
        Arg::None => "",
        Arg::Index(_) => return Value::Absent,
    };
    Value::text(pointer::resolve(&doc.text, pointer, &doc.tables).and_then(render))
}

/// A value's text as `json.value` returns it: a string unquoted and
/// unescaped, anything else as compact JSON, exactly as a parsed
/// `serde_json::Value` displays it (object keys sorted, numbers in
/// serde_json's spelling). `raw` is one whole valid JSON value.
fn render(raw: &str) -> Option<String> {
    match raw.as_bytes().first()? {
        b'"' => {
            let inner = raw.get(1..raw.len() - 1)?;
            if inner.contains('\\') {
                serde_json::from_str::<String>(raw).ok()
            } else {
                // Nothing to unescape: the common case, without a parser.
                Some(inner.to_owned())
            }
        }
        // Literals display as they are spelled.
        b't' | b'f' | b'n' => Some(raw.to_owned()),
        // Numbers, objects and arrays: parse just this value so that its
        // display is the one rules saw before (sorted keys, `1e2` as `100.0`).
        _ => serde_json::from_str::<serde_json::Value>(raw)
            .ok()
            .map(|value| value.to_string()),
    }
}

lanner_plugin_sdk::export_extractor_plugin!(Json);

#[cfg(test)]
mod tests {
    use super::*;
    use lanner_plugin_sdk::runner::RequestArg;
    use lanner_plugin_sdk::{FieldType, Request, Runner};

    const VALUE: u32 = 0;
    const OBJ: u32 = 1;
    const RAWTIME: u32 = 2;
    const JEVT_VALUE: u32 = 3;
    const JEVT_OBJ: u32 = 4;
    const JEVT_RAWTIME: u32 = 5;

    const AUDIT: &str = r#"{"kind":"Event","user":{"username":"alice","groups":["dev","system:masters"]},"objectRef":{"resource":"pods","name":null},"responseStatus":{"code":201},"annotations":{"authorization.k8s.io/decision":"allow","a~b":true}}"#;

    fn key(pointer: &str) -> RequestArg {
        RequestArg::Key(pointer.to_owned())
    }

    fn extract_one(data: &str, field: u32, arg: RequestArg) -> Value {
        let mut runner = Runner::<Json>::new("").expect("empty configuration is valid");
        let event = EventRef {
            number: 1,
            timestamp_ns: 1_700_000_000_123_456_789,
            data: data.as_bytes(),
        };
        let values = runner
            .extract(&[event], &[Request { field, arg }])
            .expect("field ids are in range");
        values.into_iter().next().expect("one value per request")
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    #[test]
    fn declares_the_fields_in_order() {
        let infos = Runner::<Json>::field_infos();
        let names: Vec<&str> = infos.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "json.value",
                "json.obj",
                "json.rawtime",
                "jevt.value",
                "jevt.obj",
                "jevt.rawtime"
            ]
        );
        assert!(
            infos
                .iter()
                .all(|f| f.ty == FieldType::String && !f.is_list)
        );
        assert_eq!(infos[0].arg, ArgSpec::RequiredKey);
        assert_eq!(infos[3].arg, ArgSpec::RequiredKey);
        assert_eq!(infos[1].arg, ArgSpec::None);
    }

    #[test]
    fn values_inside_objects_and_arrays() {
        assert_eq!(
            extract_one(AUDIT, VALUE, key("/user/username")),
            text("alice")
        );
        assert_eq!(
            extract_one(AUDIT, VALUE, key("/user/groups/1")),
            text("system:masters")
        );
        assert_eq!(
            extract_one(AUDIT, VALUE, key("/responseStatus/code")),
            text("201")
        );
        assert_eq!(
            extract_one(AUDIT, VALUE, key("/objectRef/name")),
            text("null")
        );
        assert_eq!(
            extract_one(AUDIT, VALUE, key("/user/groups")),
            text(r#"["dev","system:masters"]"#)
        );
        assert_eq!(
            extract_one(AUDIT, VALUE, key("/responseStatus")),
            text(r#"{"code":201}"#)
        );
    }

    #[test]
    fn escaped_pointer_tokens() {
        assert_eq!(
            extract_one(
                AUDIT,
                VALUE,
                key("/annotations/authorization.k8s.io~1decision")
            ),
            text("allow")
        );
        assert_eq!(
            extract_one(AUDIT, VALUE, key("/annotations/a~0b")),
            text("true")
        );
    }

    #[test]
    fn missing_targets_are_absent() {
        for pointer in [
            "/user/uid",
            "/user/groups/5",
            "/kind/deeper",
            "kind",
            "/a~9",
        ] {
            assert_eq!(
                extract_one(AUDIT, VALUE, key(pointer)),
                Value::Absent,
                "{pointer}"
            );
        }
    }

    #[test]
    fn empty_pointer_is_the_whole_document() {
        let whole = extract_one(AUDIT, VALUE, key(""));
        let Value::Text(whole) = whole else {
            panic!("expected text, got {whole:?}");
        };
        let reparsed: serde_json::Value = serde_json::from_str(&whole).unwrap();
        assert_eq!(
            reparsed,
            serde_json::from_str::<serde_json::Value>(AUDIT).unwrap()
        );
        assert_eq!(
            extract_one(r#""just a string""#, VALUE, key("")),
            text("just a string")
        );
    }

    #[test]
    fn obj_is_pretty_and_rawtime_is_decimal() {
        let obj = extract_one(r#"{"b":1,"a":[2]}"#, OBJ, RequestArg::None);
        assert_eq!(obj, text("{\n  \"b\": 1,\n  \"a\": [\n    2\n  ]\n}"));
        assert_eq!(
            extract_one(AUDIT, RAWTIME, RequestArg::None),
            text("1700000000123456789")
        );
    }

    #[test]
    fn jevt_aliases_match_json_fields() {
        for (json, jevt, arg) in [
            (VALUE, JEVT_VALUE, key("/user/groups/0")),
            (OBJ, JEVT_OBJ, RequestArg::None),
            (RAWTIME, JEVT_RAWTIME, RequestArg::None),
        ] {
            let expected = extract_one(AUDIT, json, arg.clone());
            assert_ne!(expected, Value::Absent);
            assert_eq!(extract_one(AUDIT, jevt, arg), expected);
        }
    }

    #[test]
    fn non_json_payload_has_no_fields() {
        for payload in ["not json", "{\"a\":", "", "{\"a\":1} trailing"] {
            for field in [VALUE, OBJ, RAWTIME, JEVT_VALUE, JEVT_OBJ, JEVT_RAWTIME] {
                assert_eq!(extract_one(payload, field, key("")), Value::Absent);
            }
        }
        // Invalid UTF-8 too.
        let mut runner = Runner::<Json>::new("{}").unwrap();
        let event = EventRef {
            number: 9,
            timestamp_ns: 1,
            data: b"{\"a\":\"\xff\"}",
        };
        let values = runner
            .extract(
                &[event],
                &[Request {
                    field: OBJ,
                    arg: RequestArg::None,
                }],
            )
            .unwrap();
        assert_eq!(values, vec![Value::Absent]);
    }

    #[test]
    fn keys_with_escapes_slashes_and_tildes() {
        let doc = r#"{"a\u002fb":"escaped slash","a/b~c":{"x~y":[10,{"\"q\"":"quoted"}]},"\u00e9":"\u00e9t\u00e9\n"}"#;
        assert_eq!(extract_one(doc, VALUE, key("/a~1b")), text("escaped slash"));
        assert_eq!(
            extract_one(doc, VALUE, key("/a~1b~0c/x~0y/1/\"q\"")),
            text("quoted")
        );
        assert_eq!(extract_one(doc, VALUE, key("/a~1b~0c/x~0y/0")), text("10"));
        assert_eq!(extract_one(doc, VALUE, key("/é")), text("été\n"));
        assert_eq!(
            extract_one(doc, VALUE, key("/a~1b~0c")),
            text(r#"{"x~y":[10,{"\"q\"":"quoted"}]}"#)
        );
        assert_eq!(extract_one(doc, VALUE, key("/a/b~c")), Value::Absent);
    }

    #[test]
    fn deep_paths_and_arrays() {
        let doc = r#"{"requestObject":{"spec":{"containers":[{"name":"a"},{"name":"b","securityContext":{"capabilities":{"add":["NET_ADMIN","SYS_ADMIN"]}}}]}}}"#;
        let add = "/requestObject/spec/containers/1/securityContext/capabilities/add";
        assert_eq!(
            extract_one(doc, VALUE, key(&format!("{add}/1"))),
            text("SYS_ADMIN")
        );
        assert_eq!(
            extract_one(doc, VALUE, key(add)),
            text(r#"["NET_ADMIN","SYS_ADMIN"]"#)
        );
        assert_eq!(
            extract_one(doc, VALUE, key(&format!("{add}/2"))),
            Value::Absent
        );
        assert_eq!(
            extract_one(doc, VALUE, key("/requestObject/spec/containers/0/name")),
            text("a")
        );
        assert_eq!(
            extract_one(doc, VALUE, key("/requestObject/spec/containers/00/name")),
            Value::Absent
        );
    }

    #[test]
    fn values_display_as_a_parsed_value_does() {
        // Keys sorted, insignificant spaces dropped, numbers in serde_json's
        // spelling, strings re-escaped: what `Value`'s display gave before.
        let doc = r#"{ "o" : { "z" : 1 , "a" : [ 1.0 , 1e2 , -0 , "t\u0041b\t" ] , "m" : { } } , "n" : 12345678901234567890 , "f" : 2.50 }"#;
        assert_eq!(
            extract_one(doc, VALUE, key("/o")),
            text(r#"{"a":[1.0,100.0,-0.0,"tAb\t"],"m":{},"z":1}"#)
        );
        assert_eq!(
            extract_one(doc, VALUE, key("/n")),
            text("12345678901234567890")
        );
        assert_eq!(extract_one(doc, VALUE, key("/f")), text("2.5"));
        assert_eq!(extract_one(doc, VALUE, key("/o/a/2")), text("-0.0"));
    }

    #[test]
    fn pretty_printed_input() {
        // The same document twice, in the same member order: compact, and
        // with every kind of JSON space between tokens.
        let parsed = serde_json::from_str::<serde_json::Value>(AUDIT).unwrap();
        let compact = &parsed.to_string();
        let spaced = serde_json::to_string_pretty(&parsed)
            .unwrap()
            .replace('\n', "\r\n\t ");
        for pointer in [
            "",
            "/user",
            "/user/groups",
            "/user/groups/1",
            "/objectRef/name",
            "/annotations/a~0b",
            "/responseStatus/code",
            "/nope",
        ] {
            assert_eq!(
                extract_one(&spaced, VALUE, key(pointer)),
                extract_one(compact, VALUE, key(pointer)),
                "{pointer}"
            );
        }
        assert_eq!(
            extract_one(&format!("\n {spaced} \n"), OBJ, RequestArg::None),
            extract_one(compact, OBJ, RequestArg::None)
        );
    }

    #[test]
    fn duplicate_keys_keep_the_last() {
        let doc = r#"{"a":1,"b":{"c":true},"a":{"d":[2]}}"#;
        assert_eq!(extract_one(doc, VALUE, key("/a/d/0")), text("2"));
        assert_eq!(extract_one(doc, VALUE, key("/a")), text(r#"{"d":[2]}"#));
    }

    #[test]
    fn payloads_that_value_refuses_have_no_fields() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for payload in ["{\"a\":1e400}", "[1,]", "{\"a\":\"\\x\"}", "\"\t\"", &deep] {
            let expected = if serde_json::from_str::<serde_json::Value>(payload).is_ok() {
                // `unbounded_depth`, if a dependent enables it, lets `deep` through.
                extract_one(payload, RAWTIME, RequestArg::None)
            } else {
                Value::Absent
            };
            assert_eq!(extract_one(payload, RAWTIME, RequestArg::None), expected);
            if expected == Value::Absent {
                assert_eq!(
                    extract_one(payload, VALUE, key("")),
                    Value::Absent,
                    "{payload}"
                );
            }
        }
        assert_eq!(extract_one("{\"a\":1e400}", VALUE, key("")), Value::Absent);
    }

    #[test]
    fn truncated_payloads_never_panic() {
        let spaced = serde_json::to_string_pretty(
            &serde_json::from_str::<serde_json::Value>(AUDIT).unwrap(),
        )
        .unwrap();
        for doc in [AUDIT, spaced.as_str()] {
            for end in 0..doc.len() {
                let Some(prefix) = doc.get(..end) else {
                    continue;
                };
                for field in [VALUE, OBJ, RAWTIME] {
                    for pointer in ["", "/user/groups/1", "/annotations/a~0b"] {
                        // A strict prefix of an object is never JSON.
                        assert_eq!(extract_one(prefix, field, key(pointer)), Value::Absent);
                    }
                }
            }
        }
    }

    #[test]
    fn refuses_unknown_configuration() {
        assert!(Runner::<Json>::new(r#"{"sssss": 1}"#).is_err());
    }
}

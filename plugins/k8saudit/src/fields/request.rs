//! Request, user and target fields that need more than a path lookup.

use super::F;
use crate::Event;
use crate::json::{self, Pick};
use lanner_plugin_sdk::{Arg, ArgSpec, Field, Value};
use serde_json::Value as Json;

/// `ka.uri.param[key]`: the first value of query parameter `key` in the
/// request URI, percent-decoded (`+` as a space, as in form encoding, which
/// is how Go's `url.ParseQuery` reads it upstream).
pub fn uri_param() -> F {
    Field::string(
        "ka.uri.param",
        "The first value of the given query parameter of the request URI (for /foo?key=val, ka.uri.param[key] is val).",
        |event: &Event, arg| {
            let Arg::Key(wanted) = arg else {
                return Value::Absent;
            };
            let Some(uri) = event.get(&["requestURI"]).and_then(Json::as_str) else {
                return Value::Absent;
            };
            Value::text(query_param(uri, wanted))
        },
    )
    .arg(ArgSpec::RequiredKey)
}

/// The first value of `wanted` in `uri`'s query string. Pairs whose
/// percent-encoding is broken are skipped rather than failing the lookup.
pub fn query_param(uri: &str, wanted: &str) -> Option<String> {
    let (_, query) = uri.split_once('?')?;
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key)? == wanted).then(|| percent_decode(value))?
        })
}

/// Decodes `%XX` escapes and `+`; `None` on a bad escape or non-UTF-8 result.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// `ka.target.pod.name`: the created/changed pod's name, only for requests on
/// the `pods` resource itself (not `pods/exec`, `pods/log`, ...), where the
/// response object is the pod.
pub fn target_pod_name() -> F {
    Field::string(
        "ka.target.pod.name",
        "The target pod's name, for requests on pods (not on a pod subresource).",
        |event: &Event, _| {
            let is_pod =
                event.get(&["objectRef", "resource"]).and_then(Json::as_str) == Some("pods");
            let subresource = event
                .get(&["objectRef", "subresource"])
                .and_then(Json::as_str)
                .is_some_and(|s| !s.is_empty());
            if !is_pod || subresource {
                return Value::Absent;
            }
            event.text_at(&["responseObject", "metadata", "name"])
        },
    )
}

/// `ka.sourceips`: the client addresses kube-apiserver saw.
///
/// Fixes upstream, which reads `sourceIPs` inside each role rule of the
/// request object and so is practically never set; the audit event keeps
/// them in its top-level `sourceIPs`.
pub fn source_ips() -> F {
    Field::string(
        "ka.sourceips",
        "The IP addresses of the client that made the request to the apiserver.",
        |event: &Event, arg| {
            let ips = event.array_at(&["sourceIPs"]).unwrap_or_default();
            Value::texts(json::texts(Pick::from_arg(arg).select(ips)))
        },
    )
    .list()
    .arg(ArgSpec::OptionalIndex)
}

#[cfg(test)]
mod tests {
    use super::query_param;

    #[test]
    fn query_params_are_decoded_and_first_wins() {
        let uri = "/api/v1/namespaces/d/pods/p/exec?command=sh&command=-c&command=id%20-u&stdin=true&x=a+b#frag";
        assert_eq!(query_param(uri, "command").as_deref(), Some("sh"));
        assert_eq!(query_param(uri, "stdin").as_deref(), Some("true"));
        assert_eq!(query_param(uri, "x").as_deref(), Some("a b"));
        assert_eq!(query_param(uri, "missing"), None);
        assert_eq!(query_param("/no/query", "a"), None);
        assert_eq!(query_param("/?flag", "flag").as_deref(), Some(""));
        assert_eq!(query_param("/?a=%zz&a=ok", "a").as_deref(), Some("ok"));
        assert_eq!(query_param("/?a=%e2%82", "a"), None);
        assert_eq!(query_param("/?a%3Db=c", "a=b").as_deref(), Some("c"));
    }
}

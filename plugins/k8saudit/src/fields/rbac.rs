//! Role and binding fields: who a (cluster) role binding links, and what a
//! (cluster) role's rules allow.

use super::F;
use crate::Event;
use crate::json::{self, Pick, as_text, get};
use lanner_plugin_sdk::{ArgSpec, Field, Value};
use serde_json::Value as Json;

/// The binding's subjects of `kind` (User, Group, ServiceAccount), by name.
pub fn subject_names(name: &'static str, description: &'static str, kind: &'static str) -> F {
    Field::string(name, description, move |event: &Event, _| {
        let names = subjects(event)
            .filter(|s| get(s, &["kind"]).and_then(Json::as_str) == Some(kind))
            .filter_map(|s| get(s, &["name"]).map(as_text))
            .collect();
        Value::texts(names)
    })
    .list()
}

/// The binding's service account subjects as `namespace:name`.
///
/// A subject without a namespace is left out: it has no namespaced name to
/// give, and inventing one (the binding's own namespace) would be a guess.
pub fn serviceaccount_ns_names() -> F {
    Field::string(
        "ka.req.binding.subjects.serviceaccount_ns_names",
        "Binding: the service account subjects as namespace:name (e.g. mynamespace:myserviceaccount).",
        |event: &Event, _| {
            let names = subjects(event)
                .filter(|s| get(s, &["kind"]).and_then(Json::as_str) == Some("ServiceAccount"))
                .filter_map(|s| {
                    let namespace = get(s, &["namespace"]).map(as_text)?;
                    let name = get(s, &["name"]).map(as_text)?;
                    Some(format!("{namespace}:{name}"))
                })
                .collect();
            Value::texts(names)
        },
    )
    .list()
}

/// `ka.req.binding.subject.has_name[...]`: deprecated and meaningless.
///
/// Upstream documents "N/A" but returns "true", which makes any rule using it
/// match everything; we return the documented "N/A" instead.
pub fn subject_has_name() -> F {
    Field::string(
        "ka.req.binding.subject.has_name",
        "Deprecated, always \"N/A\"; kept so old rules still load.",
        |_: &Event, _| Value::Text("N/A".to_owned()),
    )
    .arg(ArgSpec::RequiredKey)
}

/// `ka.req.role.rules.<key>`: the `key` lists of the role's rules, flattened;
/// `[n]` reads rule `n` only.
pub fn rule_items(name: &'static str, description: &'static str, key: &'static str) -> F {
    Field::string(name, description, move |event: &Event, arg| {
        let rules = event
            .array_at(&["requestObject", "rules"])
            .unwrap_or_default();
        let items = Pick::from_arg(arg)
            .select(rules)
            .iter()
            .filter_map(|rule| json::array_at(rule, &[key]))
            .flat_map(json::texts)
            .collect();
        Value::texts(items)
    })
    .list()
    .arg(ArgSpec::OptionalIndex)
}

fn subjects(event: &Event) -> impl Iterator<Item = &Json> {
    event
        .array_at(&["requestObject", "subjects"])
        .unwrap_or_default()
        .iter()
}

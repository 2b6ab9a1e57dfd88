//! Small helpers over `serde_json::Value` shared by every field group.
//!
//! Audit events nest everything under object keys, some of which contain `/`
//! (annotation keys such as `authorization.k8s.io/decision`), so lookups take
//! a list of keys rather than a JSON pointer string: no escaping to get wrong.

use lanner_plugin_sdk::{Arg, Value};
use serde_json::Value as Json;

/// Follows `path` through nested objects; `None` when any step is missing,
/// is not an object, or the value found is JSON `null`.
///
/// `null` counts as missing because kube-apiserver serialises unset optional
/// fields that way in some versions, and a rule testing `exists` should not
/// see the text "null".
pub fn get<'a>(root: &'a Json, path: &[&str]) -> Option<&'a Json> {
    let mut current = root;
    for key in path {
        current = current.as_object()?.get(*key)?;
    }
    (!current.is_null()).then_some(current)
}

/// A JSON value as field text: strings as themselves, anything else
/// (numbers, booleans, objects, arrays) as its compact JSON text, which is
/// what Falco rules compare against (`ka.req.pod.host_network = "true"`).
pub fn as_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The text at `path`, or absent.
pub fn text_at(root: &Json, path: &[&str]) -> Value {
    Value::text(get(root, path).map(as_text))
}

/// The array at `path`, if it is one.
pub fn array_at<'a>(root: &'a Json, path: &[&str]) -> Option<&'a [Json]> {
    get(root, path)?.as_array().map(Vec::as_slice)
}

/// Every non-null element of the array at `path` as text; absent when there
/// is no array there or it has no element.
pub fn list_at(root: &Json, path: &[&str]) -> Value {
    let items = array_at(root, path).unwrap_or_default();
    Value::texts(texts(items))
}

/// The non-null elements of `items` as texts.
pub fn texts(items: &[Json]) -> Vec<String> {
    items.iter().filter(|v| !v.is_null()).map(as_text).collect()
}

/// Which elements of an array a field's argument selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// No argument: every element.
    All,
    /// `field[n]`: only element `n`.
    One(u64),
}

impl Pick {
    /// Reads an optional index argument. A key that is a number is accepted
    /// as an index too (Falco passes `field[0]` either way); any other key
    /// selects everything, as upstream does when the index does not parse.
    pub fn from_arg(arg: Arg<'_>) -> Self {
        match arg {
            Arg::Index(i) => Pick::One(i),
            Arg::Key(k) => k.trim().parse().map_or(Pick::All, Pick::One),
            Arg::None => Pick::All,
        }
    }

    /// The selected elements; empty when the index is out of range.
    pub fn select(self, items: &[Json]) -> &[Json] {
        match self {
            Pick::All => items,
            Pick::One(i) => usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i..=i))
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn get_follows_keys_with_slashes_and_treats_null_as_missing() {
        let v = json!({"annotations": {"a.io/b": "x", "n": null}, "s": "t"});
        assert_eq!(get(&v, &["annotations", "a.io/b"]), Some(&json!("x")));
        assert_eq!(get(&v, &["annotations", "n"]), None);
        assert_eq!(get(&v, &["s", "deeper"]), None);
        assert_eq!(get(&v, &[]), Some(&v));
    }

    #[test]
    fn non_strings_render_as_compact_json() {
        assert_eq!(as_text(&json!(true)), "true");
        assert_eq!(as_text(&json!(8080)), "8080");
        assert_eq!(as_text(&json!({"a": [1, 2]})), r#"{"a":[1,2]}"#);
        assert_eq!(as_text(&json!("plain")), "plain");
    }

    #[test]
    fn pick_selects_one_or_none() {
        let items = [json!(1), json!(2)];
        assert_eq!(Pick::All.select(&items).len(), 2);
        assert_eq!(Pick::One(1).select(&items), &[json!(2)]);
        assert!(Pick::One(2).select(&items).is_empty());
        assert!(Pick::One(u64::MAX).select(&items).is_empty());
        assert_eq!(Pick::from_arg(Arg::Key("1")), Pick::One(1));
        assert_eq!(Pick::from_arg(Arg::Key("x")), Pick::All);
    }
}

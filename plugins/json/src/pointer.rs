//! RFC 6901 JSON pointers, resolved against a parsed document.
//!
//! Written by hand rather than with `serde_json::Value::pointer` so that the
//! edge cases rules depend on are ours and tested here: a malformed escape or
//! a non-canonical array index is a miss (the field is absent), never a
//! guess.

use serde_json::Value;
use std::borrow::Cow;

/// The value `pointer` designates in `doc`, or `None` when it designates
/// nothing (missing key, index out of range, malformed pointer).
///
/// The empty pointer designates the whole document. Any other pointer must
/// start with `/`; each `/`-separated token is unescaped (`~1` is `/`, `~0`
/// is `~`) and selects an object member by name or an array element by
/// decimal index.
pub fn resolve<'v>(doc: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(doc);
    }
    let tokens = pointer.strip_prefix('/')?;
    tokens
        .split('/')
        .try_fold(doc, |node, raw| step(node, &unescape(raw)?))
}

/// One step down from `node` by the unescaped `token`.
fn step<'v>(node: &'v Value, token: &str) -> Option<&'v Value> {
    match node {
        Value::Object(members) => members.get(token),
        Value::Array(items) => items.get(array_index(token)?),
        _ => None,
    }
}

/// Undoes the two RFC 6901 escapes; `None` for a `~` followed by anything
/// other than `0` or `1`, which the RFC leaves undefined.
fn unescape(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.contains('~') {
        return Some(Cow::Borrowed(raw));
    }
    let mut token = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => token.push('~'),
                Some('1') => token.push('/'),
                _ => return None,
            }
        } else {
            token.push(c);
        }
    }
    Some(Cow::Owned(token))
}

/// An array index as RFC 6901 spells it: `0` or digits without a leading
/// zero. `-` (one past the end) and signs are refused because they name no
/// existing element.
fn array_index(token: &str) -> Option<usize> {
    let canonical = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    if canonical { token.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "user": {"name": "alice", "groups": ["dev", "ops"]},
            "a/b": 1,
            "m~n": 2,
            "": "empty key",
            "items": [{"id": 7}, {"id": 8}],
        })
    }

    #[test]
    fn walks_objects_and_arrays() {
        let doc = doc();
        assert_eq!(resolve(&doc, "/user/name"), Some(&json!("alice")));
        assert_eq!(resolve(&doc, "/user/groups/1"), Some(&json!("ops")));
        assert_eq!(resolve(&doc, "/items/0/id"), Some(&json!(7)));
    }

    #[test]
    fn empty_pointer_is_the_whole_document() {
        let doc = doc();
        assert_eq!(resolve(&doc, ""), Some(&doc));
    }

    #[test]
    fn unescapes_slash_and_tilde() {
        let doc = doc();
        assert_eq!(resolve(&doc, "/a~1b"), Some(&json!(1)));
        assert_eq!(resolve(&doc, "/m~0n"), Some(&json!(2)));
        assert_eq!(resolve(&doc, "/"), Some(&json!("empty key")));
    }

    #[test]
    fn misses_are_none() {
        let doc = doc();
        for pointer in [
            "/nope",
            "/user/name/deeper",
            "/user/groups/2",
            "/user/groups/-",
            "/user/groups/01",
            "/user/groups/+1",
            "/m~2n",
            "/m~",
            "user/name",
        ] {
            assert_eq!(resolve(&doc, pointer), None, "{pointer}");
        }
    }

    #[test]
    fn escapes_are_decoded_once() {
        // `~01` is `~1` literally, not `/`: `~0` is decoded first in one pass.
        let doc = json!({"~1": "tilde-one", "/": "slash"});
        assert_eq!(resolve(&doc, "/~01"), Some(&json!("tilde-one")));
        assert_eq!(resolve(&doc, "/~1"), Some(&json!("slash")));
    }
}

//! RFC 6901 JSON pointers, resolved over a document's text.
//!
//! Written by hand rather than with `serde_json::Value::pointer` so that the
//! edge cases rules depend on are ours and tested here: a malformed escape or
//! a non-canonical array index is a miss (the field is absent), never a
//! guess.
//!
//! The walk reads the text itself, one level at a time, instead of a parsed
//! `serde_json::Value`: a rule asks for a handful of values per event, and
//! building the whole tree to read them cost several times more than
//! skipping over the members on the way. The result is the same as looking
//! the pointer up in the parsed `Value`, duplicate keys included (the last
//! one wins there, so it wins here).

use crate::scan;
use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;

/// The member tables of the objects pointers have already walked through
/// in one document, so that the fields of an event share that work: the
/// Falco k8s audit rules ask for five pointers per event, four of them under
/// `/requestObject`, and without the tables each would scan the whole
/// event again.
#[derive(Default)]
pub struct Tables {
    /// `(offset of the object's '{', its members)`.
    tables: RefCell<Vec<(usize, Vec<Member>)>>,
}

/// An object member, as spans of the document.
struct Member {
    /// The key, quoted and escaped as written.
    key: Range<usize>,
    /// Whether `key` contains escapes, worked out once rather than at every
    /// comparison.
    escaped: bool,
    value: Range<usize>,
}

impl Member {
    fn new(doc: &str, (key, value): (Range<usize>, Range<usize>)) -> Self {
        let escaped = doc
            .as_bytes()
            .get(key.clone())
            .is_some_and(|k| k.contains(&b'\\'));
        Self {
            key,
            escaped,
            value,
        }
    }

    fn is(&self, doc: &str, token: &str) -> bool {
        doc.get(self.key.clone())
            .is_some_and(|key| key_is(key, self.escaped, token))
    }
}

/// The text of the value `pointer` designates in the JSON text `doc` (valid
/// JSON, see [`crate::check`]), or `None` when it designates nothing
/// (missing key, index out of range, malformed pointer). `tables` must only
/// ever be used with this same `doc`.
///
/// The empty pointer designates the whole document. Any other pointer must
/// start with `/`; each `/`-separated token is unescaped (`~1` is `/`, `~0`
/// is `~`) and selects an object member by name or an array element by
/// decimal index.
pub fn resolve<'t>(doc: &'t str, pointer: &str, tables: &Tables) -> Option<&'t str> {
    let root = scan::root(doc);
    let found = if pointer.is_empty() {
        root
    } else {
        let tokens = pointer.strip_prefix('/')?;
        tokens
            .split('/')
            .try_fold(root, |node, raw| step(doc, node, &unescape(raw)?, tables))?
    };
    doc.get(found)
}

/// One step down from the value at `node` in `doc` by the unescaped `token`.
fn step(doc: &str, node: Range<usize>, token: &str, tables: &Tables) -> Option<Range<usize>> {
    match doc.as_bytes().get(node.start)? {
        b'{' => tables.member(doc, node.start, token),
        b'[' => scan::elements(doc, node.start).nth(array_index(token)?),
        _ => None,
    }
}

impl Tables {
    /// The value of the member `token` of the object at `start` in `doc`.
    /// With a duplicated key, the last one: the one a parsed `Value` keeps.
    fn member(&self, doc: &str, start: usize, token: &str) -> Option<Range<usize>> {
        // Not re-entered, so the borrow is always free; if it were not, the
        // lookup would still be right, only uncached.
        let Ok(mut tables) = self.tables.try_borrow_mut() else {
            return scan::members(doc, start)
                .map(|member| Member::new(doc, member))
                .filter(|member| member.is(doc, token))
                .last()
                .map(|member| member.value);
        };
        let index = match tables.iter().position(|(at, _)| *at == start) {
            Some(index) => index,
            None => {
                // Room for a typical audit event's top level without regrowing.
                let mut members = Vec::with_capacity(24);
                members.extend(scan::members(doc, start).map(|member| Member::new(doc, member)));
                tables.push((start, members));
                tables.len() - 1
            }
        };
        let (_, members) = tables.get(index)?;
        members
            .iter()
            .rev()
            .find(|member| member.is(doc, token))
            .map(|member| member.value.clone())
    }
}

/// Whether the quoted JSON string `key` spells `token`; `escaped` tells
/// whether `key` contains a backslash.
fn key_is(key: &str, escaped: bool, token: &str) -> bool {
    let Some(inner) = key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) else {
        return false;
    };
    if !escaped {
        return inner == token;
    }
    // Escapes never make a string longer than its spelling, and always make
    // it shorter: only a key spelled longer than the token can match.
    inner.len() > token.len()
        && serde_json::from_str::<String>(key).is_ok_and(|unescaped| unescaped == token)
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
    use serde_json::{Value, json};

    /// `resolve` with tables of its own.
    fn resolve<'t>(doc: &'t str, pointer: &str) -> Option<&'t str> {
        super::resolve(doc, pointer, &Tables::default())
    }

    fn doc() -> String {
        json!({
            "user": {"name": "alice", "groups": ["dev", "ops"]},
            "a/b": 1,
            "m~n": 2,
            "": "empty key",
            "items": [{"id": 7}, {"id": 8}],
        })
        .to_string()
    }

    #[test]
    fn walks_objects_and_arrays() {
        let doc = doc();
        assert_eq!(resolve(&doc, "/user/name"), Some("\"alice\""));
        assert_eq!(resolve(&doc, "/user/groups/1"), Some("\"ops\""));
        assert_eq!(resolve(&doc, "/items/0/id"), Some("7"));
        assert_eq!(resolve(&doc, "/items/1"), Some(r#"{"id":8}"#));
    }

    #[test]
    fn empty_pointer_is_the_whole_document() {
        let doc = doc();
        assert_eq!(resolve(&doc, ""), Some(doc.as_str()));
        assert_eq!(resolve(" [1] \n", ""), Some("[1]"));
    }

    #[test]
    fn unescapes_slash_and_tilde() {
        let doc = doc();
        assert_eq!(resolve(&doc, "/a~1b"), Some("1"));
        assert_eq!(resolve(&doc, "/m~0n"), Some("2"));
        assert_eq!(resolve(&doc, "/"), Some("\"empty key\""));
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
        let doc = json!({"~1": "tilde-one", "/": "slash"}).to_string();
        assert_eq!(resolve(&doc, "/~01"), Some("\"tilde-one\""));
        assert_eq!(resolve(&doc, "/~1"), Some("\"slash\""));
    }

    #[test]
    fn keys_spelled_with_json_escapes() {
        let doc = r#"{"a\u002fb":1,"q\"uote":2,"tab\t":3,"\u00e9t\u00e9":4,"back\\slash":5}"#;
        assert_eq!(resolve(doc, "/a~1b"), Some("1"));
        assert_eq!(resolve(doc, "/q\"uote"), Some("2"));
        assert_eq!(resolve(doc, "/tab\t"), Some("3"));
        assert_eq!(resolve(doc, "/été"), Some("4"));
        assert_eq!(resolve(doc, "/back\\slash"), Some("5"));
        assert_eq!(resolve(doc, "/a\\u002fb"), None);
    }

    #[test]
    fn the_last_of_duplicate_keys_wins() {
        let doc = r#"{"a":{"b":1},"x":0,"a":{"c":2}}"#;
        assert_eq!(resolve(doc, "/a/c"), Some("2"));
        assert_eq!(resolve(doc, "/a/b"), None);
    }

    #[test]
    fn layout_does_not_matter() {
        let doc = "\n{ \"a\" :\t[ 1 ,\r\n {\"b\" : [ true , null ] } ] ,\n \"c\": \"d\" }\n";
        assert_eq!(resolve(doc, "/a/1/b/1"), Some("null"));
        assert_eq!(resolve(doc, "/a/1"), Some("{\"b\" : [ true , null ] }"));
        assert_eq!(resolve(doc, "/c"), Some("\"d\""));
    }

    /// The former implementation, over a parsed `Value`: the walk over the
    /// text must designate the same value for every pointer.
    fn over_value<'v>(doc: &'v Value, pointer: &str) -> Option<&'v Value> {
        if pointer.is_empty() {
            return Some(doc);
        }
        let tokens = pointer.strip_prefix('/')?;
        tokens.split('/').try_fold(doc, |node, raw| {
            let token = unescape(raw)?;
            match node {
                Value::Object(members) => members.get(token.as_ref()),
                Value::Array(items) => items.get(array_index(&token)?),
                _ => None,
            }
        })
    }

    /// Every pointer that designates something in `value`, and a few that
    /// just miss next to each.
    fn pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
        out.push(prefix.clone());
        out.push(format!("{prefix}/missing"));
        match value {
            Value::Object(members) => {
                for (key, member) in members {
                    let token = key.replace('~', "~0").replace('/', "~1");
                    pointers(member, format!("{prefix}/{token}"), out);
                }
            }
            Value::Array(items) => {
                out.push(format!("{prefix}/{}", items.len()));
                out.push(format!("{prefix}/-"));
                for (i, item) in items.iter().enumerate() {
                    pointers(item, format!("{prefix}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn agrees_with_the_parsed_value() {
        let docs = [
            doc(),
            r#"{"kind":"Event","requestObject":{"spec":{"containers":[{"image":"nginx","securityContext":{"privileged":true}}],"volumes":[{"hostPath":{"path":"/"}}]}},"x~/y":{"":[[],{}]},"n":[1.5,-0,1e2,18446744073709551616]}"#.to_owned(),
            "{\n  \"a\\u0041\": [ {\"k\" : \"v\\\"}\" } ],\n  \"\\ud83d\\ude00\": 1\n}".to_owned(),
            r#"{"d":1,"d":{"e":[2]}}"#.to_owned(),
            "[[1,[2,[3]]],{\"a\":[]}]".to_owned(),
            "\"scalar\"".to_owned(),
        ];
        for text in &docs {
            let value: Value = serde_json::from_str(text).expect("test documents are JSON");
            let mut all = Vec::new();
            pointers(&value, String::new(), &mut all);
            for pointer in &all {
                let expected = over_value(&value, pointer);
                let found = resolve(text, pointer)
                    .map(|raw| serde_json::from_str::<Value>(raw).expect("a whole value"));
                assert_eq!(found.as_ref(), expected, "{pointer} in {text}");
            }
        }
    }
}

//! Reading typed values out of an item's map, with Falco's checks and texts.
//!
//! Falco decodes every value from the raw scalar text: strings as written,
//! booleans with yaml-cpp's word list, numbers only where a key wants one.
//! Required and optional values go through the same checks (missing key,
//! null value, non-scalar, empty text, undecodable text), each with its own
//! message; this module implements those checks once for every item kind.

use std::collections::BTreeSet;

use super::report::Sink;
use super::yaml::{Node, Pos};

/// A decoded value and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct At<T> {
    /// The value.
    pub value: T,
    /// Where its node starts.
    pub pos: Pos,
}

/// yaml-cpp's flexible case: all lower, all upper, or capitalised.
fn flexible_case(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(_) = chars.next() else {
        return true;
    };
    let rest: String = chars.collect();
    let lower = text.chars().all(|c| !c.is_ascii_uppercase());
    let upper = text.chars().all(|c| !c.is_ascii_lowercase());
    let capitalised = rest.chars().all(|c| !c.is_ascii_uppercase());
    lower || upper || capitalised
}

/// Decodes a boolean the way yaml-cpp does: `y|yes|true|on` and
/// `n|no|false|off`, lower, UPPER or Capitalised.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if !flexible_case(text) {
        return None;
    }
    match text.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "on" => Some(true),
        "n" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// Decodes an unsigned decimal integer (an optional leading `+` allowed).
pub(crate) fn parse_unsigned(text: &str) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Decodes `key` of `item` as a non-empty scalar string.
///
/// Returns `None` when the key is absent or null and `optional` is set, or
/// after reporting an error.
pub(crate) fn string(
    sink: &mut Sink<'_, '_>,
    item: &Node,
    key: &str,
    optional: bool,
) -> Option<At<String>> {
    let Some(val) = item.get(key) else {
        if !optional {
            sink.invalid(
                format!("Item has no mapping for key '{key}'"),
                item.pos,
                format!("add a `{key}:` key to this item"),
            );
        }
        return None;
    };
    if val.is_null() {
        if !optional {
            sink.invalid(
                format!("Mapping for key '{key}' is empty"),
                val.pos,
                format!("give `{key}` a value"),
            );
        }
        return None;
    }
    let Some(text) = val.scalar() else {
        sink.invalid(
            "Value is not a scalar value",
            val.pos,
            format!("`{key}` takes a single value, not a list or a map"),
        );
        return None;
    };
    if text.is_empty() {
        sink.invalid(
            "Value must be non-empty",
            val.pos,
            format!("give `{key}` a non-empty value, or remove the key"),
        );
        return None;
    }
    Some(At {
        value: text.to_string(),
        pos: val.pos,
    })
}

/// Decodes `key` of `item` as a boolean (see [`parse_bool`]).
pub(crate) fn boolean(
    sink: &mut Sink<'_, '_>,
    item: &Node,
    key: &str,
    optional: bool,
) -> Option<At<bool>> {
    let text = string(sink, item, key, optional)?;
    match parse_bool(&text.value) {
        Some(value) => Some(At {
            value,
            pos: text.pos,
        }),
        None => {
            sink.invalid(
                "Can't decode YAML scalar value",
                text.pos,
                format!("`{key}` must be true or false"),
            );
            None
        }
    }
}

/// Decodes an optional `key` of `item` as an unsigned integer.
pub(crate) fn unsigned(sink: &mut Sink<'_, '_>, item: &Node, key: &str) -> Option<At<u64>> {
    let text = string(sink, item, key, true)?;
    match parse_unsigned(&text.value) {
        Some(value) => Some(At {
            value,
            pos: text.pos,
        }),
        None => {
            sink.invalid(
                "Can't decode YAML scalar value",
                text.pos,
                format!("`{key}` must be a non-negative whole number"),
            );
            None
        }
    }
}

/// Decodes `key` of `item` as a sequence of scalars.
///
/// An absent key yields `None` when `optional`; a present key must hold a
/// sequence (null included, as in Falco).
pub(crate) fn strings(
    sink: &mut Sink<'_, '_>,
    item: &Node,
    key: &str,
    optional: bool,
) -> Option<At<Vec<At<String>>>> {
    let Some(val) = item.get(key) else {
        if !optional {
            sink.invalid(
                format!("Item has no mapping for key '{key}'"),
                item.pos,
                format!("add a `{key}:` key with a list, e.g. `{key}: []`"),
            );
        }
        return None;
    };
    let Some(entries) = val.seq() else {
        sink.invalid(
            "Value is not a sequence",
            val.pos,
            format!("write `{key}` as a list, e.g. `{key}: [a, b]`"),
        );
        return None;
    };
    let mut out = Vec::with_capacity(entries.len());
    let mut ok = true;
    for entry in entries {
        match entry.scalar() {
            Some(text) => out.push(At {
                value: text.to_string(),
                pos: entry.pos,
            }),
            None => {
                sink.invalid(
                    "sequence value is not scalar",
                    entry.pos,
                    format!("each entry of `{key}` must be a single value"),
                );
                ok = false;
            }
        }
    }
    ok.then_some(At {
        value: out,
        pos: val.pos,
    })
}

/// Decodes an optional `tags` sequence into a sorted set.
pub(crate) fn tags(sink: &mut Sink<'_, '_>, item: &Node) -> Option<BTreeSet<String>> {
    strings(sink, item, "tags", true).map(|tags| tags.value.into_iter().map(|t| t.value).collect())
}

/// Warns about every key of `item` outside `allowed`.
pub(crate) fn warn_unknown_keys(sink: &mut Sink<'_, '_>, item: &Node, allowed: &[&str]) {
    let Some(entries) = item.map() else {
        return;
    };
    for (key, _) in entries {
        let name = key.scalar().unwrap_or("");
        if !allowed.contains(&name) {
            sink.warn(
                super::super::diagnostics::Code::UnknownKey,
                format!("Unknown key '{name}'. The key will be ignored."),
                key.pos,
                format!("known keys here are: {}", allowed.join(", ")),
            );
        }
    }
}

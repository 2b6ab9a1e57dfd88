//! Checking JSON exactly as strictly as parsing it into a `serde_json::Value`
//! would, without building anything.
//!
//! Ingest and extraction read only the parts of a document they need and
//! keep the rest as raw text (`serde_json::value::RawValue`). Which documents
//! are accepted must not change for that, but serde_json's skipping (what
//! `RawValue` and `IgnoredAny` do) only checks the syntax: it accepts lone
//! surrogate escapes (`"\ud800"`), numbers beyond `f64` (`1e400`) and any
//! nesting depth, all of which make a `Value` parse fail. [`Skip`] goes
//! through serde_json's real parser instead (every string decoded, every
//! number converted) and counts nesting with serde_json's own budget, so a
//! raw part checked with the budget left at its position in the whole
//! document fails exactly when parsing the whole document would.

use serde::de::{self, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// serde_json's nesting budget at the root of a document: opening the 128th
/// nested array or object fails a parse.
pub const ROOT_DEPTH: u8 = 128;

/// Validates one JSON value, given the nesting budget serde_json would have
/// left when reaching it in the whole document ([`ROOT_DEPTH`] at the root).
#[derive(Clone, Copy, Debug)]
pub struct Skip {
    remaining: u8,
}

impl Skip {
    /// A value met with `remaining` nesting budget left.
    pub const fn at(remaining: u8) -> Self {
        Self { remaining }
    }

    /// The budget left inside an array or object met here; an error when
    /// opening it exceeds the limit (serde_json's own rule: the budget must
    /// stay above zero once the container is entered).
    pub fn enter<E: de::Error>(self) -> Result<Skip, E> {
        match self.remaining.checked_sub(1) {
            Some(inner) if inner > 0 => Ok(Skip::at(inner)),
            _ => Err(E::custom("recursion limit exceeded")),
        }
    }

    /// The budget as a number, for seeds that carry it on.
    pub fn remaining(self) -> u8 {
        self.remaining
    }

    /// Validates `raw`, a part of a larger document met at this budget.
    pub fn check(self, raw: &RawValue) -> Result<(), serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(raw.get());
        self.deserialize(&mut de)?;
        de.end()
    }
}

/// The error `serde_json::from_slice::<Value>(document)` reports, or `None`
/// when the document is valid. Same parser, same first error, same message.
pub fn document_error(document: &[u8]) -> Option<serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(document);
    Skip::at(ROOT_DEPTH)
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .err()
}

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        // `deserialize_any` is what `Value` uses: strings are decoded and
        // numbers converted, with the same errors.
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.enter()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.enter()?;
        // Keys go through the same string decoding as values.
        while map.next_key_seed(inner)?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}

/// The kind of JSON value `text` holds, named as error messages name it, from
/// its first byte (`text` is valid JSON).
pub fn type_name(text: &str) -> &'static str {
    match text.trim_ascii_start().as_bytes().first() {
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

/// A custom error for a `serde_json` result.
pub fn error(message: &str) -> serde_json::Error {
    serde_json::Error::custom(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    /// `Skip` at the root accepts exactly what `Value` accepts, with the same error.
    #[test]
    fn agrees_with_value() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        for doc in [
            r#"{"a": [1, -2.5e3, true, null, "x\u00e9\n"], "b": {}}"#,
            r#""\ud800""#,
            r#"{"\udc00": 1}"#,
            r#""\ud83d\ude00""#,
            "1e400",
            "-1e400",
            "123456789012345678901234567890",
            "[1,]",
            "{} x",
            "",
            "\"\u{1}\"",
            &deep(127),
            &deep(128),
            &deep(129),
        ] {
            let expected = serde_json::from_str::<Json>(doc)
                .err()
                .map(|e| e.to_string());
            let got = document_error(doc.as_bytes()).map(|e| e.to_string());
            assert_eq!(got, expected, "{doc:.40}");
        }
    }

    /// A raw part checked with the budget at its position fails exactly when
    /// the whole document does.
    #[test]
    fn budget_follows_the_position_in_the_document() {
        for depth in 120..130 {
            let inner = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            let doc = format!(r#"{{"a": {{"b": {inner}}}}}"#);
            let whole_ok = serde_json::from_str::<Json>(&doc).is_ok();
            let raw: Box<RawValue> = serde_json::from_str(&inner).unwrap();
            // Two enclosing objects use two levels of the root budget.
            assert_eq!(
                Skip::at(ROOT_DEPTH - 2).check(&raw).is_ok(),
                whole_ok,
                "{depth}"
            );
        }
    }

    #[test]
    fn type_names() {
        for (text, name) in [
            ("{}", "object"),
            (" []", "array"),
            ("\"s\"", "string"),
            ("true", "boolean"),
            ("false", "boolean"),
            ("null", "null"),
            ("-1", "number"),
            ("7", "number"),
        ] {
            assert_eq!(type_name(text), name);
        }
    }
}

//! Whether a payload is JSON, with exactly the verdict parsing it into a
//! `serde_json::Value` gives, but without building the value.
//!
//! Fields used to be computed from a `Value` parsed in `parse`, and an event
//! whose payload did not parse had no fields at all. Keeping that verdict
//! identical means accepting what `Value` accepts and nothing else, number
//! ranges (`1e400` is refused), escapes, the nesting limit and trailing
//! text included. `serde::de::IgnoredAny` is not enough: serde_json skips
//! ignored values with a lighter scanner that checks less (it lets
//! out-of-range numbers and any depth through). So this visitor asks for
//! every value with `deserialize_any`, as `Value` does, and drops it.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// True when `text` parses as a `serde_json::Value`.
pub fn is_json(text: &str) -> bool {
    serde_json::from_str::<Checked>(text).is_ok()
}

/// Any JSON value, read in full and then dropped.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        // Keys are read like `Value` reads them (as strings, escapes checked).
        while map.next_key::<Checked>()?.is_some() {
            map.next_value::<Checked>()?;
        }
        Ok(Checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The verdict `Value` gives, which `is_json` must reproduce.
    fn value_accepts(text: &str) -> bool {
        serde_json::from_str::<serde_json::Value>(text).is_ok()
    }

    #[test]
    fn agrees_with_value() {
        let deep_ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let too_deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for text in [
            r#"{"a":[1,-2,3.5e2,true,false,null,"x\n\u00e9"],"b":{}}"#,
            " \n 42 \t",
            r#""\ud83d\ude00""#,
            r#""\ud83d""#,
            r#""\x""#,
            "\"tab\there\"",
            "1e400",
            "-1e400",
            "18446744073709551616",
            "1e-400",
            "01",
            "1.",
            "-",
            "[1,]",
            r#"{"a":1,}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a" 1}"#,
            "{\"a\":1} x",
            "{\"a\":1}{}",
            "",
            "   ",
            "nul",
            "NaN",
            &deep_ok,
            &too_deep,
        ] {
            assert_eq!(is_json(text), value_accepts(text), "{text:?}");
        }
    }
}

//! Turns the values a plugin returns into typed engine values, refusing any
//! that do not match the field's declared type: a plugin is untrusted input.

use crate::{
    fields::{FieldType, Value},
    plugin::wit::FieldValue,
};
use std::{borrow::Cow, net::IpAddr};

/// A value that does not fit its field's declaration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("returned {got} for a {expected} field")]
pub struct Mismatch {
    /// What the field declares.
    pub expected: String,
    /// What came back.
    pub got: &'static str,
}

fn kind(value: &FieldValue) -> &'static str {
    match value {
        FieldValue::Absent => "nothing",
        FieldValue::Text(_) => "a text",
        FieldValue::Number(_) => "a number",
        FieldValue::Flag(_) => "a boolean",
        FieldValue::Texts(_) => "a list of texts",
        FieldValue::Numbers(_) => "a list of numbers",
        FieldValue::Flags(_) => "a list of booleans",
    }
}

/// The engine value of `value` for a field of type `ty` (`is_list`: a list field).
pub fn convert(
    value: FieldValue,
    ty: FieldType,
    is_list: bool,
) -> Result<Option<Value<'static>>, Mismatch> {
    let mismatch = |value: &FieldValue| Mismatch {
        expected: if is_list {
            format!("list of {ty}")
        } else {
            ty.to_string()
        },
        got: kind(value),
    };
    let scalar = |value: FieldValue| -> Result<Value<'static>, Mismatch> {
        Ok(match (ty, value) {
            (FieldType::String, FieldValue::Text(t)) => Value::Str(Cow::Owned(t)),
            (FieldType::UInt, FieldValue::Number(n)) => Value::UInt(n),
            (FieldType::RelTime, FieldValue::Number(n)) => Value::RelTime(n),
            (FieldType::AbsTime, FieldValue::Number(n)) => Value::AbsTime(n),
            (FieldType::Bool, FieldValue::Flag(b)) => Value::Bool(b),
            (FieldType::Ip, FieldValue::Text(t)) => {
                let ip: IpAddr = t.trim().parse().map_err(|_| Mismatch {
                    expected: ty.to_string(),
                    got: "a text that is not an IP address",
                })?;
                Value::Ip(ip)
            }
            (FieldType::Net, FieldValue::Text(t)) => {
                let net = t.trim().parse().map_err(|_| Mismatch {
                    expected: ty.to_string(),
                    got: "a text that is not a CIDR network",
                })?;
                Value::Net(net)
            }
            (_, other) => return Err(mismatch(&other)),
        })
    };
    match value {
        FieldValue::Absent => Ok(None),
        list @ (FieldValue::Texts(_) | FieldValue::Numbers(_) | FieldValue::Flags(_)) => {
            if !is_list {
                return Err(mismatch(&list));
            }
            let items: Vec<FieldValue> = match list {
                FieldValue::Texts(items) => items.into_iter().map(FieldValue::Text).collect(),
                FieldValue::Numbers(items) => items.into_iter().map(FieldValue::Number).collect(),
                FieldValue::Flags(items) => items.into_iter().map(FieldValue::Flag).collect(),
                _ => Vec::new(),
            };
            let values = items.into_iter().map(scalar).collect::<Result<_, _>>()?;
            Ok(Some(Value::List(values)))
        }
        // A list field with one element may come back as a scalar.
        single if is_list => Ok(Some(Value::List(vec![scalar(single)?]))),
        single => scalar(single).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_values_of_the_declared_type() {
        assert_eq!(
            convert(FieldValue::Text("a".into()), FieldType::String, false),
            Ok(Some(Value::Str("a".into())))
        );
        assert_eq!(
            convert(FieldValue::Text("10.0.0.1".into()), FieldType::Ip, false),
            Ok(Some(Value::Ip("10.0.0.1".parse().unwrap())))
        );
        assert_eq!(
            convert(
                FieldValue::Texts(vec!["a".into(), "b".into()]),
                FieldType::String,
                true
            ),
            Ok(Some(Value::List(vec!["a".into(), "b".into()])))
        );
        assert_eq!(
            convert(FieldValue::Absent, FieldType::UInt, false),
            Ok(None)
        );
    }

    #[test]
    fn refuses_values_that_break_the_declaration() {
        assert!(convert(FieldValue::Text("1".into()), FieldType::UInt, false).is_err());
        assert!(convert(FieldValue::Text("not-an-ip".into()), FieldType::Ip, false).is_err());
        assert!(convert(FieldValue::Texts(vec![]), FieldType::String, false).is_err());
        assert!(convert(FieldValue::Numbers(vec![1]), FieldType::String, true).is_err());
    }
}

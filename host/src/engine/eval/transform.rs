//! Transformers (`tolower`, `b64`, `len`, ...) applied to extracted values.
//! They run only for checks that use them and allocate only then.

use super::{CompiledArg, Evaluation, compare::text_of};
use crate::{engine::ast::TransformKind, fields::Value};
use base64::Engine as _;
use std::borrow::Cow;

/// Applies transformer `kind` to its arguments for the current event.
pub fn apply_transform<'e>(
    eval: &mut Evaluation<'e>,
    kind: TransformKind,
    args: &[CompiledArg],
    index: Option<&str>,
) -> Option<Value<'e>> {
    match kind {
        TransformKind::ToLower
        | TransformKind::ToUpper
        | TransformKind::B64
        | TransformKind::Basename
        | TransformKind::Len => {
            let value = argument(eval, args.first()?)?;
            unary(kind, value)
        }
        TransformKind::Concat => {
            let mut out = String::new();
            for arg in args {
                out.push_str(&text(&argument(eval, arg)?));
            }
            Some(Value::Str(Cow::Owned(out)))
        }
        TransformKind::Join => {
            let separator = text(&argument(eval, args.first()?)?);
            let mut parts = Vec::new();
            match args.get(1)? {
                CompiledArg::List(items) => {
                    for item in items {
                        flatten_text(argument(eval, item)?, &mut parts);
                    }
                }
                other => flatten_text(argument(eval, other)?, &mut parts),
            }
            Some(Value::Str(Cow::Owned(parts.join(&separator))))
        }
        TransformKind::Getopt => {
            let mut words = Vec::new();
            flatten_text(argument(eval, args.first()?)?, &mut words);
            let optstring = text(&argument(eval, args.get(1)?)?);
            let wanted = index?.chars().next()?;
            getopt(&words, &optstring, wanted).map(|v| Value::Str(Cow::Owned(v)))
        }
    }
}

fn argument<'e>(eval: &mut Evaluation<'e>, arg: &CompiledArg) -> Option<Value<'e>> {
    match arg {
        CompiledArg::Operand(operand) => eval.operand(operand),
        CompiledArg::Literal(text) => Some(Value::Str(Cow::Owned(text.clone()))),
        CompiledArg::List(items) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                values.push(argument(eval, item)?);
            }
            Some(Value::List(values))
        }
    }
}

fn unary(kind: TransformKind, value: Value<'_>) -> Option<Value<'_>> {
    if let Value::List(items) = value {
        if kind == TransformKind::Len {
            return Some(Value::UInt(items.len() as u64));
        }
        let mapped: Option<Vec<_>> = items.into_iter().map(|v| unary(kind, v)).collect();
        return mapped.map(Value::List);
    }
    match kind {
        TransformKind::ToLower => Some(Value::Str(Cow::Owned(
            text_of(&value)?.to_ascii_lowercase(),
        ))),
        TransformKind::ToUpper => Some(Value::Str(Cow::Owned(
            text_of(&value)?.to_ascii_uppercase(),
        ))),
        TransformKind::Basename => {
            let text = text_of(&value)?;
            let base = text.rsplit('/').next().unwrap_or(text);
            Some(Value::Str(Cow::Owned(base.to_string())))
        }
        TransformKind::Len => match &value {
            Value::Str(s) => Some(Value::UInt(s.len() as u64)),
            Value::Bytes(b) => Some(Value::UInt(b.len() as u64)),
            _ => None,
        },
        TransformKind::B64 => {
            let input = match &value {
                Value::Str(s) => s.as_bytes(),
                Value::Bytes(b) => b,
                _ => return None,
            };
            let trimmed: Vec<u8> = input
                .iter()
                .copied()
                .filter(|b| *b != b'=' && !b.is_ascii_whitespace())
                .collect();
            let decoded = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(trimmed)
                .ok()?;
            Some(match value {
                Value::Bytes(_) => Value::Bytes(Cow::Owned(decoded)),
                _ => Value::Str(Cow::Owned(String::from_utf8_lossy(&decoded).into_owned())),
            })
        }
        TransformKind::Concat | TransformKind::Join | TransformKind::Getopt => None,
    }
}

fn text(value: &Value<'_>) -> String {
    match value {
        Value::Str(s) => s.to_string(),
        other => other.to_string(),
    }
}

fn flatten_text(value: Value<'_>, out: &mut Vec<String>) {
    match value {
        Value::List(items) => items.into_iter().for_each(|v| flatten_text(v, out)),
        Value::Str(s) => out.extend(s.split_whitespace().map(str::to_string)),
        other => out.push(other.to_string()),
    }
}

/// getopt(3)-style scan of `words` for option `wanted`: its argument when the
/// optstring says it takes one, else an empty string when it is present.
fn getopt(words: &[String], optstring: &str, wanted: char) -> Option<String> {
    let takes_argument = |c: char| {
        optstring
            .char_indices()
            .find(|(_, o)| *o == c)
            .is_some_and(|(i, _)| optstring[i + c.len_utf8()..].starts_with(':'))
    };
    let mut i = 0;
    while let Some(word) = words.get(i) {
        if word == "--" {
            break;
        }
        let Some(flags) = word.strip_prefix('-').filter(|f| !f.is_empty()) else {
            i += 1;
            continue;
        };
        for (offset, flag) in flags.char_indices() {
            if takes_argument(flag) {
                let rest = &flags[offset + flag.len_utf8()..];
                let argument = if rest.is_empty() {
                    i += 1;
                    words.get(i).cloned().unwrap_or_default()
                } else {
                    rest.to_string()
                };
                if flag == wanted {
                    return Some(argument);
                }
                break;
            }
            if flag == wanted {
                return Some(String::new());
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::getopt;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn getopt_finds_flags_and_arguments() {
        let args = words("-v -o out.txt -ffile x");
        assert_eq!(getopt(&args, "vo:f:", 'o').as_deref(), Some("out.txt"));
        assert_eq!(getopt(&args, "vo:f:", 'f').as_deref(), Some("file"));
        assert_eq!(getopt(&args, "vo:f:", 'v').as_deref(), Some(""));
        assert_eq!(getopt(&args, "vo:f:", 'z'), None);
    }
}

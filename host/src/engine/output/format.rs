//! Rule output formats (`%proc.name`, `%20fd.name`, `%proc.aname[2]`, ...).
//!
//! Tokens are found the way Falco finds them: after `%` and an optional
//! width, the longest field or transformer that parses *and* is known to the
//! source; if a candidate is unknown, it is shortened one character at a time
//! (so `%fd.name.` and `%ct.region)` work). There is no escape for `%`.

use crate::engine::{
    ast::{FieldRef, Operand, TransformArg},
    compile::{CompileError, check::FieldBinder},
    eval::{CompiledOperand, Evaluation},
    parser::parse_field_or_transformer,
};
use crate::fields::Value;
use std::collections::BTreeMap;

/// The widest `%NNNfield` padding accepted: wider would only build huge alerts.
const MAX_WIDTH: usize = 4096;

/// One piece of an output format.
#[derive(Debug)]
enum Segment {
    /// Literal text.
    Text(String),
    /// A value to extract.
    Value {
        /// What to extract.
        operand: CompiledOperand,
        /// Pad or truncate the rendered value to this many bytes.
        width: Option<usize>,
        /// The key under `output_fields`; `None` for transformer tokens,
        /// which Falco leaves out.
        key: Option<String>,
    },
}

/// A compiled output format.
#[derive(Debug, Default)]
pub struct OutputFormat {
    segments: Vec<Segment>,
    /// Fields (and the fields inside transformers) that feed `output_fields`.
    extra_keys: Vec<(String, CompiledOperand)>,
}

/// Renders of one format for one event.
pub struct Rendered {
    /// The formatted text.
    pub text: String,
    /// The field values for JSON `output_fields`, by token name.
    pub fields: BTreeMap<String, serde_json::Value>,
}

impl OutputFormat {
    /// Compiles `text` for the binder's source; returns the format and any deprecation warnings.
    pub fn compile(
        text: &str,
        binder: &mut FieldBinder<'_>,
    ) -> Result<(Self, Vec<String>), CompileError> {
        let mut warnings = Vec::new();
        let text = if text.contains("%container.info") {
            warnings.push(
                "%container.info is deprecated and is replaced by an empty string".to_string(),
            );
            text.replace("%container.info", "")
        } else {
            text.to_string()
        };
        let mut format = Self::default();
        let mut literal = String::new();
        let mut rest = text.as_str();
        while let Some(percent) = rest.find('%') {
            literal.push_str(&rest[..percent]);
            rest = &rest[percent + 1..];
            if rest.is_empty() {
                return Err(CompileError::new(
                    "invalid formatting syntax: formatting cannot end with a %",
                ));
            }
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let width = match &rest[..digits] {
                "" => None,
                text => match text.parse::<usize>() {
                    Ok(width) if width <= MAX_WIDTH => Some(width),
                    _ => {
                        return Err(CompileError::new(format!(
                            "output width {text} is too large (at most {MAX_WIDTH})"
                        )));
                    }
                },
            };
            rest = &rest[digits..];
            let (operand, key, inner, consumed) = token(rest, binder)?;
            format.extra_keys.extend(inner);
            if !literal.is_empty() {
                format
                    .segments
                    .push(Segment::Text(std::mem::take(&mut literal)));
            }
            format.segments.push(Segment::Value {
                operand,
                width,
                key,
            });
            rest = &rest[consumed..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            format.segments.push(Segment::Text(literal));
        }
        Ok((format, warnings))
    }

    /// Renders the format for the event under evaluation.
    pub fn render(&self, eval: &mut Evaluation<'_>) -> Rendered {
        let mut text = String::new();
        let mut fields = BTreeMap::new();
        for segment in &self.segments {
            match segment {
                Segment::Text(literal) => text.push_str(literal),
                Segment::Value {
                    operand,
                    width,
                    key,
                } => {
                    let value = eval.operand(operand);
                    let rendered = value
                        .as_ref()
                        .map_or_else(|| "<NA>".to_string(), Value::to_string);
                    match width {
                        Some(width) => push_fixed_width(&mut text, &rendered, *width),
                        None => text.push_str(&rendered),
                    }
                    if let Some(key) = key {
                        fields.insert(
                            key.clone(),
                            value
                                .as_ref()
                                .map_or(serde_json::Value::Null, Value::to_json),
                        );
                    }
                }
            }
        }
        for (key, operand) in &self.extra_keys {
            if !fields.contains_key(key) {
                let value = eval.operand(operand);
                fields.insert(
                    key.clone(),
                    value
                        .as_ref()
                        .map_or(serde_json::Value::Null, Value::to_json),
                );
            }
        }
        Rendered { text, fields }
    }
}

/// Finds the token at the start of `rest`: parse, bind, and shorten on failure.
fn token(rest: &str, binder: &mut FieldBinder<'_>) -> Result<TokenParts, CompileError> {
    let mut candidate = rest;
    loop {
        let unknown = || CompileError::new(format!("unknown filter: {rest}"));
        let (operand, consumed) = parse_field_or_transformer(candidate).map_err(|_| unknown())?;
        match binder.operand(&operand) {
            Ok((compiled, _, _)) => {
                let (key, inner) = match &operand {
                    Operand::Field(_) => (Some(operand.to_string()), Vec::new()),
                    Operand::Transform(transform) => {
                        let mut fields = Vec::new();
                        inner_fields(&transform.args, &mut fields);
                        let mut inner = Vec::new();
                        for field in fields {
                            let key = field.to_string();
                            let (compiled, _, _) = binder.operand(&Operand::Field(field))?;
                            inner.push((key, compiled));
                        }
                        (None, inner)
                    }
                };
                return Ok((compiled, key, inner, consumed));
            }
            Err(error) => {
                if consumed <= 1 {
                    return Err(CompileError::new(format!(
                        "unknown filter: {rest} ({})",
                        error.message
                    )));
                }
                let mut cut = consumed - 1;
                while !candidate.is_char_boundary(cut) {
                    cut -= 1;
                }
                candidate = &candidate[..cut];
            }
        }
    }
}

/// A token's compiled operand, its `output_fields` key, the keys of fields
/// inside a transformer, and how many bytes of the format it spans.
type TokenParts = (
    CompiledOperand,
    Option<String>,
    Vec<(String, CompiledOperand)>,
    usize,
);

fn inner_fields(args: &[TransformArg], out: &mut Vec<FieldRef>) {
    for arg in args {
        match arg {
            TransformArg::Operand(Operand::Field(field)) => out.push(field.clone()),
            TransformArg::Operand(Operand::Transform(transform)) => {
                inner_fields(&transform.args, out)
            }
            TransformArg::List(items) => inner_fields(items, out),
            TransformArg::Literal(_) => {}
        }
    }
}

fn push_fixed_width(out: &mut String, value: &str, width: usize) {
    if value.len() >= width {
        let mut cut = width;
        while !value.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&value[..cut]);
    } else {
        out.push_str(value);
        out.extend(std::iter::repeat_n(' ', width - value.len()));
    }
}

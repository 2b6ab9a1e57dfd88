//! Warnings about conditions that compile but are probably not what the
//! author meant: `<NA>` compared on fields whose absence is not `<NA>`,
//! deprecated fields, field names used as plain strings, and regexes that a
//! simpler operator would express.

use crate::{
    engine::{
        ast::{Check, Expr, Operand, Operator, Rhs},
        diagnostics::{Code, Diagnostic},
    },
    fields::Registry,
};

/// Fields Falco deprecates; using them still works.
const DEPRECATED_FIELDS: &[&str] = &[
    "evt.dir",
    "evt.latency",
    "evt.latency.s",
    "evt.latency.ns",
    "evt.latency.human",
    "evt.wait_latency",
];

/// Every warning for one macro-expanded rule condition and its output text.
pub fn condition_warnings(
    expr: &Expr,
    output: &str,
    source: &str,
    registry: &Registry,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    walk(expr, &mut |check| {
        check_warnings(check, source, registry, &mut out)
    });
    for field in DEPRECATED_FIELDS {
        // Outputs are searched as text, the way Falco does it.
        if output.contains(&format!("%{field}")) {
            out.push(deprecated(field));
        }
    }
    out.dedup_by(|a, b| a.message == b.message);
    out
}

fn walk(expr: &Expr, visit: &mut impl FnMut(&Check)) {
    match expr {
        Expr::And(children) | Expr::Or(children) => {
            children.iter().for_each(|child| walk(child, visit))
        }
        Expr::Not(inner) => walk(inner, visit),
        Expr::Macro { .. } => {}
        Expr::Check(check) => visit(check),
    }
}

fn deprecated(field: &str) -> Diagnostic {
    Diagnostic::new(
        Code::DeprecatedItem,
        format!("field '{field}' is deprecated"),
    )
    .with_hint("deprecated fields still work but may be removed; drop the check if you can")
}

fn check_warnings(check: &Check, source: &str, registry: &Registry, out: &mut Vec<Diagnostic>) {
    let Operand::Field(field) = &check.lhs else {
        return;
    };
    if DEPRECATED_FIELDS.contains(&field.name.as_str()) {
        out.push(deprecated(&field.name));
    }
    let values: Vec<&String> = match &check.rhs {
        Rhs::Value(value) => vec![value],
        Rhs::List(values) | Rhs::Modified { values, .. } => values.iter().collect(),
        Rhs::None | Rhs::Operand(_) => Vec::new(),
    };
    let na_operator = matches!(
        check.op,
        Operator::Eq | Operator::Ne | Operator::In | Operator::Intersects | Operator::PMatch
    );
    if (field.name.starts_with("ka.") || field.name.starts_with("jevt."))
        && na_operator
        && values.iter().any(|v| v.as_str() == "<NA>")
    {
        out.push(
            Diagnostic::new(
                Code::UnsafeNaCheck,
                format!(
                    "comparing '{}' with <NA> is unsafe: a missing value never equals <NA>",
                    field.name
                ),
            )
            .with_hint(format!(
                "use `not {} exists` to test for a missing value",
                field.name
            )),
        );
    }
    for value in &values {
        if looks_like_field(value) && registry.lookup(source, value, None).is_ok() {
            out.push(
                Diagnostic::new(
                    Code::ConditionWarning,
                    format!("'{value}' may be a valid field misused as a const string value"),
                )
                .with_hint(format!("to compare with the field, write `val({value})`")),
            );
        } else if is_transformer_text(value) {
            out.push(Diagnostic::new(
                Code::ConditionWarning,
                format!(
                    "'{value}' may be a valid field transformer misused as a const string value"
                ),
            ));
        }
    }
    if check.op == Operator::Regex
        && let Some(pattern) = values.first()
        && !pattern.chars().any(|c| "\\^$.|?*+()[]{}".contains(c))
    {
        out.push(
            Diagnostic::new(
                Code::ConditionWarning,
                format!(
                    "regex check with '{pattern}' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'"
                ),
            )
            .with_hint("a pattern without regex syntax is a plain string comparison"),
        );
    }
}

fn looks_like_field(value: &str) -> bool {
    value.contains('.')
        && value
            .split('.')
            .all(|part| part.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
}

fn is_transformer_text(value: &str) -> bool {
    ["tolower(", "toupper(", "b64(", "basename(", "len("]
        .iter()
        .any(|prefix| value.starts_with(prefix) && value.ends_with(')'))
}

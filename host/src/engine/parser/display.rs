//! Printing the AST back as condition text.
//!
//! The engine shows macro-expanded conditions and names `output_fields` keys
//! (e.g. `proc.aname[2]`) with these impls, so the output is canonical and
//! re-parsable: parsing it again yields the same tree (positions aside).
//! Values are written bare when the lexer would read them back whole and
//! quoted with `"` otherwise; sub-expressions are parenthesised only where
//! precedence or the parser's lack of flattening requires it.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{Expr, FieldRef, Operand, Operator, Rhs, Transform, TransformArg};
use super::escape;

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::And(children) => join(f, children, " and ", |c| {
                matches!(c, Self::And(_) | Self::Or(_))
            }),
            Self::Or(children) => join(f, children, " or ", |c| matches!(c, Self::Or(_))),
            Self::Not(child) => {
                f.write_str("not ")?;
                if matches!(**child, Self::And(_) | Self::Or(_) | Self::Not(_)) {
                    write!(f, "({child})")
                } else {
                    write!(f, "{child}")
                }
            }
            // A macro named `not` must not be read back as a negation.
            Self::Macro { name, .. } if name == "not" => f.write_str("(not)"),
            Self::Macro { name, .. } => f.write_str(name),
            Self::Check(check) => {
                write!(f, "{} {}", check.lhs, check.op)?;
                match (&check.op, &check.rhs) {
                    (_, Rhs::None) | (Operator::Exists, _) => Ok(()),
                    // A list operator reads a single value back as a list.
                    (Operator::In | Operator::Intersects | Operator::PMatch, Rhs::Value(v)) => {
                        write!(f, " ({})", escape::value(v))
                    }
                    (Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge, Rhs::Value(v))
                        if escape::is_number(v) =>
                    {
                        write!(f, " {v}")
                    }
                    (_, rhs) => write!(f, " {rhs}"),
                }
            }
        }
    }
}

/// Writes `children` separated by `sep`, parenthesising those `needs_parens` picks.
fn join(
    f: &mut Formatter<'_>,
    children: &[Expr],
    sep: &str,
    needs_parens: impl Fn(&Expr) -> bool,
) -> fmt::Result {
    for (i, child) in children.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        if needs_parens(child) && children.len() > 1 {
            write!(f, "({child})")?;
        } else {
            write!(f, "{child}")?;
        }
    }
    Ok(())
}

/// Writes a list literal `(a, b, ...)`.
fn list(f: &mut Formatter<'_>, values: &[String]) -> fmt::Result {
    f.write_char('(')?;
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(&escape::value(v))?;
    }
    f.write_char(')')
}

impl Display for Operand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Field(field) => write!(f, "{field}"),
            Self::Transform(t) => write!(f, "{t}"),
        }
    }
}

impl Display for FieldRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(arg) = &self.arg {
            write!(f, "[{}]", escape::field_arg(arg))?;
        }
        Ok(())
    }
}

impl Display for Transform {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.kind.as_str())?;
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{arg}")?;
        }
        f.write_char(')')?;
        if let Some(index) = &self.index {
            write!(f, "[{}]", escape::field_arg(index))?;
        }
        Ok(())
    }
}

impl Display for TransformArg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Operand(o) => write!(f, "{o}"),
            Self::Literal(s) if escape::is_number(s) => f.write_str(s),
            Self::Literal(s) => f.write_str(&escape::quote(s)),
            Self::List(items) => {
                f.write_char('(')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(')')
            }
        }
    }
}

/// The right-hand side as written after the operator.
impl Display for Rhs {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => Ok(()),
            Self::Value(v) => f.write_str(&escape::value(v)),
            Self::List(values) => list(f, values),
            Self::Operand(Operand::Field(field)) => write!(f, "val({field})"),
            Self::Operand(t) => write!(f, "{t}"),
            Self::Modified { modifier, values } => {
                let word = match modifier {
                    super::ast::Modifier::OneOf => "oneof",
                    super::ast::Modifier::AnyOf => "anyof",
                    super::ast::Modifier::AllOf => "allof",
                };
                write!(f, "{word} ")?;
                list(f, values)
            }
        }
    }
}

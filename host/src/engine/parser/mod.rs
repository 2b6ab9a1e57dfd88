//! The condition parser: Falco's condition language, quirks included.
//!
//! It accepts exactly what libsinsp's filter parser accepts (see the rules
//! language specification, §2.2–§2.5): keywords and operators are
//! case-sensitive plain prefixes (`fd.name inside` is `fd.name in side`),
//! word operators need a blank after them while symbol and list operators do
//! not, an identifier alone is a macro reference, a bare right-hand value is
//! always a string, and quoted strings follow Falco's escape rules.
//!
//! The work is split by idea:
//! * [`lexer`] — token matchers and the position-tracking cursor;
//! * [`escape`] — decoding quoted strings and re-encoding values;
//! * [`grammar`] — the recursive descent with its depth limit;
//! * [`display`] — printing the AST back as a canonical condition.

use super::ast;
use ast::{Expr, Operand, Pos};

mod display;
mod escape;
mod grammar;
mod lexer;
#[cfg(test)]
mod tests;

/// The deepest nesting of grammar rules accepted (Falco's `set_max_depth(1000)`).
pub const MAX_DEPTH: u32 = grammar::MAX_DEPTH;

/// Why a condition could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// What is wrong, in Falco's wording where Falco has one.
    pub message: String,
    /// Where in the condition text: the cursor position at the moment the
    /// parser gave up, as Falco reports it.
    pub pos: Pos,
}

/// Parses a whole condition (lists already substituted as text).
///
/// The whole text must be consumed; leftover input gives
/// `unexpected token after '<last token>', expecting 'or', 'and'`, and an
/// empty text gives `filter input string is empty`.
pub fn parse_condition(text: &str) -> Result<Expr, ParseError> {
    grammar::condition(text)
}

/// Parses a field or transformer at the start of `text` (used by output formats);
/// returns it and the number of bytes it spans.
///
/// Parsing stops where the field grammar stops, so `proc.aname[2])` yields
/// `proc.aname[2]` and 13, and `ct.srcip,` yields `ct.srcip` and 8. `val(...)`
/// is not accepted here, and no blank may precede the token.
pub fn parse_field_or_transformer(text: &str) -> Result<(Operand, usize), ParseError> {
    grammar::field_or_transformer(text)
}

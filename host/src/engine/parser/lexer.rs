//! Hand-written token matchers and the position-tracking cursor.
//!
//! Falco's parser recognises its tokens with anchored POSIX regular expressions
//! (leftmost-longest) and with plain `strncmp` prefix tests. This module
//! reproduces each of those token classes as a small function that returns how
//! many bytes of the input the token spans, so the grammar in
//! [`super::grammar`] never has to index into the text itself, and a
//! [`Cursor`] that moves over the text while keeping the 1-based line and
//! column that error messages and AST nodes carry.

use super::ast::Pos;

/// The characters Falco's `lex_blank` skips between tokens.
///
/// Note the asymmetry with [`is_posix_space`]: backspace is a blank here but
/// not a `[[:space:]]`, while vertical tab and form feed are the reverse.
pub(super) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{8}' | '\r' | '\n')
}

/// POSIX `[[:space:]]` (ASCII only, as RE2 defines it).
pub(super) fn is_posix_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// Length of the longest prefix of `s` whose characters all satisfy `pred`.
fn span_while(s: &str, pred: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .find(|&(_, c)| !pred(c))
        .map_or(s.len(), |(i, _)| i)
}

/// Length of the ASCII digit run at the start of `s`.
fn digits_len(s: &str) -> usize {
    span_while(s, |c| c.is_ascii_digit())
}

/// `[a-zA-Z]+[a-zA-Z0-9_]*`: a macro name, and each segment of a field name.
pub(super) fn identifier_len(s: &str) -> usize {
    match s.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => {
            1 + span_while(s.get(1..).unwrap_or(""), |c| {
                c.is_ascii_alphanumeric() || c == '_'
            })
        }
        _ => 0,
    }
}

/// `Identifier(\.Identifier)+`: a field name needs at least one dot. A dot
/// that is not followed by a letter is not part of the name.
pub(super) fn field_name_len(s: &str) -> usize {
    let mut len = identifier_len(s);
    if len == 0 {
        return 0;
    }
    let mut segments = 0;
    while let Some(rest) = s.get(len..).and_then(|r| r.strip_prefix('.')) {
        let seg = identifier_len(rest);
        if seg == 0 {
            break;
        }
        len += 1 + seg;
        segments += 1;
    }
    if segments == 0 { 0 } else { len }
}

/// `[^][\"'[:space:]]+`: an unquoted field argument such as `/a/b` or `*`.
pub(super) fn field_arg_bare_len(s: &str) -> usize {
    span_while(s, |c| {
        !matches!(c, '[' | ']' | '"' | '\'') && !is_posix_space(c)
    })
}

/// `[^()\"'[:space:]=,]+`: an unquoted string value.
pub(super) fn bare_str_len(s: &str) -> usize {
    span_while(s, |c| {
        !matches!(c, '(' | ')' | '"' | '\'' | '=' | ',') && !is_posix_space(c)
    })
}

/// `0[xX][0-9a-fA-F]+`.
pub(super) fn hex_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.first() == Some(&b'0') && matches!(b.get(1), Some(b'x' | b'X')) {
        let n = span_while(s.get(2..).unwrap_or(""), |c| c.is_ascii_hexdigit());
        if n > 0 {
            return 2 + n;
        }
    }
    0
}

/// `[+\-]?[0-9]+[\.]?[0-9]*([eE][+\-][0-9]+)?`, longest match. The exponent
/// needs an explicit sign: `1e5` lexes as `1`.
pub(super) fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int = digits_len(s.get(i..).unwrap_or(""));
    if int == 0 {
        return 0;
    }
    i += int;
    if b.get(i) == Some(&b'.') {
        i += 1;
        i += digits_len(s.get(i..).unwrap_or(""));
    }
    if matches!(b.get(i), Some(b'e' | b'E')) && matches!(b.get(i + 1), Some(b'+' | b'-')) {
        let exp = digits_len(s.get(i + 2..).unwrap_or(""));
        if exp > 0 {
            i += 2 + exp;
        }
    }
    i
}

/// `not[[:space:]]+`: a negation written as a word.
pub(super) fn not_blank_len(s: &str) -> usize {
    match s.strip_prefix("not") {
        Some(rest) => {
            let n = span_while(rest, is_posix_space);
            if n == 0 { 0 } else { 3 + n }
        }
        None => 0,
    }
}

/// A quoted string at the start of `s`: returns its full length (quotes
/// included) and its delimiter. A delimiter right after a backslash never
/// closes the string (even an escaped backslash), and a NUL ends the search
/// as the end of a C string would. `None` when unterminated or not quoted.
pub(super) fn quoted_len(s: &str) -> Option<(usize, char)> {
    let quote = s.chars().next().filter(|&c| c == '"' || c == '\'')?;
    let mut prev = '\\';
    for (i, c) in s.char_indices() {
        if c == '\0' {
            return None;
        }
        if c == quote && prev != '\\' {
            return Some((i + c.len_utf8(), quote));
        }
        prev = c;
    }
    None
}

/// A position in the condition text that moves forward token by token.
#[derive(Clone, Debug)]
pub(super) struct Cursor<'a> {
    text: &'a str,
    pos: Pos,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `text` (line 1, column 1).
    pub(super) fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: Pos {
                offset: 0,
                line: 1,
                col: 1,
            },
        }
    }

    /// Where the cursor is.
    pub(super) fn pos(&self) -> Pos {
        self.pos
    }

    /// The text not consumed yet.
    pub(super) fn rest(&self) -> &'a str {
        self.text.get(self.pos.offset..).unwrap_or("")
    }

    /// Whether everything has been consumed.
    pub(super) fn at_end(&self) -> bool {
        self.pos.offset >= self.text.len()
    }

    /// Consumes `len` bytes (clamped to a char boundary inside the text),
    /// updating line and column. As in Falco, both `\r` and `\n` start a new
    /// line, so `\r\n` counts as two.
    pub(super) fn advance(&mut self, len: usize) {
        let rest = self.rest();
        let chunk = rest.get(..len.min(rest.len())).unwrap_or("");
        for c in chunk.chars() {
            if c == '\r' || c == '\n' {
                self.pos.line = self.pos.line.saturating_add(1);
                self.pos.col = 1;
            } else {
                self.pos.col = self.pos.col.saturating_add(1);
            }
            self.pos.offset += c.len_utf8();
        }
    }

    /// Skips blanks; reports whether there was at least one.
    pub(super) fn skip_blanks(&mut self) -> bool {
        let n = span_while(self.rest(), is_blank);
        self.advance(n);
        n > 0
    }

    /// Whether the rest starts with `lit` (a case-sensitive plain prefix).
    pub(super) fn starts_with(&self, lit: &str) -> bool {
        self.rest().starts_with(lit)
    }
}

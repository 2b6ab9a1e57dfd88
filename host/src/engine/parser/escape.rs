//! String escapes in both directions: decoding quoted strings as Falco does,
//! and choosing how to write a value back so that it re-parses unchanged.
//!
//! Decoding keeps Falco's legacy rules: `\<space>` yields a lone backslash
//! (and the space is dropped), `\"` is only valid inside `"..."` and `\'` only
//! inside `'...'`. Encoding has to respect the lexer's terminator rule (a
//! quote right after *any* backslash never closes a string), so a value
//! ending in a backslash is written with the `\<space>` form.

use super::lexer::{bare_str_len, field_arg_bare_len, hex_len, number_len};

/// Decodes the text between the quotes of a string delimited by `quote`.
/// On failure returns the error message (in Falco's wording).
pub(super) fn unescape(inner: &str, quote: char) -> Result<String, String> {
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut chars = inner.chars();
    let mut buf = [0u8; 4];
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        // The lexer guarantees a character follows every backslash; a
        // dangling one (impossible from the lexer) is ignored.
        let Some(e) = chars.next() else { break };
        let byte = match e {
            'b' => 0x08,
            'f' => 0x0c,
            'n' => b'\n',
            'r' => b'\r',
            't' => b'\t',
            ' ' | '\\' => b'\\',
            '/' => b'/',
            '"' if quote == '"' => b'"',
            '"' => return Err("invalid \\\" escape in '-quoted string".to_string()),
            '\'' if quote == '\'' => b'\'',
            '\'' => return Err("invalid \\' escape in \"-quoted string".to_string()),
            'x' => {
                let hi = chars.next().and_then(|c| c.to_digit(16));
                let lo = chars.next().and_then(|c| c.to_digit(16));
                match (hi, lo) {
                    // Both digits are < 16, so the value fits a byte.
                    (Some(h), Some(l)) => u8::try_from(h * 16 + l).unwrap_or(0),
                    _ => {
                        return Err(
                            "invalid \\x escape: expected two hexadecimal digits".to_string()
                        );
                    }
                }
            }
            other => return Err(format!("unsupported string escape sequence: \\{other}")),
        };
        out.push(byte);
    }
    String::from_utf8(out).map_err(|_| "\\x escapes produce invalid UTF-8".to_string())
}

/// Writes `s` as a `"`-quoted string that decodes back to `s`.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            // A backslash right before the closing quote would keep the
            // string open; `\<space>` decodes to the same backslash.
            '\\' if chars.peek().is_none() => out.push_str("\\ "),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `s` contains no control character (those are always quoted so the
/// printed text stays readable and blank-skipping cannot eat them).
fn printable(s: &str) -> bool {
    !s.chars().any(|c| c.is_control())
}

/// Whether `s` can be written as a bare string value and lex back whole.
/// Modifier words are quoted so they can never be taken for a modifier.
pub(super) fn is_bare_value(s: &str) -> bool {
    !s.is_empty()
        && bare_str_len(s) == s.len()
        && printable(s)
        && !matches!(s, "oneof" | "anyof" | "allof")
}

/// Whether `s` can be written as an unquoted field argument.
pub(super) fn is_bare_field_arg(s: &str) -> bool {
    !s.is_empty() && field_arg_bare_len(s) == s.len() && printable(s)
}

/// Whether `s` is a whole hex or decimal number token.
pub(super) fn is_number(s: &str) -> bool {
    !s.is_empty() && (hex_len(s) == s.len() || number_len(s) == s.len())
}

/// A value written bare when possible, quoted otherwise.
pub(super) fn value(s: &str) -> String {
    if is_bare_value(s) {
        s.to_string()
    } else {
        quote(s)
    }
}

/// A field or selector argument written bare when possible, quoted otherwise.
pub(super) fn field_arg(s: &str) -> String {
    if is_bare_field_arg(s) {
        s.to_string()
    } else {
        quote(s)
    }
}

//! Lexical navigation of JSON text that is already known to be valid.
//!
//! `parse` checks each payload once (see [`crate::check`]); afterwards the
//! fields only need to find where a value starts and ends, which a byte scan
//! does without building a `serde_json::Value` of the whole event (the
//! allocations of that tree were most of the plugin's cost). Every function
//! here still returns `None` or stops early on text that is not JSON, so a
//! caller's mistake yields a missing value, never a panic.

use std::ops::Range;

/// The four bytes JSON allows between tokens.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The position of the first non-space byte at or after `i`.
pub fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|&b| is_space(b)) {
        i += 1;
    }
    i
}

/// One past the closing quote of the string whose opening quote is at
/// `start`, or `None` when the text ends first.
pub fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        i += quiet_run(bytes.get(i..)?);
        match bytes.get(i)? {
            b'"' => return Some(i + 1),
            // The escaped byte may be a quote: skip it with the backslash.
            _ => i += 2,
        }
    }
}

/// How many bytes at the start of `bytes` are neither `"` nor `\`.
///
/// Most of an event's text is inside strings, so this loop is where field
/// extraction spends its time: it tests eight bytes at a time (plain
/// integer arithmetic, as fast in wasm as natively) and only the last few
/// one by one.
fn quiet_run(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    /// A high bit set in each byte of `x` that is zero (and possibly in
    /// bytes after one, which the first-match search below never reads).
    fn zero_bytes(x: u64) -> u64 {
        x.wrapping_sub(ONES) & !x & HIGHS
    }
    let mut chunks = bytes.chunks_exact(8);
    let mut done = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let found = zero_bytes(word ^ QUOTES) | zero_bytes(word ^ BACKSLASHES);
        if found != 0 {
            // Little-endian: the lowest flagged byte is the first in text.
            return done + (found.trailing_zeros() / 8) as usize;
        }
        done += 8;
    }
    done + chunks
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .unwrap_or(chunks.remainder().len())
}

/// One past the end of the value that starts at `start` (not at a space).
pub fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start)? {
        b'"' => string_end(bytes, start),
        b'{' | b'[' => container_end(bytes, start),
        // A number or a literal runs until a delimiter.
        _ => {
            let len = bytes
                .get(start..)?
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']') || is_space(b))
                .unwrap_or(bytes.len() - start);
            (len > 0).then_some(start + len)
        }
    }
}

/// One past the bracket closing the object or array opened at `start`.
/// Brackets inside strings are skipped with the strings; in valid JSON the
/// nesting then balances without telling objects and arrays apart.
fn container_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    loop {
        match bytes.get(i)? {
            b'"' => {
                i = string_end(bytes, i)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// The span of a valid JSON document's top-level value: the text without
/// the spaces around it.
pub fn root(text: &str) -> Range<usize> {
    let bytes = text.as_bytes();
    let start = skip_space(bytes, 0);
    let end = bytes.len() - bytes.iter().rev().take_while(|&&b| is_space(b)).count();
    start..end.max(start)
}

/// The members of the object that starts (with `{`) at `start` in `text`,
/// in text order, as `(key, value)` spans: the key still quoted and
/// escaped, the value as its exact text.
pub fn members(text: &str, start: usize) -> Members<'_> {
    Members {
        items: Items::new(text, start, b'{'),
    }
}

/// The spans of the elements of the array that starts (with `[`) at `start`
/// in `text`, in order.
pub fn elements(text: &str, start: usize) -> Items<'_> {
    Items::new(text, start, b'[')
}

/// Iterator behind [`members`].
pub struct Members<'t> {
    items: Items<'t>,
}

impl Iterator for Members<'_> {
    type Item = (Range<usize>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        let key = self.items.item(b':')?;
        let value = self.items.item(b',')?;
        Some((key, value))
    }
}

/// Iterator behind [`elements`], and the tokenizer [`Members`] uses: the
/// values between a container's brackets, each followed by a separator.
pub struct Items<'t> {
    bytes: &'t [u8],
    /// Where the next item (or the closing bracket) starts; `None` once done.
    pos: Option<usize>,
}

impl<'t> Items<'t> {
    fn new(text: &'t str, start: usize, open: u8) -> Self {
        let bytes = text.as_bytes();
        let pos = (bytes.get(start) == Some(&open)).then(|| skip_space(bytes, start + 1));
        Self { bytes, pos }
    }

    /// The span of the value at the current position, moving past it and
    /// the `separator` that follows it. Anything unexpected ends the
    /// iteration.
    fn item(&mut self, separator: u8) -> Option<Range<usize>> {
        let bytes = self.bytes;
        let start = self.pos.take()?;
        if matches!(bytes.get(start)?, b'}' | b']') {
            return None;
        }
        let end = value_end(bytes, start)?;
        let after = skip_space(bytes, end);
        if bytes.get(after) == Some(&separator) {
            self.pos = Some(skip_space(bytes, after + 1));
        } else if !matches!(bytes.get(after)?, b'}' | b']') {
            return None;
        }
        Some(start..end)
    }
}

impl Iterator for Items<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        self.item(b',')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, spans: impl Iterator<Item = Range<usize>>) -> Vec<&str> {
        spans.map(|span| &text[span]).collect()
    }

    #[test]
    fn finds_value_ends() {
        let text = r#"{"a":"x\"}","b":[1,{"c":"]"}],"d":-1.5e3} tail"#;
        let end = value_end(text.as_bytes(), 0).unwrap();
        assert_eq!(&text[..end], r#"{"a":"x\"}","b":[1,{"c":"]"}],"d":-1.5e3}"#);
        assert_eq!(root("  true \n"), 2..6);
        assert_eq!(root(" \"s\\\\\" "), 1..6);
    }

    #[test]
    fn lists_members_and_elements() {
        let object = "{ \"a\" : 1 , \"b\\n\":[ 2 , 3 ] ,\"c\":{}}";
        let found: Vec<_> = members(object, 0)
            .map(|(key, value)| (&object[key], &object[value]))
            .collect();
        assert_eq!(
            found,
            [("\"a\"", "1"), ("\"b\\n\"", "[ 2 , 3 ]"), ("\"c\"", "{}")]
        );
        let array = "x [ 2 , 3 ]";
        assert_eq!(texts(array, elements(array, 2)), ["2", "3"]);
        assert_eq!(elements("[ ]", 0).count(), 0);
        assert_eq!(members("{}", 0).count(), 0);
        // Not a container of the kind asked for: nothing.
        assert_eq!(members("[1]", 0).count(), 0);
        assert_eq!(elements("{}", 0).count(), 0);
    }

    #[test]
    fn quiet_runs_stop_at_the_first_quote_or_backslash() {
        let base = "abcdefghé\u{1}\u{7f}\u{80}ijklmnopqrstuvwxyz0123456789";
        for len in 0..=base.len() {
            let prefix = &base.as_bytes()[..len];
            let mut text = prefix.to_vec();
            text.push(b'"');
            assert_eq!(quiet_run(&text), len);
            assert_eq!(quiet_run(prefix), len);
        }
        assert_eq!(string_end(br#""a\"b\\"c"#, 0), Some(8));
        assert_eq!(string_end(br#""12345678\"9012345\\" x"#, 0), Some(21));
    }

    #[test]
    fn broken_text_ends_quietly() {
        for text in [
            "{\"a\":", "{\"a\":1", "[1,", "\"abc", "\"ab\\", "{]", "}", "", "  ",
        ] {
            let _ = root(text);
            let _ = members(text, 0).count();
            let _ = elements(text, 0).count();
            let _ = value_end(text.as_bytes(), 0);
        }
        assert_eq!(value_end(b"[[1]", 0), None);
        assert_eq!(value_end(b"]", 0), None);
    }
}

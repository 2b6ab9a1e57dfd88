//! Splits a byte stream into JSON documents for replay: one per line
//! (JSON Lines) or pretty-printed documents over several lines, or a mix.
//!
//! A small scanner tracks brackets outside strings, so framing is linear in
//! the input and one malformed document is reported (with its line) and
//! skipped without losing the documents around it. A document that is never
//! closed ends where it cannot go on: at a raw newline inside a string, or at
//! a line that starts with `{` or `[` in the first column (pretty-printers
//! indent nested values, so that is the next document).

use std::io::BufRead;

/// The largest document accepted; a bigger one is skipped with an error.
pub const MAX_DOCUMENT_BYTES: usize = 64 << 20;

/// The most bytes one skipped item (junk without a newline, a document too
/// big or never closed) may span before the input is given up: an endless
/// stream (`/dev/zero`) ends with an error instead of being scanned forever.
const MAX_SKIPPED_BYTES: u64 = MAX_DOCUMENT_BYTES as u64;

/// A document that could not be framed or is not valid JSON.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct FramingError {
    /// The line the document started on, 1-based.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// Iterates over the JSON documents of a reader.
pub struct Documents<R> {
    reader: R,
    line: u64,
    failed: bool,
}

impl<R: BufRead> Documents<R> {
    /// Documents of `reader`.
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            line: 1,
            failed: false,
        }
    }

    /// The next document: its bytes, or why the text there is not one.
    /// `None` at the end of the input or after a read error was reported.
    fn next_document(&mut self) -> Option<Result<Vec<u8>, FramingError>> {
        if self.failed {
            return None;
        }
        let mut document = Vec::new();
        let mut start_line = self.line;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        // Text outside brackets that is not whitespace: junk up to the end of its line.
        let mut junk = false;
        let mut oversize = false;
        let mut line_start = false;
        // Bytes of the current junk or oversize item, against MAX_SKIPPED_BYTES.
        let mut skipped = 0u64;
        loop {
            if skipped > MAX_SKIPPED_BYTES {
                self.failed = true;
                return Some(Err(FramingError {
                    line: start_line,
                    message: format!(
                        "more than {MAX_SKIPPED_BYTES} bytes without a newline or the end of \
                         a document; the rest of the input is not read"
                    ),
                }));
            }
            let buffer = match self.reader.fill_buf() {
                Ok(buffer) => buffer,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(FramingError {
                        line: self.line,
                        message: format!("reading the input: {e}"),
                    }));
                }
            };
            if buffer.is_empty() {
                let pending = depth > 0 || junk || in_string;
                return pending.then(|| {
                    Err(FramingError {
                        line: start_line,
                        message: if junk {
                            "not JSON".into()
                        } else {
                            "the input ends inside a JSON document".into()
                        },
                    })
                });
            }
            let mut consumed = 0;
            let mut complete = None;
            for &byte in buffer {
                if depth > 0 && line_start && !in_string && matches!(byte, b'{' | b'[') {
                    // Leave this byte for the next document.
                    complete = Some(Err("the document is not closed".to_string()));
                    break;
                }
                consumed += 1;
                line_start = byte == b'\n';
                if byte == b'\n' {
                    self.line += 1;
                    if depth > 0 && in_string {
                        complete = Some(Err("a string is not closed on its line".to_string()));
                        break;
                    }
                }
                if junk {
                    if byte == b'\n' {
                        complete = Some(Err("not JSON".to_string()));
                        break;
                    }
                    continue;
                }
                if depth == 0 {
                    match byte {
                        b'{' | b'[' => {
                            depth = 1;
                            start_line = self.line;
                            document.clear();
                            document.push(byte);
                        }
                        b' ' | b'\t' | b'\r' | b'\n' => {}
                        _ => {
                            junk = true;
                            start_line = self.line;
                        }
                    }
                    continue;
                }
                if document.len() < MAX_DOCUMENT_BYTES {
                    document.push(byte);
                } else {
                    oversize = true;
                }
                if in_string {
                    match (escaped, byte) {
                        (true, _) => escaped = false,
                        (false, b'\\') => escaped = true,
                        (false, b'"') => in_string = false,
                        _ => {}
                    }
                    continue;
                }
                match byte {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            complete = Some(Ok(()));
                            break;
                        }
                    }
                    _ => {}
                }
            }
            self.reader.consume(consumed);
            if junk || oversize {
                skipped += consumed as u64;
            }
            match complete {
                None => continue,
                Some(Err(message)) => {
                    return Some(Err(FramingError {
                        line: start_line,
                        message,
                    }));
                }
                Some(Ok(())) if oversize => {
                    return Some(Err(FramingError {
                        line: start_line,
                        message: format!("document larger than {MAX_DOCUMENT_BYTES} bytes"),
                    }));
                }
                Some(Ok(())) => {
                    return Some(
                        match serde_json::from_slice::<serde::de::IgnoredAny>(&document) {
                            Ok(_) => Ok(document),
                            Err(e) => Err(FramingError {
                                line: start_line,
                                message: format!("malformed JSON: {e}"),
                            }),
                        },
                    );
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for Documents<R> {
    type Item = Result<Vec<u8>, FramingError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_document()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> Vec<Result<String, u64>> {
        Documents::new(text.as_bytes())
            .map(|d| match d {
                Ok(bytes) => Ok(String::from_utf8(bytes).unwrap()),
                Err(e) => Err(e.line),
            })
            .collect()
    }

    #[test]
    fn splits_json_lines_and_pretty_documents() {
        let text = "{\"a\":1}\n{\"b\":\"}{\"}\n\n[\n  {\"c\": [1, 2]},\n  {}\n]\n";
        assert_eq!(
            frame(text),
            vec![
                Ok("{\"a\":1}".to_string()),
                Ok("{\"b\":\"}{\"}".to_string()),
                Ok("[\n  {\"c\": [1, 2]},\n  {}\n]".to_string()),
            ]
        );
    }

    #[test]
    fn reports_bad_documents_and_keeps_the_good_ones() {
        let text = "{\"a\":1}\nhello world\n{\"b\": tru}\n{\"c\":\"x\\\"}\"}\n{\"d\":";
        assert_eq!(
            frame(text),
            vec![
                Ok("{\"a\":1}".to_string()),
                Err(2),
                Err(3),
                Ok("{\"c\":\"x\\\"}\"}".to_string()),
                Err(5),
            ]
        );
    }

    #[test]
    fn an_unclosed_document_does_not_swallow_the_next_ones() {
        let text = "{\"a\":1}\n{\"kind\": broken\n{\"b\":2}\n{\"s\": \"open\n{\"c\":3}\n";
        assert_eq!(
            frame(text),
            vec![
                Ok("{\"a\":1}".to_string()),
                Err(2),
                Ok("{\"b\":2}".to_string()),
                Err(4),
                Ok("{\"c\":3}".to_string()),
            ]
        );
    }

    #[test]
    fn an_endless_stream_ends_with_an_error() {
        // Junk without a newline, and a document that never closes.
        for head in [&b""[..], b"[", b"{\"a\":\""] {
            let endless = std::io::BufReader::with_capacity(
                1 << 20,
                std::io::Read::chain(head, std::io::repeat(0)),
            );
            let items: Vec<_> = Documents::new(endless).collect();
            assert_eq!(items.len(), 1, "{items:?}");
            let err = items[0].as_ref().expect_err("an error");
            assert!(err.message.contains("is not read"), "{err}");
        }
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        let samples: [&[u8]; 5] = [b"}}}]]]", b"\xff\xfe{\"a\":\xff}", b"[[[[", b"\"", b"{\"\\"];
        for sample in samples {
            let _ = Documents::new(sample).count();
        }
    }
}

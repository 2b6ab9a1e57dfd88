//! Pretty-printing of JSON text that is already known to be valid.
//!
//! `json.obj` re-indents the payload's own text instead of serializing the
//! parsed value: member order, number spelling and string escapes stay
//! exactly as the source wrote them, which is what an operator reading an
//! alert expects to see.

use crate::scan;

/// One level of indentation.
const INDENT: &str = "  ";

/// `text` (valid JSON) laid out with one member or element per line,
/// two-space indentation, `": "` between keys and values, and empty
/// objects and arrays kept as `{}` and `[]`.
///
/// Strings and scalars are copied as whole runs rather than character by
/// character: `jevt.obj` is in the outputs of the Falco k8s audit rules, so
/// this runs for every event.
pub fn pretty(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                // Copy the string verbatim, escapes included (to the end of
                // the text if it is unterminated).
                let end = scan::string_end(bytes, i).unwrap_or(bytes.len());
                out.push_str(text.get(i..end).unwrap_or_default());
                i = end;
            }
            b'{' | b'[' => {
                let close = if b == b'{' { '}' } else { ']' };
                out.push(char::from(b));
                i = scan::skip_space(bytes, i + 1);
                if bytes.get(i) == Some(&(close as u8)) {
                    out.push(close);
                    i += 1;
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(char::from(b));
                i += 1;
            }
            b',' => {
                out.push(',');
                newline(&mut out, depth);
                i += 1;
            }
            b':' => {
                out.push_str(": ");
                i += 1;
            }
            b if scan::is_space(b) => i += 1,
            _ => {
                // A number or literal: up to the next byte handled above
                // (all ASCII, so the run ends on a character boundary).
                let len = bytes
                    .get(i..)
                    .unwrap_or_default()
                    .iter()
                    .position(|&b| {
                        matches!(b, b'"' | b'{' | b'[' | b'}' | b']' | b',' | b':')
                            || scan::is_space(b)
                    })
                    .unwrap_or(bytes.len() - i);
                out.push_str(text.get(i..i + len).unwrap_or_default());
                i += len;
            }
        }
    }
    out
}

/// A line break and `depth` levels of indentation.
fn newline(out: &mut String, depth: usize) {
    // Indentation is pushed in slices of this rather than one level at a
    // time: there is a line per member, and this is most of the output.
    const SPACES: &str = "\n                                                               ";
    let mut width = 1 + depth * INDENT.len();
    let mut line = SPACES;
    while width > 0 {
        let chunk = width.min(line.len());
        out.push_str(line.get(..chunk).unwrap_or_default());
        width -= chunk;
        line = SPACES.get(1..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_nested_values_in_source_order() {
        let text = r#" {"z":1, "a":[true,null,{"k":"v"}],"e":{},"l":[ ]} "#;
        assert_eq!(
            pretty(text),
            "{\n  \"z\": 1,\n  \"a\": [\n    true,\n    null,\n    {\n      \"k\": \"v\"\n    }\n  ],\n  \"e\": {},\n  \"l\": []\n}"
        );
    }

    #[test]
    fn leaves_strings_alone() {
        let text = r#"{"s":"a, b: {c} [d] \"e\" \\"}"#;
        assert_eq!(
            pretty(text),
            "{\n  \"s\": \"a, b: {c} [d] \\\"e\\\" \\\\\"\n}"
        );
    }

    #[test]
    fn scalars_are_unchanged() {
        assert_eq!(pretty("  42 \n"), "42");
        assert_eq!(pretty(r#""x""#), r#""x""#);
    }

    #[test]
    fn output_is_the_same_json() {
        let text = r#"{"a":[1,2.50,{"b":"c\u00e9"}],"d":{"e":[]}}"#;
        let before: serde_json::Value = serde_json::from_str(text).unwrap();
        let after: serde_json::Value = serde_json::from_str(&pretty(text)).unwrap();
        assert_eq!(before, after);
    }
}

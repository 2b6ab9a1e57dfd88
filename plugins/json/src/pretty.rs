//! Pretty-printing of JSON text that is already known to be valid.
//!
//! `json.obj` re-indents the payload's own text instead of serializing the
//! parsed value: member order, number spelling and string escapes stay
//! exactly as the source wrote them, which is what an operator reading an
//! alert expects to see.

/// One level of indentation.
const INDENT: &str = "  ";

/// `text` (valid JSON) laid out with one member or element per line,
/// two-space indentation, `": "` between keys and values, and empty
/// objects and arrays kept as `{}` and `[]`.
pub fn pretty(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                // Copy the string verbatim, escapes included.
                while let Some(s) = chars.next() {
                    out.push(s);
                    match s {
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                out.push(escaped);
                            }
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '{' | '[' => {
                out.push(c);
                while chars.next_if(|n| is_json_space(*n)).is_some() {}
                let close = if c == '{' { '}' } else { ']' };
                if chars.next_if_eq(&close).is_some() {
                    out.push(close);
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if is_json_space(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// The four characters JSON allows between tokens.
fn is_json_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str(INDENT);
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

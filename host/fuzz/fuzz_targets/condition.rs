//! Arbitrary bytes through the condition parser's two entry points.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = lanner::engine::parser::parse_condition(&text);
    let _ = lanner::engine::parser::parse_field_or_transformer(&text);
});

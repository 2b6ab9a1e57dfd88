//! Arbitrary bytes as one rules file through the whole pipeline: loader,
//! condition parser and compiler.

#![no_main]

use lanner::engine::{Ruleset, loader::RulesSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = RulesSource::new("fuzz.yaml", String::from_utf8_lossy(data));
    let _ = Ruleset::load(
        lanner::sources::builtin_registry(),
        &[source],
        &Default::default(),
    );
});

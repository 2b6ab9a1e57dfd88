//! Replays the fuzzing corpus (`host/fuzz/`) through the fuzz targets' entry
//! points, so every input the fuzzer kept — and every crash it found and we
//! fixed — is checked on each `cargo test`. Nothing is caught: a panic fails
//! the test, naming the input.

use crate::engine::{Ruleset, RulesetOptions, loader::RulesSource, parser};
use std::path::{Path, PathBuf};

const CONDITION_CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/engine/testdata/fuzz/condition"
);
const RULES_FILE_CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/engine/testdata/fuzz/rules_file"
);

/// Every file of a corpus directory, sorted; fails loudly if there are none.
fn corpus(dir: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("fuzz corpus {dir} is missing: {e}"));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("readable corpus directory").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "fuzz corpus {dir} is empty");
    files
        .into_iter()
        .map(|path| {
            let bytes =
                std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            (path, bytes)
        })
        .collect()
}

/// Runs `target` on every input of `dir` on a thread with the main thread's
/// usual 8 MiB stack, the stack the fuzzer and `lanner` itself load rules on
/// (test threads get only 2 MiB).
fn replay(dir: &'static str, target: fn(&[u8])) {
    let handle = std::thread::Builder::new()
        .name(format!("replay {}", Path::new(dir).display()))
        .stack_size(8 << 20)
        .spawn(move || {
            let inputs = corpus(dir);
            for (path, bytes) in &inputs {
                // Printed (and shown by the harness only on failure) so a
                // panic names the input that caused it.
                eprintln!("replaying {}", path.display());
                target(bytes);
            }
            inputs.len()
        })
        .expect("spawn replay thread");
    match handle.join() {
        Ok(count) => assert!(count > 0),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// The `condition` fuzz target.
fn condition(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = parser::parse_condition(&text);
    let _ = parser::parse_field_or_transformer(&text);
}

/// The `rules_file` fuzz target.
fn rules_file(data: &[u8]) {
    let source = RulesSource::new("fuzz.yaml", String::from_utf8_lossy(data));
    let _ = Ruleset::load(
        crate::sources::builtin_registry(),
        &[source],
        &RulesetOptions::default(),
    );
}

#[test]
fn condition_corpus_replays_without_panic() {
    replay(CONDITION_CORPUS, condition);
}

#[test]
fn rules_file_corpus_replays_without_panic() {
    replay(RULES_FILE_CORPUS, rules_file);
}

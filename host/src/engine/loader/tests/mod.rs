//! Tests of the loader, one file per concern; shared helpers live here.

mod errors;
mod exceptions;
mod fuzz;
mod lists;
mod merge;
mod real_files;
mod values;

use std::path::PathBuf;

use super::super::diagnostics::{Code, Diagnostic, Severity};
use super::{Collection, RulesSource, load};

/// Loads one in-memory file named `test.yaml`.
pub(super) fn load_one(text: &str) -> Collection {
    load(&[RulesSource::new("test.yaml", text)])
}

/// Loads several in-memory files named `a.yaml`, `b.yaml`, ...
pub(super) fn load_many(texts: &[&str]) -> Collection {
    let sources: Vec<RulesSource> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| RulesSource::new(format!("{}.yaml", (b'a' + i as u8) as char), *t))
        .collect();
    load(&sources)
}

/// The error diagnostics.
pub(super) fn errors(c: &Collection) -> Vec<&Diagnostic> {
    c.diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .collect()
}

/// The warning diagnostics.
pub(super) fn warnings(c: &Collection) -> Vec<&Diagnostic> {
    c.diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Warning)
        .collect()
}

/// Asserts there is exactly one diagnostic, with this code, message and
/// line:column, and that it has a snippet and a hint; returns it.
#[track_caller]
pub(super) fn only(
    c: &Collection,
    code: Code,
    message: &str,
    line: u32,
    column: u32,
) -> Diagnostic {
    assert_eq!(c.diagnostics.len(), 1, "diagnostics: {:#?}", c.diagnostics);
    let d = c.diagnostics[0].clone();
    assert_eq!(d.code, code, "{d}");
    assert_eq!(d.message, message, "{d}");
    let loc = d.location.as_ref().expect("location");
    assert_eq!((loc.line, loc.column), (line, column), "{d}");
    assert!(d.snippet.is_some(), "no snippet: {d}");
    assert!(d.hint.is_some(), "no hint: {d}");
    d
}

/// Falco's pinned rule files, which `cargo xtask bootstrap` provides in
/// `tests/fixtures/compat-rules/`; fails loudly if missing.
pub(super) fn rules_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/compat-rules");
    assert!(
        dir.is_dir(),
        "reference rules not found at {}: run `cargo xtask bootstrap`",
        dir.display()
    );
    dir
}

/// Reads one reference rules file.
pub(super) fn reference(name: &str) -> RulesSource {
    let path = rules_dir().join(name);
    match RulesSource::read(&path) {
        Ok(src) => src,
        Err(d) => panic!("{d}"),
    }
}

//! Turning a position in a rules file into a located diagnostic.
//!
//! Every error and warning the loader emits carries `file:line:column`, the
//! source line as a snippet and, where we can tell, a hint. This module keeps
//! that bookkeeping in one place: [`SourceFile`] maps positions to locations
//! and snippets, and [`Sink`] collects one item's diagnostics and remembers
//! whether any of them was an error (an item with an error is not merged).

use std::sync::Arc;

use super::super::diagnostics::{Code, Diagnostic, Location, Severity};
use super::yaml::Pos;

/// Longest snippet we show, in characters.
const MAX_SNIPPET: usize = 160;

/// A rules file being read: its name and its lines.
pub(crate) struct SourceFile<'a> {
    name: Arc<str>,
    lines: Vec<&'a str>,
}

impl<'a> SourceFile<'a> {
    /// Wraps a file's name and text.
    pub fn new(name: Arc<str>, text: &'a str) -> Self {
        Self {
            name,
            lines: text.lines().collect(),
        }
    }

    /// The location of a position in this file.
    pub fn location(&self, pos: Pos) -> Location {
        Location {
            file: self.name.clone(),
            line: pos.line,
            column: pos.column,
        }
    }

    /// The source line of a position, capped in length.
    pub fn snippet(&self, pos: Pos) -> Option<String> {
        let index = usize::try_from(pos.line).ok()?.checked_sub(1)?;
        let line = self.lines.get(index)?;
        Some(line.chars().take(MAX_SNIPPET).collect())
    }

    /// A diagnostic at a position, with its snippet.
    pub fn diagnostic(&self, code: Code, message: impl Into<String>, pos: Pos) -> Diagnostic {
        let diag = Diagnostic::new(code, message).at(self.location(pos));
        match self.snippet(pos) {
            Some(snippet) => diag.with_snippet(snippet),
            None => diag,
        }
    }
}

/// Collects the diagnostics of one item.
pub(crate) struct Sink<'s, 'a> {
    /// The file the item is in.
    pub file: &'s SourceFile<'a>,
    out: &'s mut Vec<Diagnostic>,
    kind: &'static str,
    name: String,
    errors: usize,
}

impl<'s, 'a> Sink<'s, 'a> {
    /// A sink for an item of `kind` (`rule`, `macro`, ...), not yet named.
    pub fn new(file: &'s SourceFile<'a>, out: &'s mut Vec<Diagnostic>, kind: &'static str) -> Self {
        Self {
            file,
            out,
            kind,
            name: String::new(),
            errors: 0,
        }
    }

    /// Names the item, once its name is known.
    pub fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
    }

    /// The item's name (empty if unknown).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many errors were reported for this item so far.
    pub fn error_count(&self) -> usize {
        self.errors
    }

    /// Whether an error was reported for this item.
    pub fn failed(&self) -> bool {
        self.errors > 0
    }

    /// Reports a diagnostic at `pos` with an optional hint.
    pub fn report(
        &mut self,
        code: Code,
        message: impl Into<String>,
        pos: Pos,
        hint: Option<String>,
    ) {
        if code.severity() == Severity::Error {
            self.errors += 1;
        }
        let mut diag = self
            .file
            .diagnostic(code, message, pos)
            .in_item(self.kind, self.name.clone());
        if let Some(hint) = hint {
            diag = diag.with_hint(hint);
        }
        self.out.push(diag);
    }

    /// Reports a structural error (`LOAD_ERR_YAML_VALIDATE`).
    pub fn invalid(&mut self, message: impl Into<String>, pos: Pos, hint: impl Into<String>) {
        self.report(Code::YamlValidate, message, pos, non_empty(hint.into()));
    }

    /// Reports a semantic error (`LOAD_ERR_VALIDATE`).
    pub fn validate(&mut self, message: impl Into<String>, pos: Pos, hint: impl Into<String>) {
        self.report(Code::Validate, message, pos, non_empty(hint.into()));
    }

    /// Reports a warning.
    pub fn warn(
        &mut self,
        code: Code,
        message: impl Into<String>,
        pos: Pos,
        hint: impl Into<String>,
    ) {
        self.report(code, message, pos, non_empty(hint.into()));
    }
}

fn non_empty(hint: String) -> Option<String> {
    (!hint.is_empty()).then_some(hint)
}

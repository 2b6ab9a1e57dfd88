//! Reads rules files (YAML) into lists, macros and rules, applying Falco's
//! define/append/override/enabled semantics across files in load order.
//!
//! The loader stops short of conditions: it keeps them as text. The compiler
//! then, for each rule, calls [`condition_with_exceptions`], substitutes lists
//! with [`substitute_lists`] (or a [`ListExpander`], which also records which
//! lists were used, for the unused-list warning), parses, and resolves macros;
//! macros get the same list substitution. Every problem found here is a
//! [`Diagnostic`] with file, line, column, snippet and, where possible, a hint;
//! unlike Falco, loading goes on after an error so that all of them are
//! reported at once. Entries with an error are left out of the result.
//!
//! Module map: `yaml` builds a positioned YAML tree, `decode` reads typed
//! keys, `items` decodes an entry, `collector` merges entries, `exceptions`
//! builds exception text, `lists` substitutes lists, `priority` and `version`
//! hold the small value types.

mod collector;
mod decode;
mod exceptions;
mod items;
mod lists;
mod priority;
mod report;
mod version;
pub(crate) mod yaml;

#[cfg(test)]
mod tests;

use std::{collections::BTreeSet, path::Path, sync::Arc};

use super::diagnostics::{Code, Diagnostic, Location};

pub use exceptions::{
    ExceptionDef, ExceptionFields, ExceptionValue, condition_with_exceptions, exception_text,
};
pub use lists::{ListExpander, MAX_CONDITION_LEN, quote_item, substitute_lists};
pub use priority::{InvalidPriority, Priority};
pub use version::{
    ENGINE_VERSION, PluginAlternative, PluginRequirement, Version, plugin_requirement_satisfied,
};

/// One rules file to load.
#[derive(Clone, Debug)]
pub struct RulesSource {
    /// The file name as the user gave it; used in every location.
    pub name: Arc<str>,
    /// The file's content.
    pub text: String,
}

impl RulesSource {
    /// A source from a name and its text.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Reads a file; a failure is a `LOAD_ERR_FILE_READ` diagnostic.
    pub fn read(path: &Path) -> Result<Self, Box<Diagnostic>> {
        let name: Arc<str> = path.display().to_string().into();
        match std::fs::read(path) {
            Ok(bytes) => Ok(Self {
                name,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            }),
            Err(err) => Err(Box::new(
                Diagnostic::new(
                    Code::FileRead,
                    format!("Could not read rules file {name}: {err}"),
                )
                .with_hint("check the path and its permissions"),
            )),
        }
    }
}

/// A list after merging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListDef {
    /// The list's name.
    pub name: String,
    /// Its items, as written (appends concatenated; references to other
    /// lists not yet inlined: see [`ListExpander`]).
    pub items: Vec<String>,
    /// Where the latest full definition is.
    pub location: Location,
    /// Sequence number of the first definition (shared by all kinds of item);
    /// the collection is sorted by it.
    pub index: usize,
    /// Sequence number of the latest definition or append.
    pub visibility: usize,
}

/// A macro after merging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroDef {
    /// The macro's name.
    pub name: String,
    /// Its condition text (appends joined with a space).
    pub condition: String,
    /// Where the condition's text starts in the latest full definition
    /// (for a block scalar, the first content line).
    pub condition_location: Location,
    /// Where the latest full definition is.
    pub location: Location,
    /// Sequence number of the first definition.
    pub index: usize,
    /// Sequence number of the latest definition or append. A macro may only
    /// use macros whose `index` is below its `visibility`.
    pub visibility: usize,
}

/// A rule after merging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDef {
    /// The rule's name.
    pub name: String,
    /// Its condition text, without exceptions (see [`condition_with_exceptions`]).
    pub condition: String,
    /// Where the condition's text starts in its latest definition or replace.
    /// Appended text (after a space) comes from elsewhere.
    pub condition_location: Location,
    /// Output format (trimmed when defined, as given when replaced).
    pub output: String,
    /// Where the output's text starts.
    pub output_location: Location,
    /// Description.
    pub desc: String,
    /// Priority.
    pub priority: Priority,
    /// Event source, `syscall` unless given.
    pub source: String,
    /// Whether the rule is enabled.
    pub enabled: bool,
    /// Tags, de-duplicated and sorted.
    pub tags: BTreeSet<String>,
    /// Exceptions, in order.
    pub exceptions: Vec<ExceptionDef>,
    /// Whether to warn when the condition has no event-type restriction.
    pub warn_evttypes: bool,
    /// Whether unknown fields skip the rule with a warning instead of an error.
    pub skip_if_unknown_filter: bool,
    /// Whether a match starts a capture.
    pub capture: bool,
    /// Capture duration in milliseconds (0: the configured default).
    pub capture_duration_ms: u64,
    /// Where the latest full definition is.
    pub location: Location,
    /// Sequence number of the first definition: the evaluation order.
    pub index: usize,
    /// Sequence number of the latest change.
    pub visibility: usize,
}

/// Everything read from a set of rules files.
#[derive(Clone, Debug, Default)]
pub struct Collection {
    /// The highest `required_engine_version` met, and where.
    pub required_engine_version: Option<(Version, Location)>,
    /// Plugin requirements, to check with [`plugin_requirement_satisfied`]
    /// once plugins are loaded.
    pub plugin_requirements: Vec<PluginRequirement>,
    /// Lists, in order of first definition.
    pub lists: Vec<ListDef>,
    /// Macros, in order of first definition.
    pub macros: Vec<MacroDef>,
    /// Rules, in order of first definition.
    pub rules: Vec<RuleDef>,
    /// Every error and warning, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl Collection {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// The error diagnostics.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity() == super::diagnostics::Severity::Error)
    }
}

/// Loads `sources` in order, as Falco loads `-r` files one after another.
/// Never panics; problems are in [`Collection::diagnostics`].
pub fn load(sources: &[RulesSource]) -> Collection {
    let mut state = collector::State::default();
    let mut diags = Vec::new();
    for source in sources {
        let file = report::SourceFile::new(source.name.clone(), &source.text);
        let docs = match yaml::parse_documents(&source.text) {
            Ok(docs) => docs,
            Err(err) => {
                diags.push(
                    file.diagnostic(Code::YamlParse, err.message, err.pos)
                        .in_item("rules content", "")
                        .with_hint(
                            "fix the YAML syntax at this position; nothing in this file was loaded",
                        ),
                );
                continue;
            }
        };
        for doc in docs.into_iter().flatten() {
            if doc.is_null() {
                continue;
            }
            let message = match &doc.value {
                yaml::Value::Seq(entries) => {
                    for entry in entries.iter().filter(|e| !e.is_null()) {
                        items::read_entry(&mut state, &file, &mut diags, entry);
                    }
                    continue;
                }
                yaml::Value::Map(_) => "Rules content is not yaml array of objects",
                yaml::Value::Scalar { .. } => "Rules content is not yaml",
            };
            diags.push(
                file.diagnostic(Code::YamlValidate, message, doc.pos)
                    .in_item("rules content", "")
                    .with_hint("a rules file is a list of items, each starting with `- `"),
            );
        }
    }
    state.finish(diags)
}

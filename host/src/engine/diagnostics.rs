//! Errors and warnings found while loading and compiling rules, with where they are.
//!
//! Codes and their short texts follow Falco's (`LOAD_ERR_*`, `LOAD_*`), so
//! operators can match them against Falco's documentation; unlike Falco we
//! keep going after the first error, so one validation run lists them all.

use std::{fmt, sync::Arc};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The rules cannot be used.
    Error,
    /// The rules load, but something is probably not what the author meant.
    Warning,
}

/// What kind of problem, in Falco's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Code {
    // Errors.
    FileRead,
    YamlParse,
    YamlValidate,
    CompileCondition,
    CompileOutput,
    Validate,
    // Warnings.
    UnknownSource,
    UnsafeNaCheck,
    NoEvttype,
    UnknownFilter,
    UnusedMacro,
    UnusedList,
    UnknownItem,
    DeprecatedItem,
    AppendNoValues,
    ExceptionNameNotUnique,
    InvalidMacroName,
    InvalidListName,
    ConditionWarning,
    UnknownKey,
}

impl Code {
    /// Falco's identifier for the code, e.g. `LOAD_ERR_YAML_VALIDATE`.
    pub fn name(self) -> &'static str {
        match self {
            Self::FileRead => "LOAD_ERR_FILE_READ",
            Self::YamlParse => "LOAD_ERR_YAML_PARSE",
            Self::YamlValidate => "LOAD_ERR_YAML_VALIDATE",
            Self::CompileCondition => "LOAD_ERR_COMPILE_CONDITION",
            Self::CompileOutput => "LOAD_ERR_COMPILE_OUTPUT",
            Self::Validate => "LOAD_ERR_VALIDATE",
            Self::UnknownSource => "LOAD_UNKNOWN_SOURCE",
            Self::UnsafeNaCheck => "LOAD_UNSAFE_NA_CHECK",
            Self::NoEvttype => "LOAD_NO_EVTTYPE",
            Self::UnknownFilter => "LOAD_UNKNOWN_FILTER",
            Self::UnusedMacro => "LOAD_UNUSED_MACRO",
            Self::UnusedList => "LOAD_UNUSED_LIST",
            Self::UnknownItem => "LOAD_UNKNOWN_ITEM",
            Self::DeprecatedItem => "LOAD_DEPRECATED_ITEM",
            Self::AppendNoValues => "LOAD_APPEND_NO_VALUES",
            Self::ExceptionNameNotUnique => "LOAD_EXCEPTION_NAME_NOT_UNIQUE",
            Self::InvalidMacroName => "LOAD_INVALID_MACRO_NAME",
            Self::InvalidListName => "LOAD_INVALID_LIST_NAME",
            Self::ConditionWarning => "LOAD_COMPILE_CONDITION",
            Self::UnknownKey => "LOAD_UNKNOWN_KEY",
        }
    }

    /// Falco's short description of the code.
    pub fn description(self) -> &'static str {
        match self {
            Self::FileRead => "File read error",
            Self::YamlParse => "YAML parse error",
            Self::YamlValidate => "Error validating internal structure of YAML file",
            Self::CompileCondition => "Error compiling condition",
            Self::CompileOutput => "Error compiling output",
            Self::Validate => "Error validating rule/macro/list/exception objects",
            Self::UnknownSource => "Unknown event source",
            Self::UnsafeNaCheck => "Unsafe <NA> comparison in condition",
            Self::NoEvttype => "Condition has no event-type restriction",
            Self::UnknownFilter => "Unknown field or event-type in condition or output",
            Self::UnusedMacro => "Unused macro",
            Self::UnusedList => "Unused list",
            Self::UnknownItem => "Unknown rules file item",
            Self::DeprecatedItem => "Used deprecated item",
            Self::AppendNoValues => "Overriding/appending exception with no values",
            Self::ExceptionNameNotUnique => "Multiple exceptions defined with the same name",
            Self::InvalidMacroName => "Invalid macro name",
            Self::InvalidListName => "Invalid list name",
            Self::ConditionWarning => "Warning in rule condition",
            Self::UnknownKey => "Unknown key in item",
        }
    }

    /// Whether the code is an error or a warning.
    pub fn severity(self) -> Severity {
        match self {
            Self::FileRead
            | Self::YamlParse
            | Self::YamlValidate
            | Self::CompileCondition
            | Self::CompileOutput
            | Self::Validate => Severity::Error,
            _ => Severity::Warning,
        }
    }
}

/// A place in a rules file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it.
    pub file: Arc<str>,
    /// Line, 1-based.
    pub line: u32,
    /// Column, 1-based.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The item a diagnostic is about, e.g. `rule 'Terminal shell in container'`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRef {
    /// `rule`, `macro`, `list`, `exception`, `required_engine_version`, ...
    pub kind: &'static str,
    /// The item's name (empty when it has none).
    pub name: String,
}

/// One error or warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of problem.
    pub code: Code,
    /// The specific message.
    pub message: String,
    /// Where, when known.
    pub location: Option<Location>,
    /// Which item, when known.
    pub item: Option<ItemRef>,
    /// The offending source line, when known.
    pub snippet: Option<String>,
    /// What to change, when we can tell.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with just a code and a message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            location: None,
            item: None,
            snippet: None,
            hint: None,
        }
    }

    /// Sets where the problem is.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Sets which item the problem is in.
    pub fn in_item(mut self, kind: &'static str, name: impl Into<String>) -> Self {
        self.item = Some(ItemRef {
            kind,
            name: name.into(),
        });
        self
    }

    /// Sets the offending source line.
    pub fn with_snippet(mut self, snippet: impl Into<String>) -> Self {
        self.snippet = Some(snippet.into());
        self
    }

    /// Sets a hint on what to change.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Error or warning, from the code.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        write!(f, "{severity}: {} ({})", self.message, self.code.name())?;
        if let Some(item) = &self.item {
            write!(f, "\n  in {} '{}'", item.kind, item.name)?;
        }
        if let Some(snippet) = &self.snippet {
            write!(f, "\n  | {snippet}")?;
            if let Some(location) = &self.location {
                let pad = " ".repeat(location.column.saturating_sub(1) as usize);
                write!(f, "\n  | {pad}^")?;
            }
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

//! Field definitions, per-source tables, and lookup by name as rules write it.
//!
//! The engine never hard-codes a source's fields: each source registers a
//! [`FieldTable`], and the rule compiler resolves every field a condition or
//! output names through [`Registry::resolve`] (or [`Registry::lookup`]), which
//! applies Falco's rules for names and arguments:
//!
//! 1. an exact name in the source's table, then in the common table
//!    ([`super::common`]: `evt.num`, `evt.time`, ... shared by all sources);
//! 2. otherwise the longest field name that is a dotted prefix of the name,
//!    among fields that accept a dotted argument (`evt.arg.flags` is `evt.arg`
//!    with argument `flags`);
//! 3. then the argument is checked against the field's [`ArgMode`] and [`ArgKind`].
//!
//! Unknown names fail with Falco's wording, `filter_check called with
//! nonexistent field NAME`, plus a hint when a close name exists.

use std::collections::{HashMap, HashSet};

use super::common::{self, COMMON_SOURCE};
use super::value::FieldType;

/// Whether a field takes a bracketed argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgMode {
    /// `name` only.
    None,
    /// `name` or `name[arg]`.
    Optional,
    /// `name[arg]` only.
    Required,
}

/// What a field's argument is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// A non-negative integer, e.g. `proc.aname[2]`.
    Index,
    /// A free-form key, e.g. `ka.uri.param[command]`, `json.value[/a/b]`.
    Key,
}

/// Extra properties of a field (Falco's `EPF_*` flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldFlags {
    /// The field yields a list of values.
    pub is_list: bool,
    /// Cannot be used on the right-hand side of a field-to-field comparison.
    pub no_rhs: bool,
    /// Cannot be used inside a transformer.
    pub no_transformer: bool,
    /// Only usable in conditions, not outputs.
    pub filter_only: bool,
    /// Deprecated: using it raises a warning.
    pub deprecated: bool,
    /// Also accepts a dotted suffix as its argument (`evt.arg.name` for `evt.arg[name]`).
    pub dotted_arg: bool,
    /// Without an argument the field stands for several values (every ancestor
    /// for `proc.aname`) and a comparison holds if it holds for any of them.
    pub any_match: bool,
}

/// One field a source offers.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDef {
    /// Full name, e.g. `proc.name`.
    pub name: String,
    /// Value type (of each element, for list fields).
    pub ty: FieldType,
    /// Whether an argument is accepted or required.
    pub arg_mode: ArgMode,
    /// What the argument is, when one is accepted.
    pub arg_kind: ArgKind,
    /// Flags.
    pub flags: FieldFlags,
    /// One-line description for `lanner fields`.
    pub description: String,
}

/// The fields of one source.
#[derive(Clone, Debug, Default)]
pub struct FieldTable {
    /// The source's name (`syscall`, `k8s_audit`, ...).
    pub source: String,
    /// Its fields, in the order they are documented.
    pub fields: Vec<FieldDef>,
    /// Event type names valid for `evt.type` in this source.
    pub event_types: Vec<String>,
}

/// Identifies a field within a [`Registry`]: the source's index and the field's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldId {
    /// Index of the source table in the registry.
    pub source: u32,
    /// Index of the field within its table.
    pub field: u32,
}

impl FieldId {
    /// The `source` index of fields from the common table (engine-provided).
    pub const COMMON_SOURCE: u32 = u32::MAX;

    /// Whether the field is a common one, which the engine extracts itself
    /// rather than asking the source.
    pub const fn is_common(self) -> bool {
        self.source == Self::COMMON_SOURCE
    }
}

/// A field argument, validated against the field's [`ArgKind`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FieldArg {
    /// A non-negative index, as in `proc.aname[2]`.
    Index(u64),
    /// A key, as in `evt.arg.flags`, `evt.arg[0]` or `container.mount.dest[/proc*]`.
    Key(String),
}

impl std::fmt::Display for FieldArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldArg::Index(i) => write!(f, "{i}"),
            FieldArg::Key(k) => f.write_str(k),
        }
    }
}

/// A field reference resolved against the registry.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedField<'r> {
    /// The field's id, for [`Registry::get`] and extraction.
    pub id: FieldId,
    /// Its definition.
    pub def: &'r FieldDef,
    /// Its argument, whether written in brackets or as a dotted suffix.
    pub arg: Option<FieldArg>,
}

/// Why a field reference does not resolve.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FieldLookupError {
    /// No table is registered for the source.
    #[error("unknown event source '{source_name}'; known sources: {known}")]
    UnknownSource {
        /// The source asked for.
        source_name: String,
        /// The registered sources, comma-separated.
        known: String,
    },
    /// Neither the source nor the common table has the field.
    #[error("filter_check called with nonexistent field {name}{}", hint_text(.hint))]
    UnknownField {
        /// The name as written.
        name: String,
        /// A close field name, or the source that does have this field.
        hint: Option<String>,
    },
    /// An argument was given to a field that takes none.
    #[error("field {field} does not take an argument, but was given '{arg}'")]
    UnexpectedArg {
        /// The field.
        field: String,
        /// The argument given.
        arg: String,
    },
    /// A field that needs an argument was used without one.
    #[error("field {field} requires an argument ({expected}), e.g. {field}[...]")]
    MissingArg {
        /// The field.
        field: String,
        /// What kind of argument it takes.
        expected: &'static str,
    },
    /// An index argument is not a non-negative integer.
    #[error("field {field} takes a non-negative integer index, but was given '{arg}'")]
    BadIndex {
        /// The field.
        field: String,
        /// The argument given.
        arg: String,
    },
    /// An empty argument (`evt.arg[]`).
    #[error("field {field} was given an empty argument")]
    EmptyArg {
        /// The field.
        field: String,
    },
    /// The argument was written both as a dotted suffix and in brackets.
    #[error(
        "field {field} has an argument both as a suffix ('{dotted}') and in brackets ('{bracketed}'); use one"
    )]
    ConflictingArgs {
        /// The field.
        field: String,
        /// The dotted suffix.
        dotted: String,
        /// The bracketed argument.
        bracketed: String,
    },
    /// A `name[arg]` reference with unbalanced brackets.
    #[error("malformed field reference '{text}': expected NAME or NAME[ARG]")]
    Malformed {
        /// The reference as written.
        text: String,
    },
}

fn hint_text(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
}

/// A table plus the indexes lookups need.
#[derive(Clone, Debug, Default)]
struct Indexed {
    table: FieldTable,
    by_name: HashMap<String, u32>,
    event_types: HashSet<String>,
}

impl Indexed {
    fn new(table: FieldTable) -> Self {
        let mut by_name = HashMap::with_capacity(table.fields.len());
        for (i, f) in table.fields.iter().enumerate() {
            // The first definition wins if a table repeats a name.
            by_name
                .entry(f.name.clone())
                .or_insert(u32::try_from(i).unwrap_or(u32::MAX));
        }
        let event_types = table.event_types.iter().cloned().collect();
        Self {
            table,
            by_name,
            event_types,
        }
    }

    fn exact(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    /// The longest dotted-argument field whose name followed by `.` starts `name`.
    fn dotted<'n>(&self, name: &'n str) -> Option<(u32, &'n str)> {
        let mut best: Option<(u32, &'n str, usize)> = None;
        for (i, f) in self.table.fields.iter().enumerate() {
            if !f.flags.dotted_arg {
                continue;
            }
            let Some(rest) = name
                .strip_prefix(f.name.as_str())
                .and_then(|r| r.strip_prefix('.'))
            else {
                continue;
            };
            if rest.is_empty() || best.is_some_and(|(_, _, len)| len >= f.name.len()) {
                continue;
            }
            let Ok(i) = u32::try_from(i) else { continue };
            best = Some((i, rest, f.name.len()));
        }
        best.map(|(i, rest, _)| (i, rest))
    }
}

/// All registered sources and their fields, plus the common fields.
#[derive(Clone, Debug)]
pub struct Registry {
    tables: Vec<Indexed>,
    common: Indexed,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// A registry holding only the common fields; register sources next.
    pub fn new() -> Self {
        Self {
            tables: Vec::new(),
            common: Indexed::new(common::table()),
        }
    }

    /// Adds a source's table and returns its index (the `source` of its
    /// [`FieldId`]s). A table for an already registered source replaces the
    /// old one and keeps its index.
    pub fn register(&mut self, table: FieldTable) -> u32 {
        if let Some(i) = self.source_index(&table.source) {
            if let Some(slot) = self.tables.get_mut(i as usize) {
                *slot = Indexed::new(table);
            }
            return i;
        }
        self.tables.push(Indexed::new(table));
        u32::try_from(self.tables.len() - 1).unwrap_or(u32::MAX)
    }

    /// The names of the registered sources, in registration order.
    pub fn source_names(&self) -> impl Iterator<Item = &str> {
        self.tables.iter().map(|t| t.table.source.as_str())
    }

    /// The index of a registered source.
    pub fn source_index(&self, source: &str) -> Option<u32> {
        self.tables
            .iter()
            .position(|t| t.table.source == source)
            .and_then(|i| u32::try_from(i).ok())
    }

    /// The table a source registered.
    pub fn table(&self, source: &str) -> Option<&FieldTable> {
        self.tables
            .iter()
            .find(|t| t.table.source == source)
            .map(|t| &t.table)
    }

    /// The common fields every source has.
    pub fn common_table(&self) -> &FieldTable {
        &self.common.table
    }

    /// The definition of a field this registry handed out.
    ///
    /// # Panics
    ///
    /// If `id` did not come from this registry; see [`Registry::try_get`].
    pub fn get(&self, id: FieldId) -> &FieldDef {
        match self.try_get(id) {
            Some(def) => def,
            None => panic!("field id {id:?} does not belong to this registry"),
        }
    }

    /// The definition of a field, or `None` for an id from elsewhere.
    pub fn try_get(&self, id: FieldId) -> Option<&FieldDef> {
        let table = if id.is_common() {
            &self.common
        } else {
            self.tables.get(id.source as usize)?
        };
        table.table.fields.get(id.field as usize)
    }

    /// The source name a field belongs to; [`COMMON_SOURCE`] for common fields.
    pub fn source_of(&self, id: FieldId) -> Option<&str> {
        if id.is_common() {
            return Some(COMMON_SOURCE);
        }
        self.tables
            .get(id.source as usize)
            .map(|t| t.table.source.as_str())
    }

    /// Resolves a field as the parser hands it over (name, optional bracketed
    /// argument), ignoring the argument in the result; use
    /// [`Registry::resolve`] to get the argument too (`evt.arg.flags` carries
    /// its argument in the name).
    pub fn lookup(
        &self,
        source: &str,
        name: &str,
        arg: Option<&str>,
    ) -> Result<(FieldId, &FieldDef), FieldLookupError> {
        self.resolve(source, name, arg).map(|r| (r.id, r.def))
    }

    /// Resolves a field reference of `source`: `name` as written (possibly with
    /// a dotted argument) and the bracketed argument, if any.
    pub fn resolve(
        &self,
        source: &str,
        name: &str,
        arg: Option<&str>,
    ) -> Result<ResolvedField<'_>, FieldLookupError> {
        let Some(source_idx) = self.source_index(source) else {
            return Err(FieldLookupError::UnknownSource {
                source_name: source.to_owned(),
                known: self.source_names().collect::<Vec<_>>().join(", "),
            });
        };
        let own = self.tables.get(source_idx as usize);
        let candidates = own
            .map(|t| (source_idx, t))
            .into_iter()
            .chain(std::iter::once((FieldId::COMMON_SOURCE, &self.common)));

        // Exact names first, in the source's table and then the common one.
        for (src, t) in candidates.clone() {
            if let Some(field) = t.exact(name) {
                return self.finish(FieldId { source: src, field }, arg);
            }
        }
        // Then dotted arguments: `evt.arg.flags` is `evt.arg[flags]`.
        for (src, t) in candidates {
            if let Some((field, dotted)) = t.dotted(name) {
                let id = FieldId { source: src, field };
                if let Some(bracketed) = arg {
                    return Err(FieldLookupError::ConflictingArgs {
                        field: self.get_name(id),
                        dotted: dotted.to_owned(),
                        bracketed: bracketed.to_owned(),
                    });
                }
                return self.finish(id, Some(dotted));
            }
        }
        Err(FieldLookupError::UnknownField {
            name: name.to_owned(),
            hint: self.hint(source_idx, name),
        })
    }

    /// Resolves a field reference written as one string, `NAME` or
    /// `NAME[ARG]`, as outputs write it after `%`.
    pub fn resolve_str(
        &self,
        source: &str,
        text: &str,
    ) -> Result<ResolvedField<'_>, FieldLookupError> {
        let (name, arg) = split_field_ref(text)?;
        self.resolve(source, name, arg)
    }

    /// Valid `evt.type` values of a source; `None` for an unknown source.
    pub fn event_types(&self, source: &str) -> Option<&[String]> {
        self.table(source).map(|t| t.event_types.as_slice())
    }

    /// Whether `name` is a valid `evt.type` value of `source`.
    pub fn is_event_type(&self, source: &str, name: &str) -> bool {
        self.tables
            .iter()
            .find(|t| t.table.source == source)
            .is_some_and(|t| t.event_types.contains(name))
    }

    /// Every field usable in rules of `source`: its own fields, then the
    /// common fields it does not redefine, for `lanner fields --source S`.
    /// `None` for an unknown source.
    pub fn fields_of(
        &self,
        source: &str,
    ) -> Option<impl Iterator<Item = (FieldId, &FieldDef)> + '_> {
        let src = self.source_index(source)?;
        let own = self.tables.get(src as usize)?;
        let own_fields = numbered(src, &own.table);
        let common = numbered(FieldId::COMMON_SOURCE, &self.common.table)
            .filter(move |(_, def)| own.exact(&def.name).is_none());
        Some(own_fields.chain(common))
    }

    /// Every registered table with its fields, common table excluded, in
    /// registration order, for `lanner fields`.
    pub fn tables(&self) -> impl Iterator<Item = &FieldTable> {
        self.tables.iter().map(|t| &t.table)
    }

    fn get_name(&self, id: FieldId) -> String {
        self.try_get(id).map(|d| d.name.clone()).unwrap_or_default()
    }

    fn finish(
        &self,
        id: FieldId,
        arg: Option<&str>,
    ) -> Result<ResolvedField<'_>, FieldLookupError> {
        let Some(def) = self.try_get(id) else {
            return Err(FieldLookupError::UnknownField {
                name: String::new(),
                hint: None,
            });
        };
        let arg = check_arg(def, arg)?;
        Ok(ResolvedField { id, def, arg })
    }

    /// A hint for an unknown name: the source that has it, or a close name.
    fn hint(&self, source_idx: u32, name: &str) -> Option<String> {
        if let Some(other) = self
            .tables
            .iter()
            .find(|t| t.exact(name).is_some() || t.dotted(name).is_some())
        {
            return Some(format!(
                "it belongs to source '{}', not this one",
                other.table.source
            ));
        }
        let own = self.tables.get(source_idx as usize)?;
        let max = (name.len() / 4).clamp(1, 3);
        own.table
            .fields
            .iter()
            .chain(&self.common.table.fields)
            .map(|f| (edit_distance(&f.name, name), &f.name))
            .filter(|(d, _)| *d <= max)
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| format!("did you mean {n}?"))
    }
}

/// Splits `NAME[ARG]` into its parts; `NAME` alone has no argument.
pub fn split_field_ref(text: &str) -> Result<(&str, Option<&str>), FieldLookupError> {
    let malformed = || FieldLookupError::Malformed {
        text: text.to_owned(),
    };
    match text.find('[') {
        None if text.contains(']') => Err(malformed()),
        None => Ok((text, None)),
        Some(open) => {
            let name = &text[..open];
            let arg = text[open + 1..].strip_suffix(']').ok_or_else(malformed)?;
            if name.is_empty() {
                return Err(malformed());
            }
            Ok((name, Some(arg)))
        }
    }
}

fn numbered(src: u32, table: &FieldTable) -> impl Iterator<Item = (FieldId, &FieldDef)> {
    table.fields.iter().enumerate().filter_map(move |(i, def)| {
        let field = u32::try_from(i).ok()?;
        Some((FieldId { source: src, field }, def))
    })
}

/// Checks an argument against the field's argument rules.
fn check_arg(def: &FieldDef, arg: Option<&str>) -> Result<Option<FieldArg>, FieldLookupError> {
    let field = || def.name.clone();
    match (def.arg_mode, arg) {
        (ArgMode::None, None) | (ArgMode::Optional, None) => Ok(None),
        (ArgMode::None, Some(a)) => Err(FieldLookupError::UnexpectedArg {
            field: field(),
            arg: a.to_owned(),
        }),
        (ArgMode::Required, None) => Err(FieldLookupError::MissingArg {
            field: field(),
            expected: match def.arg_kind {
                ArgKind::Index => "a non-negative integer index",
                ArgKind::Key => "a key",
            },
        }),
        (ArgMode::Optional | ArgMode::Required, Some("")) => {
            Err(FieldLookupError::EmptyArg { field: field() })
        }
        (ArgMode::Optional | ArgMode::Required, Some(a)) => match def.arg_kind {
            ArgKind::Key => Ok(Some(FieldArg::Key(a.to_owned()))),
            ArgKind::Index => {
                if !a.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(FieldLookupError::BadIndex {
                        field: field(),
                        arg: a.to_owned(),
                    });
                }
                a.parse::<u64>()
                    .map(|i| Some(FieldArg::Index(i)))
                    .map_err(|_| FieldLookupError::BadIndex {
                        field: field(),
                        arg: a.to_owned(),
                    })
            }
        },
    }
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

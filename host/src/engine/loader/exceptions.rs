//! Rule exceptions: reading them, checking their shape, and turning them into
//! condition text.
//!
//! Falco does not compile exceptions on their own: it appends each one to the
//! rule's condition as ` and not (...)` text before parsing. The text has to
//! be built exactly as Falco builds it (including `quote_item`, which quotes
//! only values with a space and escapes nothing) or some real-world rules
//! would parse differently. Structure errors are reported when an exception
//! is read or merged, so the text builder only ever sees well-formed data.

use super::super::diagnostics::{Code, Location};
use super::decode::{self, At};
use super::lists::quote_item;
use super::report::Sink;
use super::yaml::{Node, Pos};

/// An exception's `fields`: one field or several.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExceptionFields {
    /// `fields: proc.name`: each value row is one value, compared with the one comp.
    Scalar(String),
    /// `fields: [proc.name, fd.name]`: each value row has one entry per field.
    List(Vec<String>),
}

impl ExceptionFields {
    /// The field names, in order.
    pub fn names(&self) -> Vec<&str> {
        match self {
            ExceptionFields::Scalar(f) => vec![f.as_str()],
            ExceptionFields::List(fs) => fs.iter().map(String::as_str).collect(),
        }
    }
}

/// One exception value: a string, or a list (which becomes a list literal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExceptionValue {
    /// A single value, as written.
    Scalar(String),
    /// A sequence of values.
    List(Vec<ExceptionValue>),
}

/// One exception of a rule, with defaults applied to `comps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionDef {
    /// The exception's name (unique within the rule, or a warning).
    pub name: String,
    /// The fields compared.
    pub fields: ExceptionFields,
    /// Where each field is written, parallel to [`ExceptionFields::names`].
    pub field_locations: Vec<Location>,
    /// One comparison operator per field (trimmed; `in` for a scalar field
    /// and `=` per field for a list, unless given).
    pub comps: Vec<String>,
    /// The value rows: a `Scalar` per row for scalar fields, a `List` with
    /// one entry per field for list fields.
    pub values: Vec<ExceptionValue>,
    /// Where the exception is.
    pub location: Location,
}

/// An exception as read from YAML, before merging and defaults.
#[derive(Clone, Debug)]
pub(crate) struct RawException {
    pub name: String,
    pub pos: Pos,
    pub fields: Option<Entry>,
    pub comps: Option<Entry>,
    /// `None` when the `values` key is absent.
    pub values: Option<Vec<At<ExceptionValue>>>,
}

/// A `fields` or `comps` entry with positions.
#[derive(Clone, Debug)]
pub(crate) enum Entry {
    Scalar(At<String>),
    List(Vec<At<String>>, Pos),
}

/// Operators that take a string operand and accept a `oneof`/`anyof`/`allof` modifier.
const STRING_OPERATORS: &[&str] = &[
    "=",
    "==",
    "!=",
    "glob",
    "iglob",
    "contains",
    "icontains",
    "bcontains",
    "startswith",
    "bstartswith",
    "endswith",
    "regex",
];

/// Every other operator the condition parser knows.
const OTHER_OPERATORS: &[&str] = &["<", "<=", ">", ">=", "in", "intersects", "pmatch", "exists"];

const MODIFIERS: &[&str] = &["oneof", "anyof", "allof"];

/// `<string operator> <modifier>`, e.g. `startswith oneof`.
fn is_modifier_operator(comp: &str) -> bool {
    let mut words = comp.split_whitespace();
    matches!(
        (words.next(), words.next(), words.next()),
        (Some(op), Some(m), None) if STRING_OPERATORS.contains(&op) && MODIFIERS.contains(&m)
    )
}

fn is_operator(comp: &str) -> bool {
    STRING_OPERATORS.contains(&comp)
        || OTHER_OPERATORS.contains(&comp)
        || is_modifier_operator(comp)
}

/// Operators whose right-hand side is a list, so a scalar value is wrapped in `( )`.
fn is_list_operator(comp: &str) -> bool {
    matches!(comp, "in" | "intersects" | "pmatch") || is_modifier_operator(comp)
}

const EXCEPTION_KEYS: &[&str] = &["name", "fields", "comps", "values"];

/// Reads `fields`/`comps`: a scalar or a sequence of scalars. Null counts as absent.
fn entry(sink: &mut Sink<'_, '_>, ex: &Node, key: &str) -> Option<Entry> {
    let val = ex.get(key)?;
    if val.is_null() {
        return None;
    }
    if let Some(text) = val.scalar() {
        return Some(Entry::Scalar(At {
            value: text.to_string(),
            pos: val.pos,
        }));
    }
    let Some(items) = val.seq() else {
        sink.invalid(
            format!("Exception '{key}' must be a string or a list of strings"),
            val.pos,
            format!("write `{key}: [a, b]` or `{key}: a`"),
        );
        return None;
    };
    let mut out = Vec::new();
    for item in items {
        match item.scalar() {
            Some(text) => out.push(At {
                value: text.to_string(),
                pos: item.pos,
            }),
            None => sink.invalid(
                format!("Exception '{key}' must be a string or a list of strings"),
                item.pos,
                format!("each entry of `{key}` must be a single value"),
            ),
        }
    }
    Some(Entry::List(out, val.pos))
}

/// Reads one value (a row, or an entry of a row). Null reads as an empty string.
fn value(sink: &mut Sink<'_, '_>, node: &Node) -> Option<ExceptionValue> {
    if node.is_null() {
        return Some(ExceptionValue::Scalar(String::new()));
    }
    if let Some(text) = node.scalar() {
        return Some(ExceptionValue::Scalar(text.to_string()));
    }
    if let Some(items) = node.seq() {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(value(sink, item)?);
        }
        return Some(ExceptionValue::List(out));
    }
    sink.invalid(
        "Exception values must be strings or lists of strings",
        node.pos,
        "write each value row as `[v1, v2]` (one entry per field) or as a single value",
    );
    None
}

/// Reads a rule's `exceptions` key. `append` is set for appends, where
/// `fields` may be left out to add values to an existing exception.
///
/// Returns `None` when the key is absent or null.
pub(crate) fn read(
    sink: &mut Sink<'_, '_>,
    item: &Node,
    append: bool,
) -> Option<Vec<RawException>> {
    let exs = item.get("exceptions")?;
    if exs.is_null() {
        return None;
    }
    let Some(entries) = exs.seq() else {
        sink.invalid(
            "Rule exceptions must be a sequence",
            exs.pos,
            "write `exceptions:` as a list of `- name: ...` entries",
        );
        return None;
    };
    let mut out = Vec::with_capacity(entries.len());
    let mut names: Vec<String> = Vec::new();
    for ex in entries {
        if ex.map().is_none() {
            sink.invalid(
                "Rule exception must be a mapping",
                ex.pos,
                "each exception is a map with `name`, `fields`, `comps` and `values`",
            );
            continue;
        }
        decode::warn_unknown_keys(sink, ex, EXCEPTION_KEYS);
        let Some(name) = decode::string(sink, ex, "name", false) else {
            continue;
        };
        let name = name.value;
        if names.contains(&name) {
            sink.warn(
                Code::ExceptionNameNotUnique,
                format!("Multiple definitions of exception '{name}' in the same rule"),
                ex.pos,
                "give each exception of a rule its own name",
            );
        }
        names.push(name.clone());
        if !append && !ex.has("fields") {
            sink.invalid(
                "Rule exception item must have fields property with a list of fields",
                ex.pos,
                "add `fields: [...]` to this exception",
            );
            continue;
        }
        let fields = entry(sink, ex, "fields");
        let comps = entry(sink, ex, "comps");
        let values = match ex.get("values") {
            Some(vals) if !vals.is_null() => {
                let Some(rows) = vals.seq() else {
                    sink.invalid(
                        "Rule exception values must be a sequence",
                        vals.pos,
                        "write `values:` as a list of rows",
                    );
                    continue;
                };
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    if let Some(v) = value(sink, row) {
                        out.push(At {
                            value: v,
                            pos: row.pos,
                        });
                    }
                }
                Some(out)
            }
            Some(_) => Some(Vec::new()),
            None => {
                if append {
                    sink.warn(
                        Code::AppendNoValues,
                        "Overriding/appending exception with no values",
                        ex.pos,
                        "add `values:` with the rows to append, or remove this exception",
                    );
                }
                None
            }
        };
        out.push(RawException {
            name,
            pos: ex.pos,
            fields,
            comps,
            values,
        });
    }
    Some(out)
}

/// Checks value rows against an exception's fields, reporting each bad row.
/// Returns the rows when all are good.
pub(crate) fn check_rows(
    sink: &mut Sink<'_, '_>,
    fields: &ExceptionFields,
    rows: Vec<At<ExceptionValue>>,
) -> Option<Vec<ExceptionValue>> {
    let mut ok = true;
    for row in &rows {
        match (fields, &row.value) {
            (ExceptionFields::Scalar(_), ExceptionValue::List(_)) => {
                sink.validate(
                    "Expected values array to contain a list of strings",
                    row.pos,
                    "with a single field, each value row is one value, not a list",
                );
                ok = false;
            }
            (ExceptionFields::List(fs), v) => {
                let len = match v {
                    ExceptionValue::List(items) => items.len(),
                    ExceptionValue::Scalar(_) => 0,
                };
                if len != fs.len() {
                    sink.validate(
                        "Fields and values lists must have equal length",
                        row.pos,
                        format!(
                            "this exception has {} fields, so each row needs {} values",
                            fs.len(),
                            fs.len()
                        ),
                    );
                    ok = false;
                }
            }
            (ExceptionFields::Scalar(_), ExceptionValue::Scalar(_)) => {}
        }
    }
    ok.then(|| rows.into_iter().map(|r| r.value).collect())
}

/// Turns a raw exception into a full one: fields required, comps defaulted
/// and checked, rows checked. `appending` is set when a new exception is
/// added to an existing rule, which also requires `values`.
pub(crate) fn complete(
    sink: &mut Sink<'_, '_>,
    raw: RawException,
    appending: bool,
) -> Option<ExceptionDef> {
    let location = sink.file.location(raw.pos);
    let Some(fields_entry) = raw.fields else {
        sink.validate(
            "Rule exception must have fields property with a list of fields",
            raw.pos,
            "a new exception needs `fields:`",
        );
        return None;
    };
    if appending && raw.values.is_none() {
        sink.validate(
            "Rule exception must have values property with a list of values",
            raw.pos,
            "a new exception appended to a rule needs `values:`",
        );
        return None;
    }
    let (fields, field_locations, comps) = match fields_entry {
        Entry::List(fs, _) => {
            let comps: Vec<String> = match raw.comps {
                None => vec!["=".to_string(); fs.len()],
                Some(Entry::List(cs, pos)) => {
                    if cs.len() != fs.len() {
                        sink.validate(
                            "Fields and comps lists must have equal length",
                            pos,
                            format!("give one comparison operator per field ({} here)", fs.len()),
                        );
                        return None;
                    }
                    cs.into_iter().map(|c| c.value.trim().to_string()).collect()
                }
                Some(Entry::Scalar(c)) => {
                    sink.validate(
                        "Fields and comps lists must have equal length",
                        c.pos,
                        "with a list of fields, `comps` must be a list too",
                    );
                    return None;
                }
            };
            for comp in &comps {
                if !is_operator(comp) {
                    sink.validate(
                        format!("'{comp}' is not a supported comparison operator"),
                        raw.pos,
                        operators_hint(),
                    );
                    return None;
                }
            }
            let locations = fs.iter().map(|f| sink.file.location(f.pos)).collect();
            let names = fs.into_iter().map(|f| f.value).collect();
            (ExceptionFields::List(names), locations, comps)
        }
        Entry::Scalar(field) => {
            let comp = match raw.comps {
                None => "in".to_string(),
                Some(Entry::Scalar(c)) => c.value.trim().to_string(),
                Some(Entry::List(_, pos)) => {
                    sink.validate(
                        "Fields and comps must both be strings",
                        pos,
                        "with a single field, `comps` must be a single operator",
                    );
                    return None;
                }
            };
            if !is_list_operator(&comp) {
                sink.validate(
                    "When fields is a single value, comps must be one of (in, pmatch, intersects)",
                    raw.pos,
                    "use `comps: in`, `pmatch`, `intersects` or a modifier such as `= oneof`, \
                     or make `fields` a list",
                );
                return None;
            }
            let location = sink.file.location(field.pos);
            (
                ExceptionFields::Scalar(field.value),
                vec![location],
                vec![comp],
            )
        }
    };
    let values = check_rows(sink, &fields, raw.values.unwrap_or_default())?;
    Some(ExceptionDef {
        name: raw.name,
        fields,
        field_locations,
        comps,
        values,
        location,
    })
}

fn operators_hint() -> String {
    let mut all: Vec<&str> = STRING_OPERATORS.to_vec();
    all.extend_from_slice(OTHER_OPERATORS);
    format!(
        "comps must be one of {}, or a string operator followed by oneof/anyof/allof",
        all.join(" ")
    )
}

/// The text of a single value inside a list literal: scalars are quoted when
/// needed, deeper lists contribute nothing (as in Falco).
fn item_text(v: &ExceptionValue) -> String {
    match v {
        ExceptionValue::Scalar(s) => quote_item(s),
        ExceptionValue::List(_) => String::new(),
    }
}

/// The ` and not ...` operand for one exception, or empty when it has no
/// usable values. Rows that do not fit the fields are skipped (the loader
/// never produces them).
pub fn exception_text(ex: &ExceptionDef) -> String {
    match &ex.fields {
        ExceptionFields::Scalar(field) => {
            let comp = ex.comps.first().map(String::as_str).unwrap_or("in");
            let values: Vec<String> = ex
                .values
                .iter()
                .filter_map(|v| match v {
                    ExceptionValue::Scalar(s) => Some(quote_item(s)),
                    ExceptionValue::List(_) => None,
                })
                .collect();
            if values.is_empty() {
                String::new()
            } else {
                format!("({field} {comp} ({}))", values.join(", "))
            }
        }
        ExceptionFields::List(fields) => {
            let mut rows = Vec::new();
            for row in &ex.values {
                let ExceptionValue::List(entries) = row else {
                    continue;
                };
                if entries.len() != fields.len() || ex.comps.len() != fields.len() {
                    continue;
                }
                let mut text = String::from("(");
                for (k, ((field, comp), entry)) in
                    fields.iter().zip(&ex.comps).zip(entries).enumerate()
                {
                    if k > 0 {
                        text.push_str(" and");
                    }
                    let operand = match entry {
                        ExceptionValue::List(items) => {
                            let items: Vec<String> = items.iter().map(item_text).collect();
                            format!("({})", items.join(", "))
                        }
                        ExceptionValue::Scalar(s) if is_list_operator(comp) => {
                            if s.starts_with('(') {
                                s.clone()
                            } else {
                                format!("({s})")
                            }
                        }
                        ExceptionValue::Scalar(s) => quote_item(s),
                    };
                    text.push_str(&format!(" {field} {comp} {operand}"));
                }
                text.push(')');
                rows.push(text);
            }
            if rows.is_empty() {
                String::new()
            } else {
                format!("({})", rows.join(" or "))
            }
        }
    }
}

/// A rule's condition with its exceptions appended, as Falco builds it:
/// `(<condition>)` followed by ` and not <exception>` for each exception
/// that has values.
pub fn condition_with_exceptions(rule: &super::RuleDef) -> String {
    let mut out = format!("({})", rule.condition);
    for ex in &rule.exceptions {
        let text = exception_text(ex);
        if !text.is_empty() {
            out.push_str(" and not ");
            out.push_str(&text);
        }
    }
    out
}

//! Decoding one top-level entry of a rules file into what it asks for.
//!
//! An entry's kind comes from which key it has (`required_engine_version`,
//! `required_plugin_versions`, `list`, `macro`, `rule`, tested in that order,
//! wherever the key sits in the map). A rule entry can mean four things: a
//! full definition, an append, a selective replace (via `override`), or the
//! legacy enabled-only toggle. This module works out which, decodes every key
//! with Falco's checks, and hands plain data to the collector. All problems
//! of an entry are reported, not just the first; an entry with an error is
//! not merged.

use std::collections::BTreeSet;

use super::super::diagnostics::{Code, Diagnostic};
use super::collector::State;
use super::decode::{self, At};
use super::exceptions::{self, RawException};
use super::priority::Priority;
use super::report::{Sink, SourceFile};
use super::version::Version;
use super::yaml::{Node, Pos};

const LIST_KEYS: &[&str] = &["list", "items", "append", "override"];
const MACRO_KEYS: &[&str] = &["macro", "condition", "append", "override"];
const RULE_KEYS: &[&str] = &[
    "rule",
    "condition",
    "output",
    "desc",
    "priority",
    "source",
    "enabled",
    "tags",
    "exceptions",
    "warn_evttypes",
    "skip-if-unknown-filter",
    "capture",
    "capture_duration",
    "append",
    "override",
];
const RULE_APPENDABLE: &[&str] = &["condition", "output", "desc", "tags", "exceptions"];
const RULE_REPLACEABLE: &[&str] = &[
    "condition",
    "output",
    "desc",
    "tags",
    "exceptions",
    "priority",
    "enabled",
    "warn_evttypes",
    "skip-if-unknown-filter",
    "capture",
    "capture_duration",
];
const PLUGIN_KEYS: &[&str] = &["name", "version", "alternatives"];
const ALTERNATIVE_KEYS: &[&str] = &["name", "version"];

/// Our wording of Falco's deprecation warning for `append: true`.
pub(crate) const WARNING_APPEND: &str = "The 'append' key is deprecated: add an 'append' entry under 'override' (e.g. 'condition: append') instead.";
/// Our wording of Falco's deprecation warning for an enabled-only rule item.
pub(crate) const WARNING_ENABLED: &str = "Using the 'enabled' key on its own is deprecated: also add 'override' with 'enabled: replace'.";
/// Our wording of Falco's error for `append: true` together with `override`.
pub(crate) const ERROR_OVERRIDE_APPEND: &str = "The keys 'override' and 'append: true' cannot be used together: put an 'append' entry under 'override' instead.";

/// A rule definition as read.
#[derive(Debug)]
pub(crate) struct RuleItem {
    pub name: String,
    pub pos: Pos,
    pub condition: At<String>,
    pub output: At<String>,
    pub desc: String,
    pub priority: Priority,
    pub source: String,
    pub enabled: bool,
    pub tags: BTreeSet<String>,
    pub exceptions: Vec<RawException>,
    pub warn_evttypes: bool,
    pub skip_if_unknown_filter: bool,
    pub capture: bool,
    pub capture_duration_ms: u64,
}

/// The keys an append or a selective replace carries.
#[derive(Debug, Default)]
pub(crate) struct RuleUpdate {
    pub name: String,
    pub pos: Pos,
    pub condition: Option<At<String>>,
    pub output: Option<At<String>>,
    pub desc: Option<String>,
    pub tags: Option<BTreeSet<String>>,
    pub exceptions: Option<Vec<RawException>>,
    pub priority: Option<Priority>,
    pub enabled: Option<bool>,
    pub warn_evttypes: Option<bool>,
    pub skip_if_unknown_filter: Option<bool>,
    pub capture: Option<bool>,
    pub capture_duration_ms: Option<u64>,
}

impl RuleUpdate {
    /// Whether any key was given.
    pub fn has_any_value(&self) -> bool {
        self.condition.is_some()
            || self.output.is_some()
            || self.desc.is_some()
            || self.tags.is_some()
            || self.exceptions.is_some()
            || self.priority.is_some()
            || self.enabled.is_some()
            || self.warn_evttypes.is_some()
            || self.skip_if_unknown_filter.is_some()
            || self.capture.is_some()
            || self.capture_duration_ms.is_some()
    }
}

/// One plugin requirement with its alternatives, as read.
#[derive(Debug)]
pub(crate) struct PluginItem {
    /// `(name, version)` of the plugin, then of each alternative.
    pub candidates: Vec<(String, String)>,
    pub pos: Pos,
}

/// What a top-level entry asks the collector to do.
#[derive(Debug)]
pub(crate) enum Item {
    EngineVersion(Version, Pos),
    PluginVersions(Vec<PluginItem>),
    List {
        name: String,
        items: Vec<String>,
        pos: Pos,
        append: bool,
    },
    Macro {
        name: String,
        condition: At<String>,
        pos: Pos,
        append: bool,
    },
    RuleDefine(Box<RuleItem>),
    RuleAppend(Box<RuleUpdate>),
    RuleReplace(Box<RuleUpdate>),
    RuleEnable {
        name: String,
        enabled: bool,
        pos: Pos,
    },
}

/// Decodes one kind of entry.
type Decoder = fn(&mut Sink<'_, '_>, &Node) -> Vec<Item>;

/// Reads one entry of a rules sequence and merges it into `state`.
pub(crate) fn read_entry(
    state: &mut State,
    file: &SourceFile<'_>,
    diags: &mut Vec<Diagnostic>,
    node: &Node,
) {
    if node.map().is_none() {
        let diag = file
            .diagnostic(
                Code::YamlValidate,
                "Unexpected element type. Each element should be a yaml associative array.",
                node.pos,
            )
            .in_item("rules content", "")
            .with_hint("each entry must be a map such as `- rule: ...` or `- list: ...`");
        diags.push(diag);
        return;
    }
    let (kind, decoder): (&'static str, Decoder) = if node.has("required_engine_version") {
        ("required_engine_version", engine_version)
    } else if node.has("required_plugin_versions") {
        ("required_plugin_versions", plugin_versions)
    } else if node.has("list") {
        ("list", list)
    } else if node.has("macro") {
        ("macro", macro_item)
    } else if node.has("rule") {
        ("rule", rule)
    } else {
        let diag = file
            .diagnostic(Code::UnknownItem, "Unknown top level item", node.pos)
            .in_item("rules content", "")
            .with_hint(
                "an entry needs one of the keys `rule`, `macro`, `list`, \
                     `required_engine_version` or `required_plugin_versions`",
            );
        diags.push(diag);
        return;
    };
    let mut sink = Sink::new(file, diags, kind);
    let items = decoder(&mut sink, node);
    if sink.failed() {
        state.mark_failed(kind, sink.name());
        return;
    }
    for item in items {
        state.apply(&mut sink, item);
    }
    if sink.failed() {
        state.mark_failed(kind, sink.name());
    }
}

fn engine_version(sink: &mut Sink<'_, '_>, node: &Node) -> Vec<Item> {
    decode::warn_unknown_keys(sink, node, &["required_engine_version"]);
    let Some(text) = decode::string(sink, node, "required_engine_version", false) else {
        return Vec::new();
    };
    let implicit = decode::parse_unsigned(&text.value)
        .and_then(|n| u32::try_from(n).ok())
        .map(|n| Version::new(0, u64::from(n), 0));
    match implicit.or_else(|| Version::parse(&text.value)) {
        Some(v) => vec![Item::EngineVersion(v, text.pos)],
        None => {
            sink.invalid(
                format!(
                    "Unable to parse engine version '{}' as a semver string. Expected \"x.y.z\" semver format.",
                    text.value
                ),
                text.pos,
                "write a version such as `0.57.0`, or a bare number N meaning 0.N.0",
            );
            Vec::new()
        }
    }
}

/// Reads `name` and `version` of a plugin requirement or alternative.
fn name_version(sink: &mut Sink<'_, '_>, node: &Node) -> Option<(String, String)> {
    let name = decode::string(sink, node, "name", false);
    let version = decode::string(sink, node, "version", false);
    Some((name?.value, version?.value))
}

fn not_a_map(sink: &mut Sink<'_, '_>, pos: Pos) {
    sink.invalid(
        "Unexpected element type. Each element should be a yaml associative array.",
        pos,
        "write each entry as `- name: ...` with `version: ...`",
    );
}

fn plugin_versions(sink: &mut Sink<'_, '_>, node: &Node) -> Vec<Item> {
    decode::warn_unknown_keys(sink, node, &["required_plugin_versions"]);
    let pos = node.pos;
    let Some(entries) = node.get("required_plugin_versions").and_then(Node::seq) else {
        let at = node.get("required_plugin_versions").map_or(pos, |v| v.pos);
        sink.invalid(
            "Value of required_plugin_versions must be a sequence",
            at,
            "write `required_plugin_versions:` followed by `- name: ...` entries",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries {
        if entry.map().is_none() {
            not_a_map(sink, entry.pos);
            continue;
        }
        decode::warn_unknown_keys(sink, entry, PLUGIN_KEYS);
        let Some(first) = name_version(sink, entry) else {
            continue;
        };
        let mut candidates = vec![first];
        if let Some(alts) = entry.get("alternatives") {
            let Some(alts) = alts.seq() else {
                sink.invalid(
                    "Value of alternatives must be a sequence",
                    alts.pos,
                    "write `alternatives:` followed by `- name: ...` entries",
                );
                continue;
            };
            for alt in alts {
                if alt.map().is_none() {
                    not_a_map(sink, alt.pos);
                    continue;
                }
                decode::warn_unknown_keys(sink, alt, ALTERNATIVE_KEYS);
                if let Some(c) = name_version(sink, alt) {
                    candidates.push(c);
                }
            }
        }
        out.push(PluginItem {
            candidates,
            pos: entry.pos,
        });
    }
    vec![Item::PluginVersions(out)]
}

/// The keys named under `override`, split by operation.
#[derive(Default)]
struct Overrides {
    append: Vec<At<String>>,
    replace: Vec<At<String>>,
}

impl Overrides {
    fn is_empty(&self) -> bool {
        self.append.is_empty() && self.replace.is_empty()
    }
}

/// Reads `override`; `None` after reporting an error.
fn overrides(
    sink: &mut Sink<'_, '_>,
    node: &Node,
    appendable: &[&str],
    replaceable: &[&str],
) -> Option<Overrides> {
    let mut out = Overrides::default();
    let Some(val) = node.get("override") else {
        return Some(out);
    };
    if val.is_null() {
        return Some(out);
    }
    let Some(entries) = val.map() else {
        sink.invalid(
            "Value of override must be a mapping",
            val.pos,
            "write e.g. `override: {condition: append}`",
        );
        return None;
    };
    let errors_before = sink.error_count();
    for (k, v) in entries {
        let Some(key) = k.scalar() else {
            sink.invalid(
                "Can't decode YAML scalar value",
                k.pos,
                "override keys are key names",
            );
            continue;
        };
        let Some(op) = v.scalar() else {
            sink.invalid(
                "Can't decode YAML scalar value",
                v.pos,
                format!("write `{key}: append` or `{key}: replace`"),
            );
            continue;
        };
        let at = At {
            value: key.to_string(),
            pos: k.pos,
        };
        match op {
            "append" if appendable.contains(&key) => out.append.push(at),
            "append" => sink.invalid(
                format!("Key '{key}' cannot be appended to, use 'replace' instead"),
                k.pos,
                if replaceable.contains(&key) {
                    format!("did you mean `override: {{{key}: replace}}`?")
                } else {
                    format!("keys that can be appended: {}", appendable.join(", "))
                },
            ),
            "replace" if replaceable.contains(&key) => out.replace.push(at),
            "replace" => sink.invalid(
                format!("Key '{key}' cannot be replaced"),
                k.pos,
                format!("keys that can be replaced: {}", replaceable.join(", ")),
            ),
            other => sink.invalid(
                format!("Invalid override operation for key '{key}': '{other}'. Allowed values are: append, replace"),
                v.pos,
                format!("write `{key}: append` or `{key}: replace`"),
            ),
        }
    }
    (sink.error_count() == errors_before).then_some(out)
}

/// Reads `append:` and warns that it is deprecated.
fn append_flag(sink: &mut Sink<'_, '_>, node: &Node, key: &str) -> bool {
    let Some(flag) = decode::boolean(sink, node, "append", true) else {
        return false;
    };
    if flag.value {
        sink.warn(
            Code::DeprecatedItem,
            WARNING_APPEND,
            flag.pos,
            format!("replace `append: true` with `override: {{{key}: append}}`"),
        );
    }
    flag.value
}

fn override_conflict(sink: &mut Sink<'_, '_>, pos: Pos, key: &str) {
    sink.invalid(
        ERROR_OVERRIDE_APPEND,
        pos,
        format!("remove `append: true` and use `override: {{{key}: append}}`"),
    );
}

/// Whether `name` fully matches `[^()"'[:space:]=,]+`.
pub(crate) fn is_valid_list_name(name: &str) -> bool {
    !name.is_empty()
        && !name.chars().any(|c| {
            matches!(c, '(' | ')' | '"' | '\'' | '=' | ',')
                || c.is_ascii_whitespace()
                || c == '\x0b'
        })
}

/// Whether `name` fully matches `[a-zA-Z]+[a-zA-Z0-9_]*`.
pub(crate) fn is_valid_macro_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn list(sink: &mut Sink<'_, '_>, node: &Node) -> Vec<Item> {
    let name = decode::string(sink, node, "list", false);
    if let Some(name) = &name {
        sink.set_name(&name.value);
    }
    decode::warn_unknown_keys(sink, node, LIST_KEYS);
    if let Some(name) = &name
        && !is_valid_list_name(&name.value)
    {
        {
            sink.warn(
                Code::InvalidListName,
                format!(
                    "List has an invalid name '{}'. List names must match the regular expression [^()\"'[:space:]=,]+",
                    name.value
                ),
                name.pos,
                "remove blanks, parentheses, quotes, '=' and ',' from the name",
            );
        }
    }
    let items = decode::strings(sink, node, "items", false);
    let mut append = append_flag(sink, node, "items");
    let Some(ov) = overrides(sink, node, &["items"], &["items"]) else {
        return Vec::new();
    };
    if append && !ov.is_empty() {
        override_conflict(sink, node.pos, "items");
    }
    append |= ov.append.iter().any(|k| k.value == "items");
    let (Some(name), Some(items)) = (name, items) else {
        return Vec::new();
    };
    vec![Item::List {
        name: name.value,
        items: items.value.into_iter().map(|i| i.value).collect(),
        pos: node.pos,
        append,
    }]
}

fn macro_item(sink: &mut Sink<'_, '_>, node: &Node) -> Vec<Item> {
    let name = decode::string(sink, node, "macro", false);
    if let Some(name) = &name {
        sink.set_name(&name.value);
    }
    decode::warn_unknown_keys(sink, node, MACRO_KEYS);
    if let Some(name) = &name
        && !is_valid_macro_name(&name.value)
    {
        {
            sink.warn(
                Code::InvalidMacroName,
                format!(
                    "Macro has an invalid name '{}'. Macro names must match the regular expression [a-zA-Z]+[a-zA-Z0-9_]*",
                    name.value
                ),
                name.pos,
                "a macro with this name can never be referenced; use letters, digits and '_', starting with a letter",
            );
        }
    }
    let condition = decode::string(sink, node, "condition", false);
    let mut append = append_flag(sink, node, "condition");
    let Some(ov) = overrides(sink, node, &["condition"], &["condition"]) else {
        return Vec::new();
    };
    if append && !ov.is_empty() {
        override_conflict(sink, node.pos, "condition");
    }
    append |= ov.append.iter().any(|k| k.value == "condition");
    let (Some(name), Some(condition)) = (name, condition) else {
        return Vec::new();
    };
    vec![Item::Macro {
        name: name.value,
        condition,
        pos: node.pos,
        append,
    }]
}

fn priority(sink: &mut Sink<'_, '_>, node: &Node) -> Option<Priority> {
    let text = decode::string(sink, node, "priority", false)?;
    match text.value.parse() {
        Ok(p) => Some(p),
        Err(_) => {
            sink.invalid(
                "Invalid priority",
                text.pos,
                "priority must be one of emergency, alert, critical, error, warning, notice, \
                 informational (or info), debug (any case)",
            );
            None
        }
    }
}

/// Decodes `key` into `update` (for appends and selective replaces).
fn update_key(
    sink: &mut Sink<'_, '_>,
    node: &Node,
    key: &str,
    append: bool,
    update: &mut RuleUpdate,
) {
    let opt =
        |sink: &mut Sink<'_, '_>, key| decode::boolean(sink, node, key, false).map(|b| b.value);
    match key {
        "condition" => update.condition = decode::string(sink, node, key, false),
        "output" => update.output = decode::string(sink, node, key, false),
        "desc" => update.desc = decode::string(sink, node, key, false).map(|d| d.value),
        "tags" => update.tags = decode::tags(sink, node),
        "exceptions" => update.exceptions = exceptions::read(sink, node, append),
        "priority" => update.priority = priority(sink, node),
        "enabled" => update.enabled = opt(sink, key),
        "warn_evttypes" => update.warn_evttypes = opt(sink, key),
        "skip-if-unknown-filter" => update.skip_if_unknown_filter = opt(sink, key),
        "capture" => update.capture = opt(sink, key),
        "capture_duration" => {
            update.capture_duration_ms = decode::unsigned(sink, node, key).map(|d| d.value)
        }
        _ => {}
    }
}

fn rule(sink: &mut Sink<'_, '_>, node: &Node) -> Vec<Item> {
    let name = decode::string(sink, node, "rule", false);
    if let Some(name) = &name {
        sink.set_name(&name.value);
    }
    decode::warn_unknown_keys(sink, node, RULE_KEYS);
    let Some(At { value: name, .. }) = name else {
        return Vec::new();
    };
    let has_append_flag = append_flag(sink, node, "condition");
    let Some(ov) = overrides(sink, node, RULE_APPENDABLE, RULE_REPLACEABLE) else {
        return Vec::new();
    };
    if has_append_flag && !ov.is_empty() {
        override_conflict(sink, node.pos, "condition");
        return Vec::new();
    }
    if !ov.is_empty() {
        // Overridable keys present in the item; each must be claimed by an override entry.
        let mut expected: Vec<&str> = RULE_REPLACEABLE
            .iter()
            .copied()
            .filter(|k| node.has(k))
            .collect();
        let mut items = Vec::new();
        for (op, keys, append) in [
            ("append", &ov.append, true),
            ("replace", &ov.replace, false),
        ] {
            if keys.is_empty() {
                continue;
            }
            let mut update = RuleUpdate {
                name: name.clone(),
                pos: node.pos,
                ..RuleUpdate::default()
            };
            for key in keys {
                let Some(slot) = expected.iter().position(|k| *k == key.value) else {
                    sink.invalid(
                        format!(
                            "An {op} override for '{0}' was specified but '{0}' is not defined",
                            key.value
                        ),
                        key.pos,
                        format!(
                            "add the `{}:` key to this item, or remove it from `override`",
                            key.value
                        ),
                    );
                    continue;
                };
                let key = expected.remove(slot);
                update_key(sink, node, key, append, &mut update);
            }
            items.push(if append {
                Item::RuleAppend(Box::new(update))
            } else {
                Item::RuleReplace(Box::new(update))
            });
        }
        for key in expected {
            let pos = node.entry(key).map_or(node.pos, |(k, _)| k.pos);
            sink.invalid(
                format!(
                    "Unexpected key '{key}': no corresponding entry under 'override' is defined."
                ),
                pos,
                format!(
                    "add `{key}: append` or `{key}: replace` under `override`, or remove the key"
                ),
            );
        }
        return items;
    }
    if has_append_flag {
        let mut update = RuleUpdate {
            name,
            pos: node.pos,
            ..RuleUpdate::default()
        };
        if node.has("condition") {
            update.condition = decode::string(sink, node, "condition", false);
        }
        update.exceptions = exceptions::read(sink, node, true);
        return vec![Item::RuleAppend(Box::new(update))];
    }
    if !["condition", "output", "desc", "priority"]
        .iter()
        .any(|k| node.has(k))
    {
        let Some(enabled) = decode::boolean(sink, node, "enabled", false) else {
            return Vec::new();
        };
        sink.warn(
            Code::DeprecatedItem,
            WARNING_ENABLED,
            node.pos,
            "add `override: {enabled: replace}` to this item",
        );
        return vec![Item::RuleEnable {
            name,
            enabled: enabled.value,
            pos: node.pos,
        }];
    }
    let condition = decode::string(sink, node, "condition", false);
    let output = decode::string(sink, node, "output", false);
    let desc = decode::string(sink, node, "desc", false);
    let priority = priority(sink, node);
    let source = decode::string(sink, node, "source", true);
    let flag = |sink: &mut Sink<'_, '_>, key, default| {
        decode::boolean(sink, node, key, true).map_or(default, |b| b.value)
    };
    let enabled = flag(sink, "enabled", true);
    let warn_evttypes = flag(sink, "warn_evttypes", true);
    let skip_if_unknown_filter = flag(sink, "skip-if-unknown-filter", false);
    let capture = flag(sink, "capture", false);
    let capture_duration_ms =
        decode::unsigned(sink, node, "capture_duration").map_or(0, |d| d.value);
    let tags = decode::tags(sink, node).unwrap_or_default();
    let exceptions = exceptions::read(sink, node, false).unwrap_or_default();
    let (Some(condition), Some(mut output), Some(desc), Some(priority)) =
        (condition, output, desc, priority)
    else {
        return Vec::new();
    };
    output.value = output
        .value
        .trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'))
        .to_string();
    vec![Item::RuleDefine(Box::new(RuleItem {
        name,
        pos: node.pos,
        condition,
        output,
        desc: desc.value,
        priority,
        source: source.map_or_else(|| "syscall".to_string(), |s| s.value),
        enabled,
        tags,
        exceptions,
        warn_evttypes,
        skip_if_unknown_filter,
        capture,
        capture_duration_ms,
    }))]
}

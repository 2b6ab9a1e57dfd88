//! Merging decoded items across files: define, append, replace, enable.
//!
//! Rules files are layered: a local file refines the default one by
//! redefining, appending to or overriding keys of items defined earlier. The
//! collector holds what has been merged so far, in Falco's order: an item
//! keeps the position of its *first* definition (that is the evaluation order
//! of rules), while its visibility moves to the latest change. One sequence
//! number, shared by all kinds, gives both.

use std::collections::{HashMap, HashSet};

use super::super::diagnostics::{Diagnostic, Location};
use super::exceptions::{self, ExceptionDef};
use super::items::{Item, PluginItem, RuleItem, RuleUpdate};
use super::report::Sink;
use super::version::{ENGINE_VERSION, PluginAlternative, PluginRequirement, Version};
use super::{Collection, ListDef, MacroDef, RuleDef};

/// Items in definition order, with a name index.
#[derive(Debug)]
struct Table<T> {
    items: Vec<T>,
    by_name: HashMap<String, usize>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            by_name: HashMap::new(),
        }
    }
}

impl<T> Table<T> {
    fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        let i = *self.by_name.get(name)?;
        self.items.get_mut(i)
    }

    /// Replaces the item named `name` (the closure gets the previous one), or adds it.
    fn define(&mut self, name: &str, make: impl FnOnce(Option<&T>) -> T) {
        match self.by_name.get(name) {
            Some(&i) => {
                let new = make(self.items.get(i));
                if let Some(slot) = self.items.get_mut(i) {
                    *slot = new;
                }
            }
            None => {
                self.by_name.insert(name.to_string(), self.items.len());
                self.items.push(make(None));
            }
        }
    }
}

/// Everything merged so far.
#[derive(Debug, Default)]
pub(crate) struct State {
    seq: usize,
    lists: Table<ListDef>,
    macros: Table<MacroDef>,
    rules: Table<RuleDef>,
    /// `(kind, name)` of items whose definition failed, so that appends to
    /// them do not add a second, misleading error.
    failed: HashSet<(&'static str, String)>,
    engine_version: Option<(Version, Location)>,
    plugins: Vec<PluginRequirement>,
}

fn no_previous(
    sink: &mut Sink<'_, '_>,
    what: &str,
    name: &str,
    pos: super::yaml::Pos,
    action: &str,
) {
    sink.validate(
        format!("Cannot {action} {what} '{name}': no {what} with that name is defined before it"),
        pos,
        format!(
            "define the {what} first; check its name and the order in which rules files are loaded"
        ),
    );
}

impl State {
    fn next_seq(&mut self) -> usize {
        let id = self.seq;
        self.seq += 1;
        id
    }

    /// Remembers that the item `name` of `kind` failed to load.
    pub fn mark_failed(&mut self, kind: &'static str, name: &str) {
        if !name.is_empty() {
            self.failed.insert((kind, name.to_string()));
        }
    }

    fn is_failed(&self, kind: &'static str, name: &str) -> bool {
        self.failed.contains(&(kind, name.to_string()))
    }

    /// Merges one decoded item, reporting merge errors to `sink`.
    pub fn apply(&mut self, sink: &mut Sink<'_, '_>, item: Item) {
        match item {
            Item::EngineVersion(version, pos) => {
                if !ENGINE_VERSION.compatible_with(&version) {
                    sink.validate(
                        format!("Rules require engine version {version}, but engine version is {ENGINE_VERSION}"),
                        pos,
                        "these rules need a newer engine; use rules written for this version",
                    );
                    return;
                }
                if self
                    .engine_version
                    .as_ref()
                    .is_none_or(|(v, _)| *v < version)
                {
                    self.engine_version = Some((version, sink.file.location(pos)));
                }
            }
            Item::PluginVersions(reqs) => self.plugin_versions(sink, reqs),
            Item::List {
                name,
                items,
                pos,
                append,
            } => {
                let id = self.next_seq();
                let failed = self.is_failed("list", &name);
                if append {
                    match self.lists.get_mut(&name) {
                        Some(prev) => {
                            prev.items.extend(items);
                            prev.visibility = id;
                        }
                        None if failed => {}
                        None => no_previous(sink, "list", &name, pos, "append to"),
                    }
                    return;
                }
                let location = sink.file.location(pos);
                self.lists.define(&name.clone(), |prev| ListDef {
                    name,
                    items,
                    location,
                    index: prev.map_or(id, |p| p.index),
                    visibility: id,
                });
            }
            Item::Macro {
                name,
                condition,
                pos,
                append,
            } => {
                let id = self.next_seq();
                let failed = self.is_failed("macro", &name);
                if append {
                    match self.macros.get_mut(&name) {
                        Some(prev) => {
                            prev.condition.push(' ');
                            prev.condition.push_str(&condition.value);
                            prev.visibility = id;
                        }
                        None if failed => {}
                        None => no_previous(sink, "macro", &name, pos, "append to"),
                    }
                    return;
                }
                let location = sink.file.location(pos);
                let condition_location = sink.file.location(condition.pos);
                self.macros.define(&name.clone(), |prev| MacroDef {
                    name,
                    condition: condition.value,
                    condition_location,
                    location,
                    index: prev.map_or(id, |p| p.index),
                    visibility: id,
                });
            }
            Item::RuleDefine(rule) => self.define_rule(sink, *rule),
            Item::RuleAppend(update) => self.append_rule(sink, *update),
            Item::RuleReplace(update) => self.replace_rule(sink, *update),
            Item::RuleEnable { name, enabled, pos } => {
                let failed = self.is_failed("rule", &name);
                match self.rules.get_mut(&name) {
                    Some(prev) => prev.enabled = enabled,
                    None if failed => {}
                    None => sink.validate(
                        "Rule has 'enabled' key but no rule by that name already exists",
                        pos,
                        "check the rule name and the order in which rules files are loaded",
                    ),
                }
            }
        }
    }

    fn plugin_versions(&mut self, sink: &mut Sink<'_, '_>, reqs: Vec<PluginItem>) {
        for req in reqs {
            let mut seen: Vec<&str> = Vec::new();
            let mut ok = true;
            for (name, version) in &req.candidates {
                if Version::parse(version).is_none() {
                    sink.validate(
                        format!("Invalid required version '{version}' for plugin '{name}'"),
                        req.pos,
                        "write the version as x.y.z",
                    );
                    ok = false;
                } else if seen.contains(&name.as_str()) {
                    sink.validate(
                        format!(
                            "Defined multiple alternative version requirements for plugin '{name}'"
                        ),
                        req.pos,
                        "name each plugin once among a requirement and its alternatives",
                    );
                    ok = false;
                }
                seen.push(name);
            }
            if !ok {
                continue;
            }
            let mut candidates = req.candidates.into_iter();
            let Some((name, version)) = candidates.next() else {
                continue;
            };
            self.plugins.push(PluginRequirement {
                name,
                version,
                alternatives: candidates
                    .map(|(name, version)| PluginAlternative { name, version })
                    .collect(),
                location: sink.file.location(req.pos),
            });
        }
    }

    fn define_rule(&mut self, sink: &mut Sink<'_, '_>, rule: RuleItem) {
        if let Some(prev) = self.rules.get_mut(&rule.name)
            && prev.source != rule.source
        {
            sink.validate(
                "Rule has been re-defined with a different source",
                rule.pos,
                format!("the earlier definition has source '{}'", prev.source),
            );
            return;
        }
        let mut exceptions = Vec::with_capacity(rule.exceptions.len());
        for raw in rule.exceptions {
            if let Some(ex) = exceptions::complete(sink, raw, false) {
                exceptions.push(ex);
            }
        }
        if sink.failed() {
            return;
        }
        let id = self.next_seq();
        let file = sink.file;
        let name = rule.name;
        self.rules.define(&name.clone(), |prev| RuleDef {
            name,
            condition: rule.condition.value,
            condition_location: file.location(rule.condition.pos),
            output: rule.output.value,
            output_location: file.location(rule.output.pos),
            desc: rule.desc,
            priority: rule.priority,
            source: rule.source,
            enabled: rule.enabled,
            tags: rule.tags,
            exceptions,
            warn_evttypes: rule.warn_evttypes,
            skip_if_unknown_filter: rule.skip_if_unknown_filter,
            capture: rule.capture,
            capture_duration_ms: rule.capture_duration_ms,
            location: file.location(rule.pos),
            index: prev.map_or(id, |p| p.index),
            visibility: id,
        });
    }

    fn append_rule(&mut self, sink: &mut Sink<'_, '_>, update: RuleUpdate) {
        let failed = self.is_failed("rule", &update.name);
        let id = self.next_seq();
        let Some(prev) = self.rules.get_mut(&update.name) else {
            if !failed {
                no_previous(sink, "rule", &update.name, update.pos, "append to");
            }
            return;
        };
        if !update.has_any_value() {
            sink.validate(
                "Appended rule must have exceptions or condition property",
                update.pos,
                "add the `condition:` or `exceptions:` to append",
            );
            return;
        }
        // Work on a copy so a bad exception leaves the rule untouched.
        let mut merged: Vec<ExceptionDef> = prev.exceptions.clone();
        for raw in update.exceptions.into_iter().flatten() {
            match merged.iter_mut().find(|e| e.name == raw.name) {
                Some(existing) => {
                    if raw.fields.is_some() {
                        sink.validate(
                            "Can not append exception fields to existing exception, only values",
                            raw.pos,
                            "remove `fields:`, or give the exception a new name",
                        );
                        continue;
                    }
                    if raw.comps.is_some() {
                        sink.validate(
                            "Can not append exception comps to existing exception, only values",
                            raw.pos,
                            "remove `comps:`, or give the exception a new name",
                        );
                        continue;
                    }
                    let rows = raw.values.unwrap_or_default();
                    if let Some(rows) = exceptions::check_rows(sink, &existing.fields, rows) {
                        existing.values.extend(rows);
                    }
                }
                None => {
                    if let Some(ex) = exceptions::complete(sink, raw, true) {
                        merged.push(ex);
                    }
                }
            }
        }
        if sink.failed() {
            return;
        }
        prev.exceptions = merged;
        let join = |target: &mut String, add: &str| {
            if !add.is_empty() {
                target.push(' ');
                target.push_str(add);
            }
        };
        if let Some(c) = &update.condition {
            join(&mut prev.condition, &c.value);
        }
        if let Some(o) = &update.output {
            join(&mut prev.output, &o.value);
        }
        if let Some(d) = &update.desc {
            join(&mut prev.desc, d);
        }
        if let Some(tags) = update.tags {
            prev.tags.extend(tags);
        }
        prev.visibility = id;
    }

    fn replace_rule(&mut self, sink: &mut Sink<'_, '_>, update: RuleUpdate) {
        let failed = self.is_failed("rule", &update.name);
        let id = self.next_seq();
        if !self.rules.by_name.contains_key(&update.name) {
            if !failed {
                no_previous(sink, "rule", &update.name, update.pos, "replace keys of");
            }
            return;
        }
        let mut replaced = None;
        if let Some(raws) = update.exceptions {
            let mut out = Vec::with_capacity(raws.len());
            for raw in raws {
                if let Some(ex) = exceptions::complete(sink, raw, false) {
                    out.push(ex);
                }
            }
            replaced = Some(out);
        }
        if sink.failed() {
            return;
        }
        let file = sink.file;
        let Some(prev) = self.rules.get_mut(&update.name) else {
            return;
        };
        if let Some(c) = update.condition {
            prev.condition = c.value;
            prev.condition_location = file.location(c.pos);
        }
        if let Some(o) = update.output {
            prev.output = o.value;
            prev.output_location = file.location(o.pos);
        }
        if let Some(d) = update.desc {
            prev.desc = d;
        }
        if let Some(t) = update.tags {
            prev.tags = t;
        }
        if let Some(e) = replaced {
            prev.exceptions = e;
        }
        if let Some(p) = update.priority {
            prev.priority = p;
        }
        if let Some(v) = update.enabled {
            prev.enabled = v;
        }
        if let Some(v) = update.warn_evttypes {
            prev.warn_evttypes = v;
        }
        if let Some(v) = update.skip_if_unknown_filter {
            prev.skip_if_unknown_filter = v;
        }
        if let Some(v) = update.capture {
            prev.capture = v;
        }
        if let Some(v) = update.capture_duration_ms {
            prev.capture_duration_ms = v;
        }
        prev.visibility = id;
    }

    /// The final result.
    pub fn finish(self, diagnostics: Vec<Diagnostic>) -> Collection {
        Collection {
            required_engine_version: self.engine_version,
            plugin_requirements: self.plugins,
            lists: self.lists.items,
            macros: self.macros.items,
            rules: self.rules.items,
            diagnostics,
        }
    }
}

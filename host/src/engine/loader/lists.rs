//! Substituting lists into conditions as text, the way Falco does.
//!
//! Falco does not resolve list names on the parsed condition: before parsing
//! it replaces every occurrence of every list name in the condition *string*
//! with the list's items. The delimiter rules, the whitespace absorbed around
//! a match, the comma removed for an empty list and the one-level inlining of
//! earlier lists inside list items all change which conditions parse and what
//! they mean, so we reproduce them exactly rather than substituting on the
//! AST. Quotes are not recognised: a list name inside a quoted string whose
//! neighbours are delimiters is substituted too.

use std::collections::HashMap;

use super::ListDef;

/// Characters absorbed around a substituted name.
const BLANKS: &[u8] = b" \t\n\r";

/// Conditions longer than this stop being substituted, so a chain of lists
/// that each name the next several times cannot exhaust memory.
pub const MAX_CONDITION_LEN: usize = 4 * 1024 * 1024;

fn is_blank(b: u8) -> bool {
    BLANKS.contains(&b)
}

/// A character that may surround a list name: a blank or `(),=`.
fn is_delimiter(b: u8) -> bool {
    is_blank(b) || matches!(b, b'(' | b')' | b',' | b'=')
}

/// Wraps `item` in double quotes if it contains a space and does not already
/// start with a quote. Nothing inside is escaped.
pub fn quote_item(item: &str) -> String {
    if item.contains(' ') && !item.starts_with('"') && !item.starts_with('\'') {
        format!("\"{item}\"")
    } else {
        item.to_string()
    }
}

/// First occurrence of `needle` in `hay` at or after byte `from`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from >= hay.len() {
        return None;
    }
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Replaces every delimited occurrence of `name` in `cond` with `items`.
/// Returns whether anything was replaced.
///
/// One pass: `out` holds the text before the search position (already
/// final, except that absorbing blanks and an empty list's comma may take
/// characters back off its end), `rest` the text still to search. Like
/// Falco, the search goes on right after the inserted text, except after a
/// substitution at the very start of the condition, where it skips one more
/// character.
fn substitute_one(cond: &mut String, name: &str, items: &[String]) -> bool {
    let sub = items
        .iter()
        .map(|i| quote_item(i))
        .collect::<Vec<_>>()
        .join(", ");
    let needle = name.as_bytes();
    let mut out = String::new();
    let mut rest: &str = cond;
    let mut from = 0;
    let mut used = false;
    while let Some(found) = find(rest.as_bytes(), needle, from) {
        let end = found + needle.len();
        let before = match found {
            0 => out.as_bytes().last().copied(),
            _ => rest.as_bytes().get(found - 1).copied(),
        };
        let after = rest.as_bytes().get(end).copied();
        if !before.is_none_or(is_delimiter) || !after.is_none_or(is_delimiter) {
            from = found + 1;
            continue;
        }
        if out.len() + rest.len() + sub.len() + 2 > MAX_CONDITION_LEN {
            break;
        }
        // Matches and the blanks and commas around them are ASCII-bounded,
        // so these slices fall on character boundaries.
        out.push_str(&rest[..found]);
        while out.as_bytes().last().copied().is_some_and(is_blank) {
            out.pop();
        }
        let mut tail = &rest[end..];
        tail = tail.trim_start_matches([' ', '\t', '\n', '\r']);
        if sub.is_empty() {
            if out.ends_with(',') {
                out.pop();
            } else if let Some(t) = tail.strip_prefix(',') {
                tail = t;
            }
        }
        let at_start = out.is_empty();
        if !at_start {
            out.push(' ');
        }
        out.push_str(&sub);
        out.push(' ');
        rest = tail;
        from = usize::from(at_start);
        used = true;
    }
    if used {
        out.push_str(rest);
        *cond = out;
    }
    used
}

/// The lists prepared for substitution: each list's items with references to
/// earlier lists inlined one level deep.
#[derive(Clone, Debug)]
pub struct ListExpander {
    lists: Vec<(String, Vec<String>)>,
    inlined: Vec<bool>,
}

impl ListExpander {
    /// Prepares `lists` (in index order). An item equal to the name of an
    /// earlier list is replaced by that list's items as written (not
    /// themselves expanded); those earlier lists count as used.
    pub fn new(lists: &[ListDef]) -> Self {
        let mut inlined = vec![false; lists.len()];
        let mut out: Vec<(String, Vec<String>)> = Vec::with_capacity(lists.len());
        let mut earlier: HashMap<&str, usize> = HashMap::new();
        for (i, list) in lists.iter().enumerate() {
            let mut items = Vec::with_capacity(list.items.len());
            for item in &list.items {
                match earlier.get(item.as_str()) {
                    Some(&j) => {
                        inlined[j] = true;
                        items.extend(lists[j].items.iter().cloned());
                    }
                    None => items.push(item.clone()),
                }
            }
            out.push((list.name.clone(), items));
            earlier.entry(list.name.as_str()).or_insert(i);
        }
        Self {
            lists: out,
            inlined,
        }
    }

    /// The items of the list at `index` after inlining.
    pub fn items(&self, index: usize) -> Option<&[String]> {
        self.lists.get(index).map(|(_, items)| items.as_slice())
    }

    /// For each list, whether another list's items inline it.
    pub fn inlined(&self) -> &[bool] {
        &self.inlined
    }

    /// Substitutes every list into `condition`, in list order.
    pub fn expand(&self, condition: &str) -> String {
        let mut used = vec![false; self.lists.len()];
        self.expand_recording(condition, &mut used)
    }

    /// Like [`expand`](Self::expand), and sets `used[i]` for each list `i`
    /// that was substituted (`used` should have one entry per list).
    pub fn expand_recording(&self, condition: &str, used: &mut [bool]) -> String {
        let mut cond = condition.to_string();
        for (i, (name, items)) in self.lists.iter().enumerate() {
            if substitute_one(&mut cond, name, items)
                && let Some(slot) = used.get_mut(i)
            {
                *slot = true;
            }
        }
        cond
    }
}

/// Substitutes `lists` into `condition` as Falco does before parsing (see the
/// module docs). For many conditions, build a [`ListExpander`] once; it also
/// tells which lists were used.
pub fn substitute_lists(condition: &str, lists: &[ListDef]) -> String {
    ListExpander::new(lists).expand(condition)
}

//! Textual list substitution, with Falco's delimiter and spacing rules.

use std::sync::Arc;

use super::super::super::diagnostics::Location;
use super::super::{ListDef, ListExpander, quote_item, substitute_lists};
use super::load_one;

fn list(name: &str, items: &[&str]) -> ListDef {
    ListDef {
        name: name.into(),
        items: items.iter().map(|i| i.to_string()).collect(),
        location: Location {
            file: Arc::from("x.yaml"),
            line: 1,
            column: 1,
        },
        index: 0,
        visibility: 0,
    }
}

fn shells() -> Vec<ListDef> {
    vec![list("shells", &["bash", "sh"])]
}

#[test]
fn inside_parentheses() {
    assert_eq!(
        substitute_lists("proc.name in (shells)", &shells()),
        "proc.name in ( bash, sh )"
    );
    assert_eq!(
        substitute_lists("proc.name in (shells, zsh)", &shells()),
        "proc.name in ( bash, sh , zsh)"
    );
    assert_eq!(
        substitute_lists("a in (shells) or b in (shells)", &shells()),
        "a in ( bash, sh ) or b in ( bash, sh )"
    );
}

#[test]
fn surrounding_whitespace_is_absorbed() {
    assert_eq!(
        substitute_lists("a in ( shells )", &shells()),
        "a in ( bash, sh )"
    );
    assert_eq!(
        substitute_lists("a in (\n  shells\t\r\n)", &shells()),
        "a in ( bash, sh )"
    );
    assert_eq!(substitute_lists("shells", &shells()), "bash, sh ");
}

#[test]
fn only_delimited_names_are_substituted() {
    for cond in [
        "a in (shells_x)",
        "a in (myshells)",
        "a in (shells.x)",
        "a = 'shells'",
        "a in [shells]",
    ] {
        assert_eq!(substitute_lists(cond, &shells()), cond);
    }
    // `=` is a delimiter, so a bare operand is substituted (and no longer parses as one value).
    assert_eq!(
        substitute_lists("proc.name=shells", &shells()),
        "proc.name= bash, sh "
    );
}

#[test]
fn quotes_are_not_recognised() {
    assert_eq!(
        substitute_lists("proc.args contains \"run shells)\"", &shells()),
        "proc.args contains \"run bash, sh )\""
    );
}

#[test]
fn items_are_quoted_when_they_contain_a_space() {
    let lists = vec![list("l", &["my shell", "\"x y\"", "'p q'", "plain", "a,b"])];
    assert_eq!(
        substitute_lists("a in (l)", &lists),
        "a in ( \"my shell\", \"x y\", 'p q', plain, a,b )"
    );
    assert_eq!(quote_item("a b"), "\"a b\"");
    assert_eq!(quote_item("a\tb"), "a\tb");
    assert_eq!(quote_item(""), "");
}

#[test]
fn empty_list_removes_one_comma() {
    let lists = vec![list("empty_list", &[])];
    assert_eq!(substitute_lists("a in (empty_list)", &lists), "a in (  )");
    assert_eq!(
        substitute_lists("a in (empty_list, zsh)", &lists),
        "a in (   zsh)"
    );
    assert_eq!(
        substitute_lists("a in (zsh, empty_list)", &lists),
        "a in (zsh  )"
    );
    assert_eq!(
        substitute_lists("a in (x, empty_list, y)", &lists),
        "a in (x  , y)"
    );
}

#[test]
fn search_skips_a_character_after_a_substitution_at_the_start() {
    // Falco resumes one character late when the match began the condition.
    let lists = vec![list("l", &[])];
    assert_eq!(substitute_lists("l,l", &lists), " l");
    assert_eq!(substitute_lists("x l,l", &lists), "x  ");
}

#[test]
fn earlier_lists_are_inlined_one_level() {
    let lists = vec![
        list("a", &["x"]),
        list("b", &["a", "y"]),
        list("c", &["b", "z"]),
    ];
    let expander = ListExpander::new(&lists);
    assert_eq!(
        expander.items(1),
        Some(&["x".to_string(), "y".to_string()][..])
    );
    // `c` gets `b` as written, so `a` stays a name: substituted lists come in
    // order and `a` has already been processed.
    assert_eq!(
        expander.items(2),
        Some(&["a".to_string(), "y".to_string(), "z".to_string()][..])
    );
    assert_eq!(substitute_lists("p in (c)", &lists), "p in ( a, y, z )");
    assert_eq!(expander.inlined(), [true, true, false]);
}

#[test]
fn later_list_names_in_items_are_expanded_textually() {
    let lists = vec![list("a", &["b", "x"]), list("b", &["y"])];
    assert_eq!(substitute_lists("p in (a)", &lists), "p in ( y , x )");
}

#[test]
fn self_reference_terminates() {
    let lists = vec![list("x", &["x", "x"])];
    assert_eq!(substitute_lists("p in (x)", &lists), "p in ( x, x )");
}

#[test]
fn used_lists_are_recorded() {
    let lists = vec![list("a", &["1"]), list("b", &["2"]), list("c", &["a"])];
    let expander = ListExpander::new(&lists);
    let mut used = vec![false; 3];
    let out = expander.expand_recording("p in (b) and q in (c)", &mut used);
    assert_eq!(out, "p in ( 2 ) and q in ( 1 )");
    assert_eq!(used, [false, true, true]);
    assert_eq!(expander.inlined(), [true, false, false]);
}

#[test]
fn non_ascii_text_is_safe() {
    let lists = vec![list("é", &["ü"])];
    assert_eq!(substitute_lists("ééé (é) é", &lists), "ééé ( ü ) ü ");
}

#[test]
fn yaml_items_stay_raw() {
    let c = load_one("- list: l\n  items: [yes, 0x10, 1.0, ~x, '\"(systemd)\"', \"a b\"]\n");
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(
        c.lists[0].items,
        ["yes", "0x10", "1.0", "~x", "\"(systemd)\"", "a b"]
    );
    assert_eq!(
        substitute_lists("p in (l)", &c.lists),
        "p in ( yes, 0x10, 1.0, ~x, \"(systemd)\", \"a b\" )"
    );
}

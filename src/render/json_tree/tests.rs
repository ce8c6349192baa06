use proptest::prelude::*;
use serde_json::{Value, json};

use super::layout::JsonLayout;
use super::*;
use crate::render::lines::plain;
use crate::theme::Theme;

fn all_rows(tree: &JsonTree, folds: &Folds, width: u16) -> Vec<String> {
    let l = JsonLayout::new(tree, folds, width);
    let lines = l.render(tree, folds, 0, l.rows(), &Theme::dark());
    assert_eq!(
        lines.len(),
        l.rows(),
        "render gives every row the layout counts"
    );
    plain(&lines).split('\n').map(str::to_string).collect()
}

fn text(v: &Value, width: u16) -> String {
    let tree = JsonTree::new(v);
    all_rows(&tree, &Folds::default(), width).join("\n")
}

#[test]
fn small_values_read_as_pretty_json() {
    let v = json!({"a": [1, 2, {"b": "c", "e": []}], "d": {}, "n": null, "t": true, "f": 1.5});
    assert_eq!(
        text(&v, 200),
        serde_json::to_string_pretty(&v).unwrap_or_default()
    );
    assert_eq!(text(&json!("just a string"), 80), "\"just a string\"");
    assert_eq!(text(&json!([]), 80), "[]");
}

#[test]
fn big_containers_start_folded_with_a_count() {
    let items: Vec<Value> = (0..6_000).map(|i| json!(i)).collect();
    let keys: serde_json::Map<String, Value> =
        (0..142).map(|i| (format!("k{i}"), json!(i))).collect();
    // (Key names sort as written: serde_json's map may or may not keep the order.)
    let v = json!({"a_items": items, "b_wide": keys, "c_small": [1]});
    let t = text(&v, 120);
    assert_eq!(
        t,
        "{\n  \"a_items\": [ … 6,000 items ],\n  \"b_wide\": { … 142 keys },\n  \"c_small\": [\n    1\n  ]\n}"
    );
    // The root of a big array is open; its big children are not.
    let root: Vec<Value> = (0..300).map(|i| json!({"i": i})).collect();
    let t = text(&Value::Array(root), 120);
    assert!(t.starts_with("[\n  {\n    \"i\": 0\n  },"), "{t}");
}

#[test]
fn open_and_close_toggle_a_node_and_bump_the_generation() {
    let items: Vec<Value> = (0..200).map(|i| json!(i)).collect();
    let tree = JsonTree::new(&json!({"items": items, "o": {"x": 1}}));
    let mut folds = Folds::default();
    let items_node = 1;
    assert!(tree.is_folded(&folds, items_node));
    assert!(folds.open(&tree, items_node));
    assert_eq!(folds.generation, 1);
    assert!(!folds.open(&tree, items_node), "already open");
    assert_eq!(all_rows(&tree, &folds, 80).len(), 207);
    assert!(folds.close(&tree, items_node));
    assert!(tree.is_folded(&folds, items_node));
    assert_eq!(folds.generation, 2);
    // A scalar cannot be folded.
    assert!(!folds.close(&tree, 2 + 200 + 1));
    folds.collapse_all(&tree);
    assert_eq!(
        all_rows(&tree, &folds, 80).join("\n"),
        "{\n  \"items\": [ … 200 items ],\n  \"o\": { … 1 key }\n}"
    );
    folds.expand_all(&tree);
    assert_eq!(all_rows(&tree, &folds, 80).len(), 207);
}

#[test]
fn long_strings_are_cut_with_their_length_and_open_whole() {
    let long = "x".repeat(5_000);
    let tree = JsonTree::new(&json!({"a": 1, "s": long}));
    let mut folds = Folds::default();
    let rows = all_rows(&tree, &folds, 2_000);
    assert_eq!(
        rows[2],
        format!("  \"s\": \"{}…\"  (5,000 chars)", "x".repeat(CUT_CHARS))
    );
    let joined = all_rows(&tree, &folds, 60).join("");
    assert_eq!(joined.matches('x').count(), CUT_CHARS);
    assert!(folds.open(&tree, 2));
    let joined = all_rows(&tree, &folds, 60).join("");
    assert_eq!(joined.matches('x').count(), 5_000);
    assert!(!joined.contains("chars)"));
}

#[test]
fn wrapped_rows_keep_every_character_and_indent_continuations() {
    let s = "abcdefghij".repeat(7);
    let v = json!({"k": s});
    let tree = JsonTree::new(&v);
    let rows = all_rows(&tree, &Folds::default(), 20);
    // `  "k": "` then 70 letters and `"`: 79 columns over rows of 20, then 16 (indent 4).
    assert_eq!(rows[1].chars().count(), 20);
    assert!(rows[2].starts_with("    "), "{rows:?}");
    let body: String = rows[1..rows.len() - 1]
        .iter()
        .map(|r| r.trim_start())
        .collect();
    assert_eq!(body, format!("\"k\": \"{s}\""));
}

#[test]
fn wide_characters_wrap_without_splitting() {
    let v = json!(["配送注文配送注文配送注文"]);
    let tree = JsonTree::new(&v);
    let rows = all_rows(&tree, &Folds::default(), 9);
    for r in &rows {
        assert!(crate::render::sanitize::display_width(r) <= 9, "{rows:?}");
    }
    let all: String = rows.iter().map(|r| r.trim()).collect();
    assert!(all.contains("配送注文配送注文配送注文"), "{rows:?}");
}

#[test]
fn search_finds_hits_inside_folded_parts_and_reveal_unfolds_to_them() {
    let docs: Vec<Value> = (0..500)
        .map(|i| json!({"id": format!("doc-{i:05}"), "text": "lorem"}))
        .collect();
    let tree = JsonTree::new(&json!({"retrieved": docs}));
    let mut folds = Folds::default();
    let hits = tree.search("DOC-00417");
    assert_eq!(hits.len(), 1);
    let h = hits[0];
    assert!(!h.in_key);
    assert_eq!(h.at, 1, "after the opening quote");
    let l = JsonLayout::new(&tree, &folds, 80);
    assert_eq!(l.row_of(h.node), None, "folded away");
    folds.reveal(&tree, h.node, h.in_key, h.at);
    let l = JsonLayout::new(&tree, &folds, 80);
    let row = l.row_of(h.node).expect("visible now");
    let shown = plain(&l.render(&tree, &folds, row, row + 1, &Theme::dark()));
    assert_eq!(shown, "      \"id\": \"doc-00417\",");
    assert_eq!(l.node_at(row), Some(h.node));
    // Keys are searched too, case-insensitively (ASCII).
    assert_eq!(
        tree.search("RETRIEVED").first().map(|h| h.in_key),
        Some(true)
    );
    assert!(tree.search("").is_empty());
}

#[test]
fn a_hit_past_the_cut_shows_the_string_whole() {
    let s = format!("{}needle", "y".repeat(3_000));
    let tree = JsonTree::new(&json!({"s": s}));
    let mut folds = Folds::default();
    let h = tree.search("needle")[0];
    assert!(tree.is_cut(&folds, h.node));
    folds.reveal(&tree, h.node, h.in_key, h.at);
    assert!(!tree.is_cut(&folds, h.node));
    let l = JsonLayout::new(&tree, &folds, 50);
    let row = l.row_of(h.node).unwrap_or(0) + l.row_within(&tree, &folds, h.node, h.at as usize);
    let shown = plain(&l.render(&tree, &folds, row, row + 1, &Theme::dark()));
    assert!(
        shown.contains("need") || shown.contains("needle"),
        "{shown}"
    );
}

#[test]
fn hostile_keys_and_values_are_sanitised() {
    let v = json!({"\u{1b}[2Jkey\u{202e}": "va\u{1b}]52;c;x\u{7}lue"});
    let t = text(&v, 120);
    assert!(
        !t.contains('\u{1b}') && !t.contains('\u{202e}') && !t.contains('\u{7}'),
        "{t:?}"
    );
}

#[test]
fn deep_nesting_is_flattened_without_recursion() {
    let mut v = json!(1);
    for _ in 0..100 {
        v = json!([v]);
    }
    let tree = JsonTree::new(&v);
    assert_eq!(tree.len(), 101);
    let rows = all_rows(&tree, &Folds::default(), 400);
    assert_eq!(rows.len(), 201);
}

proptest! {
    #[test]
    fn narrow_counting_matches_the_character_walk(s in "[ -~]{0,300}", w in 2u16..120) {
        let v = json!({"key": s, "arr": [s.clone()]});
        let tree = JsonTree::new(&v);
        let folds = Folds::default();
        let l = JsonLayout::new(&tree, &folds, w);
        let rows = l.render(&tree, &folds, 0, l.rows(), &Theme::dark());
        prop_assert_eq!(rows.len(), l.rows());
        for r in &rows {
            let width: usize = r.spans.iter().map(|s| s.content.chars().count()).sum();
            prop_assert!(width <= w as usize);
        }
    }

    #[test]
    fn any_slice_renders_what_the_whole_renders(start in 0usize..40, len in 0usize..20) {
        let docs: Vec<Value> = (0..30).map(|i| json!({"i": i, "t": "é".repeat(i * 3)})).collect();
        let tree = JsonTree::new(&json!({"d": docs}));
        let mut folds = Folds::default();
        folds.expand_all(&tree);
        let l = JsonLayout::new(&tree, &folds, 17);
        let all = l.render(&tree, &folds, 0, l.rows(), &Theme::dark());
        let part = l.render(&tree, &folds, start, start + len, &Theme::dark());
        let end = (start + len).min(all.len());
        let want = if start < end { plain(&all[start..end]) } else { String::new() };
        prop_assert_eq!(plain(&part), want);
    }
}

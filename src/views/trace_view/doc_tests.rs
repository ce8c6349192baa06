//! The detail document: sections with their own folds, rows across sections, JSON folding at
//! the cursor line, search over everything, and slices that render as the whole does.

use std::sync::Arc;

use serde_json::json;

use super::content::{self, Content, Part, Who};
use super::doc::{At, Body, Doc, PartState, Section, Target};
use super::subject::{Subject, Tab};
use crate::render::json_tree::layout::JsonLayout;
use crate::render::lines::plain;
use crate::theme::Theme;

pub(super) fn doc_of(s: &Subject, tab: Tab, width: u16) -> Doc {
    let theme = Theme::dark();
    let sections = Part::of(tab, s)
        .into_iter()
        .map(|(part, title)| {
            let c = content::build(s, part, false, &theme);
            let body = match &c {
                Content::Json(t) => Body::Json {
                    tree: t.clone(),
                    layout: JsonLayout::default(),
                },
                _ => Body::Lines(content::wrap(&c, s, width, &theme).unwrap_or_default()),
            };
            Section {
                part,
                title,
                state: PartState::default(),
                body,
            }
        })
        .collect();
    Doc::new((Who::Trace, tab, false), width, "dark", sections)
}

pub(super) fn rows(d: &Doc) -> Vec<String> {
    plain(&d.render(0, d.rows(), &Theme::dark()))
        .split('\n')
        .map(str::to_string)
        .collect()
}

fn subject() -> Subject {
    let docs: Vec<_> = (0..150)
        .map(|i| json!({"id": format!("doc-{i:05}"), "text": "lorem ipsum"}))
        .collect();
    Subject {
        input: Some(json!({"index": "kb", "retrieved": docs})),
        output: Some(json!({"output": "# Answer\n\nThe **doc-00042** passage says so."})),
        metadata: Some(json!({"channel": "web"})),
        tags: vec!["prod".into()],
        ..Subject::default()
    }
}

#[test]
fn input_above_output_each_with_a_header() {
    let d = doc_of(&subject(), Tab::InputOutput, 80);
    assert_eq!(
        rows(&d),
        [
            "▾ Input",
            "{",
            "  \"index\": \"kb\",",
            "  \"retrieved\": [ … 150 items ]",
            "}",
            "",
            "▾ Output",
            "Answer",
            "",
            "The doc-00042 passage says so.",
        ]
    );
    assert_eq!(d.at(0), Some(At::Header(0)));
    assert_eq!(d.at(3), Some(At::Body(0, 2)));
    assert_eq!(d.at(5), Some(At::Gap));
    assert_eq!(d.at(6), Some(At::Header(1)));
    assert_eq!(d.at(10), None);
}

#[test]
fn a_section_folds_from_its_header() {
    let mut d = doc_of(&subject(), Tab::InputOutput, 80);
    assert_eq!(d.fold_at(0, Some(false)), Some(0));
    assert_eq!(rows(&d)[..3], ["▸ Input …", "", "▾ Output"]);
    assert_eq!(d.fold_at(0, None), Some(0), "Enter toggles it open again");
    assert_eq!(rows(&d)[1], "{");
}

#[test]
fn json_nodes_fold_on_the_cursor_line_and_h_goes_to_the_parent() {
    let mut d = doc_of(&subject(), Tab::InputOutput, 80);
    // Unfold the array on its line.
    assert_eq!(d.fold_at(3, Some(true)), Some(3));
    assert_eq!(rows(&d)[3], "  \"retrieved\": [");
    assert_eq!(rows(&d)[4], "    {");
    // h on a scalar goes to its parent object; h there folds it.
    assert_eq!(d.fold_at(5, Some(false)), Some(4), "parent of \"id\"");
    assert_eq!(d.fold_at(4, Some(false)), Some(4));
    assert_eq!(rows(&d)[4], "    { … 2 keys },");
    // h on the root goes to the section header.
    assert_eq!(d.fold_at(1, Some(false)), Some(1), "the root folds first");
    assert_eq!(rows(&d)[1], "{ … 2 keys }");
    assert_eq!(d.fold_at(1, Some(false)), Some(0));
    // Text lines have nothing to fold; h goes to their header.
    let out_row = rows(&d).iter().position(|r| r == "Answer").unwrap_or(0);
    assert_eq!(d.fold_at(out_row, Some(false)), Some(out_row - 1));
    assert_eq!(d.fold_at(out_row, Some(true)), None);
}

#[test]
fn fold_all_and_unfold_all_cover_every_json_section() {
    let mut d = doc_of(&subject(), Tab::InputOutput, 80);
    d.fold_all(true);
    assert!(rows(&d).len() > 150 * 4, "{}", rows(&d).len());
    d.fold_all(false);
    assert_eq!(
        rows(&d)[1..5],
        [
            "{",
            "  \"index\": \"kb\",",
            "  \"retrieved\": [ … 150 items ]",
            "}"
        ]
    );
}

#[test]
fn search_walks_folded_json_and_text_and_reveal_unfolds_to_each_hit() {
    let mut d = doc_of(&subject(), Tab::InputOutput, 80);
    let hits = d.search("DOC-00042");
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(matches!(hits[0].target, Target::Json(_)));
    assert_eq!(hits[1].section, 1);
    let row = d.reveal(&hits[0]).unwrap_or(0);
    let shown = plain(&d.render(row, row + 1, &Theme::dark()));
    assert_eq!(shown, "      \"id\": \"doc-00042\",");
    let row = d.reveal(&hits[1]).unwrap_or(0);
    let shown = plain(&d.render(row, row + 1, &Theme::dark()));
    assert!(shown.contains("doc-00042 passage"), "{shown}");
    // A folded section opens for its hit.
    d.fold_at(0, Some(false));
    let row = d.reveal(&hits[0]).unwrap_or(0);
    assert!(plain(&d.render(row, row + 1, &Theme::dark())).contains("doc-00042"));
}

#[test]
fn any_slice_of_rows_renders_as_the_whole_does() {
    let mut d = doc_of(&subject(), Tab::InputOutput, 30);
    d.fold_all(true);
    let all = rows(&d);
    for from in [0, 1, 5, 6, 7, 100, all.len() - 3] {
        for len in [1, 3, 45] {
            let part = plain(&d.render(from, from + len, &Theme::dark()));
            let end = (from + len).min(all.len());
            assert_eq!(part, all[from..end].join("\n"), "{from}+{len}");
        }
    }
}

#[test]
fn metadata_tab_has_tags_then_the_json() {
    let d = doc_of(&subject(), Tab::Metadata, 80);
    assert_eq!(
        rows(&d),
        ["tags          prod", "", "{", "  \"channel\": \"web\"", "}"]
    );
    let d = doc_of(&Subject::default(), Tab::InputOutput, 80);
    assert_eq!(
        rows(&d),
        ["▾ Input", "(no input)", "", "▾ Output", "(no output)"]
    );
}

#[test]
fn lines_are_shared_not_copied() {
    let s = subject();
    let theme = Theme::dark();
    let c = content::build(&s, Part::Output, false, &theme);
    let a = content::wrap(&c, &s, 80, &theme).unwrap_or_default();
    let b = content::wrap(&c, &s, 80, &theme).unwrap_or_default();
    assert!(
        Arc::ptr_eq(&a, &b),
        "markdown at one width is rendered once"
    );
}

#[test]
fn caches_forget_the_oldest_beyond_a_count_or_a_weight() {
    let mut r: content::Recent<u32, usize> = content::Recent::new(3, 100, |v| *v);
    r.put(1, 10);
    r.put(2, 10);
    r.put(3, 10);
    r.put(4, 10);
    assert_eq!((r.get(&1), r.get(&4), r.weight()), (None, Some(10), 30));
    r.put(5, 90);
    assert_eq!(
        (r.get(&3), r.get(&4), r.get(&5)),
        (None, Some(10), Some(90))
    );
    assert_eq!(r.weight(), 100);
    r.put(6, 500);
    assert_eq!(
        (r.get(&5), r.get(&6)),
        (None, Some(500)),
        "the newest stays"
    );
    r.forget(|k| *k == 6);
    assert_eq!(r.weight(), 0);
}

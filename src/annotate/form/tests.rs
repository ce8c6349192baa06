use super::*;
use crate::opik::model::{FeedbackDetails, ValueEntry};
use crate::views::fixtures::scores::definition as def;
use std::collections::BTreeMap;

fn defs() -> Vec<FieldDef> {
    let cats: BTreeMap<String, f64> = [("good", 1.0), ("bad", 0.0), ("meh", 0.5), ("fine", 0.5)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    vec![
        FieldDef::from_definition(&def(
            "quality",
            FeedbackDetails::Categorical { categories: cats },
        )),
        FieldDef::from_definition(&def(
            "correct",
            FeedbackDetails::Boolean {
                true_label: "Yes".into(),
                false_label: "No".into(),
            },
        )),
        FieldDef::from_definition(&def(
            "rating",
            FeedbackDetails::Numerical {
                min: 0.0,
                max: 10.0,
            },
        )),
    ]
}

#[test]
fn categorical_options_ascending_by_value_ties_by_name() {
    let d = &defs()[0];
    let FieldKind::Categorical { options } = &d.kind else {
        panic!("kind")
    };
    let names: Vec<&str> = options.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["bad", "fine", "meh", "good"]);
    assert_eq!(
        d.values_summary(),
        "bad (0), fine (0.5), meh (0.5), good (1)"
    );
}

#[test]
fn digits_pick_the_nth_option_and_out_of_range_digits_are_ignored() {
    let mut f = ItemForm::new(defs());
    assert!(f.digit(3));
    assert_eq!(f.display_value(0).as_deref(), Some("meh (0.5)"));
    assert!(!f.digit(9));
    assert!(!f.digit(0));
    assert_eq!(f.display_value(0).as_deref(), Some("meh (0.5)"));
    let s = f.submission().unwrap();
    assert_eq!(
        s.puts,
        vec![ScoreWrite {
            name: "quality".into(),
            value: 0.5,
            category_name: Some("meh".into()),
            reason: None
        }]
    );
}

#[test]
fn boolean_yes_no_writes_one_zero_with_label() {
    let mut f = ItemForm::new(defs());
    f.focus_next();
    assert!(!f.digit(1));
    assert!(f.set_bool(false));
    assert_eq!(f.display_value(1).as_deref(), Some("No"));
    f.step(1);
    assert_eq!(f.display_value(1).as_deref(), Some("Yes"));
    f.set_reason("  because  ".into());
    let s = f.submission().unwrap();
    assert_eq!(s.puts[0].value, 1.0);
    assert_eq!(s.puts[0].category_name.as_deref(), Some("Yes"));
    assert_eq!(s.puts[0].reason.as_deref(), Some("because"));
}

#[test]
fn numerical_typing_stepping_and_range_errors() {
    let mut f = ItemForm::new(defs());
    f.focus_prev(); // wraps to the last field
    assert_eq!(f.focus, 2);
    assert!(f.digit(1));
    assert!(f.digit(2));
    assert!(!f.type_char('x'));
    let err = f.submission().unwrap_err();
    assert_eq!(err, vec![(2, "12 is out of range 0 – 10".to_string())]);
    assert_eq!(f.errors[2].as_deref(), Some("12 is out of range 0 – 10"));
    f.backspace();
    assert!(f.errors[2].is_none(), "editing clears the inline error");
    f.step(1);
    assert_eq!(f.display_value(2).as_deref(), Some("2"));
    f.step(-1);
    f.step(-1);
    f.step(-1);
    assert_eq!(f.display_value(2).as_deref(), Some("0"), "clamped at min");
    f.clear();
    f.type_char('.');
    assert!(f.submission().unwrap_err()[0].1.contains("not a number"));
    f.type_char('5');
    assert_eq!(f.submission().unwrap().puts[0].value, 0.5);
}

#[test]
fn step_size_follows_the_range() {
    let unit =
        FieldDef::from_definition(&def("p", FeedbackDetails::Numerical { min: 0.0, max: 1.0 }));
    assert_eq!(unit.step(), 0.1);
    let mut f = ItemForm::new(vec![unit]);
    f.step(1);
    f.step(1);
    f.step(1);
    assert_eq!(
        f.display_value(0).as_deref(),
        Some("0.2"),
        "empty → min, then two steps"
    );
    // Inverted bounds are normalised.
    let inv =
        FieldDef::from_definition(&def("q", FeedbackDetails::Numerical { min: 5.0, max: 1.0 }));
    assert_eq!(inv.kind, FieldKind::Numerical { min: 1.0, max: 5.0 });
}

fn score(
    name: &str,
    me: &str,
    value: f64,
    cat: Option<&str>,
    reason: Option<&str>,
) -> FeedbackScore {
    let mut by = BTreeMap::new();
    by.insert(
        me.to_string(),
        ValueEntry {
            value: Some(value),
            category_name: cat.map(Into::into),
            reason: reason.map(Into::into),
            ..Default::default()
        },
    );
    by.insert(
        "someone-else".into(),
        ValueEntry {
            value: Some(0.0),
            ..Default::default()
        },
    );
    FeedbackScore {
        name: name.into(),
        value: Some(value / 2.0),
        value_by_author: Some(by),
        ..Default::default()
    }
}

#[test]
fn my_previous_values_are_shown_and_unchanged_fields_are_not_resent() {
    let scores = vec![
        score("quality", "ann", 1.0, Some("good"), Some("clear")),
        score("rating", "ann", 7.0, None, None),
    ];
    let mut f = ItemForm::with_saved(defs(), &scores, "ann", Some("nice"));
    assert_eq!(f.display_value(0).as_deref(), Some("good (1)"));
    assert_eq!(f.fields[0].reason, "clear");
    assert_eq!(f.display_value(1), None);
    assert_eq!(f.display_value(2).as_deref(), Some("7"));
    assert!(!f.is_dirty());
    assert!(f.submission().unwrap().is_empty());
    // Another author's values are not mine.
    let other = ItemForm::with_saved(defs(), &scores, "someone-else", None);
    assert_eq!(other.display_value(0).as_deref(), Some("bad (0)"));
}

#[test]
fn clearing_a_saved_field_deletes_it_and_comment_changes() {
    let scores = vec![score("rating", "ann", 7.0, None, None)];
    let mut f = ItemForm::with_saved(defs(), &scores, "ann", Some("old"));
    f.focus = 2;
    f.clear();
    f.comment = "new text".into();
    assert!(f.is_dirty());
    let s = f.submission().unwrap();
    assert_eq!(s.deletes, vec!["rating".to_string()]);
    assert!(s.puts.is_empty());
    assert_eq!(s.comment, CommentChange::Update("new text".into()));
    f.mark_submitted();
    assert!(!f.is_dirty());
    f.comment = "  ".into();
    assert_eq!(f.submission().unwrap().comment, CommentChange::Delete);
    // A field never scored and left empty is neither put nor deleted.
    let mut blank = ItemForm::new(defs());
    blank.comment = "first".into();
    let s = blank.submission().unwrap();
    assert!(s.deletes.is_empty() && s.puts.is_empty());
    assert_eq!(s.comment, CommentChange::Add("first".into()));
}

#[test]
fn resubmitting_after_submit_sends_only_new_changes() {
    let mut f = ItemForm::new(defs());
    f.digit(4);
    let first = f.submission().unwrap();
    assert_eq!(first.puts.len(), 1);
    f.mark_submitted();
    assert!(f.submission().unwrap().is_empty());
    f.digit(1);
    let second = f.submission().unwrap();
    assert_eq!(second.puts[0].category_name.as_deref(), Some("bad"));
    // Clearing after a submit in this session deletes.
    f.mark_submitted();
    f.clear();
    assert_eq!(f.submission().unwrap().deletes, vec!["quality".to_string()]);
}

#[test]
fn missing_definitions_are_reported_in_queue_order() {
    let all = vec![
        def("b", FeedbackDetails::Numerical { min: 0.0, max: 1.0 }),
        def("a", FeedbackDetails::Numerical { min: 0.0, max: 1.0 }),
    ];
    let (fields, missing) = FieldDef::for_queue(&["a".into(), "zz".into(), "b".into()], &all);
    assert_eq!(
        fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(missing, ["zz"]);
}

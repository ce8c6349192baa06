//! The traces screen: a filter the server rejects, the columns at every width, and ticking
//! relative times.

use super::*;

#[test]
fn a_filter_the_server_rejects_goes_back_to_the_prompt_and_is_not_shown_as_applied() {
    let mut s = TracesScreen::with_rows("p", Vec::new(), Some(0));
    s.list.prompts.filter = "foo = 3".into();
    s.filters = filter_string::parse("foo = 3", Entity::Traces).expect("parses");
    let theme = Theme::dark();
    let keymap = crate::app::KeyMap::default();
    let mut tasks = crate::app::tasks::Tasks::new(None);
    let mut effects = Vec::new();
    let mut ctx = Ctx::new(
        1,
        &theme,
        &keymap,
        crate::app::testing::fixed_now(),
        None,
        &mut tasks,
        &mut effects,
    );
    let res: PageResult = Err(ApiError::Rejected {
        status: 400,
        message: "Invalid filter field 'foo' for traces".into(),
    });
    s.on_msg(TracesMsg::Page { key: "page", res }, &mut ctx);
    assert!(s.filters.is_empty() && s.list.prompts.filter.is_empty());
    assert!(s.capturing_text(), "the filter prompt is open again");
    assert!(
        s.list
            .prompts
            .error
            .as_deref()
            .is_some_and(|e| e.contains("'foo'")),
        "{:?}",
        s.list.prompts.error
    );
    let out = crate::app::testing::buffer_text(&crate::app::testing::render_screen(
        &mut s, 100, 8, &theme,
    ));
    assert!(out.contains("filter: foo = 3"), "{out}");
    assert!(!out.contains("f: foo"), "{out}");
}

#[test]
fn at_80_columns_the_previews_stay_readable_and_the_last_header_is_whole() {
    use crate::widgets::table::layout_columns;
    let cols = TracesScreen::columns(false);
    let title = |name: &str| cols.iter().position(|c| c.title == name).unwrap_or(99);
    // 80 columns less the borders and the mark gutter.
    let w = layout_columns(&cols, 77);
    for name in ["Input", "Output"] {
        assert!(w[title(name)] >= 14, "{name}: {w:?}");
    }
    for name in ["Start", "Name", "Duration", "Cost", "Err"] {
        assert!(w[title(name)] > 0, "{name} is shown: {w:?}");
    }
    assert_eq!(w[title("Tags")], 0, "tags go first: {w:?}");
    let rows = vec![TraceRow::from_trace(
        &crate::views::fixtures::traces(1, crate::app::testing::fixed_now())[0],
    )];
    let mut s = TracesScreen::with_rows("p", rows, Some(1));
    for width in [80, 100, 120, 160] {
        let out = crate::app::testing::buffer_text(&crate::app::testing::render_screen(
            &mut s,
            width,
            6,
            &Theme::dark(),
        ));
        let header = out.lines().nth(1).unwrap_or_default();
        assert!(header.ends_with("Err│"), "{width}: {header}");
        assert!(!header.contains('…'), "{width}: a header is cut: {header}");
    }
}

#[test]
fn the_app_wakes_up_for_relative_times_to_tick_and_not_for_absolute_ones() {
    use crate::app::testing::{fixed_now, no_opener, test_app};
    let now = fixed_now();
    let mut app = test_app(no_opener());
    app.push(
        Box::new(TracesScreen::with_rows("p", Vec::new(), None)),
        now,
    );
    assert_eq!(app.next_wakeup(now), Some(crate::widgets::list::TIME_TICK));
    app.dirty = false;
    app.tick(now + chrono::Duration::seconds(11));
    assert!(app.dirty, "a redraw: the times move on");
    app.handle_key(
        crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('t'),
            crossterm::event::KeyModifiers::NONE,
        ),
        now,
    );
    assert_eq!(app.next_wakeup(now), None, "absolute times: idle");
}

#[test]
fn absolute_start_times_fit_their_column() {
    let t = crate::app::testing::fixed_now();
    let shown = format::absolute(t);
    let w = |absolute| match TracesScreen::columns(absolute)[0].width {
        crate::widgets::table::Width::Fixed(w) => w as usize,
        _ => 0,
    };
    assert!(w(true) >= shown.chars().count(), "{shown} in {}", w(true));
    assert_eq!(w(false), 10);
}

#[test]
fn previews_keep_the_senders_key_order() {
    // `@opik.track def reply(user_message, thread_id)` logs its arguments in this order
    let input = r#"{"user_message":"Where is my parcel?","thread_id":"t-1","zeta":1,"alpha":{"z":1,"a":2}}"#;
    let t = Trace {
        input: serde_json::from_str(input).ok(),
        output: serde_json::from_str(r#"{"zz":1,"aa":2}"#).ok(),
        ..Default::default()
    };
    let row = TraceRow::from_trace(&t);
    assert_eq!(row.input, input);
    assert_eq!(row.output, r#"{"zz":1,"aa":2}"#);
    let th = crate::opik::model::Thread {
        first_message: t.input.clone(),
        ..Default::default()
    };
    assert_eq!(
        crate::views::threads::ThreadRow::from_thread(&th).first,
        input
    );
}

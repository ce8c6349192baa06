use crossterm::event::{KeyCode, KeyModifiers, MouseButton};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::text::Span;

use super::*;
use crate::app::testing::buffer_text;

const SORTS: &[SortOption] = &[
    SortOption::by("name", "name", false, 0),
    SortOption::by("size", "size", true, 1),
];

#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: Uuid,
    name: String,
}

fn rows(n: u128) -> Vec<Row> {
    (0..n)
        .map(|i| Row {
            id: Uuid::from_u128(i + 1),
            name: format!("row {i}"),
        })
        .collect()
}

fn list(n: u128) -> ListCore<Row> {
    ListCore::new(rows(n), Some(n as i64))
        .sorted(SORTS)
        .prompts(Prompts::search("search: ").with_filter())
        .timed()
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn draw(l: &mut ListCore<Row>, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    let t = Theme::dark();
    let cols = [Column::flex("Name", 1, 8), Column::fixed("Size", 6).right()];
    term.draw(|f| {
        let mut title = vec![Span::styled(" Things ", t.title)];
        title.extend(l.prompts.search_span(&t));
        title.extend(l.marks_span("", &t));
        title.extend(l.sort.span(&t));
        l.draw(
            f,
            f.area(),
            &t,
            ListView {
                title: Line::from(title),
                columns: &cols,
                empty: "nothing here",
            },
            |r, c| match c {
                0 => (r.name.clone(), t.text),
                _ => (r.name.len().to_string(), t.text),
            },
            |r| Some(r.id),
        )
    })
    .expect("draw");
    buffer_text(term.backend().buffer())
}

#[test]
fn moves_pages_and_stays_in_bounds() {
    let mut l = list(100);
    assert_eq!(l.handle(Action::Up), Step::Done);
    assert_eq!(l.table.selected, 0);
    draw(&mut l, 40, 13); // 10 rows visible
    assert_eq!(l.table.page, 10);
    l.handle(Action::PageDown);
    assert_eq!(l.table.selected, 10);
    l.handle(Action::Down);
    assert_eq!(l.selected().map(|r| r.name.as_str()), Some("row 11"));
    l.handle(Action::PageUp);
    assert_eq!(l.table.selected, 1);
    l.handle(Action::Last);
    assert_eq!(l.table.selected, 99);
    l.handle(Action::PageDown);
    assert_eq!(l.table.selected, 99, "the end stops paging");
    l.handle(Action::First);
    assert_eq!(l.table.selected, 0);
    // Movement on an empty list is harmless.
    let mut e = list(0);
    e.handle(Action::Down);
    e.handle(Action::Last);
    assert!(e.selected().is_none());
}

#[test]
fn sort_time_and_prompts_are_the_lists_the_rest_passes() {
    let mut l = list(3);
    assert_eq!(l.handle(Action::CycleSort), Step::Requery);
    assert_eq!(l.sort.sorting()[0].field, "size");
    assert_eq!(l.handle(Action::ReverseSort), Step::Requery);
    assert_eq!(l.sort.sorting()[0].direction, "ASC");
    assert_eq!(l.handle(Action::ToggleTime), Step::Done);
    assert!(l.absolute_time);
    assert_eq!(l.handle(Action::Open), Step::Pass(Action::Open));
    assert_eq!(l.handle(Action::Mark), Step::Pass(Action::Mark));
    // A plain list leaves sort, time and search keys to the screen.
    let mut plain = ListCore::new(rows(3), None);
    for a in [
        Action::CycleSort,
        Action::ReverseSort,
        Action::ToggleTime,
        Action::Search,
        Action::Filter,
    ] {
        assert_eq!(plain.handle(a), Step::Pass(a));
    }
    assert!(!plain.capturing_text());
}

#[test]
fn a_submitted_search_goes_back_to_the_top() {
    let mut l = list(10);
    l.handle(Action::Last);
    assert_eq!(l.handle_key(key(KeyCode::Char('x'))), KeyStep::NotMine);
    assert_eq!(l.handle(Action::Search), Step::Done);
    assert!(l.capturing_text());
    assert_eq!(l.handle_key(key(KeyCode::Char('7'))), KeyStep::Done);
    assert_eq!(l.handle_key(key(KeyCode::Enter)), KeyStep::Requery);
    assert_eq!((l.prompts.search.as_str(), l.table.selected), ("7", 0));
    // A filter: parsed by the screen, then applied from the top.
    l.handle(Action::Last);
    l.handle(Action::Filter);
    l.handle_key(key(KeyCode::Char('a')));
    assert_eq!(
        l.handle_key(key(KeyCode::Enter)),
        KeyStep::Filter("a".into())
    );
    l.filter_applied("a".into());
    assert_eq!((l.prompts.filter.as_str(), l.table.selected), ("a", 0));
    assert!(!l.capturing_text());
    l.handle(Action::Filter);
    assert_eq!(l.handle_key(key(KeyCode::Esc)), KeyStep::FilterCleared);
}

#[test]
fn marks_toggle_move_down_and_stand_for_the_selection() {
    let mut l = list(5);
    assert_eq!(l.marked_or(Some(Uuid::from_u128(9))), [Uuid::from_u128(9)]);
    assert!(l.marked_or(None).is_empty());
    l.mark(Some(Uuid::from_u128(1)));
    assert_eq!(l.table.selected, 1);
    l.mark(Some(Uuid::from_u128(2)));
    l.table.first();
    l.mark(Some(Uuid::from_u128(1)));
    assert_eq!(l.marked_or(Some(Uuid::from_u128(5))), [Uuid::from_u128(2)]);
    l.mark(None);
    assert_eq!(l.table.selected, 2, "a row without an id is passed over");
    assert_eq!(l.marks.len(), 1);
    let t = Theme::dark();
    assert_eq!(
        l.marks_span(" · a: add", &t)
            .map(|s| s.content.into_owned()),
        Some("1 marked · a: add ".into())
    );
}

/// Rows `from..to` of a result (ids `from + 1 ..`).
fn slice(from: u128, to: u128) -> Vec<Row> {
    rows(to).split_off(from as usize)
}

fn id(r: &Row) -> Option<Uuid> {
    Some(r.id)
}

#[test]
fn more_pages_load_near_the_end_once_at_a_time() {
    let mut l = list(50).paged(50);
    l.total = Some(200);
    assert_eq!(
        l.request_more(30),
        None,
        "the selection is far from the end"
    );
    l.table.select(25, 50);
    let next = l.request_more(30).expect("the next page");
    assert_eq!((next.page, next.size, next.replace), (2, 50, false));
    l.loading = true;
    assert_eq!(l.request_more(30), None, "one page at a time");
    l.loading = false;
    // The page repeats a row the list has (the result shifted): it is listed once.
    l.place(next, slice(49, 99), Some(200), id);
    assert_eq!(l.len(), 99);
    assert_eq!(l.window.end, 100);
    assert_eq!(l.table.selected, 25, "the selection stays");
    l.total = Some(100);
    l.table.select(99, 100);
    assert_eq!(l.request_more(30), None, "everything is loaded");
    l.total = None;
    assert_eq!(l.request_more(30), None);
    // A list that holds its whole result never asks.
    let mut whole = list(50);
    whole.total = Some(500);
    whole.table.select(49, 50);
    assert_eq!(whole.request_more(30), None);
}

#[test]
fn g_and_shift_g_go_to_the_ends_of_the_whole_result() {
    // 1,000 rows on the server in pages of 100; the first page is loaded.
    let mut l = list(100).paged(100);
    l.total = Some(1000);
    assert_eq!(l.handle(Action::Last), Step::Done);
    assert_eq!(l.table.selected, 99, "the last loaded row meanwhile");
    let last = l.request_more(30).expect("the last page");
    assert_eq!((last.page, last.replace), (10, true));
    l.place(last, slice(900, 1000), Some(1000), id);
    assert_eq!(l.selected().map(|r| r.name.as_str()), Some("row 999"));
    assert_eq!(l.window.first, 900);
    let footer = draw(&mut l, 40, 13);
    assert!(footer.contains("991–1,000 of 1,000"), "{footer}");
    // Moving up near the top of the window loads the page before it, above.
    l.table.select(10, 100);
    let before = l.request_more(30).expect("the page before");
    assert_eq!((before.page, before.replace), (9, false));
    l.place(before, slice(800, 900), Some(1000), id);
    assert_eq!((l.window.first, l.len()), (800, 200));
    assert_eq!(
        l.selected().map(|r| r.name.as_str()),
        Some("row 910"),
        "the selection stays on its row"
    );
    // `g` goes back to the real first row.
    l.handle(Action::First);
    let first = l.request_more(30).expect("page 1");
    assert_eq!((first.page, first.replace), (1, true));
    l.place(first, slice(0, 100), Some(1000), id);
    assert_eq!(l.window.first, 0);
    assert_eq!(l.selected().map(|r| r.name.as_str()), Some("row 0"));
    assert_eq!(l.request_more(30), None, "nothing waits");
    // `G` when the last page follows the loaded rows extends them.
    let mut near = list(100).paged(100);
    near.total = Some(150);
    near.handle(Action::Last);
    let next = near.request_more(30).expect("the next page");
    assert_eq!((next.page, next.replace), (2, false));
    near.place(next, slice(100, 150), Some(150), id);
    assert_eq!((near.len(), near.table.selected), (150, 149));
    // `G` on a list that has everything stays local.
    let mut all = list(10).paged(100);
    all.handle(Action::Last);
    assert_eq!(all.request_more(30), None);
    assert_eq!(all.table.selected, 9);
}

#[test]
fn a_short_last_page_fills_up_from_above() {
    let mut l = list(100).paged(100);
    l.total = Some(1005);
    l.handle(Action::Last);
    let last = l.request_more(30).expect("the last page");
    assert_eq!(last.page, 11);
    l.place(last, slice(1000, 1005), Some(1005), id);
    assert_eq!(l.table.selected, 4);
    let before = l.request_more(30).expect("the page before, at once");
    assert_eq!((before.page, before.replace), (10, false));
    l.place(before, slice(900, 1000), Some(1005), id);
    assert_eq!(l.selected().map(|r| r.name.as_str()), Some("row 1004"));
    assert_eq!(l.window.first, 900);
}

#[test]
fn an_empty_page_where_rows_were_promised_stops_the_loading() {
    let mut l = list(100).paged(100);
    l.total = Some(300);
    l.table.select(99, 100);
    let next = l.request_more(30).expect("next");
    l.place(next, Vec::new(), Some(300), id);
    assert_eq!(l.total, Some(100));
    assert_eq!(l.request_more(30), None);
}

#[test]
fn a_refresh_rereads_what_is_loaded_and_keeps_the_selection() {
    let mut l = list(150).paged(100);
    l.total = Some(150);
    l.window.end = 150;
    l.table.select(120, 150);
    let req = l.request_refresh();
    assert_eq!((req.page, req.size, req.replace), (1, 200, true));
    // 60 newer rows arrived on top.
    let mut fresh = slice(1000, 1060);
    fresh.extend(slice(0, 140));
    l.place(req, fresh, Some(210), id);
    assert_eq!(l.selected().map(|r| r.name.as_str()), Some("row 120"));
    assert_eq!(l.table.selected, 180);
    // Deep in a long result: the page around the selection.
    let mut deep = list(100).paged(100);
    deep.total = Some(100_000);
    deep.handle(Action::Last);
    let last = deep.request_more(30).expect("last");
    deep.place(last, slice(99_900, 100_000), Some(100_000), id);
    deep.table.select(50, 100);
    let req = deep.request_refresh();
    assert_eq!((req.page, req.size, req.replace), (1000, 100, true));
}

#[test]
fn merging_newer_rows_on_top_skips_those_listed() {
    let mut l = list(10).paged(100);
    l.table.select(3, 10);
    let mut head = slice(100, 103);
    head.extend(slice(0, 5));
    assert_eq!(l.merge_top(head, Some(13), id), 3);
    assert_eq!(l.len(), 13);
    assert_eq!(l.selected().map(|r| r.name.as_str()), Some("row 3"));
    // A re-read of the top goes on top; the rows it pushed down stay, once.
    let mut top = slice(200, 201);
    top.extend(slice(100, 103));
    top.extend(slice(0, 2));
    l.reread_top(top, Some(14), id);
    let names: Vec<&str> = l.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names.len(), 14, "{names:?}");
    assert_eq!(
        names[..7],
        [
            "row 200", "row 100", "row 101", "row 102", "row 0", "row 1", "row 2"
        ]
    );
    assert_eq!(l.selected().map(|r| r.name.as_str()), Some("row 3"));
}

#[test]
fn marks_go_once_the_action_on_them_succeeded() {
    let mut l = list(5);
    l.mark(Some(Uuid::from_u128(1)));
    l.mark(Some(Uuid::from_u128(2)));
    // Cancelled or failed: the marks stay.
    l.marks_sent(BulkOutcome::new());
    l.resumed();
    assert_eq!(l.marks.len(), 2);
    let done = BulkOutcome::new();
    l.marks_sent(done.clone());
    l.resumed();
    assert_eq!(l.marks.len(), 2, "not yet succeeded");
    l.marks_sent(done.clone());
    done.succeeded();
    l.resumed();
    assert!(l.marks.is_empty());
    // Marks made after a successful action are not touched by it.
    l.mark(Some(Uuid::from_u128(3)));
    l.resumed();
    assert_eq!(l.marks.len(), 1);
}

#[test]
fn rows_go_stale_after_the_interval_and_relative_times_ask_for_redraws() {
    let now = crate::app::testing::fixed_now();
    let every = Duration::from_secs(2);
    let mut l = list(3);
    assert!(l.is_stale(now, every), "never read");
    l.loaded(now);
    assert!(!l.is_stale(now + chrono::Duration::seconds(1), every));
    assert!(l.is_stale(now + chrono::Duration::seconds(3), every));
    assert!(
        !l.is_stale(now - chrono::Duration::seconds(3), every),
        "clock went back"
    );
    assert_eq!(l.time_tick(), Some(TIME_TICK));
    l.handle(Action::ToggleTime);
    assert_eq!(l.time_tick(), None, "absolute times do not change");
    assert_eq!(ListCore::new(rows(1), None).time_tick(), None, "no times");
}

#[test]
fn selection_follows_a_row_and_stays_in_range() {
    let mut l = list(10);
    assert!(l.select_where(|r| r.name == "row 7"));
    assert!(!l.select_where(|r| r.name == "nope"));
    assert_eq!(l.table.selected, 7);
    l.rows.truncate(3);
    l.clamp_selection();
    assert_eq!(l.table.selected, 2);
}

#[test]
fn wheel_moves_click_selects_then_opens() {
    let mut l = list(100);
    l.table.rows_area = Rect::new(0, 2, 50, 10);
    let ev = |kind, row| MouseEvent {
        kind,
        column: 3,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let click = MouseEventKind::Down(MouseButton::Left);
    assert!(matches!(
        l.mouse(ev(MouseEventKind::ScrollDown, 5)),
        ListMouse::Run(Action::Down)
    ));
    assert!(matches!(
        l.mouse(ev(MouseEventKind::ScrollUp, 5)),
        ListMouse::Run(Action::Up)
    ));
    assert!(matches!(
        l.mouse(ev(click, 5)),
        ListMouse::Done(Handled::Yes)
    ));
    assert_eq!(l.table.selected, 3);
    assert!(matches!(
        l.mouse(ev(click, 5)),
        ListMouse::Run(Action::Open)
    ));
    assert!(matches!(
        l.mouse(ev(click, 40)),
        ListMouse::Done(Handled::No)
    ));
    assert_eq!(l.table.selected, 3);
}

#[test]
fn draws_marks_sort_search_and_the_prompt() {
    let mut l = list(4);
    l.mark(Some(Uuid::from_u128(1)));
    l.prompts.search = "row".into();
    l.handle(Action::Filter);
    l.handle_key(key(KeyCode::Char('?')));
    l.handle_key(key(KeyCode::Enter));
    l.prompts.filter_invalid("cannot read `?`".into());
    insta::assert_snapshot!("list_prompt_40x10", draw(&mut l, 40, 10));
    let mut e = list(0);
    insta::assert_snapshot!("list_empty_40x5", draw(&mut e, 40, 5));
}

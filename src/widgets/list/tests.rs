use crossterm::event::{KeyCode, KeyModifiers, MouseButton};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

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

#[test]
fn more_pages_load_near_the_end_once_at_a_time() {
    let mut l = list(50);
    l.total = Some(200);
    assert!(!l.wants_more(30));
    l.table.select(25, 50);
    assert!(l.wants_more(30));
    l.loading = true;
    assert!(!l.wants_more(30));
    l.loading = false;
    l.total = Some(50);
    assert!(!l.wants_more(30), "everything is loaded");
    l.total = None;
    assert!(!l.wants_more(30));
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

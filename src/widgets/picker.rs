//! A picker: choose one of a few items (a queue to add traces to, a queue to annotate, a
//! feedback definition, a category). It keeps the items and the selection, turns keys into
//! [`PickerEvent`]s, and draws either as a screen of its own (a heading over a table,
//! [`Picker::draw`]) or as a popup over the screen ([`Picker::draw_popup`], items numbered
//! `1`–`9` for direct picks).
//!
//! Cell text must already be sanitised.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState};

use crate::app::Action;
use crate::render::sanitize;
use crate::theme::Theme;
use crate::widgets::table::{self, Column, TableState, TableView};

/// What an input did to a picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerEvent {
    /// The selection moved.
    Moved,
    /// The item at this index was chosen.
    Chosen(usize),
    /// Esc: close the picker.
    Cancelled,
    /// Not the picker's input.
    Ignored,
}

/// Items of type `T`, their cells, and the selection.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker<T> {
    title: String,
    columns: Vec<Column>,
    items: Vec<T>,
    cells: Vec<Vec<String>>,
    state: TableState,
    empty: String,
    footer: Option<String>,
}

impl Picker<String> {
    /// A picker of labels (one column).
    pub fn labels(title: impl Into<String>, labels: Vec<String>) -> Picker<String> {
        Picker::labels_of(title, labels, String::clone)
    }
}

impl<T> Picker<T> {
    /// A picker of `items` in one column, `label(item)` its text.
    pub fn labels_of(
        title: impl Into<String>,
        items: Vec<T>,
        label: impl Fn(&T) -> String,
    ) -> Picker<T> {
        Picker::new(title, vec![Column::flex("", 1, 1)], items, |i| {
            vec![label(i)]
        })
    }

    /// `items` shown in `columns`, `cells(item)` giving one text per column.
    pub fn new(
        title: impl Into<String>,
        columns: Vec<Column>,
        items: Vec<T>,
        cells: impl Fn(&T) -> Vec<String>,
    ) -> Picker<T> {
        Picker {
            title: title.into(),
            columns,
            cells: items.iter().map(cells).collect(),
            items,
            state: TableState::default(),
            empty: String::new(),
            footer: None,
        }
    }

    /// Said (as a warning) when there is nothing to pick.
    pub fn with_empty(mut self, empty: impl Into<String>) -> Self {
        self.empty = empty.into();
        self
    }

    /// A line of help under the items (drawn as a screen).
    pub fn with_footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    /// A new heading (what is being picked for changed, e.g. a count arrived).
    pub fn set_title(&mut self, title: impl Into<String>) {
        self.title = title.into();
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn items(&self) -> &[T] {
        &self.items
    }

    pub fn selected_index(&self) -> usize {
        self.state.selected
    }

    pub fn selected(&self) -> Option<&T> {
        self.items.get(self.state.selected)
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        self.items.get(i)
    }

    /// The item at `i`, taking the picker apart.
    pub fn into_item(mut self, i: usize) -> Option<T> {
        (i < self.items.len()).then(|| self.items.swap_remove(i))
    }

    /// A mapped action (a picker that is a screen, or part of one).
    pub fn handle_action(&mut self, action: Action) -> PickerEvent {
        let len = self.items.len();
        match action {
            Action::Down => self.state.down(1, len),
            Action::Up => self.state.up(1),
            Action::PageDown => self.state.page_down(len),
            Action::PageUp => self.state.page_up(),
            Action::First => self.state.first(),
            Action::Last => self.state.last(len),
            Action::Open => return self.chosen(),
            Action::Back | Action::Close => return PickerEvent::Cancelled,
            _ => return PickerEvent::Ignored,
        }
        PickerEvent::Moved
    }

    /// A raw key (a popup that takes keys while it is open): `j`/`k`/arrows move, Enter
    /// chooses, `1`–`9` choose that item, Esc and `q` cancel.
    pub fn handle_key(&mut self, key: KeyEvent) -> PickerEvent {
        let len = self.items.len();
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => PickerEvent::Cancelled,
            KeyCode::Enter => self.chosen(),
            KeyCode::Down | KeyCode::Char('j') => {
                self.state.down(1, len);
                PickerEvent::Moved
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.state.up(1);
                PickerEvent::Moved
            }
            KeyCode::Char(c) if c.is_ascii_digit() && c != '0' => {
                let i = (c as usize) - ('1' as usize);
                if i < len {
                    self.state.select(i, len);
                    PickerEvent::Chosen(i)
                } else {
                    PickerEvent::Ignored
                }
            }
            _ => PickerEvent::Ignored,
        }
    }

    fn chosen(&self) -> PickerEvent {
        if self.state.selected < self.items.len() {
            PickerEvent::Chosen(self.state.selected)
        } else {
            PickerEvent::Ignored
        }
    }

    /// Draw as a screen: the title as a heading, the items in a table under it, the footer.
    pub fn draw(&mut self, frame: &mut Frame, area: Rect, t: &Theme) {
        let [top, rest, foot] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(u16::from(self.footer.is_some())),
        ])
        .areas(area);
        frame
            .buffer_mut()
            .set_stringn(top.x, top.y, &self.title, top.width as usize, t.heading2);
        let view = TableView {
            title: Line::default(),
            columns: &self.columns,
            first: 0,
            len: self.items.len(),
            total: None,
            sort: None,
            focused: true,
            empty: &self.empty,
        };
        let cells = &self.cells;
        table::render(
            frame,
            rest,
            &view,
            &mut self.state,
            t,
            |i, c| {
                let text = cells[i].get(c).cloned().unwrap_or_default();
                (text, t.text)
            },
            |_| false,
        );
        if self.items.is_empty() && rest.height > 3 {
            // The empty note as a warning: nothing can be picked.
            let y = rest.y + 2;
            let w = rest.width.saturating_sub(3) as usize;
            frame
                .buffer_mut()
                .set_stringn(rest.x + 2, y, &self.empty, w, t.warning);
        }
        if let Some(f) = &self.footer {
            frame
                .buffer_mut()
                .set_stringn(foot.x, foot.y, f, foot.width as usize, t.dim);
        }
    }

    /// Draw as a popup centred in `area`, sized to its items, numbered `1`–`9`.
    pub fn draw_popup(&self, frame: &mut Frame, area: Rect, t: &Theme) {
        let labels: Vec<String> = self.cells.iter().map(|c| c.join("  ")).collect();
        let h = (labels.len() as u16 + 2)
            .min(area.height.saturating_sub(2))
            .max(3);
        let w = labels
            .iter()
            .map(|s| sanitize::display_width(s) as u16 + 6)
            .chain([sanitize::display_width(&self.title) as u16 + 4])
            .max()
            .unwrap_or(20)
            .min(area.width.saturating_sub(4))
            .max(20.min(area.width));
        let [v] = Layout::vertical([Constraint::Length(h)])
            .flex(Flex::Center)
            .areas(area);
        let [r] = Layout::horizontal([Constraint::Length(w)])
            .flex(Flex::Center)
            .areas(v);
        frame.render_widget(Clear, r);
        let items: Vec<ListItem> = labels
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let key = if i < 9 {
                    format!("{} ", i + 1)
                } else {
                    "  ".into()
                };
                ListItem::new(Line::from(vec![
                    Span::styled(key, t.hint_key),
                    Span::styled(s, t.text),
                ]))
            })
            .collect();
        let list = List::new(items)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(t.border_focused)
                    .title(Span::styled(format!(" {} ", self.title), t.title))
                    .style(t.popup),
            )
            .highlight_style(t.selection)
            // Also a mark, so the selection shows without colour.
            .highlight_symbol("▌");
        let mut st = ListState::default().with_selected(Some(self.state.selected));
        frame.render_stateful_widget(list, r, &mut st);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::buffer_text;
    use crossterm::event::KeyModifiers;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn queues() -> Picker<(String, i64)> {
        let items = vec![
            ("Support answers".to_string(), 8),
            ("Chats".to_string(), 3),
            ("Escalations".to_string(), 0),
        ];
        Picker::new(
            "Add 2 trace(s) to:",
            vec![
                Column::flex("Queue", 1, 10),
                Column::fixed("Items", 6).right(),
            ],
            items,
            |(n, c)| vec![n.clone(), c.to_string()],
        )
        .with_footer("Enter: add · Esc: cancel")
    }

    fn render(w: u16, h: u16, f: impl FnOnce(&mut ratatui::Frame)) -> String {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
        term.draw(f).expect("draw");
        buffer_text(term.backend().buffer())
    }

    #[test]
    fn actions_move_choose_and_cancel() {
        let mut p = queues();
        assert_eq!(p.handle_action(Action::Up), PickerEvent::Moved);
        assert_eq!(p.selected_index(), 0);
        p.handle_action(Action::Down);
        p.handle_action(Action::Down);
        p.handle_action(Action::Down);
        assert_eq!(p.selected_index(), 2, "stops at the last item");
        assert_eq!(p.handle_action(Action::First), PickerEvent::Moved);
        p.handle_action(Action::Last);
        assert_eq!(p.handle_action(Action::Open), PickerEvent::Chosen(2));
        assert_eq!(p.selected().map(|q| q.1), Some(0));
        assert_eq!(p.handle_action(Action::Back), PickerEvent::Cancelled);
        assert_eq!(p.handle_action(Action::Close), PickerEvent::Cancelled);
        assert_eq!(p.handle_action(Action::Mark), PickerEvent::Ignored);
        assert_eq!(p.into_item(1).map(|q| q.0), Some("Chats".to_string()));
    }

    #[test]
    fn nothing_is_chosen_from_an_empty_picker() {
        let mut p = Picker::labels("Pick", Vec::new());
        assert_eq!(p.handle_action(Action::Down), PickerEvent::Moved);
        assert_eq!(p.handle_action(Action::Open), PickerEvent::Ignored);
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PickerEvent::Ignored);
        assert_eq!(p.handle_key(key(KeyCode::Char('1'))), PickerEvent::Ignored);
        assert!(p.selected().is_none() && p.into_item(0).is_none());
    }

    #[test]
    fn keys_move_and_digits_pick_directly() {
        let mut p = Picker::labels("Pick", vec!["a".into(), "b".into(), "c".into()]);
        assert_eq!(p.handle_key(key(KeyCode::Char('j'))), PickerEvent::Moved);
        assert_eq!(p.handle_key(key(KeyCode::Down)), PickerEvent::Moved);
        assert_eq!(p.handle_key(key(KeyCode::Down)), PickerEvent::Moved);
        assert_eq!(p.selected().map(String::as_str), Some("c"));
        assert_eq!(p.handle_key(key(KeyCode::Char('k'))), PickerEvent::Moved);
        assert_eq!(p.handle_key(key(KeyCode::Up)), PickerEvent::Moved);
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PickerEvent::Chosen(0));
        assert_eq!(
            p.handle_key(key(KeyCode::Char('3'))),
            PickerEvent::Chosen(2)
        );
        assert_eq!(p.selected_index(), 2);
        assert_eq!(p.handle_key(key(KeyCode::Char('4'))), PickerEvent::Ignored);
        assert_eq!(p.handle_key(key(KeyCode::Char('0'))), PickerEvent::Ignored);
        assert_eq!(p.handle_key(key(KeyCode::Char('x'))), PickerEvent::Ignored);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PickerEvent::Cancelled);
        assert_eq!(
            p.handle_key(key(KeyCode::Char('q'))),
            PickerEvent::Cancelled
        );
    }

    #[test]
    fn a_long_list_scrolls_to_the_selection() {
        let items: Vec<String> = (1..=30).map(|i| format!("queue {i}")).collect();
        let mut p = Picker::new(
            "Pick a queue",
            vec![Column::flex("Queue", 1, 8)],
            items,
            |s| vec![s.clone()],
        );
        p.handle_action(Action::Last);
        let t = Theme::dark();
        let out = render(30, 10, |f| p.draw(f, f.area(), &t));
        assert!(out.contains("queue 30"), "{out}");
        assert!(!out.contains("queue 1 "), "{out}");
        p.handle_action(Action::PageUp);
        assert!(p.selected_index() < 29);
    }

    #[test]
    fn snapshot_picker_screen_and_popup() {
        let t = Theme::dark();
        let mut p = queues();
        p.handle_action(Action::Down);
        insta::assert_snapshot!(
            "picker_screen_50x9",
            render(50, 9, |f| p.draw(f, f.area(), &t))
        );
        let empty = Picker::new(
            "Add 1 thread(s) to:",
            vec![Column::flex("Queue", 1, 8)],
            Vec::<String>::new(),
            |s| vec![s.clone()],
        )
        .with_empty("No thread queue in this project: create one with :queues then n.");
        let mut empty = empty;
        insta::assert_snapshot!(
            "picker_empty_70x6",
            render(70, 6, |f| empty.draw(f, f.area(), &t))
        );
        let popup = Picker::labels(
            "Score the thread with",
            vec![
                "helpful  · boolean".into(),
                "accuracy  · numerical 0–1".into(),
            ],
        );
        insta::assert_snapshot!(
            "picker_popup_50x8",
            render(50, 8, |f| popup.draw_popup(f, f.area(), &t))
        );
    }
}

//! Screens (implementations of [`crate::app::Screen`]): the projects list, the traces table,
//! the trace view (span tree + detail), the conversation view, and the screens other modules
//! add.

pub mod annotate;
pub mod conversation;
pub mod dashboard;
#[cfg(any(test, feature = "test-support"))]
pub mod fixtures;
#[cfg(test)]
mod hostile_numbers;
pub mod projects;
pub mod queues;
pub mod share;
pub mod span_tree;
pub mod threads;
pub mod trace_view;
pub mod traces;
#[cfg(test)]
mod width_tests;

use crossterm::event::{MouseEvent, MouseEventKind};

use crate::app::{Action, Handled};
use crate::widgets::table::TableState;

/// What a mouse event on a list screen's table comes to.
pub enum ListMouse {
    /// Run this action as if its key had been pressed.
    Run(Action),
    /// Nothing more to do; whether the event was used.
    Done(Handled),
}

/// Mouse on a list screen's table (projects, traces, threads): the wheel moves like `j`/`k`, a
/// click selects a row and a click on the selected row opens it.
pub fn list_mouse(state: &mut TableState, len: usize, ev: MouseEvent) -> ListMouse {
    match ev.kind {
        MouseEventKind::ScrollDown => ListMouse::Run(Action::Down),
        MouseEventKind::ScrollUp => ListMouse::Run(Action::Up),
        MouseEventKind::Down(_) => match state.row_at(ev.column, ev.row, len) {
            Some(i) if i == state.selected => ListMouse::Run(Action::Open),
            Some(i) => {
                state.select(i, len);
                ListMouse::Done(Handled::Yes)
            }
            None => ListMouse::Done(Handled::No),
        },
        _ => ListMouse::Done(Handled::No),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyModifiers, MouseButton};
    use ratatui::layout::Rect;

    fn ev(kind: MouseEventKind, row: u16) -> MouseEvent {
        MouseEvent {
            kind,
            column: 3,
            row,
            modifiers: KeyModifiers::NONE,
        }
    }

    #[test]
    fn wheel_moves_click_selects_then_opens() {
        let mut s = TableState {
            rows_area: Rect::new(0, 2, 50, 10),
            ..TableState::default()
        };
        let click = MouseEventKind::Down(MouseButton::Left);
        assert!(matches!(
            list_mouse(&mut s, 100, ev(MouseEventKind::ScrollDown, 5)),
            ListMouse::Run(Action::Down)
        ));
        assert!(matches!(
            list_mouse(&mut s, 100, ev(MouseEventKind::ScrollUp, 5)),
            ListMouse::Run(Action::Up)
        ));
        assert!(matches!(
            list_mouse(&mut s, 100, ev(click, 5)),
            ListMouse::Done(Handled::Yes)
        ));
        assert_eq!(s.selected, 3);
        assert!(matches!(
            list_mouse(&mut s, 100, ev(click, 5)),
            ListMouse::Run(Action::Open)
        ));
        assert!(matches!(
            list_mouse(&mut s, 100, ev(click, 40)),
            ListMouse::Done(Handled::No)
        ));
        assert_eq!(s.selected, 3);
    }
}

//! One item of a queue's agreement, read-only (`Enter` on the agreement view's items): per
//! definition of the queue, every annotator's value and reason side by side (from the item's
//! `value_by_author`), marked where they differ. `j`/`k` scroll by definition; `Enter` opens
//! the trace (or the conversation of a thread queue) itself.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::annotate::agreement::{DefinitionAgreement, ItemAgreement};
use crate::annotate::session::ItemData;
use crate::app::{Action, Ctx, DrawCtx, Handled, KeyContext, NoMsg, Screen, ScreenRequest};
use crate::opik::model::AnnotationQueue;
use crate::render::lines::wrap_lines;
use crate::render::sanitize::{one_line, truncate_to_width};
use crate::theme::Theme;

/// Reason lines shown per annotator at most.
const MAX_REASON_LINES: usize = 6;

/// The screen that shows `item` of `project`: the trace view, or a thread's conversation.
pub fn open_request(project: String, item: &ItemData) -> Option<ScreenRequest> {
    match item {
        ItemData::Trace(t) => {
            t.id.map(|trace_id| ScreenRequest::Trace { project, trace_id })
        }
        ItemData::Thread(t) => Some(ScreenRequest::Thread {
            project,
            thread_id: t.id.clone(),
        }),
    }
}

/// Every annotator's scores of one item.
pub struct AgreementItemScreen {
    queue: AnnotationQueue,
    defs: Vec<DefinitionAgreement>,
    item: ItemAgreement,
    /// Everyone who scored the item, sorted.
    annotators: Vec<String>,
    /// The first definition shown (scrolling).
    first: usize,
}

impl AgreementItemScreen {
    pub fn new(
        queue: AnnotationQueue,
        defs: Vec<DefinitionAgreement>,
        item: ItemAgreement,
    ) -> Self {
        let mut annotators: Vec<String> = item
            .ratings
            .iter()
            .flat_map(|r| r.keys().cloned())
            .collect();
        annotators.sort();
        annotators.dedup();
        AgreementItemScreen {
            queue,
            defs,
            item,
            annotators,
            first: 0,
        }
    }

    fn open(&self, ctx: &mut Ctx<NoMsg>) {
        let Some(project) = self.queue.project_name.clone() else {
            ctx.toast_error("the queue names no project: cannot open the item");
            return;
        };
        if let Some(req) = open_request(project, &self.item.data) {
            ctx.open(req);
        }
    }

    /// One definition's block: its title line, then a column per annotator.
    fn block(&self, d: usize, width: u16, t: &Theme) -> (Line<'static>, Vec<Vec<Line<'static>>>) {
        let name = self.defs.get(d).map_or("?", |x| x.name.as_str());
        let ratings = &self.item.ratings[d];
        let state = match ratings.len() {
            0 => Span::styled("not scored", t.dim),
            1 => Span::styled("one annotator", t.dim),
            _ if self.item.disputed.iter().any(|x| x == name) => {
                Span::styled("≠ annotators differ", t.warning)
            }
            _ => Span::styled("= all agree", t.success),
        };
        let title = Line::from(vec![Span::styled(format!("{name}  "), t.accent), state]);
        let n = self.annotators.len().max(1) as u16;
        let col_w = (width.saturating_sub(n - 1) / n).max(1) as usize;
        let cols = self
            .annotators
            .iter()
            .map(|a| {
                let mut lines = vec![Line::styled(
                    truncate_to_width(a, col_w).into_owned(),
                    t.header,
                )];
                match ratings.get(a) {
                    None => lines.push(Line::styled("—", t.dim)),
                    Some(r) => {
                        lines.push(Line::styled(
                            truncate_to_width(&r.label, col_w).into_owned(),
                            t.text.add_modifier(ratatui::style::Modifier::BOLD),
                        ));
                        let reason = match &r.reason {
                            Some(why) => Line::styled(why.clone(), t.text),
                            None => Line::styled("(no reason)", t.dim),
                        };
                        let mut wrapped = wrap_lines(vec![reason], col_w);
                        if wrapped.len() > MAX_REASON_LINES {
                            wrapped.truncate(MAX_REASON_LINES);
                            wrapped.push(Line::styled("…", t.dim));
                        }
                        lines.extend(wrapped);
                    }
                }
                lines
            })
            .collect();
        (title, cols)
    }
}

impl Screen for AgreementItemScreen {
    type Msg = NoMsg;

    fn title(&self) -> String {
        format!("Agreement · {}", self.item.title)
    }

    fn context(&self) -> KeyContext {
        KeyContext::Agreement
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<NoMsg>) -> Handled {
        let last = self.defs.len().saturating_sub(1);
        match action {
            Action::Down | Action::ScrollDown | Action::PageDown => {
                self.first = (self.first + 1).min(last)
            }
            Action::Up | Action::ScrollUp | Action::PageUp => {
                self.first = self.first.saturating_sub(1)
            }
            Action::First => self.first = 0,
            Action::Last => self.first = last,
            Action::Open => self.open(ctx),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let it = &self.item;
        let mut facts = vec![format!("{} annotators", it.annotators)];
        if let Some(d) = it.disagreement {
            facts.push(format!("disagreement {d:.2}"));
        }
        if !it.disputed.is_empty() {
            facts.push(format!("disputed: {}", it.disputed.join(", ")));
        }
        let head = vec![
            Line::from(vec![
                Span::styled(one_line(&it.title), t.accent),
                Span::styled(format!(" · {}", facts.join(" · ")), t.dim),
            ]),
            Line::styled(it.preview.clone(), t.dim),
        ];
        let [head_area, body] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
        frame.render_widget(Paragraph::new(head), head_area);
        let mut y = body.y;
        for d in self.first..self.defs.len().min(it.ratings.len()) {
            let (title, cols) = self.block(d, body.width, t);
            let h = cols.iter().map(Vec::len).max().unwrap_or(1) as u16;
            if y + 1 >= body.bottom() {
                break;
            }
            frame.render_widget(Paragraph::new(title), Rect::new(body.x, y, body.width, 1));
            let rect = Rect::new(body.x, y + 1, body.width, h.min(body.bottom() - y - 1));
            let n = cols.len().max(1) as u32;
            let areas = Layout::horizontal((0..n).map(|_| Constraint::Ratio(1, n)))
                .spacing(1)
                .split(rect);
            for (col, a) in cols.into_iter().zip(areas.iter()) {
                frame.render_widget(Paragraph::new(col), *a);
            }
            y += h + 2;
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::Down, Action::Up, Action::Open]
    }

    fn hint_labels(&self) -> Vec<(Action, &'static str)> {
        let open = match self.item.data {
            ItemData::Trace(_) => "open trace",
            ItemData::Thread(_) => "open conversation",
        };
        vec![(Action::Open, open)]
    }
}

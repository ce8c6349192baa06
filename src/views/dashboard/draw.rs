//! Drawing the dashboard: the header line, the project view (KPI row, panels, notes) and
//! the overview.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::panels::draw_panels;
use super::table::draw_overview_table;
use super::{DashboardScreen, Target};
use crate::dashboard::kpi::{Kpi, Sentiment};
use crate::dashboard::range::TimeRange;
use crate::render::format;
use crate::render::sanitize::{one_line, truncate_to_width};
use crate::theme::Theme;

impl DashboardScreen {
    pub(super) fn header(&self, now: DateTime<Utc>, theme: &Theme, width: u16) -> Line<'static> {
        let full = self.header_line(now, theme, false);
        if full.width() <= width as usize {
            full
        } else {
            self.header_line(now, theme, true)
        }
    }

    fn header_line(&self, now: DateTime<Utc>, theme: &Theme, compact: bool) -> Line<'static> {
        let title = match &self.target {
            Target::Overview => "All projects".to_string(),
            Target::Project { name, .. } => one_line(name),
        };
        let mut spans = vec![
            Span::styled(format!(" {title} "), theme.title),
            Span::styled("│ ", theme.dim),
        ];
        for r in TimeRange::ALL {
            if r == self.range {
                spans.push(Span::styled(
                    format!("[{}]", r.label()),
                    theme.accent.add_modifier(Modifier::BOLD),
                ));
            } else {
                spans.push(Span::styled(format!(" {} ", r.label()), theme.dim));
            }
        }
        spans.push(Span::styled(
            if compact {
                " │ ".to_string()
            } else {
                format!(" │ {} buckets, UTC │ ", self.range.bucket().label())
            },
            theme.dim,
        ));
        match self.fetched_at() {
            Some(t) => spans.push(Span::styled(
                format!("updated {}", format::relative(t, now)),
                theme.text,
            )),
            None if self.error.is_some() => {
                spans.push(Span::styled("not loaded", theme.error));
            }
            None => spans.push(Span::styled("loading…", theme.dim)),
        }
        spans.push(Span::styled(" │ ", theme.dim));
        if self.paused {
            spans.push(Span::styled(
                if compact {
                    "⏸ paused"
                } else {
                    "⏸ paused (p resumes)"
                },
                theme.warning,
            ));
        } else {
            let secs = self.refresh.as_secs().max(1);
            spans.push(Span::styled(
                if compact {
                    format!("● live {secs}s")
                } else {
                    format!("● live every {secs}s")
                },
                theme.success,
            ));
        }
        if self.loading {
            spans.push(Span::styled(" ⟳", theme.dim));
        }
        Line::from(spans)
    }

    pub(super) fn draw_project(&mut self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let Some(data) = &self.project else {
            let msg = match &self.error {
                Some(e) => format!("{e}\n\nr retries"),
                None => "loading…".into(),
            };
            let style = if self.error.is_some() {
                theme.error
            } else {
                theme.dim
            };
            Paragraph::new(msg)
                .style(style)
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        };
        let per_row = (area.width / 15).max(1) as usize;
        let kpi_rows = data.kpis.len().div_ceil(per_row).max(1);
        let notes: Vec<String> = self
            .error
            .iter()
            .cloned()
            .chain(data.notes.iter().cloned())
            .collect();
        let notes_h = if notes.is_empty() { 0 } else { 1 };
        let [kpi_area, panels_area, notes_area] = Layout::vertical([
            Constraint::Length((kpi_rows * 3) as u16),
            Constraint::Min(0),
            Constraint::Length(notes_h),
        ])
        .areas(area);
        draw_kpis(&data.kpis, per_row, kpi_area, buf, theme);
        let (rows, shown) = draw_panels(data, self.scroll, panels_area, buf, theme);
        self.panel_rows = (rows, shown);
        if notes_h > 0 {
            let text = format!("⚠ {}", one_line(&notes.join("; ")));
            Paragraph::new(Span::styled(
                truncate_to_width(&text, notes_area.width as usize).into_owned(),
                theme.warning,
            ))
            .render(notes_area, buf);
        }
    }

    pub(super) fn draw_overview(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let Some(data) = &self.overview else {
            let msg = match &self.error {
                Some(e) => format!("{e}\n\nr retries"),
                None => "loading…".into(),
            };
            Paragraph::new(msg)
                .style(if self.error.is_some() {
                    theme.error
                } else {
                    theme.dim
                })
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        };
        if data.rows.is_empty() {
            Paragraph::new(
                "no projects yet — log traces with the Opik SDK (OPIK_URL_OVERRIDE=<this server>/api)",
            )
            .style(theme.dim)
            .wrap(Wrap { trim: true })
            .render(area, buf);
            return;
        }
        draw_overview_table(data, self.selected, area, buf, theme);
    }
}

fn sentiment_style(s: Sentiment, theme: &Theme) -> Style {
    match s {
        Sentiment::Good => theme.success,
        Sentiment::Bad => theme.error,
        Sentiment::Neutral => theme.dim,
    }
}

fn draw_kpis(kpis: &[Kpi], per_row: usize, area: Rect, buf: &mut Buffer, theme: &Theme) {
    if area.height == 0 || kpis.is_empty() {
        return;
    }
    let rows = kpis.chunks(per_row);
    for (r, chunk) in rows.enumerate() {
        let y = area.y + (r as u16) * 3;
        if y + 3 > area.bottom() {
            break;
        }
        let row = Rect::new(area.x, y, area.width, 3);
        let cells =
            Layout::horizontal(vec![Constraint::Ratio(1, per_row as u32); per_row]).split(row);
        for (kpi, cell) in chunk.iter().zip(cells.iter()) {
            let w = cell.width.saturating_sub(1) as usize;
            let label = truncate_to_width(&one_line(&kpi.label), w).into_owned();
            let value = truncate_to_width(&kpi.value_text(), w).into_owned();
            let delta = truncate_to_width(&kpi.delta_text(), w).into_owned();
            let lines = vec![
                Line::from(Span::styled(label, theme.dim)),
                Line::from(Span::styled(
                    value,
                    theme.accent.add_modifier(Modifier::BOLD),
                )),
                Line::from(Span::styled(delta, sentiment_style(kpi.sentiment(), theme))),
            ];
            Paragraph::new(lines).render(
                Rect::new(cell.x + 1, cell.y, cell.width.saturating_sub(1), 3),
                buf,
            );
        }
    }
}

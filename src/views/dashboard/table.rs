//! The overview table: one row per project with its traces, cost, p90 latency and errors,
//! each a value and a sparkline.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::dashboard::data::{OverviewData, OverviewRow};
use crate::dashboard::series::Series;
use crate::dashboard::units::Unit;
use crate::render::sanitize::{one_line, truncate_to_width};
use crate::theme::Theme;
use crate::widgets::chart::Spark;

pub(super) fn draw_overview_table(
    data: &OverviewData,
    selected: usize,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    if area.height < 2 {
        return;
    }
    let name_w = (area.width / 5).clamp(10, 28);
    let rest = area.width.saturating_sub(name_w + 1);
    let group = rest / 4;
    // Wide enough for every row's values (a tiny cost is `$0.000079`), at least 8.
    let widest = data
        .rows
        .iter()
        .flat_map(|row| overview_values(row).map(|t| crate::render::sanitize::display_width(&t)))
        .max()
        .unwrap_or(0);
    let val_w = u16::try_from(widest)
        .unwrap_or(u16::MAX)
        .max(8)
        .min(group.saturating_sub(2));
    let spark_w = group.saturating_sub(val_w + 2);
    let r = data.range.label();
    let heads = [
        format!("traces {r}"),
        format!("cost {r}"),
        "p90 latency".to_string(),
        format!("errors {r}"),
    ];
    let y0 = area.y;
    buf.set_string(area.x + 1, y0, "project", theme.header);
    for (i, h) in heads.iter().enumerate() {
        let x = area.x + name_w + 1 + group * i as u16;
        buf.set_string(
            x,
            y0,
            truncate_to_width(h, group.saturating_sub(1) as usize),
            theme.header,
        );
    }
    let visible = (area.height - 1) as usize;
    let first = selected.saturating_sub(visible.saturating_sub(1));
    for (i, row) in data.rows.iter().enumerate().skip(first).take(visible) {
        let y = y0 + 1 + (i - first) as u16;
        let sel = i == selected;
        if sel {
            buf.set_style(Rect::new(area.x, y, area.width, 1), theme.selection);
        }
        let name_style = if sel { theme.selection } else { theme.text };
        buf.set_string(
            area.x + 1,
            y,
            truncate_to_width(&one_line(&row.name), name_w.saturating_sub(2) as usize),
            name_style,
        );
        if let Some(e) = &row.error {
            buf.set_string(
                area.x + name_w + 1,
                y,
                truncate_to_width(&one_line(e), rest as usize),
                theme.error,
            );
            continue;
        }
        let [traces, cost, p90, errors] = overview_values(row);
        let cols: [(String, &Series, usize); 4] = [
            (traces, &row.traces, 0),
            (cost, &row.cost, 1),
            (p90, &row.p90, 2),
            (errors, &row.errors, 3),
        ];
        for (text, series, i) in cols {
            let x = area.x + name_w + 1 + group * i as u16;
            let val_style = if i == 3 && row.total_errors() > 0.0 {
                theme.error
            } else {
                theme.accent
            };
            buf.set_string(
                x,
                y,
                format!(
                    "{:>w$}",
                    truncate_to_width(&text, val_w as usize),
                    w = val_w as usize
                ),
                if sel { theme.selection } else { val_style },
            );
            if spark_w > 0 {
                Spark::new(series, theme.chart(i))
                    .empty("·", theme.dim)
                    .render(Rect::new(x + val_w + 1, y, spark_w, 1), buf);
            }
        }
    }
    if data.more > 0 && (data.rows.len() < visible) {
        let y = y0 + 1 + data.rows.len() as u16;
        buf.set_string(
            area.x + 1,
            y,
            format!("… {} more projects (least recently active)", data.more),
            theme.dim,
        );
    }
}

/// The overview's four values for a project row: traces, cost, p90 latency, errors.
fn overview_values(row: &OverviewRow) -> [String; 4] {
    [
        Unit::Count.format(row.total_traces()),
        row.total_cost()
            .map(|c| Unit::Cost.format(c))
            .unwrap_or_else(|| "–".into()),
        row.last_p90()
            .map(|v| Unit::DurationMs.format(v))
            .unwrap_or_else(|| "–".into()),
        Unit::Count.format(row.total_errors()),
    ]
}

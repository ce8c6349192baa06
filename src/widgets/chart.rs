//! Dashboard charts: a braille time-series chart with axes and unit-aware labels
//! ([`TimeChart`], one or more lines such as p50/p90/p99), and a one-row sparkline
//! ([`Spark`]) for KPI cards and the all-projects overview.
//!
//! Both take [`Series`] from `dashboard::series`, so gaps (`None`) are drawn as gaps, and a
//! series without data shows a short message (`no traces in 24h`) instead of a flat zero line.
//! Labels are UTC bucket starts. Styles are passed in, so the widgets do not depend on a theme.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Chart, Dataset, GraphType, LegendPosition, Paragraph, Sparkline, Widget,
};

use crate::dashboard::series::{Kind, Series};
use crate::dashboard::units::Unit;

/// One line of a [`TimeChart`].
#[derive(Debug, Clone)]
pub struct ChartLine<'a> {
    pub label: String,
    pub series: &'a Series,
    pub style: Style,
}

impl<'a> ChartLine<'a> {
    pub fn new(label: impl Into<String>, series: &'a Series, style: Style) -> Self {
        ChartLine {
            label: label.into(),
            series,
            style,
        }
    }
}

/// A braille line chart of one or more series sharing a bucket grid.
#[derive(Debug, Clone)]
pub struct TimeChart<'a> {
    lines: Vec<ChartLine<'a>>,
    unit: Unit,
    block: Option<Block<'a>>,
    axis_style: Style,
    empty_style: Style,
    empty_text: String,
}

impl<'a> TimeChart<'a> {
    pub fn new(lines: Vec<ChartLine<'a>>, unit: Unit) -> Self {
        TimeChart {
            lines,
            unit,
            block: None,
            axis_style: Style::default(),
            empty_style: Style::default(),
            empty_text: "no data".into(),
        }
    }

    pub fn block(mut self, block: Block<'a>) -> Self {
        self.block = Some(block);
        self
    }

    /// Style of axes and their labels.
    pub fn axis_style(mut self, style: Style) -> Self {
        self.axis_style = style;
        self
    }

    /// Message and style shown when no line has data.
    pub fn empty(mut self, text: impl Into<String>, style: Style) -> Self {
        self.empty_text = text.into();
        self.empty_style = style;
        self
    }

    fn has_data(&self) -> bool {
        self.lines.iter().any(|l| l.series.has_data())
    }
}

/// A "nice" upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten, at least `max`.
pub fn nice_ceiling(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let exp = max.log10().floor();
    let base = 10f64.powf(exp);
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * base >= max * (1.0 - 1e-9) {
            return m * base;
        }
    }
    10.0 * base
}

/// Runs of consecutive present values as `(x, y)` points.
fn segments(series: &Series) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for (i, v) in series.values.iter().enumerate() {
        match v.filter(|v| v.is_finite()) {
            Some(v) => cur.push((i as f64, v)),
            None if !cur.is_empty() => out.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn render_centered(text: &str, style: Style, area: Rect, buf: &mut Buffer) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let y = area.y + area.height.saturating_sub(1) / 2;
    Paragraph::new(Line::from(Span::styled(text.to_string(), style)))
        .alignment(Alignment::Center)
        .render(Rect::new(area.x, y, area.width, 1), buf);
}

impl Widget for TimeChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let inner = match &self.block {
            Some(b) => {
                let inner = b.inner(area);
                b.clone().render(area, buf);
                inner
            }
            None => area,
        };
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        if !self.has_data() {
            render_centered(&self.empty_text, self.empty_style, inner, buf);
            return;
        }
        let Some(first) = self.lines.first() else {
            return;
        };
        let times = &first.series.times;
        let n = times.len().max(1);
        let min = self
            .lines
            .iter()
            .filter_map(|l| l.series.min())
            .fold(0.0f64, f64::min);
        let max = self
            .lines
            .iter()
            .filter_map(|l| l.series.max())
            .fold(f64::MIN, f64::max);
        let top = nice_ceiling(max);
        let bottom = if min < 0.0 { -nice_ceiling(-min) } else { 0.0 };

        let data: Vec<Vec<Vec<(f64, f64)>>> =
            self.lines.iter().map(|l| segments(l.series)).collect();
        let show_legend = self.lines.len() > 1;
        let mut datasets = Vec::new();
        for (line, segs) in self.lines.iter().zip(&data) {
            for (j, seg) in segs.iter().enumerate() {
                let mut ds = Dataset::default()
                    .marker(Marker::Braille)
                    .graph_type(if seg.len() > 1 {
                        GraphType::Line
                    } else {
                        GraphType::Scatter
                    })
                    .style(line.style)
                    .data(seg);
                if show_legend && j == 0 {
                    ds = ds.name(line.label.clone());
                }
                datasets.push(ds);
            }
        }

        let bucket = first.series.bucket;
        let mut x_labels: Vec<Line> = Vec::new();
        if let (Some(a), Some(b)) = (times.first(), times.last()) {
            x_labels.push(Line::from(bucket.tick(*a)));
            if inner.width >= 36 && n >= 3 {
                x_labels.push(Line::from(bucket.tick(times[n / 2])));
            }
            x_labels.push(Line::from(bucket.tick(*b)));
        }
        let mut y_labels = vec![Line::from(self.unit.axis(bottom))];
        if inner.height >= 7 {
            y_labels.push(Line::from(self.unit.axis((bottom + top) / 2.0)));
        }
        y_labels.push(Line::from(self.unit.axis(top)));

        let chart = Chart::new(datasets)
            .x_axis(
                Axis::default()
                    .bounds([0.0, (n - 1).max(1) as f64])
                    .labels(x_labels)
                    .style(self.axis_style),
            )
            .y_axis(
                Axis::default()
                    .bounds([bottom, top])
                    .labels(y_labels)
                    .style(self.axis_style),
            )
            .legend_position(Some(LegendPosition::TopLeft))
            .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)));
        chart.render(inner, buf);
    }
}

/// A one-row sparkline of a series; the most recent buckets win when it is wider than the
/// area. A series without data shows `empty_text` instead.
#[derive(Debug, Clone)]
pub struct Spark<'a> {
    series: &'a Series,
    style: Style,
    empty_style: Style,
    empty_text: &'a str,
}

impl<'a> Spark<'a> {
    pub fn new(series: &'a Series, style: Style) -> Self {
        Spark {
            series,
            style,
            empty_style: style,
            empty_text: "no data",
        }
    }

    pub fn empty(mut self, text: &'a str, style: Style) -> Self {
        self.empty_text = text;
        self.empty_style = style;
        self
    }

    /// The values fitted into `width` columns and scaled to 0..=100 (None stays None; any
    /// non-zero value is at least 1 so it shows). A series longer than `width` is merged in
    /// groups of adjacent buckets (summed for additive series, averaged for levels), so the
    /// whole range stays visible.
    pub fn scaled(series: &Series, width: usize) -> Vec<Option<u64>> {
        let width = width.max(1);
        let group = series.values.len().div_ceil(width).max(1);
        let merged: Vec<Option<f64>> = series
            .values
            .chunks(group)
            .map(|c| {
                let vals: Vec<f64> = c
                    .iter()
                    .flatten()
                    .copied()
                    .filter(|v| v.is_finite())
                    .collect();
                if vals.is_empty() {
                    return None;
                }
                let sum: f64 = vals.iter().sum();
                Some(match series.kind {
                    Kind::Additive => sum,
                    Kind::Level => sum / vals.len() as f64,
                })
            })
            .collect();
        let max = merged.iter().flatten().copied().fold(0.0f64, f64::max);
        merged
            .into_iter()
            .map(|v| {
                v.map(|v| {
                    if max <= 0.0 || v <= 0.0 {
                        0
                    } else {
                        ((v / max * 100.0).round() as u64).clamp(1, 100)
                    }
                })
            })
            .collect()
    }
}

impl Widget for Spark<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        if !self.series.has_data() {
            Paragraph::new(Span::styled(self.empty_text.to_string(), self.empty_style))
                .render(area, buf);
            return;
        }
        let data = Spark::scaled(self.series, area.width as usize);
        Sparkline::default()
            .data(data)
            .max(100)
            .style(self.style)
            .absent_value_symbol(" ")
            .render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::range::{Bucket, Window};
    use crate::dashboard::series::align;
    use chrono::{DateTime, TimeZone, Utc};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Borders;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, 0, 0).unwrap()
    }

    fn window() -> Window {
        Window {
            start: at(0),
            end: at(12),
        }
    }

    fn series(name: &str, vals: &[Option<f64>], kind: Kind) -> Series {
        align(
            name,
            vals.iter().enumerate().map(|(i, v)| (at(i as u32), *v)),
            window(),
            Bucket::Hour,
            kind,
        )
    }

    fn render(w: u16, h: u16, f: impl FnOnce(&mut ratatui::Frame)) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(f).unwrap();
        let buf = t.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(2.1), 2.5);
        assert_eq!(nice_ceiling(2300.0), 2500.0);
        assert_eq!(nice_ceiling(0.013), 0.02);
        assert_eq!(nice_ceiling(100.0), 100.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
    }

    #[test]
    fn segments_split_on_gaps() {
        let s = series(
            "p50",
            &[
                Some(1.0),
                Some(2.0),
                None,
                Some(4.0),
                None,
                None,
                Some(5.0),
                Some(6.0),
            ],
            Kind::Level,
        );
        let segs = segments(&s);
        assert_eq!(segs.len(), 3);
        assert_eq!(segs[1], vec![(3.0, 4.0)]);
        assert_eq!(segs[2], vec![(6.0, 5.0), (7.0, 6.0)]);
    }

    #[test]
    fn latency_chart_with_three_lines() {
        let vals = |k: f64| -> Vec<Option<f64>> {
            (0..12)
                .map(|i| {
                    if i == 5 {
                        None
                    } else {
                        Some(k * (300.0 + 40.0 * ((i * 7) % 5) as f64))
                    }
                })
                .collect()
        };
        let p50 = series("duration.p50", &vals(1.0), Kind::Level);
        let p90 = series("duration.p90", &vals(2.5), Kind::Level);
        let p99 = series("duration.p99", &vals(5.0), Kind::Level);
        let out = render(60, 14, |f| {
            let chart = TimeChart::new(
                vec![
                    ChartLine::new("p50", &p50, Style::default()),
                    ChartLine::new("p90", &p90, Style::default()),
                    ChartLine::new("p99", &p99, Style::default()),
                ],
                Unit::DurationMs,
            )
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title("latency · hourly"),
            );
            f.render_widget(chart, f.area());
        });
        assert!(out.contains("2.5 s"), "{out}");
        assert!(out.contains("00:00") && out.contains("11:00"), "{out}");
        insta::assert_snapshot!(out);
    }

    #[test]
    fn small_chart_still_has_labels() {
        let s = series(
            "traces",
            &[Some(3.0), Some(0.0), Some(8.0), Some(1.0)],
            Kind::Additive,
        );
        let out = render(24, 6, |f| {
            f.render_widget(
                TimeChart::new(
                    vec![ChartLine::new("traces", &s, Style::default())],
                    Unit::Count,
                ),
                f.area(),
            );
        });
        insta::assert_snapshot!(out);
        assert!(out.contains("10"), "{out}");
        assert!(out.contains("00:00"), "{out}");
    }

    #[test]
    fn empty_series_says_so() {
        let s = series("traces", &[], Kind::Additive);
        let out = render(30, 5, |f| {
            f.render_widget(
                TimeChart::new(
                    vec![ChartLine::new("traces", &s, Style::default())],
                    Unit::Count,
                )
                .empty("no traces in 24h", Style::default()),
                f.area(),
            );
        });
        assert!(out.contains("no traces in 24h"), "{out}");
        assert!(!out.contains('⣀'), "{out}");
        let zeros = series("errors", &[Some(0.0); 12], Kind::Additive);
        let out = render(30, 1, |f| {
            f.render_widget(
                Spark::new(&zeros, Style::default()).empty("no errors", Style::default()),
                f.area(),
            );
        });
        assert_eq!(out.trim_end(), "no errors");
    }

    #[test]
    fn sparkline_scales_and_keeps_recent() {
        let mut s = series("traces", &[], Kind::Level);
        s.values = vec![Some(1.0), Some(2.0), Some(4.0), None, Some(8.0)];
        s.times.truncate(5);
        let scaled = Spark::scaled(&s, 5);
        assert_eq!(scaled, vec![Some(13), Some(25), Some(50), None, Some(100)]);
        // Too long for the width: adjacent buckets merge (levels average), nothing is cut.
        let scaled = Spark::scaled(&s, 3);
        assert_eq!(scaled, vec![Some(19), Some(50), Some(100)]);
        let mut counts = s.clone();
        counts.kind = Kind::Additive;
        assert_eq!(
            Spark::scaled(&counts, 3),
            vec![Some(38), Some(50), Some(100)]
        );
        let out = render(12, 1, |f| {
            f.render_widget(Spark::new(&s, Style::default()), f.area());
        });
        insta::assert_snapshot!(out);
    }
}

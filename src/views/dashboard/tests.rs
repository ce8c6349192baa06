use super::panels::panels;
use super::samples::{sample_overview, sample_project};
use super::*;
use crate::app::testing::{buffer_text, fixed_now, render_screen};
use crate::dashboard::data::SeriesSet;
use crate::dashboard::kpi::{KpiInputs, build_kpis};
use crate::dashboard::units::Unit;
use crate::theme::Theme;

fn screen_text(s: &mut DashboardScreen, w: u16, h: u16) -> String {
    buffer_text(&render_screen(s, w, h, &Theme::dark()))
}

#[test]
fn project_dashboard_snapshots() {
    let mut s = DashboardScreen::offline(Some("checkout-bot".into()), DEFAULT_REFRESH);
    s.set_project_data(sample_project());
    let big = screen_text(&mut s, 160, 45);
    assert!(big.contains("[24h]"), "{big}");
    assert!(
        big.contains("updated just now") || big.contains("updated"),
        "{big}"
    );
    assert!(big.contains("1,840") || big.contains("1.8k"), "{big}");
    assert!(big.contains("▲ +22.7%"), "{big}");
    assert!(big.contains("latency p50/p90/p99"), "{big}");
    assert!(big.contains("p99"), "{big}");
    assert!(big.contains("score relevance"), "{big}");
    insta::assert_snapshot!("project_160x45", big);
    let small = screen_text(&mut s, 80, 24);
    assert!(small.contains("traces"), "{small}");
    insta::assert_snapshot!("project_80x24", small);
}

#[test]
fn empty_project_says_no_data() {
    let mut data = sample_project();
    let w = data.window;
    data.series = SeriesSet::empty(w, data.range.bucket());
    data.kpis = build_kpis(&KpiInputs::default());
    data.notes = vec!["FEEDBACK_SCORES metrics: Opik server error (HTTP 500): boom".into()];
    let mut s = DashboardScreen::offline(Some("quiet".into()), DEFAULT_REFRESH);
    s.set_project_data(data);
    let out = screen_text(&mut s, 120, 30);
    assert!(out.contains("no traces in 24h"), "{out}");
    assert!(out.contains("no latency data in 24h"), "{out}");
    assert!(out.contains("no errors in 24h"), "{out}");
    assert!(out.contains("⚠ FEEDBACK_SCORES metrics"), "{out}");
    assert!(!out.contains('⣀'), "no chart lines expected:\n{out}");
    insta::assert_snapshot!("project_empty_120x30", out);
}

#[test]
fn overview_snapshots() {
    let mut s = DashboardScreen::offline(None, DEFAULT_REFRESH);
    s.set_overview_data(sample_overview());
    let out = screen_text(&mut s, 120, 12);
    assert!(out.contains("All projects"), "{out}");
    assert!(out.contains("checkout-bot"), "{out}");
    assert!(out.contains("HTTP 500"), "{out}");
    assert!(!out.contains('\u{1b}'), "escape sequences must be stripped");
    assert!(out.contains("2 more projects"), "{out}");
    insta::assert_snapshot!("overview_120x12", out);
    let small = screen_text(&mut s, 80, 24);
    insta::assert_snapshot!("overview_80x24", small);
}

#[test]
fn a_score_chart_title_gives_the_range_average_not_the_mean_of_buckets() {
    let data = sample_project();
    let kpi = data
        .kpis
        .iter()
        .find(|k| k.label == "relevance")
        .and_then(|k| k.current)
        .expect("relevance KPI");
    let series_mean = data.series.scores[0].mean().expect("mean");
    assert!((kpi - series_mean).abs() > 0.005, "{kpi} vs {series_mean}");
    let p = panels(&data);
    let title = &p
        .iter()
        .find(|p| p.title.starts_with("score"))
        .expect("panel")
        .title;
    assert_eq!(
        title,
        &format!("score relevance · avg {}", Unit::Score.format(kpi))
    );
}

#[test]
fn overview_shows_a_tiny_cost_whole() {
    let mut data = sample_overview();
    let row = &mut data.rows[1];
    for v in row.cost.values.iter_mut() {
        *v = None;
    }
    if let Some(v) = row.cost.values.last_mut() {
        *v = Some(0.000079);
    }
    let mut s = DashboardScreen::offline(None, DEFAULT_REFRESH);
    s.set_overview_data(data);
    let out = screen_text(&mut s, 160, 12);
    assert!(out.contains("$0.000079"), "{out}");
    assert!(!out.contains("$0.0000…"), "{out}");
}

#[test]
fn header_shows_pause_and_loading_states() {
    let mut s = DashboardScreen::offline(Some("p".into()), Duration::from_secs(10));
    let out = screen_text(&mut s, 100, 3);
    assert!(out.contains("loading…"), "{out}");
    assert!(out.contains("live every 10s"), "{out}");
    s.paused = true;
    s.set_error("project `p` not found — check the name with :projects");
    let out = screen_text(&mut s, 100, 6);
    assert!(out.contains("paused"), "{out}");
    assert!(out.contains("not found"), "{out}");
    assert!(out.contains("r retries"), "{out}");
}

#[test]
fn refresh_is_due_after_the_period() {
    let mut s = DashboardScreen::offline(None, Duration::from_secs(5));
    assert!(s.due(fixed_now()));
    s.last_attempt = Some(fixed_now());
    assert!(!s.due(fixed_now() + chrono::Duration::seconds(4)));
    assert!(s.due(fixed_now() + chrono::Duration::seconds(5)));
    assert_eq!(
        DashboardScreen::offline(None, Duration::ZERO).refresh,
        DEFAULT_REFRESH
    );
}

#[test]
fn c_picks_two_of_the_projects_scores_to_compare() {
    use crate::app::screen::Effect;
    let mut overview = DashboardScreen::offline(None, DEFAULT_REFRESH);
    let mut s = DashboardScreen::offline(Some("checkout-bot".into()), DEFAULT_REFRESH);
    s.set_project_data(sample_project());
    assert!(s.hints().contains(&Action::Compare));
    let (_, effects) = crate::app::testing::with_ctx(|ctx| {
        overview.handle_action(Action::Compare, ctx);
        s.handle_action(Action::Compare, ctx);
    });
    match &effects[..] {
        [Effect::Toast(_, msg), Effect::Push(picker)] => {
            assert!(msg.contains("Open a project's dashboard"), "{msg}");
            assert_eq!(picker.title(), "Compare scores");
        }
        _ => panic!(
            "a toast on the overview, then the picker: {} effects",
            effects.len()
        ),
    }
}

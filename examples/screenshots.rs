//! Regenerates `screenshots/*.svg`: every screen of the trace browser rendered from the
//! deterministic demo fixtures through the real shell into a ratatui TestBackend, written as
//! SVG. Run: `cargo run --example screenshots` (after UI changes; the README shows them).
#![allow(clippy::unwrap_used)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::testing::{
    buffer_to_svg, fixed_now, no_opener, render_app, test_app, unreachable_client,
};
use opik_tui::app::{App, DynScreen, ScreenRequest};
use opik_tui::theme::Theme;
use opik_tui::views::fixtures;
use opik_tui::views::projects::ProjectsScreen;
use opik_tui::views::trace_view::TraceViewScreen;
use opik_tui::views::traces::{TraceRow, TracesScreen};

fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        app.handle_key(KeyEvent::new(code, KeyModifiers::NONE), fixed_now());
    }
}

fn shot(name: &str, screen: Box<dyn DynScreen>, theme: &str, keys_in: &str) -> std::io::Result<()> {
    let mut app = test_app(no_opener());
    app.theme = Theme::builtin(theme).unwrap_or_default();
    app.push(screen, fixed_now());
    keys(&mut app, keys_in);
    let buf = render_app(&mut app, 140, 40);
    let svg = buffer_to_svg(&buf, &app.theme);
    let path = format!("screenshots/{name}.svg");
    std::fs::write(&path, svg)?;
    println!("wrote {path}");
    Ok(())
}

/// A queue two annotators scored (`views::fixtures::scores`): the agreement view.
fn agreement() -> Box<dyn DynScreen> {
    use opik_tui::annotate::agreement::QueueAgreement;
    use opik_tui::views::fixtures::scores::{agreement_items, definitions, queue};
    let data = QueueAgreement::compute(queue(), &definitions(), agreement_items());
    Box::new(opik_tui::views::agreement::AgreementScreen::with_data(
        unreachable_client(),
        data,
    ))
}

/// An SME's `safe` against an LLM judge's (`:compare safe@ui safe@online_scoring`).
fn compare() -> Box<dyn DynScreen> {
    use opik_tui::dashboard::TimeRange;
    use opik_tui::dashboard::compare::{Comparison, ScoreSpec};
    use opik_tui::views::fixtures::scores::{SAFE_ROWS, definitions, safe_by_source};
    let spec = |s: &str| ScoreSpec::parse(s).unwrap();
    let data = Comparison::compute(
        spec("safe@ui"),
        spec("safe@online_scoring"),
        safe_by_source(&SAFE_ROWS),
        &definitions(),
    );
    Box::new(opik_tui::views::compare::CompareScreen::with_data(
        unreachable_client(),
        "support-bot",
        data,
        TimeRange::Week,
    ))
}

fn traces() -> Box<dyn DynScreen> {
    let rows: Vec<TraceRow> = fixtures::traces(80, fixed_now())
        .iter()
        .map(TraceRow::from_trace)
        .collect();
    Box::new(TracesScreen::with_rows("support-bot", rows, Some(12_345)))
}

fn trace_view() -> Box<dyn DynScreen> {
    let (trace, spans) = fixtures::agent_trace(fixed_now(), 0);
    Box::new(TraceViewScreen::with_data(
        "support-bot",
        trace.id.unwrap_or_default(),
        Some(trace),
        spans,
    ))
}

fn main() -> std::io::Result<()> {
    std::fs::create_dir_all("screenshots")?;
    let projects = || {
        Box::new(ProjectsScreen::with_rows(
            fixtures::projects(fixed_now()),
            Some(5),
        ))
    };
    shot("projects", projects(), "dark", "j")?;
    shot("traces", traces(), "dark", "jjj")?;
    shot(
        "traces-filter",
        traces(),
        "dark",
        "fduration > 2 and tags contains \"prod\"",
    )?;
    shot("trace-view", trace_view(), "dark", "")?;
    shot("trace-view-output-markdown", trace_view(), "dark", "]")?;
    shot("trace-view-llm-span", trace_view(), "dark", "jj")?;
    shot("trace-view-error", trace_view(), "dark", "jjjjj]]]]]")?;
    shot("trace-view-scores", trace_view(), "dark", "]]]]")?;
    shot("help", traces(), "dark", "?")?;
    shot("command-line", projects(), "dark", ":t\t")?;
    shot("traces-light", traces(), "light", "jj")?;
    shot(
        "trace-view-high-contrast",
        trace_view(),
        "high-contrast",
        "jj",
    )?;
    shot("traces-ansi16", traces(), "ansi16", "jj")?;
    let dashboard = |project: bool| -> Box<dyn DynScreen> {
        use opik_tui::views::dashboard::{DEFAULT_REFRESH, DashboardScreen, samples};
        let mut s =
            DashboardScreen::offline(project.then(|| "checkout-bot".into()), DEFAULT_REFRESH);
        if project {
            s.set_project_data(samples::sample_project());
        } else {
            s.set_overview_data(samples::sample_overview());
        }
        Box::new(s)
    };
    shot("dashboard", dashboard(true), "dark", "")?;
    shot("agreement", agreement(), "dark", "")?;
    shot("compare", compare(), "dark", "")?;
    shot("dashboard-overview", dashboard(false), "dark", "")?;
    let probe: opik_tui::app::connect::Probe = std::sync::Arc::new(|| Box::pin(async { Ok(()) }));
    shot(
        "connect-failed",
        Box::new(opik_tui::app::connect::ConnectScreen::failed(
            "http://127.0.0.1:5173/api",
            ScreenRequest::Projects,
            probe,
            "cannot connect to http://127.0.0.1:5173/api: connection refused — is Opik running? set --url or OPIK_URL_OVERRIDE",
        )),
        "dark",
        "",
    )?;
    Ok(())
}

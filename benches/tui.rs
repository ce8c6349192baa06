//! TUI performance benchmark (issue 4 §10). Run: `cargo bench --bench tui`.
//!
//! Measures, through the real shell and screens rendering into a ratatui `TestBackend`
//! (which diffs frames like the real terminal backend, minus the terminal write):
//! - keypress-to-frame (handle the key, then draw) while scrolling a 100k-row traces table
//!   and a 10k-span trace tree: p50 / p99 / max;
//! - first frame: building the app and drawing its first screen;
//! - memory: resident set size with 100k traces loaded (JSON pages parsed with the client's
//!   lenient parser, turned into table rows);
//! - idle: whether the loop would wake up at all with nothing to do;
//! - a 20,000-item queue's agreement and a comparison of two scores over it, in CPU time.
//!
//! `cargo bench` passes `--bench`; without it (`cargo test --all-targets` runs harness-less
//! bench binaries too, unoptimised) a smoke run with 1k traces, 200 spans and a few keys per
//! measurement only checks that the benchmark still works.
#![allow(clippy::unwrap_used)]

#[path = "tui/heavy.rs"]
mod heavy;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::App;
use opik_tui::app::testing::{fixed_now, no_opener, test_app};
use opik_tui::opik::model::{Page, Trace, parse_lenient};
use opik_tui::views::fixtures;
use opik_tui::views::trace_view::TraceViewScreen;
use opik_tui::views::traces::{TraceRow, TracesScreen};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The same allocator as the `opik-tui` binary (see `src/main.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn rss_mb() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<48} n={:<6} p50={:>8.3} ms  p99={:>8.3} ms  max={:>8.3} ms",
        samples.len(),
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// Press `keys` in turn, drawing after each; returns per-key times.
fn drive(
    app: &mut App,
    term: &mut Terminal<TestBackend>,
    keys: &[KeyCode],
    n: usize,
) -> Vec<Duration> {
    let now = fixed_now();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let k = keys[i % keys.len()];
        let t = Instant::now();
        app.handle_key(key(k), now);
        term.draw(|f| app.draw(f, now)).expect("draw");
        out.push(t.elapsed());
    }
    out
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    // Sizes and key presses: the real benchmark, or a smoke run a few iterations long.
    let (n_traces, n_spans) = if full {
        (100_000, 10_000)
    } else {
        (1_000, 200)
    };
    // The heavy benchmark's child processes (logging, one terminal size each).
    if heavy::child_main(full) {
        return;
    }
    // `cargo bench --bench tui -- heavy`: only the heavy trace.
    let only_heavy = std::env::args().any(|a| a == "heavy");
    heavy::run(full);
    if only_heavy {
        return;
    }
    let keys = |n: usize| if full { n } else { n.min(10) };
    let now = fixed_now();
    println!(
        "opik-tui TUI benchmark (160x45 TestBackend){}\n",
        if full { "" } else { ", smoke run (no --bench)" }
    );

    // First frame.
    let t = Instant::now();
    let mut app = test_app(no_opener());
    app.push(
        Box::new(opik_tui::views::projects::ProjectsScreen::with_rows(
            fixtures::projects(now),
            Some(5),
        )),
        now,
    );
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("backend");
    term.draw(|f| app.draw(f, now)).expect("draw");
    println!(
        "first frame (app + projects screen + draw): {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    println!(
        "idle wake-ups with nothing in flight: {}",
        match app.next_wakeup(now) {
            None => "none (the loop sleeps until input)".to_string(),
            Some(d) => format!("every {d:?}"),
        }
    );

    // Memory with 100k traces: parse JSON pages as they come from the server, keep rows.
    let base = rss_mb();
    let mut rows: Vec<TraceRow> = Vec::with_capacity(n_traces);
    for start in (0..n_traces).step_by(100) {
        let page = Page {
            page: Some(1),
            size: Some(100),
            total: Some(n_traces as i64),
            content: fixtures::traces_range(start, 100, n_traces, now),
            sortable_by: None,
        };
        let bytes = serde_json::to_vec(&page).expect("json");
        let parsed: Page<Trace> = parse_lenient(&bytes).expect("parse");
        rows.extend(parsed.content.iter().map(TraceRow::from_trace));
    }
    let t = Instant::now();
    assert_eq!(rows.len(), n_traces, "every trace became a row");
    let mut screen = TracesScreen::with_rows("bench", rows, Some(n_traces as i64));
    screen.list.table.selected = 0;
    println!(
        "built {n_traces}-row traces screen in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    println!(
        "memory: RSS {:.1} MB with {n_traces} traces loaded ({:.1} MB before loading)",
        rss_mb(),
        base
    );

    let mut app = test_app(no_opener());
    app.push(Box::new(screen), now);
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("backend");
    term.draw(|f| app.draw(f, now)).expect("draw");
    let down = drive(&mut app, &mut term, &[KeyCode::Char('j')], keys(5_000));
    report("traces: j (down)", down);
    let pages = drive(&mut app, &mut term, &[KeyCode::PageDown], keys(1_000));
    report("traces: PgDn", pages);
    let jumps = drive(
        &mut app,
        &mut term,
        &[KeyCode::Char('G'), KeyCode::Char('g')],
        keys(400),
    );
    report("traces: G / g (last / first)", jumps);
    drop(app);

    // 10k-span tree.
    let (trace, spans) = fixtures::agent_trace(now, n_spans);
    let t = Instant::now();
    let screen =
        TraceViewScreen::with_data("bench", trace.id.unwrap_or_default(), Some(trace), spans);
    println!(
        "\nbuilt {n_spans}-span tree in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut app = test_app(no_opener());
    app.push(Box::new(screen), now);
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("backend");
    term.draw(|f| app.draw(f, now)).expect("draw");
    let down = drive(&mut app, &mut term, &[KeyCode::Char('j')], keys(5_000));
    report("span tree: j (down)", down);
    let pages = drive(&mut app, &mut term, &[KeyCode::PageDown], keys(500));
    report("span tree: PgDn", pages);
    let folds = drive(
        &mut app,
        &mut term,
        &[KeyCode::Char('-'), KeyCode::Char('+')],
        keys(200),
    );
    report("span tree: fold all / unfold all", folds);
    println!("\nRSS at end: {:.1} MB", rss_mb());
    agreement_and_compare(if full { 20_000 } else { 200 });
}

/// CPU time this thread has used (`/proc/thread-self/schedstat`, nanoseconds on the CPU).
fn thread_cpu() -> Duration {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = s
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

/// A queue's agreement (3 annotators, a categorical and a numerical definition) and a
/// comparison of two scores over `n` items: the work the agreement and compare views do in
/// their task once the items are read, in CPU time.
fn agreement_and_compare(n: usize) {
    use opik_tui::annotate::agreement::QueueAgreement;
    use opik_tui::dashboard::compare::{Comparison, ScoreSpec};
    use opik_tui::views::fixtures::scores::{QUEUE, by, definitions, queue, score, trace_item};
    let items: Vec<_> = (0..n)
        .map(|i| {
            let v = |k: usize| ((i * 7 + k * 3) % 11) as f64;
            let cat = |k: usize| {
                if (i + k).is_multiple_of(4) {
                    (0.0, "bad")
                } else {
                    (1.0, "good")
                }
            };
            let acc = (0..3)
                .map(|k| {
                    by(["alice", "bob", "carol"][k], cat(k).0)
                        .cat(cat(k).1)
                        .queue(QUEUE)
                })
                .collect::<Vec<_>>();
            let help = (0..3)
                .map(|k| by(["alice", "bob", "carol"][k], v(k)).queue(QUEUE))
                .collect::<Vec<_>>();
            let judge = by("judge", v(5) / 10.0).source("online_scoring");
            trace_item(
                i as u128 + 1,
                vec![
                    score("accuracy", &acc),
                    score("helpfulness", &help),
                    score("judge", &[judge]),
                ],
            )
        })
        .collect();
    let defs = definitions();
    let copy = items.clone();
    let t = thread_cpu();
    let a = QueueAgreement::compute(queue(), &defs, copy);
    let cpu = thread_cpu() - t;
    println!(
        "\nagreement of a {n}-item queue (3 annotators, 2 definitions, {} pairs): {:.1} ms CPU",
        a.definitions.iter().map(|d| d.pairs.len()).sum::<usize>(),
        cpu.as_secs_f64() * 1e3
    );
    let spec = |s: &str| ScoreSpec::parse(s).unwrap();
    let t = thread_cpu();
    let c = Comparison::compute(spec("judge"), spec("helpfulness@ui"), items, &defs);
    let cpu = thread_cpu() - t;
    println!(
        "comparison of two scores over {} items: {:.1} ms CPU",
        c.pairs.len(),
        cpu.as_secs_f64() * 1e3
    );
}

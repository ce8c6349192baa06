//! The TUI application: an async loop around a stack of screens.
//!
//! # How it fits together
//! - **Actions** ([`action::Action`]): one serde enum of everything a key can mean
//!   (`down`, `open`, `live_tail`, …). Keys never reach screens as raw keys, except while a
//!   screen captures text (search box).
//! - **Keymap** ([`keymap::KeyMap`]): default bindings plus the settings' `[keys]` table
//!   (`j = "down"`, `"traces.L" = "live_tail"`). Lookups go context-first (a screen's
//!   [`Screen::context`]), then global. The hint bar and the `?` overlay are generated from
//!   it and from each screen's [`Screen::hints`].
//! - **Screens** ([`screen::Screen`]): one trait — `handle_action`, `handle_key` (text
//!   input), `handle_mouse`, `on_result`, `on_tick`, `refresh`, `draw`, `hints`. The shell
//!   ([`shell::App`]) keeps a stack: `Enter` pushes, `Esc` goes back, `q` closes (quits on
//!   the first screen), `Ctrl-c` quits anywhere.
//! - **Tasks** ([`tasks::Tasks`]): a screen never awaits. It calls
//!   `ctx.spawn("page", async move { client.list_traces(&q).await })`; the output comes back
//!   to its `on_result` as a [`screen::TaskOutput`] with that key (`out.take::<T>()`). Results
//!   for closed screens and superseded requests (same key) are dropped by the shell. While
//!   anything is in flight the status bar spins.
//! - **Effects**: through [`screen::Ctx`] a screen opens screens (`ctx.open(ScreenRequest)`
//!   or `ctx.push(Box<dyn Screen>)`), closes itself (`ctx.pop()`), shows toasts
//!   (`ctx.toast_error`), copies to the clipboard (`ctx.copy`, OSC 52), marks the data as
//!   refreshed (`ctx.refreshed()`, status bar time) and sets the current project.
//! - **Loop** ([`run`]): `tokio::select!` over crossterm's `EventStream`, the task channel and
//!   a timer that is only armed while something needs it (spinner, toast expiry, a screen's
//!   [`Screen::tick_interval`] such as live tail). It redraws only when state changed, so an
//!   idle app uses no CPU. The terminal is restored on quit, on error and on panic.
//!
//! # Adding a screen
//! 1. Write `struct MyScreen` in `src/views/my.rs` implementing [`Screen`]; keep a cloned
//!    `OpikClient` (from [`AppEnv`]) and start loading in `on_open` with `ctx.spawn`.
//! 2. Add a [`ScreenRequest`] variant if it is opened by name, and an arm in
//!    [`registry::open`] that builds it.
//! 3. If it needs new keys, add [`Action`] variants (with label, description, default key).
//! 4. Draw with `ctx.theme` styles only and pass all trace text through `render::sanitize`.
//! 5. Snapshot it: build it with fixed data and render with [`testing::render_screen`].

pub mod action;
pub mod commands;
pub mod connect;
pub mod keymap;
pub mod screen;
pub mod shell;
pub mod tasks;
pub mod terminal;
pub mod testing;

pub use action::Action;
pub use keymap::{Key, KeyMap};
pub use screen::{Ctx, DrawCtx, Handled, Screen, ScreenId, ScreenRequest, TaskOutput, ToastLevel};
pub use shell::App;

//! The screen stack at work: running a screen with a [`Ctx`] and applying the effects it
//! asks for, routing task results, ticks and wake-ups.

use chrono::{DateTime, Utc};

use super::App;
use crate::app::screen::{Ctx, DynScreen, Effect, NoMsg, TaskOutput, ToastLevel};
use crate::app::tasks::TaskMsg;

impl App {
    /// Run `f` on the top screen with a [`Ctx`], then apply the effects it asked for.
    pub(super) fn with_top<R>(
        &mut self,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut dyn DynScreen, &mut Ctx<NoMsg>) -> R,
    ) -> Option<R> {
        let mut effects = Vec::new();
        let r = {
            let (id, screen) = self.stack.last_mut()?;
            let mut ctx = Ctx::new(
                *id,
                &self.theme,
                &self.keymap,
                now,
                self.project.as_deref(),
                &mut self.tasks,
                &mut effects,
            );
            f(screen.as_mut(), &mut ctx)
        };
        self.dirty = true;
        self.apply(effects, now);
        Some(r)
    }

    /// Apply effects (which may cause more, e.g. a pushed screen's `on_open`).
    pub(super) fn apply(&mut self, effects: Vec<Effect>, now: DateTime<Utc>) {
        for e in effects {
            self.dirty = true;
            match e {
                Effect::Push(s) => self.push_screen(s, now),
                Effect::Open(req) => match (self.opener)(&req) {
                    Ok(s) => self.push_screen(s, now),
                    Err(msg) => self.toasts.push(ToastLevel::Error, &msg, now),
                },
                Effect::Replace(s) => {
                    self.pop_screen();
                    self.push_screen(s, now);
                }
                Effect::ReplaceOpen(req) => match (self.opener)(&req) {
                    Ok(s) => {
                        self.pop_screen();
                        self.push_screen(s, now);
                    }
                    Err(msg) => self.toasts.push(ToastLevel::Error, &msg, now),
                },
                Effect::Pop => {
                    if self.stack.len() > 1 {
                        self.back_to_previous(now);
                    } else {
                        self.quit = true;
                    }
                }
                Effect::Quit => self.quit = true,
                Effect::Toast(level, text) => self.toasts.push(level, &text, now),
                Effect::Copy(text) => {
                    let shown = crate::render::sanitize::truncate_to_width(
                        &crate::render::sanitize::one_line(&text),
                        40,
                    )
                    .into_owned();
                    self.toasts
                        .push(ToastLevel::Info, &format!("copied {shown}"), now);
                    self.clipboard.push(text);
                }
                Effect::CopyAs { text, what } => {
                    let shown = crate::render::sanitize::truncate_to_width(
                        &crate::render::sanitize::one_line(&text),
                        72,
                    )
                    .into_owned();
                    let what = crate::render::sanitize::one_line(&what);
                    self.toasts
                        .push(ToastLevel::Info, &format!("copied {what}: {shown}"), now);
                    self.clipboard.push(text);
                }
                Effect::Refreshed => self.last_refresh = Some(now),
                Effect::SetProject(p) => self.project = Some(p),
                Effect::ProjectNames(n) => self.project_names = n,
            }
        }
    }

    fn push_screen(&mut self, s: Box<dyn DynScreen>, now: DateTime<Utc>) {
        let id = self.next_id;
        self.next_id += 1;
        self.stack.push((id, s));
        self.last_tick.insert(id, now);
        self.with_top(now, |s, ctx| s.on_open(ctx));
    }

    /// Close the top screen and tell the one below it that it is shown again.
    pub(super) fn back_to_previous(&mut self, now: DateTime<Utc>) {
        self.pop_screen();
        self.with_top(now, |s, ctx| s.on_resume(ctx));
    }

    fn pop_screen(&mut self) {
        if let Some((id, _)) = self.stack.pop() {
            self.tasks.forget_screen(id);
            self.last_tick.remove(&id);
        }
    }

    /// A background task finished: route it to its screen unless stale.
    pub fn on_task(&mut self, msg: TaskMsg, now: DateTime<Utc>) {
        self.dirty = true;
        if !self.tasks.accept(&msg) {
            return;
        }
        let Some(pos) = self.stack.iter().position(|(id, _)| *id == msg.screen) else {
            return;
        };
        let out = TaskOutput {
            key: msg.key,
            value: msg.value,
        };
        // Results may arrive for a screen below the top (e.g. the list behind an open
        // trace): deliver them there, with effects applied as usual.
        let mut effects = Vec::new();
        {
            let (id, screen) = &mut self.stack[pos];
            let mut ctx = Ctx::new(
                *id,
                &self.theme,
                &self.keymap,
                now,
                self.project.as_deref(),
                &mut self.tasks,
                &mut effects,
            );
            screen.on_task(out, &mut ctx);
        }
        // A screen below the top that asks to close closes itself, not the screen on top.
        if pos + 1 < self.stack.len() && effects.iter().any(|e| matches!(e, Effect::Pop)) {
            effects.retain(|e| !matches!(e, Effect::Pop));
            let (id, _) = self.stack.remove(pos);
            self.tasks.forget_screen(id);
            self.last_tick.remove(&id);
        }
        self.apply(effects, now);
    }

    /// Periodic work: spinner, toast expiry, the top screen's tick.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        if self.tasks.busy() > 0 {
            self.spinner.calc_next();
            self.dirty = true;
        }
        if self.toasts.expire(now) {
            self.dirty = true;
        }
        let due = self.stack.last().and_then(|(id, s)| {
            let iv = s.tick_interval()?;
            let last = self.last_tick.get(id).copied().unwrap_or(now);
            let iv = chrono::Duration::from_std(iv).ok()?;
            (now - last >= iv).then_some(*id)
        });
        if let Some(id) = due {
            self.last_tick.insert(id, now);
            self.with_top(now, |s, ctx| s.on_tick(ctx));
        }
    }

    /// How long the run loop may sleep before [`App::tick`] has work; `None` = until the
    /// next event (idle: no wake-ups at all).
    pub fn next_wakeup(&self, now: DateTime<Utc>) -> Option<std::time::Duration> {
        let mut best: Option<std::time::Duration> = None;
        let mut consider = |d: std::time::Duration| {
            best = Some(best.map_or(d, |b| b.min(d)));
        };
        if self.tasks.busy() > 0 {
            consider(std::time::Duration::from_millis(100));
        }
        if let Some(t) = self.toasts.next_deadline() {
            consider((t - now).to_std().unwrap_or_default());
        }
        if let Some((id, s)) = self.stack.last()
            && let Some(iv) = s.tick_interval()
        {
            let last = self.last_tick.get(id).copied().unwrap_or(now);
            let elapsed = (now - last).to_std().unwrap_or_default();
            consider(iv.saturating_sub(elapsed));
        }
        best
    }

    /// Let the top screen react to the frame just drawn (see [`DynScreen::after_draw`]). Only
    /// marks the app dirty if the screen started work.
    pub fn after_draw(&mut self, now: DateTime<Utc>) {
        let was_dirty = self.dirty;
        let busy = self.tasks.busy();
        let toasts = self.toasts.items().len();
        self.with_top(now, |s, ctx| s.after_draw(ctx));
        self.dirty = was_dirty
            || self.tasks.busy() != busy
            || self.toasts.items().len() != toasts
            || self.quit;
    }
}

//! Keys and the keymap: which [`Key`] means which [`Action`], globally and per screen
//! context. The defaults are in [`KeyMap::default`]; the settings file's `[keys]` table
//! overrides them (`j = "down"`, `"traces.L" = "live_tail"` for one context, `x = "none"` to
//! unbind). The hint bar and the help overlay are generated from this table, so they always
//! show the keys that actually work.
//!
//! Key syntax: a character (`j`, `G`, `?`, `/`), a name (`enter`, `esc`, `tab`, `backtab`,
//! `space`, `up`, `down`, `left`, `right`, `pgup`, `pgdn`, `home`, `end`, `backspace`,
//! `delete`, `f1`..`f12`), optionally prefixed with `ctrl-` / `alt-` (`ctrl-c`).

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::key_context::KeyContext;

/// A normalised key press: characters carry their case, so `SHIFT` is only kept for
/// non-character keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// `KeyCode` subset with an order (for stable help output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
}

impl Key {
    pub const fn plain(code: KeyCodeOrd) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCodeOrd::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCodeOrd::Char(c),
            ctrl: true,
            alt: false,
            shift: false,
        }
    }

    /// Normalise a crossterm key event; `None` for keys we never bind (media keys, …).
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let m = ev.modifiers;
        let ctrl = m.contains(KeyModifiers::CONTROL);
        let alt = m.contains(KeyModifiers::ALT);
        let shift = m.contains(KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::Char(c) => {
                // Ctrl+letter arrives lowercase on most terminals; normalise.
                let c = if ctrl { c.to_ascii_lowercase() } else { c };
                return Some(Key {
                    code: KeyCodeOrd::Char(c),
                    ctrl,
                    alt,
                    shift: false,
                });
            }
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab if shift => KeyCodeOrd::BackTab,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Insert => KeyCodeOrd::Insert,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            _ => return None,
        };
        let shift = shift && !matches!(code, KeyCodeOrd::BackTab);
        Some(Key {
            code,
            ctrl,
            alt,
            shift,
        })
    }

    /// Parse the keymap syntax (`ctrl-c`, `G`, `pgdn`, `space`).
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut rest = s.trim();
        if rest.is_empty() {
            return Err("empty key".into());
        }
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 2
                && (lower.starts_with("ctrl-") || lower.starts_with("ctrl+"))
            {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.chars().count() > 2
                && (lower.starts_with("alt-") || lower.starts_with("alt+"))
            {
                alt = true;
                rest = &rest[4..];
            } else if rest.chars().count() > 2
                && (lower.starts_with("shift-") || lower.starts_with("shift+"))
            {
                shift = true;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                let c = if ctrl {
                    c.to_ascii_lowercase()
                } else if shift {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                shift = false;
                KeyCodeOrd::Char(c)
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" | "cr" => KeyCodeOrd::Enter,
                "esc" | "escape" => KeyCodeOrd::Esc,
                "tab" => {
                    if shift {
                        shift = false;
                        KeyCodeOrd::BackTab
                    } else {
                        KeyCodeOrd::Tab
                    }
                }
                "backtab" => KeyCodeOrd::BackTab,
                "space" => KeyCodeOrd::Char(' '),
                "backspace" | "bs" => KeyCodeOrd::Backspace,
                "delete" | "del" => KeyCodeOrd::Delete,
                "insert" | "ins" => KeyCodeOrd::Insert,
                "up" => KeyCodeOrd::Up,
                "down" => KeyCodeOrd::Down,
                "left" => KeyCodeOrd::Left,
                "right" => KeyCodeOrd::Right,
                "pgup" | "pageup" => KeyCodeOrd::PageUp,
                "pgdn" | "pagedown" | "pgdown" => KeyCodeOrd::PageDown,
                "home" => KeyCodeOrd::Home,
                "end" => KeyCodeOrd::End,
                f if f.starts_with('f') && f.len() <= 3 => match f[1..].parse::<u8>() {
                    Ok(n) if (1..=24).contains(&n) => KeyCodeOrd::F(n),
                    _ => return Err(format!("unknown key `{s}`")),
                },
                _ => return Err(format!("unknown key `{s}`")),
            },
        };
        Ok(Key {
            code,
            ctrl,
            alt,
            shift,
        })
    }
}

impl fmt::Display for Key {
    /// Short display form for the hint bar and help (`^c`, `G`, `Enter`, `PgDn`, `Space`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("^")?;
        }
        if self.alt {
            f.write_str("M-")?;
        }
        if self.shift {
            f.write_str("S-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("Space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Enter => f.write_str("Enter"),
            KeyCodeOrd::Esc => f.write_str("Esc"),
            KeyCodeOrd::Tab => f.write_str("Tab"),
            KeyCodeOrd::BackTab => f.write_str("S-Tab"),
            KeyCodeOrd::Backspace => f.write_str("Bksp"),
            KeyCodeOrd::Delete => f.write_str("Del"),
            KeyCodeOrd::Insert => f.write_str("Ins"),
            KeyCodeOrd::Up => f.write_str("↑"),
            KeyCodeOrd::Down => f.write_str("↓"),
            KeyCodeOrd::Left => f.write_str("←"),
            KeyCodeOrd::Right => f.write_str("→"),
            KeyCodeOrd::PageUp => f.write_str("PgUp"),
            KeyCodeOrd::PageDown => f.write_str("PgDn"),
            KeyCodeOrd::Home => f.write_str("Home"),
            KeyCodeOrd::End => f.write_str("End"),
        }
    }
}

/// The keymap: global bindings plus per-context ones (a context is a screen's
/// [`crate::app::Screen::context`], e.g. [`KeyContext::Traces`]). Context bindings win.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyMap {
    global: BTreeMap<Key, Action>,
    contexts: BTreeMap<KeyContext, BTreeMap<Key, Action>>,
}

const DEFAULTS: &[(&str, Action)] = &[
    ("ctrl-c", Action::Quit),
    ("q", Action::Close),
    ("esc", Action::Back),
    ("?", Action::Help),
    (":", Action::CommandLine),
    ("r", Action::Refresh),
    ("ctrl-r", Action::Refresh),
    ("j", Action::Down),
    ("down", Action::Down),
    ("k", Action::Up),
    ("up", Action::Up),
    ("h", Action::Left),
    ("left", Action::Left),
    ("l", Action::Right),
    ("right", Action::Right),
    ("pgup", Action::PageUp),
    ("ctrl-b", Action::PageUp),
    ("pgdn", Action::PageDown),
    ("ctrl-f", Action::PageDown),
    ("g", Action::First),
    ("home", Action::First),
    ("G", Action::Last),
    ("end", Action::Last),
    ("enter", Action::Open),
    ("tab", Action::NextPane),
    ("backtab", Action::PrevPane),
    ("]", Action::NextTab),
    ("[", Action::PrevTab),
    ("J", Action::ScrollDown),
    ("ctrl-d", Action::ScrollDown),
    ("K", Action::ScrollUp),
    ("ctrl-u", Action::ScrollUp),
    ("/", Action::Search),
    ("f", Action::Filter),
    ("s", Action::CycleSort),
    ("S", Action::ReverseSort),
    ("t", Action::ToggleTime),
    ("L", Action::LiveTail),
    ("y", Action::Copy),
    ("space", Action::Mark),
    ("+", Action::ExpandAll),
    ("-", Action::CollapseAll),
    ("R", Action::ToggleRaw),
    ("T", Action::Threads),
    ("e", Action::Edit),
    ("ctrl-s", Action::Submit),
    ("d", Action::Delete),
    ("n", Action::NextItem),
    ("p", Action::PrevItem),
    ("x", Action::Skip),
    ("a", Action::AddToQueue),
    ("o", Action::ToggleOpen),
    ("w", Action::TimeRange),
    ("C", Action::Conversation),
    ("Y", Action::CopyUrl),
];

/// Default bindings that only apply in one screen context: (context, key, action).
const CONTEXT_DEFAULTS: &[(KeyContext, &str, Action)] = &[
    (KeyContext::TraceView, "h", Action::Collapse),
    (KeyContext::TraceView, "left", Action::Collapse),
    (KeyContext::TraceView, "l", Action::Expand),
    (KeyContext::TraceView, "right", Action::Expand),
    (KeyContext::TraceView, "n", Action::NextMatch),
    (KeyContext::TraceView, "N", Action::PrevMatch),
    (KeyContext::Conversation, "+", Action::ThumbUp),
    (KeyContext::Conversation, "=", Action::ThumbUp),
    (KeyContext::Conversation, "-", Action::ThumbDown),
    (KeyContext::Conversation, "t", Action::OpenTrace),
    (KeyContext::Conversation, "x", Action::CloseThread),
    (KeyContext::Conversation, "c", Action::Comment),
    (KeyContext::Conversation, "#", Action::Tag),
    (KeyContext::Conversation, "s", Action::Score),
    (KeyContext::Conversation, "n", Action::NextMatch),
    (KeyContext::Conversation, "N", Action::PrevMatch),
    (KeyContext::Threads, "b", Action::CycleGrouping),
    (KeyContext::Traces, "A", Action::AddMatchingToQueue),
    (KeyContext::Threads, "A", Action::AddMatchingToQueue),
    // A fill's question (`A`): add? (y/n).
    (KeyContext::QueuePick, "y", Action::Yes),
    (KeyContext::QueuePick, "n", Action::No),
    (KeyContext::Queues, "n", Action::New),
    (KeyContext::Queues, "g", Action::Agreement),
    (KeyContext::Compare, "]", Action::RangeNext),
    (KeyContext::Compare, "[", Action::RangePrev),
    (KeyContext::Compare, "w", Action::RangeNext),
    (KeyContext::Compare, "T", Action::ToggleScope),
    (KeyContext::Conversation, "e", Action::Export),
    (KeyContext::TraceView, "e", Action::Export),
    (KeyContext::Dashboard, "]", Action::RangeNext),
    (KeyContext::Dashboard, "[", Action::RangePrev),
    (KeyContext::Dashboard, "w", Action::RangeNext),
    (KeyContext::Dashboard, "p", Action::Pause),
    (KeyContext::Dashboard, "c", Action::Compare),
    // SME mode (issue 12): the scoring panel's keys. Digits, `.`, `-` and Backspace are not
    // bound: they type values (see `Screen::handle_unbound_key`).
    (KeyContext::Annotate, "enter", Action::Submit),
    (KeyContext::Annotate, "y", Action::Yes),
    (KeyContext::Annotate, "n", Action::No),
    (KeyContext::Annotate, "tab", Action::NextField),
    (KeyContext::Annotate, "down", Action::NextField),
    (KeyContext::Annotate, "backtab", Action::PrevField),
    (KeyContext::Annotate, "up", Action::PrevField),
    (KeyContext::Annotate, "right", Action::Increase),
    (KeyContext::Annotate, "left", Action::Decrease),
    (KeyContext::Annotate, "x", Action::ClearField),
    (KeyContext::Annotate, "delete", Action::ClearField),
    (KeyContext::Annotate, "r", Action::Reason),
    (KeyContext::Annotate, "c", Action::Comment),
    (KeyContext::Annotate, "i", Action::ToggleInstructions),
    (KeyContext::Annotate, "S", Action::ToggleSpans),
    (KeyContext::Annotate, "s", Action::Skip),
    (KeyContext::Annotate, "u", Action::Undo),
    (KeyContext::AnnotateIntro, "u", Action::Undo),
    (KeyContext::Annotate, "e", Action::ToggleTraceback),
    (KeyContext::Annotate, "a", Action::TakeOver),
    (KeyContext::Annotate, "]", Action::NextItem),
    (KeyContext::Annotate, "pgdn", Action::NextItem),
    (KeyContext::Annotate, "[", Action::PrevItem),
    (KeyContext::Annotate, "pgup", Action::PrevItem),
    (KeyContext::Annotate, "j", Action::ScrollDown),
    (KeyContext::Annotate, "k", Action::ScrollUp),
    (KeyContext::Annotate, "D", Action::RemoveFromQueue),
    (KeyContext::Annotate, "d", Action::None),
    (KeyContext::Annotate, "-", Action::None),
];

impl Default for KeyMap {
    fn default() -> Self {
        let mut map = KeyMap {
            global: BTreeMap::new(),
            contexts: BTreeMap::new(),
        };
        for (k, a) in DEFAULTS {
            if let Ok(key) = Key::parse(k) {
                map.global.insert(key, *a);
            }
        }
        for (c, k, a) in CONTEXT_DEFAULTS {
            if let Ok(key) = Key::parse(k) {
                map.bind(*c, key, *a);
            }
        }
        map
    }
}

/// What to say after "unknown action": the action names close to `v` (sharing a word with
/// it), or a few examples and where the full list is (`?` shows descriptions, not names).
fn action_suggestions(v: &str) -> String {
    let v = v.trim().to_lowercase().replace(['-', ' '], "_");
    let words: Vec<&str> = v.split('_').filter(|w| w.len() >= 3).collect();
    let close: Vec<String> = Action::ALL
        .iter()
        .map(|a| a.name())
        .filter(|n| {
            !n.is_empty()
                && (n.contains(&v) || words.iter().any(|w| n.split('_').any(|p| p.starts_with(w))))
        })
        .take(4)
        .collect();
    if close.is_empty() {
        "action names are the snake_case actions, e.g. \"down\", \"live_tail\", \"copy_url\" \
         (README, Keys)"
            .to_string()
    } else {
        format!(
            "did you mean {}?",
            close
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

impl KeyMap {
    /// Defaults patched by the settings' `[keys]` table. Bad entries are skipped and
    /// described in the returned messages (the app shows them as toasts).
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> (KeyMap, Vec<String>) {
        let mut map = KeyMap::default();
        let mut errors = Vec::new();
        for (k, v) in overrides {
            let Some(action) = Action::from_name(v) else {
                errors.push(format!(
                    "[keys] {k} = \"{v}\": unknown action; {}",
                    action_suggestions(v)
                ));
                continue;
            };
            // `context.key` binds in one context; a lone `.` or `x.` is a key.
            let (ctx, key_str) = match k.split_once('.') {
                Some((c, rest)) if !c.is_empty() && !rest.is_empty() => match c.parse() {
                    Ok(c) => (c, rest),
                    Err(e) => {
                        errors.push(format!("[keys] {k}: {e}"));
                        continue;
                    }
                },
                _ => (KeyContext::Global, k.as_str()),
            };
            match Key::parse(key_str) {
                Ok(key) => map.bind(ctx, key, action),
                Err(e) => errors.push(format!("[keys] {k}: {e}")),
            }
        }
        (map, errors)
    }

    /// Bind `key` to `action` in `context` ([`KeyContext::Global`]: everywhere a screen does
    /// not bind it itself).
    pub fn bind(&mut self, context: KeyContext, key: Key, action: Action) {
        match context {
            KeyContext::Global => {
                self.global.insert(key, action);
            }
            c => {
                self.contexts.entry(c).or_default().insert(key, action);
            }
        }
    }

    /// The action for `key` in `context` (context bindings first, then global).
    pub fn lookup(&self, context: KeyContext, key: Key) -> Option<Action> {
        let a = self
            .contexts
            .get(&context)
            .and_then(|m| m.get(&key))
            .or_else(|| self.global.get(&key))
            .copied()?;
        (a != Action::None).then_some(a)
    }

    /// The keys that trigger `action` in `context`, context keys first.
    pub fn keys_for(&self, context: KeyContext, action: Action) -> Vec<Key> {
        let mut out = Vec::new();
        if let Some(m) = self.contexts.get(&context) {
            out.extend(m.iter().filter(|(_, a)| **a == action).map(|(k, _)| *k));
        }
        for (k, a) in &self.global {
            if *a == action && self.lookup(context, *k) == Some(action) && !out.contains(k) {
                out.push(*k);
            }
        }
        // Prefer single characters (what users type) before named keys.
        out.sort_by_key(|k| (!matches!(k.code, KeyCodeOrd::Char(_)) || k.ctrl, *k));
        out
    }

    /// `j/↓`-style display of the keys for `action`, at most `max` keys; `None` if unbound.
    pub fn describe(&self, context: KeyContext, action: Action, max: usize) -> Option<String> {
        let keys = self.keys_for(context, action);
        if keys.is_empty() {
            return None;
        }
        Some(
            keys.iter()
                .take(max)
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join("/"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn parses_key_syntax() {
        assert_eq!(Key::parse("j").unwrap(), Key::ch('j'));
        assert_eq!(Key::parse("G").unwrap(), Key::ch('G'));
        assert_eq!(Key::parse("ctrl-c").unwrap(), Key::ctrl('c'));
        assert_eq!(Key::parse("Ctrl+C").unwrap(), Key::ctrl('c'));
        assert_eq!(Key::parse("space").unwrap(), Key::ch(' '));
        assert_eq!(
            Key::parse("PgDn").unwrap(),
            Key::plain(KeyCodeOrd::PageDown)
        );
        assert_eq!(
            Key::parse("shift-tab").unwrap(),
            Key::plain(KeyCodeOrd::BackTab)
        );
        assert_eq!(Key::parse("f5").unwrap(), Key::plain(KeyCodeOrd::F(5)));
        assert_eq!(Key::parse("-").unwrap(), Key::ch('-'));
        assert!(Key::parse("blah").is_err());
        assert!(Key::parse("").is_err());
    }

    #[test]
    fn normalises_events() {
        let shifted = Key::from_event(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)).unwrap();
        assert_eq!(shifted, Key::ch('G'));
        let ctrl = Key::from_event(&ev(KeyCode::Char('C'), KeyModifiers::CONTROL)).unwrap();
        assert_eq!(ctrl, Key::ctrl('c'));
        let bt = Key::from_event(&ev(KeyCode::Tab, KeyModifiers::SHIFT)).unwrap();
        assert_eq!(bt, Key::plain(KeyCodeOrd::BackTab));
    }

    #[test]
    fn defaults_and_overrides() {
        let mut o = BTreeMap::new();
        o.insert("x".to_string(), "down".to_string());
        o.insert("j".to_string(), "none".to_string());
        o.insert("traces.s".to_string(), "live_tail".to_string());
        o.insert("z".to_string(), "fly".to_string());
        o.insert("ctrl-".to_string(), "up".to_string());
        o.insert("tracez.s".to_string(), "live_tail".to_string());
        o.insert("global.w".to_string(), "up".to_string());
        let (m, errs) = KeyMap::with_overrides(&o);
        assert_eq!(
            m.lookup(KeyContext::Projects, Key::ch('x')),
            Some(Action::Down)
        );
        assert_eq!(m.lookup(KeyContext::Projects, Key::ch('j')), None);
        assert_eq!(
            m.lookup(KeyContext::Projects, Key::plain(KeyCodeOrd::Down)),
            Some(Action::Down)
        );
        assert_eq!(
            m.lookup(KeyContext::Traces, Key::ch('s')),
            Some(Action::LiveTail)
        );
        assert_eq!(
            m.lookup(KeyContext::Projects, Key::ch('s')),
            Some(Action::CycleSort)
        );
        assert_eq!(
            m.lookup(KeyContext::Dashboard, Key::ch('w')),
            Some(Action::RangeNext)
        );
        assert_eq!(m.lookup(KeyContext::Traces, Key::ch('w')), Some(Action::Up));
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs.iter().any(|e| e.contains("tracez.s")
                && e.contains("unknown key context")
                && e.contains("traces, trace, threads")),
            "{errs:?}"
        );
        assert!(errs.iter().any(|e| e.contains("unknown action")));
        assert!(
            !errs.iter().any(|e| e.contains("see `?`")),
            "help does not list action names: {errs:?}"
        );
        assert!(
            action_suggestions("live").contains("\"live_tail\""),
            "{}",
            action_suggestions("live")
        );
        assert!(action_suggestions("flyaway").contains("\"down\""));
        assert_eq!(
            m.describe(KeyContext::Projects, Action::Down, 3).unwrap(),
            "x/↓"
        );
        assert_eq!(
            m.describe(KeyContext::Traces, Action::LiveTail, 3).unwrap(),
            "L/s"
        );
        assert_eq!(
            KeyMap::default()
                .describe(KeyContext::Global, Action::Quit, 2)
                .unwrap(),
            "^c"
        );
    }
}

//! Colour themes: a [`Theme`] is a set of named ratatui [`Style`]s that every screen and widget
//! draws with (never hard-coded colours).
//!
//! Built-in themes live in `themes/*.toml` (compiled in): `dark` (the default), `light`,
//! `high-contrast` and `ansi16` (16 named colours only, chosen by default when `COLORTERM`
//! does not announce truecolor). A user theme is a TOML file `themes/NAME.toml` in the config
//! directory; it *patches* a built-in (`base = "dark"` by default, or the built-in of the same
//! name), so it only lists the styles it changes.
//!
//! File format: `name`, optional `base`, optional `syntax_theme` (a syntect/two-face theme name
//! for code highlighting), and a `[styles]` table whose keys are the field names of [`Theme`]:
//!
//! ```toml
//! base = "dark"
//! [styles]
//! accent = "#ff8800"                          # shorthand: foreground only
//! selection = { fg = "black", bg = "#ffcc00", bold = true }
//! ```
//!
//! Colours are anything ratatui's `Color::from_str` reads: names (`red`, `light-blue`,
//! `dark-gray`), `#rrggbb`, or a 0–255 palette index. Unknown style keys are reported, not
//! ignored, so typos are visible.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// Names of the built-in themes, in the order `:theme` completion offers them.
pub const BUILTIN: &[&str] = &["dark", "light", "high-contrast", "ansi16"];

fn builtin_source(name: &str) -> Option<&'static str> {
    Some(match name {
        "dark" => include_str!("../themes/dark.toml"),
        "light" => include_str!("../themes/light.toml"),
        "high-contrast" => include_str!("../themes/high-contrast.toml"),
        "ansi16" => include_str!("../themes/ansi16.toml"),
        _ => return None,
    })
}

macro_rules! theme_struct {
    ($($(#[doc = $doc:literal])* $field:ident),* $(,)?) => {
        /// Every named style the UI uses. Field names are the keys of a theme file's `[styles]`.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            /// Theme name (as given to `--theme` / `:theme`).
            pub name: String,
            /// syntect / two-face theme used to highlight code blocks.
            pub syntax_theme: String,
            $($(#[doc = $doc])* pub $field: Style,)*
        }

        impl Theme {
            /// Every style key, for validation and documentation.
            pub const STYLE_KEYS: &'static [&'static str] = &[$(stringify!($field)),*];

            fn style_mut(&mut self, key: &str) -> Option<&mut Style> {
                match key {
                    $(stringify!($field) => Some(&mut self.$field),)*
                    _ => None,
                }
            }

            /// The style named `key` (as in a theme file), if it exists.
            pub fn style(&self, key: &str) -> Option<Style> {
                match key {
                    $(stringify!($field) => Some(self.$field),)*
                    _ => None,
                }
            }

            fn blank(name: &str) -> Theme {
                Theme {
                    name: name.to_string(),
                    syntax_theme: String::new(),
                    $($field: Style::default(),)*
                }
            }
        }
    };
}

theme_struct!(
    /// Whole-screen base: ordinary text on the background.
    text,
    /// Secondary text (timestamps, ids, placeholders).
    dim,
    /// Accent for key facts (project name, counts).
    accent,
    /// Pane and popup titles.
    title,
    border,
    border_focused,
    /// Selected row in the focused list.
    selection,
    /// Selected row in an unfocused list.
    selection_inactive,
    /// Marked rows (multi-select with space).
    marked,
    /// Table header row.
    header,
    status_bar,
    /// Emphasised parts of the status bar (workspace, project).
    status_accent,
    /// Key names in the hint bar and help overlay.
    hint_key,
    /// Descriptions in the hint bar and help overlay.
    hint_text,
    error,
    warning,
    success,
    info,
    /// Inline code and code blocks.
    code,
    /// Background of code blocks.
    code_bg,
    link,
    heading1,
    heading2,
    heading3,
    /// Markdown block quotes.
    quote,
    table_border,
    /// Feedback score ≥ 0.75 (of its range).
    score_good,
    /// Feedback score in the middle.
    score_mid,
    /// Feedback score ≤ 0.25.
    score_bad,
    span_llm,
    span_tool,
    span_guardrail,
    span_general,
    /// Waterfall bar of a span.
    waterfall_bar,
    /// The track behind a waterfall bar.
    waterfall_track,
    json_key,
    json_string,
    json_number,
    json_bool,
    json_null,
    /// Brackets, commas, colons, fold markers.
    json_punct,
    diff_added,
    diff_removed,
    /// Popups (help, command line, dialogs).
    popup,
    tab_active,
    tab_inactive,
    /// Matches of the current search.
    search_match,
    /// Toast background for errors.
    toast_error,
    /// Toast background for information.
    toast_info,
    /// Chart lines and bars (dashboard).
    chart_1,
    chart_2,
    chart_3,
    chart_4,
);

/// A style as written in a theme file: a colour string (foreground) or a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum StyleSpec {
    Fg(String),
    Full(StyleTable),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleTable {
    fg: Option<String>,
    bg: Option<String>,
    bold: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    dim: Option<bool>,
    reversed: Option<bool>,
    crossed_out: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    base: Option<String>,
    syntax_theme: Option<String>,
    #[serde(default)]
    styles: BTreeMap<String, StyleSpec>,
}

/// Why a theme could not be loaded. Messages say what to do.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ThemeError {
    #[error("unknown theme `{name}`; available: {available}")]
    Unknown { name: String, available: String },
    #[error("theme file {path}: {message}")]
    BadFile { path: String, message: String },
}

fn parse_color(s: &str) -> Result<Color, String> {
    Color::from_str(s.trim()).map_err(|_| {
        format!("`{s}` is not a colour (use a name like `light-blue`, `#rrggbb` or 0-255)")
    })
}

fn apply_modifier(style: Style, flag: Option<bool>, m: Modifier) -> Style {
    match flag {
        Some(true) => style.add_modifier(m),
        Some(false) => style.remove_modifier(m),
        None => style,
    }
}

impl StyleSpec {
    /// Patch `base` with this spec: given colours replace, given flags add or remove.
    fn patch(&self, base: Style) -> Result<Style, String> {
        match self {
            StyleSpec::Fg(c) => Ok(base.fg(parse_color(c)?)),
            StyleSpec::Full(t) => {
                let mut s = base;
                if let Some(fg) = &t.fg {
                    s = s.fg(parse_color(fg)?);
                }
                if let Some(bg) = &t.bg {
                    s = s.bg(parse_color(bg)?);
                }
                s = apply_modifier(s, t.bold, Modifier::BOLD);
                s = apply_modifier(s, t.italic, Modifier::ITALIC);
                s = apply_modifier(s, t.underline, Modifier::UNDERLINED);
                s = apply_modifier(s, t.dim, Modifier::DIM);
                s = apply_modifier(s, t.reversed, Modifier::REVERSED);
                s = apply_modifier(s, t.crossed_out, Modifier::CROSSED_OUT);
                Ok(s)
            }
        }
    }
}

impl Theme {
    fn apply_file(&mut self, file: &ThemeFile) -> Result<(), String> {
        if let Some(st) = &file.syntax_theme {
            self.syntax_theme = st.clone();
        }
        for (key, spec) in &file.styles {
            let Some(slot) = self.style_mut(key) else {
                return Err(format!(
                    "unknown style `{key}` (known styles: {})",
                    Theme::STYLE_KEYS.join(", ")
                ));
            };
            *slot = spec
                .patch(*slot)
                .map_err(|e| format!("style `{key}`: {e}"))?;
        }
        Ok(())
    }

    /// A built-in theme by name (`dark`, `light`, `high-contrast`, `ansi16`).
    pub fn builtin(name: &str) -> Option<Theme> {
        let src = builtin_source(name)?;
        // Built-ins are tested to parse; fall back to a blank theme rather than panic.
        let file: ThemeFile = toml::from_str(src).unwrap_or_default();
        let mut t = Theme::blank(name);
        let _ = t.apply_file(&file);
        Some(t)
    }

    /// The default dark theme.
    pub fn dark() -> Theme {
        Theme::builtin("dark").unwrap_or_else(|| Theme::blank("dark"))
    }

    /// The theme to use when the user chose none: `ansi16` unless `COLORTERM` (passed in)
    /// says `truecolor` or `24bit`, then `dark`.
    pub fn default_name(colorterm: Option<&str>) -> &'static str {
        match colorterm.map(|s| s.trim().to_ascii_lowercase()) {
            Some(s) if s == "truecolor" || s == "24bit" => "dark",
            _ => "ansi16",
        }
    }

    /// Parse a theme file's text, patching its base (`base`, else the built-in of the same
    /// name, else `dark`). `path` is only used in messages.
    pub fn from_toml(name: &str, text: &str, path: &str) -> Result<Theme, ThemeError> {
        let bad = |message: String| ThemeError::BadFile {
            path: path.to_string(),
            message,
        };
        let file: ThemeFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let base_name = file.base.clone().unwrap_or_else(|| {
            if builtin_source(name).is_some() {
                name
            } else {
                "dark"
            }
            .to_string()
        });
        let mut theme = Theme::builtin(&base_name).ok_or_else(|| {
            bad(format!(
                "base theme `{base_name}` is not built in (use one of {})",
                BUILTIN.join(", ")
            ))
        })?;
        theme.name = file.name.clone().unwrap_or_else(|| name.to_string());
        theme.apply_file(&file).map_err(bad)?;
        Ok(theme)
    }

    /// Load a theme by name: a user file `user_dir/NAME.toml` wins (patching a built-in),
    /// otherwise the built-in of that name.
    pub fn by_name(name: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let name = name.trim();
        if let Some(dir) = user_dir {
            let path = dir.join(format!("{name}.toml"));
            if !name.is_empty() && !name.contains(['/', '\\']) && path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(|e| ThemeError::BadFile {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                return Theme::from_toml(name, &text, &path.display().to_string());
            }
        }
        Theme::builtin(name).ok_or_else(|| ThemeError::Unknown {
            name: name.to_string(),
            available: Theme::names(user_dir).join(", "),
        })
    }

    /// Built-in names followed by user theme names (files `*.toml` in `user_dir`), sorted,
    /// without duplicates. Used for `:theme` completion.
    pub fn names(user_dir: Option<&Path>) -> Vec<String> {
        let mut out: Vec<String> = BUILTIN.iter().map(|s| s.to_string()).collect();
        let mut user = Vec::new();
        if let Some(Ok(rd)) = user_dir.map(std::fs::read_dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().and_then(|x| x.to_str()) == Some("toml")
                    && let Some(stem) = p.file_stem().and_then(|s| s.to_str())
                    && !out.iter().any(|n| n == stem)
                {
                    user.push(stem.to_string());
                }
            }
        }
        user.sort();
        out.extend(user);
        out
    }

    /// Style for a span type label (`llm`, `tool`, `guardrail`, anything else = general).
    pub fn span_type(&self, span_type: &str) -> Style {
        match span_type {
            "llm" => self.span_llm,
            "tool" => self.span_tool,
            "guardrail" => self.span_guardrail,
            _ => self.span_general,
        }
    }

    /// Style for a score `value` within `[min, max]` (0..1 when unknown).
    pub fn score(&self, value: f64, min: f64, max: f64) -> Style {
        let span = max - min;
        let r = if span > 0.0 {
            (value - min) / span
        } else {
            value
        };
        if !r.is_finite() {
            self.dim
        } else if r >= 0.75 {
            self.score_good
        } else if r <= 0.25 {
            self.score_bad
        } else {
            self.score_mid
        }
    }

    /// The `i`-th chart colour (cycles through four).
    pub fn chart(&self, i: usize) -> Style {
        match i % 4 {
            0 => self.chart_1,
            1 => self.chart_2,
            2 => self.chart_3,
            _ => self.chart_4,
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::dark()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_and_sets_every_style() {
        for name in BUILTIN {
            let src = builtin_source(name).unwrap();
            let file: ThemeFile = toml::from_str(src).unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut t = Theme::blank(name);
            t.apply_file(&file)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            for key in Theme::STYLE_KEYS {
                assert!(file.styles.contains_key(*key), "{name} lacks style `{key}`");
            }
            assert!(!t.syntax_theme.is_empty(), "{name} lacks syntax_theme");
            assert_ne!(t.text, Style::default(), "{name}");
        }
    }

    #[test]
    fn ansi16_uses_only_named_colours() {
        let t = Theme::builtin("ansi16").unwrap();
        for key in Theme::STYLE_KEYS {
            let s = t.style(key).unwrap();
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "ansi16 style {key} uses {c:?}"
                );
            }
        }
    }

    #[test]
    fn default_depends_on_colorterm() {
        assert_eq!(Theme::default_name(Some("truecolor")), "dark");
        assert_eq!(Theme::default_name(Some("24bit")), "dark");
        assert_eq!(Theme::default_name(Some("")), "ansi16");
        assert_eq!(Theme::default_name(None), "ansi16");
    }

    #[test]
    fn user_theme_patches_its_base() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "base = \"light\"\n[styles]\naccent = \"#ff8800\"\nselection = { bg = \"red\", bold = false }\n",
        )
        .unwrap();
        let t = Theme::by_name("mine", Some(dir.path())).unwrap();
        let light = Theme::builtin("light").unwrap();
        assert_eq!(t.name, "mine");
        assert_eq!(t.accent.fg, Some(Color::Rgb(0xff, 0x88, 0)));
        assert_eq!(t.selection.bg, Some(Color::Red));
        assert_eq!(t.selection.fg, light.selection.fg);
        assert!(!t.selection.add_modifier.contains(Modifier::BOLD));
        assert_eq!(t.text, light.text);
        // A user file named like a built-in patches that built-in.
        std::fs::write(
            dir.path().join("dark.toml"),
            "[styles]\nerror = \"yellow\"\n",
        )
        .unwrap();
        let d = Theme::by_name("dark", Some(dir.path())).unwrap();
        assert_eq!(d.error.fg, Some(Color::Yellow));
        assert_eq!(d.text, Theme::dark().text);
        assert_eq!(
            Theme::names(Some(dir.path())),
            vec!["dark", "light", "high-contrast", "ansi16", "mine"]
        );
    }

    #[test]
    fn bad_theme_files_are_reported_clearly() {
        let e = Theme::from_toml("x", "[styles]\nacent = \"red\"", "x.toml").unwrap_err();
        assert!(e.to_string().contains("unknown style `acent`"), "{e}");
        let e = Theme::from_toml("x", "[styles]\naccent = \"nocolour\"", "x.toml").unwrap_err();
        assert!(e.to_string().contains("not a colour"), "{e}");
        let e = Theme::from_toml("x", "base = \"nope\"", "x.toml").unwrap_err();
        assert!(e.to_string().contains("not built in"), "{e}");
        let e = Theme::from_toml("x", "styles = 3", "x.toml").unwrap_err();
        assert!(e.to_string().starts_with("theme file x.toml"), "{e}");
        let e = Theme::by_name("missing", None).unwrap_err();
        assert!(e.to_string().contains("available: dark, light"), "{e}");
    }

    #[test]
    fn score_and_span_type_styles() {
        let t = Theme::dark();
        assert_eq!(t.score(0.9, 0.0, 1.0), t.score_good);
        assert_eq!(t.score(0.1, 0.0, 1.0), t.score_bad);
        assert_eq!(t.score(5.0, 0.0, 10.0), t.score_mid);
        assert_eq!(t.span_type("llm"), t.span_llm);
        assert_eq!(t.span_type("whatever"), t.span_general);
    }
}

//! A list's query prompts: `/` searches (the applied search is shown in the title and
//! cleared by Esc), `f` edits a filter string the screen parses (an error keeps the prompt
//! open and is shown under it; until then a hint with an example and the units is).

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;

use crate::opik::filter_string;
use crate::render::sanitize;
use crate::theme::Theme;
use crate::widgets::input::{InputEvent, TextInput};

/// Which prompt is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Search,
    Filter,
}

/// What a key typed into a prompt comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptStep {
    /// No prompt is open: the key is not the list's.
    Closed,
    /// The key edited the prompt (or closed it without changing the query).
    Typing,
    /// A search was submitted: query again from the top.
    Searched,
    /// Esc dropped the applied search: query again.
    SearchCleared,
    /// A filter string was submitted; the prompt stays open until the screen calls
    /// [`Prompts::filter_applied`] or [`Prompts::filter_invalid`].
    Filter(String),
    /// Esc on the filter prompt dropped the applied filter: the screen forgets its parsed
    /// filter and queries again.
    FilterCleared,
}

/// The search and filter of one list, and the prompt editing them.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompts {
    /// The search the list shows (trimmed; empty = none).
    pub search: String,
    /// The applied filter string (empty = none).
    pub filter: String,
    /// Why the filter in the prompt was refused.
    pub error: Option<String>,
    open: Option<(PromptKind, TextInput)>,
    /// The search prompt's label (`/`, `search: `); `None` = the list has no search.
    search_label: Option<&'static str>,
    has_filter: bool,
}

impl Prompts {
    /// No search, no filter.
    pub fn none() -> Prompts {
        Prompts {
            search: String::new(),
            filter: String::new(),
            error: None,
            open: None,
            search_label: None,
            has_filter: false,
        }
    }

    /// A list searched with `/`, its prompt labelled `label`.
    pub fn search(label: &'static str) -> Prompts {
        Prompts {
            search_label: Some(label),
            ..Prompts::none()
        }
    }

    /// Also a filter string (`f`).
    pub fn with_filter(mut self) -> Prompts {
        self.has_filter = true;
        self
    }

    pub fn has_search(&self) -> bool {
        self.search_label.is_some()
    }

    pub fn has_filter(&self) -> bool {
        self.has_filter
    }

    /// Whether a prompt has focus (keys type into it).
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    pub fn open_kind(&self) -> Option<PromptKind> {
        self.open.as_ref().map(|(k, _)| *k)
    }

    /// Open `kind`'s prompt with its applied value (nothing if the list lacks it).
    pub fn open(&mut self, kind: PromptKind) -> bool {
        let value = match kind {
            PromptKind::Search if self.has_search() => &self.search,
            PromptKind::Filter if self.has_filter => &self.filter,
            _ => return false,
        };
        self.open = Some((kind, TextInput::new(value)));
        true
    }

    /// A key while a prompt is open.
    pub fn handle_key(&mut self, key: KeyEvent) -> PromptStep {
        let Some((kind, input)) = self.open.as_mut() else {
            return PromptStep::Closed;
        };
        let kind = *kind;
        match input.handle_key(key) {
            InputEvent::Submit => {
                let value = input.value().trim().to_string();
                match kind {
                    PromptKind::Search => {
                        self.search = value;
                        self.open = None;
                        PromptStep::Searched
                    }
                    PromptKind::Filter => PromptStep::Filter(value),
                }
            }
            InputEvent::Cancel => {
                // Esc clears what this prompt applies.
                self.open = None;
                self.error = None;
                match kind {
                    PromptKind::Search if !self.search.is_empty() => {
                        self.search.clear();
                        PromptStep::SearchCleared
                    }
                    PromptKind::Filter if !self.filter.is_empty() => {
                        self.filter.clear();
                        PromptStep::FilterCleared
                    }
                    _ => PromptStep::Typing,
                }
            }
            _ => PromptStep::Typing,
        }
    }

    /// The screen parsed the submitted filter `text`: it applies; the prompt closes.
    pub fn filter_applied(&mut self, text: String) {
        self.filter = text;
        self.error = None;
        self.open = None;
    }

    /// The screen could not parse the submitted filter: the prompt stays open with `why`.
    pub fn filter_invalid(&mut self, why: String) {
        self.error = Some(why);
    }

    /// The server refused the applied filter: it is no longer applied, and the prompt opens
    /// again with it and `why`.
    pub fn filter_rejected(&mut self, why: String) {
        let text = std::mem::take(&mut self.filter);
        self.error = Some(why);
        self.open = Some((PromptKind::Filter, TextInput::new(&text)));
    }

    /// The server answered the applied filter with a 400 saying `message`: as
    /// [`Prompts::filter_rejected`], with the server's reason.
    pub fn rejected_by_server(&mut self, message: &str) {
        self.filter_rejected(format!("the server rejected this filter: {message}"));
    }

    /// Whether a search or filter applies.
    pub fn is_narrowed(&self) -> bool {
        !self.search.is_empty() || !self.filter.is_empty()
    }

    /// Drop the applied search and filter.
    pub fn clear(&mut self) {
        self.search.clear();
        self.filter.clear();
    }

    /// The search for the server (`None` when empty).
    pub fn search_query(&self) -> Option<String> {
        (!self.search.is_empty()).then(|| self.search.clone())
    }

    /// `/search ` for the title.
    pub fn search_span(&self, t: &Theme) -> Option<Span<'static>> {
        (!self.search.is_empty())
            .then(|| Span::styled(format!("/{} ", sanitize::one_line(&self.search)), t.accent))
    }

    /// `f: filter ` for the title.
    pub fn filter_span(&self, t: &Theme) -> Option<Span<'static>> {
        (!self.filter.is_empty()).then(|| {
            Span::styled(
                format!("f: {} ", sanitize::one_line(&self.filter)),
                t.accent,
            )
        })
    }

    /// Rows the prompt needs under the table: the input line, and the filter's error or hint.
    pub fn height(&self) -> u16 {
        match (&self.open, &self.error) {
            (Some(_), Some(_)) | (Some((PromptKind::Filter, _)), None) => 2,
            (Some(_), None) => 1,
            _ => 0,
        }
    }

    /// Draw the open prompt (and its error) into `area`.
    pub fn draw(&self, frame: &mut Frame, area: Rect, t: &Theme) {
        let Some((kind, input)) = &self.open else {
            return;
        };
        let label = match kind {
            PromptKind::Search => self.search_label.unwrap_or("/"),
            PromptKind::Filter => "filter: ",
        };
        let [line, err] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        input.draw(frame, line, label, t.text, t.accent, true);
        if err.height == 0 {
            return;
        }
        let (text, style) = match (&self.error, kind) {
            (Some(e), _) => (sanitize::one_line(e), t.error),
            (None, PromptKind::Filter) => (filter_string::PROMPT_HINT.to_string(), t.dim),
            (None, PromptKind::Search) => return,
        };
        frame
            .buffer_mut()
            .set_stringn(err.x, err.y, text, err.width as usize, style);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn type_str(p: &mut Prompts, s: &str) {
        for c in s.chars() {
            assert_eq!(p.handle_key(key(KeyCode::Char(c))), PromptStep::Typing);
        }
    }

    #[test]
    fn search_applies_trimmed_and_esc_clears_it() {
        let mut p = Prompts::search("/");
        assert_eq!(p.handle_key(key(KeyCode::Char('x'))), PromptStep::Closed);
        assert!(p.open(PromptKind::Search));
        assert!(!p.open(PromptKind::Filter), "no filter on this list");
        assert_eq!(p.open_kind(), Some(PromptKind::Search));
        type_str(&mut p, " bot ");
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PromptStep::Searched);
        assert_eq!(p.search, "bot");
        assert_eq!(p.search_query().as_deref(), Some("bot"));
        assert!(!p.is_open());
        // Reopened with the applied search; Esc drops it.
        p.open(PromptKind::Search);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PromptStep::SearchCleared);
        assert!(p.search.is_empty() && !p.is_open());
        // Esc with nothing applied changes nothing.
        p.open(PromptKind::Search);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PromptStep::Typing);
    }

    #[test]
    fn a_filter_waits_for_the_screen_to_parse_it() {
        let mut p = Prompts::search("search: ").with_filter();
        assert!(p.open(PromptKind::Filter));
        type_str(&mut p, "name = x");
        assert_eq!(
            p.handle_key(key(KeyCode::Enter)),
            PromptStep::Filter("name = x".into())
        );
        assert!(p.is_open(), "open until parsed");
        p.filter_invalid("bad".into());
        assert_eq!(p.height(), 2);
        p.filter_applied("name = \"x\"".into());
        assert!(!p.is_open() && p.error.is_none() && p.is_narrowed());
        // The server refuses it: back in the prompt, no longer applied.
        p.filter_rejected("unknown field".into());
        assert!(p.filter.is_empty() && p.is_open());
        assert_eq!(p.error.as_deref(), Some("unknown field"));
        // Esc: closed, the error gone; nothing applied so nothing to clear.
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PromptStep::Typing);
        assert!(p.error.is_none());
        p.filter_applied("a = 1".into());
        p.open(PromptKind::Filter);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PromptStep::FilterCleared);
        assert!(!p.is_narrowed());
    }

    fn drawn(p: &Prompts, w: u16) -> String {
        use ratatui::{Terminal, backend::TestBackend};
        let mut term = Terminal::new(TestBackend::new(w, 2)).expect("terminal");
        term.draw(|f| p.draw(f, f.area(), &Theme::dark()))
            .expect("draw");
        let buf = term.backend().buffer().clone();
        (0..2)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_filter_prompt_says_durations_are_in_milliseconds() {
        let mut p = Prompts::search("/").with_filter();
        p.open(PromptKind::Filter);
        assert_eq!(p.height(), 2, "input and hint");
        let text = drawn(&p, 160);
        assert!(text.contains("duration > 500"), "{text}");
        assert!(text.contains("duration is in ms"), "{text}");
        // An error takes the hint's place; the search prompt has no hint.
        p.filter_invalid("unknown operator".into());
        let text = drawn(&p, 160);
        assert!(
            text.contains("unknown operator") && !text.contains("in ms"),
            "{text}"
        );
        let mut s = Prompts::search("/");
        s.open(PromptKind::Search);
        assert_eq!(s.height(), 1);
    }

    #[test]
    fn title_spans_are_sanitised() {
        let mut p = Prompts::search("/").with_filter();
        p.search = "a\u{1b}[31mb".into();
        p.filter_applied("x\u{7}".into());
        let t = Theme::dark();
        assert!(
            !p.search_span(&t)
                .expect("search")
                .content
                .contains('\u{1b}')
        );
        assert!(!p.filter_span(&t).expect("filter").content.contains('\u{7}'));
        p.clear();
        assert!(p.search_span(&t).is_none() && p.filter_span(&t).is_none());
    }
}

//! The sort orders a list cycles through (`s`) and reverses (`S`).

use ratatui::text::Span;

use crate::opik::model::Sorting;
use crate::theme::Theme;

/// One sort order: its label (`sort: cost`), the server field (`None` = the server's
/// default order), whether it is descending by default, and the column that shows the arrow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SortOption {
    pub label: &'static str,
    pub field: Option<&'static str>,
    pub desc: bool,
    pub column: usize,
    /// For the server's default order: the field it sorts by, sent (the other way) when
    /// `S` reverses it. Without it the default order cannot be reversed on the server.
    pub default_field: Option<&'static str>,
}

impl SortOption {
    /// Sort by the server field `field`, arrow on `column`.
    pub const fn by(label: &'static str, field: &'static str, desc: bool, column: usize) -> Self {
        SortOption {
            label,
            field: Some(field),
            desc,
            column,
            default_field: None,
        }
    }

    /// The server's own order (no `sorting` parameter), arrow on `column`; it is the order
    /// of `field` (`desc` or not), which is sent when `S` reverses it.
    pub const fn server_default(
        label: &'static str,
        field: &'static str,
        desc: bool,
        column: usize,
    ) -> Self {
        SortOption {
            label,
            field: None,
            desc,
            column,
            default_field: Some(field),
        }
    }
}

/// Which of a list's sort orders applies, and whether it is reversed.
#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    options: &'static [SortOption],
    index: usize,
    reverse: bool,
}

impl Sort {
    pub fn new(options: &'static [SortOption]) -> Sort {
        Sort {
            options,
            index: 0,
            reverse: false,
        }
    }

    /// A list that cannot be sorted.
    pub fn none() -> Sort {
        Sort::new(&[])
    }

    pub fn is_sortable(&self) -> bool {
        !self.options.is_empty()
    }

    /// `s`: the next order, not reversed.
    pub fn cycle(&mut self) {
        if self.is_sortable() {
            self.index = (self.index + 1) % self.options.len();
            self.reverse = false;
        }
    }

    /// `S`: the same order, the other way.
    pub fn reverse(&mut self) {
        self.reverse = !self.reverse;
    }

    /// Back to the first order, not reversed.
    pub fn reset(&mut self) {
        self.index = 0;
        self.reverse = false;
    }

    /// Whether the first order applies, not reversed.
    pub fn is_default(&self) -> bool {
        self.index == 0 && !self.reverse
    }

    pub fn current(&self) -> Option<&SortOption> {
        self.options.get(self.index)
    }

    /// Descending, once `S` is taken into account.
    pub fn desc(&self) -> bool {
        self.current().is_some_and(|o| o.desc) ^ self.reverse
    }

    /// The server field of the current order, if any.
    pub fn field(&self) -> Option<&'static str> {
        self.current().and_then(|o| o.field)
    }

    /// The `sorting` parameter for the server: empty for its default order, the default
    /// order's own field when it is reversed.
    pub fn sorting(&self) -> Vec<Sorting> {
        let reversed_default = || {
            self.reverse
                .then(|| self.current().and_then(|o| o.default_field))
                .flatten()
        };
        self.field()
            .or_else(reversed_default)
            .map(|f| {
                vec![Sorting {
                    field: f.into(),
                    direction: if self.desc() { "DESC" } else { "ASC" }.into(),
                }]
            })
            .unwrap_or_default()
    }

    /// The table header's arrow: (column, descending).
    pub fn arrow(&self) -> Option<(usize, bool)> {
        self.current().map(|o| (o.column, self.desc()))
    }

    /// `sort: label ` for the title.
    pub fn span(&self, t: &Theme) -> Option<Span<'static>> {
        self.current()
            .map(|o| Span::styled(format!("sort: {} ", o.label), t.dim))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SORTS: &[SortOption] = &[
        SortOption::server_default("newest", "id", true, 0),
        SortOption::by("cost", "total_estimated_cost", true, 6),
        SortOption::by("name", "name", false, 1),
    ];

    #[test]
    fn cycling_resets_the_direction_and_reversing_flips_it() {
        let mut s = Sort::new(SORTS);
        assert!(s.sorting().is_empty(), "the server's default order");
        assert_eq!(s.arrow(), Some((0, true)));
        s.cycle();
        assert_eq!(s.sorting()[0].field, "total_estimated_cost");
        assert_eq!(s.sorting()[0].direction, "DESC");
        s.reverse();
        assert_eq!(s.sorting()[0].direction, "ASC");
        assert_eq!(s.arrow(), Some((6, false)));
        assert!(!s.is_default());
        s.cycle();
        assert_eq!(s.current().map(|o| o.label), Some("name"));
        assert!(!s.desc(), "cycling drops the reversal");
        s.cycle();
        assert!(s.is_default(), "wraps around");
        s.reverse();
        s.reset();
        assert!(s.is_default());
    }

    #[test]
    fn reversing_the_servers_default_order_sends_its_field_the_other_way() {
        let mut s = Sort::new(SORTS);
        assert!(s.sorting().is_empty(), "newest first: the server's default");
        s.reverse();
        assert_eq!(s.arrow(), Some((0, false)));
        let sorting = s.sorting();
        assert_eq!(sorting.len(), 1);
        assert_eq!(
            (sorting[0].field.as_str(), sorting[0].direction.as_str()),
            ("id", "ASC")
        );
        s.reverse();
        assert!(s.sorting().is_empty());
    }

    #[test]
    fn an_unsortable_list_has_no_arrow_and_no_label() {
        let mut s = Sort::none();
        s.cycle();
        assert!(!s.is_sortable());
        assert_eq!(s.arrow(), None);
        assert!(s.span(&Theme::dark()).is_none());
        assert!(s.sorting().is_empty());
    }
}

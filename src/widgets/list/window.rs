//! Server paging for a list: which part of the whole result the rows are (a window that
//! grows as you scroll either way), the page to load next, `g`/`G` to the real first and
//! last rows of the result (not only of what is loaded), and placing a page that came back
//! (rows already listed are skipped, the selection stays on its row).
//!
//! A screen asks for a [`PageRequest`] ([`ListCore::request_first`],
//! [`ListCore::request_more`], [`ListCore::request_refresh`]), sends it with its query, and
//! hands the answer to [`ListCore::place`] with the request.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::ListCore;

/// Largest page a background refresh re-reads from the top (beyond it, the page around
/// the selection is re-read instead).
const REFRESH_MAX: usize = 500;

/// Where `g` / `G` is going while its page loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jump {
    First,
    Last,
}

/// A page to ask the server for, and what its rows do to the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based, in pages of `size`.
    pub page: u32,
    pub size: u32,
    /// The rows replace the list (page 1, `g`/`G` far away, a refresh); otherwise they
    /// extend it at the end or the top.
    pub replace: bool,
}

impl PageRequest {
    /// The result offset of the page's first row.
    pub fn start(&self) -> usize {
        self.page.saturating_sub(1) as usize * self.size as usize
    }
}

/// The loaded part of a server-paged result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    /// Result offset of `rows[0]` (0 unless `G` or a refresh loaded a page further down).
    pub first: usize,
    /// Result offset just after the last row loaded: where the next page starts.
    pub end: usize,
    /// Rows per page; 0 for a list that holds its whole result.
    pub size: u32,
    /// A `g`/`G` whose page is on its way.
    jump: Option<Jump>,
    /// Key hashes of the rows (to skip rows a page repeats), valid when `keys_ok`.
    keys: HashSet<u64>,
    keys_ok: bool,
}

fn key_hash<K: Hash>(k: &K) -> u64 {
    let mut h = DefaultHasher::new();
    k.hash(&mut h);
    h.finish()
}

impl<R> ListCore<R> {
    /// Loaded from the server in pages of `size`.
    pub fn paged(mut self, size: u32) -> Self {
        self.window.size = size;
        self.window.end = self.rows.len();
        self
    }

    fn is_paged(&self) -> bool {
        self.window.size > 0
    }

    /// The server has rows after the loaded ones.
    fn more_after(&self) -> bool {
        self.total
            .is_some_and(|t| i64::try_from(self.window.end).is_ok_and(|end| end < t))
    }

    /// Replace the rows with a whole result (a list grouped locally): nothing to page.
    pub fn set_all(&mut self, rows: Vec<R>) {
        self.total = Some(rows.len() as i64);
        self.window.first = 0;
        self.window.end = rows.len();
        self.window.jump = None;
        self.window.keys_ok = false;
        self.rows = rows;
        self.clamp_selection();
    }

    /// `g` / `G`: the first or last loaded row now; if the result goes on beyond what is
    /// loaded, its page is asked for by the next [`ListCore::request_more`].
    pub(super) fn jump(&mut self, to: Jump) {
        let len = self.rows.len();
        match to {
            Jump::First => self.table.first(),
            Jump::Last => self.table.last(len),
        }
        let far = match to {
            Jump::First => self.window.first > 0,
            Jump::Last => self.more_after(),
        };
        self.window.jump = (self.is_paged() && far).then_some(to);
    }

    /// Page 1, replacing the rows (on open, after the sort, search or filter changed, `r`).
    pub fn request_first(&mut self) -> PageRequest {
        self.window.jump = None;
        PageRequest {
            page: 1,
            size: self.window.size.max(1),
            replace: true,
        }
    }

    /// The page to load now, if any: the one `g`/`G` waits for, else the next one when the
    /// selection is within `margin` rows of the end, or the one before the window when it
    /// is within `margin` rows of its top. None while a page is on its way.
    pub fn request_more(&mut self, margin: usize) -> Option<PageRequest> {
        if !self.is_paged() || self.loading {
            return None;
        }
        let size = self.window.size;
        let sz = size as usize;
        let (first, end) = (self.window.first, self.window.end);
        let next = PageRequest {
            page: u32::try_from(end / sz + 1).ok()?,
            size,
            replace: false,
        };
        Some(match self.window.jump {
            Some(Jump::First) => PageRequest {
                page: 1,
                size,
                replace: true,
            },
            Some(Jump::Last) => {
                let total = usize::try_from(self.total?).ok()?;
                if total.saturating_sub(end) <= sz {
                    next
                } else {
                    PageRequest {
                        page: u32::try_from(total.div_ceil(sz)).ok()?,
                        size,
                        replace: true,
                    }
                }
            }
            None if self.more_after() && self.table.selected + margin >= self.rows.len() => next,
            None if first > 0 && self.table.selected < margin => PageRequest {
                page: u32::try_from((first - 1) / sz + 1).ok()?,
                size,
                replace: false,
            },
            None => return None,
        })
    }

    /// Re-read what is on screen in the background, keeping the selection: the top of the
    /// list (up to what is loaded) when the window starts at the top, else the page around
    /// the selection.
    pub fn request_refresh(&mut self) -> PageRequest {
        let sz = self.window.size.max(1) as usize;
        self.window.jump = None;
        if self.window.first == 0 && self.window.end <= REFRESH_MAX {
            let rows = self.window.end.max(1).div_ceil(sz) * sz;
            PageRequest {
                page: 1,
                size: u32::try_from(rows).unwrap_or(u32::MAX),
                replace: true,
            }
        } else {
            let at = self.window.first + self.table.selected;
            PageRequest {
                page: u32::try_from(at / sz + 1).unwrap_or(u32::MAX),
                size: sz as u32,
                replace: true,
            }
        }
    }

    fn sync_keys<K: Hash>(&mut self, key: &impl Fn(&R) -> Option<K>) {
        if !self.window.keys_ok {
            self.window.keys = self
                .rows
                .iter()
                .filter_map(|r| key(r).map(|k| key_hash(&k)))
                .collect();
            self.window.keys_ok = true;
        }
    }

    /// Rows of `rows` not listed yet (rows without a key are always new); their keys are
    /// taken as listed.
    fn unseen<K: Hash>(&mut self, rows: Vec<R>, key: &impl Fn(&R) -> Option<K>) -> Vec<R> {
        self.sync_keys(key);
        let keys = &mut self.window.keys;
        rows.into_iter()
            .filter(|r| key(r).is_none_or(|k| keys.insert(key_hash(&k))))
            .collect()
    }

    /// A page came back for `req`: it replaces the rows or extends them at the end or the
    /// top (rows already listed are skipped; `key` identifies a row). The selection stays
    /// on its row; a waiting `g`/`G` lands on the first or last row.
    pub fn place<K: Hash>(
        &mut self,
        req: PageRequest,
        rows: Vec<R>,
        total: Option<i64>,
        key: impl Fn(&R) -> Option<K>,
    ) {
        self.loading = false;
        self.total = total;
        let (start, n) = (req.start(), rows.len());
        if req.replace {
            let keep = self.selected().and_then(&key).map(|k| key_hash(&k));
            self.rows = rows;
            self.window.keys_ok = false;
            self.window.first = start;
            self.window.end = start + n;
            self.sync_keys(&key);
            let found = keep
                .is_some_and(|h| self.select_where(|r| key(r).is_some_and(|k| key_hash(&k) == h)));
            if !found && start == 0 {
                self.table.first();
            } else if !found {
                self.clamp_selection();
            }
        } else if start < self.window.first {
            let new = self.unseen(rows, &key);
            let added = new.len();
            self.rows.splice(0..0, new);
            self.table.selected += added;
            self.table.offset += added;
            // An empty page where rows were expected: nothing is before these.
            self.window.first = if n == 0 { 0 } else { start };
        } else {
            let new = self.unseen(rows, &key);
            self.rows.extend(new);
            self.window.end = self.window.end.max(start + n);
            if n == 0 {
                // The server has fewer rows than it said: stop asking for more.
                self.total = Some(self.window.end as i64);
            }
        }
        self.land_jump();
    }

    /// A waiting `g`/`G` lands once its end of the result is loaded.
    fn land_jump(&mut self) {
        match self.window.jump {
            Some(Jump::First) if self.window.first == 0 => {
                self.table.first();
                self.window.jump = None;
            }
            Some(Jump::Last) => {
                self.table.last(self.rows.len());
                if !self.more_after() {
                    self.window.jump = None;
                }
            }
            _ => {}
        }
    }

    /// Newer rows from a re-read of page 1 (live tail): those not listed yet go on top, the
    /// selection stays on its row. Only when the list starts at the top of the result.
    /// Returns how many were added.
    pub fn merge_top<K: Hash>(
        &mut self,
        rows: Vec<R>,
        total: Option<i64>,
        key: impl Fn(&R) -> Option<K>,
    ) -> usize {
        if self.window.first > 0 {
            return 0;
        }
        let new = self.unseen(rows, &key);
        let n = new.len();
        if n > 0 {
            let was_empty = self.rows.is_empty();
            self.rows.splice(0..0, new);
            self.window.end += n;
            if !was_empty {
                self.table.selected += n;
            }
        }
        if let Some(t) = total {
            self.total = Some(t.max(self.rows.len() as i64));
        }
        n
    }

    /// A re-read of the top rows (live refresh): they go on top, and the rows loaded before
    /// that they do not list follow in their order (pushed down by newer ones), the
    /// selection stays on its row. Only when the list starts at the top of the result.
    pub fn reread_top<K: Hash>(
        &mut self,
        rows: Vec<R>,
        total: Option<i64>,
        key: impl Fn(&R) -> Option<K>,
    ) {
        if self.window.first > 0 {
            return;
        }
        let keep = self.selected().and_then(&key).map(|k| key_hash(&k));
        let fresh = rows.len();
        let old = std::mem::replace(&mut self.rows, rows);
        self.window.keys_ok = false;
        self.sync_keys(&key);
        let keys = &mut self.window.keys;
        self.rows.extend(
            old.into_iter()
                .filter(|r| key(r).is_none_or(|k| keys.insert(key_hash(&k)))),
        );
        self.window.end = self.window.end.max(fresh);
        self.total = total;
        let found =
            keep.is_some_and(|h| self.select_where(|r| key(r).is_some_and(|k| key_hash(&k) == h)));
        if !found {
            self.clamp_selection();
        }
    }
}

//! Two feedback scores compared over the traces (or threads) that carry both (`:compare A B`,
//! or `c` in the dashboard's scores section): typically an LLM judge's score from online
//! evaluation against an SME's, or one name split by source (`SCORE@ui` against
//! `SCORE@online_scoring`). Pure: [`super::fetch::compare_rows`] reads the rows of the range,
//! `views::compare` shows the result; the formulas are in [`crate::stats`].
//!
//! Per item, a side is the score's entries (by author, from `value_by_author`; with `@SOURCE`
//! only the entries of that source): a number is their mean, a category the most common label
//! (ties: the first label in order). A side takes categories when its feedback definition is
//! categorical or boolean, or, without a definition, when every entry names a category.
//! Numbers get Pearson's r, Spearman's ρ and the mean difference (A − B); Cohen's κ and the
//! confusion table are added when both sides take categories, or one does and every value of
//! the other is one of its values (a 0/1 judge against a yes/no definition).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::annotate::rating::{self, Entry};
use crate::annotate::session::ItemData;
use crate::opik::messages::{Kind, preview};
use crate::opik::model::FeedbackDefinition;
use crate::render::sanitize::one_line;
use crate::stats::correlation::{mean_difference, pearson, spearman};
use crate::stats::{Confusion, Key, Stat};
use crate::widgets::list::cells::{clip, score_value};

/// A score to compare: its name, and optionally the source of the entries that count
/// (`ui`, `sdk`, `online_scoring`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreSpec {
    pub name: String,
    pub source: Option<String>,
}

impl ScoreSpec {
    /// `NAME` or `NAME@SOURCE` (a source is letters, digits and `_`).
    pub fn parse(s: &str) -> Result<ScoreSpec, String> {
        let s = s.trim();
        let (name, source) = match s.rsplit_once('@') {
            Some((n, src))
                if !n.trim().is_empty()
                    && !src.is_empty()
                    && src.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                (n.trim(), Some(src.to_ascii_lowercase()))
            }
            _ => (s, None),
        };
        if name.is_empty() {
            return Err("a score name is empty".into());
        }
        Ok(ScoreSpec {
            name: name.to_string(),
            source,
        })
    }

    /// `name` or `name@source` (sanitised).
    pub fn label(&self) -> String {
        match &self.source {
            Some(s) => format!("{}@{s}", one_line(&self.name)),
            None => one_line(&self.name),
        }
    }

    fn takes(&self, e: &Entry) -> bool {
        self.source.is_none() || e.source.as_deref() == self.source.as_deref()
    }
}

/// Whether the comparison runs over traces or threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    Traces,
    Threads,
}

impl Scope {
    pub fn label(self) -> &'static str {
        match self {
            Scope::Traces => "traces",
            Scope::Threads => "threads",
        }
    }

    pub fn toggle(self) -> Scope {
        match self {
            Scope::Traces => Scope::Threads,
            Scope::Threads => Scope::Traces,
        }
    }
}

/// One side of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub value: f64,
    /// The category, or the number written short.
    pub label: String,
    /// Authors whose entries made it.
    pub authors: usize,
}

/// An item with both scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub item: ItemData,
    /// Sanitised: the trace name or `thread ID`.
    pub title: String,
    pub preview: String,
    pub time: Option<DateTime<Utc>>,
    pub a: Side,
    pub b: Side,
}

impl Pair {
    /// A − B.
    pub fn diff(&self) -> f64 {
        self.a.value - self.b.value
    }
}

/// The categories' confusion table: rows are A's values, columns B's.
#[derive(Debug, Clone, PartialEq)]
pub struct Categories {
    pub table: Confusion<Key>,
    /// The label of each value (A's, else B's).
    pub labels: BTreeMap<Key, String>,
    pub kappa: Stat,
    /// The share of items on which both gave the same category.
    pub agreement: Stat,
}

/// What the compare view shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub a: ScoreSpec,
    pub b: ScoreSpec,
    /// Items read (each had at least one of the two names).
    pub read: usize,
    /// Items with both, most different first.
    pub pairs: Vec<Pair>,
    pub pearson: Stat,
    pub spearman: Stat,
    pub mean_difference: Option<f64>,
    /// When both take categories (see the module docs).
    pub categories: Option<Categories>,
}

/// Each item's entries for `spec`, and whether the side takes categories.
fn entries_of(
    items: &[ItemData],
    spec: &ScoreSpec,
    def: Option<&FeedbackDefinition>,
) -> (Vec<Vec<Entry>>, bool) {
    let per: Vec<Vec<Entry>> = items
        .iter()
        .map(|it| {
            it.scores()
                .iter()
                .filter(|s| s.name == spec.name)
                .flat_map(rating::entries)
                .filter(|e| spec.takes(e))
                .collect()
        })
        .collect();
    let categorical = match def {
        Some(d) => rating::is_categorical(d),
        None => {
            let mut all = per.iter().flatten().peekable();
            all.peek().is_some() && all.all(|e| e.category.is_some())
        }
    };
    (per, categorical)
}

/// One item's side from its entries.
fn side(es: &[Entry], categorical: bool, def: Option<&FeedbackDefinition>) -> Option<Side> {
    if es.is_empty() {
        return None;
    }
    if categorical {
        let mut counts: BTreeMap<String, (usize, f64)> = BTreeMap::new();
        for e in es {
            let l = rating::label(def, e.value, e.category.as_deref());
            counts.entry(l).or_insert((0, e.value)).0 += 1;
        }
        let top = counts.values().map(|c| c.0).max().unwrap_or(0);
        let (label, (_, value)) = counts.into_iter().find(|(_, c)| c.0 == top)?;
        return Some(Side {
            value,
            label,
            authors: es.len(),
        });
    }
    let value = es.iter().map(|e| e.value).sum::<f64>() / es.len() as f64;
    Some(Side {
        value,
        label: score_value(value),
        authors: es.len(),
    })
}

fn item_time(item: &ItemData) -> Option<DateTime<Utc>> {
    match item {
        ItemData::Trace(t) => t.start_time,
        ItemData::Thread(t) => t.start_time,
    }
}

impl Comparison {
    /// Compare `a` and `b` over `items` with the workspace's definitions `defs`.
    pub fn compute(
        a: ScoreSpec,
        b: ScoreSpec,
        items: Vec<ItemData>,
        defs: &[FeedbackDefinition],
    ) -> Comparison {
        let def_a = defs.iter().find(|d| d.name == a.name);
        let def_b = defs.iter().find(|d| d.name == b.name);
        let (ea, cat_a) = entries_of(&items, &a, def_a);
        let (eb, cat_b) = entries_of(&items, &b, def_b);
        let read = items.len();
        let mut pairs: Vec<Pair> = items
            .into_iter()
            .zip(ea.iter().zip(&eb))
            .filter_map(|(item, (ea, eb))| {
                let sa = side(ea, cat_a, def_a)?;
                let sb = side(eb, cat_b, def_b)?;
                let p = match &item {
                    ItemData::Trace(t) => preview(t.input.as_ref(), Kind::Input),
                    ItemData::Thread(t) => preview(t.first_message.as_ref(), Kind::Input),
                };
                Some(Pair {
                    title: one_line(&item.title()),
                    preview: clip(p),
                    time: item_time(&item),
                    item,
                    a: sa,
                    b: sb,
                })
            })
            .collect();
        pairs.sort_by(|x, y| {
            y.diff()
                .abs()
                .total_cmp(&x.diff().abs())
                .then(y.time.cmp(&x.time))
        });
        let xs: Vec<f64> = pairs.iter().map(|p| p.a.value).collect();
        let ys: Vec<f64> = pairs.iter().map(|p| p.b.value).collect();
        let categories = categories(&pairs, cat_a, cat_b);
        Comparison {
            a,
            b,
            read,
            pearson: pearson(&xs, &ys),
            spearman: spearman(&xs, &ys),
            mean_difference: mean_difference(&xs, &ys),
            categories,
            pairs,
        }
    }
}

/// The confusion table and κ, when both sides take categories (or one does and the other's
/// values are all among its values).
fn categories(pairs: &[Pair], cat_a: bool, cat_b: bool) -> Option<Categories> {
    let values = |f: fn(&Pair) -> f64| pairs.iter().map(f).map(Key).collect::<BTreeSet<_>>();
    let (va, vb) = (values(|p| p.a.value), values(|p| p.b.value));
    let comparable = (cat_a && (cat_b || vb.is_subset(&va))) || (cat_b && va.is_subset(&vb));
    if !comparable || pairs.is_empty() {
        return None;
    }
    let mut labels = BTreeMap::new();
    for p in pairs {
        labels
            .entry(Key(p.b.value))
            .or_insert_with(|| p.b.label.clone());
    }
    if cat_a {
        for p in pairs {
            labels.insert(Key(p.a.value), p.a.label.clone());
        }
    }
    let table = Confusion::from_pairs(pairs.iter().map(|p| (Key(p.a.value), Key(p.b.value))));
    Some(Categories {
        kappa: table.kappa(),
        agreement: table.agreement(),
        table,
        labels,
    })
}

#[cfg(test)]
mod tests;

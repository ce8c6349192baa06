//! A queue's agreement, computed from its items' scores: per feedback definition of the queue
//! (items scored by two or more, exact agreement, Krippendorff's α, Cohen's κ when exactly two
//! people annotated, and every pair of annotators) and per item (each annotator's value and
//! reason, and how much they disagree). Pure: [`super::load::agreement`] reads the queue's
//! items and the definitions, `views::agreement` shows the result. The formulas are in
//! [`crate::stats`].
//!
//! Which scores count, per definition: the entries written in this queue
//! (`source_queue_id` = the queue) when any entry on the queue's items carries it; else every
//! author's entry of that name on the queue's items (servers and SDKs that do not record the
//! queue a score was given in).
//!
//! Categorical and boolean definitions are compared as categories (nominal, by label), numerical
//! ones as numbers (interval). An item's disagreement is the sum over the queue's definitions
//! of [`crate::stats::agreement::unit_disagreement`] (0 to 1 each: the share of annotator pairs
//! that differ, or the mean difference over the scale's width), so an item disputed on two
//! definitions comes before one disputed on one.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::rating::{self, Entry};
use super::session::ItemData;
use crate::opik::messages::{Kind, preview};
use crate::opik::model::{AnnotationQueue, FeedbackDefinition};
use crate::render::sanitize::one_line;
use crate::stats::agreement::{
    Unit, cohen_kappa, exact_agreement, krippendorff_alpha, pairable, pairwise, shared_values,
    unit_disagreement,
};
use crate::stats::{Level, PairStat, Stat};
use crate::widgets::list::cells::clip;

/// One annotator's score of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub label: String,
    pub value: f64,
    pub reason: Option<String>,
}

/// Agreement on one feedback definition of the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionAgreement {
    pub name: String,
    pub level: Level,
    /// The queue names it but the server has no such definition (its level is guessed).
    pub undefined: bool,
    /// Only scores written in this queue counted (else every score of the name on its items).
    pub from_queue: bool,
    /// Everyone who scored it on at least one item, sorted.
    pub annotators: Vec<String>,
    /// Items with at least one score of it.
    pub scored: usize,
    /// Items scored by at least two annotators.
    pub pairable: usize,
    pub exact: Stat,
    pub alpha: Stat,
    /// Cohen's κ, when exactly two people annotated.
    pub kappa: Option<Stat>,
    /// Every pair of annotators (indices into `annotators`): κ (nominal) or α (interval).
    pub pairs: Vec<PairStat>,
}

impl DefinitionAgreement {
    /// The pair statistic's symbol: κ for categories, α for numbers.
    pub fn pair_symbol(&self) -> &'static str {
        match self.level {
            Level::Nominal => "κ",
            Level::Interval => "α",
        }
    }

    /// The agreement of annotators `a` and `b` (either order).
    pub fn pair(&self, a: usize, b: usize) -> Option<&PairStat> {
        let (a, b) = (a.min(b), a.max(b));
        self.pairs.iter().find(|p| p.a == a && p.b == b)
    }
}

/// One item of the queue with everyone's scores.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemAgreement {
    pub id: Uuid,
    pub data: ItemData,
    /// Sanitised: the trace name or `thread ID`.
    pub title: String,
    /// Sanitised one-line preview of the input (first message of a thread).
    pub preview: String,
    /// Per definition, in the queue's order: author → rating.
    pub ratings: Vec<BTreeMap<String, Rating>>,
    /// People who scored at least one of the queue's definitions on it.
    pub annotators: usize,
    /// Sum over definitions of how much its annotators disagree; `None` when no definition
    /// has two scores on it.
    pub disagreement: Option<f64>,
    /// The definitions on which its annotators differ.
    pub disputed: Vec<String>,
}

/// An author's entry with its label under the definition (computed once).
struct Labelled {
    entry: Entry,
    label: String,
}

/// Everything the agreement view shows for one queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueAgreement {
    pub queue: AnnotationQueue,
    pub definitions: Vec<DefinitionAgreement>,
    /// Most disagreement first; items nobody scored are left out.
    pub items: Vec<ItemAgreement>,
}

impl QueueAgreement {
    /// Compute from the queue, the workspace's definitions and the queue's items.
    pub fn compute(
        queue: AnnotationQueue,
        defs: &[FeedbackDefinition],
        items: Vec<ItemData>,
    ) -> QueueAgreement {
        let names = queue.feedback_definition_names.clone().unwrap_or_default();
        let def_of = |n: &String| defs.iter().find(|x| &x.name == n);
        // entries[item][definition]
        let mut entries: Vec<Vec<Vec<Labelled>>> = items
            .iter()
            .map(|it| {
                names
                    .iter()
                    .map(|n| {
                        it.scores()
                            .iter()
                            .filter(|s| &s.name == n)
                            .flat_map(rating::entries)
                            .map(|entry| Labelled {
                                label: rating::label(
                                    def_of(n),
                                    entry.value,
                                    entry.category.as_deref(),
                                ),
                                entry,
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let mut definitions = Vec::new();
        let mut per_item: Vec<Vec<Option<f64>>> = vec![Vec::new(); items.len()];
        for (d, name) in names.iter().enumerate() {
            let from_queue = queue.id.is_some()
                && entries
                    .iter()
                    .any(|e| e[d].iter().any(|e| e.entry.queue == queue.id));
            if from_queue {
                for e in entries.iter_mut() {
                    e[d].retain(|e| e.entry.queue == queue.id);
                }
            }
            let column: Vec<&[Labelled]> = entries.iter().map(|e| e[d].as_slice()).collect();
            let (agreement, disagreement) = definition(name, def_of(name), &column, from_queue);
            for (i, v) in disagreement.into_iter().enumerate() {
                per_item[i].push(v);
            }
            definitions.push(agreement);
        }
        let mut out: Vec<ItemAgreement> = items
            .into_iter()
            .zip(entries)
            .zip(per_item)
            .filter_map(|((data, e), dis)| item(data, &names, &e, &dis))
            .collect();
        out.sort_by(|a, b| {
            let key = |i: &ItemAgreement| i.disagreement.unwrap_or(-1.0);
            key(b)
                .total_cmp(&key(a))
                .then(b.annotators.cmp(&a.annotators))
        });
        QueueAgreement {
            queue,
            definitions,
            items: out,
        }
    }
}

/// The statistics of one definition, and each item's disagreement on it.
fn definition(
    name: &str,
    def: Option<&FeedbackDefinition>,
    column: &[&[Labelled]],
    from_queue: bool,
) -> (DefinitionAgreement, Vec<Option<f64>>) {
    let level = rating::level(def, column.iter().flat_map(|c| c.iter().map(|l| &l.entry)));
    let annotators: Vec<String> = column
        .iter()
        .flat_map(|c| c.iter().map(|e| e.entry.author.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Nominal values are counted by label (two names for one value stay apart).
    let labels: BTreeMap<String, f64> = column
        .iter()
        .flat_map(|c| c.iter())
        .map(|e| e.label.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, l)| (l, i as f64))
        .collect();
    let code = |e: &Labelled| match level {
        Level::Nominal => labels.get(&e.label).copied().unwrap_or(f64::NAN),
        Level::Interval => e.entry.value,
    };
    let units: Vec<Unit> = column
        .iter()
        .map(|c| {
            let mut u = vec![None; annotators.len()];
            for e in c.iter() {
                if let Ok(i) = annotators.binary_search(&e.entry.author) {
                    u[i] = Some(code(e));
                }
            }
            u
        })
        .collect();
    let observed = units.iter().flatten().flatten().copied();
    let (lo, hi) = observed.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    let scale = rating::scale(def).unwrap_or(if hi > lo { hi - lo } else { 1.0 });
    let disagreement = units
        .iter()
        .map(|u| {
            let v: Vec<f64> = u.iter().flatten().copied().collect();
            unit_disagreement(&v, level, scale)
        })
        .collect();
    let agreement = DefinitionAgreement {
        name: one_line(name),
        level,
        undefined: def.is_none(),
        from_queue,
        scored: units
            .iter()
            .filter(|u| u.iter().any(Option::is_some))
            .count(),
        pairable: pairable(&units),
        exact: exact_agreement(&units),
        alpha: krippendorff_alpha(&units, level),
        kappa: (annotators.len() == 2).then(|| cohen_kappa(&shared_values(&units, 0, 1))),
        pairs: pairwise(&units, annotators.len(), level),
        annotators,
    };
    (agreement, disagreement)
}

/// One item's row; `None` when nobody scored it.
fn item(
    data: ItemData,
    names: &[String],
    entries: &[Vec<Labelled>],
    disagreement: &[Option<f64>],
) -> Option<ItemAgreement> {
    let id = data.item_id()?;
    let ratings: Vec<BTreeMap<String, Rating>> = entries
        .iter()
        .map(|es| {
            es.iter()
                .map(|e| {
                    let r = Rating {
                        label: e.label.clone(),
                        value: e.entry.value,
                        reason: e.entry.reason.clone(),
                    };
                    (e.entry.author.clone(), r)
                })
                .collect()
        })
        .collect();
    let annotators = ratings
        .iter()
        .flat_map(|r| r.keys())
        .collect::<BTreeSet<_>>()
        .len();
    if annotators == 0 {
        return None;
    }
    let scored: Vec<f64> = disagreement.iter().flatten().copied().collect();
    let disputed = names
        .iter()
        .zip(disagreement)
        .filter(|(_, d)| d.is_some_and(|d| d > 0.0))
        .map(|(n, _)| one_line(n))
        .collect();
    let preview = match &data {
        ItemData::Trace(t) => preview(t.input.as_ref(), Kind::Input),
        ItemData::Thread(t) => preview(t.first_message.as_ref(), Kind::Input),
    };
    Some(ItemAgreement {
        id,
        title: one_line(&data.title()),
        preview: clip(preview),
        ratings,
        annotators,
        disagreement: (!scored.is_empty()).then(|| scored.iter().sum()),
        disputed,
        data,
    })
}

#[cfg(test)]
mod tests;

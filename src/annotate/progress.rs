//! Queue progress, per-item status, resume order and the lock renewal schedule.
//!
//! Opik stores no per-item status: like its SME view, the client computes it from the item's
//! feedback scores (`value_by_author`) and comments, the queue's `annotators_per_item` and
//! the item locks (`GET …/annotation-queues/{id}/locks`). Pure logic; the annotate and queues
//! views call it.
//!
//! - done for me: I scored one of the queue's definitions or commented on the item;
//! - completed (done for the team): distinct scorers/commenters ≥ `annotators_per_item`;
//! - in review: other people's active locks fill the remaining slots;
//! - otherwise to review.
//!
//! Order: each user walks the items in a per-user shuffled order (a hash of user, queue and
//! item, as the web does), so two SMEs don't start on the same item. Resume goes to the first
//! to-review item in that order; "next" goes to the next to-review item and wraps.

use std::collections::BTreeSet;
use std::time::Duration;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::opik::model::{Comment, FeedbackScore, ItemLocks};

/// Opik's default lock timeout when the queue carries none.
pub const DEFAULT_LOCK_TIMEOUT_SECS: i64 = 300;

/// Who has annotated an item (scored one of the queue's definitions or commented).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemFacts {
    pub id: Uuid,
    pub annotators: BTreeSet<String>,
}

impl ItemFacts {
    /// Collect annotators from an item's scores (only the queue's definitions count) and
    /// comments. A score without `value_by_author` counts its `last_updated_by`/`created_by`.
    pub fn from_item(
        id: Uuid,
        scores: &[FeedbackScore],
        comments: &[Comment],
        definition_names: &[String],
    ) -> Self {
        let mut annotators = BTreeSet::new();
        for s in scores {
            if !definition_names.iter().any(|n| n == &s.name) {
                continue;
            }
            match &s.value_by_author {
                Some(by) if !by.is_empty() => annotators.extend(by.keys().cloned()),
                _ => {
                    if let Some(a) = s.last_updated_by.as_ref().or(s.created_by.as_ref()) {
                        annotators.insert(a.clone());
                    }
                }
            }
        }
        for c in comments {
            if let Some(a) = &c.created_by {
                annotators.insert(a.clone());
            }
        }
        ItemFacts { id, annotators }
    }

    pub fn done_by(&self, user: &str) -> bool {
        self.annotators.contains(user)
    }
}

/// An item's status for one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    /// `annotators_per_item` people have annotated it.
    Completed,
    /// I annotated it (the team still needs others).
    Scored,
    /// Others hold locks on every remaining slot.
    InReview,
    ToReview,
}

/// Status of an item for `me`.
pub fn item_status(
    facts: &ItemFacts,
    me: &str,
    annotators_per_item: i64,
    locks: Option<&ItemLocks>,
) -> ItemStatus {
    let per_item = annotators_per_item.max(1) as usize;
    if facts.annotators.len() >= per_item {
        return ItemStatus::Completed;
    }
    if facts.done_by(me) {
        return ItemStatus::Scored;
    }
    let remaining = per_item - facts.annotators.len();
    let others = match locks {
        Some(l) if !l.locked_by.is_empty() => l
            .locked_by
            .iter()
            .filter(|u| u.as_str() != me && !facts.annotators.contains(u.as_str()))
            .collect::<BTreeSet<_>>()
            .len(),
        Some(l) => l.active_locks.max(0) as usize,
        None => 0,
    };
    if others >= remaining {
        ItemStatus::InReview
    } else {
        ItemStatus::ToReview
    }
}

/// Counts for the progress line and the queues list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub total: usize,
    /// Items done for me ("k" of "k/N").
    pub done_for_me: usize,
    /// Items completed by the team.
    pub completed: usize,
    /// Items I did that still wait for other reviewers (so the team counts add up to the
    /// total: completed + awaiting + in review + to review).
    pub awaiting: usize,
    pub in_review: usize,
    pub to_review: usize,
}

impl Progress {
    pub fn compute(
        facts: &[ItemFacts],
        me: &str,
        annotators_per_item: i64,
        locks: &dyn Fn(&Uuid) -> Option<ItemLocks>,
    ) -> Self {
        let mut p = Progress {
            total: facts.len(),
            ..Default::default()
        };
        for f in facts {
            if f.done_by(me) {
                p.done_for_me += 1;
            }
            match item_status(f, me, annotators_per_item, locks(&f.id).as_ref()) {
                ItemStatus::Completed => p.completed += 1,
                ItemStatus::Scored => p.awaiting += 1,
                ItemStatus::InReview => p.in_review += 1,
                ItemStatus::ToReview => p.to_review += 1,
            }
        }
        p
    }

    /// My progress as a ratio 0..=1 (0 for an empty queue).
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.done_for_me as f64 / self.total as f64
        }
    }

    /// "k/N (p%)".
    pub fn label(&self) -> String {
        format!(
            "{}/{} ({})",
            self.done_for_me,
            self.total,
            crate::render::format::percent(self.ratio())
        )
    }
}

/// The per-user shuffle key of an item: SHA-256 of `user:queue:item`.
pub fn shuffle_key(user: &str, queue: &Uuid, item: &Uuid) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(user.as_bytes());
    h.update(b":");
    h.update(queue.as_bytes());
    h.update(b":");
    h.update(item.as_bytes());
    h.finalize().into()
}

/// Item ids in `user`'s review order for a queue (stable: ties, which cannot happen in
/// practice, fall back to the id).
pub fn review_order(items: &[Uuid], user: &str, queue: &Uuid) -> Vec<Uuid> {
    let mut keyed: Vec<([u8; 32], Uuid)> = items
        .iter()
        .map(|id| (shuffle_key(user, queue, id), *id))
        .collect();
    keyed.sort();
    keyed.dedup_by(|a, b| a.1 == b.1);
    keyed.into_iter().map(|(_, id)| id).collect()
}

/// Position (in `statuses`, which follows the review order) of the first item to review.
pub fn resume_position(statuses: &[ItemStatus]) -> Option<usize> {
    statuses.iter().position(|s| *s == ItemStatus::ToReview)
}

/// The next to-review position after `current`, wrapping; `None` when no other item is left.
pub fn next_to_review(statuses: &[ItemStatus], current: usize) -> Option<usize> {
    let n = statuses.len();
    (1..n)
        .map(|k| (current + k) % n)
        .find(|&i| statuses[i] == ItemStatus::ToReview)
}

/// How often to renew an item's lock while it is open: half the lock timeout (the web's
/// rhythm), at least 5 s.
pub fn lock_renewal_interval(lock_timeout_seconds: Option<i64>) -> Duration {
    let t = lock_timeout_seconds
        .filter(|t| *t > 0)
        .unwrap_or(DEFAULT_LOCK_TIMEOUT_SECS);
    Duration::from_secs(((t / 2).max(5)) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opik::model::ValueEntry;
    use std::collections::BTreeMap;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn facts(n: u128, who: &[&str]) -> ItemFacts {
        ItemFacts {
            id: id(n),
            annotators: who.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn locks(by: &[&str]) -> ItemLocks {
        ItemLocks {
            active_locks: by.len() as i64,
            locked_by: by.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn annotators_come_from_queue_scores_by_author_and_comments() {
        let mut by = BTreeMap::new();
        by.insert("ann".to_string(), ValueEntry::default());
        by.insert("bob".to_string(), ValueEntry::default());
        let scores = vec![
            FeedbackScore {
                name: "quality".into(),
                value_by_author: Some(by),
                ..Default::default()
            },
            FeedbackScore {
                name: "not-in-queue".into(),
                created_by: Some("eve".into()),
                ..Default::default()
            },
            FeedbackScore {
                name: "rating".into(),
                created_by: Some("old".into()),
                ..Default::default()
            },
        ];
        let comments = vec![Comment {
            text: "hi".into(),
            created_by: Some("cat".into()),
            ..Default::default()
        }];
        let f = ItemFacts::from_item(
            id(1),
            &scores,
            &comments,
            &["quality".into(), "rating".into()],
        );
        let names: Vec<&str> = f.annotators.iter().map(String::as_str).collect();
        assert_eq!(names, ["ann", "bob", "cat", "old"]);
    }

    #[test]
    fn statuses_follow_the_web_rules() {
        // One annotator per item.
        assert_eq!(
            item_status(&facts(1, &["me"]), "me", 1, None),
            ItemStatus::Completed
        );
        assert_eq!(
            item_status(&facts(1, &["x"]), "me", 1, None),
            ItemStatus::Completed
        );
        assert_eq!(
            item_status(&facts(1, &[]), "me", 1, None),
            ItemStatus::ToReview
        );
        assert_eq!(
            item_status(&facts(1, &[]), "me", 1, Some(&locks(&["bob"]))),
            ItemStatus::InReview
        );
        // My own lock never hides the item from me.
        assert_eq!(
            item_status(&facts(1, &[]), "me", 1, Some(&locks(&["me"]))),
            ItemStatus::ToReview
        );
        // Two per item: one other annotator plus one other lock fill it.
        assert_eq!(
            item_status(&facts(1, &["me"]), "me", 2, None),
            ItemStatus::Scored
        );
        assert_eq!(
            item_status(&facts(1, &["x"]), "me", 2, Some(&locks(&["bob"]))),
            ItemStatus::InReview
        );
        assert_eq!(
            item_status(&facts(1, &[]), "me", 2, Some(&locks(&["bob"]))),
            ItemStatus::ToReview
        );
        // A lock without names counts by number.
        let anon = ItemLocks {
            active_locks: 2,
            locked_by: vec![],
        };
        assert_eq!(
            item_status(&facts(1, &[]), "me", 2, Some(&anon)),
            ItemStatus::InReview
        );
    }

    #[test]
    fn progress_counts() {
        let all = vec![
            facts(1, &["me"]),
            facts(2, &["me", "x"]),
            facts(3, &["x"]),
            facts(4, &[]),
            facts(5, &[]),
        ];
        let lk = |i: &Uuid| (*i == id(5)).then(|| locks(&["bob", "carl"]));
        let p = Progress::compute(&all, "me", 2, &lk);
        assert_eq!(
            p,
            Progress {
                total: 5,
                done_for_me: 2,
                completed: 1,
                awaiting: 1,
                in_review: 1,
                to_review: 2
            }
        );
        assert_eq!(
            p.completed + p.awaiting + p.in_review + p.to_review,
            p.total
        );
        assert_eq!(
            p.label(),
            format!("2/5 ({})", crate::render::format::percent(0.4))
        );
        assert_eq!(Progress::default().ratio(), 0.0);
    }

    #[test]
    fn review_order_is_per_user_and_stable() {
        let items: Vec<Uuid> = (1..=20).map(id).collect();
        let q = id(99);
        let a1 = review_order(&items, "ann", &q);
        let a2 = review_order(&items, "ann", &q);
        let b = review_order(&items, "bob", &q);
        assert_eq!(a1, a2);
        assert_ne!(a1, b, "two users get different orders");
        let mut sorted = a1.clone();
        sorted.sort();
        assert_eq!(sorted, items, "a permutation of the items");
        assert_ne!(a1, items, "shuffled");
    }

    #[test]
    fn resume_and_next_skip_done_and_wrap() {
        use ItemStatus::*;
        let s = [Completed, Scored, ToReview, InReview, ToReview];
        assert_eq!(resume_position(&s), Some(2));
        assert_eq!(next_to_review(&s, 2), Some(4));
        assert_eq!(next_to_review(&s, 4), Some(2));
        assert_eq!(next_to_review(&[ToReview], 0), None);
        assert_eq!(resume_position(&[Completed, Scored]), None);
    }

    #[test]
    fn lock_renewal_is_half_the_timeout() {
        assert_eq!(lock_renewal_interval(None), Duration::from_secs(150));
        assert_eq!(lock_renewal_interval(Some(60)), Duration::from_secs(30));
        assert_eq!(lock_renewal_interval(Some(4)), Duration::from_secs(5));
        assert_eq!(lock_renewal_interval(Some(-1)), Duration::from_secs(150));
    }
}

//! Locks: the pure decision ([`decide_lock`]), unit-tested with explicit clocks.

use std::collections::BTreeSet;

use chrono::Duration;

use opik_model::Timestamp;

/// A stored lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Lock {
    pub locked_by: String,
    pub expires_at: Timestamp,
}

/// What a lock claim decides.
#[derive(Debug, Clone, PartialEq)]
pub enum LockDecision {
    /// The caller holds the lock until `expires_at` (new or renewed).
    Acquired { expires_at: Timestamp },
    /// All slots are taken. `locked_by`/`expires_at` name the earliest-expiring other
    /// holder when there is one (none when the item is already complete).
    Refused {
        locked_by: Option<String>,
        expires_at: Option<Timestamp>,
    },
}

/// Decide a lock claim by `user` on an item at time `now`.
///
/// `done_by` = people who already completed the item (scored one of the queue's definitions or
/// commented); `locks` = the item's stored locks (expired ones are ignored). Rules:
/// - my active lock → renewed; I already completed the item → granted (I may edit my scores);
/// - otherwise slots = `annotators_per_item` − |done_by|, and active locks held by people who
///   have not completed the item take slots; a free slot → granted, else refused.
pub fn decide_lock(
    now: Timestamp,
    user: &str,
    annotators_per_item: i64,
    lock_timeout_seconds: i64,
    done_by: &BTreeSet<String>,
    locks: &[Lock],
) -> LockDecision {
    let expires_at = now + Duration::seconds(lock_timeout_seconds.max(1));
    let active: Vec<&Lock> = locks.iter().filter(|l| l.expires_at > now).collect();
    if active.iter().any(|l| l.locked_by == user) || done_by.contains(user) {
        return LockDecision::Acquired { expires_at };
    }
    let slots = annotators_per_item.max(1) - done_by.len() as i64;
    let mut others: Vec<&&Lock> = active
        .iter()
        .filter(|l| !done_by.contains(&l.locked_by))
        .collect();
    if (others.len() as i64) < slots {
        return LockDecision::Acquired { expires_at };
    }
    others.sort_by_key(|l| l.expires_at);
    LockDecision::Refused {
        locked_by: others.first().map(|l| l.locked_by.clone()),
        expires_at: others.first().map(|l| l.expires_at),
    }
}

//! Background tasks: screens hand futures to [`Tasks::spawn`]; each runs on the tokio
//! runtime and posts a [`TaskMsg`] into the app's channel, tagged with the screen id, a key and
//! a generation. The shell drops a result when its screen is gone or a newer request with the
//! same key was started (so a slow page for an old search never overwrites the new one).
//! The number of requests in flight drives the status-bar spinner; long-lived listeners
//! (waiting for the outbox's next event) are spawned "quiet" and do not count.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::future::Future;

use tokio::sync::mpsc::UnboundedSender;

use super::screen::ScreenId;

/// A finished task, as it travels back to the UI loop.
pub struct TaskMsg {
    pub screen: ScreenId,
    pub key: &'static str,
    pub generation: u64,
    pub value: Box<dyn Any + Send>,
}

/// Spawns tasks and tracks which results are still wanted.
pub struct Tasks {
    tx: Option<UnboundedSender<TaskMsg>>,
    next_gen: u64,
    latest: HashMap<(ScreenId, &'static str), u64>,
    /// Listeners that may wait forever: not "loading", so not counted by [`Tasks::busy`].
    quiet: HashSet<(ScreenId, &'static str)>,
    /// Keys spawned without a runtime (tests): recorded, not run.
    pub(crate) unrun: Vec<(ScreenId, &'static str)>,
}

impl Tasks {
    /// `tx: None` records requests without running them (rendering tests).
    pub fn new(tx: Option<UnboundedSender<TaskMsg>>) -> Tasks {
        Tasks {
            tx,
            next_gen: 1,
            latest: HashMap::new(),
            quiet: HashSet::new(),
            unrun: Vec::new(),
        }
    }

    pub fn spawn<T, F>(&mut self, screen: ScreenId, key: &'static str, fut: F) -> u64
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        self.quiet.remove(&(screen, key));
        let generation = self.next_gen;
        self.next_gen += 1;
        self.latest.insert((screen, key), generation);
        match (&self.tx, tokio::runtime::Handle::try_current()) {
            (Some(tx), Ok(handle)) => {
                let tx = tx.clone();
                handle.spawn(async move {
                    let value = fut.await;
                    let _ = tx.send(TaskMsg {
                        screen,
                        key,
                        generation,
                        value: Box::new(value),
                    });
                });
            }
            _ => self.unrun.push((screen, key)),
        }
        generation
    }

    /// As [`Tasks::spawn`], for a listener that may wait indefinitely (the outbox's next
    /// event): it does not make the app look busy.
    pub fn spawn_quiet<T, F>(&mut self, screen: ScreenId, key: &'static str, fut: F) -> u64
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let generation = self.spawn(screen, key, fut);
        self.quiet.insert((screen, key));
        generation
    }

    /// Accept a finished task if it is still wanted (and mark it done).
    pub fn accept(&mut self, msg: &TaskMsg) -> bool {
        match self.latest.get(&(msg.screen, msg.key)) {
            Some(g) if *g == msg.generation => {
                self.latest.remove(&(msg.screen, msg.key));
                self.quiet.remove(&(msg.screen, msg.key));
                true
            }
            _ => false,
        }
    }

    pub fn in_flight(&self, screen: ScreenId, key: &'static str) -> bool {
        self.latest.contains_key(&(screen, key))
    }

    pub fn cancel(&mut self, screen: ScreenId, key: &'static str) {
        self.latest.remove(&(screen, key));
        self.quiet.remove(&(screen, key));
    }

    /// Forget everything a closed screen asked for.
    pub fn forget_screen(&mut self, screen: ScreenId) {
        self.latest.retain(|(s, _), _| *s != screen);
        self.quiet.retain(|(s, _)| *s != screen);
    }

    /// Requests whose results are still awaited (spinner).
    pub fn busy(&self) -> usize {
        self.latest
            .keys()
            .filter(|k| !self.quiet.contains(*k))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_listeners_do_not_count_as_busy() {
        let mut t = Tasks::new(None);
        t.spawn_quiet(1, "outbox", async {});
        assert_eq!(t.busy(), 0, "a listener waiting for events is not loading");
        assert!(t.in_flight(1, "outbox"));
        t.spawn(1, "page", async {});
        assert_eq!(t.busy(), 1);
        // The same key spawned as a normal request counts again.
        t.spawn(1, "outbox", async {});
        assert_eq!(t.busy(), 2);
        t.forget_screen(1);
        assert_eq!(t.busy(), 0);
    }

    #[tokio::test]
    async fn newer_request_makes_older_stale_and_closed_screens_drop() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut t = Tasks::new(Some(tx));
        let (slow_tx, slow_rx) = tokio::sync::oneshot::channel::<()>();
        t.spawn(1, "page", async move {
            let _ = slow_rx.await;
            "old"
        });
        t.spawn(1, "page", async { "new" });
        t.spawn(2, "page", async { "other screen" });
        assert_eq!(t.busy(), 2);
        let mut got = Vec::new();
        for _ in 0..2 {
            let m = rx.recv().await.unwrap();
            got.push((m.screen, t.accept(&m)));
        }
        t.forget_screen(2);
        let _ = slow_tx.send(());
        let m = rx.recv().await.unwrap();
        assert!(!t.accept(&m), "a superseded result is stale");
        assert_eq!(*m.value.downcast::<&str>().unwrap(), "old");
        let m_screen = m.screen;
        assert_eq!(m_screen, 1);
        got.sort();
        // The fresh result of screen 1 is accepted; screen 2's result too (it arrived
        // before the screen was forgotten); the old result of screen 1 is stale.
        assert_eq!(got, vec![(1, true), (2, true)]);
        assert_eq!(t.busy(), 0);
    }

    #[test]
    fn without_runtime_requests_are_recorded() {
        let mut t = Tasks::new(None);
        t.spawn(7, "load", async { 1 });
        assert_eq!(t.unrun, vec![(7, "load")]);
        assert!(t.in_flight(7, "load"));
    }
}

//! The in-process change hub behind the `watch-v1` push wait.
//!
//! Every status change of a connected account calls [`Hub::notify`] with its id. A watch
//! (one SSE stream) owns two unbounded channels of ids to read and push ([`WatchRx`]): one
//! for changes, one for the first reads of added ids. The hub maps each account id to the
//! watches holding it, so a change costs one hash lookup plus one send per interested watch,
//! however many ids a watch holds. Adding ids subscribes them first and then queues them,
//! so the stream reads their current state *after* subscribing and no change can fall
//! between the two.
//!
//! The stream drains changes first: adding 100,000 ids queues 100,000 first reads, and an
//! approval must not wait behind them. The order of the two does not matter, since every
//! read returns the account's current state.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc;

#[derive(Debug)]
struct Watch {
    project_id: String,
    /// Ids that changed.
    changes: mpsc::UnboundedSender<String>,
    /// Ids just added, to read for the first time.
    added: mpsc::UnboundedSender<String>,
    ids: HashSet<String>,
}

/// What a watch stream reads: the ids whose current state it must push.
#[derive(Debug)]
pub struct WatchRx {
    /// Ids that changed (or must be read again): read these first.
    pub changes: mpsc::UnboundedReceiver<String>,
    /// Ids added to the watch, whose current state is read once.
    pub added: mpsc::UnboundedReceiver<String>,
}

impl WatchRx {
    /// The next id to read, changes first; `None` once the watch is gone.
    pub async fn recv(&mut self) -> Option<String> {
        tokio::select! {
            biased;
            id = self.changes.recv() => id,
            id = self.added.recv() => id,
        }
    }

    /// Up to `max` more ids that are queued now, changes first.
    pub fn take_queued(&mut self, ids: &mut Vec<String>, max: usize) {
        for queue in [&mut self.changes, &mut self.added] {
            while ids.len() < max {
                match queue.try_recv() {
                    Ok(id) => ids.push(id),
                    Err(_) => break,
                }
            }
        }
    }

    /// Drops every queued id.
    pub fn clear(&mut self) {
        while self.changes.try_recv().is_ok() {}
        while self.added.try_recv().is_ok() {}
    }
}

#[derive(Debug, Default)]
struct Inner {
    by_account: HashMap<String, HashSet<String>>,
    watches: HashMap<String, Watch>,
    /// Told the id of every watch that closes (the cluster forgets it in the database).
    on_close: Option<mpsc::UnboundedSender<String>>,
}

/// Subscriptions of watches to account ids.
#[derive(Debug, Default, Clone)]
pub struct Hub {
    inner: Arc<Mutex<Inner>>,
}

/// Unregisters its watch when dropped (when the SSE stream ends).
#[derive(Debug)]
pub struct WatchGuard {
    hub: Hub,
    /// The watch id (`wch_…`).
    pub watch_id: String,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.hub.unregister(&self.watch_id);
    }
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new watch of a project; the receivers yield ids to (re)read and push.
    pub fn register(&self, project_id: &str) -> (WatchGuard, WatchRx) {
        let (changes, changes_rx) = mpsc::unbounded_channel();
        let (added, added_rx) = mpsc::unbounded_channel();
        let watch_id = crate::ids::watch();
        self.lock().watches.insert(
            watch_id.clone(),
            Watch {
                project_id: project_id.to_owned(),
                changes,
                added,
                ids: HashSet::new(),
            },
        );
        (
            WatchGuard {
                hub: self.clone(),
                watch_id,
            },
            WatchRx {
                changes: changes_rx,
                added: added_rx,
            },
        )
    }

    /// Sends the id of every watch that closes from now on to `tx`.
    pub fn on_close(&self, tx: mpsc::UnboundedSender<String>) {
        self.lock().on_close = Some(tx);
    }

    fn unregister(&self, watch_id: &str) {
        let mut inner = self.lock();
        if let Some(tx) = &inner.on_close {
            let _ = tx.send(watch_id.to_owned());
        }
        if let Some(w) = inner.watches.remove(watch_id) {
            for id in w.ids {
                if let Some(set) = inner.by_account.get_mut(&id) {
                    set.remove(watch_id);
                    if set.is_empty() {
                        inner.by_account.remove(&id);
                    }
                }
            }
        }
    }

    /// Adds ids to a watch of `project_id` and queues each for an immediate state push.
    /// `None` when there is no such watch for the project.
    pub fn add(&self, watch_id: &str, project_id: &str, ids: &[String]) -> Option<usize> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let watch = inner.watches.get_mut(watch_id)?;
        if watch.project_id != project_id {
            return None;
        }
        for id in ids {
            watch.ids.insert(id.clone());
            inner
                .by_account
                .entry(id.clone())
                .or_default()
                .insert(watch_id.to_owned());
            let _ = watch.added.send(id.clone());
        }
        Some(watch.ids.len())
    }

    /// Removes ids from a watch; `None` when there is no such watch for the project.
    pub fn remove(&self, watch_id: &str, project_id: &str, ids: &[String]) -> Option<usize> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let watch = inner.watches.get_mut(watch_id)?;
        if watch.project_id != project_id {
            return None;
        }
        for id in ids {
            if watch.ids.remove(id) {
                if let Some(set) = inner.by_account.get_mut(id) {
                    set.remove(watch_id);
                    if set.is_empty() {
                        inner.by_account.remove(id);
                    }
                }
            }
        }
        Some(watch.ids.len())
    }

    /// Makes a watch hold exactly `ids`: new ones are subscribed and queued for a state push,
    /// missing ones dropped. `false` when this hub has no such watch.
    pub fn sync(&self, watch_id: &str, ids: &[String]) -> bool {
        let (project, held) = {
            let inner = self.lock();
            match inner.watches.get(watch_id) {
                Some(w) => (w.project_id.clone(), w.ids.clone()),
                None => return false,
            }
        };
        let wanted: HashSet<String> = ids.iter().cloned().collect();
        let gone: Vec<String> = held.difference(&wanted).cloned().collect();
        let new: Vec<String> = wanted.difference(&held).cloned().collect();
        self.remove(watch_id, &project, &gone);
        self.add(watch_id, &project, &new);
        true
    }

    /// Whether this hub holds the watch.
    pub fn holds(&self, watch_id: &str) -> bool {
        self.lock().watches.contains_key(watch_id)
    }

    /// Queues every watched id of every watch for a fresh read (after changes may have been
    /// missed, e.g. while the cluster's listener reconnected).
    pub fn notify_all(&self) {
        let inner = self.lock();
        for watch in inner.watches.values() {
            for id in &watch.ids {
                let _ = watch.changes.send(id.clone());
            }
        }
    }

    /// Tells every watch holding `account_id` that it changed.
    pub fn notify(&self, account_id: &str) {
        let inner = self.lock();
        if let Some(watchers) = inner.by_account.get(account_id) {
            for w in watchers {
                if let Some(watch) = inner.watches.get(w) {
                    let _ = watch.changes.send(account_id.to_owned());
                }
            }
        }
    }

    /// Number of open watches.
    #[cfg(test)]
    pub fn watch_count(&self) -> usize {
        self.lock().watches.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn notifies_only_subscribed_watches_and_cleans_up() {
        let hub = Hub::default();
        let (g1, mut rx1) = hub.register("p1");
        let (g2, mut rx2) = hub.register("p1");
        let ids: Vec<String> = (0..10_000).map(|i| format!("ca_{i}")).collect();
        assert_eq!(hub.add(&g1.watch_id, "p1", &ids), Some(10_000));
        assert_eq!(hub.add(&g1.watch_id, "p2", &ids), None, "other project");
        for _ in 0..10_000 {
            rx1.added.recv().await.unwrap();
        }
        assert!(rx1.changes.try_recv().is_err(), "adding is no change");
        hub.notify("ca_9999");
        assert_eq!(rx1.changes.recv().await.unwrap(), "ca_9999");
        assert!(rx2.changes.try_recv().is_err());
        assert!(rx2.added.try_recv().is_err());
        assert_eq!(
            hub.remove(&g1.watch_id, "p1", &["ca_9999".into()]),
            Some(9_999)
        );
        hub.notify("ca_9999");
        assert!(rx1.changes.try_recv().is_err());
        drop(g1);
        assert_eq!(hub.watch_count(), 1);
        assert!(hub.lock().by_account.is_empty());
        drop(g2);
    }

    #[tokio::test]
    async fn changes_are_read_before_the_first_reads_of_added_ids() {
        let hub = Hub::default();
        let (g, mut rx) = hub.register("p");
        let ids: Vec<String> = (0..1_000).map(|i| format!("ca_{i}")).collect();
        hub.add(&g.watch_id, "p", &ids);
        hub.notify("ca_999");
        assert_eq!(rx.recv().await.as_deref(), Some("ca_999"));
        let mut batch = Vec::new();
        rx.take_queued(&mut batch, 10);
        assert_eq!(batch, ids[..10]);
        hub.notify("ca_5");
        let mut batch = vec![rx.recv().await.unwrap()];
        rx.take_queued(&mut batch, 3);
        assert_eq!(batch, ["ca_5", "ca_10", "ca_11"]);
        rx.clear();
        assert!(rx.added.try_recv().is_err() && rx.changes.try_recv().is_err());
        drop(g);
        assert_eq!(rx.recv().await, None, "the watch is gone");
    }

    #[tokio::test]
    async fn sync_notify_all_and_close_events() {
        let hub = Hub::default();
        let (closed_tx, mut closed) = mpsc::unbounded_channel();
        hub.on_close(closed_tx);
        let (g, mut rx) = hub.register("p");
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(hub.sync(&g.watch_id, &ids(&["a", "b"])));
        let mut got = vec![
            rx.added.recv().await.unwrap(),
            rx.added.recv().await.unwrap(),
        ];
        got.sort();
        assert_eq!(got, ["a", "b"]);
        // "b" is dropped, "c" is new: only "c" is queued.
        assert!(hub.sync(&g.watch_id, &ids(&["a", "c"])));
        assert_eq!(rx.added.recv().await.unwrap(), "c");
        assert!(rx.added.try_recv().is_err());
        hub.notify("b");
        assert!(rx.changes.try_recv().is_err());
        // Everything is read again after missed changes, as changes (read first).
        hub.notify_all();
        let mut got = vec![
            rx.changes.recv().await.unwrap(),
            rx.changes.recv().await.unwrap(),
        ];
        got.sort();
        assert_eq!(got, ["a", "c"]);
        assert!(hub.holds(&g.watch_id));
        assert!(!hub.sync("wch_other", &ids(&["a"])));
        let id = g.watch_id.clone();
        drop(g);
        assert_eq!(closed.recv().await.unwrap(), id);
        assert!(!hub.holds(&id));
    }
}

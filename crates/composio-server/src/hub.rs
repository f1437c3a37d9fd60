//! The in-process change hub behind the `watch-v1` push wait.
//!
//! Every status change of a connected account calls [`Hub::notify`] with its id. A watch
//! (one SSE stream) owns one unbounded channel; the hub maps each account id to the watches
//! holding it, so a change costs one hash lookup plus one send per interested watch, however
//! many ids a watch holds. Adding ids subscribes them first and then queues them on the
//! watch's channel, so the stream reads their current state *after* subscribing and no
//! change can fall between the two.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc;

#[derive(Debug)]
struct Watch {
    project_id: String,
    tx: mpsc::UnboundedSender<String>,
    ids: HashSet<String>,
}

#[derive(Debug, Default)]
struct Inner {
    by_account: HashMap<String, HashSet<String>>,
    watches: HashMap<String, Watch>,
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

    /// A new watch of a project; the receiver yields ids to (re)read and push.
    pub fn register(&self, project_id: &str) -> (WatchGuard, mpsc::UnboundedReceiver<String>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let watch_id = crate::ids::watch();
        self.lock().watches.insert(
            watch_id.clone(),
            Watch {
                project_id: project_id.to_owned(),
                tx,
                ids: HashSet::new(),
            },
        );
        (
            WatchGuard {
                hub: self.clone(),
                watch_id,
            },
            rx,
        )
    }

    fn unregister(&self, watch_id: &str) {
        let mut inner = self.lock();
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
            let _ = watch.tx.send(id.clone());
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

    /// Tells every watch holding `account_id` that it changed.
    pub fn notify(&self, account_id: &str) {
        let inner = self.lock();
        if let Some(watchers) = inner.by_account.get(account_id) {
            for w in watchers {
                if let Some(watch) = inner.watches.get(w) {
                    let _ = watch.tx.send(account_id.to_owned());
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
            rx1.recv().await.unwrap();
        }
        hub.notify("ca_9999");
        assert_eq!(rx1.recv().await.unwrap(), "ca_9999");
        assert!(rx2.try_recv().is_err());
        assert_eq!(
            hub.remove(&g1.watch_id, "p1", &["ca_9999".into()]),
            Some(9_999)
        );
        hub.notify("ca_9999");
        assert!(rx1.try_recv().is_err());
        drop(g1);
        assert_eq!(hub.watch_count(), 1);
        assert!(hub.lock().by_account.is_empty());
        drop(g2);
    }
}

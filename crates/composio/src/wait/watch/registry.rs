//! The pending push waits of a client, and the ids its server-side watch has to add or drop.
//!
//! Plain data behind the client's mutex: no I/O, no task. The watcher ([`super::stream`])
//! asks it for the next update of the watched ids and delivers outcomes through it.

use std::collections::{HashMap, HashSet};

use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::wait::Outcome;

/// At most this many ids per add/remove request (and in the opening request).
pub(super) const MAX_BATCH: usize = 1000;

/// One waiting future: its key (so that dropping it removes exactly it) and where its
/// outcome goes.
#[derive(Debug)]
struct PendingWait {
    key: u64,
    tx: oneshot::Sender<Outcome>,
}

/// Whether the push wait may be used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Push {
    /// Yes.
    #[default]
    On,
    /// Not before this instant (after repeated failures).
    OffUntil(Instant),
    /// Never again (the server has no watch endpoint).
    Off,
}

/// One request's worth of change to the server's set of watched ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum IdsUpdate {
    /// `POST …/watch/{watch_id}/ids`.
    Add(Vec<String>),
    /// `DELETE …/watch/{watch_id}/ids`.
    Remove(Vec<String>),
}

/// The pending waits and what the server's watch must learn about them.
#[derive(Debug, Default)]
pub(super) struct Registry {
    /// Pending waits by connected account id.
    waits: HashMap<String, Vec<PendingWait>>,
    /// Ids whose membership in `waits` changed since the last update of the watch.
    dirty: HashSet<String>,
    next_key: u64,
    push: Push,
    /// Whether the watcher task runs (or is being started).
    pub(super) task_running: bool,
    /// The client was dropped.
    pub(super) closed: bool,
}

impl Registry {
    /// Whether push waits may be used now (a cool-down that is over turns push back on).
    pub(super) fn push_enabled(&mut self) -> bool {
        match self.push {
            Push::On => true,
            Push::Off => false,
            Push::OffUntil(until) if Instant::now() >= until => {
                self.push = Push::On;
                true
            }
            Push::OffUntil(_) => false,
        }
    }

    /// Turns push off until `until`, or for good (`None`).
    pub(super) fn disable(&mut self, until: Option<Instant>) {
        self.push = until.map_or(Push::Off, Push::OffUntil);
    }

    /// Adds a wait on `id` that completes through `tx`; returns its key.
    pub(super) fn add(&mut self, id: &str, tx: oneshot::Sender<Outcome>) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        let waits = self.waits.entry(id.to_owned()).or_default();
        if waits.is_empty() {
            self.dirty.insert(id.to_owned());
        }
        waits.push(PendingWait { key, tx });
        key
    }

    /// Removes the wait `key` on `id`. Returns `true` when it was the last one on `id`, so
    /// that the watch should drop the id.
    pub(super) fn remove(&mut self, id: &str, key: u64) -> bool {
        let Some(waits) = self.waits.get_mut(id) else {
            return false;
        };
        waits.retain(|w| w.key != key);
        if !waits.is_empty() {
            return false;
        }
        self.waits.remove(id);
        self.dirty.insert(id.to_owned());
        true
    }

    /// Whether no wait is pending.
    pub(super) fn is_empty(&self) -> bool {
        self.waits.is_empty()
    }

    /// Ends every wait on `id` with `outcome()`, and marks the id to be dropped from the
    /// watch (a no-op update when the server never had it).
    pub(super) fn complete(&mut self, id: String, outcome: impl Fn() -> Outcome) {
        if let Some(waits) = self.waits.remove(&id) {
            for wait in waits {
                let _ = wait.tx.send(outcome());
            }
        }
        self.dirty.insert(id);
    }

    /// Ends every pending wait with `Fallback` (they poll instead).
    pub(super) fn fall_back_all(&mut self) {
        for (_, waits) in self.waits.drain() {
            for wait in waits {
                let _ = wait.tx.send(Outcome::Fallback);
            }
        }
        self.dirty.clear();
    }

    /// For a new watch, which starts empty: every pending id must be (re-)added. Returns the
    /// ids of the opening request (at most [`MAX_BATCH`]); the others are left to add.
    pub(super) fn restart(&mut self) -> Vec<String> {
        let all: Vec<String> = self.waits.keys().cloned().collect();
        self.dirty = all.iter().skip(MAX_BATCH).cloned().collect();
        all.into_iter().take(MAX_BATCH).collect()
    }

    /// Whether the watch has something to learn.
    pub(super) fn has_changes(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// The next update of a watch that holds `synced`: adds first, at most [`MAX_BATCH`] ids;
    /// what does not fit stays for the next update. `synced` is updated as if the request
    /// succeeded (when it fails, the watcher reconnects and starts over).
    ///
    /// It looks at no more of the changed ids than one request takes (plus those that need
    /// nothing), so registering 100,000 waits costs 100 short steps, not 100 passes over all
    /// of them while the registry is locked.
    pub(super) fn next_update(&mut self, synced: &mut HashSet<String>) -> Option<IdsUpdate> {
        let mut add = Vec::new();
        let mut remove = Vec::new();
        let mut settled = Vec::new();
        for id in &self.dirty {
            if add.len() == MAX_BATCH || remove.len() == MAX_BATCH {
                break;
            }
            match (self.waits.contains_key(id), synced.contains(id)) {
                (true, false) => add.push(id.clone()),
                (false, true) => remove.push(id.clone()),
                _ => settled.push(id.clone()),
            }
        }
        for id in &settled {
            self.dirty.remove(id);
        }
        let adding = !add.is_empty();
        let batch = if adding { add } else { remove };
        if batch.is_empty() {
            return None;
        }
        for id in &batch {
            self.dirty.remove(id);
            if adding {
                synced.insert(id.clone());
            } else {
                synced.remove(id);
            }
        }
        Some(if adding {
            IdsUpdate::Add(batch)
        } else {
            IdsUpdate::Remove(batch)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(registry: &mut Registry, id: &str) -> (u64, oneshot::Receiver<Outcome>) {
        let (tx, rx) = oneshot::channel();
        (registry.add(id, tx), rx)
    }

    #[test]
    fn an_id_is_watched_while_someone_waits_on_it() {
        let mut r = Registry::default();
        let mut synced = HashSet::new();
        let (k1, _rx1) = wait(&mut r, "ca_1");
        let (k2, _rx2) = wait(&mut r, "ca_1");
        assert_eq!(
            r.next_update(&mut synced),
            Some(IdsUpdate::Add(vec!["ca_1".into()]))
        );
        assert_eq!(r.next_update(&mut synced), None);
        assert!(!r.remove("ca_1", k1), "another wait is still on ca_1");
        assert!(!r.has_changes());
        assert!(r.remove("ca_1", k2));
        assert_eq!(
            r.next_update(&mut synced),
            Some(IdsUpdate::Remove(vec!["ca_1".into()]))
        );
        assert!(synced.is_empty());
        assert!(r.is_empty());
    }

    #[test]
    fn adds_go_first_and_batches_are_bounded() {
        let mut r = Registry::default();
        let mut synced = HashSet::new();
        let (gone, _rx) = wait(&mut r, "ca_gone");
        r.next_update(&mut synced);
        assert!(r.remove("ca_gone", gone));
        let _rxs: Vec<_> = (0..MAX_BATCH + 5)
            .map(|i| wait(&mut r, &format!("ca_{i}")))
            .collect();
        let Some(IdsUpdate::Add(first)) = r.next_update(&mut synced) else {
            panic!("adds first");
        };
        assert_eq!(first.len(), MAX_BATCH);
        let Some(IdsUpdate::Add(second)) = r.next_update(&mut synced) else {
            panic!("the rest of the adds");
        };
        assert_eq!(second.len(), 5);
        assert_eq!(
            r.next_update(&mut synced),
            Some(IdsUpdate::Remove(vec!["ca_gone".into()]))
        );
        assert_eq!(r.next_update(&mut synced), None);
        assert_eq!(synced.len(), MAX_BATCH + 5);
    }

    #[test]
    fn completing_and_falling_back_end_the_waits() {
        let mut r = Registry::default();
        let (_, mut done) = wait(&mut r, "ca_1");
        let (_, mut other) = wait(&mut r, "ca_2");
        r.complete("ca_1".into(), || Outcome::NotFound);
        assert!(matches!(done.try_recv(), Ok(Outcome::NotFound)));
        assert!(r.has_changes(), "ca_1 is to be dropped from the watch");
        r.fall_back_all();
        assert!(matches!(other.try_recv(), Ok(Outcome::Fallback)));
        assert!(r.is_empty() && !r.has_changes());
    }

    #[test]
    fn restart_re_adds_every_pending_id() {
        let mut r = Registry::default();
        let _rxs: Vec<_> = (0..MAX_BATCH + 2)
            .map(|i| wait(&mut r, &format!("ca_{i}")))
            .collect();
        let mut synced: HashSet<String> = r.restart().into_iter().collect();
        assert_eq!(synced.len(), MAX_BATCH);
        let Some(IdsUpdate::Add(rest)) = r.next_update(&mut synced) else {
            panic!("the ids beyond the opening request are added next");
        };
        assert_eq!(rest.len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn push_comes_back_after_a_cool_down_but_not_after_off() {
        let mut r = Registry::default();
        assert!(r.push_enabled());
        r.disable(Some(Instant::now() + std::time::Duration::from_secs(30)));
        assert!(!r.push_enabled());
        tokio::time::advance(std::time::Duration::from_secs(30)).await;
        assert!(r.push_enabled());
        r.disable(None);
        tokio::time::advance(std::time::Duration::from_secs(3600)).await;
        assert!(!r.push_enabled());
    }
}

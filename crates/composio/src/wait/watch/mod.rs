//! The push wait (`watch-v1`): one watcher task per client multiplexes every pending wait over
//! one server-sent-events stream.
//!
//! A waiting future costs one map entry and a oneshot channel; it makes no request and runs
//! no task of its own. The watcher keeps the server's set of watched ids in line with the
//! pending waits: ids added (or dropped) within [`stream::COALESCE`] go in one request of at
//! most [`registry::MAX_BATCH`] ids, one request at a time so adds and removes stay in order.
//! When the stream breaks it reconnects with backoff and re-adds every pending id; when the
//! endpoint is missing (404/405/501) or keeps failing, pending waits fall back to polling.
//!
//! - [`registry`]: the pending waits, and the ids the server's watch has to add or drop.
//! - [`stream`]: the watcher task: the stream, reconnects and backoff, the fallback.
//! - here: [`Waiter`], the client's handle, and [`Registration`], one waiting future.

mod registry;
mod stream;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use tokio::sync::{oneshot, Notify};

use self::registry::Registry;
use super::Outcome;
use crate::request::Api;

/// The push-wait component of a client.
#[derive(Debug)]
pub(crate) struct Waiter {
    shared: Arc<Shared>,
}

/// What the client's handles and the watcher task share.
#[derive(Debug)]
struct Shared {
    api: Arc<Api>,
    registry: Mutex<Registry>,
    /// Wakes the watcher: a wait was added or dropped, or the client was dropped.
    wake: Notify,
}

impl Shared {
    /// The registry, locked (a panic while it was held does not make it unusable).
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Waiter {
    pub(crate) fn new(api: Arc<Api>) -> Self {
        Self {
            shared: Arc::new(Shared {
                api,
                registry: Mutex::new(Registry::default()),
                wake: Notify::new(),
            }),
        }
    }

    /// Whether push waits may be used now.
    pub(crate) fn push_enabled(&self) -> bool {
        self.shared.registry().push_enabled()
    }

    /// Registers a wait for `id`; `None` when push is unavailable (poll instead).
    pub(crate) fn register(&self, id: &str) -> Option<Registration> {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let (tx, rx) = oneshot::channel();
        let key = {
            let mut registry = self.shared.registry();
            if registry.closed || !registry.push_enabled() {
                return None;
            }
            let key = registry.add(id, tx);
            if !registry.task_running {
                registry.task_running = true;
                runtime.spawn(stream::run(self.shared.clone()));
            }
            key
        };
        self.shared.wake.notify_one();
        Some(Registration {
            shared: self.shared.clone(),
            id: id.to_owned(),
            key,
            rx,
        })
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.shared.registry().closed = true;
        self.shared.wake.notify_one();
    }
}

/// One pending push wait; dropping it stops watching the id (when no one else waits on it).
#[derive(Debug)]
pub(crate) struct Registration {
    shared: Arc<Shared>,
    id: String,
    key: u64,
    rx: oneshot::Receiver<Outcome>,
}

impl Future for Registration {
    type Output = Outcome;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        Pin::new(&mut self.rx)
            .poll(cx)
            .map(|r| r.unwrap_or(Outcome::Fallback))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let id_dropped = self.shared.registry().remove(&self.id, self.key);
        if id_dropped {
            self.shared.wake.notify_one();
        }
    }
}

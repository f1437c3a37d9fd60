//! The push wait (`watch-v1`): one watcher task per client multiplexes every pending wait over
//! one server-sent-events stream.
//!
//! A waiting future costs one map entry and a oneshot channel; it makes no request and runs
//! no task of its own. The watcher keeps the server's set of watched ids in line with the
//! pending waits: ids added (or dropped) within [`COALESCE`] go in one request of at most
//! [`MAX_BATCH`] ids, one request at a time so adds and removes stay in order. When the stream
//! breaks it reconnects with backoff and re-adds every pending id; when the endpoint is
//! missing (404/405/501) or keeps failing, pending waits fall back to polling.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use std::{future::Future, pin::Pin};

use bytes::Bytes;
use composio_core::models::watch::{
    events, WatchIdsRequest, WatchNotFound, WatchReady, WatchRequest,
};
use composio_core::models::ConnectedAccount;
use composio_core::query::encode_path_segment;
use composio_core::{ByteStream, Error, Result, TransportError};
use futures_util::future::BoxFuture;
use futures_util::StreamExt;
use tokio::sync::{oneshot, Notify};
use tokio::time::{sleep, sleep_until, Instant};

use super::sse::{SseEvent, SseParser};
use super::Outcome;
use crate::request::{Api, Call, ResponseMeta};

/// Ids added or removed within this window go in one request.
pub(crate) const COALESCE: Duration = Duration::from_millis(5);
/// At most this many ids per add/remove request (and in the opening request).
pub(crate) const MAX_BATCH: usize = 1000;
/// Consecutive failures to open the stream before pending waits fall back to polling.
const MAX_FAILURES: u32 = 3;
/// How long push stays off after repeated failures.
const COOLDOWN: Duration = Duration::from_secs(30);
/// The watcher closes its stream and ends after this long without pending waits.
const IDLE: Duration = Duration::from_secs(30);
/// A stream silent for this long (no event, no keep-alive) is considered dead.
const SILENCE: Duration = Duration::from_secs(90);
/// A stream that lived this long was healthy (shorter ones count as failures).
const HEALTHY: Duration = Duration::from_secs(10);
/// First reconnect delay; doubles up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The push-wait component of a client.
#[derive(Debug)]
pub(crate) struct Waiter {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    api: Arc<Api>,
    state: Mutex<State>,
    wake: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// Pending waits by connected account id.
    entries: HashMap<String, Vec<(u64, oneshot::Sender<Outcome>)>>,
    /// Ids whose membership in `entries` changed since the last sync.
    dirty: HashSet<String>,
    next_key: u64,
    task_running: bool,
    /// `Some(None)`: push is off for good; `Some(Some(t))`: off until `t`.
    disabled: Option<Option<Instant>>,
    closed: bool,
}

impl State {
    fn push_enabled(&mut self) -> bool {
        match self.disabled {
            None => true,
            Some(None) => false,
            Some(Some(until)) if Instant::now() >= until => {
                self.disabled = None;
                true
            }
            Some(Some(_)) => false,
        }
    }

    /// Ends every pending wait with `Fallback` (they poll instead).
    fn fall_back_all(&mut self) {
        for (_, waiters) in self.entries.drain() {
            for (_, tx) in waiters {
                let _ = tx.send(Outcome::Fallback);
            }
        }
        self.dirty.clear();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl Waiter {
    pub(crate) fn new(api: Arc<Api>) -> Self {
        Self {
            shared: Arc::new(Shared {
                api,
                state: Mutex::new(State::default()),
                wake: Notify::new(),
            }),
        }
    }

    /// Whether push waits may be used now.
    pub(crate) fn push_enabled(&self) -> bool {
        lock(&self.shared.state).push_enabled()
    }

    /// Registers a wait for `id`; `None` when push is unavailable (poll instead).
    pub(crate) fn register(&self, id: &str) -> Option<Registration> {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let (tx, rx) = oneshot::channel();
        let key = {
            let mut state = lock(&self.shared.state);
            if state.closed || !state.push_enabled() {
                return None;
            }
            let key = state.next_key;
            state.next_key += 1;
            let waiters = state.entries.entry(id.to_owned()).or_default();
            let first = waiters.is_empty();
            waiters.push((key, tx));
            if first {
                state.dirty.insert(id.to_owned());
            }
            if !state.task_running {
                state.task_running = true;
                runtime.spawn(run(self.shared.clone()));
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
        lock(&self.shared.state).closed = true;
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
        let mut state = lock(&self.shared.state);
        let Some(waiters) = state.entries.get_mut(&self.id) else {
            return;
        };
        waiters.retain(|(k, _)| *k != self.key);
        if waiters.is_empty() {
            state.entries.remove(&self.id);
            state.dirty.insert(self.id.clone());
            drop(state);
            self.shared.wake.notify_one();
        }
    }
}

/// Why a connected stream ended.
enum Ended {
    /// Reconnect (after backoff).
    Reconnect,
    /// The watcher should stop (idle or client dropped).
    Stop,
}

/// The watcher task.
async fn run(shared: Arc<Shared>) {
    let mut failures = 0u32;
    let mut backoff = BASE_BACKOFF;
    loop {
        if !wait_for_work(&shared).await {
            return;
        }
        let outcome = match connect(&shared).await {
            Ok((watch_id, stream, parser, synced)) => {
                let started = Instant::now();
                match session(&shared, &watch_id, stream, parser, synced).await {
                    Ended::Stop => return,
                    // A stream that lived a while was healthy: start over. One that broke
                    // at once (or whose id updates fail) counts as a failure.
                    Ended::Reconnect if started.elapsed() >= HEALTHY => {
                        failures = 0;
                        backoff = BASE_BACKOFF;
                        Ok(())
                    }
                    Ended::Reconnect => Err(None),
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "could not open the watch stream");
                Err(Some(e))
            }
        };
        if let Err(e) = outcome {
            let permanent = e
                .as_ref()
                .is_some_and(|e| matches!(e.status(), Some(404 | 405 | 501)));
            failures += 1;
            if permanent || failures >= MAX_FAILURES {
                let mut state = lock(&shared.state);
                state.disabled = Some(if permanent {
                    None
                } else {
                    Some(Instant::now() + COOLDOWN)
                });
                state.fall_back_all();
                state.task_running = false;
                tracing::info!("server push wait unavailable; waiting for connections by polling");
                return;
            }
        }
        sleep(jittered(backoff)).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

fn jittered(d: Duration) -> Duration {
    d.mul_f64(1.0 - rand::random::<f64>() * 0.25)
}

/// Waits until there are pending waits. Returns `false` when the watcher should end (idle
/// for [`IDLE`] or the client was dropped), having cleared `task_running`.
async fn wait_for_work(shared: &Shared) -> bool {
    loop {
        {
            let mut state = lock(&shared.state);
            if state.closed {
                state.task_running = false;
                state.fall_back_all();
                return false;
            }
            if !state.entries.is_empty() {
                return true;
            }
        }
        let woke = tokio::time::timeout(IDLE, shared.wake.notified()).await;
        if woke.is_err() {
            let mut state = lock(&shared.state);
            if state.entries.is_empty() {
                state.task_running = false;
                return false;
            }
        }
    }
}

type Connected = (String, ByteStream, SseParser, HashSet<String>);

/// Opens the stream with the first batch of pending ids and reads up to the `ready` event.
async fn connect(shared: &Shared) -> Result<Connected> {
    let initial: Vec<String> = {
        let mut state = lock(&shared.state);
        // Everything pending must be (re-)added to the new watch.
        let all: Vec<String> = state.entries.keys().cloned().collect();
        state.dirty = all.iter().skip(MAX_BATCH).cloned().collect();
        all.into_iter().take(MAX_BATCH).collect()
    };
    let synced: HashSet<String> = initial.iter().cloned().collect();
    let call = Call::post("/connected_accounts/watch").json(&WatchRequest::new(initial))?;
    let response = shared.api.open_stream(call).await?;
    let meta = ResponseMeta::of(&response);
    let mut stream = response.into_body();
    let mut parser = SseParser::new();
    let deadline = Instant::now() + shared.api.timeout.min(SILENCE);
    loop {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .map_err(|_| {
                Error::Timeout(TransportError::timeout(
                    "no `ready` event on the watch stream",
                ))
            })?;
        let chunk = match chunk {
            Some(Ok(c)) => c,
            Some(Err(e)) => return Err(e.into()),
            None => {
                return Err(Error::Transport(TransportError::other(
                    "the watch stream ended before `ready`",
                )))
            }
        };
        let mut ready = None;
        for ev in feed(&mut parser, &chunk)? {
            if ev.event == events::READY && ready.is_none() {
                let r: WatchReady = serde_json::from_str(&ev.data)
                    .map_err(|e| meta.decode_error(format!("bad `ready` event: {e}"), e))?;
                ready = Some(r.watch_id);
            } else {
                route(shared, &ev);
            }
        }
        if let Some(watch_id) = ready {
            return Ok((watch_id, stream, parser, synced));
        }
    }
}

fn feed(parser: &mut SseParser, chunk: &Bytes) -> Result<Vec<SseEvent>> {
    parser
        .push(chunk)
        .map_err(|_| Error::Transport(TransportError::other("watch stream line too long")))
}

/// Delivers an `account` or `not_found` event to the waits on its id.
fn route(shared: &Shared, ev: &SseEvent) {
    let (id, outcome) = match ev.event.as_str() {
        events::ACCOUNT => match serde_json::from_str::<ConnectedAccount>(&ev.data) {
            Ok(account) if account.status.ends_wait() => (account.id.clone(), Some(account)),
            Ok(_) => return, // still pending: keep waiting
            Err(e) => {
                tracing::debug!(error = %e, "undecodable account event on the watch stream");
                return;
            }
        },
        events::NOT_FOUND => match serde_json::from_str::<WatchNotFound>(&ev.data) {
            Ok(nf) => (nf.id, None),
            Err(_) => return,
        },
        _ => return,
    };
    let mut state = lock(&shared.state);
    if let Some(waiters) = state.entries.remove(&id) {
        for (_, tx) in waiters {
            let outcome = match &outcome {
                Some(account) => Outcome::Account(Box::new(account.clone())),
                None => Outcome::NotFound,
            };
            let _ = tx.send(outcome);
        }
    }
    // Stop watching it (a no-op sync when the server never had it).
    state.dirty.insert(id);
    drop(state);
    shared.wake.notify_one();
}

/// What the connected loop reacts to.
enum Event {
    Chunk(Option<std::result::Result<Bytes, TransportError>>),
    Wake,
    Flush,
    Synced(Result<()>),
    Idle,
    Silent,
}

/// Reads the stream, routes events and keeps the watched set in sync, until the stream
/// breaks (reconnect) or the watcher should stop.
async fn session(
    shared: &Shared,
    watch_id: &str,
    mut stream: ByteStream,
    mut parser: SseParser,
    mut synced: HashSet<String>,
) -> Ended {
    let ids_path = format!(
        "/connected_accounts/watch/{}/ids",
        encode_path_segment(watch_id)
    );
    let mut inflight: Option<BoxFuture<'static, Result<()>>> = None;
    let mut flush_at: Option<Instant> = Some(Instant::now());
    let mut idle_since: Option<Instant> = None;
    let mut last_data = Instant::now();
    loop {
        let far = Instant::now() + Duration::from_secs(86_400);
        let event = tokio::select! {
            chunk = stream.next() => Event::Chunk(chunk),
            _ = shared.wake.notified() => Event::Wake,
            _ = sleep_until(flush_at.unwrap_or(far)), if flush_at.is_some() && inflight.is_none() => Event::Flush,
            r = async { match inflight.as_mut() { Some(f) => f.await, None => std::future::pending().await } }, if inflight.is_some() => Event::Synced(r),
            _ = sleep_until(idle_since.map(|t| t + IDLE).unwrap_or(far)), if idle_since.is_some() => Event::Idle,
            _ = sleep_until(last_data + SILENCE) => Event::Silent,
        };
        match event {
            Event::Chunk(Some(Ok(chunk))) => {
                last_data = Instant::now();
                match feed(&mut parser, &chunk) {
                    Ok(evs) => evs.iter().for_each(|ev| route(shared, ev)),
                    Err(_) => return Ended::Reconnect,
                }
            }
            Event::Chunk(Some(Err(e))) => {
                tracing::debug!(error = %e, "watch stream failed; reconnecting");
                return Ended::Reconnect;
            }
            Event::Chunk(None) => {
                tracing::debug!("watch stream ended; reconnecting");
                return Ended::Reconnect;
            }
            Event::Wake => {
                if lock(&shared.state).closed {
                    return Ended::Stop;
                }
                flush_at.get_or_insert_with(|| Instant::now() + COALESCE);
            }
            Event::Flush => {
                flush_at = None;
                inflight = next_sync(shared, &ids_path, &mut synced);
            }
            Event::Synced(result) => {
                inflight = None;
                if let Err(e) = result {
                    tracing::debug!(error = %e, "updating the watched ids failed; reconnecting");
                    return Ended::Reconnect;
                }
                if !lock(&shared.state).dirty.is_empty() {
                    flush_at = Some(Instant::now());
                }
            }
            Event::Idle => {
                let mut state = lock(&shared.state);
                if state.entries.is_empty() {
                    state.task_running = false;
                    return Ended::Stop;
                }
                idle_since = None;
            }
            Event::Silent => {
                tracing::debug!("watch stream silent for too long; reconnecting");
                return Ended::Reconnect;
            }
        }
        let empty = lock(&shared.state).entries.is_empty();
        idle_since = match (empty, idle_since) {
            (true, None) => Some(Instant::now()),
            (true, t) => t,
            (false, _) => None,
        };
    }
}

/// Takes dirty ids and builds the next add (or, when nothing is to be added, remove) request.
fn next_sync(
    shared: &Shared,
    ids_path: &str,
    synced: &mut HashSet<String>,
) -> Option<BoxFuture<'static, Result<()>>> {
    let mut state = lock(&shared.state);
    let dirty = std::mem::take(&mut state.dirty);
    let mut add = Vec::new();
    let mut remove = Vec::new();
    for id in dirty {
        let wanted = state.entries.contains_key(&id);
        if wanted && !synced.contains(&id) {
            add.push(id);
        } else if !wanted && synced.contains(&id) {
            remove.push(id);
        }
    }
    let (method_add, mut batch, rest) = if !add.is_empty() {
        (true, add, remove)
    } else {
        (false, remove, Vec::new())
    };
    if batch.is_empty() {
        return None;
    }
    if batch.len() > MAX_BATCH {
        state.dirty.extend(batch.split_off(MAX_BATCH));
    }
    state.dirty.extend(rest);
    drop(state);
    for id in &batch {
        if method_add {
            synced.insert(id.clone());
        } else {
            synced.remove(id);
        }
    }
    let call = if method_add {
        Call::post(ids_path.to_owned())
    } else {
        Call::delete(ids_path.to_owned())
    };
    let call = match call.json(&WatchIdsRequest::new(batch)) {
        Ok(c) => c,
        Err(e) => return Some(Box::pin(async move { Err(e) })),
    };
    let api = shared.api.clone();
    Some(Box::pin(
        async move { api.send_bytes(call).await.map(|_| ()) },
    ))
}

//! The watcher task: opens the watch stream, keeps its ids in line with the registry,
//! delivers its events, reconnects with backoff, and falls back to polling when push does
//! not work.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use composio_core::models::watch::{
    events, WatchIdsRequest, WatchNotFound, WatchReady, WatchRequest,
};
use composio_core::models::ConnectedAccount;
use composio_core::query::encode_path_segment;
use composio_core::{ByteStream, Error, Result, TransportError};
use futures_util::future::BoxFuture;
use futures_util::StreamExt;
use tokio::time::{sleep, sleep_until, Instant};

use super::registry::IdsUpdate;
use super::Shared;
use crate::request::{Call, ResponseMeta};
use crate::wait::sse::{SseEvent, SseParser};
use crate::wait::Outcome;

/// Ids added or removed within this window go in one request.
pub(super) const COALESCE: Duration = Duration::from_millis(5);
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

/// Why a connected stream ended.
enum Ended {
    /// Reconnect (after backoff).
    Reconnect,
    /// The watcher should stop (idle or client dropped).
    Stop,
}

/// How one connection went, for the failure count.
enum Round {
    /// The stream lived long enough to count as healthy.
    Healthy,
    /// It broke at once (`None`), or could not be opened (`Some(error)`).
    Failed(Option<Error>),
}

/// The watcher task.
pub(super) async fn run(shared: Arc<Shared>) {
    let mut failures = 0u32;
    let mut backoff = BASE_BACKOFF;
    loop {
        if !wait_for_work(&shared).await {
            return;
        }
        let round = match connect(&shared).await {
            Ok(connected) => {
                let started = Instant::now();
                match session(&shared, connected).await {
                    Ended::Stop => return,
                    // A stream that lived a while was healthy: start over. One that broke
                    // at once (or whose id updates fail) counts as a failure.
                    Ended::Reconnect if started.elapsed() >= HEALTHY => Round::Healthy,
                    Ended::Reconnect => Round::Failed(None),
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "could not open the watch stream");
                Round::Failed(Some(e))
            }
        };
        match round {
            Round::Healthy => {
                failures = 0;
                backoff = BASE_BACKOFF;
            }
            Round::Failed(error) => {
                let permanent = error
                    .as_ref()
                    .is_some_and(|e| matches!(e.status(), Some(404 | 405 | 501)));
                failures += 1;
                if permanent || failures >= MAX_FAILURES {
                    let mut registry = shared.registry();
                    registry.disable(if permanent {
                        None
                    } else {
                        Some(Instant::now() + COOLDOWN)
                    });
                    registry.fall_back_all();
                    registry.task_running = false;
                    tracing::info!(
                        "server push wait unavailable; waiting for connections by polling"
                    );
                    return;
                }
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
            let mut registry = shared.registry();
            if registry.closed {
                registry.task_running = false;
                registry.fall_back_all();
                return false;
            }
            if !registry.is_empty() {
                return true;
            }
        }
        let woke = tokio::time::timeout(IDLE, shared.wake.notified()).await;
        if woke.is_err() {
            let mut registry = shared.registry();
            if registry.is_empty() {
                registry.task_running = false;
                return false;
            }
        }
    }
}

/// An open watch stream, read up to its `ready` event.
struct Connected {
    /// The server's id of the watch.
    watch_id: String,
    /// The rest of the stream.
    stream: ByteStream,
    /// The parser, with whatever it holds of a partial event.
    parser: SseParser,
    /// The ids the watch holds.
    synced: HashSet<String>,
}

/// Opens the stream with the first batch of pending ids and reads up to the `ready` event.
async fn connect(shared: &Shared) -> Result<Connected> {
    let initial = shared.registry().restart();
    let synced: HashSet<String> = initial.iter().cloned().collect();
    // Only final states: a waiter learns nothing from `INITIATED`, and registering 100,000
    // pending ids then streams no events at all (a server without the flag sends them all,
    // and `route` ignores them).
    let call = Call::post("/connected_accounts/watch")
        .json(&WatchRequest::new(initial).final_only(true))?;
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
            return Ok(Connected {
                watch_id,
                stream,
                parser,
                synced,
            });
        }
    }
}

fn feed(parser: &mut SseParser, chunk: &Bytes) -> Result<Vec<SseEvent>> {
    parser
        .push(chunk)
        .map_err(|_| Error::Transport(TransportError::other("watch stream event too large")))
}

/// What an event says about an id when it ends the waits on it.
enum Final {
    /// The account reached `ACTIVE` or a terminal failure.
    Account(Box<ConnectedAccount>),
    /// The id does not exist.
    NotFound(String),
}

impl Final {
    /// Reads an `account` or `not_found` event; `None` for any other event, an account that
    /// is still pending, or undecodable data.
    fn of(ev: &SseEvent) -> Option<Self> {
        match ev.event.as_str() {
            events::ACCOUNT => match serde_json::from_str::<ConnectedAccount>(&ev.data) {
                Ok(account) if account.status.ends_wait() => Some(Self::Account(Box::new(account))),
                Ok(_) => None, // still pending: keep waiting
                Err(e) => {
                    tracing::debug!(error = %e, "undecodable account event on the watch stream");
                    None
                }
            },
            events::NOT_FOUND => serde_json::from_str::<WatchNotFound>(&ev.data)
                .ok()
                .map(|nf| Self::NotFound(nf.id)),
            _ => None,
        }
    }

    fn id(&self) -> &str {
        match self {
            Self::Account(account) => &account.id,
            Self::NotFound(id) => id,
        }
    }

    fn outcome(&self) -> Outcome {
        match self {
            Self::Account(account) => Outcome::Account(account.clone()),
            Self::NotFound(_) => Outcome::NotFound,
        }
    }
}

/// Delivers an `account` or `not_found` event to the waits on its id.
fn route(shared: &Shared, ev: &SseEvent) {
    let Some(state) = Final::of(ev) else {
        return;
    };
    // Also stops watching the id.
    shared
        .registry()
        .complete(state.id().to_owned(), || state.outcome());
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
async fn session(shared: &Shared, connected: Connected) -> Ended {
    let Connected {
        watch_id,
        mut stream,
        mut parser,
        mut synced,
    } = connected;
    let ids_path = format!(
        "/connected_accounts/watch/{}/ids",
        encode_path_segment(&watch_id)
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
                if shared.registry().closed {
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
                if shared.registry().has_changes() {
                    flush_at = Some(Instant::now());
                }
            }
            Event::Idle => {
                let mut registry = shared.registry();
                if registry.is_empty() {
                    registry.task_running = false;
                    return Ended::Stop;
                }
                idle_since = None;
            }
            Event::Silent => {
                tracing::debug!("watch stream silent for too long; reconnecting");
                return Ended::Reconnect;
            }
        }
        let empty = shared.registry().is_empty();
        idle_since = match (empty, idle_since) {
            (true, None) => Some(Instant::now()),
            (true, t) => t,
            (false, _) => None,
        };
    }
}

/// The request of the registry's next update of the watched ids, if there is one.
fn next_sync(
    shared: &Shared,
    ids_path: &str,
    synced: &mut HashSet<String>,
) -> Option<BoxFuture<'static, Result<()>>> {
    let update = shared.registry().next_update(synced)?;
    let (call, ids) = match update {
        IdsUpdate::Add(ids) => (Call::post(ids_path.to_owned()), ids),
        IdsUpdate::Remove(ids) => (Call::delete(ids_path.to_owned()), ids),
    };
    let call = match call.json(&WatchIdsRequest::new(ids)) {
        Ok(c) => c,
        Err(e) => return Some(Box::pin(async move { Err(e) })),
    };
    let api = shared.api.clone();
    Some(Box::pin(
        async move { api.send_bytes(call).await.map(|_| ()) },
    ))
}

//! The `watch-v1` push wait: one SSE stream per client, ids added and removed by id.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use composio_core::models::watch::{
    events, WatchIdsRequest, WatchIdsResponse, WatchNotFound, WatchReady, WatchRequest,
};
use futures_util::stream::{self, Stream};
use tokio::sync::watch;

use super::{json_response, ApiJson, Project};
use crate::error::{ApiError, ApiResult};
use crate::hub::{WatchGuard, WatchRx};
use crate::state::SharedState;

/// Largest number of ids one add/remove call may carry.
const MAX_IDS_PER_CALL: usize = 10_000;
/// Accounts read per database round trip.
const BATCH: usize = 500;

struct StreamState {
    state: SharedState,
    project: String,
    _guard: WatchGuard,
    rx: WatchRx,
    shutdown: watch::Receiver<bool>,
    queue: VecDeque<Event>,
    /// Push an account only in a status that ends a wait ([`WatchRequest::final_only`]).
    final_only: bool,
}

fn event(name: &str, data: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .data(serde_json::to_string(data).unwrap_or_default())
}

impl StreamState {
    /// Waits for ids to read and turns a batch of them into events; `false` when done.
    /// Changes go first: an approval must not wait behind the first reads of many added ids.
    async fn fill(&mut self) -> bool {
        let first = tokio::select! {
            id = self.rx.recv() => id,
            _ = self.shutdown.wait_for(|s| *s) => None,
        };
        let Some(first) = first else { return false };
        let mut ids = vec![first];
        self.rx.take_queued(&mut ids, BATCH);
        let mut seen = HashSet::new();
        ids.retain(|id| seen.insert(id.clone()));
        let started = std::time::Instant::now();
        let read = self.state.store.get_accounts(&self.project, &ids).await;
        // What a slow wake comes from: how long a batch took, and what is still queued.
        tracing::debug!(
            ids = ids.len(),
            changes_left = self.rx.changes.len(),
            added_left = self.rx.added.len(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "watch read"
        );
        match read {
            Ok(rows) => {
                let mut found = HashSet::new();
                for row in &rows {
                    found.insert(row.id.clone());
                    if self.final_only && !row.status.ends_wait() {
                        continue;
                    }
                    if let Ok(model) = self.state.account_model(row) {
                        self.queue.push_back(event(events::ACCOUNT, &model));
                    }
                }
                for id in ids.iter().filter(|id| !found.contains(*id)) {
                    self.queue
                        .push_back(event(events::NOT_FOUND, &WatchNotFound::new(id.clone())));
                }
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "watch stream could not read accounts");
                false
            }
        }
    }
}

fn watch_stream(s: StreamState, ready: Event) -> impl Stream<Item = Result<Event, Infallible>> {
    let mut s = s;
    s.queue.push_back(ready);
    stream::unfold(s, |mut s| async move {
        loop {
            if let Some(ev) = s.queue.pop_front() {
                return Some((Ok(ev), s));
            }
            if !s.fill().await {
                return None;
            }
        }
    })
}

fn check_ids(ids: &[String]) -> ApiResult<()> {
    if ids.len() > MAX_IDS_PER_CALL {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_IDS_PER_CALL} ids per call"
        )));
    }
    Ok(())
}

pub(super) async fn open(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    ApiJson(req): ApiJson<WatchRequest>,
) -> ApiResult<Response> {
    let heartbeat = state.config.connections.sse_heartbeat;
    check_ids(&req.ids)?;
    let (guard, rx) = state.cluster.open_watch(&project, &req.ids).await?;
    let watch_id = guard.watch_id.clone();
    tracing::debug!(%watch_id, ids = req.ids.len(), "watch opened");
    let s = StreamState {
        shutdown: state.shutdown.clone(),
        state,
        project,
        _guard: guard,
        rx,
        queue: VecDeque::new(),
        final_only: req.final_only,
    };
    let ready = event(events::READY, &WatchReady::new(watch_id));
    Ok(Sse::new(watch_stream(s, ready))
        .keep_alive(KeepAlive::new().interval(heartbeat).text("keep-alive"))
        .into_response())
}

fn unknown_watch(id: &str) -> ApiError {
    ApiError::not_found("Watch_NotFound", format!("Watch '{id}' not found"))
        .fix("Open a watch stream first; a watch ends when its stream closes.")
}

pub(super) async fn add_ids(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(watch_id): Path<String>,
    ApiJson(req): ApiJson<WatchIdsRequest>,
) -> ApiResult<Response> {
    check_ids(&req.ids)?;
    let count = state.cluster.add_ids(&watch_id, &project, &req.ids).await?;
    watching(count, &watch_id)
}

pub(super) async fn remove_ids(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(watch_id): Path<String>,
    ApiJson(req): ApiJson<WatchIdsRequest>,
) -> ApiResult<Response> {
    check_ids(&req.ids)?;
    let count = state
        .cluster
        .remove_ids(&watch_id, &project, &req.ids)
        .await?;
    watching(count, &watch_id)
}

/// The answer to adding or removing ids: how many the watch holds, or 404 for an unknown watch.
fn watching(count: Option<usize>, watch_id: &str) -> ApiResult<Response> {
    let n = count.ok_or_else(|| unknown_watch(watch_id))?;
    Ok(json_response(
        StatusCode::OK,
        &WatchIdsResponse::new(n as u64),
    ))
}

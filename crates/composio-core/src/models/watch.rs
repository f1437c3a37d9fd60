//! The server-push wait of `composio-server` (its own extension, `watch-v1`).
//!
//! A client opens **one** stream and adds the connected account ids it waits on; the server
//! pushes the account whenever a watched id changes status, so thousands of waits share one
//! connection:
//!
//! 1. `POST {P}/connected_accounts/watch` with [`WatchRequest`] (optionally the first ids)
//!    answers `200 text/event-stream`. Its first event is `ready` with [`WatchReady`].
//! 2. `POST {P}/connected_accounts/watch/{watch_id}/ids` with [`WatchIdsRequest`] adds ids
//!    and answers [`WatchIdsResponse`]. For each added id the stream immediately carries its
//!    current state (an `account` or `not_found` event), then every later change. A watch
//!    opened with [`WatchRequest::final_only`] carries an account only in a status that ends
//!    a wait (`ACTIVE`, `FAILED`, `EXPIRED`, `REVOKED`): a waiter learns nothing from
//!    `INITIATED`, and 100,000 pending ids then cost no events at all.
//! 3. `DELETE {P}/connected_accounts/watch/{watch_id}/ids` with [`WatchIdsRequest`] stops
//!    watching ids. The watch ends when the stream is closed.
//!
//! Events are server-sent events: `event: account` with a
//! [`ConnectedAccount`](super::ConnectedAccount) as data, `event: not_found` with
//! [`WatchNotFound`], and comment lines as keep-alives.

use serde::{Deserialize, Serialize};

/// Body of `POST {P}/connected_accounts/watch`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WatchRequest {
    /// Ids to watch from the start.
    #[serde(default)]
    pub ids: Vec<String>,
    /// Push an account only when its status ends a wait (`ACTIVE`, `FAILED`, `EXPIRED`,
    /// `REVOKED`); `not_found` is pushed either way. Servers that predate the field ignore
    /// it and push every state, which a waiter tolerates.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub final_only: bool,
}

impl WatchRequest {
    /// A watch request for `ids`, pushing every state.
    pub fn new(ids: Vec<String>) -> Self {
        Self {
            ids,
            final_only: false,
        }
    }

    /// Whether to push only the states that end a wait.
    ///
    /// ```
    /// use composio_core::models::watch::WatchRequest;
    /// let req = WatchRequest::new(vec!["ca_1".into()]).final_only(true);
    /// assert_eq!(
    ///     serde_json::to_string(&req).unwrap(),
    ///     r#"{"ids":["ca_1"],"final_only":true}"#
    /// );
    /// ```
    pub fn final_only(mut self, yes: bool) -> Self {
        self.final_only = yes;
        self
    }
}

/// Data of the first event (`ready`) of a watch stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WatchReady {
    /// The watch's id, for adding and removing ids.
    pub watch_id: String,
}

impl WatchReady {
    /// A ready event.
    pub fn new(watch_id: impl Into<String>) -> Self {
        Self {
            watch_id: watch_id.into(),
        }
    }
}

/// Body of `POST`/`DELETE {P}/connected_accounts/watch/{watch_id}/ids`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WatchIdsRequest {
    /// Connected account ids.
    pub ids: Vec<String>,
}

impl WatchIdsRequest {
    /// A request naming `ids`.
    pub fn new(ids: Vec<String>) -> Self {
        Self { ids }
    }
}

/// Answer of `POST`/`DELETE {P}/connected_accounts/watch/{watch_id}/ids`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WatchIdsResponse {
    /// How many ids the watch holds now.
    pub watching: u64,
}

impl WatchIdsResponse {
    /// A response.
    pub fn new(watching: u64) -> Self {
        Self { watching }
    }
}

/// Data of a `not_found` event: a watched id that does not exist (for this API key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WatchNotFound {
    /// The id.
    pub id: String,
}

impl WatchNotFound {
    /// A not-found event.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

/// The `event:` names of a watch stream.
pub mod events {
    /// First event: [`WatchReady`](super::WatchReady).
    pub const READY: &str = "ready";
    /// A watched account's current state: [`ConnectedAccount`](crate::models::ConnectedAccount).
    pub const ACCOUNT: &str = "account";
    /// A watched id does not exist: [`WatchNotFound`](super::WatchNotFound).
    pub const NOT_FOUND: &str = "not_found";
}

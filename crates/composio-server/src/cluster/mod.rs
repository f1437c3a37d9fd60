//! What replicas of one deployment coordinate: announcing committed changes to every
//! replica's waiters, the `watch-v1` watches (whose ids may be added through any replica),
//! the per-project rate limit, and which replica runs a background job.
//!
//! A single process (SQLite, the CLI's embedded server, tests) uses [`LocalCluster`]: the
//! in-process [`Hub`], in-memory token buckets, and every job runs here. Replicas on
//! PostgreSQL use the database for all of it (`postgres.rs`), so no state that matters lives
//! in one process.

mod postgres;

use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::hub::{Hub, WatchGuard, WatchRx};
use crate::rate_limit::{Decision, Limit, RateLimiter};
use crate::store::StoreResult;

pub(crate) use postgres::PgCluster;

/// A watch stream opened on this replica: its guard (which closes it when dropped) and the
/// ids whose state it must push.
pub(crate) type OpenWatch = (WatchGuard, WatchRx);

/// Background jobs that one replica at a time runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Job {
    /// Expiring overdue Connect Links and purging idempotency keys.
    Sweeper,
}

impl Job {
    /// The job's name in the lease table.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sweeper => "sweeper",
        }
    }
}

/// Coordination between replicas; see the module docs.
#[async_trait]
pub(crate) trait Cluster: Send + Sync + std::fmt::Debug + 'static {
    /// The in-process hub that wakes this replica's waiters.
    fn hub(&self) -> &Hub;

    /// Announces committed changes of hub keys (connected account ids, new-account keys) to
    /// the waiters of every replica, this one included.
    async fn publish(&self, keys: &[String]);

    /// Opens a watch of `project` on this replica with its first ids.
    async fn open_watch(&self, project: &str, ids: &[String]) -> StoreResult<OpenWatch>;

    /// Adds ids to a watch held by any replica; how many ids it holds, `None` when there is
    /// no such watch of the project.
    async fn add_ids(
        &self,
        watch_id: &str,
        project: &str,
        ids: &[String],
    ) -> StoreResult<Option<usize>>;

    /// Removes ids from a watch held by any replica (see [`Cluster::add_ids`]).
    async fn remove_ids(
        &self,
        watch_id: &str,
        project: &str,
        ids: &[String],
    ) -> StoreResult<Option<usize>>;

    /// The rate limit of a project.
    fn limit_of(&self, project: &str) -> Limit;

    /// Counts one API request of `project` against its limit.
    async fn rate_limit(&self, project: &str) -> StoreResult<Decision>;

    /// Whether this replica runs `job` for the next `ttl` (it holds, or just took, the job's
    /// lease).
    async fn lead(&self, job: Job, ttl: Duration) -> StoreResult<bool>;
}

/// One process: the in-process hub and token buckets; every job runs here.
#[derive(Debug)]
pub(crate) struct LocalCluster {
    hub: Hub,
    limits: RateLimiter,
}

impl LocalCluster {
    /// A cluster of one with these rate limits.
    pub(crate) fn new(limits: RateLimiter) -> Self {
        Self {
            hub: Hub::default(),
            limits,
        }
    }
}

#[async_trait]
impl Cluster for LocalCluster {
    fn hub(&self) -> &Hub {
        &self.hub
    }

    async fn publish(&self, keys: &[String]) {
        for key in keys {
            self.hub.notify(key);
        }
    }

    async fn open_watch(&self, project: &str, ids: &[String]) -> StoreResult<OpenWatch> {
        let (guard, rx) = self.hub.register(project);
        self.hub.add(&guard.watch_id, project, ids);
        Ok((guard, rx))
    }

    async fn add_ids(
        &self,
        watch_id: &str,
        project: &str,
        ids: &[String],
    ) -> StoreResult<Option<usize>> {
        Ok(self.hub.add(watch_id, project, ids))
    }

    async fn remove_ids(
        &self,
        watch_id: &str,
        project: &str,
        ids: &[String],
    ) -> StoreResult<Option<usize>> {
        Ok(self.hub.remove(watch_id, project, ids))
    }

    fn limit_of(&self, project: &str) -> Limit {
        self.limits.limit_of(project)
    }

    async fn rate_limit(&self, project: &str) -> StoreResult<Decision> {
        Ok(self.limits.check(project, Instant::now()))
    }

    async fn lead(&self, _job: Job, _ttl: Duration) -> StoreResult<bool> {
        Ok(true)
    }
}

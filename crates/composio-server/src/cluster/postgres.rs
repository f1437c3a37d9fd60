//! Replicas on one PostgreSQL database.
//!
//! - **Changes** are announced with `pg_notify` on [`CHANGES`] after they commit (payload:
//!   the replica that sent it and the changed keys, ids only). Each replica keeps one
//!   `LISTEN` connection and wakes its own hub. When that connection is lost, the listener
//!   reconnects and re-reads every id still watched (it queues them all on the hub), so no
//!   change falls into the gap.
//! - **Watches** are rows (`watches`, `watch_ids`), so ids can be added or removed through
//!   any replica: the replica that answers writes the rows and tells the holder of the stream
//!   on [`WATCHES`] to re-read them. Holders refresh a heartbeat; the sweeper's leader drops
//!   watches whose holder stopped beating (it died).
//! - **Rate limits** are one GCRA row per project (`rate_limits.tat`), updated atomically by
//!   one conditional upsert, so the limit holds across replicas.
//! - **Jobs** run on the replica holding the job's lease row (`job_leases`); a replica that
//!   dies releases it by timeout.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::{PgPool, Row};
use tokio::sync::{mpsc, watch};

use super::{Cluster, Job, OpenWatch};
use crate::clock::SharedClock;
use crate::hub::Hub;
use crate::rate_limit::{gcra, Decision, Limit};
use crate::store::{StoreError, StoreResult};

/// The channel of committed changes.
pub(crate) const CHANGES: &str = "composio_changes";
/// The channel that tells a watch's holder to re-read its ids.
pub(crate) const WATCHES: &str = "composio_watches";

/// A notification's payload stays below PostgreSQL's 8000-byte limit.
const MAX_PAYLOAD: usize = 7000;
/// How often a holder refreshes the heartbeat of its watches.
const HEARTBEAT: Duration = Duration::from_secs(20);
/// A watch whose holder has not beaten for this long is gone.
const WATCH_TTL: Duration = Duration::from_secs(90);

/// Coordination through PostgreSQL; see the module docs.
#[derive(Debug)]
pub(crate) struct PgCluster {
    pool: PgPool,
    /// The listener's own one-connection pool: it never waits for (or takes) a connection of
    /// the requests' pool, and reconnects with a connection of its own.
    listener_pool: PgPool,
    hub: Hub,
    /// This replica's name in payloads, watch rows and leases.
    replica: String,
    clock: SharedClock,
    default_limit: Limit,
    limits: HashMap<String, Limit>,
}

fn db(e: sqlx::Error) -> StoreError {
    crate::store::sqlx_error(e)
}

/// Splits keys into payloads of at most [`MAX_PAYLOAD`] bytes: `<replica>\n<key>\n<key>…`.
fn payloads(replica: &str, keys: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::from(replica);
    for key in keys {
        if current.len() + 1 + key.len() > MAX_PAYLOAD && current.len() > replica.len() {
            out.push(std::mem::replace(&mut current, String::from(replica)));
        }
        current.push('\n');
        current.push_str(key);
    }
    if current.len() > replica.len() {
        out.push(current);
    }
    out
}

impl PgCluster {
    /// Starts the cluster of this replica: its listener and heartbeat tasks run until
    /// `shutdown` flips.
    pub(crate) fn start(
        pool: PgPool,
        clock: SharedClock,
        default_limit: Limit,
        limits: HashMap<String, Limit>,
        shutdown: watch::Receiver<bool>,
    ) -> Arc<Self> {
        let hub = Hub::default();
        let (closed_tx, closed_rx) = mpsc::unbounded_channel();
        hub.on_close(closed_tx);
        let listener_pool = PgPoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with(pool.connect_options().as_ref().clone());
        let cluster = Arc::new(Self {
            pool,
            listener_pool,
            hub,
            replica: crate::ids::lease_holder(),
            clock,
            default_limit,
            limits,
        });
        tokio::spawn(listen(cluster.clone(), shutdown.clone()));
        tokio::spawn(maintain_watches(cluster.clone(), closed_rx, shutdown));
        cluster
    }

    fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The ids of a watch of `project` as stored; `None` when there is no such watch.
    async fn stored_ids(&self, watch_id: &str, project: &str) -> StoreResult<Option<Vec<String>>> {
        let exists: Option<String> = sqlx::query_scalar(
            "SELECT holder FROM watches WHERE watch_id = $1 AND project_id = $2",
        )
        .bind(watch_id)
        .bind(project)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        if exists.is_none() {
            return Ok(None);
        }
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT account_id FROM watch_ids WHERE watch_id = $1")
                .bind(watch_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        Ok(Some(ids))
    }

    /// After the rows of a watch changed: syncs it here, or tells its holder.
    async fn changed_watch(&self, watch_id: &str, project: &str) -> StoreResult<Option<usize>> {
        let Some(ids) = self.stored_ids(watch_id, project).await? else {
            return Ok(None);
        };
        if !self.hub.sync(watch_id, &ids) {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(WATCHES)
                .bind(watch_id)
                .execute(&self.pool)
                .await
                .map_err(db)?;
        }
        Ok(Some(ids.len()))
    }

    /// Re-reads a watch held here after another replica changed its ids.
    async fn resync(&self, watch_id: &str) {
        if !self.hub.holds(watch_id) {
            return;
        }
        let ids: Result<Vec<String>, _> =
            sqlx::query_scalar("SELECT account_id FROM watch_ids WHERE watch_id = $1")
                .bind(watch_id)
                .fetch_all(&self.pool)
                .await;
        match ids {
            Ok(ids) => {
                self.hub.sync(watch_id, &ids);
            }
            Err(e) => tracing::warn!(error = %e, %watch_id, "could not re-read a watch"),
        }
    }
}

/// The one `LISTEN` connection of this replica; see the module docs.
async fn listen(cluster: Arc<PgCluster>, mut shutdown: watch::Receiver<bool>) {
    let mut backoff = Duration::from_millis(50);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let mut listener = match PgListener::connect_with(&cluster.listener_pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "change listener could not connect; retrying");
                let stop = tokio::select! {
                    _ = tokio::time::sleep(backoff) => false,
                    _ = shutdown.wait_for(|s| *s) => true,
                };
                if stop {
                    return;
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if let Err(e) = listener.listen_all([CHANGES, WATCHES]).await {
            tracing::warn!(error = %e, "change listener could not LISTEN; retrying");
            continue;
        }
        backoff = Duration::from_millis(50);
        // Changes may have been missed while no listener was connected.
        cluster.hub.notify_all();
        tracing::debug!("change listener connected");
        loop {
            let next = tokio::select! {
                n = listener.try_recv() => Some(n),
                _ = shutdown.wait_for(|s| *s) => None,
            };
            let Some(next) = next else { return };
            match next {
                Ok(Some(n)) if n.channel() == CHANGES => {
                    let mut lines = n.payload().split('\n');
                    let from = lines.next().unwrap_or_default();
                    if from == cluster.replica {
                        continue; // Announced to the local hub when it was published.
                    }
                    for key in lines.filter(|k| !k.is_empty()) {
                        cluster.hub.notify(key);
                    }
                }
                Ok(Some(n)) => cluster.resync(n.payload()).await,
                Ok(None) => {
                    tracing::warn!("change listener lost its connection; reconnecting");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "change listener failed; reconnecting");
                    break;
                }
            }
        }
    }
}

/// Forgets closed watches, beats for the open ones, and (on any replica) drops watches whose
/// holder died.
async fn maintain_watches(
    cluster: Arc<PgCluster>,
    mut closed: mpsc::UnboundedReceiver<String>,
    mut shutdown: watch::Receiver<bool>,
) {
    enum Next {
        Closed(Option<String>),
        Beat,
        Stop,
    }
    let mut beat = tokio::time::interval(HEARTBEAT);
    loop {
        let next = tokio::select! {
            id = closed.recv() => Next::Closed(id),
            _ = beat.tick() => Next::Beat,
            _ = shutdown.wait_for(|s| *s) => Next::Stop,
        };
        match next {
            Next::Closed(None) => return,
            Next::Closed(Some(id)) => {
                let r = sqlx::query("DELETE FROM watches WHERE watch_id = $1")
                    .bind(&id)
                    .execute(&cluster.pool)
                    .await;
                if let Err(e) = r {
                    tracing::warn!(error = %e, watch_id = %id, "could not forget a closed watch");
                }
            }
            Next::Beat => {
                let now = cluster.now();
                let stale = now - i64::try_from(WATCH_TTL.as_millis()).unwrap_or(i64::MAX);
                let r = sqlx::query("UPDATE watches SET heartbeat_at = $1 WHERE holder = $2")
                    .bind(now)
                    .bind(&cluster.replica)
                    .execute(&cluster.pool)
                    .await;
                if let Err(e) = r {
                    tracing::warn!(error = %e, "could not refresh the watch heartbeat");
                }
                let _ = sqlx::query("DELETE FROM watches WHERE heartbeat_at < $1")
                    .bind(stale)
                    .execute(&cluster.pool)
                    .await;
            }
            Next::Stop => {
                let _ = sqlx::query("DELETE FROM watches WHERE holder = $1")
                    .bind(&cluster.replica)
                    .execute(&cluster.pool)
                    .await;
                return;
            }
        }
    }
}

#[async_trait]
impl Cluster for PgCluster {
    fn hub(&self) -> &Hub {
        &self.hub
    }

    async fn publish(&self, keys: &[String]) {
        for key in keys {
            self.hub.notify(key);
        }
        for payload in payloads(&self.replica, keys) {
            let r = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANGES)
                .bind(&payload)
                .execute(&self.pool)
                .await;
            if let Err(e) = r {
                tracing::error!(error = %e, "could not announce a change to the other replicas");
            }
        }
    }

    async fn open_watch(&self, project: &str, ids: &[String]) -> StoreResult<OpenWatch> {
        let (guard, rx) = self.hub.register(project);
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO watches (watch_id, project_id, holder, heartbeat_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&guard.watch_id)
        .bind(project)
        .bind(&self.replica)
        .bind(self.now())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_ids(&mut tx, &guard.watch_id, ids).await?;
        tx.commit().await.map_err(db)?;
        self.hub.add(&guard.watch_id, project, ids);
        Ok((guard, rx))
    }

    async fn add_ids(
        &self,
        watch_id: &str,
        project: &str,
        ids: &[String],
    ) -> StoreResult<Option<usize>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let found: Option<String> = sqlx::query_scalar(
            "SELECT watch_id FROM watches WHERE watch_id = $1 AND project_id = $2 FOR UPDATE",
        )
        .bind(watch_id)
        .bind(project)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if found.is_none() {
            return Ok(None);
        }
        insert_ids(&mut tx, watch_id, ids).await?;
        tx.commit().await.map_err(db)?;
        self.changed_watch(watch_id, project).await
    }

    async fn remove_ids(
        &self,
        watch_id: &str,
        project: &str,
        ids: &[String],
    ) -> StoreResult<Option<usize>> {
        let removed = sqlx::query(
            "DELETE FROM watch_ids WHERE watch_id = $1 AND account_id = ANY($2) \
             AND EXISTS (SELECT 1 FROM watches WHERE watch_id = $1 AND project_id = $3)",
        )
        .bind(watch_id)
        .bind(ids)
        .bind(project)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        let _ = removed;
        self.changed_watch(watch_id, project).await
    }

    fn limit_of(&self, project: &str) -> Limit {
        self.limits
            .get(project)
            .copied()
            .unwrap_or(self.default_limit)
    }

    async fn rate_limit(&self, project: &str) -> StoreResult<Decision> {
        let limit = self.limit_of(project);
        let Some(params) = gcra::Params::of(limit) else {
            return Ok(Decision::Unlimited);
        };
        let now = gcra::nanos(self.now());
        // The GCRA step of `gcra::decide`, in one atomic statement: take a token when the
        // bucket is no more than `tolerance` ahead of now.
        let row = sqlx::query(
            "INSERT INTO rate_limits AS r (project_id, tat) VALUES ($1, $2 + $3) \
             ON CONFLICT (project_id) DO UPDATE SET tat = GREATEST(r.tat, $2) + $3 \
             WHERE GREATEST(r.tat, $2) - $2 <= $4 RETURNING tat",
        )
        .bind(project)
        .bind(now)
        .bind(params.interval)
        .bind(params.tolerance)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let tat = match row {
            Some(r) => return Ok(params.allowed(now, r.try_get("tat").map_err(db)?)),
            None => sqlx::query_scalar("SELECT tat FROM rate_limits WHERE project_id = $1")
                .bind(project)
                .fetch_one(&self.pool)
                .await
                .map_err(db)?,
        };
        Ok(params.limited(now, tat))
    }

    async fn lead(&self, job: Job, ttl: Duration) -> StoreResult<bool> {
        let now = self.now();
        let until = crate::clock::after(now, ttl);
        let row = sqlx::query(
            "INSERT INTO job_leases AS l (name, holder, until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = $2, until = $3 \
             WHERE l.until <= $4 OR l.holder = $2 RETURNING holder",
        )
        .bind(job.name())
        .bind(&self.replica)
        .bind(until)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.is_some())
    }
}

async fn insert_ids(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    watch_id: &str,
    ids: &[String],
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO watch_ids (watch_id, account_id) SELECT $1, unnest($2::text[]) \
         ON CONFLICT DO NOTHING",
    )
    .bind(watch_id)
    .bind(ids)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_stay_small_and_carry_the_sender() {
        let keys: Vec<String> = (0..2000).map(|i| format!("ca_{i:012}")).collect();
        let p = payloads("lease_r1", &keys);
        assert!(p.len() > 1);
        let mut back = Vec::new();
        for payload in &p {
            assert!(payload.len() <= MAX_PAYLOAD, "{}", payload.len());
            let mut lines = payload.split('\n');
            assert_eq!(lines.next(), Some("lease_r1"));
            back.extend(lines.map(str::to_owned));
        }
        assert_eq!(back, keys);
        assert!(payloads("r", &[]).is_empty());
    }
}

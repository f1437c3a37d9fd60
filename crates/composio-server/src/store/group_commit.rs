//! Group commit of new connections: every Connect Link the process creates goes through one
//! task that writes all the links waiting at that moment in one unit of work, with one
//! multi-row statement per table.
//!
//! A unit of work costs a handful of round trips to the database (on SQLite, hand-offs to its
//! worker thread) and holds the write lock meanwhile, however many rows it writes. One link
//! per unit of work bounded creation at about 1,300 links/s on two cores; batched, the cost of
//! those round trips is shared by every link that arrived while the previous batch was being
//! written. A lone request waits for nobody: it is written at once, as a batch of one.
//!
//! Each link's outcome is its own: a link whose idempotency key another request holds, or
//! whose alias or word id is taken (by a stored account or by an earlier link of the same
//! batch), is left out and reported, and the others are written. When a batch fails as a
//! whole, its links are written again one by one, so one bad link cannot fail the others.

use std::collections::{BTreeMap, HashSet};

use composio_core::ConnectionStatus;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};
use tokio::sync::{mpsc, oneshot};

use super::sqlx_store::Backend;
use super::sqlx_util::{Db, Statement, Value};
use super::*;
use crate::clock::{after, before, SharedClock};

/// The most links written in one unit of work (15 values per account: well under SQLite's 32,766
/// and PostgreSQL's 65,535 bound parameters per statement).
const MAX_BATCH: usize = 128;
/// Links waiting for the writer at most; further ones wait to be queued.
const QUEUE: usize = 4_096;

/// What became of one new connection.
#[derive(Debug)]
pub(super) enum Written {
    /// The account and its link (and its idempotent response) are stored.
    Connection(Box<Connection>),
    /// Another request holds or has answered the idempotency key: nothing was written.
    KeyTaken,
    /// The account breaks a uniqueness rule (alias or word id): nothing was written.
    Conflict,
}

struct Job {
    new: NewConnection,
    reply: oneshot::Sender<StoreResult<Written>>,
}

/// The handle of the task that writes new connections in batches.
#[derive(Debug, Clone)]
pub(super) struct LinkWriter {
    jobs: mpsc::Sender<Job>,
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the link writer has stopped".into())
}

impl LinkWriter {
    /// Writes `new` (with the next batch).
    pub(super) async fn write(&self, new: &NewConnection) -> StoreResult<Written> {
        let (reply, done) = oneshot::channel();
        let job = Job {
            new: new.clone(),
            reply,
        };
        self.jobs.send(job).await.map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())?
    }
}

/// The rows of `new` created at `now`.
pub(super) fn rows_of(new: &NewConnection, now: i64) -> (AccountRow, LinkRow) {
    let account = AccountRow {
        id: new.account_id.clone(),
        project_id: new.project_id.clone(),
        user_id: new.user_id.clone(),
        toolkit: new.toolkit.clone(),
        auth_config_id: new.auth_config_id.clone(),
        auth_scheme: new.auth_scheme,
        status: ConnectionStatus::Initiated,
        status_reason: None,
        is_disabled: false,
        credentials: None,
        credentials_version: 0,
        info: None,
        created_at: now,
        updated_at: now,
        alias: new.alias.as_ref().map(|a| a.display.clone()),
        word_id: Some(new.word_id.clone()),
    };
    let link = LinkRow {
        token: new.link_token.clone(),
        project_id: new.project_id.clone(),
        account_id: new.account_id.clone(),
        callback_url: new.callback_url.clone(),
        pkce_verifier: None,
        used: false,
        expires_at: after(now, new.ttl),
        browser_hash: None,
    };
    (account, link)
}

/// The writer task's state: the pool of writes and the clock.
pub(super) struct Batches<DB: sqlx::Database> {
    writer: Pool<DB>,
    clock: SharedClock,
}

impl<DB> Batches<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    /// Starts the writer task on `writer` (the store's pool of writes); it stops when the
    /// last handle is dropped.
    pub(super) fn spawn(writer: Pool<DB>, clock: SharedClock) -> LinkWriter {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(Self { writer, clock }.run(queue));
        LinkWriter { jobs }
    }

    async fn run(self, mut queue: mpsc::Receiver<Job>) {
        let (writer, clock) = (&self.writer, &self.clock);
        let mut jobs = Vec::with_capacity(MAX_BATCH);
        while queue.recv_many(&mut jobs, MAX_BATCH).await > 0 {
            let batch: Vec<Job> = std::mem::take(&mut jobs);
            let news: Vec<&NewConnection> = batch.iter().map(|j| &j.new).collect();
            match Self::write_batch(writer, clock.now_ms(), &news).await {
                Ok(outcomes) => {
                    for (job, outcome) in batch.into_iter().zip(outcomes) {
                        let _ = job.reply.send(Ok(outcome));
                    }
                }
                Err(e) if batch.len() == 1 => {
                    if let Some(job) = batch.into_iter().next() {
                        let _ = job.reply.send(Err(e));
                    }
                }
                Err(e) => {
                    tracing::debug!(error = %e, links = batch.len(), "batch failed; writing its links one by one");
                    for job in batch {
                        let one = Self::write_batch(writer, clock.now_ms(), &[&job.new])
                            .await
                            .and_then(|mut v| v.pop().ok_or_else(stopped));
                        let _ = job.reply.send(one);
                    }
                }
            }
        }
    }

    /// Writes `news` in one unit of work: their idempotency claims, then the accounts whose claim
    /// held, then the links of the accounts that were inserted.
    async fn write_batch(
        writer: &Pool<DB>,
        now: i64,
        news: &[&NewConnection],
    ) -> StoreResult<Vec<Written>> {
        // `None`: still going.
        let mut outcome: Vec<Option<Written>> = news.iter().map(|_| None).collect();
        let mut tx = writer.begin_with(DB::BEGIN_WRITE).await.db()?;

        // 1. Idempotency claims, grouped by TTL (one statement each; in practice there is one
        // TTL). A key twice in the batch: the second waits for the first like any repeat.
        let mut by_ttl: BTreeMap<std::time::Duration, Vec<usize>> = BTreeMap::new();
        let mut keys = HashSet::new();
        for (i, new) in news.iter().enumerate() {
            if let Some(claim) = &new.idempotency {
                if keys.insert((new.project_id.as_str(), claim.key.as_str())) {
                    by_ttl.entry(claim.ttl).or_default().push(i);
                } else {
                    outcome[i] = Some(Written::KeyTaken);
                }
            }
        }
        let mut claimed = HashSet::new();
        for (ttl, members) in &by_ttl {
            let mut st = Statement::new(
                "INSERT INTO idempotency_keys (project_id, key, status, body, created_at) VALUES ",
            );
            for (n, &i) in members.iter().enumerate() {
                let new = news[i];
                let Some(claim) = &new.idempotency else {
                    continue;
                };
                st.push_row(
                    n == 0,
                    [
                        Value::from(new.project_id.as_str()),
                        claim.key.as_str().into(),
                        i64::from(claim.response.status).into(),
                        claim.response.body.as_str().into(),
                        now.into(),
                    ],
                );
            }
            // The same rule as `idempotent_begin`: a reservation whose holder ran out of time,
            // or a response past its TTL, may be taken over.
            st.push(
                " ON CONFLICT (project_id, key) DO UPDATE SET status = excluded.status, \
             body = excluded.body, created_at = excluded.created_at, reserved_until = NULL \
             WHERE (idempotency_keys.status = 0 AND idempotency_keys.reserved_until <= ",
            )
            .bind(now)
            .push(") OR (idempotency_keys.status <> 0 AND idempotency_keys.created_at < ")
            .bind(before(now, *ttl))
            .push(") RETURNING project_id, key");
            let rows = sqlx::query_with(st.sql(), st.arguments::<DB>()?)
                .fetch_all(&mut *tx)
                .await
                .db()?;
            for row in &rows {
                let project: String = row.try_get("project_id").db()?;
                let key: String = row.try_get("key").db()?;
                claimed.insert((project, key));
            }
            for &i in members {
                let new = news[i];
                let key = new.idempotency.as_ref().map(|c| c.key.clone());
                if !key.is_some_and(|k| claimed.contains(&(new.project_id.clone(), k))) {
                    outcome[i] = Some(Written::KeyTaken);
                }
            }
        }

        // 2. The accounts; one that breaks a uniqueness rule is skipped.
        let pending: Vec<usize> = (0..news.len()).filter(|&i| outcome[i].is_none()).collect();
        let mut inserted = HashSet::new();
        if !pending.is_empty() {
            let mut st = Statement::new(
            "INSERT INTO connected_accounts (id, project_id, user_id, toolkit, auth_config_id, \
             auth_scheme, status, is_disabled, credentials_version, created_at, updated_at, \
             expires_at, alias, alias_key, word_id) VALUES ",
        );
            for (n, &i) in pending.iter().enumerate() {
                let new = news[i];
                let alias = new.alias.as_ref();
                st.push_row(
                    n == 0,
                    [
                        Value::from(new.account_id.as_str()),
                        new.project_id.as_str().into(),
                        new.user_id.as_str().into(),
                        new.toolkit.as_str().into(),
                        new.auth_config_id.as_str().into(),
                        new.auth_scheme.as_str().into(),
                        ConnectionStatus::Initiated.as_str().into(),
                        false.into(),
                        0i64.into(),
                        now.into(),
                        now.into(),
                        after(now, new.ttl).into(),
                        alias.map(|a| a.display.as_str()).into(),
                        alias.map(|a| a.key.as_str()).into(),
                        new.word_id.as_str().into(),
                    ],
                );
            }
            st.push(" ON CONFLICT DO NOTHING RETURNING id");
            let rows = sqlx::query_with(st.sql(), st.arguments::<DB>()?)
                .fetch_all(&mut *tx)
                .await
                .db()?;
            for row in &rows {
                let id: String = row.try_get("id").db()?;
                inserted.insert(id);
            }
        }
        for &i in &pending {
            let new = news[i];
            if inserted.contains(&new.account_id) {
                continue;
            }
            outcome[i] = Some(Written::Conflict);
            // Its claim goes with it, so a retry of the request runs again.
            if let Some(claim) = &new.idempotency {
                sqlx::query("DELETE FROM idempotency_keys WHERE project_id = $1 AND key = $2")
                    .bind(new.project_id.clone())
                    .bind(claim.key.clone())
                    .execute(&mut *tx)
                    .await
                    .db()?;
            }
        }

        // 3. The links of the inserted accounts.
        let linked: Vec<usize> = pending
            .iter()
            .copied()
            .filter(|&i| outcome[i].is_none())
            .collect();
        if !linked.is_empty() {
            let mut st = Statement::new(
            "INSERT INTO links (token, project_id, account_id, callback_url, used, expires_at) \
             VALUES ",
        );
            for (n, &i) in linked.iter().enumerate() {
                let new = news[i];
                st.push_row(
                    n == 0,
                    [
                        Value::from(new.link_token.as_str()),
                        new.project_id.as_str().into(),
                        new.account_id.as_str().into(),
                        new.callback_url.as_deref().into(),
                        false.into(),
                        after(now, new.ttl).into(),
                    ],
                );
            }
            sqlx::query_with(st.sql(), st.arguments::<DB>()?)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        tx.commit().await.db()?;

        Ok(news
            .iter()
            .zip(outcome)
            .map(|(new, outcome)| {
                outcome.unwrap_or_else(|| {
                    let (account, link) = rows_of(new, now);
                    Written::Connection(Box::new(Connection { account, link }))
                })
            })
            .collect())
    }
}

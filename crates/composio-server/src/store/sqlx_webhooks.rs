//! [`WebhookStore`] for every sqlx backend, written once (see `sqlx_store.rs`), and the
//! outbox write the account units of work call inside their transaction
//! ([`enqueue_account_event`]).

use std::time::Duration;

use async_trait::async_trait;
use composio_core::models::{DeliveryStatus, WebhookEventType};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::sqlx_store::{Backend, SqlxStore};
use super::sqlx_util::Db;
use super::webhooks::*;
use super::{AccountRow, StoreError, StoreResult};
use crate::clock::after;

const SUBSCRIPTION_COLS: &str = "id, project_id, webhook_url, version, enabled_events, secret, \
    previous_secret, previous_secret_until, created_at, updated_at";
const DELIVERY_COLS: &str = "id, event_id, subscription_id, event_type, account_id, \
    payload, status, attempts, run_attempts, next_attempt_at, last_status_code, last_error, \
    last_latency_ms, created_at, delivered_at";

fn subscription<R>(row: &R) -> StoreResult<SubscriptionRow>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    let events: String = row.try_get("enabled_events").db()?;
    let enabled_events: Vec<WebhookEventType> = serde_json::from_str(&events)
        .map_err(|e| StoreError::Corrupt(format!("enabled_events: {e}")))?;
    let previous: Option<Vec<u8>> = row.try_get("previous_secret").db()?;
    let until: Option<i64> = row.try_get("previous_secret_until").db()?;
    Ok(SubscriptionRow {
        id: row.try_get("id").db()?,
        project_id: row.try_get("project_id").db()?,
        webhook_url: row.try_get("webhook_url").db()?,
        version: row.try_get("version").db()?,
        enabled_events,
        secret: row.try_get("secret").db()?,
        previous_secret: previous.zip(until),
        created_at: row.try_get("created_at").db()?,
        updated_at: row.try_get("updated_at").db()?,
    })
}

fn delivery<R>(row: &R) -> StoreResult<DeliveryRow>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let event_type: String = row.try_get("event_type").db()?;
    let status: String = row.try_get("status").db()?;
    Ok(DeliveryRow {
        id: row.try_get("id").db()?,
        event_id: row.try_get("event_id").db()?,
        subscription_id: row.try_get("subscription_id").db()?,
        event_type: WebhookEventType::parse(&event_type),
        account_id: row.try_get("account_id").db()?,
        payload: row.try_get("payload").db()?,
        status: DeliveryStatus::parse(&status),
        attempts: row.try_get("attempts").db()?,
        run_attempts: row.try_get("run_attempts").db()?,
        next_attempt_at: row.try_get("next_attempt_at").db()?,
        last_status_code: row.try_get("last_status_code").db()?,
        last_error: row.try_get("last_error").db()?,
        last_latency_ms: row.try_get("last_latency_ms").db()?,
        created_at: row.try_get("created_at").db()?,
        delivered_at: row.try_get("delivered_at").db()?,
    })
}

fn events_json(events: &[WebhookEventType]) -> StoreResult<String> {
    serde_json::to_string(events).map_err(|e| StoreError::Backend(Box::new(e)))
}

/// Writes the delivery of an account event on `conn` (inside the unit of work that changed
/// the account), if the account's project has a subscription with the event enabled.
pub(super) async fn enqueue_account_event<DB>(
    conn: &mut DB::Connection,
    account: &AccountRow,
    event_type: &WebhookEventType,
    now: i64,
) -> StoreResult<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Decode<'q, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    let row =
        sqlx::query("SELECT id, enabled_events FROM webhook_subscriptions WHERE project_id = $1")
            .bind(account.project_id.clone())
            .fetch_optional(&mut *conn)
            .await
            .db()?;
    let Some(row) = row else { return Ok(()) };
    let subscription_id: String = row.try_get("id").db()?;
    let events: String = row.try_get("enabled_events").db()?;
    let enabled: Vec<WebhookEventType> = serde_json::from_str(&events)
        .map_err(|e| StoreError::Corrupt(format!("enabled_events: {e}")))?;
    if !enabled.contains(event_type) {
        return Ok(());
    }
    let event_id = crate::ids::webhook_message();
    let payload = crate::webhooks::account_event_body(&event_id, event_type, account, now)
        .map_err(|e| StoreError::Backend(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, event_id, subscription_id, project_id, event_type, \
         account_id, payload, status, attempts, run_attempts, next_attempt_at, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING', 0, 0, $8, $8, $8)",
    )
    .bind(crate::ids::webhook_delivery())
    .bind(event_id)
    .bind(subscription_id)
    .bind(account.project_id.clone())
    .bind(event_type.as_str().to_owned())
    .bind(Some(account.id.clone()))
    .bind(payload)
    .bind(now)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

#[async_trait]
impl<DB> WebhookStore for SqlxStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> Option<Vec<u8>>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    async fn insert_subscription(&self, row: &SubscriptionRow) -> StoreResult<SubscriptionRow> {
        let now = self.clock.now_ms();
        let (previous, until) = match &row.previous_secret {
            Some((p, u)) => (Some(p.clone()), Some(*u)),
            None => (None, None),
        };
        sqlx::query(
            "INSERT INTO webhook_subscriptions (id, project_id, webhook_url, version, \
             enabled_events, secret, previous_secret, previous_secret_until, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(row.id.clone())
        .bind(row.project_id.clone())
        .bind(row.webhook_url.clone())
        .bind(row.version.clone())
        .bind(events_json(&row.enabled_events)?)
        .bind(row.secret.clone())
        .bind(previous)
        .bind(until)
        .bind(now)
        .execute(&self.writer)
        .await
        .db()?;
        Ok(SubscriptionRow {
            created_at: now,
            updated_at: now,
            ..row.clone()
        })
    }

    async fn project_subscription(&self, project_id: &str) -> StoreResult<Option<SubscriptionRow>> {
        let sql =
            format!("SELECT {SUBSCRIPTION_COLS} FROM webhook_subscriptions WHERE project_id = $1");
        let row = sqlx::query(&sql)
            .bind(project_id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(subscription).transpose()
    }

    async fn subscription_any(&self, id: &str) -> StoreResult<Option<SubscriptionRow>> {
        let sql = format!("SELECT {SUBSCRIPTION_COLS} FROM webhook_subscriptions WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(subscription).transpose()
    }

    async fn update_subscription(
        &self,
        project_id: &str,
        id: &str,
        change: &SubscriptionChange,
    ) -> StoreResult<Option<SubscriptionRow>> {
        let events = change
            .enabled_events
            .as_deref()
            .map(events_json)
            .transpose()?;
        let sql = format!(
            "UPDATE webhook_subscriptions SET webhook_url = COALESCE($1, webhook_url), \
             enabled_events = COALESCE($2, enabled_events), version = COALESCE($3, version), \
             updated_at = $4 WHERE id = $5 AND project_id = $6 RETURNING {SUBSCRIPTION_COLS}"
        );
        let row = sqlx::query(&sql)
            .bind(change.webhook_url.clone())
            .bind(events)
            .bind(change.version.clone())
            .bind(self.clock.now_ms())
            .bind(id.to_owned())
            .bind(project_id.to_owned())
            .fetch_optional(&self.writer)
            .await
            .db()?;
        row.as_ref().map(subscription).transpose()
    }

    async fn rotate_subscription_secret(
        &self,
        project_id: &str,
        id: &str,
        sealed: &[u8],
        overlap: Duration,
    ) -> StoreResult<Option<SubscriptionRow>> {
        let now = self.clock.now_ms();
        let sql = format!(
            "UPDATE webhook_subscriptions SET previous_secret = secret, \
             previous_secret_until = $1, secret = $2, updated_at = $3 \
             WHERE id = $4 AND project_id = $5 RETURNING {SUBSCRIPTION_COLS}"
        );
        let row = sqlx::query(&sql)
            .bind(after(now, overlap))
            .bind(sealed.to_vec())
            .bind(now)
            .bind(id.to_owned())
            .bind(project_id.to_owned())
            .fetch_optional(&self.writer)
            .await
            .db()?;
        row.as_ref().map(subscription).transpose()
    }

    async fn delete_subscription(&self, project_id: &str, id: &str) -> StoreResult<bool> {
        let mut tx = self.begin_write().await.db()?;
        let r = sqlx::query("DELETE FROM webhook_subscriptions WHERE id = $1 AND project_id = $2")
            .bind(id.to_owned())
            .bind(project_id.to_owned())
            .execute(&mut *tx)
            .await
            .db()?;
        let existed = DB::rows_affected(&r) > 0;
        if existed {
            sqlx::query("DELETE FROM webhook_deliveries WHERE subscription_id = $1")
                .bind(id.to_owned())
                .execute(&mut *tx)
                .await
                .db()?;
        }
        tx.commit().await.db()?;
        Ok(existed)
    }

    async fn list_deliveries(
        &self,
        subscription_id: &str,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<DeliveryRow>, u64)> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE subscription_id = $1",
        )
        .bind(subscription_id.to_owned())
        .fetch_one(&self.pool)
        .await
        .db()?;
        let sql = format!(
            "SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE subscription_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query(&sql)
            .bind(subscription_id.to_owned())
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .db()?;
        Ok((
            rows.iter().map(delivery).collect::<StoreResult<_>>()?,
            u64::try_from(total).unwrap_or(0),
        ))
    }

    async fn deliveries_since(
        &self,
        subscription_id: &str,
        since: i64,
    ) -> StoreResult<Vec<DeliveryRow>> {
        let sql = format!(
            "SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE subscription_id = $1 \
             AND created_at >= $2 ORDER BY created_at, id LIMIT 1000"
        );
        let rows = sqlx::query(&sql)
            .bind(subscription_id.to_owned())
            .bind(since)
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter().map(delivery).collect()
    }

    async fn redeliver(
        &self,
        subscription_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Option<DeliveryRow>> {
        let now = self.clock.now_ms();
        let sql = format!(
            "UPDATE webhook_deliveries SET status = 'PENDING', run_attempts = 0, \
             next_attempt_at = $1, updated_at = $1 \
             WHERE id = $2 AND subscription_id = $3 RETURNING {DELIVERY_COLS}"
        );
        let row = sqlx::query(&sql)
            .bind(now)
            .bind(delivery_id.to_owned())
            .bind(subscription_id.to_owned())
            .fetch_optional(&self.writer)
            .await
            .db()?;
        row.as_ref().map(delivery).transpose()
    }

    async fn claim_deliveries(
        &self,
        holder: &str,
        limit: u32,
        lease: Duration,
    ) -> StoreResult<Vec<DeliveryRow>> {
        let now = self.clock.now_ms();
        // The outer conditions repeat the inner ones: PostgreSQL re-checks them on a row
        // another replica claimed meanwhile (it waited for that row's lock), so the second
        // claimer skips it.
        let due = "status = 'PENDING' AND next_attempt_at <= $3 \
                   AND (lease_until IS NULL OR lease_until <= $3)";
        let sql = format!(
            "UPDATE webhook_deliveries SET lease_holder = $1, lease_until = $2 \
             WHERE id IN (SELECT id FROM webhook_deliveries WHERE {due} \
             ORDER BY next_attempt_at LIMIT $4) AND {due} RETURNING {DELIVERY_COLS}"
        );
        let rows = sqlx::query(&sql)
            .bind(holder.to_owned())
            .bind(after(now, lease))
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.writer)
            .await
            .db()?;
        rows.iter().map(delivery).collect()
    }

    async fn finish_delivery(
        &self,
        id: &str,
        holder: &str,
        result: &AttemptResult,
    ) -> StoreResult<bool> {
        let now = self.clock.now_ms();
        let status = match (&result.error, result.retry_at) {
            (None, _) => DeliveryStatus::Delivered,
            (Some(_), Some(_)) => DeliveryStatus::Pending,
            (Some(_), None) => DeliveryStatus::Failed,
        };
        let delivered_at = result.error.is_none().then_some(now);
        let next = match status {
            DeliveryStatus::Pending => result.retry_at,
            _ => None,
        };
        let r = sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, \
             run_attempts = run_attempts + 1, next_attempt_at = $2, lease_holder = NULL, \
             lease_until = NULL, last_status_code = $3, last_error = $4, last_latency_ms = $5, \
             updated_at = $6, delivered_at = COALESCE($7, delivered_at) \
             WHERE id = $8 AND lease_holder = $9",
        )
        .bind(status.as_str().to_owned())
        .bind(next)
        .bind(result.status_code.map(i64::from))
        .bind(result.error.clone())
        .bind(i64::try_from(result.latency.as_millis()).unwrap_or(i64::MAX))
        .bind(now)
        .bind(delivered_at)
        .bind(id.to_owned())
        .bind(holder.to_owned())
        .execute(&self.writer)
        .await
        .db()?;
        Ok(DB::rows_affected(&r) > 0)
    }

    async fn next_delivery_due(&self) -> StoreResult<Option<i64>> {
        // A leased delivery is not due before its lease runs out.
        sqlx::query_scalar(
            "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > next_attempt_at \
             THEN lease_until ELSE next_attempt_at END) FROM webhook_deliveries \
             WHERE status = 'PENDING'",
        )
        .fetch_one(&self.pool)
        .await
        .db()
    }
}

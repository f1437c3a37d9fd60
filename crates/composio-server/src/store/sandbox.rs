//! Storage of the sandbox OAuth provider ([`crate::sandbox`]): single-use authorization codes,
//! grants, and the access and rotating refresh tokens of each grant. Codes and tokens are
//! kept as SHA-256 hashes only, so the database holds nothing that can be replayed; every
//! replica of a cluster and a restarted server see the same grants.
//!
//! Refresh tokens rotate: each one is good for one refresh. Presenting one that was already
//! rotated revokes its whole grant (RFC 9700 §4.14.2), since either the client or an attacker
//! holds a stolen copy.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::sqlx_store::{Backend, SqlxStore};
use super::sqlx_util::Db;
use super::StoreResult;
use crate::clock::after;

/// An authorization code as stored (its hash) and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SandboxCode {
    /// SHA-256 of the code.
    pub code_hash: Vec<u8>,
    /// The redirect URI the code was issued for (the token request must repeat it).
    pub redirect_uri: String,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// The user who consented.
    pub subject: String,
    /// The granted scope.
    pub scope: String,
    /// When the code expires (epoch ms; set by the store).
    pub expires_at: i64,
}

/// A pair of tokens to issue for a grant, as hashes.
#[derive(Debug, Clone)]
pub(crate) struct IssuedTokens {
    /// SHA-256 of the access token.
    pub access_hash: Vec<u8>,
    /// How long the access token lives.
    pub access_ttl: Duration,
    /// SHA-256 of the refresh token.
    pub refresh_hash: Vec<u8>,
}

/// Who a grant is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SandboxGrant {
    /// The user who consented.
    pub subject: String,
    /// The granted scope.
    pub scope: String,
}

/// What [`SandboxStore::sandbox_refresh`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refreshed {
    /// The refresh token was rotated and the new tokens issued.
    Rotated(SandboxGrant),
    /// The refresh token had been rotated already: the grant is now revoked.
    Reused,
    /// The grant was revoked earlier.
    Revoked,
    /// No such refresh token.
    Unknown,
}

/// What [`SandboxStore::sandbox_access`] found for an access token.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// The token is valid; the user it was issued for.
    Valid(String),
    /// The token ran out.
    Expired,
    /// No such token, or its grant was revoked.
    Unknown,
}

/// Storage of the sandbox provider (a part of every [`super::Store`]).
#[async_trait]
pub(crate) trait SandboxStore {
    /// Stores a new authorization code, valid for `ttl`.
    async fn sandbox_code_insert(&self, code: &SandboxCode, ttl: Duration) -> StoreResult<()>;
    /// Takes (deletes and returns) a code, so it is redeemed once, whatever the replica.
    async fn sandbox_code_take(&self, code_hash: &[u8]) -> StoreResult<Option<SandboxCode>>;
    /// Creates a grant with its first tokens (one unit of work).
    async fn sandbox_grant(&self, grant: &SandboxGrant, tokens: &IssuedTokens) -> StoreResult<()>;
    /// Rotates a refresh token: marks it used and issues `tokens` for its grant (one unit of
    /// work); a reused token revokes its grant.
    async fn sandbox_refresh(
        &self,
        refresh_hash: &[u8],
        tokens: &IssuedTokens,
    ) -> StoreResult<Refreshed>;
    /// The user of a live access token.
    async fn sandbox_access(&self, access_hash: &[u8]) -> StoreResult<Access>;
    /// Revokes the grant of an access or refresh token (RFC 7009); whether one was found.
    async fn sandbox_revoke(&self, token_hash: &[u8]) -> StoreResult<bool>;
    /// Makes every access token issued so far expire now (tests and demos of refreshing).
    async fn sandbox_expire_access_tokens(&self) -> StoreResult<()>;
    /// Revokes every grant issued so far (tests and demos of a lost connection).
    async fn sandbox_revoke_all(&self) -> StoreResult<()>;
    /// Forgets expired codes, and access tokens and revoked grants older than `keep`; how
    /// many rows.
    async fn sandbox_purge(&self, keep: Duration) -> StoreResult<u64>;
}

#[async_trait]
impl<DB> SandboxStore for SqlxStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    async fn sandbox_code_insert(&self, code: &SandboxCode, ttl: Duration) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sandbox_codes (code_hash, redirect_uri, code_challenge, subject, scope, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(code.code_hash.clone())
        .bind(code.redirect_uri.clone())
        .bind(code.code_challenge.clone())
        .bind(code.subject.clone())
        .bind(code.scope.clone())
        .bind(after(self.clock.now_ms(), ttl))
        .execute(&self.writer)
        .await
        .db()?;
        Ok(())
    }

    async fn sandbox_code_take(&self, code_hash: &[u8]) -> StoreResult<Option<SandboxCode>> {
        let row = sqlx::query(
            "DELETE FROM sandbox_codes WHERE code_hash = $1 RETURNING code_hash, redirect_uri, \
             code_challenge, subject, scope, expires_at",
        )
        .bind(code_hash.to_vec())
        .fetch_optional(&self.writer)
        .await
        .db()?;
        row.map(|r| {
            Ok(SandboxCode {
                code_hash: r.try_get("code_hash").db()?,
                redirect_uri: r.try_get("redirect_uri").db()?,
                code_challenge: r.try_get("code_challenge").db()?,
                subject: r.try_get("subject").db()?,
                scope: r.try_get("scope").db()?,
                expires_at: r.try_get("expires_at").db()?,
            })
        })
        .transpose()
    }

    async fn sandbox_grant(&self, grant: &SandboxGrant, tokens: &IssuedTokens) -> StoreResult<()> {
        let id = crate::ids::sandbox_grant();
        let now = self.clock.now_ms();
        let mut tx = self.begin_write().await.db()?;
        sqlx::query(
            "INSERT INTO sandbox_grants (id, subject, scope, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.clone())
        .bind(grant.subject.clone())
        .bind(grant.scope.clone())
        .bind(now)
        .execute(&mut *tx)
        .await
        .db()?;
        insert_tokens::<DB>(&mut *tx, &id, tokens, now).await?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn sandbox_refresh(
        &self,
        refresh_hash: &[u8],
        tokens: &IssuedTokens,
    ) -> StoreResult<Refreshed> {
        let now = self.clock.now_ms();
        let mut tx = self.begin_write().await.db()?;
        let rotated: Option<String> = sqlx::query_scalar(
            "UPDATE sandbox_tokens SET used_at = $2 WHERE token_hash = $1 AND kind = 'refresh' \
             AND used_at IS NULL RETURNING grant_id",
        )
        .bind(refresh_hash.to_vec())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let Some(grant_id) = rotated else {
            let used: Option<String> = sqlx::query_scalar(
                "SELECT grant_id FROM sandbox_tokens WHERE token_hash = $1 AND kind = 'refresh'",
            )
            .bind(refresh_hash.to_vec())
            .fetch_optional(&mut *tx)
            .await
            .db()?;
            let Some(grant_id) = used else {
                return Ok(Refreshed::Unknown);
            };
            revoke_grant::<DB>(&mut *tx, &grant_id, now).await?;
            tx.commit().await.db()?;
            return Ok(Refreshed::Reused);
        };
        let row =
            sqlx::query("SELECT subject, scope, revoked_at FROM sandbox_grants WHERE id = $1")
                .bind(grant_id.clone())
                .fetch_optional(&mut *tx)
                .await
                .db()?;
        let Some(row) = row else {
            return Ok(Refreshed::Unknown);
        };
        let revoked: Option<i64> = row.try_get("revoked_at").db()?;
        if revoked.is_some() {
            // Nothing to keep: the rotation above is rolled back with the transaction.
            return Ok(Refreshed::Revoked);
        }
        let grant = SandboxGrant {
            subject: row.try_get("subject").db()?,
            scope: row.try_get("scope").db()?,
        };
        insert_tokens::<DB>(&mut *tx, &grant_id, tokens, now).await?;
        tx.commit().await.db()?;
        Ok(Refreshed::Rotated(grant))
    }

    async fn sandbox_access(&self, access_hash: &[u8]) -> StoreResult<Access> {
        let row = sqlx::query(
            "SELECT t.expires_at, g.subject, g.revoked_at FROM sandbox_tokens t \
             JOIN sandbox_grants g ON g.id = t.grant_id WHERE t.token_hash = $1 AND t.kind = 'access'",
        )
        .bind(access_hash.to_vec())
        .fetch_optional(&self.pool)
        .await
        .db()?;
        let Some(row) = row else {
            return Ok(Access::Unknown);
        };
        let revoked: Option<i64> = row.try_get("revoked_at").db()?;
        if revoked.is_some() {
            return Ok(Access::Unknown);
        }
        let expires: Option<i64> = row.try_get("expires_at").db()?;
        if expires.is_some_and(|e| e <= self.clock.now_ms()) {
            return Ok(Access::Expired);
        }
        Ok(Access::Valid(row.try_get("subject").db()?))
    }

    async fn sandbox_revoke(&self, token_hash: &[u8]) -> StoreResult<bool> {
        let now = self.clock.now_ms();
        let mut tx = self.begin_write().await.db()?;
        let grant: Option<String> =
            sqlx::query_scalar("SELECT grant_id FROM sandbox_tokens WHERE token_hash = $1")
                .bind(token_hash.to_vec())
                .fetch_optional(&mut *tx)
                .await
                .db()?;
        let Some(grant) = grant else {
            return Ok(false);
        };
        revoke_grant::<DB>(&mut *tx, &grant, now).await?;
        tx.commit().await.db()?;
        Ok(true)
    }

    async fn sandbox_expire_access_tokens(&self) -> StoreResult<()> {
        sqlx::query("UPDATE sandbox_tokens SET expires_at = $1 WHERE kind = 'access'")
            .bind(self.clock.now_ms())
            .execute(&self.writer)
            .await
            .db()?;
        Ok(())
    }

    async fn sandbox_revoke_all(&self) -> StoreResult<()> {
        sqlx::query("UPDATE sandbox_grants SET revoked_at = $1 WHERE revoked_at IS NULL")
            .bind(self.clock.now_ms())
            .execute(&self.writer)
            .await
            .db()?;
        Ok(())
    }

    async fn sandbox_purge(&self, keep: Duration) -> StoreResult<u64> {
        let now = self.clock.now_ms();
        let before = crate::clock::before(now, keep);
        let mut tx = self.begin_write().await.db()?;
        let mut n = 0;
        for (sql, at) in [
            ("DELETE FROM sandbox_codes WHERE expires_at <= $1", now),
            (
                "DELETE FROM sandbox_tokens WHERE kind = 'access' AND expires_at <= $1",
                before,
            ),
            (
                "DELETE FROM sandbox_tokens WHERE grant_id IN \
                 (SELECT id FROM sandbox_grants WHERE revoked_at <= $1)",
                before,
            ),
            ("DELETE FROM sandbox_grants WHERE revoked_at <= $1", before),
        ] {
            let done = sqlx::query(sql).bind(at).execute(&mut *tx).await.db()?;
            n += DB::rows_affected(&done);
        }
        tx.commit().await.db()?;
        Ok(n)
    }
}

/// Inserts the access and refresh token of a grant.
async fn insert_tokens<DB>(
    conn: &mut DB::Connection,
    grant_id: &str,
    tokens: &IssuedTokens,
    now: i64,
) -> StoreResult<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Type<DB>,
{
    sqlx::query(
        "INSERT INTO sandbox_tokens (token_hash, grant_id, kind, expires_at) \
         VALUES ($1, $2, 'access', $3), ($4, $2, 'refresh', NULL)",
    )
    .bind(tokens.access_hash.clone())
    .bind(grant_id.to_owned())
    .bind(after(now, tokens.access_ttl))
    .bind(tokens.refresh_hash.clone())
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

/// Revokes a grant (all its tokens stop working).
async fn revoke_grant<DB>(conn: &mut DB::Connection, grant_id: &str, now: i64) -> StoreResult<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    sqlx::query("UPDATE sandbox_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(grant_id.to_owned())
        .bind(now)
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(())
}

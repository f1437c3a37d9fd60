//! Auth configs (docs/spec/auth-configs.md §24): which OAuth app (client id, sealed secret,
//! scopes, extra authorize parameters) the connected accounts of a toolkit are created with.
//! A config still referenced by accounts cannot be deleted: the delete and the check are one
//! statement, so an account created concurrently cannot be left without its config.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::sqlx_store::{Backend, SqlxStore};
use super::sqlx_util::Db;
use super::{StoreError, StoreResult};

/// Who provides the OAuth app of an auth config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthConfigKind {
    /// The server's own app (its configuration, else the sandbox): `use_composio_managed_auth`.
    Default,
    /// The project's own app: `use_custom_auth`.
    Custom,
}

impl AuthConfigKind {
    /// The wire and stored spelling (`default`, `custom`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Custom => "custom",
        }
    }

    fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "default" => Ok(Self::Default),
            "custom" => Ok(Self::Custom),
            other => Err(StoreError::Corrupt(format!("auth config kind `{other}`"))),
        }
    }
}

/// A stored auth config (its client secret sealed).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct AuthConfigRow {
    /// `ac_…`
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// Toolkit slug.
    pub toolkit: String,
    /// Display name.
    pub name: String,
    /// Default (managed) or custom.
    pub kind: AuthConfigKind,
    /// `OAUTH2`, `API_KEY`, …
    pub auth_scheme: String,
    /// The OAuth client id (`None`: the server's app).
    pub client_id: Option<String>,
    /// The sealed OAuth client secret.
    pub client_secret: Option<Vec<u8>>,
    /// Scopes requested (empty: the toolkit's).
    pub scopes: Vec<String>,
    /// Extra authorize parameters (`prompt`, `access_type`, …), over the toolkit's.
    pub authorize_params: BTreeMap<String, String>,
    /// `ENABLED` (true) or `DISABLED`.
    pub enabled: bool,
    /// Creation time (epoch ms).
    pub created_at: i64,
    /// Last update (epoch ms).
    pub updated_at: i64,
}

impl std::fmt::Debug for AuthConfigRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfigRow")
            .field("id", &self.id)
            .field("project_id", &self.project_id)
            .field("toolkit", &self.toolkit)
            .field("kind", &self.kind)
            .field("client_id", &self.client_id)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// Which auth configs [`AuthConfigStore::list_auth_configs`] returns.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuthConfigFilter {
    /// Only these toolkits (empty: all).
    pub toolkits: Vec<String>,
    /// Only managed (`Some(true)`) or custom (`Some(false)`) ones.
    pub managed: Option<bool>,
    /// Disabled ones too.
    pub show_disabled: bool,
    /// Rows skipped.
    pub offset: u64,
    /// Most rows returned.
    pub limit: u64,
}

/// What [`AuthConfigStore::delete_auth_config`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthConfigDeletion {
    /// Deleted.
    Deleted,
    /// Kept: this many connected accounts use it.
    InUse(u64),
    /// There is no such auth config.
    NotFound,
}

/// Storage of auth configs (a part of every [`super::Store`]).
#[async_trait]
pub(crate) trait AuthConfigStore {
    /// Stores a new auth config (`Conflict` when the id exists).
    async fn insert_auth_config(&self, row: &AuthConfigRow) -> StoreResult<()>;
    /// Creates a toolkit's default auth config or, when it exists, replaces its OAuth client
    /// (id and secret) only, keeping name, scopes and status: the startup seed, idempotent
    /// and safe for replicas starting together.
    async fn seed_auth_config(&self, row: &AuthConfigRow) -> StoreResult<()>;
    /// An auth config of a project.
    async fn auth_config(&self, project_id: &str, id: &str) -> StoreResult<Option<AuthConfigRow>>;
    /// A page of a project's auth configs (oldest first) and the total matching.
    async fn list_auth_configs(
        &self,
        project_id: &str,
        filter: &AuthConfigFilter,
    ) -> StoreResult<(Vec<AuthConfigRow>, u64)>;
    /// Replaces the mutable fields (name, client, scopes, parameters, status) of an auth
    /// config; `false` when there is none.
    async fn update_auth_config(&self, row: &AuthConfigRow) -> StoreResult<bool>;
    /// Deletes an auth config no connected account uses.
    async fn delete_auth_config(
        &self,
        project_id: &str,
        id: &str,
    ) -> StoreResult<AuthConfigDeletion>;
    /// How many connected accounts of each given auth config are `ACTIVE`.
    async fn auth_config_connections(
        &self,
        project_id: &str,
        ids: &[String],
    ) -> StoreResult<BTreeMap<String, u64>>;
}

const COLS: &str = "id, project_id, toolkit, name, kind, auth_scheme, client_id, client_secret, \
    scopes, authorize_params, enabled, created_at, updated_at";

fn auth_config<R>(row: &R) -> StoreResult<AuthConfigRow>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    let kind: String = row.try_get("kind").db()?;
    let scopes: String = row.try_get("scopes").db()?;
    let params: String = row.try_get("authorize_params").db()?;
    let enabled: i64 = row.try_get("enabled").db()?;
    Ok(AuthConfigRow {
        id: row.try_get("id").db()?,
        project_id: row.try_get("project_id").db()?,
        toolkit: row.try_get("toolkit").db()?,
        name: row.try_get("name").db()?,
        kind: AuthConfigKind::parse(&kind)?,
        auth_scheme: row.try_get("auth_scheme").db()?,
        client_id: row.try_get("client_id").db()?,
        client_secret: row.try_get("client_secret").db()?,
        scopes: serde_json::from_str(&scopes)
            .map_err(|e| StoreError::Corrupt(format!("scopes: {e}")))?,
        authorize_params: serde_json::from_str(&params)
            .map_err(|e| StoreError::Corrupt(format!("authorize_params: {e}")))?,
        enabled: enabled != 0,
        created_at: row.try_get("created_at").db()?,
        updated_at: row.try_get("updated_at").db()?,
    })
}

fn json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[async_trait]
impl<DB> AuthConfigStore for SqlxStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> Option<Vec<u8>>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Decode<'q, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    async fn insert_auth_config(&self, row: &AuthConfigRow) -> StoreResult<()> {
        let now = self.clock.now_ms();
        sqlx::query(&format!(
            "INSERT INTO auth_configs ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
             $11, $12, $12)"
        ))
        .bind(row.id.clone())
        .bind(row.project_id.clone())
        .bind(row.toolkit.clone())
        .bind(row.name.clone())
        .bind(row.kind.as_str().to_owned())
        .bind(row.auth_scheme.clone())
        .bind(row.client_id.clone())
        .bind(row.client_secret.clone())
        .bind(json(&row.scopes)?)
        .bind(json(&row.authorize_params)?)
        .bind(i64::from(row.enabled))
        .bind(now)
        .execute(&self.writer)
        .await
        .db()?;
        Ok(())
    }

    async fn seed_auth_config(&self, row: &AuthConfigRow) -> StoreResult<()> {
        let now = self.clock.now_ms();
        sqlx::query(&format!(
            "INSERT INTO auth_configs ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
             $11, $12, $12) ON CONFLICT (id) DO UPDATE SET client_id = excluded.client_id, \
             client_secret = excluded.client_secret, auth_scheme = excluded.auth_scheme, \
             updated_at = excluded.updated_at"
        ))
        .bind(row.id.clone())
        .bind(row.project_id.clone())
        .bind(row.toolkit.clone())
        .bind(row.name.clone())
        .bind(row.kind.as_str().to_owned())
        .bind(row.auth_scheme.clone())
        .bind(row.client_id.clone())
        .bind(row.client_secret.clone())
        .bind(json(&row.scopes)?)
        .bind(json(&row.authorize_params)?)
        .bind(i64::from(row.enabled))
        .bind(now)
        .execute(&self.writer)
        .await
        .db()?;
        Ok(())
    }

    async fn auth_config(&self, project_id: &str, id: &str) -> StoreResult<Option<AuthConfigRow>> {
        let row = sqlx::query(&format!(
            "SELECT {COLS} FROM auth_configs WHERE project_id = $1 AND id = $2"
        ))
        .bind(project_id.to_owned())
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.as_ref().map(auth_config).transpose()
    }

    async fn list_auth_configs(
        &self,
        project_id: &str,
        filter: &AuthConfigFilter,
    ) -> StoreResult<(Vec<AuthConfigRow>, u64)> {
        // One placeholder per toolkit slug (bound, never inlined).
        let mut clause = String::from("project_id = $1");
        let mut n = 1;
        if !filter.toolkits.is_empty() {
            let marks: Vec<String> = (0..filter.toolkits.len())
                .map(|i| format!("${}", n + 1 + i))
                .collect();
            n += filter.toolkits.len();
            clause.push_str(&format!(" AND toolkit IN ({})", marks.join(", ")));
        }
        match filter.managed {
            Some(true) => clause.push_str(" AND kind = 'default'"),
            Some(false) => clause.push_str(" AND kind = 'custom'"),
            None => {}
        }
        if !filter.show_disabled {
            clause.push_str(" AND enabled = 1");
        }
        let count_sql = format!("SELECT COUNT(*) FROM auth_configs WHERE {clause}");
        let mut count = sqlx::query_scalar::<DB, i64>(&count_sql).bind(project_id.to_owned());
        for t in &filter.toolkits {
            count = count.bind(t.clone());
        }
        let total = count.fetch_one(&self.pool).await.db()?;
        let sql = format!(
            "SELECT {COLS} FROM auth_configs WHERE {clause} ORDER BY created_at ASC, id ASC \
             LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut q = sqlx::query(&sql).bind(project_id.to_owned());
        for t in &filter.toolkits {
            q = q.bind(t.clone());
        }
        let rows = q
            .bind(i64::try_from(filter.limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(filter.offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .db()?;
        Ok((
            rows.iter().map(auth_config).collect::<StoreResult<_>>()?,
            u64::try_from(total).unwrap_or(0),
        ))
    }

    async fn update_auth_config(&self, row: &AuthConfigRow) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE auth_configs SET name = $1, client_id = $2, client_secret = $3, scopes = $4, \
             authorize_params = $5, enabled = $6, updated_at = $7 WHERE project_id = $8 AND id = $9",
        )
        .bind(row.name.clone())
        .bind(row.client_id.clone())
        .bind(row.client_secret.clone())
        .bind(json(&row.scopes)?)
        .bind(json(&row.authorize_params)?)
        .bind(i64::from(row.enabled))
        .bind(self.clock.now_ms())
        .bind(row.project_id.clone())
        .bind(row.id.clone())
        .execute(&self.writer)
        .await
        .db()?;
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn delete_auth_config(
        &self,
        project_id: &str,
        id: &str,
    ) -> StoreResult<AuthConfigDeletion> {
        let done = sqlx::query(
            "DELETE FROM auth_configs WHERE project_id = $1 AND id = $2 AND NOT EXISTS \
             (SELECT 1 FROM connected_accounts c WHERE c.project_id = $1 AND c.auth_config_id = $2)",
        )
        .bind(project_id.to_owned())
        .bind(id.to_owned())
        .execute(&self.writer)
        .await
        .db()?;
        if DB::rows_affected(&done) > 0 {
            return Ok(AuthConfigDeletion::Deleted);
        }
        if self.auth_config(project_id, id).await?.is_none() {
            return Ok(AuthConfigDeletion::NotFound);
        }
        let used: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM connected_accounts WHERE project_id = $1 AND auth_config_id = $2",
        )
        .bind(project_id.to_owned())
        .bind(id.to_owned())
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok(AuthConfigDeletion::InUse(u64::try_from(used).unwrap_or(0)))
    }

    async fn auth_config_connections(
        &self,
        project_id: &str,
        ids: &[String],
    ) -> StoreResult<BTreeMap<String, u64>> {
        let mut out = BTreeMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT auth_config_id, COUNT(*) FROM connected_accounts WHERE project_id = $1 \
             AND status = 'ACTIVE' AND auth_config_id IN ({}) GROUP BY auth_config_id",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(project_id.to_owned());
        for id in ids {
            q = q.bind(id.clone());
        }
        for row in q.fetch_all(&self.pool).await.db()? {
            let id: String = row.try_get(0usize).db()?;
            let n: i64 = row.try_get(1usize).db()?;
            out.insert(id, u64::try_from(n).unwrap_or(0));
        }
        Ok(out)
    }
}

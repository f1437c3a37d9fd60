//! Aliases of connected accounts: renaming and the lookup of who holds an alias. Uniqueness
//! per (project, user, toolkit) is the database's unique index on the alias's comparison key,
//! so two concurrent writers of one alias cannot both win.

use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Type};

use super::sqlx_store::{Backend, SqlxStore};
use super::sqlx_util::{account, Db, ACCOUNT_COLS};
use super::{AccountRow, AliasChange, StoreError, StoreResult};
use crate::alias::Alias;

/// Storage of aliases (a part of every [`super::Store`]).
#[async_trait]
pub(crate) trait AliasStore {
    /// The account of a user and toolkit whose alias compares equal to `key`.
    async fn alias_holder(
        &self,
        project_id: &str,
        user_id: &str,
        toolkit: &str,
        key: &str,
    ) -> StoreResult<Option<AccountRow>>;
    /// Sets (or with `None` clears) the alias of an account of a project.
    async fn set_alias(
        &self,
        project_id: &str,
        id: &str,
        alias: Option<&Alias>,
    ) -> StoreResult<AliasChange>;
}

#[async_trait]
impl<DB> AliasStore for SqlxStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Decode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Decode<'q, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    async fn alias_holder(
        &self,
        project_id: &str,
        user_id: &str,
        toolkit: &str,
        key: &str,
    ) -> StoreResult<Option<AccountRow>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLS} FROM connected_accounts WHERE project_id = $1 AND user_id = $2 \
             AND toolkit = $3 AND alias_key = $4"
        );
        let row = sqlx::query(&sql)
            .bind(project_id.to_owned())
            .bind(user_id.to_owned())
            .bind(toolkit.to_owned())
            .bind(key.to_owned())
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(account).transpose()
    }

    async fn set_alias(
        &self,
        project_id: &str,
        id: &str,
        alias: Option<&Alias>,
    ) -> StoreResult<AliasChange> {
        let sql = format!(
            "UPDATE connected_accounts SET alias = $1, alias_key = $2, updated_at = $3 \
             WHERE project_id = $4 AND id = $5 RETURNING {ACCOUNT_COLS}"
        );
        let updated = sqlx::query(&sql)
            .bind(alias.map(|a| a.display.clone()))
            .bind(alias.map(|a| a.key.clone()))
            .bind(self.clock.now_ms())
            .bind(project_id.to_owned())
            .bind(id.to_owned())
            .fetch_optional(&self.writer)
            .await
            .db();
        match updated {
            Ok(Some(row)) => Ok(AliasChange::Updated(Box::new(account(&row)?))),
            Ok(None) => Ok(AliasChange::NotFound),
            Err(StoreError::Conflict(e)) => {
                let Some(alias) = alias else {
                    return Err(StoreError::Conflict(e));
                };
                let sql = format!(
                    "SELECT {ACCOUNT_COLS} FROM connected_accounts WHERE project_id = $1 AND id = $2"
                );
                let own = sqlx::query(&sql)
                    .bind(project_id.to_owned())
                    .bind(id.to_owned())
                    .fetch_optional(&self.pool)
                    .await
                    .db()?;
                let Some(own) = own.as_ref().map(account).transpose()? else {
                    return Ok(AliasChange::NotFound);
                };
                match self
                    .alias_holder(project_id, &own.user_id, &own.toolkit, &alias.key)
                    .await?
                {
                    Some(holder) => Ok(AliasChange::Taken(Box::new(holder))),
                    // The holder let go of it in between: a retry can take it.
                    None => Err(StoreError::Conflict(e)),
                }
            }
            Err(e) => Err(e),
        }
    }
}

//! Connections: creating a Connect Link, completing it, expiring overdue ones, enabling,
//! disabling and deleting accounts. Every status change goes through the store's
//! conditional updates ([`crate::domain::AccountEvent`]) and is announced to watchers after
//! it is committed.

use crate::catalog::{AuthScheme, ToolkitDef};
use crate::config::describe_duration;
use crate::domain::LinkOutcome;
use crate::error::{ApiError, ApiResult};
use crate::oauth::StoredCredentials;
use crate::state::AppState;
use crate::store::{Completed, Completion, Connection, Created, LinkRow, NewConnection};

/// The hub key notified when a new account of a user's toolkit is created.
pub(crate) fn new_account_key(project: &str, user_id: &str, toolkit: &str) -> String {
    format!("new-account {project} {user_id} {toolkit}")
}

/// `<public-url>/link/<token>`.
pub(crate) fn link_url(state: &AppState, token: &str) -> String {
    format!("{}/link/{token}", state.public_url)
}

/// The status reason of an expired connection initiation.
pub(crate) fn expiry_reason(state: &AppState) -> String {
    format!(
        "Connection initiation did not complete within {}",
        describe_duration(state.config.link_expiry)
    )
}

/// How many two-word ids are tried (each collides with a chance of about
/// accounts-of-the-user-and-toolkit / 6,400) before numbered ones (a space of about 64
/// million) are, as many times again; an error only after that.
const WORD_ID_TRIES: usize = 8;

/// Stores a connection [`prepare_link`] made (without an idempotency claim): its
/// `INITIATED` account, with its alias when given, and its single-use link, in one unit of
/// work; 409 when another account of the user and toolkit has the alias.
pub(crate) async fn create_link(state: &AppState, new: NewConnection) -> ApiResult<Connection> {
    match store_link(state, new).await? {
        Stored::Connection(conn) => Ok(*conn),
        // Only a connection with an idempotency claim can find its key taken.
        Stored::KeyTaken => Err(ApiError::internal(&"idempotency key taken without a claim")),
    }
}

/// Checks a new connection of `user_id` to `tk` (the toolkit needs authentication, its auth
/// config and OAuth app are usable, the alias and callback URL are valid) and draws its ids;
/// nothing is stored until [`store_link`].
pub(crate) async fn prepare_link(
    state: &AppState,
    project: &str,
    user_id: &str,
    tk: &ToolkitDef,
    callback_url: Option<String>,
    alias: Option<&str>,
    auth_config: Option<&str>,
) -> ApiResult<NewConnection> {
    let alias = match alias {
        Some(raw) => crate::service::accounts::parse_alias(raw)?,
        None => None,
    };
    if tk.is_no_auth() {
        return Err(ApiError::bad_request(format!(
            "Toolkit '{}' needs no authentication; there is nothing to connect",
            tk.slug
        ))
        .fix("Use the toolkit's tools directly."));
    }
    crate::service::complete_auth::check_creation_user(state, project, user_id, tk)?;
    let config =
        crate::service::auth_configs::for_connection(state, project, tk, auth_config).await?;
    if tk.auth_scheme == AuthScheme::OAuth2
        && crate::service::auth_configs::provider(state, &config, tk)
            .await?
            .is_none()
    {
        let up = tk.slug.to_ascii_uppercase();
        return Err(ApiError::bad_request(format!(
            "No OAuth app is configured for toolkit '{}'",
            tk.slug
        ))
        .fix(format!(
            "Set COMPOSIO_SERVER_{up}_CLIENT_ID and _CLIENT_SECRET, or run with --sandbox."
        )));
    }
    if let Some(cb) = &callback_url {
        state.check_callback(project, cb)?;
    }
    Ok(NewConnection {
        account_id: crate::ids::account(),
        link_token: crate::ids::link_token(),
        project_id: project.to_owned(),
        user_id: user_id.to_owned(),
        toolkit: tk.slug.clone(),
        auth_config_id: config.id.clone(),
        auth_scheme: tk.auth_scheme,
        callback_url,
        ttl: state.config.link_expiry,
        alias,
        word_id: String::new(),
        idempotency: None,
    })
}

/// What [`store_link`] did.
#[derive(Debug)]
pub(crate) enum Stored {
    /// The account and its link (and the claimed response) are stored.
    Connection(Box<Connection>),
    /// Another request holds or has answered the idempotency key: nothing was stored.
    KeyTaken,
}

/// Stores a prepared connection (with its idempotency claim, when it has one) and wakes the
/// waits on the user's toolkit; 409 when another account of the user and toolkit has the
/// alias.
pub(crate) async fn store_link(state: &AppState, new: NewConnection) -> ApiResult<Stored> {
    let (project, user_id, toolkit) = (
        new.project_id.clone(),
        new.user_id.clone(),
        new.toolkit.clone(),
    );
    let Some(conn) = create_unique(state, new).await? else {
        return Ok(Stored::KeyTaken);
    };
    // Wakes COMPOSIO_WAIT_FOR_CONNECTIONS calls waiting on this user's toolkit.
    state
        .cluster
        .publish(&[new_account_key(&project, &user_id, &toolkit)])
        .await;
    tracing::info!(account_id = %conn.account.id, toolkit = %toolkit, "connect link created");
    Ok(Stored::Connection(Box::new(conn)))
}

/// Stores a new connection, drawing word ids until one is free; `None` when its idempotency
/// key is taken.
async fn create_unique(state: &AppState, mut new: NewConnection) -> ApiResult<Option<Connection>> {
    for attempt in 0..2 * WORD_ID_TRIES {
        new.word_id = if attempt < WORD_ID_TRIES {
            crate::alias::word_id(&new.toolkit)
        } else {
            crate::alias::numbered_word_id(&new.toolkit)
        };
        match state.store.create_connection(&new).await? {
            Created::Connection(conn) => return Ok(Some(*conn)),
            Created::KeyTaken => return Ok(None),
            Created::AliasTaken(holder) => {
                return Err(crate::service::accounts::alias_conflict(
                    new.alias.as_ref().map_or("", |a| a.display.as_str()),
                    &holder,
                ))
            }
            Created::WordIdTaken => continue,
        }
    }
    Err(ApiError::internal(&format!(
        "no free word id for toolkit {} after {} tries",
        new.toolkit,
        2 * WORD_ID_TRIES
    )))
}

/// Why a Connect Link attempt did not produce credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AttemptFailure {
    /// The user refused consent.
    Denied(String),
    /// Anything else (the provider, the exchange, the configuration).
    Failed(String),
}

/// Completes a link with the result of the user's attempt: stores the credentials and
/// activates the account, or fails it, in one unit of work with marking the link used.
/// A link that expired meanwhile ends `EXPIRED`, whatever the attempt brought.
pub(crate) async fn complete(
    state: &AppState,
    link: &LinkRow,
    attempt: Result<(StoredCredentials, Option<serde_json::Value>), AttemptFailure>,
) -> LinkOutcome {
    let (completion, success) = match attempt {
        Ok((creds, info)) => match seal(state, &creds) {
            Ok(sealed) => (
                Completion::Connected {
                    credentials: sealed,
                    info: info.map(|v| v.to_string()),
                },
                LinkOutcome::Connected,
            ),
            Err(e) => {
                tracing::error!(error = %e, "could not seal the credentials");
                let reason = "Could not store the credentials".to_owned();
                (
                    Completion::Failed(reason.clone()),
                    LinkOutcome::Failed(reason),
                )
            }
        },
        Err(AttemptFailure::Denied(reason)) => (
            Completion::Failed(reason.clone()),
            LinkOutcome::Denied(reason),
        ),
        Err(AttemptFailure::Failed(reason)) => (
            Completion::Failed(reason.clone()),
            LinkOutcome::Failed(reason),
        ),
    };
    apply_completion(state, &link.token, &completion, success).await
}

/// Completes link `token` with `completion` (see [`complete`]); `success` is the outcome
/// when it applies.
pub(crate) async fn apply_completion(
    state: &AppState,
    token: &str,
    completion: &Completion,
    success: LinkOutcome,
) -> LinkOutcome {
    let result = state
        .store
        .complete_link(token, completion, &expiry_reason(state))
        .await;
    match result {
        Ok(Completed::Applied(account)) => {
            tracing::info!(account_id = %account.id, status = %account.status, "connect link completed");
            state.changed(&account.id).await;
            success
        }
        Ok(Completed::Expired(account)) => {
            tracing::info!(account_id = %account.id, "connect link expired before completion");
            state.changed(&account.id).await;
            LinkOutcome::Expired
        }
        Ok(Completed::LinkUsed) => LinkOutcome::Used,
        Ok(Completed::Rejected(Some(account))) => {
            tracing::info!(account_id = %account.id, status = %account.status, "account no longer pending");
            LinkOutcome::Expired
        }
        Ok(Completed::Rejected(None)) => {
            LinkOutcome::Failed("The connected account no longer exists".to_owned())
        }
        Err(e) => {
            tracing::error!(error = %e, "could not complete the connect link");
            LinkOutcome::Failed("Could not store the credentials".to_owned())
        }
    }
}

pub(crate) fn seal(
    state: &AppState,
    creds: &StoredCredentials,
) -> Result<Vec<u8>, crate::credentials::CredentialError> {
    let json = serde_json::to_vec(creds)?;
    Ok(state.cipher.encrypt(&json)?)
}

/// Expires pending accounts whose link ran out; how many.
pub(crate) async fn expire_overdue(state: &AppState) -> usize {
    match state.store.expire_overdue(&expiry_reason(state)).await {
        Ok(ids) => {
            for id in &ids {
                tracing::info!(account_id = %id, "connection initiation expired");
                state.changed(id).await;
            }
            ids.len()
        }
        Err(e) => {
            tracing::error!(error = %e, "expiry sweep failed");
            0
        }
    }
}

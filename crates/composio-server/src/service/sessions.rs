//! Sessions: loading one for a project (403 for another project's, 404 for none), the
//! toolkits it may use, toolkit lookups with a suggestion for typos, and config updates with
//! their history (docs/spec/wire-2026.md §19).

use axum::http::StatusCode;
use composio_core::models::{SessionConfig, SessionConfigHistoryItem, ToolkitFilterEcho};

use super::session_patch::{merge, with_echo_defaults, SessionPatch};
use crate::catalog::ToolkitDef;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{ConfigUpdate, ConfigUpdated, SessionRow};
use crate::util::format_ts;

/// 404 for an unknown toolkit, suggesting the closest slug.
pub(crate) fn unknown_toolkit(state: &AppState, slug: &str) -> ApiError {
    let err = ApiError::not_found("Toolkit_NotFound", format!("Toolkit '{slug}' not found"));
    match state.catalog.closest(slug) {
        Some(c) => err.fix(format!("Did you mean '{c}'? Check the toolkit slug.")),
        None => err.fix("Check the toolkit slug."),
    }
}

pub(crate) fn toolkit<'a>(state: &'a AppState, slug: &str) -> ApiResult<&'a ToolkitDef> {
    state
        .catalog
        .get(slug)
        .ok_or_else(|| unknown_toolkit(state, slug))
}

/// The stored session; 403 when it belongs to another project (docs/spec/wire.md §4), else 404.
pub(crate) async fn load(
    state: &AppState,
    project: &str,
    id: &str,
) -> ApiResult<(SessionRow, SessionConfig)> {
    let Some(row) = state.store.get_session(project, id).await? else {
        if state.store.session_project(id).await?.is_some() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "ToolRouterSession_Forbidden",
                format!("Session '{id}' belongs to another project"),
            )
            .fix("Use the API key of the project that created the session."));
        }
        return Err(ApiError::not_found(
            "ToolRouterSession_NotFound",
            format!("Session '{id}' not found"),
        )
        .fix("Create a session first; sessions belong to the project of the API key."));
    };
    let config: SessionConfig =
        serde_json::from_str(&row.config).map_err(|e| ApiError::internal(&e))?;
    Ok((row, config))
}

/// Whether a toolkit is allowed by the session's filter.
pub(crate) fn toolkit_allowed(config: &SessionConfig, slug: &str) -> bool {
    match &config.toolkits {
        Some(ToolkitFilterEcho::Enabled(v)) => v.iter().any(|s| s.eq_ignore_ascii_case(slug)),
        Some(ToolkitFilterEcho::Disabled(v)) => !v.iter().any(|s| s.eq_ignore_ascii_case(slug)),
        _ => true,
    }
}

/// Checks the accounts a session pins (`connected_accounts`): each must exist in the project,
/// belong to the session's user and to the toolkit it is pinned for, and not be disabled
/// (docs/spec/wire-2026.md §16.2), so a session can never reach another user's account.
pub(crate) async fn check_pins(
    state: &AppState,
    project: &str,
    user_id: &str,
    pins: &std::collections::BTreeMap<String, Vec<String>>,
) -> ApiResult<()> {
    let invalid = |message: String| {
        ApiError::bad_request(message)
            .with_slug("ToolRouterSession_InvalidConnectedAccounts")
            .code(10400)
            .fix("Pin only enabled accounts of the session's own user, under their own toolkit.")
    };
    for (toolkit, ids) in pins {
        let found = state.store.get_accounts(project, ids).await?;
        for id in ids {
            let Some(a) = found.iter().find(|a| &a.id == id) else {
                return Err(invalid(format!(
                    "connected_accounts.{toolkit}: account '{id}' does not exist"
                )));
            };
            if a.user_id != user_id {
                return Err(invalid(format!(
                    "connected_accounts.{toolkit}: account '{id}' belongs to another user"
                )));
            }
            if a.toolkit != *toolkit {
                return Err(invalid(format!(
                    "connected_accounts.{toolkit}: account '{id}' is a {} account",
                    a.toolkit
                )));
            }
            if a.is_disabled {
                return Err(invalid(format!(
                    "connected_accounts.{toolkit}: account '{id}' is disabled"
                )));
            }
        }
    }
    Ok(())
}

/// The 409 of a stale `expected_config_version` (docs/spec/wire-2026.md §19.2): never worth
/// retrying as is, so `x-should-retry: false`.
pub(crate) fn config_conflict(id: &str, expected: i64, current: i64) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "ToolRouterSession_ConfigVersionConflict",
        format!(
            "Session {id} config is at version {current}, expected {expected}; re-fetch the \
             session and retry"
        ),
    )
    .code(10409)
    .no_retry()
    .with("current_config_version", current)
    .fix("GET the session and retry with its config_version.")
}

/// How often an update without `expected_config_version` recomputes its merge after losing
/// a race to another update before it gives up.
const UPDATE_ATTEMPTS: usize = 8;

/// Applies a PATCH body to a session (docs/spec/wire-2026.md §19.1–19.3): the merged config
/// and its new version. With `expected_config_version` the update applies only at that
/// version (else a 409); without it the last writer wins, each attempt merging into the
/// config it read and storing it by compare-and-set, so no concurrent update is lost.
pub(crate) async fn update(
    state: &AppState,
    project: &str,
    id: &str,
    body: serde_json::Value,
) -> ApiResult<(SessionConfig, i64)> {
    let mut current = Some(load(state, project, id).await?);
    let patch = SessionPatch::parse(body)?;
    for _ in 0..UPDATE_ATTEMPTS {
        let (row, config) = match current.take() {
            Some(c) => c,
            None => load(state, project, id).await?,
        };
        if let Some(expected) = patch.expected_config_version {
            if expected != row.config_version {
                return Err(config_conflict(id, expected, row.config_version));
            }
        }
        let merged = merge(&config, &patch)?;
        validate(state, project, &merged)?;
        if patch.changes_connected_accounts() {
            check_pin_count(&merged)?;
            check_pins(state, project, &merged.user_id, &merged.connected_accounts).await?;
        }
        let update = ConfigUpdate {
            expected_version: row.config_version,
            previous: row.config.clone(),
            config: serde_json::to_string(&merged).map_err(|e| ApiError::internal(&e))?,
        };
        match state
            .store
            .update_session_config(project, id, &update)
            .await?
        {
            ConfigUpdated::Applied { version, .. } => {
                tracing::info!(session_id = %id, config_version = version, "session config updated");
                return Ok((merged, version));
            }
            ConfigUpdated::Conflict { current } => {
                if let Some(expected) = patch.expected_config_version {
                    return Err(config_conflict(id, expected, current));
                }
            }
            ConfigUpdated::NotFound => {
                load(state, project, id).await?;
            }
        }
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "ToolRouterSession_ConfigVersionConflict",
        format!("Session {id} config kept changing during this update; retry it"),
    )
    .code(10409))
}

/// The checks of a merged config that need the server: known toolkits, an allowed callback.
fn validate(state: &AppState, project: &str, config: &SessionConfig) -> ApiResult<()> {
    if let Some(ToolkitFilterEcho::Enabled(v) | ToolkitFilterEcho::Disabled(v)) = &config.toolkits {
        for s in v {
            toolkit(state, s)?;
        }
    }
    if let Some(cb) = config
        .manage_connections
        .as_ref()
        .and_then(|m| m.callback_url.as_ref())
    {
        state.check_callback(project, cb)?;
    }
    Ok(())
}

/// A session's multi-account settings (docs/spec/wire-2026.md §16.1), with their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MultiAccount {
    /// Several accounts per toolkit may be used and pinned.
    pub enabled: bool,
    /// At most this many `ACTIVE` accounts per toolkit (5 when enabled without a number).
    pub max_per_toolkit: u64,
    /// With several `ACTIVE` accounts, a tool call must name one.
    pub explicit_selection: bool,
}

impl MultiAccount {
    /// The settings of a session config.
    pub(crate) fn of(config: &SessionConfig) -> Self {
        let block = config.extra.get("multi_account");
        let flag = |k: &str| {
            block
                .and_then(|m| m.get(k))
                .and_then(serde_json::Value::as_bool)
                == Some(true)
        };
        let enabled = flag("enable");
        Self {
            enabled,
            max_per_toolkit: if enabled {
                block
                    .and_then(|m| m.get("max_accounts_per_toolkit"))
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(5)
            } else {
                1
            },
            explicit_selection: enabled && flag("require_explicit_selection"),
        }
    }
}

/// How many accounts a session may pin per toolkit (docs/spec/wire-2026.md §16.2): one
/// without multi-account mode, `max_accounts_per_toolkit` (5 by default) with it.
pub(crate) fn check_pin_count(config: &SessionConfig) -> ApiResult<()> {
    let multi = MultiAccount::of(config);
    let enabled = multi.enabled;
    let cap = multi.max_per_toolkit;
    match config
        .connected_accounts
        .iter()
        .find(|(_, ids)| ids.len() as u64 > cap)
    {
        None => Ok(()),
        Some((toolkit, ids)) => {
            let why = if enabled {
                ""
            } else {
                " when multi-account mode is disabled"
            };
            let message = format!(
                "connected_accounts.{toolkit}: {} accounts pinned, at most {cap} allowed{why}",
                ids.len()
            );
            let mut err = ApiError::validation(message.clone(), vec![message]);
            err.slug = "ToolRouterSession_InvalidConnectedAccounts";
            Err(err.fix("Enable multi_account, or pin one account per toolkit."))
        }
    }
}

/// One page of a session's config history, newest first: the live config first (on the
/// first page only, `is_current: true`), then the archived versions
/// (docs/spec/wire-2026.md §19.4).
pub(crate) async fn config_history(
    state: &AppState,
    project: &str,
    id: &str,
    offset: u64,
    limit: u64,
) -> ApiResult<serde_json::Value> {
    let (row, config) = load(state, project, id).await?;
    let mut items = Vec::new();
    let (archived_offset, archived_limit) = if offset == 0 {
        items.push(SessionConfigHistoryItem::new(
            u64::try_from(row.config_version).unwrap_or(1),
            format_ts(row.config_updated_at),
            true,
            with_echo_defaults(&config),
        ));
        (0, limit - 1)
    } else {
        (offset - 1, limit)
    };
    let (archived, total) = if archived_limit == 0 {
        let (_, total) = state.store.session_config_history(id, 0, 0).await?;
        (Vec::new(), total)
    } else {
        state
            .store
            .session_config_history(id, archived_offset, archived_limit)
            .await?
    };
    for h in archived {
        let config: SessionConfig =
            serde_json::from_str(&h.config).map_err(|e| ApiError::internal(&e))?;
        items.push(SessionConfigHistoryItem::new(
            u64::try_from(h.version).unwrap_or(1),
            format_ts(h.archived_at),
            false,
            with_echo_defaults(&config),
        ));
    }
    Ok(crate::api::page_json(items, offset, limit, total + 1))
}

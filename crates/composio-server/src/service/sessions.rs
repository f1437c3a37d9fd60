//! Sessions: loading one for a project (403 for another project's, 404 for none), the
//! toolkits it may use, and toolkit lookups with a suggestion for typos.

use axum::http::StatusCode;
use composio_core::models::{SessionConfig, ToolkitFilterEcho};

use crate::catalog::ToolkitDef;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::SessionRow;

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

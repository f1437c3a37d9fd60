//! `GET {P}/toolkits`, `/toolkits/{slug}`, `/tools`, `/tools/{slug}` and the session search
//! `POST {P}/tool_router/session/{id}/search`: query parsing and responses; the rules are in
//! [`crate::service::catalog`] and [`crate::service::search`].

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use serde_json::Value;

use super::{json_response, page_of, parse_cursor, parse_limit, query_map, ApiJson, Project};
use crate::error::{ApiError, ApiResult};
use crate::service::catalog::{self, Provenance, ToolQuery, ToolkitQuery};
use crate::service::{search, sessions};
use crate::state::SharedState;

/// The value of `key` when it is one of `allowed` (none when absent or empty), else a 400.
fn one_of<'a>(
    q: &'a HashMap<String, String>,
    key: &str,
    allowed: &[&str],
) -> ApiResult<Option<&'a str>> {
    match q.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v)),
        Some(v) => Err(ApiError::bad_request(format!(
            "`{key}` must be one of {}, got `{v}`",
            allowed.join(", ")
        ))),
    }
}

/// Every value of `key` (repeated, `key[]`, or comma-joined), trimmed, empty ones dropped.
fn list(uri: &Uri, key: &str) -> Vec<String> {
    let bracket = format!("{key}[]");
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .filter(|(k, _)| k == key || *k == bracket)
        .flat_map(|(_, v)| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// `GET {P}/toolkits?category=&managed_by=&type=&sort_by=&search=&include_deprecated=&limit=&cursor=`.
pub(super) async fn list_toolkits(
    State(state): State<SharedState>,
    uri: Uri,
) -> ApiResult<Response> {
    let q = query_map(&uri);
    let limit = parse_limit(&q, 50, 1000)?;
    let offset = parse_cursor(&q)?;
    one_of(&q, "include_deprecated", &["true", "false"])?;
    let managed = one_of(&q, "managed_by", &["composio", "all", "project"])?;
    let kind = one_of(&q, "type", &["native", "custom", "all"])?;
    let provenance = match kind.or(managed) {
        Some("composio" | "native") => Provenance::Native,
        Some("project" | "custom") => Provenance::Custom,
        _ => Provenance::All,
    };
    let sort = one_of(&q, "sort_by", &["usage", "alphabetically"])?;
    let query = ToolkitQuery {
        category: q
            .get("category")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        provenance,
        search: q
            .get("search")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        alphabetically: sort == Some("alphabetically"),
    };
    let all = catalog::list_toolkits(&state, &query);
    Ok(json_response(StatusCode::OK, &page_of(all, offset, limit)))
}

/// `GET {P}/toolkits/{slug}`.
pub(super) async fn get_toolkit(
    State(state): State<SharedState>,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    Ok(json_response(
        StatusCode::OK,
        &catalog::get_toolkit(&state, &slug)?,
    ))
}

/// `GET {P}/tools?toolkit_slug=&tool_slugs=&tags=&query=&search=&limit=&cursor=` (also
/// accepts `important`, `scopes`, `auth_config_ids`, `toolkit_versions`, `include_deprecated`,
/// which change nothing here: every tool is current and needs no scope filtering).
pub(super) async fn list_tools(State(state): State<SharedState>, uri: Uri) -> ApiResult<Response> {
    let q = query_map(&uri);
    let limit = parse_limit(&q, 100, 1000)?;
    let offset = parse_cursor(&q)?;
    one_of(&q, "important", &["true", "false"])?;
    one_of(&q, "include_deprecated", &["true", "false"])?;
    let mut toolkits = list(&uri, "toolkit_slug");
    toolkits.extend(list(&uri, "toolkit_slugs"));
    let query = ToolQuery {
        toolkits,
        tool_slugs: list(&uri, "tool_slugs"),
        tags: list(&uri, "tags"),
        query: q
            .get("query")
            .or_else(|| q.get("search"))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
    };
    let all = catalog::list_tools(&state, &query)?;
    Ok(json_response(StatusCode::OK, &page_of(all, offset, limit)))
}

/// `GET {P}/tools/{slug}`.
pub(super) async fn get_tool(
    State(state): State<SharedState>,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    Ok(json_response(
        StatusCode::OK,
        &catalog::get_tool(&state, &slug)?,
    ))
}

/// `POST {P}/tool_router/session/{id}/search` `{queries: [{use_case, known_fields?}],
/// toolkits?, model?}`
/// (docs/spec/wire-2026.md §16.9).
pub(super) async fn session_search(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    let (_, config) = sessions::load(&state, &project, &id).await?;
    let use_cases = search::use_cases(&body)?;
    let only = search::toolkit_filter(&body)?;
    let data = search::session_search(&state, &project, &id, &config, &use_cases, &only).await?;
    Ok(json_response(StatusCode::OK, &data))
}

//! Sessions: create, get, update, config history, delete, link, toolkits, tools
//! (docs/spec/wire.md §3–§6, wire-2026.md §19).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use composio_core::models::{
    CreateSessionRequest, DeleteSessionResponse, LinkRequest, LinkResponse,
    ManageConnectionsConfig, McpInfo, SessionConfig, SessionResponse, SessionToolkit,
    TagFilterEcho, ToolkitAuthConfig, ToolkitConnectedAccount, ToolkitFilterEcho, ToolkitMeta,
};
use composio_core::ToolkitFilter;
use serde_json::Value;

use super::{
    check_user_id, idempotent, idempotent_stored, json_response, page_of, parse_cursor,
    parse_limit, query_map, ApiJson, FingerprintedJson, Project,
};
use crate::catalog::ToolkitDef;
use crate::error::{ApiError, ApiResult};
use crate::service::accounts::session_account;
use crate::service::connections;
use crate::service::session_patch::with_echo_defaults;
use crate::service::sessions::{self, load, toolkit, toolkit_allowed};
use crate::state::SharedState;
use crate::store::NewSession;
use crate::util::format_ts;
use composio_core::query::split_list;

/// The session object of create, GET and PATCH (docs/spec/wire.md §3, wire-2026.md §19.1):
/// the meta tools computed from the config, the config with the blocks the official clients
/// require, and its version.
fn session_response(
    state: &SharedState,
    id: &str,
    config: &SessionConfig,
    version: i64,
) -> ApiResult<Value> {
    let resp = SessionResponse::new(
        id,
        McpInfo::http(format!("{}/tool_router/{id}/mcp", state.public_url)),
        with_echo_defaults(config),
    )
    .config_version(u64::try_from(version).unwrap_or(1))
    .tool_router_tools(
        crate::meta_tools::offered(config)
            .iter()
            .map(|t| t.slug())
            .collect::<Vec<_>>(),
    );
    serde_json::to_value(resp).map_err(|e| ApiError::internal(&e))
}

pub(super) async fn create(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    headers: HeaderMap,
    FingerprintedJson(raw, fingerprint): FingerprintedJson<Value>,
) -> ApiResult<Response> {
    if let Some(t) = raw.get("toolkits").and_then(Value::as_object) {
        if t.contains_key("enabled") || t.contains_key("disabled") {
            return Err(ApiError::bad_request(
                "`toolkits` takes `enable` or `disable`; `enabled`/`disabled` are response fields",
            )
            .fix("Send {\"toolkits\": {\"enable\": [...]}}."));
        }
        if t.contains_key("enable") && t.contains_key("disable") {
            return Err(ApiError::bad_request(
                "`toolkits` takes `enable` or `disable`, not both",
            ));
        }
    }
    let multi_account = match raw.get("multi_account") {
        None | Some(Value::Null) => None,
        Some(v) => crate::service::session_patch::multi_account(None, v)?,
    };
    let req: CreateSessionRequest = serde_json::from_value(raw)
        .map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))?;
    check_user_id(&req.user_id)?;
    let slugs: Vec<String> = match &req.toolkits {
        Some(ToolkitFilter::Enable(v)) | Some(ToolkitFilter::Disable(v)) => v.clone(),
        _ => Vec::new(),
    };
    for s in &slugs {
        toolkit(&state, s)?;
    }
    if let Some(cb) = &req.manage_connections.callback_url {
        state.check_callback(&project, cb)?;
    }
    crate::service::sessions::check_pins(&state, &project, &req.user_id, &req.connected_accounts)
        .await?;
    let mut config = SessionConfig::new(&req.user_id)
        .auth_configs(req.auth_configs.clone())
        .connected_accounts(req.connected_accounts.clone())
        .manage_connections(ManageConnectionsConfig::from(&req.manage_connections));
    if let Some(f) = req.toolkits.clone() {
        config = config.toolkits(ToolkitFilterEcho::from(f));
    }
    if let Some(tags) = req.tags.clone() {
        config = config.tags(TagFilterEcho::from(tags));
    }
    if !req.tools.is_empty() {
        config = config.tools(req.tools.clone());
    }
    if let Some(block) = multi_account {
        config.extra.insert("multi_account".to_owned(), block);
    }
    crate::service::sessions::check_pin_count(&config)?;
    idempotent(
        &state,
        &project,
        &headers,
        "POST session",
        &fingerprint,
        async {
            let id = crate::ids::session();
            let row = NewSession {
                id: id.clone(),
                project_id: project.clone(),
                user_id: req.user_id.clone(),
                config: serde_json::to_string(&config).map_err(|e| ApiError::internal(&e))?,
            };
            state.store.insert_session(&row).await?;
            tracing::info!(session_id = %id, "session created");
            Ok((
                StatusCode::CREATED,
                session_response(&state, &id, &config, 1)?,
            ))
        },
    )
    .await
}

pub(super) async fn get_one(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (row, config) = load(&state, &project, &id).await?;
    Ok(json_response(
        StatusCode::OK,
        &session_response(&state, &row.id, &config, row.config_version)?,
    ))
}

/// `PATCH {P}/tool_router/session/{id}` (docs/spec/wire-2026.md §19.1): strict keys, the
/// merge rules, `expected_config_version` as a compare-and-set; answers the session object.
pub(super) async fn update(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    let (config, version) = sessions::update(&state, &project, &id, body).await?;
    Ok(json_response(
        StatusCode::OK,
        &session_response(&state, &id, &config, version)?,
    ))
}

/// `GET {P}/tool_router/session/{id}/config_history?limit=&cursor=` (§19.4).
pub(super) async fn config_history(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let q = query_map(&uri);
    let limit = parse_limit(&q, 20, 100)?;
    let offset = parse_cursor(&q)?;
    let page = sessions::config_history(&state, &project, &id, offset, limit).await?;
    Ok(json_response(StatusCode::OK, &page))
}

pub(super) async fn delete(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    load(&state, &project, &id).await?;
    state.store.delete_session(&project, &id).await?;
    Ok(json_response(
        StatusCode::OK,
        &DeleteSessionResponse::new(id),
    ))
}

pub(super) async fn link(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    headers: HeaderMap,
    FingerprintedJson(req, fingerprint): FingerprintedJson<LinkRequest>,
) -> ApiResult<Response> {
    let (row, config) = load(&state, &project, &id).await?;
    let tk = toolkit(&state, &req.toolkit)?;
    if !toolkit_allowed(&config, &tk.slug) {
        return Err(ApiError::bad_request(format!(
            "Toolkit '{}' is not enabled in this session",
            tk.slug
        )));
    }
    let callback = req.callback_url.clone().or_else(|| {
        config
            .manage_connections
            .as_ref()
            .and_then(|m| m.callback_url.clone())
    });
    crate::service::accounts::check_account_cap(&state, &project, &config, &tk.slug).await?;
    let new = connections::prepare_link(
        &state,
        &project,
        &row.user_id,
        tk,
        callback,
        req.alias.as_deref(),
        config.auth_configs.get(&tk.slug).map(String::as_str),
    )
    .await?;
    let resp = LinkResponse::new(
        &new.link_token,
        connections::link_url(&state, &new.link_token),
        &new.account_id,
    );
    let body = serde_json::to_value(resp).map_err(|e| ApiError::internal(&e))?;
    let scope = format!("POST link {id}");
    // The link and its idempotent response are stored in one unit of work.
    idempotent_stored(
        &state,
        &project,
        &headers,
        &scope,
        &fingerprint,
        (StatusCode::CREATED, body),
        |claim| {
            let mut new = new.clone();
            new.idempotency = claim;
            let state = state.clone();
            async move {
                let stored = connections::store_link(&state, new).await?;
                Ok(matches!(stored, connections::Stored::Connection(_)))
            }
        },
    )
    .await
}

/// The session toolkit item of `tk` for the session's user.
pub(crate) async fn toolkit_item(
    state: &SharedState,
    project: &str,
    config: &SessionConfig,
    tk: &ToolkitDef,
) -> ApiResult<SessionToolkit> {
    let account = if tk.is_no_auth() {
        None
    } else {
        session_account(state, project, config, &tk.slug).await?
    };
    let schemes: Vec<&str> = if tk.is_no_auth() {
        vec![]
    } else {
        vec![tk.auth_scheme.as_str()]
    };
    let item = SessionToolkit::new(&tk.name, &tk.slug)
        .is_no_auth(tk.is_no_auth())
        .composio_managed_auth_schemes(schemes)
        .meta(
            ToolkitMeta::new()
                .logo(tk.logo_url())
                .description(&tk.description),
        );
    let mut item = item;
    if crate::service::sessions::MultiAccount::of(config).enabled && !tk.is_no_auth() {
        // docs/spec/wire-2026.md §16.9 (proposed, additive): every account of the toolkit.
        let (all, default) =
            crate::service::search::toolkit_accounts(state, project, config, tk).await?;
        let list: Vec<serde_json::Value> = all
            .iter()
            .map(|a| {
                serde_json::json!({"id": a.id, "alias": a.alias, "word_id": a.word_id,
                    "status": a.status, "created_at": format_ts(a.created_at),
                    "is_default": default.as_ref().is_some_and(|d| d.id == a.id),
                    "auth_config": {"id": a.auth_config_id, "auth_scheme": a.auth_scheme.as_str(),
                                    "is_composio_managed": state.is_managed(&a.toolkit)}})
            })
            .collect();
        item.extra.insert(
            "connected_accounts".to_owned(),
            serde_json::Value::from(list),
        );
    }
    Ok(match account {
        Some(a) => item.connected_account(
            ToolkitConnectedAccount::new(&a.id, a.status.clone())
                .user_id(&a.user_id)
                .created_at(format_ts(a.created_at))
                .auth_config(ToolkitAuthConfig::new(
                    &a.auth_config_id,
                    a.auth_scheme.as_str(),
                    state.is_managed(&a.toolkit),
                )),
        ),
        None => item,
    })
}

pub(super) async fn toolkits(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let (_, config) = load(&state, &project, &id).await?;
    let q = query_map(&uri);
    let limit = parse_limit(&q, 50, 1000)?;
    let offset = parse_cursor(&q)?;
    let only = split_list(q.get("toolkits").map(String::as_str));
    let search = q
        .get("search")
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    let is_connected = match q.get("is_connected").map(String::as_str) {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`is_connected` must be true or false, got `{other}`"
            )))
        }
    };
    let mut items = Vec::new();
    for tk in state.catalog.iter() {
        if !toolkit_allowed(&config, &tk.slug)
            || (!only.is_empty() && !only.iter().any(|s| s.eq_ignore_ascii_case(&tk.slug)))
        {
            continue;
        }
        if let Some(s) = &search {
            let hay = format!("{} {} {}", tk.slug, tk.name, tk.description).to_lowercase();
            if !hay.contains(s.as_str()) {
                continue;
            }
        }
        let item = toolkit_item(&state, &project, &config, tk).await?;
        if let Some(want) = is_connected {
            if item.is_connected() != want {
                continue;
            }
        }
        items.push(item);
    }
    Ok(json_response(
        StatusCode::OK,
        &page_of(items, offset, limit),
    ))
}

pub(super) async fn tools(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let (_, config) = load(&state, &project, &id).await?;
    let q = query_map(&uri);
    let limit = parse_limit(&q, 500, 1000)?;
    let offset = parse_cursor(&q)?;
    let all = crate::meta_tools::definitions(&config);
    Ok(json_response(StatusCode::OK, &page_of(all, offset, limit)))
}

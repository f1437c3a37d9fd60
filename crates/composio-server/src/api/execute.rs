//! The execute endpoints (docs/spec/wire.md §6): `POST …/session/{id}/execute` (v3.1) and
//! `…/execute_meta` (v3) run a meta tool or an app tool through [`crate::meta_tools`].

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use composio_core::models::{ExecuteMetaRequest, ExecuteRequest};
use serde_json::Value;

use super::{json_response, ApiJson, Project};
use crate::error::ApiResult;
use crate::meta_tools::execute_tool;
use crate::state::SharedState;

pub(super) async fn execute(
    state: State<SharedState>,
    project: Extension<Project>,
    id: Path<String>,
    ApiJson(req): ApiJson<ExecuteRequest>,
) -> ApiResult<Response> {
    run(
        state,
        project,
        id,
        req.tool_slug,
        req.arguments,
        req.account,
    )
    .await
}

pub(super) async fn execute_meta(
    state: State<SharedState>,
    project: Extension<Project>,
    id: Path<String>,
    ApiJson(req): ApiJson<ExecuteMetaRequest>,
) -> ApiResult<Response> {
    run(state, project, id, req.slug, req.arguments, None).await
}

async fn run(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    slug: String,
    args: Value,
    account: Option<String>,
) -> ApiResult<Response> {
    let r = execute_tool(&state, &project, &id, &slug, &args, account.as_deref()).await?;
    Ok(json_response(StatusCode::OK, &r))
}

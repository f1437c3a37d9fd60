//! `COMPOSIO_SEARCH_TOOLS`: the session search of [`crate::service::search`], whose answer it
//! returns as the tool's data.

use composio_core::models::SessionConfig;
use serde_json::{Map, Value};

use crate::error::ApiResult;
use crate::service::search;
use crate::state::SharedState;

/// Runs `COMPOSIO_SEARCH_TOOLS` (its arguments were checked against its schema).
pub(super) async fn search(
    state: &SharedState,
    project: &str,
    session_id: &str,
    config: &SessionConfig,
    args: &Map<String, Value>,
) -> ApiResult<Value> {
    let use_cases = search::use_cases(&Value::Object(args.clone()))?;
    search::session_search(state, project, session_id, config, &use_cases, &[]).await
}

//! `COMPOSIO_MULTI_EXECUTE_TOOL`: runs several app tools of the session concurrently; each
//! reports its own result.

use composio_core::models::{ExecuteResponse, SessionConfig};
use futures_util::future::join_all;
use serde_json::{json, Map, Value};

use super::{app_tool, MetaTool};
use crate::state::SharedState;

/// Most tools one `COMPOSIO_MULTI_EXECUTE_TOOL` call may run.
pub(super) const MAX_BATCH: usize = 20;

/// Runs the batch of `args.tools` as app tools of the session.
pub(super) async fn run(
    state: &SharedState,
    project: &str,
    config: &SessionConfig,
    args: &Map<String, Value>,
    log_id: String,
) -> ExecuteResponse {
    batch(args, log_id, |slug, a, account| async move {
        let inner = crate::ids::execution_log();
        if MetaTool::parse(&slug).is_some() {
            let e = format!(
                "{slug}: meta tools cannot run inside COMPOSIO_MULTI_EXECUTE_TOOL; call it directly"
            );
            return (false, json!({}), Some(e));
        }
        match app_tool(state, project, config, &slug, &a, account.as_deref(), inner).await {
            Ok(r) => {
                let err = r.error.map(|e| {
                    if e.starts_with(&slug) {
                        e
                    } else {
                        format!("{slug}: {e}")
                    }
                });
                (r.successful, r.data, err)
            }
            Err(e) => {
                let fix = e
                    .suggested_fix
                    .clone()
                    .map(|f| format!(" {f}"))
                    .unwrap_or_default();
                (
                    false,
                    json!({}),
                    Some(format!("{slug}: {}.{fix}", e.message)),
                )
            }
        }
    })
    .await
}

/// Runs `COMPOSIO_MULTI_EXECUTE_TOOL`: each item through `run_one`, concurrently; the envelope
/// is successful when every tool succeeded.
async fn batch<F, Fut>(args: &Map<String, Value>, log_id: String, run_one: F) -> ExecuteResponse
where
    F: Fn(String, Value, Option<String>) -> Fut,
    Fut: std::future::Future<Output = (bool, Value, Option<String>)>,
{
    let items: Vec<(String, Value, Option<String>)> = args
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t.get("tool_slug")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                t.get("arguments").cloned().unwrap_or_else(|| json!({})),
                t.get("account").and_then(Value::as_str).map(str::to_owned),
            )
        })
        .collect();
    if items.len() > MAX_BATCH {
        return ExecuteResponse::failed(
            json!({}),
            format!("At most {MAX_BATCH} tools per call; split the batch."),
            log_id,
        );
    }
    let outcomes = join_all(
        items
            .iter()
            .map(|(slug, a, account)| run_one(slug.clone(), a.clone(), account.clone())),
    )
    .await;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (i, ((slug, _, _), (ok, data, error))) in items.iter().zip(outcomes).enumerate() {
        if let Some(e) = &error {
            errors.push(e.clone());
        }
        results.push(
            json!({"index": i, "tool_slug": slug, "successful": ok, "data": data, "error": error}),
        );
    }
    let failed = errors.len();
    let data = json!({"results": results, "summary": {"total": items.len(),
        "successful": items.len() - failed, "failed": failed}});
    if failed == 0 {
        ExecuteResponse::completed(data, log_id)
    } else {
        ExecuteResponse::failed(
            data,
            format!(
                "{failed} of {} tool(s) failed: {}",
                items.len(),
                errors.join(" | ")
            ),
            log_id,
        )
    }
}

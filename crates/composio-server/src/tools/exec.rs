//! Runs an app tool for a session's user: finds the user's `ACTIVE` account, takes its stored
//! credential (refreshing an expired OAuth token), makes the HTTP call — to the sandbox's
//! mirror of the provider API when the toolkit is served by the sandbox — and wraps the
//! provider's response in the execute envelope.

use composio_core::models::{ExecuteResponse, SessionConfig};
use serde_json::{json, Value};

use super::{schema, CredentialPlacement, HttpCall, ToolDef};
use crate::catalog::{AuthScheme, ToolkitDef};
use crate::credentials::CredentialError;
use crate::error::ApiResult;
use crate::service::accounts::{select_account, Selected};
use crate::state::AppState;

/// Largest provider response passed through (bytes).
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// The failure that starts the in-chat flow: no usable connection for the toolkit.
pub(crate) fn not_connected(
    config: &SessionConfig,
    tk: &ToolkitDef,
    tool: &str,
    status: Option<&str>,
    log_id: String,
) -> ExecuteResponse {
    let manage = config
        .manage_connections
        .as_ref()
        .is_some_and(|m| m.enabled);
    let state = match status {
        Some(s) => format!("its connection is {s}"),
        None => "no account is connected".to_owned(),
    };
    let next = if manage {
        format!(
            "Call COMPOSIO_MANAGE_CONNECTIONS with {{\"toolkits\": [\"{}\"]}} to get a Connect \
             Link, share it with the user, and retry {tool} once they say they are done.",
            tk.slug
        )
    } else {
        "In-chat connection management is off for this session: ask the user to connect the \
         account in the app, then retry."
            .to_owned()
    };
    ExecuteResponse::failed(
        json!({"toolkit": tk.slug, "connection_required": true,
               "connected_account_status": status}),
        format!(
            "{tool} needs a connected {} account, but {state}. {next}",
            tk.name
        ),
        log_id,
    )
}

/// Checks the arguments and runs the tool; failures the agent can act on are failed
/// envelopes, storage failures are errors.
pub(crate) async fn run(
    state: &AppState,
    project: &str,
    config: &SessionConfig,
    (tk, tool): (&ToolkitDef, &ToolDef),
    args: &Value,
    account: Option<&str>,
    log_id: String,
) -> ApiResult<ExecuteResponse> {
    let checked = match schema::check(&tool.input_schema(), args) {
        Ok(a) => a,
        Err(e) => {
            return Ok(ExecuteResponse::failed(
                json!({}),
                format!("Invalid arguments for {}: {e}", tool.slug),
                log_id,
            ))
        }
    };
    let mut call = match tool.build(&checked) {
        Ok(c) => c,
        Err(e) => {
            return Ok(ExecuteResponse::failed(
                json!({}),
                format!("Invalid arguments for {}: {e}", tool.slug),
                log_id,
            ))
        }
    };
    let mut account_id = None;
    if !tk.is_no_auth() {
        let account = match select_account(state, project, config, &tk.slug, account).await? {
            Selected::Account(a) => a.map(|a| *a),
            Selected::Refused(why) => return Ok(ExecuteResponse::failed(json!({}), why, log_id)),
        };
        let account = match account {
            Some(a) if a.is_usable() => a,
            other => {
                let status = other.as_ref().map(|a| a.status.as_str());
                return Ok(not_connected(config, tk, &tool.slug, status, log_id));
            }
        };
        let secret = match crate::credentials::access_token(state, &account.id).await {
            Ok(s) => s,
            Err(e) => return Ok(credential_failure(config, tk, &tool.slug, &e, log_id)),
        };
        // Only a sandbox server has sandboxed accounts: no lookup otherwise.
        let sandboxed = state.config.sandbox
            && tk.auth_scheme == AuthScheme::OAuth2
            && crate::service::auth_configs::account_provider(
                state,
                &account.project_id,
                &account.auth_config_id,
                tk,
            )
            .await?
            .is_some_and(|p| p.sandbox);
        if sandboxed {
            call.url = sandbox_url(&state.public_url, &tk.slug, &call.url)?;
        }
        account_id = Some((account.id, secret));
    }
    let placement = tk.credential.clone().unwrap_or_default();
    let mut result = match &account_id {
        Some((_, secret)) => send(state, with_credential(&call, &placement, secret.expose())).await,
        None => send(state, call.clone()).await,
    };
    // The provider rejected a token we thought valid: refresh it once and retry.
    if let (Ok((401, _)), Some((id, _)), AuthScheme::OAuth2) =
        (&result, &account_id, tk.auth_scheme)
    {
        match crate::credentials::refreshed_token(state, id).await {
            Ok(secret) => {
                result = send(state, with_credential(&call, &placement, secret.expose())).await;
            }
            Err(e) => return Ok(credential_failure(config, tk, &tool.slug, &e, log_id)),
        }
    }
    let account_id = account_id.map(|(id, _)| id);
    let (status, body) = match result {
        Ok(r) => r,
        Err(e) => {
            return Ok(ExecuteResponse::failed(
                json!({}),
                format!(
                    "{}: the {} API could not be reached: {e}",
                    tool.slug, tk.name
                ),
                log_id,
            ))
        }
    };
    tracing::info!(tool = %tool.slug, account_id = account_id.as_deref().unwrap_or("-"), status, "app tool executed");
    if (200..300).contains(&status) {
        return Ok(ExecuteResponse::completed(body, log_id));
    }
    let hint = if status == 401 || status == 403 {
        format!(
            " The connection may have been revoked: call COMPOSIO_MANAGE_CONNECTIONS with \
             {{\"toolkits\": [\"{}\"], \"reinitiate_all\": true}} to reconnect.",
            tk.slug
        )
    } else {
        String::new()
    };
    Ok(ExecuteResponse::failed(
        json!({"status_code": status, "response": body}),
        format!(
            "{}: the {} API answered HTTP {status}: {}.{hint}",
            tool.slug,
            tk.name,
            short(&body)
        ),
        log_id,
    ))
}

fn credential_failure(
    config: &SessionConfig,
    tk: &ToolkitDef,
    tool: &str,
    e: &CredentialError,
    log_id: String,
) -> ExecuteResponse {
    match e {
        CredentialError::RefreshFailed { expired: true, .. } | CredentialError::NotActive(_) => {
            not_connected(config, tk, tool, Some("EXPIRED"), log_id)
        }
        CredentialError::RefreshFailed { reason, .. } => ExecuteResponse::failed(
            json!({"toolkit": tk.slug}),
            format!(
                "{tool}: the {} access token expired and refreshing it failed ({reason}); try \
                 again, or reconnect with COMPOSIO_MANAGE_CONNECTIONS and reinitiate_all: true.",
                tk.name
            ),
            log_id,
        ),
        other => ExecuteResponse::failed(
            json!({"toolkit": tk.slug}),
            format!("{tool}: no usable credential for {}: {other}", tk.name),
            log_id,
        ),
    }
}

/// The sandbox mirror of a provider URL: `<origin>/sandbox/api/<toolkit><path>?<query>`,
/// built segment by segment (each provider segment stays one segment).
pub(crate) fn sandbox_url(public_url: &str, toolkit: &str, real: &url::Url) -> ApiResult<url::Url> {
    let internal = |e: &dyn std::fmt::Display| crate::error::ApiError::internal(e);
    let mut u = url::Url::parse(public_url).map_err(|e| internal(&e))?;
    {
        let mut segments = u
            .path_segments_mut()
            .map_err(|()| internal(&"the public URL cannot have a path"))?;
        segments.pop_if_empty().extend(["sandbox", "api", toolkit]);
        for s in real.path_segments().into_iter().flatten() {
            segments.push(&percent_encoding::percent_decode_str(s).decode_utf8_lossy());
        }
    }
    u.set_query(real.query());
    Ok(u)
}

fn with_credential(call: &HttpCall, placement: &CredentialPlacement, secret: &str) -> HttpCall {
    let mut call = call.clone();
    let value = format!("{}{secret}", placement.prefix);
    if placement.location == "query" {
        call.url
            .query_pairs_mut()
            .append_pair(&placement.name, &value);
    } else {
        call.headers.push((placement.name.clone(), value));
    }
    call
}

async fn send(state: &AppState, call: HttpCall) -> Result<(u16, Value), String> {
    let mut req = state.http.request(call.method, call.url);
    if !call
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("accept"))
    {
        req = req.header("accept", "application/json");
    }
    for (k, v) in &call.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    if let Some(b) = &call.body {
        req = req.json(b);
    }
    // `without_url`: the URL may carry an API key in its query.
    let resp = req.send().await.map_err(|e| e.without_url().to_string())?;
    let status = resp.status().as_u16();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if bytes.len() > MAX_RESPONSE_BYTES {
        return Err(format!(
            "the response is larger than {MAX_RESPONSE_BYTES} bytes"
        ));
    }
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| json!({"text": String::from_utf8_lossy(&bytes)}));
    Ok((status, body))
}

/// A short description of an error body.
fn short(body: &Value) -> String {
    let msg = body
        .pointer("/error/message")
        .or_else(|| body.get("error_description"))
        .or_else(|| body.get("message"))
        .or_else(|| body.get("error"))
        .or_else(|| body.get("text"))
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string())
        })
        .unwrap_or_else(|| body.to_string());
    msg.chars().take(300).collect()
}

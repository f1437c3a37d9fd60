//! `COMPOSIO_MANAGE_CONNECTIONS` (docs/spec/wire.md §6): reports the user's connections to toolkits and
//! creates Connect Links for the missing ones (in-chat authentication).

use composio_core::models::SessionConfig;
use serde_json::{json, Map, Value};

use crate::catalog::{AuthScheme, ToolkitDef};
use crate::error::ApiResult;
use crate::service::connections;
use crate::service::sessions::toolkit_allowed;
use crate::state::SharedState;
use crate::store::AccountRow;

fn stored_info(a: &AccountRow) -> Value {
    a.info
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// `{email, name}` from the provider's userinfo endpoint with the stored (refreshed) token —
/// the sandbox's when sandboxed — else what was stored at connection time.
pub(super) async fn current_user_info(
    state: &SharedState,
    tk: &ToolkitDef,
    a: &AccountRow,
) -> Value {
    if tk.auth_scheme == AuthScheme::OAuth2 {
        let p = crate::service::auth_configs::account_provider(
            state,
            &a.project_id,
            &a.auth_config_id,
            tk,
        )
        .await
        .ok()
        .flatten();
        if let Some(p) = p {
            if let Ok(token) = crate::credentials::access_token(state, &a.id).await {
                if let Some(info) = crate::oauth::user_info(state, &p, token.expose()).await {
                    return info;
                }
            }
        }
    }
    stored_info(a)
}

fn failed(slug: &str, message: String) -> Value {
    json!({"toolkit": slug, "status": "failed", "has_active_connection": false,
           "connected_account_id": null, "auth_config_id": null, "was_reinitiated": false,
           "current_user_info": null, "error_message": message})
}

/// Runs `COMPOSIO_MANAGE_CONNECTIONS`. Each toolkit reports every account of the user
/// (`accounts`: alias, status, who it is at the provider, which is the default;
/// docs/spec/wire-2026.md §16.9). With `alias`, a link for an additional account under that
/// alias is started even when accounts are active (multi-account sessions, §16.3: the alias
/// must be free and the session's account cap not reached).
pub(super) async fn manage(
    state: &SharedState,
    project: &str,
    config: &SessionConfig,
    toolkits: &[String],
    reinit: bool,
    alias: Option<&str>,
) -> ApiResult<Value> {
    let callback = config
        .manage_connections
        .as_ref()
        .and_then(|m| m.callback_url.clone());
    let mut results = Map::new();
    let (mut active, mut initiated, mut failures) = (0, 0, 0);
    for slug in toolkits {
        let Some(tk) = state.catalog.get(slug) else {
            let hint = state
                .catalog
                .closest(slug)
                .map(|c| format!(" Did you mean '{c}'?"))
                .unwrap_or_default();
            results.insert(
                slug.clone(),
                failed(slug, format!("Toolkit '{slug}' not found.{hint}")),
            );
            failures += 1;
            continue;
        };
        if !toolkit_allowed(config, &tk.slug) {
            let msg = format!("Toolkit '{}' is not enabled in this session.", tk.slug);
            results.insert(tk.slug.clone(), failed(&tk.slug, msg));
            failures += 1;
            continue;
        }
        if tk.is_no_auth() {
            let msg = format!(
                "Toolkit '{}' needs no authentication; use its tools directly.",
                tk.slug
            );
            results.insert(tk.slug.clone(), failed(&tk.slug, msg));
            failures += 1;
            continue;
        }
        let (accounts, existing) =
            crate::service::search::toolkit_accounts(state, project, config, tk).await?;
        let listed: Vec<Value> = accounts
            .iter()
            .map(|a| crate::service::search::account_status(a, existing.as_ref()))
            .collect();
        let live = existing.as_ref().filter(|a| a.is_usable());
        let mut r = json!({"toolkit": tk.slug, "has_active_connection": live.is_some(),
            "was_reinitiated": false, "current_user_info": null, "error_message": null,
            "connected_account_id": null, "auth_config_id": null});
        r["accounts"] = Value::from(listed);
        let another = match alias {
            Some(_) => {
                crate::service::accounts::check_account_cap(state, project, config, &tk.slug)
                    .await
                    .err()
            }
            None => None,
        };
        if let Some(e) = another {
            let mut f = failed(&tk.slug, e.message);
            f["accounts"] = r["accounts"].take();
            f["has_active_connection"] = json!(live.is_some());
            results.insert(tk.slug.clone(), f);
            failures += 1;
            continue;
        }
        match live {
            Some(a) if !reinit && alias.is_none() => {
                r["status"] = json!("active");
                r["connected_account_id"] = json!(a.id);
                r["auth_config_id"] = json!(a.auth_config_id);
                r["current_user_info"] = current_user_info(state, tk, a).await;
                active += 1;
            }
            _ => {
                let created = async {
                    let new = connections::prepare_link(
                        state,
                        project,
                        &config.user_id,
                        tk,
                        callback.clone(),
                        alias,
                        config.auth_configs.get(&tk.slug).map(String::as_str),
                    )
                    .await?;
                    connections::create_link(state, new).await
                };
                match created.await {
                    Ok(conn) => {
                        r["status"] = json!("initiated");
                        r["was_reinitiated"] = json!(live.is_some() && alias.is_none());
                        r["redirect_url"] = json!(connections::link_url(state, &conn.link.token));
                        r["instruction"] = json!(format!(
                            "Share this link with the user so they can connect their {} \
                             account, and ask them to tell you when they are done; then retry \
                             the task.",
                            tk.name
                        ));
                        r["connected_account_id"] = json!(conn.account.id);
                        r["auth_config_id"] = json!(conn.account.auth_config_id);
                        initiated += 1;
                    }
                    Err(e) => {
                        let accounts = r["accounts"].take();
                        r = failed(&tk.slug, e.message);
                        r["accounts"] = accounts;
                        r["has_active_connection"] = json!(live.is_some());
                        failures += 1;
                    }
                }
            }
        }
        results.insert(tk.slug.clone(), r);
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut message = format!("{initiated} connection{} initiated", plural(initiated));
    if active > 0 {
        message.push_str(&format!(", {active} already active"));
    }
    if failures > 0 {
        message.push_str(&format!(", {failures} failed"));
    }
    Ok(json!({
        "message": message,
        "results": results,
        "summary": {"total_toolkits": toolkits.len(), "active_connections": active,
                    "initiated_connections": initiated, "failed_connections": failures},
    }))
}

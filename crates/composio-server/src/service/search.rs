//! Tool search: word matching of a use case against the catalog's app tools, ranked by
//! relevance (tool name and slug, then toolkit, then description), and the session search
//! (`POST /api/v3.1/tool_router/session/{id}/search`, docs/spec/wire-2026.md §16.9) that
//! `COMPOSIO_SEARCH_TOOLS` answers from too. Its shape is the official client's
//! `SessionSearchResponse` (`composio_client` 2.0.0rc19,
//! `types/tool_router/session_search_response.py`), plus each result's `tools` and a
//! `next_steps` text for agents.

use std::collections::HashSet;

use composio_core::models::SessionConfig;
use composio_core::ConnectionStatus;
use serde_json::{json, Value};

use crate::catalog::ToolkitDef;
use crate::error::{ApiError, ApiResult};
use crate::service::accounts::{session_account, user_accounts};
use crate::service::sessions::{toolkit_allowed, MultiAccount};
use crate::state::AppState;
use crate::store::AccountRow;
use crate::tools::ToolDef;
use crate::util::format_ts;

/// Tools returned per use case.
pub(crate) const TOP_N: usize = 5;
/// Tools of a result that are "primary" (the rest are "related").
const PRIMARY: usize = 3;
/// The longest use case (the official API's limit).
pub(crate) const MAX_USE_CASE: usize = 1024;

const STOPWORDS: &[&str] = &[
    "a", "an", "the", "my", "me", "i", "to", "of", "for", "from", "and", "or", "in", "on", "at",
    "is", "are", "be", "with", "what", "all", "any", "this", "that", "it", "by", "please", "can",
    "you", "your", "do", "get", "show",
];

/// Lowercase words without stop words, plural `s` dropped.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase)
        .filter(|t| !t.is_empty() && !STOPWORDS.contains(&t.as_str()))
        .map(|t| match t.strip_suffix('s') {
            Some(stem) if stem.len() >= 3 => stem.to_owned(),
            _ => t,
        })
        .collect()
}

/// A tool that matches a query, with its score.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit<'a> {
    pub score: u32,
    pub toolkit: &'a ToolkitDef,
    pub tool: &'a ToolDef,
}

fn words(text: &str) -> HashSet<String> {
    tokens(text).into_iter().collect()
}

/// The relevance of a tool to the query words: 4 for a word of the tool's name or slug, 3
/// for the toolkit's slug or name, 2 for its description, 1 for a shared prefix of 4 letters
/// or more; plus 2 when every query word matched.
pub(crate) fn score(query: &[String], tk: &ToolkitDef, tool: &ToolDef) -> u32 {
    let name = words(&format!("{} {}", tool.slug, tool.name));
    let kit = words(&format!("{} {}", tk.slug, tk.name));
    let desc = words(&tool.description);
    let mut matched = 0;
    let total: u32 = query
        .iter()
        .map(|q| {
            let s = if name.contains(q) {
                4
            } else if kit.contains(q) {
                3
            } else if desc.contains(q) {
                2
            } else if q.len() >= 4
                && name.iter().chain(&kit).chain(&desc).any(|w| {
                    w.len() >= 4 && (w.starts_with(q.as_str()) || q.starts_with(w.as_str()))
                })
            {
                1
            } else {
                0
            };
            matched += usize::from(s > 0);
            s
        })
        .sum();
    if total > 0 && matched == query.len() {
        total + 2
    } else {
        total
    }
}

/// The tools of `candidates` that match `text`, best first (ties by slug).
pub(crate) fn rank<'a>(
    text: &str,
    candidates: impl Iterator<Item = (&'a ToolkitDef, &'a ToolDef)>,
) -> Vec<Hit<'a>> {
    let q = tokens(text);
    let mut hits: Vec<Hit<'a>> = candidates
        .map(|(toolkit, tool)| Hit {
            score: score(&q, toolkit, tool),
            toolkit,
            tool,
        })
        .filter(|h| h.score > 0)
        .collect();
    hits.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.tool.slug.cmp(&b.tool.slug))
    });
    hits
}

/// Whether the session's `tools` and `tags` filters allow a tool.
pub(crate) fn tool_allowed(config: &SessionConfig, tk: &ToolkitDef, tool: &ToolDef) -> bool {
    let listed = |v: &Value| {
        v.as_array().is_some_and(|a| {
            a.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(&tool.slug))
            })
        })
    };
    if let Some(f) = config.extra.get("tools").and_then(|t| t.get(&tk.slug)) {
        if f.get("enable").is_some_and(|e| !listed(e)) || f.get("disable").is_some_and(listed) {
            return false;
        }
    }
    let has_tag = |v: Option<&Value>| {
        v.and_then(Value::as_array).map(|a| {
            a.iter()
                .any(|t| t.as_str().is_some_and(|t| tool.tags.iter().any(|x| x == t)))
        })
    };
    let tags = config.extra.get("tags");
    let enabled = tags.and_then(|t| t.get("enabled"));
    if enabled
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
        && has_tag(enabled) == Some(false)
    {
        return false;
    }
    has_tag(tags.and_then(|t| t.get("disabled"))) != Some(true)
}

/// The `toolkits` of a search body (the official TypeScript SDK's `session.search({query,
/// toolkits})`): slugs to search in; none means all of the session's.
pub(crate) fn toolkit_filter(body: &Value) -> ApiResult<Vec<String>> {
    // `model` (the official SDKs' optional search model) is accepted and not used; it must
    // still be what the API says it is.
    if !matches!(
        body.get("model"),
        None | Some(Value::Null | Value::String(_))
    ) {
        return Err(ApiError::bad_request("`model` must be a string"));
    }
    match body.get("toolkits") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| ApiError::bad_request("`toolkits` must be an array of slugs"))
            })
            .collect(),
        Some(_) => Err(ApiError::bad_request(
            "`toolkits` must be an array of slugs",
        )),
    }
}

/// The use cases of a search body (`queries: [{use_case}]`): at least one, each 1–1024
/// characters.
/// Whitespace as the OpenAPI document's patterns know it (ECMA-262 `\s`), so that every
/// `use_case` its `\S` pattern admits is accepted (Rust's `trim` also strips characters
/// such as U+0085, which `\S` matches).
fn is_pattern_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

pub(crate) fn use_cases(body: &Value) -> ApiResult<Vec<String>> {
    let queries = body
        .get("queries")
        .and_then(Value::as_array)
        .filter(|q| !q.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request("`queries` must be a non-empty array of {\"use_case\": …}")
        })?;
    queries
        .iter()
        .map(|q| {
            if !matches!(
                q.get("known_fields"),
                None | Some(Value::Null | Value::String(_))
            ) {
                return Err(ApiError::bad_request(
                    "a query's `known_fields` must be a string",
                ));
            }
            let uc = q
                .get("use_case")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim_matches(is_pattern_space);
            if uc.is_empty() || uc.chars().count() > MAX_USE_CASE {
                Err(ApiError::bad_request(format!(
                    "each query needs a `use_case` of 1 to {MAX_USE_CASE} characters"
                )))
            } else {
                Ok(uc.to_owned())
            }
        })
        .collect()
}

fn stored_info(a: &AccountRow) -> Value {
    a.info
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// The accounts of the session's user for `tk` (the pinned ones when the session pins some),
/// newest first, and the default one among them.
pub(crate) async fn toolkit_accounts(
    state: &AppState,
    project: &str,
    config: &SessionConfig,
    tk: &ToolkitDef,
) -> ApiResult<(Vec<AccountRow>, Option<AccountRow>)> {
    if tk.is_no_auth() {
        return Ok((Vec::new(), None));
    }
    let mut all = user_accounts(state, project, &config.user_id, &tk.slug).await?;
    if let Some(pinned) = config.connected_accounts.get(&tk.slug) {
        all.retain(|a| pinned.contains(&a.id));
    }
    let default = session_account(state, project, config, &tk.slug).await?;
    Ok((all, default))
}

/// One account as `toolkit_connection_statuses[].accounts[]` reports it (§16.9).
pub(crate) fn account_status(a: &AccountRow, default: Option<&AccountRow>) -> Value {
    json!({"id": a.id, "alias": a.alias, "word_id": a.word_id, "user_info": stored_info(a),
           "status": a.status.as_str().to_ascii_lowercase(), "created_at": format_ts(a.created_at),
           "is_default": default.is_some_and(|d| d.id == a.id), "account_type": "PRIVATE"})
}

/// `toolkit_connection_statuses[]` item of a toolkit (§16.9): `accounts` when the session
/// has multi-account enabled, `account_selection: "required"` when several are active and
/// the session requires explicit selection.
pub(crate) async fn connection_status(
    state: &AppState,
    project: &str,
    config: &SessionConfig,
    tk: &ToolkitDef,
) -> ApiResult<Value> {
    let (accounts, default) = toolkit_accounts(state, project, config, tk).await?;
    let usable = default.as_ref().is_some_and(AccountRow::is_usable);
    let connected = tk.is_no_auth() || usable;
    let active = accounts
        .iter()
        .filter(|a| a.status == ConnectionStatus::Active && !a.is_disabled)
        .count();
    let multi = MultiAccount::of(config);
    let mut v = json!({"toolkit": tk.slug, "description": tk.description,
        "has_active_connection": connected});
    let message = if tk.is_no_auth() {
        "No authentication needed".to_owned()
    } else if multi.enabled && active > 1 && multi.explicit_selection {
        v["account_selection"] = json!("required");
        format!("{active} accounts connected; specify which account to use.")
    } else if active > 1 {
        format!("{active} accounts connected; the default one is used unless you name one.")
    } else if connected {
        "Connected".to_owned()
    } else {
        format!(
            "Not connected: call COMPOSIO_MANAGE_CONNECTIONS with {{\"toolkits\": [\"{}\"]}} first.",
            tk.slug
        )
    };
    v["status_message"] = json!(message);
    if let Some(d) = default.as_ref().filter(|d| d.is_usable()) {
        v["current_user_info"] = stored_info(d);
        v["account_type"] = json!("PRIVATE");
    }
    if multi.enabled {
        v["accounts"] = accounts
            .iter()
            .map(|a| account_status(a, default.as_ref()))
            .collect();
    }
    Ok(v)
}

/// Runs a session search: for each use case, the session's best matching tools (its
/// toolkit and tool filters applied, and only the toolkits of `only` when it is not empty),
/// their schemas, and the connection status of every toolkit they come from.
pub(crate) async fn session_search(
    state: &AppState,
    project: &str,
    session_id: &str,
    config: &SessionConfig,
    use_cases: &[String],
    only: &[String],
) -> ApiResult<Value> {
    // In order of first appearance: the toolkit of the best match first.
    let mut statuses: Vec<(String, Value)> = Vec::new();
    let mut schemas = serde_json::Map::new();
    let mut results = Vec::new();
    for (i, use_case) in use_cases.iter().enumerate() {
        let candidates = state.catalog.tools().filter(|(tk, t)| {
            toolkit_allowed(config, &tk.slug)
                && (only.is_empty() || only.iter().any(|s| s.eq_ignore_ascii_case(&tk.slug)))
                && tool_allowed(config, tk, t)
        });
        let hits: Vec<Hit> = rank(use_case, candidates).into_iter().take(TOP_N).collect();
        let mut tools = Vec::new();
        let mut kits: Vec<String> = Vec::new();
        for h in &hits {
            let (tk, t) = (h.toolkit, h.tool);
            let i = match statuses.iter().position(|(s, _)| *s == tk.slug) {
                Some(i) => i,
                None => {
                    let s = connection_status(state, project, config, tk).await?;
                    statuses.push((tk.slug.clone(), s));
                    statuses.len() - 1
                }
            };
            let connected = statuses[i].1["has_active_connection"] == json!(true);
            if !kits.contains(&tk.slug) {
                kits.push(tk.slug.clone());
            }
            schemas.insert(
                t.slug.clone(),
                json!({"tool_slug": t.slug, "toolkit": tk.slug, "description": t.description,
                       "input_schema": t.input_schema(), "output_schema": t.output_schema(),
                       "hasFullSchema": true}),
            );
            tools.push(
                json!({"tool_slug": t.slug, "toolkit": tk.slug, "name": t.name,
                "description": t.description, "input_schema": t.input_schema(),
                "toolkit_connected": connected, "score": h.score}),
            );
        }
        let slugs: Vec<&str> = hits.iter().map(|h| h.tool.slug.as_str()).collect();
        let split = slugs.len().min(PRIMARY);
        let message = if tools.is_empty() {
            "No tool matches this use case; try other words or a toolkit name.".to_owned()
        } else {
            format!("{} tool(s) found", tools.len())
        };
        results.push(json!({"index": i + 1, "use_case": use_case,
            "primary_tool_slugs": &slugs[..split], "related_tool_slugs": &slugs[split..],
            "toolkits": kits, "tools": tools, "message": message,
            "error": if hits.is_empty() { json!(message) } else { Value::Null }}));
    }
    let now = state.clock.now_ms();
    let guidance = "Run the tools with COMPOSIO_MULTI_EXECUTE_TOOL (or execute them one by one). \
        For toolkits without an active connection, call COMPOSIO_MANAGE_CONNECTIONS first and \
        share its link with the user.";
    Ok(json!({
        "success": true, "error": null, "results": results, "tool_schemas": schemas,
        "toolkit_connection_statuses": statuses.into_iter().map(|(_, s)| s).collect::<Vec<_>>(),
        "next_steps_guidance": [guidance], "next_steps": guidance,
        "session": {"id": session_id, "generate_id": false,
                    "instructions": "Pass this session id with the tools you run."},
        "time_info": {"current_time_utc": format_ts(now),
                      "current_time_utc_epoch_seconds": now / 1000,
                      "message": "The current time in UTC."},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn use_cases_are_accepted_as_the_openapi_pattern_admits_them() {
        let body = |uc: &str| json!({"queries": [{"use_case": uc}]});
        // U+0085 matches the document's `\S`: accepted, as it is.
        assert_eq!(use_cases(&body("\u{85}")).unwrap(), ["\u{85}"]);
        assert_eq!(use_cases(&body("  send mail\t")).unwrap(), ["send mail"]);
        for blank in ["", " \t\n", "\u{a0}\u{3000}\u{feff}"] {
            assert!(use_cases(&body(blank)).is_err(), "{blank:?}");
        }
        assert!(use_cases(&body(&"x".repeat(MAX_USE_CASE + 1))).is_err());
    }
}

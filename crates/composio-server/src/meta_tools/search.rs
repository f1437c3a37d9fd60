//! `COMPOSIO_SEARCH_TOOLS`: token matching of use cases against the catalog's app tools.

use std::collections::{BTreeMap, HashSet};

use composio_core::models::SessionConfig;
use serde_json::{json, Map, Value};

use crate::catalog::ToolkitDef;
use crate::error::ApiResult;
use crate::service::accounts::session_account;
use crate::service::sessions::toolkit_allowed;
use crate::state::SharedState;
use crate::tools::ToolDef;

/// Tools returned per use case.
const TOP_N: usize = 5;

const STOPWORDS: &[&str] = &[
    "a", "an", "the", "my", "me", "i", "to", "of", "for", "from", "and", "or", "in", "on", "at",
    "is", "are", "be", "with", "what", "all", "any", "this", "that", "it", "by", "please", "can",
    "you", "your", "do", "get", "show",
];

fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase)
        .filter(|t| !t.is_empty() && !STOPWORDS.contains(&t.as_str()))
        .map(|t| match t.strip_suffix('s') {
            Some(stem) if stem.len() >= 3 => stem.to_owned(),
            _ => t,
        })
        .collect()
}

/// Whether the session's `tools` and `tags` filters allow a tool.
pub(super) fn tool_allowed(config: &SessionConfig, tk: &ToolkitDef, tool: &ToolDef) -> bool {
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

fn score(query: &[String], tk: &ToolkitDef, tool: &ToolDef) -> u32 {
    let strong: HashSet<String> = tokens(&format!("{} {} {}", tool.slug, tk.slug, tk.name))
        .into_iter()
        .collect();
    let weak: HashSet<String> = tokens(&format!("{} {}", tool.name, tool.description))
        .into_iter()
        .collect();
    query
        .iter()
        .map(|q| {
            if strong.contains(q) {
                3
            } else if weak.contains(q) {
                2
            } else if q.len() >= 4
                && strong.iter().chain(&weak).any(|w| {
                    w.len() >= 4 && (w.starts_with(q.as_str()) || q.starts_with(w.as_str()))
                })
            {
                1
            } else {
                0
            }
        })
        .sum()
}

/// Runs `COMPOSIO_SEARCH_TOOLS`.
pub(super) async fn search(
    state: &SharedState,
    project: &str,
    config: &SessionConfig,
    args: &Map<String, Value>,
) -> ApiResult<Value> {
    let use_cases: Vec<String> = args
        .get("queries")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|q| q.get("use_case").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    let mut connected: BTreeMap<String, bool> = BTreeMap::new();
    let mut results = Vec::new();
    for use_case in &use_cases {
        let q = tokens(use_case);
        let mut hits: Vec<(u32, &ToolkitDef, &ToolDef)> = state
            .catalog
            .tools()
            .filter(|(tk, t)| toolkit_allowed(config, &tk.slug) && tool_allowed(config, tk, t))
            .map(|(tk, t)| (score(&q, tk, t), tk, t))
            .filter(|(s, _, _)| *s > 0)
            .collect();
        hits.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.slug.cmp(&b.2.slug)));
        let mut tools = Vec::new();
        for (s, tk, t) in hits.into_iter().take(TOP_N) {
            let is_connected = match connected.get(&tk.slug) {
                Some(c) => *c,
                None => {
                    let c = tk.is_no_auth()
                        || session_account(state, project, config, &tk.slug)
                            .await?
                            .is_some_and(|a| a.is_usable());
                    connected.insert(tk.slug.clone(), c);
                    c
                }
            };
            tools.push(
                json!({"tool_slug": t.slug, "toolkit": tk.slug, "name": t.name,
                "description": t.description, "input_schema": t.input_schema(),
                "toolkit_connected": is_connected, "score": s}),
            );
        }
        let message = if tools.is_empty() {
            "No tool matches this use case; try other words or a toolkit name.".to_owned()
        } else {
            format!("{} tool(s) found", tools.len())
        };
        results.push(json!({"use_case": use_case, "tools": tools, "message": message}));
    }
    let statuses: Vec<Value> = connected
        .iter()
        .map(|(slug, c)| {
            json!({"toolkit": slug, "has_active_connection": c,
                "status_message": if *c { "Connected".to_owned() } else {
                    format!("Not connected: call COMPOSIO_MANAGE_CONNECTIONS with {{\"toolkits\": [\"{slug}\"]}} first.")
                }})
        })
        .collect();
    Ok(
        json!({"results": results, "toolkit_connection_statuses": statuses,
        "next_steps": "Run the tools with COMPOSIO_MULTI_EXECUTE_TOOL (or execute them one by one). For toolkits without an active connection, call COMPOSIO_MANAGE_CONNECTIONS first and share its link with the user."}),
    )
}

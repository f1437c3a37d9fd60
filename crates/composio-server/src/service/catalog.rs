//! Catalog reads: `GET {P}/toolkits`, `/toolkits/{slug}`, `/tools`, `/tools/{slug}` in the
//! shapes of Composio's API as the official clients read them (`composio_client` 2.0.0rc19,
//! `types/toolkit_list_response.py`, `toolkit_retrieve_response.py`, `tool_list_response.py`,
//! `tool_retrieve_response.py`). The built-in catalog and the toolkits of the server's config
//! file are one [`crate::catalog::Catalog`]; config-defined toolkits are `type: "custom"`.

use serde_json::{json, Value};

use super::search;
use crate::catalog::{AuthScheme, FieldDef, ToolkitDef};
use crate::error::{ApiError, ApiResult};
use crate::service::sessions::unknown_toolkit;
use crate::state::AppState;
use crate::tools::ToolDef;

/// The catalog's version string (toolkits and tools are versioned together).
pub(crate) const CATALOG_VERSION: &str = "20260101_00";
/// When the built-in catalog was last changed (its `created_at` / `updated_at`).
const CATALOG_DATE: &str = "2026-01-01T00:00:00.000Z";

/// Who provides a toolkit (`managed_by` / `type` filters of `GET /toolkits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provenance {
    /// Built-in and config toolkits alike.
    All,
    /// The built-in catalog (`managed_by=composio`, `type=native`).
    Native,
    /// The server's config file (`managed_by=project`, `type=custom`).
    Custom,
}

/// Filters of `GET {P}/toolkits`.
#[derive(Debug, Clone)]
pub(crate) struct ToolkitQuery {
    pub category: Option<String>,
    pub provenance: Provenance,
    pub search: Option<String>,
    pub alphabetically: bool,
}

/// Filters of `GET {P}/tools`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ToolQuery {
    pub toolkits: Vec<String>,
    pub tool_slugs: Vec<String>,
    pub tags: Vec<String>,
    pub query: Option<String>,
}

fn field_json(f: &FieldDef) -> Value {
    let label = f.label.clone().unwrap_or_else(|| f.name.clone());
    json!({"name": f.name, "displayName": label, "description": label, "type": "string",
           "required": true, "is_secret": f.secret, "user_visible": true, "default": null})
}

fn secret_field(name: &str, label: &str, required: bool) -> Value {
    json!({"name": name, "displayName": label, "description": label, "type": "string",
           "required": required, "is_secret": name == "client_secret", "user_visible": true,
           "default": null})
}

/// Whether the server can connect accounts of `tk` without an app of the project's own: an
/// OAuth app from the config (the seed of every project's default auth config), the sandbox
/// provider, or no app needed at all.
pub(crate) fn has_app(state: &AppState, tk: &ToolkitDef) -> bool {
    match tk.auth_scheme {
        AuthScheme::OAuth2 => {
            state.config.sandbox
                || (state.config.oauth_apps.contains_key(&tk.slug)
                    && tk.authorize_url.is_some()
                    && tk.token_url.is_some())
        }
        _ => true,
    }
}

fn managed_schemes(state: &AppState, tk: &ToolkitDef) -> Vec<&'static str> {
    if tk.is_no_auth() || !has_app(state, tk) {
        Vec::new()
    } else {
        vec![tk.auth_scheme.as_str()]
    }
}

fn categories(tk: &ToolkitDef) -> Vec<Value> {
    tk.categories
        .iter()
        .map(|c| json!({"id": c, "slug": c, "name": c.replace('-', " ")}))
        .collect()
}

fn provenance(state: &AppState, tk: &ToolkitDef) -> &'static str {
    if state.catalog.is_from_config(&tk.slug) {
        "custom"
    } else {
        "native"
    }
}

fn meta(tk: &ToolkitDef) -> Value {
    json!({"categories": categories(tk), "created_at": CATALOG_DATE, "updated_at": CATALOG_DATE,
           "description": tk.description, "logo": tk.logo_url(), "app_url": null,
           "tools_count": tk.tools.len(), "triggers_count": 0, "version": CATALOG_VERSION,
           "available_versions": [CATALOG_VERSION]})
}

/// A toolkit as an item of `GET {P}/toolkits`.
pub(crate) fn toolkit_summary(state: &AppState, tk: &ToolkitDef) -> Value {
    let schemes: Vec<&str> = if tk.is_no_auth() {
        Vec::new()
    } else {
        vec![tk.auth_scheme.as_str()]
    };
    json!({"slug": tk.slug, "name": tk.name, "type": provenance(state, tk),
           "auth_schemes": schemes, "composio_managed_auth_schemes": managed_schemes(state, tk),
           "no_auth": tk.is_no_auth(), "is_local_toolkit": false, "auth_guide_url": null,
           "deprecated": {"toolkitId": tk.slug}, "meta": meta(tk)})
}

/// A toolkit as `GET {P}/toolkits/{slug}` answers it: its auth scheme with the fields an
/// auth config (OAuth: `client_id`, `client_secret`) and a connection (API key: the
/// toolkit's fields) need, and whether the server has an app for it
/// (`composio_managed_auth_schemes`, and the extension `has_app`).
pub(crate) fn toolkit_detail(state: &AppState, tk: &ToolkitDef) -> Value {
    let mut v = toolkit_summary(state, tk);
    let details: Vec<Value> = match tk.auth_scheme {
        AuthScheme::NoAuth => Vec::new(),
        AuthScheme::OAuth2 => vec![json!({
            "mode": "OAUTH2", "name": format!("{} OAuth", tk.name),
            "fields": {
                "auth_config_creation": {
                    "required": [secret_field("client_id", "Client ID", true),
                                 secret_field("client_secret", "Client secret", true)],
                    "optional": [secret_field("scopes", "Scopes (comma-separated)", false)]},
                "connected_account_initiation": {"required": [], "optional": []}},
            "required_scopes": tk.scopes,
            "deprecated_auth_provider_details": {
                "authorization_url": tk.authorize_url, "token_url": tk.token_url},
        })],
        AuthScheme::ApiKey => vec![json!({
            "mode": "API_KEY", "name": format!("{} API key", tk.name),
            "fields": {
                "auth_config_creation": {"required": [], "optional": []},
                "connected_account_initiation": {
                    "required": tk.fields.iter().map(field_json).collect::<Vec<_>>(),
                    "optional": []}},
            "required_scopes": [],
        })],
    };
    let managed: Vec<Value> = managed_schemes(state, tk)
        .into_iter()
        .map(|m| json!({"mode": m, "scopes": {"available": tk.scopes}}))
        .collect();
    let extra = json!({"auth_config_details": details, "composio_managed_auth": managed,
        "enabled": true,
        "get_current_user_endpoint": tk.userinfo_url,
        "has_app": has_app(state, tk)});
    if let (Some(v), Value::Object(extra)) = (v.as_object_mut(), extra) {
        v.extend(extra);
        if let Some(d) = v.get_mut("deprecated").and_then(Value::as_object_mut) {
            d.insert("rawProxyInfoByAuthSchemes".to_owned(), json!([]));
        }
    }
    v
}

/// A tool as an item of `GET {P}/tools` and as `GET {P}/tools/{slug}`.
pub(crate) fn tool_json(tk: &ToolkitDef, tool: &ToolDef) -> Value {
    json!({"slug": tool.slug, "name": tool.name, "description": tool.description,
           "human_description": tool.description,
           "input_parameters": tool.input_schema(), "output_parameters": tool.output_schema(),
           "tags": tool.tags, "scopes": [], "scope_requirements": null,
           "no_auth": tk.is_no_auth(), "is_deprecated": false,
           "version": CATALOG_VERSION, "available_versions": [CATALOG_VERSION],
           "toolkit": {"slug": tk.slug, "name": tk.name, "logo": tk.logo_url()},
           "deprecated": {"available_versions": [CATALOG_VERSION], "displayName": tool.name,
                          "is_deprecated": false, "toolkit": {"logo": tk.logo_url()},
                          "version": CATALOG_VERSION}})
}

/// The toolkits matching `q`, in slug order (`sort_by=alphabetically`: by name).
pub(crate) fn list_toolkits(state: &AppState, q: &ToolkitQuery) -> Vec<Value> {
    let search = q.search.as_deref().map(str::to_lowercase);
    let mut hits: Vec<&ToolkitDef> = state
        .catalog
        .iter()
        .filter(|tk| match q.provenance {
            Provenance::All => true,
            Provenance::Native => !state.catalog.is_from_config(&tk.slug),
            Provenance::Custom => state.catalog.is_from_config(&tk.slug),
        })
        .filter(|tk| {
            q.category
                .as_deref()
                .is_none_or(|c| tk.categories.iter().any(|x| x.eq_ignore_ascii_case(c)))
        })
        .filter(|tk| {
            search.as_deref().is_none_or(|s| {
                format!("{} {} {}", tk.slug, tk.name, tk.description)
                    .to_lowercase()
                    .contains(s)
            })
        })
        .collect();
    if q.alphabetically {
        hits.sort_by_key(|tk| tk.name.to_lowercase());
    }
    hits.into_iter()
        .map(|tk| toolkit_summary(state, tk))
        .collect()
}

/// `GET {P}/toolkits/{slug}`; 404 with a suggestion for an unknown slug.
pub(crate) fn get_toolkit(state: &AppState, slug: &str) -> ApiResult<Value> {
    let tk = crate::service::sessions::toolkit(state, slug)?;
    Ok(toolkit_detail(state, tk))
}

/// The tools matching `q`: `tool_slugs` alone when given (in the order asked, unknown slugs
/// left out); else the tools of `toolkits` (all toolkits when empty) with all of `tags`,
/// ranked by relevance to `query` when there is one (only matching tools), else in catalog
/// order. An unknown toolkit slug is a 404.
pub(crate) fn list_tools(state: &AppState, q: &ToolQuery) -> ApiResult<Vec<Value>> {
    if !q.tool_slugs.is_empty() {
        return Ok(q
            .tool_slugs
            .iter()
            .filter_map(|s| state.catalog.tool(s))
            .map(|(tk, t)| tool_json(tk, t))
            .collect());
    }
    for slug in &q.toolkits {
        if state.catalog.get(slug).is_none() {
            return Err(unknown_toolkit(state, slug));
        }
    }
    let candidates = state.catalog.tools().filter(|(tk, t)| {
        (q.toolkits.is_empty() || q.toolkits.iter().any(|s| s.eq_ignore_ascii_case(&tk.slug)))
            && q.tags.iter().all(|tag| t.tags.iter().any(|x| x == tag))
    });
    Ok(match q.query.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(text) => search::rank(text, candidates)
            .into_iter()
            .map(|h| tool_json(h.toolkit, h.tool))
            .collect(),
        None => candidates.map(|(tk, t)| tool_json(tk, t)).collect(),
    })
}

/// `GET {P}/tools/{slug}`; 404 with a suggestion for an unknown slug.
pub(crate) fn get_tool(state: &AppState, slug: &str) -> ApiResult<Value> {
    match state.catalog.tool(slug) {
        Some((tk, t)) => Ok(tool_json(tk, t)),
        None => {
            let err = ApiError::not_found("Tool_NotFound", format!("Tool '{slug}' not found"));
            Err(match state.catalog.closest_tool(slug) {
                Some(c) => err.fix(format!("Did you mean '{c}'? Check the tool slug.")),
                None => err.fix("List the tools with GET /tools?toolkit_slug=<toolkit>."),
            })
        }
    }
}

//! The body of `PATCH {P}/tool_router/session/{id}` and how it merges into a stored config
//! (docs/spec/wire-2026.md §19.1–19.3). Pure functions: no state, no store.
//!
//! - a key that is omitted is kept;
//! - a policy block set to `null` removes the stored override, so the default applies;
//! - the maps `tools`, `auth_configs` and `connected_accounts` replace the stored map;
//! - the objects `manage_connections`, `multi_account` and `experimental` merge key by key, a
//!   key set to `null` removing only that key;
//! - `instant` is `false` or an object, never `null`;
//! - keys outside the body model (`user_id` among them) are a 400.

use composio_core::models::SessionConfig;
use composio_core::options::ToolFilter;
use serde_json::{json, Map, Value};

use crate::error::ApiError;

/// The root keys a PATCH body may have (§19.1, plus the SDK's `expected_config_version` and
/// `hooks`).
pub(crate) const PATCH_KEYS: &[&str] = &[
    "toolkits",
    "auth_configs",
    "connected_accounts",
    "instant",
    "manage_connections",
    "tools",
    "tags",
    "workbench",
    "multi_account",
    "proxy_execute",
    "preload",
    "search",
    "execute",
    "experimental",
    "expected_config_version",
    "hooks",
];

const MANAGE_CONNECTIONS_KEYS: &[&str] = &[
    "enable",
    "callback_url",
    "enable_wait_for_connections",
    "enable_connection_removal",
];
const MULTI_ACCOUNT_KEYS: &[&str] = &[
    "enable",
    "max_accounts_per_toolkit",
    "require_explicit_selection",
];

/// A validated PATCH body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SessionPatch {
    /// The config keys of the body (everything but `expected_config_version`).
    changes: Map<String, Value>,
    /// The compare-and-set precondition, when given.
    pub expected_config_version: Option<i64>,
}

fn unrecognized(path: &str, keys: &[&String]) -> ApiError {
    let list = keys
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let at = if path.is_empty() {
        String::new()
    } else {
        format!(" at `{path}`")
    };
    ApiError::validation(
        format!("Unrecognized key(s) in object{at}: {list}"),
        vec![format!("Unrecognized key(s) in object: {list}")],
    )
    .fix("Send only the keys of the session PATCH body; `user_id` cannot be changed.")
}

fn strict(path: &str, obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    let unknown: Vec<&String> = obj
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(unrecognized(path, &unknown))
    }
}

/// A 400 for one field: `message`, and `errors: ["Error in payload.<path>: <detail>"]`.
fn invalid(path: &str, detail: &str) -> ApiError {
    ApiError::validation(
        format!("`{path}` {detail}"),
        vec![format!("Error in payload.{path}: {detail}")],
    )
}

impl SessionPatch {
    /// Validates a PATCH body: a JSON object with only the known root keys, and a positive
    /// integer `expected_config_version` when one is given.
    pub(crate) fn parse(body: Value) -> Result<Self, ApiError> {
        let Value::Object(mut changes) = body else {
            return Err(ApiError::validation(
                "The body must be a JSON object",
                vec!["Expected object".to_owned()],
            ));
        };
        strict("", &changes, PATCH_KEYS)?;
        let expected_config_version =
            match changes.remove("expected_config_version") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_i64().filter(|n| *n >= 1).ok_or_else(|| {
                    invalid("expected_config_version", "must be a positive integer")
                })?),
            };
        Ok(Self {
            changes,
            expected_config_version,
        })
    }

    /// Whether the body sets `connected_accounts` (to anything but `null`).
    pub(crate) fn changes_connected_accounts(&self) -> bool {
        self.changes
            .get("connected_accounts")
            .is_some_and(|v| !v.is_null())
    }
}

fn string_list(path: &str, v: &Value) -> Result<Vec<String>, ApiError> {
    v.as_array()
        .and_then(|a| {
            a.iter()
                .map(|s| s.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| invalid(path, "must be an array of strings"))
}

fn object<'a>(path: &str, v: &'a Value) -> Result<&'a Map<String, Value>, ApiError> {
    v.as_object()
        .ok_or_else(|| invalid(path, "must be an object or null"))
}

/// `toolkits`: `{enable}` or `{disable}` → the echo `{enabled}` / `{disabled}`.
fn toolkits(v: &Value) -> Result<Value, ApiError> {
    let o = object("toolkits", v)?;
    strict("toolkits", o, &["enable", "disable"])?;
    match (o.get("enable"), o.get("disable")) {
        (Some(e), None) => Ok(json!({"enabled": string_list("toolkits.enable", e)?})),
        (None, Some(d)) => Ok(json!({"disabled": string_list("toolkits.disable", d)?})),
        _ => Err(invalid(
            "toolkits",
            "takes exactly one of `enable` and `disable`",
        )),
    }
}

/// `tags`: an array (enable), or `{enable?, disable?}` → the echo with both lists.
fn tags(v: &Value) -> Result<Value, ApiError> {
    if v.is_array() {
        return Ok(json!({"enabled": string_list("tags", v)?, "disabled": []}));
    }
    let o = object("tags", v)?;
    strict("tags", o, &["enable", "disable"])?;
    let list = |k: &str| {
        o.get(k)
            .map_or(Ok(Vec::new()), |v| string_list(&format!("tags.{k}"), v))
    };
    Ok(json!({"enabled": list("enable")?, "disabled": list("disable")?}))
}

fn string_map(path: &str, v: &Value) -> Result<Map<String, Value>, ApiError> {
    let o = object(path, v)?;
    for (k, v) in o {
        if !v.is_string() {
            return Err(invalid(&format!("{path}.{k}"), "must be a string"));
        }
    }
    Ok(o.clone())
}

fn connected_accounts(v: &Value) -> Result<Map<String, Value>, ApiError> {
    let o = object("connected_accounts", v)?;
    let mut out = Map::new();
    for (k, v) in o {
        let ids = match v {
            Value::String(s) => vec![s.clone()],
            other => string_list(&format!("connected_accounts.{k}"), other)?,
        };
        out.insert(k.clone(), json!(ids));
    }
    Ok(out)
}

fn tools(v: &Value) -> Result<Map<String, Value>, ApiError> {
    let o = object("tools", v)?;
    for (k, filter) in o {
        serde_json::from_value::<ToolFilter>(filter.clone()).map_err(|_| {
            invalid(
                &format!("tools.{k}"),
                "must be {\"enable\": [...]} or {\"disable\": [...]}",
            )
        })?;
    }
    Ok(o.clone())
}

fn flag(path: &str, v: &Value) -> Result<bool, ApiError> {
    v.as_bool()
        .ok_or_else(|| invalid(path, "must be a boolean"))
}

/// `manage_connections`, merged key by key into the stored echo (`null` keys take their
/// defaults back).
fn manage_connections(stored: Option<&Value>, v: &Value) -> Result<Value, ApiError> {
    let mut echo = json!({"enabled": true, "callback_url": null,
                          "enable_wait_for_connections": false,
                          "enable_connection_removal": true});
    if let Some(Value::Object(s)) = stored {
        for (k, v) in s {
            echo[k.as_str()] = v.clone();
        }
    }
    let body = match v {
        Value::Null => {
            return Ok(json!({"enabled": true, "callback_url": null,
                                         "enable_wait_for_connections": false,
                                         "enable_connection_removal": true}))
        }
        Value::Bool(b) => json!({ "enable": b }),
        other => Value::Object(object("manage_connections", other)?.clone()),
    };
    let o = body.as_object().cloned().unwrap_or_default();
    strict("manage_connections", &o, MANAGE_CONNECTIONS_KEYS)?;
    for (k, v) in &o {
        let path = format!("manage_connections.{k}");
        match (k.as_str(), v) {
            ("enable", Value::Null) => echo["enabled"] = json!(true),
            ("enable", v) => echo["enabled"] = json!(flag(&path, v)?),
            ("callback_url", Value::Null) => echo["callback_url"] = Value::Null,
            ("callback_url", Value::String(s)) => echo["callback_url"] = json!(s),
            ("callback_url", _) => return Err(invalid(&path, "must be a string or null")),
            ("enable_wait_for_connections", Value::Null) => echo[k.as_str()] = json!(false),
            ("enable_connection_removal", Value::Null) => echo[k.as_str()] = json!(true),
            (_, v) => echo[k.as_str()] = json!(flag(&path, v)?),
        }
    }
    Ok(echo)
}

/// `multi_account`, merged key by key into the stored block (on create: into nothing);
/// `None` when nothing is left.
pub(crate) fn multi_account(stored: Option<&Value>, v: &Value) -> Result<Option<Value>, ApiError> {
    let o = object("multi_account", v)?;
    strict("multi_account", o, MULTI_ACCOUNT_KEYS)?;
    let mut block = match stored {
        Some(Value::Object(s)) => s.clone(),
        _ => Map::new(),
    };
    for (k, v) in o {
        let path = format!("multi_account.{k}");
        if v.is_null() {
            block.remove(k);
            continue;
        }
        if k == "max_accounts_per_toolkit" {
            let n = v.as_i64().filter(|n| (2..=10).contains(n)).ok_or_else(|| {
                ApiError::validation(
                    "multi_account.max_accounts_per_toolkit must be between 2 and 10",
                    vec![format!(
                        "Error in payload.{path}: Number must be between 2 and 10"
                    )],
                )
            })?;
            block.insert(k.clone(), json!(n));
        } else {
            block.insert(k.clone(), json!(flag(&path, v)?));
        }
    }
    Ok((!block.is_empty()).then_some(Value::Object(block)))
}

/// `experimental`, merged key by key (each sub-block replaced whole); `None` when empty.
fn experimental(stored: Option<&Value>, v: &Value) -> Result<Option<Value>, ApiError> {
    let o = object("experimental", v)?;
    let mut block = match stored {
        Some(Value::Object(s)) => s.clone(),
        _ => Map::new(),
    };
    for (k, v) in o {
        if v.is_null() {
            block.remove(k);
        } else {
            block.insert(k.clone(), v.clone());
        }
    }
    Ok((!block.is_empty()).then_some(Value::Object(block)))
}

/// Sets or removes a key of the config object.
fn put(config: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            config.insert(key.to_owned(), v);
        }
        None => {
            config.remove(key);
        }
    }
}

/// The config after applying `patch` to `current`, or the 400 that the body deserves.
///
/// `user_id` never changes (the body cannot name it).
pub(crate) fn merge(
    current: &SessionConfig,
    patch: &SessionPatch,
) -> Result<SessionConfig, ApiError> {
    let mut config = match serde_json::to_value(current) {
        Ok(Value::Object(m)) => m,
        _ => {
            return Err(ApiError::internal(
                &"stored session config is not an object",
            ))
        }
    };
    let ch = &patch.changes;
    if ch
        .get("experimental")
        .and_then(|e| e.get("session_config_id"))
        .is_some_and(|id| !id.is_null())
    {
        if let Some(k) = ["toolkits", "tools", "tags"]
            .into_iter()
            .find(|k| ch.contains_key(*k))
        {
            return Err(invalid(
                "experimental.session_config_id",
                &format!("cannot be combined with `{k}`"),
            ));
        }
    }
    for (key, v) in ch {
        let key = key.as_str();
        let value = match (key, v) {
            ("instant", Value::Null) => {
                return Err(invalid(
                    "instant",
                    "does not accept null; send false to disable it or an object",
                ))
            }
            ("instant", Value::Bool(false)) => Some(json!(false)),
            ("instant", Value::Object(_)) => Some(v.clone()),
            ("instant", _) => return Err(invalid("instant", "must be false or an object")),
            ("manage_connections", v) => Some(manage_connections(config.get(key), v)?),
            ("preload", Value::Null) => Some(json!({"tools": []})),
            (_, Value::Null) => None,
            ("toolkits", v) => Some(toolkits(v)?),
            ("tags", v) => Some(tags(v)?),
            ("auth_configs", v) => Some(Value::Object(string_map(key, v)?)),
            ("connected_accounts", v) => Some(Value::Object(connected_accounts(v)?)),
            ("tools", v) => Some(Value::Object(tools(v)?)),
            ("multi_account", v) => multi_account(config.get(key), v)?,
            ("experimental", v) => experimental(config.get(key), v)?,
            ("preload", v) => {
                let o = object("preload", v)?;
                strict("preload", o, &["tools"])?;
                let tools = o
                    .get("tools")
                    .map_or(Ok(Vec::new()), |t| string_list("preload.tools", t))?;
                Some(json!({ "tools": tools }))
            }
            ("proxy_execute", Value::Bool(b)) => Some(json!({ "enable": b })),
            ("hooks", Value::Array(_)) => Some(v.clone()),
            ("hooks", _) => return Err(invalid("hooks", "must be an array or null")),
            (_, Value::Object(_)) => Some(v.clone()),
            (k, _) => return Err(invalid(k, "must be an object or null")),
        };
        // Empty maps are not echoed.
        let value = value.filter(|v| v.as_object().is_none_or(|o| !o.is_empty()));
        put(&mut config, key, value);
    }
    serde_json::from_value(Value::Object(config)).map_err(|e| {
        ApiError::validation(format!("Invalid session config: {e}"), vec![e.to_string()])
    })
}

/// The config as echoed: the blocks the official clients require (`preload`, `search`,
/// `execute`, `instant`) with their defaults when the session never set them
/// (docs/spec/wire-2026.md §19.4).
pub(crate) fn with_echo_defaults(config: &SessionConfig) -> SessionConfig {
    let mut c = config.clone();
    let defaults = [
        ("instant", json!(false)),
        ("search", json!({"enable": true})),
        ("execute", json!({"enable_multi_execute": true})),
    ];
    for (k, v) in defaults {
        c.extra.entry(k.to_owned()).or_insert(v);
    }
    c
}

#[cfg(test)]
#[path = "session_patch_tests.rs"]
mod tests;

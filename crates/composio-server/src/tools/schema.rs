//! Argument checking against a tool's JSON Schema: the arguments must be an object, required
//! properties present, top-level properties of the declared type (and `enum`, `minItems`),
//! and — when the schema says `additionalProperties: false` — no unknown properties.
//! Defaults of absent properties are filled in.

use serde_json::{Map, Value};

/// JSON-Schema types a parameter may declare.
pub const KNOWN_TYPES: &[&str] = &["string", "integer", "number", "boolean", "array", "object"];

fn type_ok(kind: &str, v: &Value) -> bool {
    match kind {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `args` against `schema`; the arguments with defaults filled in, or a message that
/// names the offending property.
pub fn check(schema: &Value, args: &Value) -> Result<Map<String, Value>, String> {
    let mut args = match args {
        Value::Null => Map::new(),
        Value::Object(m) => m.clone(),
        other => {
            return Err(format!(
                "arguments must be a JSON object, got {}",
                type_name(other)
            ))
        }
    };
    let empty = Map::new();
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        if let Some(k) = args.keys().find(|k| !props.contains_key(*k)) {
            let known: Vec<&str> = props.keys().map(String::as_str).collect();
            return Err(format!(
                "unknown argument `{k}`; expected {}",
                if known.is_empty() {
                    "no arguments".to_owned()
                } else {
                    format!("one of: {}", known.join(", "))
                }
            ));
        }
    }
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for r in required.iter().filter_map(Value::as_str) {
        if args.get(r).is_none_or(Value::is_null) {
            return Err(format!("missing required argument `{r}`"));
        }
    }
    for (name, prop) in props {
        let Some(v) = args.get(name).filter(|v| !v.is_null()) else {
            if let Some(d) = prop.get("default") {
                args.insert(name.clone(), d.clone());
            }
            continue;
        };
        let kinds: Vec<&str> = match prop.get("type") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !kinds.is_empty() && !kinds.iter().any(|k| type_ok(k, v)) {
            return Err(format!(
                "argument `{name}` must be of type {}, got {}",
                kinds.join(" or "),
                type_name(v)
            ));
        }
        if let Some(choices) = prop.get("enum").and_then(Value::as_array) {
            if !choices.contains(v) {
                let list: Vec<String> = choices.iter().map(Value::to_string).collect();
                return Err(format!(
                    "argument `{name}` must be one of {}, got {v}",
                    list.join(", ")
                ));
            }
        }
        if let (Some(min), Some(a)) = (prop.get("minItems").and_then(Value::as_u64), v.as_array()) {
            if (a.len() as u64) < min {
                return Err(format!("argument `{name}` needs at least {min} item(s)"));
            }
        }
        if let (Some(item_kind), Some(a)) = (
            prop.pointer("/items/type").and_then(Value::as_str),
            v.as_array(),
        ) {
            if let Some(bad) = a.iter().find(|x| !type_ok(item_kind, x)) {
                return Err(format!(
                    "items of `{name}` must be of type {item_kind}, got {}",
                    type_name(bad)
                ));
            }
        }
    }
    Ok(args)
}

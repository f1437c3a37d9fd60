//! App tools: tools declared in the catalog as one HTTP call to a provider's API.
//!
//! A tool names its parameters once; they make both its JSON-Schema `input_parameters` and its
//! request (path segments, query parameters, JSON body fields or headers):
//!
//! ```toml
//! [[toolkits.tools]]
//! slug = "GMAIL_FETCH_EMAILS"
//! name = "Fetch emails"
//! description = "List the user's emails, newest first."
//! method = "GET"
//! url = "https://gmail.googleapis.com/gmail/v1/users/{user_id}/messages"
//! params = [
//!   { name = "user_id", type = "string", in = "path", default = "me" },
//!   { name = "query", type = "string", in = "query", as = "q" },
//!   { name = "max_results", type = "integer", in = "query", as = "maxResults", default = 10 },
//! ]
//! ```
//!
//! Execution (credentials, sandbox routing, the call itself) is in `exec`.

pub(crate) mod exec;
pub mod schema;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Where an argument goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ParamIn {
    /// A `{name}` placeholder of the URL (percent-encoded as one path segment).
    Path,
    /// A query parameter (arrays are comma-joined).
    #[default]
    Query,
    /// A field of the JSON body.
    Body,
    /// A request header.
    Header,
}

/// Where a toolkit's credential goes in tool requests (default: `Authorization: Bearer …`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CredentialPlacement {
    /// `header` or `query`.
    #[serde(rename = "in", default = "header_in")]
    pub location: String,
    /// Header or query parameter name.
    #[serde(default = "authorization")]
    pub name: String,
    /// Text before the credential (`"Bearer "` for the default header).
    #[serde(default)]
    pub prefix: String,
}

fn header_in() -> String {
    "header".to_owned()
}

fn authorization() -> String {
    "Authorization".to_owned()
}

impl Default for CredentialPlacement {
    fn default() -> Self {
        Self {
            location: header_in(),
            name: authorization(),
            prefix: "Bearer ".to_owned(),
        }
    }
}

/// One parameter of an app tool.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ParamDef {
    /// Argument name (what the agent sends).
    pub name: String,
    /// JSON-Schema type: `string`, `integer`, `number`, `boolean`, `array`, `object`.
    #[serde(rename = "type", default = "string_type")]
    pub kind: String,
    /// What the argument means (shown to the model).
    #[serde(default)]
    pub description: String,
    /// Whether it must be given.
    #[serde(default)]
    pub required: bool,
    /// Value used when the argument is absent.
    #[serde(default)]
    pub default: Option<Value>,
    /// Where it goes in the request (default `query`).
    #[serde(rename = "in", default)]
    pub location: ParamIn,
    /// The provider's name for it, when it differs (`maxResults`).
    #[serde(rename = "as", default)]
    pub wire_name: Option<String>,
    /// Item schema of an `array` parameter.
    #[serde(default)]
    pub items: Option<Value>,
    /// Allowed values.
    #[serde(rename = "enum", default)]
    pub choices: Vec<Value>,
}

fn string_type() -> String {
    "string".to_owned()
}

fn get_method() -> String {
    "GET".to_owned()
}

/// An app tool: one HTTP call to the provider's API with the connected account's credential.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ToolDef {
    /// Slug (`GMAIL_FETCH_EMAILS`), unique across the catalog.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// What the tool does (shown to the model).
    #[serde(default)]
    pub description: String,
    /// Tags (`readOnlyHint`, …).
    #[serde(default)]
    pub tags: Vec<String>,
    /// HTTP method (default `GET`).
    #[serde(default = "get_method")]
    pub method: String,
    /// URL template with `{param}` placeholders for `path` parameters.
    pub url: String,
    /// Parameters.
    #[serde(default)]
    pub params: Vec<ParamDef>,
    /// Fixed request headers (`Notion-Version`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Fixed JSON body; `body` parameters are added to it.
    #[serde(default)]
    pub body: Option<Value>,
    /// JSON Schema of the output (default: any object).
    #[serde(default)]
    pub output_parameters: Option<Value>,
}

/// The request an app tool makes, before credentials are added.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct HttpCall {
    /// Method.
    pub method: reqwest::Method,
    /// Full URL with the query.
    pub url: url::Url,
    /// Headers (fixed ones, then `header` parameters).
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Value>,
}

impl ToolDef {
    /// The JSON Schema of the arguments.
    pub fn input_schema(&self) -> Value {
        let mut props = Map::new();
        let mut required = Vec::new();
        for p in &self.params {
            let mut s = json!({"type": p.kind});
            if !p.description.is_empty() {
                s["description"] = json!(p.description);
            }
            if let Some(d) = &p.default {
                s["default"] = d.clone();
            }
            if let Some(i) = &p.items {
                s["items"] = i.clone();
            }
            if !p.choices.is_empty() {
                s["enum"] = json!(p.choices);
            }
            props.insert(p.name.clone(), s);
            if p.required {
                required.push(p.name.clone());
            }
        }
        json!({"type": "object", "properties": props, "required": required,
               "additionalProperties": false})
    }

    /// The JSON Schema of the output.
    pub fn output_schema(&self) -> Value {
        self.output_parameters.clone().unwrap_or_else(
            || json!({"type": "object", "description": "The provider's JSON response, unchanged."}),
        )
    }

    /// Checks the declaration (used when loading a catalog).
    pub fn validate(&self) -> Result<(), String> {
        if self.slug.is_empty()
            || !self
                .slug
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!(
                "tool slug `{}` must be upper-case ASCII letters, digits or `_`",
                self.slug
            ));
        }
        reqwest::Method::from_bytes(self.method.as_bytes())
            .map_err(|_| format!("tool {}: invalid method `{}`", self.slug, self.method))?;
        let header_names = self.headers.keys().cloned().chain(
            self.params
                .iter()
                .filter(|p| p.location == ParamIn::Header)
                .map(|p| p.wire_name.clone().unwrap_or_else(|| p.name.clone())),
        );
        for name in header_names {
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(format!("tool {}: invalid header name `{name}`", self.slug));
            }
        }
        for (name, value) in &self.headers {
            if reqwest::header::HeaderValue::from_str(value).is_err() {
                return Err(format!(
                    "tool {}: invalid value for header `{name}`",
                    self.slug
                ));
            }
        }
        let mut probe = self.url.clone();
        for p in &self.params {
            if !schema::KNOWN_TYPES.contains(&p.kind.as_str()) {
                return Err(format!(
                    "tool {}: parameter `{}` has unknown type `{}`",
                    self.slug, p.name, p.kind
                ));
            }
            let placeholder = format!("{{{}}}", p.name);
            if p.location == ParamIn::Path {
                if !probe.contains(&placeholder) {
                    return Err(format!(
                        "tool {}: path parameter `{}` has no `{placeholder}` in the URL",
                        self.slug, p.name
                    ));
                }
                if !p.required && p.default.is_none() {
                    return Err(format!(
                        "tool {}: path parameter `{}` must be required or have a default",
                        self.slug, p.name
                    ));
                }
                probe = probe.replace(&placeholder, "x");
            }
        }
        if probe.contains('{') {
            return Err(format!(
                "tool {}: the URL has a placeholder without a path parameter",
                self.slug
            ));
        }
        match url::Url::parse(&probe) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
            _ => Err(format!("tool {}: `url` is not an http(s) URL", self.slug)),
        }
    }

    /// Builds the request from checked arguments (see [`schema::check`]).
    ///
    /// Every `path` argument becomes exactly one path segment, percent-encoded by
    /// [`url::Url::path_segments_mut`]; values that would move the request elsewhere on the
    /// provider (`.`, `..`, empty, control characters) are refused, as are header values an
    /// HTTP header cannot carry (CR, LF, …).
    pub fn build(&self, args: &Map<String, Value>) -> Result<HttpCall, String> {
        let mut url = self.path_url(args)?;
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut body = self.body.clone();
        for p in &self.params {
            let Some(v) = args.get(&p.name).filter(|v| !v.is_null()) else {
                continue;
            };
            let wire = p.wire_name.clone().unwrap_or_else(|| p.name.clone());
            match p.location {
                ParamIn::Path => {}
                ParamIn::Query => {
                    url.query_pairs_mut().append_pair(&wire, &to_text(v));
                }
                ParamIn::Header => {
                    let text = to_text(v);
                    if reqwest::header::HeaderValue::from_str(&text).is_err() {
                        return Err(format!(
                            "`{}` cannot be sent as an HTTP header value (control characters \
                             such as CR or LF are not allowed)",
                            p.name
                        ));
                    }
                    headers.push((wire, text));
                }
                ParamIn::Body => {
                    let obj = body.get_or_insert_with(|| json!({}));
                    match obj.as_object_mut() {
                        Some(o) => {
                            o.insert(wire, v.clone());
                        }
                        None => return Err("the declared body is not a JSON object".into()),
                    }
                }
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let method = reqwest::Method::from_bytes(self.method.as_bytes())
            .map_err(|_| format!("invalid method `{}`", self.method))?;
        Ok(HttpCall {
            method,
            url,
            headers,
            body,
        })
    }
}

impl ToolDef {
    /// The URL template with its `{param}` placeholders filled, segment by segment.
    fn path_url(&self, args: &Map<String, Value>) -> Result<url::Url, String> {
        let mut url = url::Url::parse(&self.url).map_err(|e| format!("invalid URL: {e}"))?;
        let mut values = BTreeMap::new();
        for p in self.params.iter().filter(|p| p.location == ParamIn::Path) {
            let v = args.get(&p.name).map(to_text).unwrap_or_default();
            check_segment(&p.name, &v)?;
            values.insert(p.name.as_str(), v);
        }
        // The template's own segments, as written (`{` and `}` come back percent-encoded).
        let template: Vec<String> = url
            .path_segments()
            .ok_or("the URL cannot have a path")?
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|()| "the URL cannot have a path".to_owned())?;
            segments.clear();
            for t in &template {
                segments.push(&fill(t, &values)?);
            }
        }
        Ok(url)
    }
}

/// Refuses a path argument that is not one ordinary segment.
fn check_segment(name: &str, v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err(format!("`{name}` must not be empty"));
    }
    if v == "." || v == ".." {
        return Err(format!(
            "`{name}` must not be `{v}`: a path parameter is one path segment"
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(format!("`{name}` must not contain control characters"));
    }
    Ok(())
}

/// One template segment (`{id}.json`) with its placeholders replaced by their values.
fn fill(template: &str, values: &BTreeMap<&str, String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .ok_or("the URL has an unclosed `{`")?;
        let name = &rest[open + 1..close];
        let v = values.get(name).ok_or_else(|| {
            format!("the URL has a placeholder `{name}` without a path parameter")
        })?;
        out.push_str(v);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// An argument as text: strings as they are, arrays comma-joined, the rest as JSON.
fn to_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(to_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;

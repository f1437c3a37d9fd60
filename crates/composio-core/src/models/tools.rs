use serde::{Deserialize, Serialize};

use super::Extra;

/// The toolkit a tool belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolToolkit {
    /// Slug (`composio` for meta tools).
    pub slug: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Logo URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
}

/// A tool of a session (docs/spec/wire.md §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tool {
    /// `COMPOSIO_MANAGE_CONNECTIONS`, `GMAIL_GET_PROFILE`, …
    pub slug: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// What the tool does (shown to the model).
    #[serde(default)]
    pub description: String,
    /// Its toolkit.
    pub toolkit: ToolToolkit,
    /// JSON Schema of the arguments.
    #[serde(default = "empty_object")]
    pub input_parameters: serde_json::Value,
    /// JSON Schema of the output.
    #[serde(default = "empty_object")]
    pub output_parameters: serde_json::Value,
    /// Whether it needs no connected account.
    #[serde(default)]
    pub no_auth: bool,
    /// Version (`00000000_00` for meta tools).
    #[serde(default)]
    pub version: Option<String>,
    /// Tags (`readOnlyHint`, …).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Whether it is deprecated.
    #[serde(default)]
    pub is_deprecated: bool,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

fn empty_object() -> serde_json::Value {
    serde_json::json!({"type": "object", "properties": {}})
}

/// `POST {P}/tool_router/session/{id}/execute` (v3.1) request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExecuteRequest {
    /// The tool.
    pub tool_slug: String,
    /// Its arguments.
    #[serde(default = "empty_map")]
    pub arguments: serde_json::Value,
}

impl ExecuteRequest {
    /// An execute request.
    pub fn new(tool_slug: impl Into<String>, arguments: serde_json::Value) -> Self {
        Self {
            tool_slug: tool_slug.into(),
            arguments,
        }
    }
}

/// `POST {P}/tool_router/session/{id}/execute_meta` (v3) request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExecuteMetaRequest {
    /// The meta tool.
    pub slug: String,
    /// Its arguments.
    #[serde(default = "empty_map")]
    pub arguments: serde_json::Value,
}

impl ExecuteMetaRequest {
    /// An execute_meta request.
    pub fn new(slug: impl Into<String>, arguments: serde_json::Value) -> Self {
        Self {
            slug: slug.into(),
            arguments,
        }
    }
}

fn empty_map() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

/// How a tool execution ended.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResultType {
    /// It ran.
    Completed,
    /// It failed.
    Failed,
    /// It was not allowed to run.
    Blocked,
    /// Anything else, kept as sent.
    Unknown(String),
}

impl ResultType {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Blocked => "blocked",
            Self::Unknown(s) => s,
        }
    }
}

impl Serialize for ResultType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResultType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "blocked" => Self::Blocked,
            _ => Self::Unknown(s),
        })
    }
}

/// The execute envelope of both execute endpoints (docs/spec/wire.md §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExecuteResponse {
    /// The tool's output.
    #[serde(default)]
    pub data: serde_json::Value,
    /// The error message, when it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Whether it succeeded.
    pub successful: bool,
    /// Log id (`log_…`).
    #[serde(default)]
    pub log_id: Option<String>,
    /// How it ended.
    #[serde(default)]
    pub result_type: Option<ResultType>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ExecuteResponse {
    /// A successful execution.
    pub fn completed(data: serde_json::Value, log_id: impl Into<String>) -> Self {
        Self {
            data,
            error: None,
            successful: true,
            log_id: Some(log_id.into()),
            result_type: Some(ResultType::Completed),
            extra: Extra::new(),
        }
    }

    /// A failed execution.
    pub fn failed(
        data: serde_json::Value,
        error: impl Into<String>,
        log_id: impl Into<String>,
    ) -> Self {
        Self {
            data,
            error: Some(error.into()),
            successful: false,
            log_id: Some(log_id.into()),
            result_type: Some(ResultType::Failed),
            extra: Extra::new(),
        }
    }
}

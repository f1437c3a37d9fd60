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

impl ToolToolkit {
    /// A toolkit reference with an empty name and no logo.
    ///
    /// ```
    /// use composio_core::models::ToolToolkit;
    /// let t = ToolToolkit::new("composio")
    ///     .name("Composio")
    ///     .logo("https://logos.composio.dev/api/composio");
    /// assert_eq!(
    ///     serde_json::to_value(&t).unwrap(),
    ///     serde_json::json!({"slug": "composio", "name": "Composio",
    ///                        "logo": "https://logos.composio.dev/api/composio"})
    /// );
    /// ```
    pub fn new(slug: impl Into<String>) -> Self {
        Self {
            slug: slug.into(),
            name: String::new(),
            logo: None,
        }
    }

    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the logo URL.
    pub fn logo(mut self, logo: impl Into<String>) -> Self {
        self.logo = Some(logo.into());
        self
    }
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

impl Tool {
    /// A tool with an empty name and description, empty object schemas, no version, no tags,
    /// needing authentication and not deprecated (the defaults of `{"slug": …, "toolkit": …}`).
    ///
    /// ```
    /// use composio_core::models::{Tool, ToolToolkit};
    /// let t = Tool::new("GMAIL_GET_PROFILE", ToolToolkit::new("gmail").name("Gmail"))
    ///     .name("Get profile")
    ///     .description("Gets the user's Gmail profile.")
    ///     .input_parameters(serde_json::json!({"type": "object", "properties": {}}))
    ///     .version("20260101_00")
    ///     .tags(["readOnlyHint"]);
    /// let json = serde_json::to_value(&t).unwrap();
    /// assert_eq!(json["toolkit"]["slug"], "gmail");
    /// assert_eq!(json["no_auth"], false);
    /// assert_eq!(json["tags"], serde_json::json!(["readOnlyHint"]));
    /// assert_eq!(serde_json::from_value::<Tool>(json).unwrap(), t);
    /// ```
    pub fn new(slug: impl Into<String>, toolkit: ToolToolkit) -> Self {
        Self {
            slug: slug.into(),
            name: String::new(),
            description: String::new(),
            toolkit,
            input_parameters: empty_object(),
            output_parameters: empty_object(),
            no_auth: false,
            version: None,
            tags: Vec::new(),
            is_deprecated: false,
            extra: Extra::new(),
        }
    }

    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets what the tool does.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the JSON Schema of the arguments.
    pub fn input_parameters(mut self, schema: serde_json::Value) -> Self {
        self.input_parameters = schema;
        self
    }

    /// Sets the JSON Schema of the output.
    pub fn output_parameters(mut self, schema: serde_json::Value) -> Self {
        self.output_parameters = schema;
        self
    }

    /// Sets whether it needs no connected account.
    pub fn no_auth(mut self, no_auth: bool) -> Self {
        self.no_auth = no_auth;
        self
    }

    /// Sets the version.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Sets the tags.
    pub fn tags<I>(mut self, tags: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Sets whether it is deprecated.
    pub fn is_deprecated(mut self, deprecated: bool) -> Self {
        self.is_deprecated = deprecated;
        self
    }
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
    /// Which of the user's accounts of the tool's toolkit runs it: an account id, word id or
    /// alias (docs/spec/wire-2026.md §16.8); the default account when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl ExecuteRequest {
    /// An execute request.
    pub fn new(tool_slug: impl Into<String>, arguments: serde_json::Value) -> Self {
        Self {
            tool_slug: tool_slug.into(),
            arguments,
            account: None,
        }
    }

    /// Runs the tool with one account of its toolkit (id, word id or alias).
    ///
    /// ```
    /// use composio_core::models::ExecuteRequest;
    /// let r = ExecuteRequest::new("GMAIL_GET_PROFILE", serde_json::json!({})).account("work-gmail");
    /// assert_eq!(serde_json::to_value(&r).unwrap()["account"], "work-gmail");
    /// ```
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What composio-server's meta tool `definitions` send.
    #[test]
    fn constructors_build_what_the_server_sends() {
        let input = serde_json::json!({"type": "object",
            "properties": {"toolkits": {"type": "array", "items": {"type": "string"}}},
            "required": ["toolkits"]});
        let output = serde_json::json!({"type": "object", "properties": {}});
        let from_json: Tool = serde_json::from_value(serde_json::json!({
            "slug": "COMPOSIO_MANAGE_CONNECTIONS", "name": "Manage connections",
            "description": "Connects toolkits.",
            "toolkit": {"slug": "composio", "name": "Composio", "logo": "https://logos.composio.dev/api/composio"},
            "input_parameters": input,
            "output_parameters": output,
            "no_auth": true, "version": "00000000_00", "tags": [], "is_deprecated": false,
        }))
        .unwrap();
        let built = Tool::new(
            "COMPOSIO_MANAGE_CONNECTIONS",
            ToolToolkit::new("composio")
                .name("Composio")
                .logo("https://logos.composio.dev/api/composio"),
        )
        .name("Manage connections")
        .description("Connects toolkits.")
        .input_parameters(input)
        .output_parameters(output)
        .no_auth(true)
        .version("00000000_00")
        .tags(Vec::<String>::new())
        .is_deprecated(false);
        assert_eq!(built, from_json);
        assert_eq!(
            serde_json::to_value(&built).unwrap(),
            serde_json::to_value(&from_json).unwrap()
        );
    }

    #[test]
    fn a_new_tool_has_the_defaults_of_a_minimal_json_one() {
        let minimal: Tool = serde_json::from_value(serde_json::json!({
            "slug": "X_Y", "toolkit": {"slug": "x"}
        }))
        .unwrap();
        assert_eq!(Tool::new("X_Y", ToolToolkit::new("x")), minimal);
    }
}

//! Rendering tools for LLM APIs: OpenAI-style function tools and Anthropic-style tools.

use serde_json::{json, Value};

use super::Tool;

impl Tool {
    /// The JSON Schema of the arguments as an object schema (`{"type": "object", …}`), as both
    /// LLM APIs require.
    fn object_schema(&self) -> Value {
        let mut schema = match &self.input_parameters {
            Value::Object(_) => self.input_parameters.clone(),
            _ => json!({}),
        };
        if schema.get("type").is_none() {
            schema["type"] = json!("object");
        }
        if schema.get("properties").is_none() {
            schema["properties"] = json!({});
        }
        schema
    }

    /// The tool as an OpenAI function tool (Chat Completions `tools` entry):
    /// `{"type": "function", "function": {"name", "description", "parameters"}}`.
    ///
    /// ```
    /// # use composio_core::models::Tool;
    /// let tool: Tool = serde_json::from_value(serde_json::json!({
    ///     "slug": "COMPOSIO_MANAGE_CONNECTIONS", "description": "Connect toolkits",
    ///     "toolkit": {"slug": "composio"},
    ///     "input_parameters": {"type": "object", "properties": {"toolkits": {"type": "array"}}}
    /// }))?;
    /// let f = tool.to_openai();
    /// assert_eq!(f["type"], "function");
    /// assert_eq!(f["function"]["name"], "COMPOSIO_MANAGE_CONNECTIONS");
    /// assert_eq!(f["function"]["parameters"]["properties"]["toolkits"]["type"], "array");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn to_openai(&self) -> Value {
        json!({"type": "function", "function": {
            "name": self.slug, "description": self.description, "parameters": self.object_schema()}})
    }

    /// The tool as an Anthropic Messages API tool: `{"name", "description", "input_schema"}`.
    ///
    /// ```
    /// # use composio_core::models::Tool;
    /// let tool: Tool = serde_json::from_value(serde_json::json!({
    ///     "slug": "COMPOSIO_SEARCH_TOOLS", "description": "Find tools",
    ///     "toolkit": {"slug": "composio"}, "input_parameters": {}
    /// }))?;
    /// let t = tool.to_anthropic();
    /// assert_eq!(t["name"], "COMPOSIO_SEARCH_TOOLS");
    /// assert_eq!(t["input_schema"]["type"], "object");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn to_anthropic(&self) -> Value {
        json!({"name": self.slug, "description": self.description,
               "input_schema": self.object_schema()})
    }
}

/// Renders a list of tools at once (`session.tools().await?.to_openai()`).
pub trait ToolsExt {
    /// Every tool as an OpenAI function tool ([`Tool::to_openai`]).
    fn to_openai(&self) -> Vec<Value>;
    /// Every tool as an Anthropic tool ([`Tool::to_anthropic`]).
    fn to_anthropic(&self) -> Vec<Value>;
}

impl ToolsExt for [Tool] {
    fn to_openai(&self) -> Vec<Value> {
        self.iter().map(Tool::to_openai).collect()
    }

    fn to_anthropic(&self) -> Vec<Value> {
        self.iter().map(Tool::to_anthropic).collect()
    }
}

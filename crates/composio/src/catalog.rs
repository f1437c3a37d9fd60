//! The catalog: `composio.toolkits()` and `composio.tools()` (`GET {P}/toolkits`,
//! `/toolkits/{slug}`, `/tools`, `/tools/{slug}`), and [`Session::search`].

use composio_core::models::{
    CatalogToolkitsQuery, Page, SearchResponse, Tool, Toolkit, ToolsQuery,
};
use composio_core::query::encode_path_segment;
use composio_core::{Error, Result};

use crate::client::Composio;
use crate::request::Call;
use crate::session::Session;

/// The toolkits of the catalog: `composio.toolkits()`.
///
/// ```no_run
/// # async fn run(composio: composio::Composio) -> composio::Result<()> {
/// let gmail = composio.toolkits().get("gmail").await?;
/// println!("{} via {:?}", gmail.name, gmail.auth_schemes);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Toolkits {
    client: Composio,
}

impl Toolkits {
    /// One page of toolkits (`GET {P}/toolkits`).
    pub async fn list(&self, query: CatalogToolkitsQuery) -> Result<Page<Toolkit>> {
        let call = Call::get("/toolkits").query(query.to_query_string());
        self.client.api().send(call).await
    }

    /// One toolkit with its auth schemes and their fields (`GET {P}/toolkits/{slug}`).
    pub async fn get(&self, slug: &str) -> Result<Toolkit> {
        let path = format!("/toolkits/{}", encode_path_segment(slug));
        self.client.api().send(Call::get(path)).await
    }
}

/// The tools of the catalog: `composio.tools()`.
///
/// ```no_run
/// # async fn run(composio: composio::Composio) -> composio::Result<()> {
/// let tools = composio.tools().get("user_123", &["gmail"]).await?;
/// for t in &tools {
///     println!("{}: {}", t.slug, t.description);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Tools {
    client: Composio,
}

impl Tools {
    /// One page of tools (`GET {P}/tools`).
    pub async fn list(&self, query: ToolsQuery) -> Result<Page<Tool>> {
        let call = Call::get("/tools").query(query.to_query_string());
        self.client.api().send(call).await
    }

    /// The tools of `toolkits` for `user_id`, like the official SDKs'
    /// `tools.get(user_id, toolkits=[…])` (the user does not change the schemas; it is checked
    /// and kept for symmetry with them).
    pub async fn get(&self, user_id: &str, toolkits: &[&str]) -> Result<Vec<Tool>> {
        composio_core::UserId::new(user_id)?;
        if toolkits.is_empty() {
            return Err(Error::InvalidInput(
                "toolkits: name at least one toolkit".to_owned(),
            ));
        }
        let query = ToolsQuery::new()
            .toolkits(toolkits.iter().copied())
            .limit(1000);
        Ok(self.list(query).await?.items)
    }

    /// One tool with its input schema (`GET {P}/tools/{slug}`).
    pub async fn get_tool(&self, slug: &str) -> Result<Tool> {
        let path = format!("/tools/{}", encode_path_segment(slug));
        self.client.api().send(Call::get(path)).await
    }
}

impl Composio {
    /// The toolkits of the catalog.
    pub fn toolkits(&self) -> Toolkits {
        Toolkits {
            client: self.clone(),
        }
    }

    /// The tools of the catalog.
    pub fn tools(&self) -> Tools {
        Tools {
            client: self.clone(),
        }
    }
}

impl Session {
    /// Finds the session's tools for a task (`POST …/tool_router/session/{id}/search`), with
    /// the connection of each toolkit they come from, every account included
    /// (docs/spec/wire-2026.md §16.9).
    ///
    /// ```no_run
    /// # async fn run(session: composio::Session) -> composio::Result<()> {
    /// let found = session.search("fetch my emails from today").await?;
    /// println!("{:?}", found.results[0].primary_tool_slugs);
    /// # Ok(()) }
    /// ```
    pub async fn search(&self, query: &str) -> Result<SearchResponse> {
        if query.trim().is_empty() {
            return Err(Error::InvalidInput("query: must not be empty".to_owned()));
        }
        let body = serde_json::json!({"queries": [{"use_case": query}]});
        let call = Call::post(self.path("/search")).json(&body)?;
        self.client.api().send(call).await
    }
}

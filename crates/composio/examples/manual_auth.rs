//! The "Putting it all together" flow of the authentication docs: make sure a user has
//! connected every toolkit the agent needs before the agent starts.
//!
//! ```sh
//! COMPOSIO_API_KEY=... cargo run -p composio --example manual_auth
//! # against a local composio-server:
//! COMPOSIO_BASE_URL=http://127.0.0.1:8080 COMPOSIO_API_KEY=... cargo run -p composio --example manual_auth
//! ```

use std::time::Duration;

use composio::{Composio, SessionOptions, ToolkitsQuery};

#[tokio::main]
async fn main() -> composio::Result<()> {
    let composio = Composio::from_env()?;
    let required_toolkits = ["gmail", "github"];

    // In-chat prompts off: this app handles authentication in its own UI.
    let session = composio
        .create("user_123", SessionOptions::new().manage_connections(false))
        .await?;

    let toolkits = session.toolkits(ToolkitsQuery::new()).await?;
    let connected: Vec<String> = toolkits
        .items
        .iter()
        .filter(|t| t.connection().and_then(|c| c.connected_account).is_some())
        .map(|t| t.slug.clone())
        .collect();
    let pending: Vec<&str> = required_toolkits
        .iter()
        .copied()
        .filter(|slug| !connected.iter().any(|c| c == slug))
        .collect();

    println!("Connected: {connected:?}");
    println!("Pending: {pending:?}");

    for slug in pending {
        let request = session.authorize(slug, None).await?;
        println!("Connect {slug}: {}", request.redirect_url());
        let account = request.wait_for_connection(Duration::from_secs(60)).await?;
        println!("Connected {slug}: {}", account.id);
    }

    println!("All toolkits connected! MCP URL: {}", session.mcp().url());
    Ok(())
}

//! Checking connection status: which toolkits of a session are connected for the user.
//!
//! ```sh
//! COMPOSIO_API_KEY=... cargo run -p composio --example check_status -- user_123
//! ```

use composio::{Composio, SessionOptions, ToolkitsQuery};
use futures_util::TryStreamExt;

#[tokio::main]
async fn main() -> composio::Result<()> {
    let user_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "user_123".to_owned());
    let composio = Composio::from_env()?;
    let session = composio.create(&user_id, SessionOptions::new()).await?;

    // Every page of the session's toolkits.
    let mut toolkits = std::pin::pin!(session.toolkits_stream(ToolkitsQuery::new()));
    while let Some(toolkit) = toolkits.try_next().await? {
        let account = toolkit
            .connection()
            .and_then(|c| c.connected_account)
            .map(|a| format!("{} ({})", a.id, a.status))
            .unwrap_or_else(|| "Not connected".to_owned());
        println!("{}: {account}", toolkit.name);
    }
    Ok(())
}

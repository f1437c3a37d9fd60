//! `composio demo`: the flows of the authentication docs, end to end, on a local sandbox.

use std::time::Duration;

use composio::{CallbackResult, Composio, ConnectionRequest, SessionOptions, ToolkitsQuery};
use composio_server::sandbox::Browser;
use composio_server::Config;

use crate::backend::local_client;
use crate::exit::{self, CliError};

const USER: &str = "user_123";
const CALLBACK: &str = "https://your-app.com/callback?user_id=user_123&source=onboarding";
const WAIT: Duration = Duration::from_secs(60);

pub(crate) async fn run() -> Result<(), CliError> {
    println!("composio demo: the documented authentication flows, end to end.");
    println!();
    println!("This runs against a local composio-server with its built-in sandbox OAuth");
    println!("provider: no real account is touched and no network is needed. The approval");
    println!("click is automated: an HTTP client follows each Connect Link exactly as a");
    println!("browser would and presses \"Approve\" on the sandbox consent screen.");
    println!();

    let key = composio_server::generate_api_key();
    let server = composio_server::spawn(Config::default().sandbox(true).api_key(key.clone()))
        .await
        .map_err(|e| {
            CliError::new(
                exit::UNEXPECTED,
                format!("could not start composio-server: {e}"),
            )
        })?;
    println!("Local server: {}", server.url());
    println!();
    let client = local_client(server.url(), &key)?;
    let result = walk_through(&client).await;
    server.shutdown().await;
    result
}

async fn approve(browser: &Browser, request: &ConnectionRequest) -> Result<String, CliError> {
    println!("   [automated] following the link and clicking Approve…");
    browser.approve(request.redirect_url()).await.map_err(|e| {
        CliError::new(
            exit::UNEXPECTED,
            format!("the automated approval failed: {e}"),
        )
    })
}

async fn walk_through(client: &Composio) -> Result<(), CliError> {
    let browser = Browser::new().map_err(|e| {
        CliError::new(
            exit::UNEXPECTED,
            format!("could not start the HTTP client: {e}"),
        )
    })?;

    println!("1. Manual authentication with session.authorize()");
    let session = client
        .create(USER, SessionOptions::new().manage_connections(false))
        .await?;
    println!(
        "   composio.create(\"{USER}\", manage_connections=false) -> session {}",
        session.id()
    );
    let request = session.authorize("gmail", Some(CALLBACK)).await?;
    println!("   session.authorize(\"gmail\", callback_url=\"{CALLBACK}\")");
    println!("   Connect Link: {}", request.redirect_url());
    let landed = approve(&browser, &request).await?;
    println!("   The browser lands on the callback URL:");
    println!("   {landed}");
    let account = request.wait_for_connection(WAIT).await?;
    println!(
        "   connection_request.wait_for_connection(60s) -> {} {}",
        account.id, account.status
    );
    let callback = CallbackResult::parse(&landed)?;
    let same = callback
        .connected_account_id
        .as_ref()
        .is_some_and(|id| id.as_str() == account.id);
    println!(
        "   Callback parameters: status={}, connected_account_id={} ({})",
        callback.status,
        callback
            .connected_account_id
            .as_ref()
            .map_or("-", |id| id.as_str()),
        if same {
            "matches the account"
        } else {
            "DOES NOT match the account"
        }
    );
    if !callback.is_success() || !same {
        return Err(CliError::new(
            exit::UNEXPECTED,
            "the callback URL does not report the connection",
        ));
    }
    println!();

    println!("2. Checking connection status with session.toolkits()");
    let page = session
        .toolkits(ToolkitsQuery::new().toolkits(["gmail", "github", "slack"]))
        .await?;
    for t in &page.items {
        let id = t
            .connection()
            .and_then(|c| c.connected_account)
            .filter(|a| a.status == composio::ConnectionStatus::Active)
            .map_or_else(|| "Not connected".to_owned(), |a| a.id);
        println!("   {}: {id}", t.name);
    }
    println!();

    println!("3. Putting it all together: connect every required toolkit, then start the agent");
    let required = ["gmail", "github"];
    let session = client
        .create(USER, SessionOptions::new().manage_connections(false))
        .await?;
    let page = session
        .toolkits(ToolkitsQuery::new().toolkits(required))
        .await?;
    let connected: Vec<String> = page
        .items
        .iter()
        .filter(|t| t.is_connected())
        .map(|t| t.slug.clone())
        .collect();
    let pending: Vec<&str> = required
        .iter()
        .copied()
        .filter(|slug| !connected.iter().any(|c| c == slug))
        .collect();
    println!("   Connected: {connected:?}");
    println!("   Pending: {pending:?}");
    for slug in pending {
        let request = session.authorize(slug, None).await?;
        println!("   Connect {slug}: {}", request.redirect_url());
        approve(&browser, &request).await?;
        let account = request.wait_for_connection(WAIT).await?;
        println!("   {slug}: {} {}", account.id, account.status);
    }
    println!(
        "   All toolkits connected! MCP URL: {}",
        session.mcp().url()
    );
    println!();
    println!("Done. Try it yourself: composio connect gmail --user {USER}");
    Ok(())
}

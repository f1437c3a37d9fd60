//! `composio.toolkits()`, `composio.tools()` and `Session::search` against composio-server.

use composio::models::{CatalogToolkitsQuery, ToolsQuery};
use composio::{AuthorizeOptions, Composio, MultiAccount, SessionOptions};
use composio_server::sandbox::Browser;
use composio_server::Config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toolkits_tools_and_search() {
    let server = composio_server::spawn(Config::default()).await.unwrap();
    let composio = Composio::builder()
        .api_key(server.api_key().unwrap())
        .base_url(server.url())
        .build()
        .unwrap();

    let gmail = composio.toolkits().get("gmail").await.unwrap();
    assert_eq!(gmail.auth_schemes, ["OAUTH2"]);
    let creation = &gmail.auth_config_details[0].fields.auth_config_creation;
    assert_eq!(creation.required[0].name, "client_id");
    let serpapi = composio.toolkits().get("serpapi").await.unwrap();
    let fields = &serpapi.auth_config_details[0]
        .fields
        .connected_account_initiation;
    assert_eq!(fields.required[0].name, "api_key");
    let err = composio.toolkits().get("gmial").await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");

    let page = composio
        .toolkits()
        .list(CatalogToolkitsQuery::new().category("productivity"))
        .await
        .unwrap();
    let slugs: Vec<&str> = page.items.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, ["linear", "notion"]);

    let tools = composio.tools().get("user_1", &["gmail"]).await.unwrap();
    let slugs: Vec<&str> = tools.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, ["GMAIL_GET_PROFILE", "GMAIL_FETCH_EMAILS"]);
    assert_eq!(tools[1].input_parameters["type"], "object");
    assert!(composio.tools().get("user_1", &[]).await.is_err());
    let found = composio
        .tools()
        .list(ToolsQuery::new().search("fetch my emails"))
        .await
        .unwrap();
    assert_eq!(found.items[0].slug, "GMAIL_FETCH_EMAILS");
    let one = composio
        .tools()
        .get_tool("GMAIL_GET_PROFILE")
        .await
        .unwrap();
    assert_eq!(one.toolkit.slug, "gmail");

    let session = composio
        .create(
            "user_1",
            SessionOptions::new()
                .multi_account(MultiAccount::enabled().require_explicit_selection(true)),
        )
        .await
        .unwrap();
    for alias in ["work", "home"] {
        let req = session
            .authorize_with("gmail", AuthorizeOptions::new().alias(alias))
            .await
            .unwrap();
        Browser::new()
            .unwrap()
            .approve(req.redirect_url())
            .await
            .unwrap();
    }
    let found = session.search("fetch my emails from today").await.unwrap();
    assert!(found.success);
    assert_eq!(found.results[0].primary_tool_slugs[0], "GMAIL_FETCH_EMAILS");
    let gmail = &found.toolkit_connection_statuses[0];
    assert_eq!(gmail.toolkit, "gmail");
    assert_eq!(gmail.account_selection.as_deref(), Some("required"));
    let mut aliases: Vec<String> = gmail
        .accounts
        .as_ref()
        .unwrap()
        .iter()
        .filter_map(|a| a.alias.clone())
        .collect();
    aliases.sort();
    assert_eq!(aliases, ["home", "work"]);
    assert!(session.search("  ").await.is_err());
    server.shutdown().await;
}

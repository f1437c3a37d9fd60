//! In-chat authentication end to end against composio-server (sandbox): the transcript of the
//! docs page with the example's scripted agent (over v3.1 `execute` and v3 `execute_meta`),
//! the statuses of COMPOSIO_MANAGE_CONNECTIONS, the push-woken WAIT_FOR_CONNECTIONS, app
//! tools against the sandbox's provider mirrors, search, multi-execute and error shapes.

#[path = "../examples/in_chat_auth/agent.rs"]
#[allow(dead_code)]
mod agent;

use std::time::{Duration, Instant};

use composio::{ApiVersion, Composio, ManageConnections, Session, SessionOptions, ToolsExt};
use composio_server::sandbox::Browser;
use composio_server::{Config, ServerHandle};
use serde_json::{json, Value};

async fn start() -> ServerHandle {
    composio_server::spawn(Config::default())
        .await
        .expect("server starts")
}

fn client(server: &ServerHandle, version: ApiVersion) -> Composio {
    Composio::builder()
        .api_key(server.api_key().expect("a key"))
        .base_url(server.url())
        .api_version(version)
        .build()
        .expect("client")
}

async fn session(server: &ServerHandle, options: SessionOptions) -> Session {
    client(server, ApiVersion::V3_1)
        .create("user_123", options)
        .await
        .expect("session")
}

/// The user's click on a Connect Link and the sandbox consent, over HTTP.
async fn approve(link: &str) {
    Browser::new().unwrap().approve(link).await.unwrap();
}

/// Connects a toolkit through MANAGE_CONNECTIONS and the sandbox consent page.
async fn connect(session: &Session, toolkit: &str) {
    let r = session
        .execute(
            "COMPOSIO_MANAGE_CONNECTIONS",
            json!({"toolkits": [toolkit]}),
        )
        .await
        .unwrap();
    approve(r.data["results"][toolkit]["redirect_url"].as_str().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcript_of_the_docs_page_over_v3_1_and_v3() {
    let server = start().await;
    for (i, version) in [ApiVersion::V3_1, ApiVersion::V3].into_iter().enumerate() {
        let session = client(&server, version)
            .create(&format!("user_{i}"), SessionOptions::new())
            .await
            .unwrap();
        let mut agent = agent::Agent::new(session);

        let first = agent
            .handle("Summarize my emails from today")
            .await
            .unwrap();
        let (slug, fetch) = &first.calls[0];
        assert_eq!(slug, "GMAIL_FETCH_EMAILS");
        assert!(!fetch.successful);
        assert_eq!(fetch.result_type.as_ref().unwrap().as_str(), "failed");
        let error = fetch.error.as_deref().unwrap();
        assert!(error.contains("COMPOSIO_MANAGE_CONNECTIONS"), "{error}");
        assert!(error.contains("\"gmail\""), "{error}");
        let link = first.link.clone().expect("a Connect Link");
        assert!(link.starts_with(&format!("{}/link/lk_", server.url())));
        assert_eq!(
            first.text,
            format!("I need you to connect your Gmail account first. Please click here to authorize:\n       {link}")
        );

        approve(&link).await;

        let second = agent.handle("Done").await.unwrap();
        assert!(second.calls[0].1.successful, "{:?}", second.calls[0].1);
        assert!(
            second
                .text
                .starts_with("Here's a summary of your emails from today (3):"),
            "{}",
            second.text
        );
        assert!(second
            .text
            .contains("Alice Chen: \"Q3 roadmap review moved to Thursday\""));
        let messages = &second.calls[0].1.data["messages"];
        let to = messages[0]["payload"]["headers"][1]["value"]
            .as_str()
            .unwrap();
        assert_eq!(to, format!("user_{i}@sandbox.composio.local"));
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manage_connections_statuses_and_reinitiate() {
    let server = start().await;
    let cb = "https://app.example.com/chat";
    let s = session(
        &server,
        SessionOptions::new().manage_connections(ManageConnections::new(true).callback_url(cb)),
    )
    .await;
    let r = s
        .execute(
            "COMPOSIO_MANAGE_CONNECTIONS",
            json!({"toolkits": ["gmail", "gmial", "hackernews", "Gmail"]}),
        )
        .await
        .unwrap();
    assert!(r.successful, "{r:?}");
    let d = &r.data;
    let g = &d["results"]["gmail"];
    assert_eq!(g["status"], "initiated");
    assert_eq!(g["has_active_connection"], false);
    assert_eq!(g["was_reinitiated"], false);
    assert!(g["instruction"].as_str().unwrap().contains("Gmail"));
    assert!(g["connected_account_id"]
        .as_str()
        .unwrap()
        .starts_with("ca_"));
    let e = &d["results"]["gmial"];
    assert_eq!(e["status"], "failed");
    assert!(e["error_message"]
        .as_str()
        .unwrap()
        .contains("Did you mean 'gmail'"));
    assert!(e.get("redirect_url").is_none());
    let hn = &d["results"]["hackernews"];
    assert_eq!(hn["status"], "failed");
    assert!(hn["error_message"]
        .as_str()
        .unwrap()
        .contains("no authentication"));
    assert_eq!(
        d["summary"],
        json!({"total_toolkits": 3, "active_connections": 0, "initiated_connections": 1, "failed_connections": 2})
    );
    assert_eq!(d["message"], "1 connection initiated, 2 failed");

    // The Connect Link returns to the session's manage_connections callback URL.
    let link = g["redirect_url"].as_str().unwrap().to_owned();
    let landed = Browser::new().unwrap().approve(&link).await.unwrap();
    assert!(landed.starts_with(cb), "{landed}");

    let r = s
        .execute(
            "COMPOSIO_MANAGE_CONNECTIONS",
            json!({"toolkits": ["gmail"]}),
        )
        .await
        .unwrap();
    let g = &r.data["results"]["gmail"];
    assert_eq!(g["status"], "active");
    assert_eq!(g["has_active_connection"], true);
    assert!(g.get("redirect_url").is_none());
    assert_eq!(
        g["current_user_info"],
        json!({"email": "user_123@sandbox.composio.local", "name": "Sandbox User user_123"})
    );
    assert_eq!(
        r.data["message"],
        "0 connections initiated, 1 already active"
    );

    let r = s
        .execute(
            "COMPOSIO_MANAGE_CONNECTIONS",
            json!({"toolkits": ["gmail"], "reinitiate_all": true}),
        )
        .await
        .unwrap();
    let g = &r.data["results"]["gmail"];
    assert_eq!(g["status"], "initiated");
    assert_eq!(g["was_reinitiated"], true);
    assert_eq!(g["has_active_connection"], true);
    assert_ne!(g["redirect_url"].as_str().unwrap(), link);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_connections_wakes_on_approval() {
    let server = start().await;
    let s = session(
        &server,
        SessionOptions::new()
            .manage_connections(ManageConnections::new(true).wait_for_connections(true)),
    )
    .await;
    assert!(s
        .tool_router_tools()
        .iter()
        .any(|t| t == "COMPOSIO_WAIT_FOR_CONNECTIONS"));
    // Nothing happens: a short wait times out.
    let r = s
        .execute(
            "COMPOSIO_WAIT_FOR_CONNECTIONS",
            json!({"toolkits": ["github"], "timeout_seconds": 1}),
        )
        .await
        .unwrap();
    assert_eq!(r.data["timed_out"], true);
    assert_eq!(r.data["results"]["github"]["status"], "NOT_FOUND");

    // The wait starts before the link even exists, and wakes when the user approves.
    let waiter = {
        let s = s.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let r = s
                .execute(
                    "COMPOSIO_WAIT_FOR_CONNECTIONS",
                    json!({"toolkits": ["github", "slack"], "mode": "any", "timeout_seconds": 60}),
                )
                .await;
            (r, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = s
        .execute(
            "COMPOSIO_MANAGE_CONNECTIONS",
            json!({"toolkits": ["github"]}),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    approve(
        r.data["results"]["github"]["redirect_url"]
            .as_str()
            .unwrap(),
    )
    .await;
    let (r, took) = waiter.await.unwrap();
    let r = r.unwrap();
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert_eq!(r.data["timed_out"], false);
    let gh = &r.data["results"]["github"];
    assert_eq!(gh["status"], "ACTIVE");
    assert_eq!(gh["has_active_connection"], true);
    assert_eq!(
        gh["current_user_info"]["email"],
        "user_123@sandbox.composio.local"
    );
    assert_eq!(r.data["results"]["slack"]["status"], "NOT_FOUND");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tools_and_bad_arguments_are_clear() {
    let server = start().await;
    let s = session(&server, SessionOptions::new().manage_connections(false)).await;
    // Unknown app tool: 404 with a suggestion.
    let e = s.execute("GMAIL_FETCH_EMAIL", json!({})).await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    let api = e.api_error().unwrap();
    assert_eq!(api.slug.as_deref(), Some("Tool_NotFound"));
    assert!(api
        .suggested_fix
        .as_deref()
        .unwrap()
        .contains("GMAIL_FETCH_EMAILS"));
    // A meta tool this session does not offer: failed envelope.
    let r = s
        .execute(
            "COMPOSIO_MANAGE_CONNECTIONS",
            json!({"toolkits": ["gmail"]}),
        )
        .await
        .unwrap();
    assert!(!r.successful);
    assert!(r.error.unwrap().contains("not available in this session"));
    // Not connected, without in-chat management: the error says so.
    let r = s.execute("GMAIL_GET_PROFILE", json!({})).await.unwrap();
    assert!(!r.successful);
    assert!(r
        .error
        .unwrap()
        .contains("In-chat connection management is off"));
    // Invalid arguments: failed envelopes naming the argument.
    let r = s
        .execute("GMAIL_FETCH_EMAILS", json!({"max_results": "ten"}))
        .await
        .unwrap();
    assert_eq!(r.result_type.unwrap().as_str(), "failed");
    assert_eq!(
        r.error.unwrap(),
        "Invalid arguments for GMAIL_FETCH_EMAILS: argument `max_results` must be of type integer, got string"
    );
    let r = s.execute("SERPAPI_SEARCH", json!({})).await.unwrap();
    assert!(r
        .error
        .unwrap()
        .contains("missing required argument `query`"));
    let r = s
        .execute("COMPOSIO_SEARCH_TOOLS", json!({"queries": "emails"}))
        .await
        .unwrap();
    assert!(r.error.unwrap().contains("`queries` must be of type array"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_tool_refreshes_an_expired_token() {
    let server = start().await;
    let s = session(&server, SessionOptions::new()).await;
    connect(&s, "gmail").await;
    server.sandbox_expire_access_tokens().await.unwrap();
    let r = s.execute("GMAIL_GET_PROFILE", json!({})).await.unwrap();
    assert!(r.successful, "{r:?}");
    assert_eq!(r.data["emailAddress"], "user_123@sandbox.composio.local");
    // Refresh impossible too: the account ends up EXPIRED and the agent is told to reconnect.
    server.sandbox_expire_access_tokens().await.unwrap();
    server.sandbox_revoke_refresh_tokens().await.unwrap();
    let mut last = None;
    for _ in 0..composio_server::credentials::MAX_REFRESH_FAILURES {
        last = Some(s.execute("GMAIL_GET_PROFILE", json!({})).await.unwrap());
    }
    let last = last.unwrap();
    assert!(!last.successful);
    assert!(last.error.unwrap().contains("COMPOSIO_MANAGE_CONNECTIONS"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_builtin_oauth_tool_runs_against_the_sandbox() {
    let server = start().await;
    let s = session(&server, SessionOptions::new()).await;
    let cases: &[(&str, &str, &str, Value)] = &[
        (
            "gmail",
            "GMAIL_GET_PROFILE",
            "/emailAddress",
            json!("user_123@sandbox.composio.local"),
        ),
        (
            "googlecalendar",
            "GOOGLECALENDAR_LIST_EVENTS",
            "/items/0/summary",
            json!("Team standup"),
        ),
        (
            "github",
            "GITHUB_GET_THE_AUTHENTICATED_USER",
            "/login",
            json!("user_123"),
        ),
        ("slack", "SLACK_AUTH_TEST", "/ok", json!(true)),
        (
            "notion",
            "NOTION_GET_ME",
            "/bot/owner/user/person/email",
            json!("user_123@sandbox.composio.local"),
        ),
        (
            "linear",
            "LINEAR_GET_VIEWER",
            "/data/viewer/name",
            json!("Sandbox User user_123"),
        ),
    ];
    for (toolkit, tool, pointer, want) in cases {
        connect(&s, toolkit).await;
        let r = s.execute(tool, json!({})).await.unwrap();
        assert!(r.successful, "{tool}: {r:?}");
        assert_eq!(r.data.pointer(pointer), Some(want), "{tool}: {}", r.data);
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_multi_execute() {
    let server = start().await;
    let s = session(&server, SessionOptions::new()).await;
    let tools = s.tools().await.unwrap();
    let slugs: Vec<&str> = tools.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, s.tool_router_tools());
    let openai = tools.to_openai();
    assert_eq!(openai[0]["type"], "function");
    assert_eq!(
        openai[0]["function"]["parameters"]["required"],
        json!(["queries"])
    );
    let anthropic = tools.to_anthropic();
    assert_eq!(anthropic[2]["name"], "COMPOSIO_MANAGE_CONNECTIONS");
    assert_eq!(
        anthropic[2]["input_schema"]["properties"]["toolkits"]["type"],
        "array"
    );

    let r = s
        .execute(
            "COMPOSIO_SEARCH_TOOLS",
            json!({"queries": [{"use_case": "fetch my emails from today"}, {"use_case": "who am I on GitHub"}]}),
        )
        .await
        .unwrap();
    assert!(r.successful, "{r:?}");
    let first = &r.data["results"][0]["tools"][0];
    assert_eq!(first["tool_slug"], "GMAIL_FETCH_EMAILS");
    assert_eq!(first["toolkit_connected"], false);
    assert_eq!(first["input_schema"]["type"], "object");
    assert_eq!(r.data["results"][1]["tools"][0]["toolkit"], "github");

    connect(&s, "gmail").await;
    let r = s
        .execute(
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            json!({"tools": [
                {"tool_slug": "GMAIL_GET_PROFILE", "arguments": {}},
                {"tool_slug": "GITHUB_GET_THE_AUTHENTICATED_USER", "arguments": {}},
                {"tool_slug": "NOPE_TOOL", "arguments": {}},
            ]}),
        )
        .await
        .unwrap();
    assert!(!r.successful);
    let results = &r.data["results"];
    assert_eq!(results[0]["successful"], true);
    assert_eq!(
        results[0]["data"]["emailAddress"],
        "user_123@sandbox.composio.local"
    );
    assert!(results[1]["error"]
        .as_str()
        .unwrap()
        .contains("COMPOSIO_MANAGE_CONNECTIONS"));
    assert!(results[2]["error"].as_str().unwrap().contains("not found"));
    assert_eq!(
        r.data["summary"],
        json!({"total": 3, "successful": 1, "failed": 2})
    );
    server.shutdown().await;
}

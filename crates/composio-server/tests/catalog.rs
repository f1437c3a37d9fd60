//! Catalog reads (`GET /toolkits`, `/toolkits/{slug}`, `/tools`, `/tools/{slug}`) and the
//! session search (`POST /tool_router/session/{id}/search`, docs/spec/wire-2026.md §16.9).

mod common;

use common::{assert_envelope, Api};
use composio_server::sandbox::Browser;
use composio_server::Config;
use serde_json::{json, Value};

const ACME: &str = r#"
[[toolkits]]
slug = "acme"
name = "Acme CRM"
description = "Customers and invoices of Acme."
categories = ["crm"]
auth_scheme = "API_KEY"
fields = [{ name = "api_key", label = "Acme API key" }, { name = "region", label = "Region", secret = false }]

[[toolkits.tools]]
slug = "ACME_LIST_INVOICES"
name = "List invoices"
description = "List the customer's invoices."
url = "https://acme.test/invoices"
"#;

async fn api_with_acme() -> Api {
    let mut config = Config::default();
    config.extra_toolkits = Config::from_toml_str(ACME).unwrap().extra_toolkits;
    Api::start(config).await
}

fn slugs(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn toolkits_list_with_filters_and_pages() {
    let api = api_with_acme().await;
    let (status, v) = api.get("/toolkits").await;
    assert_eq!(status, 200, "{v}");
    let all = slugs(&v);
    assert!(
        all.contains(&"gmail".to_owned()) && all.contains(&"acme".to_owned()),
        "{v}"
    );
    let gmail = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["slug"] == "gmail")
        .unwrap();
    assert_eq!(gmail["type"], "native");
    assert_eq!(gmail["auth_schemes"], json!(["OAUTH2"]));
    assert_eq!(gmail["composio_managed_auth_schemes"], json!(["OAUTH2"]));
    assert_eq!(gmail["meta"]["tools_count"], 2);
    assert_eq!(gmail["meta"]["categories"][0]["id"], "email");
    assert_eq!(gmail["deprecated"]["toolkitId"], "gmail");

    let (_, v) = api.get("/toolkits?managed_by=project").await;
    assert_eq!(slugs(&v), ["acme"]);
    assert_eq!(v["items"][0]["type"], "custom");
    let (_, v) = api.get("/toolkits?type=native").await;
    assert!(!slugs(&v).contains(&"acme".to_owned()));
    let (_, v) = api.get("/toolkits?category=productivity").await;
    assert_eq!(slugs(&v), ["linear", "notion"]);
    let (_, v) = api.get("/toolkits?search=calendar").await;
    assert_eq!(slugs(&v), ["googlecalendar"]);
    let (_, v) = api.get("/toolkits?sort_by=alphabetically").await;
    assert_eq!(slugs(&v)[0], "acme", "Acme CRM sorts first by name");

    let (_, page1) = api.get("/toolkits?limit=2").await;
    assert_eq!(slugs(&page1).len(), 2);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = api.get(&format!("/toolkits?limit=2&cursor={cursor}")).await;
    assert_eq!(slugs(&page2), all[2..4]);
    assert_eq!(page1["total_items"], json!(all.len()));

    let (status, v) = api.get("/toolkits?managed_by=nobody").await;
    let e = assert_envelope(status, &v, 400);
    assert!(e["message"].as_str().unwrap().contains("managed_by"), "{v}");
    let (status, v) = api.get("/toolkits?sort_by=random").await;
    assert_envelope(status, &v, 400);
}

#[tokio::test]
async fn a_toolkit_tells_its_auth_scheme_fields_and_whether_the_server_has_an_app() {
    let api = api_with_acme().await;
    let (status, v) = api.get("/toolkits/gmail").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["slug"], "gmail");
    assert_eq!(v["has_app"], true, "the sandbox provider serves it: {v}");
    assert_eq!(v["composio_managed_auth"][0]["mode"], "OAUTH2");
    let d = &v["auth_config_details"][0];
    assert_eq!(d["mode"], "OAUTH2");
    let creation: Vec<&str> = d["fields"]["auth_config_creation"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(creation, ["client_id", "client_secret"]);
    assert!(d["required_scopes"]
        .as_array()
        .unwrap()
        .contains(&json!("email")));

    let (_, v) = api.get("/toolkits/acme").await;
    let fields = &v["auth_config_details"][0]["fields"]["connected_account_initiation"]["required"];
    assert_eq!(fields[0]["name"], "api_key");
    assert_eq!(fields[0]["displayName"], "Acme API key");
    assert_eq!(fields[0]["is_secret"], true);
    assert_eq!(fields[1]["name"], "region");
    assert_eq!(fields[1]["is_secret"], false);

    let (_, v) = api.get("/toolkits/hackernews").await;
    assert_eq!(v["no_auth"], true);
    assert_eq!(v["auth_config_details"], json!([]));

    let (status, v) = api.get("/toolkits/gmial").await;
    let e = assert_envelope(status, &v, 404);
    assert!(
        e["suggested_fix"].as_str().unwrap().contains("gmail"),
        "{v}"
    );
}

#[tokio::test]
async fn without_sandbox_or_app_an_oauth_toolkit_has_no_app() {
    let api = Api::start(Config::default().sandbox(false)).await;
    let (_, v) = api.get("/toolkits/github").await;
    assert_eq!(v["has_app"], false, "{v}");
    assert_eq!(v["composio_managed_auth_schemes"], json!([]));
    let (_, v) = api.get("/toolkits/serpapi").await;
    assert_eq!(v["has_app"], true, "API-key toolkits need no app: {v}");
}

#[tokio::test]
async fn tools_list_filters_and_ranks() {
    let api = api_with_acme().await;
    let (status, v) = api.get("/tools?toolkit_slug=gmail").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(slugs(&v), ["GMAIL_GET_PROFILE", "GMAIL_FETCH_EMAILS"]);
    let t = &v["items"][1];
    assert_eq!(t["toolkit"]["slug"], "gmail");
    assert_eq!(t["input_parameters"]["type"], "object");
    assert!(
        t["input_parameters"]["properties"]["query"].is_object(),
        "{t}"
    );
    assert_eq!(t["no_auth"], false);
    assert_eq!(t["deprecated"]["displayName"], "Fetch emails");

    let (_, v) = api.get("/tools?toolkit_slug=gmail,acme").await;
    assert_eq!(slugs(&v).len(), 3);
    let (_, v) = api
        .get("/tools?tool_slugs=ACME_LIST_INVOICES,GMAIL_GET_PROFILE,NOPE")
        .await;
    assert_eq!(slugs(&v), ["ACME_LIST_INVOICES", "GMAIL_GET_PROFILE"]);
    // Ranked by relevance, not catalog order: the tool named for emails first.
    let (_, v) = api.get("/tools?query=fetch%20my%20emails").await;
    assert_eq!(slugs(&v)[0], "GMAIL_FETCH_EMAILS", "{v}");
    let (_, v) = api.get("/tools?search=invoices").await;
    assert_eq!(slugs(&v), ["ACME_LIST_INVOICES"]);
    let (_, v) = api
        .get("/tools?toolkit_slug=gmail&tags=readOnlyHint&limit=1")
        .await;
    assert_eq!(slugs(&v).len(), 1);
    assert_eq!(v["total_items"], 2);

    let (status, v) = api.get("/tools?toolkit_slug=gmial").await;
    let e = assert_envelope(status, &v, 404);
    assert!(
        e["suggested_fix"].as_str().unwrap().contains("gmail"),
        "{v}"
    );

    let (status, v) = api.get("/tools/gmail_fetch_emails").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["slug"], "GMAIL_FETCH_EMAILS");
    let (status, v) = api.get("/tools/GMAIL_FETCH_EMAIL").await;
    let e = assert_envelope(status, &v, 404);
    assert!(
        e["suggested_fix"]
            .as_str()
            .unwrap()
            .contains("GMAIL_FETCH_EMAILS"),
        "{v}"
    );
}

#[tokio::test]
async fn catalog_reads_need_an_api_key_and_answer_on_v3_too() {
    let api = Api::default().await;
    let r = api.http.get(api.url("/toolkits")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let v3 = format!("{}/api/v3/tools/GMAIL_GET_PROFILE", api.server.url());
    let r = api
        .http
        .get(v3)
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn connect(api: &Api, sid: &str, toolkit: &str, alias: &str) -> String {
    let (status, v) = api
        .post(
            &format!("/tool_router/session/{sid}/link"),
            json!({"toolkit": toolkit, "alias": alias}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    Browser::new()
        .unwrap()
        .approve(v["redirect_url"].as_str().unwrap())
        .await
        .unwrap();
    v["connected_account_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn session_search_reports_every_account_and_ranks_tools() {
    let api = Api::default().await;
    let sid = api
        .session(
            json!({"user_id": "u1", "manage_connections": {"enable": false},
            "multi_account": {"enable": true, "require_explicit_selection": true}}),
        )
        .await;
    let search = |q: &'static str| {
        let api = &api;
        let sid = sid.clone();
        async move {
            api.post(
                &format!("/tool_router/session/{sid}/search"),
                json!({"queries": [{"use_case": q}]}),
            )
            .await
        }
    };
    let (status, v) = search("fetch my emails from today").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["success"], true);
    let r = &v["results"][0];
    assert_eq!(r["index"], 1);
    assert_eq!(r["primary_tool_slugs"][0], "GMAIL_FETCH_EMAILS", "{v}");
    assert_eq!(r["toolkits"][0], "gmail");
    assert_eq!(
        v["tool_schemas"]["GMAIL_FETCH_EMAILS"]["input_schema"]["type"],
        "object"
    );
    assert_eq!(v["session"]["id"], json!(sid));
    assert!(v["time_info"]["current_time_utc"].is_string());
    let st = &v["toolkit_connection_statuses"][0];
    assert_eq!(st["toolkit"], "gmail");
    assert_eq!(st["has_active_connection"], false);
    assert_eq!(st["accounts"], json!([]));

    let work = connect(&api, &sid, "gmail", "work").await;
    let home = connect(&api, &sid, "gmail", "home").await;
    let (_, v) = search("fetch my emails").await;
    let st = &v["toolkit_connection_statuses"][0];
    assert_eq!(st["has_active_connection"], true, "{v}");
    assert_eq!(st["account_selection"], "required", "{v}");
    let accounts = st["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "{v}");
    let by_alias = |a: &str| accounts.iter().find(|x| x["alias"] == a).unwrap().clone();
    assert_eq!(by_alias("work")["id"], json!(work));
    assert_eq!(by_alias("home")["id"], json!(home));
    assert_eq!(by_alias("home")["status"], "active");
    assert!(by_alias("work")["user_info"]["email"].is_string(), "{v}");
    assert_eq!(
        accounts.iter().filter(|a| a["is_default"] == true).count(),
        1,
        "{v}"
    );

    // The session's toolkits list every account too (§16.9, proposed).
    let (_, t) = api
        .get(&format!(
            "/tool_router/session/{sid}/toolkits?toolkits=gmail"
        ))
        .await;
    let listed = t["items"][0]["connected_accounts"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{t}");
    assert!(t["items"][0]["connected_account"]["id"].is_string(), "{t}");

    // COMPOSIO_SEARCH_TOOLS answers from the same code.
    let (_, m) = api
        .post(
            &format!("/tool_router/session/{sid}/execute_meta"),
            json!({"slug": "COMPOSIO_SEARCH_TOOLS",
                   "arguments": {"queries": [{"use_case": "fetch my emails"}]}}),
        )
        .await;
    assert_eq!(
        m["data"]["toolkit_connection_statuses"], v["toolkit_connection_statuses"],
        "{m}"
    );
    assert_eq!(
        m["data"]["results"][0]["primary_tool_slugs"],
        v["results"][0]["primary_tool_slugs"]
    );

    let (status, e) = api
        .post(
            &format!("/tool_router/session/{sid}/search"),
            json!({"queries": []}),
        )
        .await;
    assert_envelope(status, &e, 400);
    for bad in [
        json!({"queries": [{"use_case": "x", "known_fields": 7}]}),
        json!({"queries": [{"use_case": "x"}], "model": 7}),
    ] {
        let (status, e) = api
            .post(&format!("/tool_router/session/{sid}/search"), bad)
            .await;
        assert_envelope(status, &e, 400);
    }
    let (status, e) = api
        .post(
            "/tool_router/session/trs_nope/search",
            json!({"queries": [{"use_case": "x"}]}),
        )
        .await;
    assert_envelope(status, &e, 404);
}

#[tokio::test]
async fn session_search_respects_the_session_toolkits() {
    let api = Api::default().await;
    let sid = api
        .session(json!({"user_id": "u1", "toolkits": {"enable": ["github"]},
                        "manage_connections": {"enable": false}}))
        .await;
    let (_, v) = api
        .post(
            &format!("/tool_router/session/{sid}/search"),
            json!({"queries": [{"use_case": "list calendar events"}, {"use_case": "who am I on github"}]}),
        )
        .await;
    assert_eq!(v["results"][0]["primary_tool_slugs"], json!([]), "{v}");
    assert!(v["results"][0]["error"].is_string());
    assert_eq!(v["results"][1]["toolkits"], json!(["github"]), "{v}");
    assert!(
        v["toolkit_connection_statuses"][0]
            .get("accounts")
            .is_none(),
        "{v}"
    );
}

#[tokio::test]
async fn manage_connections_reports_every_account_and_links_another_by_alias() {
    let api = Api::default().await;
    let sid = api
        .session(json!({"user_id": "u1", "multi_account": {"enable": true}}))
        .await;
    let work = connect(&api, &sid, "gmail", "work").await;
    let manage = |args: Value| {
        let api = &api;
        let sid = sid.clone();
        async move {
            let (status, v) = api
                .post(
                    &format!("/tool_router/session/{sid}/execute"),
                    json!({"tool_slug": "COMPOSIO_MANAGE_CONNECTIONS", "arguments": args}),
                )
                .await;
            assert_eq!(status, 200, "{v}");
            v["data"]["results"]["gmail"].clone()
        }
    };
    let g = manage(json!({"toolkits": ["gmail"]})).await;
    assert_eq!(g["status"], "active", "{g}");
    assert_eq!(g["accounts"][0]["id"], json!(work));
    assert_eq!(g["accounts"][0]["alias"], "work");
    assert_eq!(g["accounts"][0]["is_default"], true);
    assert!(g["accounts"][0]["user_info"]["email"].is_string(), "{g}");

    // An additional account under an alias, although one is active.
    let g = manage(json!({"toolkits": ["gmail"], "alias": "home"})).await;
    assert_eq!(g["status"], "initiated", "{g}");
    assert_eq!(g["was_reinitiated"], false);
    let home = g["connected_account_id"].as_str().unwrap().to_owned();
    assert_ne!(home, work);
    Browser::new()
        .unwrap()
        .approve(g["redirect_url"].as_str().unwrap())
        .await
        .unwrap();
    let g = manage(json!({"toolkits": ["gmail"]})).await;
    let aliases: Vec<&str> = g["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["alias"].as_str().unwrap())
        .collect();
    assert_eq!(aliases.len(), 2, "{g}");
    assert!(
        aliases.contains(&"work") && aliases.contains(&"home"),
        "{g}"
    );

    // A taken alias fails that toolkit and lists the accounts.
    let g = manage(json!({"toolkits": ["gmail"], "alias": "WORK"})).await;
    assert_eq!(g["status"], "failed", "{g}");
    assert!(
        g["error_message"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{g}"
    );
    assert_eq!(g["has_active_connection"], true, "{g}");
    assert_eq!(g["accounts"].as_array().unwrap().len(), 2, "{g}");
}

#[tokio::test]
async fn session_search_takes_a_toolkits_filter() {
    // `toolkits` in the body: the TypeScript SDK's `session.search({query, toolkits})`.
    let api = Api::default().await;
    let sid = api
        .session(json!({"user_id": "u1", "manage_connections": {"enable": false}}))
        .await;
    let path = format!("/tool_router/session/{sid}/search");
    let (_, v) = api
        .post(
            &path,
            json!({"queries": [{"use_case": "fetch my emails"}], "toolkits": ["googlecalendar"]}),
        )
        .await;
    assert_eq!(v["results"][0]["primary_tool_slugs"], json!([]), "{v}");
    let (_, v) = api
        .post(
            &path,
            json!({"queries": [{"use_case": "fetch my emails"}], "toolkits": ["GMAIL"]}),
        )
        .await;
    assert_eq!(v["results"][0]["toolkits"], json!(["gmail"]), "{v}");
    let (status, v) = api
        .post(
            &path,
            json!({"queries": [{"use_case": "x"}], "toolkits": "github"}),
        )
        .await;
    assert_envelope(status, &v, 400);
}

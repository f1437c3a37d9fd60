//! Replays the requests the official Python and TypeScript clients send (captured in
//! `tests/fixtures`, copied from the shared spec) and checks the answers carry what they need.

mod common;

use common::Api;
use composio_server::sandbox::Browser;
use serde_json::{json, Value};

#[tokio::test]
async fn official_client_requests_are_accepted() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 7);
    let api = Api::default().await;
    for file in files {
        let capture: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let (mut session, mut account) = (String::new(), String::new());
        for r in capture["requests"].as_array().unwrap() {
            let method: reqwest::Method = r["method"].as_str().unwrap().parse().unwrap();
            // Swap the ids the stub handed out for ours.
            let mut path = r["path"].as_str().unwrap().to_owned();
            for (prefix, ours) in [("trs_", &session), ("ca_", &account)] {
                if let Some(start) = path.find(prefix) {
                    let end = path[start..].find('/').map_or(path.len(), |e| start + e);
                    path.replace_range(start..end, ours);
                }
            }
            let mut req = api
                .http
                .request(method, format!("{}{path}", api.server.url()));
            for (k, v) in r["headers"].as_object().unwrap() {
                if !matches!(
                    k.as_str(),
                    "x-api-key" | "content-length" | "host" | "accept-encoding" | "connection"
                ) {
                    req = req.header(k, v.as_str().unwrap());
                }
            }
            req = req.header("x-api-key", &api.key);
            for (k, v) in r["query"].as_object().unwrap() {
                req = req.query(&[(k, v.as_str().unwrap())]);
            }
            if !r["body"].is_null() {
                req = req.json(&r["body"]);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let v: Value = resp.json().await.unwrap();
            assert_eq!(
                status,
                r["status"].as_u64().unwrap() as u16,
                "{name} {path}: {v}"
            );
            if path.ends_with("/tool_router/session") {
                session = v["session_id"].as_str().unwrap().to_owned();
                assert!(v["config"]["preload"]["tools"].is_array() && v["config_version"].is_u64());
                assert_eq!(v["mcp"]["type"], "http");
            } else if path.ends_with("/link") {
                account = v["connected_account_id"].as_str().unwrap().to_owned();
                assert!(v["redirect_url"].is_string() && v["link_token"].is_string());
                if !name.contains("default") {
                    Browser::new()
                        .unwrap()
                        .approve(v["redirect_url"].as_str().unwrap())
                        .await
                        .unwrap();
                }
            } else if path.contains("/connected_accounts/") {
                for k in [
                    "id",
                    "status",
                    "status_reason",
                    "is_disabled",
                    "created_at",
                    "updated_at",
                ] {
                    assert!(v.get(k).is_some(), "{name}: {k} missing in {v}");
                }
                assert!(v["auth_config"]["id"].is_string() && v["toolkit"]["slug"] == "gmail");
            } else if path.ends_with("/toolkits") {
                assert!(v["items"].is_array() && v["total_pages"].is_u64());
            } else if path.ends_with("/tools") {
                for t in v["items"].as_array().unwrap() {
                    assert!(t["toolkit"]["slug"].is_string() && t["toolkit"]["name"].is_string());
                    assert!(t["input_parameters"].is_object() && t["description"].is_string());
                }
            }
        }
        // The session callback of the `callback` captures is used when the link has none.
        if name.contains("callback") {
            let (_, a) = api.get(&format!("/connected_accounts/{account}")).await;
            assert_eq!(a["status"], json!("ACTIVE"), "{name}");
        }
    }
    api.server.shutdown().await;
}

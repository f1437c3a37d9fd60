//! The OpenAPI document against the server, for what schemathesis (tests/schema/run.sh)
//! cannot reach in a bounded run: every operation taking a body documents 413 and answers it
//! with the error envelope, every documented operation is routed under both API versions,
//! and the documented `limit` and `cursor` rules are the server's.

mod common;

use common::{assert_envelope, Api};
use composio_server::Config;
use serde_json::{json, Value};

/// The document as the server serves it.
async fn document(api: &Api) -> Value {
    let resp = api
        .http
        .get(format!("{}/api/v3/openapi.json", api.server.url()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    resp.json().await.expect("JSON")
}

/// `(method, path with its parameters filled in, whether it takes a body)` of every
/// documented operation.
fn operations(doc: &Value) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if method == "parameters" {
                continue;
            }
            let filled = path
                .replace("{session_id}", "trs_missing")
                .replace("{watch_id}", "wch_missing")
                .replace("{id}", "ca_missing");
            out.push((
                method.to_uppercase(),
                filled,
                op.get("requestBody").is_some(),
            ));
        }
    }
    out
}

#[tokio::test]
async fn every_body_taking_operation_documents_and_answers_413() {
    let api = Api::start(Config::default().max_body_bytes(1024)).await;
    let doc = document(&api).await;
    let big = json!({"user_id": "u", "padding": "x".repeat(4096)});
    let mut checked = 0;
    for (method, path, body) in operations(&doc) {
        if !body {
            continue;
        }
        let raw = path
            .replace("trs_missing", "{session_id}")
            .replace("wch_missing", "{watch_id}")
            .replace("ca_missing", "{id}");
        let op = &doc["paths"][&raw][method.to_lowercase()];
        assert_eq!(
            op["responses"]["413"]["$ref"], "#/components/responses/E413",
            "{method} {raw} does not document 413"
        );
        let resp = api
            .http
            .request(method.parse().expect("method"), api.url(&path))
            .header("x-api-key", &api.key)
            .json(&big)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        let e = assert_envelope(status, &v, 413);
        assert_eq!(e["slug"], "Request_PayloadTooLarge", "{method} {path}: {v}");
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} operations take a body");
}

#[tokio::test]
async fn every_documented_operation_is_routed_under_both_versions() {
    let api = Api::default().await;
    let doc = document(&api).await;
    for (method, path, _) in operations(&doc) {
        for version in ["v3", "v3.1"] {
            let resp = api
                .http
                .request(
                    method.parse().expect("method"),
                    format!("{}/api/{version}{path}", api.server.url()),
                )
                .header("x-api-key", &api.key)
                .json(&json!({}))
                .send()
                .await
                .expect("request");
            let status = resp.status().as_u16();
            if resp
                .headers()
                .get("content-type")
                .is_some_and(|c| c.as_bytes().starts_with(b"text/event-stream"))
            {
                // The watch stream: open, never ending.
                assert_eq!(status, 200, "{method} /api/{version}{path}");
                continue;
            }
            let v: Value = resp.json().await.unwrap_or(Value::Null);
            // Missing ids and empty bodies: 400 or 404, but never "no such route".
            assert_ne!(v["error"]["slug"], "Route_NotFound", "{method} {path}");
            assert!(
                matches!(status, 200 | 400 | 404),
                "{method} /api/{version}{path}: {status} {v}"
            );
        }
    }
}

#[tokio::test]
async fn limit_and_cursor_follow_the_document() {
    let api = Api::default().await;
    let doc = document(&api).await;
    let params = doc["paths"]["/connected_accounts"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .clone();
    let param = |name: &str| {
        params
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} documented"))
            .clone()
    };
    assert_eq!(param("limit")["schema"]["minimum"], 1);
    assert_eq!(param("cursor")["schema"]["pattern"], "^[0-9]{0,18}$");
    for user in ["u1", "u2", "u3"] {
        api.link(user, "gmail", None).await;
    }
    let (s, page) = api
        .get("/connected_accounts?limit=99999999999999999999999")
        .await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(3));
    let (s, v) = api.get("/connected_accounts?limit=0").await;
    assert_envelope(s, &v, 400);
    let (s, page) = api.get("/connected_accounts?limit=2").await;
    assert_eq!(s, 200);
    let cursor = page["next_cursor"].as_str().expect("a next page");
    assert!(
        cursor.len() <= 18 && cursor.bytes().all(|b| b.is_ascii_digit()),
        "{cursor}"
    );
    let (s, page2) = api
        .get(&format!("/connected_accounts?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(page2["items"].as_array().map(Vec::len), Some(1));
    for bad in ["x", "-1", "1234567890123456789"] {
        let (s, v) = api.get(&format!("/connected_accounts?cursor={bad}")).await;
        assert_envelope(s, &v, 400);
    }
}

#[tokio::test]
async fn bodies_must_be_objects() {
    // Found by schemathesis: `[null, null]` was read field by field into the body's struct
    // and accepted (PATCH /webhook_subscriptions/{id} answered 200).
    let api = Api::default().await;
    for body in [
        json!(["user_1"]),
        json!([null, null]),
        json!("user_1"),
        json!(7),
    ] {
        let (s, v) = api.post("/tool_router/session", body.clone()).await;
        let e = assert_envelope(s, &v, 400);
        assert!(
            e["message"].as_str().unwrap_or("").contains("JSON object"),
            "{body}: {v}"
        );
    }
    let (s, v) = api
        .post("/tool_router/session", json!({"user_id": "u"}))
        .await;
    assert_eq!(s, 201, "{v}");
}

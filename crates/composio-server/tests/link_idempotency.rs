//! `POST …/session/{id}/link` with an `Idempotency-Key`: the link and its response are
//! stored in one unit of work (group commit), and repeats of the request, one after the
//! other or at the same time, create one account and get its response again.

mod common;

use common::{assert_envelope, Api};
use serde_json::{json, Value};

async fn link_with_key(api: &Api, sid: &str, key: &str, body: Value) -> (u16, bool, Value) {
    let resp = api
        .http
        .post(api.url(&format!("/tool_router/session/{sid}/link")))
        .header("x-api-key", &api.key)
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let replayed = resp.headers().contains_key("idempotent-replayed");
    let text = resp.text().await.expect("body");
    (
        status,
        replayed,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn accounts_of(api: &Api, user: &str) -> usize {
    let (status, v) = api
        .get(&format!("/connected_accounts?user_ids={user}&limit=100"))
        .await;
    assert_eq!(status, 200, "{v}");
    v["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_repeated_link_request_creates_one_account_and_replays_its_response() {
    let api = Api::default().await;
    let sid = api.session(json!({"user_id": "idem-1"})).await;
    let body = json!({"toolkit": "gmail"});

    let (status, replayed, first) = link_with_key(&api, &sid, "k-link", body.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert!(!replayed);
    let (status, replayed, again) = link_with_key(&api, &sid, "k-link", body.clone()).await;
    assert_eq!(status, 201, "{again}");
    assert!(replayed, "the second response is the stored one");
    assert_eq!(again, first);
    assert_eq!(accounts_of(&api, "idem-1").await, 1);

    // The same key with another body is refused and never answered with the first response.
    let (status, _, other) =
        link_with_key(&api, &sid, "k-link", json!({"toolkit": "github"})).await;
    let e = assert_envelope(status, &other, 422);
    assert_eq!(e["slug"], "Request_IdempotencyKeyReused");
    assert!(!other
        .to_string()
        .contains(first["connected_account_id"].as_str().expect("id")));

    // A new key is a new link.
    let (status, _, second) = link_with_key(&api, &sid, "k-link-2", body).await;
    assert_eq!(status, 201, "{second}");
    assert_ne!(
        second["connected_account_id"],
        first["connected_account_id"]
    );
    assert_eq!(accounts_of(&api, "idem-1").await, 2);
    api.server.shutdown().await;
}

#[tokio::test]
async fn concurrent_repeats_of_a_link_request_create_one_account() {
    let api = Api::default().await;
    let sid = api.session(json!({"user_id": "idem-2"})).await;
    let body = json!({"toolkit": "gmail"});
    let repeats = (0..8).map(|_| link_with_key(&api, &sid, "k-burst", body.clone()));
    let answers = futures_util::future::join_all(repeats).await;
    let ids: Vec<&Value> = answers
        .iter()
        .map(|(status, _, v)| {
            assert_eq!(*status, 201, "{v}");
            &v["connected_account_id"]
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(
        answers.iter().filter(|(_, replayed, _)| !replayed).count(),
        1
    );
    assert_eq!(accounts_of(&api, "idem-2").await, 1);

    // Links of other requests, at the same time, are all created.
    let keys: Vec<String> = (0..16).map(|k| format!("k-{k}")).collect();
    let distinct = keys
        .iter()
        .map(|k| link_with_key(&api, &sid, k, body.clone()));
    for (status, _, v) in futures_util::future::join_all(distinct).await {
        assert_eq!(status, 201, "{v}");
    }
    assert_eq!(accounts_of(&api, "idem-2").await, 17);
    api.server.shutdown().await;
}

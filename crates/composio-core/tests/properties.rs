//! Property tests of what composio-core parses from untrusted input: callback URLs and their
//! parameters, ids, comma lists, and the wire models (serde round trips, unknown fields and
//! unknown enum values kept).

use composio_core::callback::validate_callback_url;
use composio_core::models::{
    ConnectedAccount, ExecuteResponse, Page, ResultType, SessionResponse, SessionToolkit, Tool,
};
use composio_core::query::{split_list, Query};
use composio_core::{CallbackResult, CallbackStatus, ConnectedAccountId, ConnectionStatus, UserId};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Any text, including the characters that matter in URLs and forms.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_]{0,12}",
        "[ -~]{0,16}",
        ".{0,12}",
        Just("status".to_owned()),
        Just("%FF&=+#?;".to_owned()),
    ]
}

/// A raw query segment as an app may write it: well formed, or not quite (`flag`, `a=b=c`,
/// invalid percent escapes, characters a form encoder would escape).
fn raw_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        (text(), text()).prop_map(
            |(k, v)| url::form_urlencoded::Serializer::new(String::new())
                .append_pair(&k, &v)
                .finish()
        ),
        "[a-z]{1,6}",
        "[a-z]{1,4}=[a-z0-9~!*'();:@$,/?%]{0,10}",
        Just("sig=a%FFb".to_owned()),
        Just("x=~".to_owned()),
        Just("a=b=c".to_owned()),
        Just("status=old".to_owned()),
        Just("connected_account_id=ca_old".to_owned()),
        Just("err%6Fr=stale".to_owned()),
    ]
}

/// An http(s) callback URL with an arbitrary query and fragment.
fn callback_url() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("http"), Just("https")],
        prop_oneof![
            "[a-z]{1,10}\\.(com|dev|example)",
            Just("127.0.0.1:8080".to_owned())
        ],
        "(/[a-zA-Z0-9._~-]{0,8}){0,3}",
        proptest::option::of(vec(raw_segment(), 0..5)),
        proptest::option::of("[a-z0-9=&/?]{0,8}"),
    )
        .prop_map(|(scheme, host, path, query, fragment)| {
            let mut u = format!("{scheme}://{host}{path}");
            if let Some(q) = query {
                u.push('?');
                u.push_str(&q.join("&"));
            }
            if let Some(f) = fragment {
                u.push('#');
                u.push_str(&f);
            }
            u
        })
}

fn status() -> impl Strategy<Value = CallbackStatus> {
    prop_oneof![
        Just(CallbackStatus::Success),
        Just(CallbackStatus::Failed),
        text()
            .prop_filter("not a known status", |s| s != "success" && s != "failed")
            .prop_map(|s| {
                // `Unknown` is built the way a parser builds it: from the wire.
                CallbackResult::parse(&format!(
                    "https://a.b/?status={}",
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                ))
                .expect("parses")
                .status
            }),
    ]
}

fn result() -> impl Strategy<Value = CallbackResult> {
    (
        status(),
        proptest::option::of(
            "[^\\p{Cc}]{0,12}".prop_filter_map("valid id", |s| ConnectedAccountId::new(s).ok()),
        ),
        proptest::option::of(text().prop_filter("non-empty", |e| !e.is_empty())),
    )
        .prop_map(|(s, id, e)| CallbackResult::new(s, id, e))
}

/// The `&`-separated segments of a query whose decoded key is not one of the result's.
fn foreign_segments(query: &str) -> Vec<&str> {
    query
        .split('&')
        .filter(|seg| !seg.is_empty())
        .filter(|seg| {
            let key = url::form_urlencoded::parse(seg.as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            !matches!(key.as_str(), "status" | "connected_account_id" | "error")
        })
        .collect()
}

proptest! {
    /// What the server appends, the app parses back exactly.
    #[test]
    fn callback_result_round_trips(url in callback_url(), r in result()) {
        let with = r.append_to(&url).expect("a valid URL takes the result");
        prop_assert_eq!(CallbackResult::parse(&with).expect("parses"), r);
    }

    /// The app's own parameters survive byte for byte, in order, before the result; the
    /// scheme, host, path and fragment are untouched.
    #[test]
    fn callback_url_keeps_the_apps_parameters_verbatim(url in callback_url(), r in result()) {
        let before = url::Url::parse(&url).expect("valid");
        let after = url::Url::parse(&r.append_to(&url).expect("appends")).expect("valid");
        let kept = foreign_segments(before.query().unwrap_or("")).join("&");
        let query = after.query().unwrap_or("");
        prop_assert!(query.starts_with(&kept), "{query:?} does not start with {kept:?}");
        prop_assert_eq!(foreign_segments(query).join("&"), kept);
        prop_assert_eq!(after.fragment(), before.fragment());
        prop_assert_eq!(
            (after.scheme(), after.host_str(), after.port(), after.path()),
            (before.scheme(), before.host_str(), before.port(), before.path())
        );
    }

    /// Any string: an error or a result, never a panic; the last `status` wins.
    #[test]
    fn callback_parse_takes_anything(s in ".{0,80}", tail in vec(raw_segment(), 0..4)) {
        let _ = CallbackResult::parse(&s);
        let _ = validate_callback_url(&s);
        let url = format!("https://a.b/cb?{}", tail.join("&"));
        let last_status = url::form_urlencoded::parse(tail.join("&").as_bytes())
            .filter(|(k, _)| k == "status")
            .last()
            .map(|(_, v)| v.into_owned());
        match (CallbackResult::parse(&url), last_status) {
            (Ok(r), Some(s)) => prop_assert_eq!(r.status.as_str(), s.as_str()),
            (Err(e), None) => prop_assert!(e.to_string().contains("status")),
            (Err(e), Some(_)) => prop_assert!(e.to_string().contains("connected account id"), "{e}"),
            (Ok(r), None) => return Err(TestCaseError::fail(format!("no status, parsed {r:?}"))),
        }
    }

    /// Accepted callback URLs are absolute http(s) URLs with a host.
    #[test]
    fn validated_callback_urls_are_http_with_a_host(s in prop_oneof![".{0,40}", callback_url(),
            "(javascript|data|file|mailto|ftp):[ -~]{0,20}", "https?:/{0,3}[ -~]{0,20}"]) {
        if let Ok(u) = validate_callback_url(&s) {
            prop_assert!(matches!(u.scheme(), "http" | "https"), "{s}");
            prop_assert!(u.host().is_some(), "{s}");
        }
    }

    /// An id is accepted exactly when it has a non-blank character and no control
    /// character, and its JSON form is the plain string.
    #[test]
    fn ids_accept_exactly_printable_non_blank_strings(s in ".{0,20}") {
        let valid = !s.trim().is_empty() && !s.chars().any(char::is_control);
        prop_assert_eq!(UserId::new(s.clone()).is_ok(), valid);
        let json = serde_json::to_string(&s).expect("json");
        match serde_json::from_str::<ConnectedAccountId>(&json) {
            Ok(id) => {
                prop_assert!(valid);
                prop_assert_eq!(serde_json::to_string(&id).expect("json"), json);
            }
            Err(_) => prop_assert!(!valid),
        }
    }

    /// A list the SDK sends as one comma-joined parameter is the list the server reads.
    #[test]
    fn comma_lists_round_trip(items in vec("[^,\\s\\p{Cc}]([^,\\p{Cc}]{0,8}[^,\\s\\p{Cc}])?", 0..5)) {
        let mut q = Query::new();
        q.push_list("l", &items);
        let query = q.finish();
        let value = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "l")
            .map(|(_, v)| v.into_owned());
        prop_assert_eq!(split_list(value.as_deref()), items);
    }

    /// Any status string is kept as sent, and the known ones are recognised.
    #[test]
    fn connection_status_keeps_unknown_values(s in prop_oneof![".{0,12}",
            Just("ACTIVE".to_owned()), Just("INITIATED".to_owned()), Just("REVOKED".to_owned())]) {
        let json = serde_json::to_string(&s).expect("json");
        let status: ConnectionStatus = serde_json::from_str(&json).expect("any string is a status");
        prop_assert_eq!(serde_json::to_string(&status).expect("json"), json.clone());
        prop_assert_eq!(matches!(status, ConnectionStatus::Unknown(_)),
            !matches!(s.as_str(), "INITIALIZING" | "INITIATED" | "ACTIVE" | "FAILED" | "EXPIRED" | "INACTIVE" | "REVOKED"));
        let rt: ResultType = serde_json::from_str(&json).expect("any string is a result type");
        prop_assert_eq!(rt.as_str(), s.as_str());
    }
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::from),
            btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Fields a newer server may add: names none of the models declare.
fn unknown_fields() -> impl Strategy<Value = Map<String, Value>> {
    btree_map("x_[a-z_]{1,8}", json_value(), 0..3).prop_map(|m| m.into_iter().collect())
}

fn opt<T: Strategy>(s: T) -> impl Strategy<Value = Value>
where
    T::Value: Into<Value>,
{
    proptest::option::of(s).prop_map(|v| v.map_or(Value::Null, Into::into))
}

fn status_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("ACTIVE".to_owned()),
        Just("INITIATED".to_owned()),
        Just("FAILED".to_owned()),
        "[A-Z_]{1,10}",
    ]
}

fn account_json() -> impl Strategy<Value = Value> {
    (
        (
            text(),
            opt(text()),
            status_value(),
            opt(text()),
            any::<bool>(),
            text(),
        ),
        (
            proptest::option::of((text(), opt(text()), any::<bool>(), any::<bool>())),
            opt(text()),
            opt(text()),
            json_value(),
            unknown_fields(),
        ),
    )
        .prop_map(
            |(
                (id, user, status, reason, disabled, toolkit),
                (ac, created, updated, data, extra),
            )| {
                let mut v = json!({
                    "id": id, "user_id": user, "status": status, "status_reason": reason,
                    "is_disabled": disabled, "toolkit": {"slug": toolkit},
                    "created_at": created, "updated_at": updated, "data": data, "params": {},
                });
                if let Some((acid, scheme, managed, ac_disabled)) = ac {
                    v["auth_config"] = json!({"id": acid, "auth_scheme": scheme,
                        "is_composio_managed": managed, "is_disabled": ac_disabled});
                }
                extend(v, extra)
            },
        )
}

fn session_json() -> impl Strategy<Value = Value> {
    (
        text(),
        text(),
        vec(text(), 0..3),
        text(),
        any::<u32>(),
        proptest::option::of(prop_oneof![Just("enabled"), Just("disabled")]),
        btree_map("[a-z]{1,6}", text(), 0..3),
        (unknown_fields(), unknown_fields()),
    )
        .prop_map(
            |(sid, url, tools, user, version, filter, auth_configs, (extra, config_extra))| {
                let mut config = json!({"user_id": user, "auth_configs": auth_configs,
                    "preload": {"tools": tools.clone()},
                    "manage_connections": {"enabled": true, "callback_url": null,
                        "enable_wait_for_connections": false, "enable_connection_removal": true}});
                if let Some(f) = filter {
                    config["toolkits"] = json!({f: ["gmail"]});
                }
                let v = json!({"session_id": sid, "mcp": {"type": "http", "url": url},
                    "tool_router_tools": tools, "config": extend(config, config_extra),
                    "config_version": version});
                extend(v, extra)
            },
        )
}

fn tool_json() -> impl Strategy<Value = Value> {
    (
        text(),
        text(),
        json_value(),
        vec(text(), 0..3),
        any::<bool>(),
        unknown_fields(),
    )
        .prop_map(|(slug, name, params, tags, no_auth, extra)| {
            extend(
                json!({"slug": slug, "name": name, "description": name,
                "toolkit": {"slug": "composio", "name": "Composio"},
                "input_parameters": params, "output_parameters": {}, "no_auth": no_auth,
                "tags": tags, "is_deprecated": false}),
                extra,
            )
        })
}

fn toolkit_json() -> impl Strategy<Value = Value> {
    (
        text(),
        any::<bool>(),
        proptest::option::of((text(), status_value())),
        (unknown_fields(), unknown_fields()),
    )
        .prop_map(|(slug, no_auth, account, (extra, meta_extra))| {
            let mut v = json!({"name": slug, "slug": slug, "enabled": true, "is_no_auth": no_auth,
                "composio_managed_auth_schemes": ["OAUTH2"],
                "meta": extend(json!({"logo": "https://l/x", "description": "d"}), meta_extra)});
            if let Some((id, status)) = account {
                v["connected_account"] = json!({"id": id, "status": status, "user_id": "u",
                    "auth_config": {"id": "ac_1", "auth_scheme": "OAUTH2", "is_composio_managed": true}});
            }
            extend(v, extra)
        })
}

fn execute_json() -> impl Strategy<Value = Value> {
    (
        json_value(),
        opt(text()),
        any::<bool>(),
        opt(prop_oneof![
            Just("completed".to_owned()),
            Just("blocked".to_owned()),
            "[a-z_]{1,10}"
        ]),
        unknown_fields(),
    )
        .prop_map(|(data, error, ok, rt, extra)| {
            extend(
                json!({"data": data, "error": error, "successful": ok, "log_id": "log_1",
                "result_type": rt}),
                extra,
            )
        })
}

fn page_json<S: Strategy<Value = Value>>(item: S) -> impl Strategy<Value = Value> {
    (vec(item, 0..3), opt(text()), opt(any::<u32>())).prop_map(|(items, next, total)| {
        json!({"items": items, "next_cursor": next, "total_pages": total, "current_page": 1,
            "total_items": total})
    })
}

fn extend(mut v: Value, extra: Map<String, Value>) -> Value {
    if let Value::Object(o) = &mut v {
        o.extend(extra);
    }
    v
}

/// Decodes `v` as `T` (it must decode), re-encodes it, and checks that decoding that gives
/// the same value and that every field of `v` (known or not) is in the re-encoded object
/// with the same value (numbers to the last bit), except for nulls of optional fields and
/// empty collections, which may be left out.
fn round_trip<T>(v: &Value) -> Result<(), TestCaseError>
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    // Through text, as on the wire.
    let decoded: T = serde_json::from_str(&v.to_string())
        .map_err(|e| TestCaseError::fail(format!("{e}: {v}")))?;
    let text = serde_json::to_string(&decoded).expect("encodes");
    let again: T = serde_json::from_str(&text).expect("decodes again");
    let encoded: Value = serde_json::from_str(&text).expect("JSON");
    prop_assert_eq!(&again, &decoded);
    contains(v, &encoded)
}

/// Every field of `want` is in `got` with an equal value (recursively for objects).
fn contains(want: &Value, got: &Value) -> Result<(), TestCaseError> {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                match g.get(k) {
                    Some(gv) => contains(wv, gv)?,
                    // Nulls of optional fields and empty collections may be left out.
                    None => prop_assert!(
                        wv.is_null() || *wv == json!({}) || *wv == json!([]),
                        "`{k}` lost: {want} vs {got}"
                    ),
                }
            }
            Ok(())
        }
        (Value::Array(w), Value::Array(g)) => {
            prop_assert_eq!(w.len(), g.len(), "{} vs {}", want, got);
            w.iter().zip(g).try_for_each(|(w, g)| contains(w, g))
        }
        _ => {
            prop_assert_eq!(want, got);
            Ok(())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn connected_accounts_round_trip(v in account_json()) {
        round_trip::<ConnectedAccount>(&v)?;
        round_trip::<Page<ConnectedAccount>>(&json!({"items": [v]}))?;
    }

    #[test]
    fn sessions_round_trip(v in session_json()) {
        round_trip::<SessionResponse>(&v)?;
    }

    #[test]
    fn tools_and_toolkits_round_trip(t in page_json(tool_json()), k in page_json(toolkit_json())) {
        round_trip::<Page<Tool>>(&t)?;
        round_trip::<Page<SessionToolkit>>(&k)?;
    }

    #[test]
    fn execute_responses_round_trip(v in execute_json()) {
        round_trip::<ExecuteResponse>(&v)?;
    }

    /// Whatever JSON arrives, decoding answers with a value or an error, never a panic.
    #[test]
    fn any_json_decodes_or_fails_cleanly(v in json_value()) {
        let _ = serde_json::from_value::<ConnectedAccount>(v.clone());
        let _ = serde_json::from_value::<SessionResponse>(v.clone());
        let _ = serde_json::from_value::<Page<SessionToolkit>>(v.clone());
        let _ = serde_json::from_value::<ExecuteResponse>(v.clone());
        let _ = serde_json::from_value::<composio_core::ManageConnections>(v);
    }
}

/// Found by `execute_responses_round_trip`: without serde_json's `float_roundtrip`, a number
/// in a tool's result or an account's data came back one unit in the last place off.
#[test]
fn numbers_pass_through_to_the_last_bit() {
    for text in [
        "-8.101288588557433e-25",
        "-1.1325956275427293e-91",
        "-1.8229453330870345e+307",
    ] {
        let body = format!(r#"{{"data": {{"v": {text}}}, "successful": true}}"#);
        let r: ExecuteResponse = serde_json::from_str(&body).expect("decodes");
        let expected: f64 = text.parse().expect("a float");
        assert_eq!(r.data["v"].as_f64(), Some(expected), "{text}");
        let again: Value =
            serde_json::from_str(&serde_json::to_string(&r).expect("encodes")).expect("JSON");
        assert_eq!(again["data"]["v"].as_f64(), Some(expected), "{text}");
    }
}

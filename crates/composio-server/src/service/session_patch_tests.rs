//! The merge rules of docs/spec/wire-2026.md §19.1 and the strict keys of §19.3.

use serde_json::{json, Value};

use super::*;

fn stored() -> SessionConfig {
    serde_json::from_value(json!({
        "user_id": "user_123",
        "toolkits": {"enabled": ["gmail"]},
        "auth_configs": {"gmail": "ac_old", "github": "ac_gh"},
        "connected_accounts": {"gmail": ["ca_1"]},
        "manage_connections": {"enabled": true, "callback_url": "https://app.example.com/cb",
                               "enable_wait_for_connections": false,
                               "enable_connection_removal": true},
        "tools": {"gmail": {"disable": ["GMAIL_DELETE_MESSAGE"]}},
        "tags": {"enabled": ["readOnlyHint"], "disabled": []},
        "preload": {"tools": ["GMAIL_SEND_EMAIL"]},
        "multi_account": {"enable": true, "max_accounts_per_toolkit": 3},
        "experimental": {"permissions": {"a": 1}, "submit_feedback": {"enable": true}},
    }))
    .unwrap()
}

fn apply(body: Value) -> Result<Value, ApiError> {
    let patch = SessionPatch::parse(body)?;
    Ok(serde_json::to_value(merge(&stored(), &patch)?).unwrap())
}

fn errors(e: &ApiError) -> Vec<Value> {
    e.envelope().error.errors
}

#[test]
fn omitted_keys_are_kept() {
    let out = apply(json!({})).unwrap();
    assert_eq!(out, serde_json::to_value(stored()).unwrap());
    let out = apply(json!({"auth_configs": {"gmail": "ac_new"}})).unwrap();
    assert_eq!(out["toolkits"], json!({"enabled": ["gmail"]}));
    assert_eq!(
        out["tools"],
        json!({"gmail": {"disable": ["GMAIL_DELETE_MESSAGE"]}})
    );
    assert_eq!(out["user_id"], "user_123");
}

#[test]
fn maps_replace_the_stored_map() {
    let out = apply(json!({
        "auth_configs": {"gmail": "ac_new"},
        "connected_accounts": {"github": "ca_9"},
        "tools": {"github": {"enable": ["GITHUB_GET_REPO"]}},
    }))
    .unwrap();
    assert_eq!(
        out["auth_configs"],
        json!({"gmail": "ac_new"}),
        "github is gone"
    );
    assert_eq!(out["connected_accounts"], json!({"github": ["ca_9"]}));
    assert_eq!(
        out["tools"],
        json!({"github": {"enable": ["GITHUB_GET_REPO"]}})
    );
}

#[test]
fn null_policy_blocks_remove_the_override() {
    let out = apply(json!({"toolkits": null, "tools": null, "tags": null,
                            "auth_configs": null, "multi_account": null,
                            "experimental": null, "preload": null}))
    .unwrap();
    for k in [
        "toolkits",
        "tools",
        "tags",
        "auth_configs",
        "multi_account",
        "experimental",
    ] {
        assert!(out.get(k).is_none(), "{k} removed: {out}");
    }
    assert_eq!(out["preload"], json!({"tools": []}));
    let out = apply(json!({"manage_connections": null})).unwrap();
    assert_eq!(
        out["manage_connections"],
        json!({"enabled": true, "callback_url": null, "enable_wait_for_connections": false,
               "enable_connection_removal": true})
    );
}

#[test]
fn an_empty_enable_list_denies_every_toolkit_and_is_kept() {
    let out = apply(json!({"toolkits": {"enable": []}})).unwrap();
    assert_eq!(out["toolkits"], json!({"enabled": []}));
    let out = apply(json!({"toolkits": {"disable": ["slack"]}})).unwrap();
    assert_eq!(out["toolkits"], json!({"disabled": ["slack"]}));
}

#[test]
fn objects_merge_key_by_key_and_null_removes_one_key() {
    let out = apply(json!({"manage_connections": {"callback_url": null,
                                                    "enable_wait_for_connections": true}}))
    .unwrap();
    assert_eq!(
        out["manage_connections"],
        json!({"enabled": true, "callback_url": null, "enable_wait_for_connections": true,
               "enable_connection_removal": true})
    );
    let out = apply(json!({"multi_account": {"max_accounts_per_toolkit": 4,
                                               "require_explicit_selection": true}}))
    .unwrap();
    assert_eq!(
        out["multi_account"],
        json!({"enable": true, "max_accounts_per_toolkit": 4, "require_explicit_selection": true})
    );
    let out = apply(json!({"multi_account": {"max_accounts_per_toolkit": null}})).unwrap();
    assert_eq!(out["multi_account"], json!({"enable": true}));
    let out =
        apply(json!({"experimental": {"permissions": {"b": 2}, "submit_feedback": null}})).unwrap();
    assert_eq!(
        out["experimental"],
        json!({"permissions": {"b": 2}}),
        "sub-block replaced"
    );
}

#[test]
fn manage_connections_takes_a_bool() {
    let out = apply(json!({"manage_connections": false})).unwrap();
    assert_eq!(out["manage_connections"]["enabled"], false);
    assert_eq!(
        out["manage_connections"]["callback_url"], "https://app.example.com/cb",
        "other keys kept"
    );
}

#[test]
fn instant_is_false_or_an_object_never_null() {
    assert_eq!(apply(json!({"instant": false})).unwrap()["instant"], false);
    let on = json!({"return_instant_charge": true, "return_prices_in_search": false});
    assert_eq!(
        apply(json!({"instant": on.clone()})).unwrap()["instant"],
        on
    );
    for bad in [json!(null), json!(true), json!(3)] {
        let e = apply(json!({ "instant": bad })).unwrap_err();
        assert_eq!(e.status.as_u16(), 400);
        assert_eq!(e.slug, "HTTP_BadRequest");
    }
}

#[test]
fn unknown_keys_are_a_400_naming_them() {
    let e = apply(json!({"enabled_toolkits": ["gmail"]})).unwrap_err();
    assert_eq!(e.status.as_u16(), 400);
    assert_eq!(e.slug, "HTTP_BadRequest");
    assert_eq!(e.envelope().error.code, 10400);
    assert_eq!(
        errors(&e),
        ["Unrecognized key(s) in object: 'enabled_toolkits'"]
    );
    let e = apply(json!({"user_id": "someone_else"})).unwrap_err();
    assert_eq!(errors(&e), ["Unrecognized key(s) in object: 'user_id'"]);
    let e = apply(json!({"toolkits": {"enabled": ["gmail"]}})).unwrap_err();
    assert_eq!(errors(&e), ["Unrecognized key(s) in object: 'enabled'"]);
    let e = apply(json!({"manage_connections": {"enabled": true}})).unwrap_err();
    assert_eq!(errors(&e), ["Unrecognized key(s) in object: 'enabled'"]);
    assert!(apply(json!([1])).is_err());
}

#[test]
fn expected_config_version_is_a_positive_integer() {
    let p = SessionPatch::parse(json!({"expected_config_version": 3})).unwrap();
    assert_eq!(p.expected_config_version, Some(3));
    for bad in [json!(0), json!(-1), json!("3"), json!(1.5), json!(true)] {
        let e = SessionPatch::parse(json!({ "expected_config_version": bad })).unwrap_err();
        assert_eq!(
            errors(&e),
            ["Error in payload.expected_config_version: must be a positive integer"]
        );
    }
}

#[test]
fn max_accounts_per_toolkit_is_between_2_and_10() {
    for bad in [1, 11] {
        let e = apply(json!({"multi_account": {"max_accounts_per_toolkit": bad}})).unwrap_err();
        assert_eq!(
            e.message,
            "multi_account.max_accounts_per_toolkit must be between 2 and 10"
        );
    }
    let e = apply(json!({"multi_account": {"maximum": 3}})).unwrap_err();
    assert_eq!(errors(&e), ["Unrecognized key(s) in object: 'maximum'"]);
    assert!(apply(json!({"multi_account": {"enable": "yes"}})).is_err());
}

#[test]
fn session_config_id_cannot_be_combined_with_filters() {
    for k in ["toolkits", "tools", "tags"] {
        let mut body = json!({"experimental": {"session_config_id": "sc_1"}});
        body[k] = Value::Null;
        let e = apply(body).unwrap_err();
        assert_eq!(e.status.as_u16(), 400, "{k}");
    }
    assert!(apply(json!({"experimental": {"session_config_id": "sc_1"}})).is_ok());
}

#[test]
fn other_blocks_replace_and_proxy_execute_takes_a_bool() {
    let out = apply(json!({"proxy_execute": true, "search": {"enable": false},
                            "workbench": {"enable": false}, "hooks": [{"on": "x"}]}))
    .unwrap();
    assert_eq!(out["proxy_execute"], json!({"enable": true}));
    assert_eq!(out["search"], json!({"enable": false}));
    assert_eq!(out["workbench"], json!({"enable": false}));
    assert_eq!(out["hooks"], json!([{"on": "x"}]));
    assert!(apply(json!({"search": 1})).is_err());
    assert!(apply(json!({"hooks": {}})).is_err());
}

#[test]
fn echo_defaults_fill_only_what_is_missing() {
    let c = with_echo_defaults(&stored());
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["instant"], false);
    assert_eq!(v["search"], json!({"enable": true}));
    assert_eq!(v["execute"], json!({"enable_multi_execute": true}));
    let patched = merge(
        &stored(),
        &SessionPatch::parse(json!({"search": {"enable": false}})).unwrap(),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(with_echo_defaults(&patched)).unwrap()["search"],
        json!({"enable": false})
    );
}

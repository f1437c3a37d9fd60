use serde_json::json;

use super::schema::check;
use super::*;
use crate::catalog::Catalog;

fn tool(slug: &str) -> ToolDef {
    Catalog::builtin().unwrap().tool(slug).unwrap().1.clone()
}

#[test]
fn every_builtin_oauth_toolkit_has_a_tool() {
    let c = Catalog::builtin().unwrap();
    for tk in c.iter() {
        assert!(!tk.tools.is_empty(), "{} has no tools", tk.slug);
    }
    assert_eq!(c.tool("gmail_fetch_emails").unwrap().0.slug, "gmail");
    assert_eq!(
        c.closest_tool("GMAIL_FETCH_EMAIL"),
        Some("GMAIL_FETCH_EMAILS")
    );
}

#[test]
fn schema_comes_from_params() {
    let s = tool("GMAIL_FETCH_EMAILS").input_schema();
    assert_eq!(s["type"], "object");
    assert_eq!(s["properties"]["max_results"]["type"], "integer");
    assert_eq!(s["properties"]["max_results"]["default"], 10);
    assert_eq!(s["properties"]["label_ids"]["items"]["type"], "string");
    assert_eq!(
        tool("SERPAPI_SEARCH").input_schema()["required"],
        json!(["query"])
    );
}

#[test]
fn builds_path_query_headers_and_body() {
    let t = tool("GMAIL_FETCH_EMAILS");
    let args = check(
        &t.input_schema(),
        &json!({"query": "newer_than:1d is:unread", "label_ids": ["INBOX", "UNREAD"]}),
    )
    .unwrap();
    let call = t.build(&args).unwrap();
    assert_eq!(call.method, reqwest::Method::GET);
    assert_eq!(
        call.url.as_str(),
        "https://gmail.googleapis.com/gmail/v1/users/me/messages?q=newer_than%3A1d+is%3Aunread&maxResults=10&labelIds=INBOX%2CUNREAD"
    );
    let t = tool("GMAIL_GET_PROFILE");
    let args = check(&t.input_schema(), &json!({"user_id": "a b/c@x.com"})).unwrap();
    assert_eq!(
        t.build(&args).unwrap().url.path(),
        "/gmail/v1/users/a%20b%2Fc@x.com/profile"
    );
    let t = tool("NOTION_GET_ME");
    let call = t
        .build(&check(&t.input_schema(), &json!({})).unwrap())
        .unwrap();
    assert!(call
        .headers
        .contains(&("Notion-Version".to_owned(), "2022-06-28".to_owned())));
    let t = tool("LINEAR_GET_VIEWER");
    let call = t
        .build(&check(&t.input_schema(), &json!(null)).unwrap())
        .unwrap();
    assert_eq!(call.method, reqwest::Method::POST);
    assert!(call.body.unwrap()["query"]
        .as_str()
        .unwrap()
        .contains("viewer"));
    let t = tool("HACKERNEWS_GET_ITEM");
    let call = t
        .build(&check(&t.input_schema(), &json!({"id": 8863})).unwrap())
        .unwrap();
    assert_eq!(
        call.url.as_str(),
        "https://hacker-news.firebaseio.com/v0/item/8863.json"
    );
}

#[test]
fn body_and_header_params() {
    let t: ToolDef = toml::from_str(
        r#"slug = "ACME_CREATE"
name = "Create"
method = "POST"
url = "https://acme.test/v1/{org}/things"
body = { kind = "thing" }
params = [
  { name = "org", in = "path", required = true },
  { name = "title", in = "body", required = true },
  { name = "count", type = "integer", in = "body", as = "n" },
  { name = "trace", in = "header", as = "X-Trace" },
]"#,
    )
    .unwrap();
    t.validate().unwrap();
    let args = check(
        &t.input_schema(),
        &json!({"org": "o1", "title": "T", "count": 2, "trace": "abc"}),
    )
    .unwrap();
    let call = t.build(&args).unwrap();
    assert_eq!(call.url.as_str(), "https://acme.test/v1/o1/things");
    assert_eq!(
        call.body,
        Some(json!({"kind": "thing", "title": "T", "n": 2}))
    );
    assert!(call
        .headers
        .contains(&("X-Trace".to_owned(), "abc".to_owned())));
}

#[test]
fn arguments_are_checked() {
    let s = tool("SERPAPI_SEARCH").input_schema();
    assert_eq!(
        check(&s, &json!({})).unwrap_err(),
        "missing required argument `query`"
    );
    assert_eq!(
        check(&s, &json!({"query": 5})).unwrap_err(),
        "argument `query` must be of type string, got integer"
    );
    assert!(check(&s, &json!({"query": "x", "bogus": 1}))
        .unwrap_err()
        .starts_with("unknown argument `bogus`"));
    assert!(check(&s, &json!([1])).unwrap_err().contains("JSON object"));
    let s = tool("GOOGLECALENDAR_LIST_EVENTS").input_schema();
    assert!(check(&s, &json!({"order_by": "nope"}))
        .unwrap_err()
        .contains("must be one of"));
    let s = tool("GMAIL_FETCH_EMAILS").input_schema();
    assert!(check(&s, &json!({"label_ids": [1]}))
        .unwrap_err()
        .contains("items of `label_ids`"));
}

#[test]
fn bad_declarations_are_rejected() {
    let parse = |extra: &str| -> Result<(), String> {
        let t: ToolDef = toml::from_str(&format!(
            "slug = \"ACME_X\"\nname = \"X\"\nurl = \"https://acme.test/{{id}}\"\n{extra}"
        ))
        .map_err(|e| e.to_string())?;
        t.validate()
    };
    assert!(parse("params = [{ name = \"id\", in = \"path\", required = true }]").is_ok());
    assert!(parse("").unwrap_err().contains("placeholder"));
    assert!(parse("params = [{ name = \"id\", in = \"path\" }]")
        .unwrap_err()
        .contains("required or have a default"));
    assert!(parse(
        "method = \"G ET\"\nparams = [{ name = \"id\", in = \"path\", required = true }]"
    )
    .unwrap_err()
    .contains("invalid method"));
    assert!(
        parse("params = [{ name = \"id\", type = \"date\", in = \"path\", required = true }]")
            .unwrap_err()
            .contains("unknown type")
    );
}

#[test]
fn user_toolkits_declare_tools_in_the_config_file() {
    let mut c = Catalog::builtin().unwrap();
    let extra = Catalog::parse(
        r#"[[toolkits]]
slug = "acme"
name = "Acme"
auth_scheme = "API_KEY"
fields = [{ name = "api_key" }]
credential = { in = "header", name = "X-Api-Key" }

[[toolkits.tools]]
slug = "ACME_PING"
name = "Ping"
url = "https://acme.test/ping"
"#,
    )
    .unwrap();
    c.extend(extra.iter().cloned().collect()).unwrap();
    let (tk, t) = c.tool("ACME_PING").unwrap();
    assert_eq!(tk.slug, "acme");
    assert_eq!(t.method, "GET");
    assert_eq!(tk.credential.as_ref().unwrap().prefix, "");
    // A tool slug may not be declared by two toolkits.
    let dup = Catalog::parse(
        "[[toolkits]]\nslug = \"other\"\nname = \"O\"\nauth_scheme = \"NO_AUTH\"\n\
         [[toolkits.tools]]\nslug = \"ACME_PING\"\nname = \"P\"\nurl = \"https://o.test/\"\n",
    )
    .unwrap();
    assert!(c.extend(dup.iter().cloned().collect()).is_err());
}

#[test]
fn sandbox_urls_mirror_provider_paths() {
    let real =
        url::Url::parse("https://gmail.googleapis.com/gmail/v1/users/me/messages?q=x").unwrap();
    let u = exec::sandbox_url("http://127.0.0.1:9", "gmail", &real).unwrap();
    assert_eq!(
        u.as_str(),
        "http://127.0.0.1:9/sandbox/api/gmail/gmail/v1/users/me/messages?q=x"
    );
}

fn acme(url: &str, params: &str) -> ToolDef {
    let t: ToolDef = toml::from_str(&format!(
        "slug = \"ACME_X\"\nname = \"X\"\nurl = \"{url}\"\nparams = [{params}]"
    ))
    .unwrap();
    t.validate().unwrap();
    t
}

fn build(t: &ToolDef, args: serde_json::Value) -> Result<HttpCall, String> {
    t.build(&check(&t.input_schema(), &args).unwrap())
}

#[test]
fn path_parameters_stay_one_segment() {
    let t = acme(
        "https://acme.test/v1/users/{id}/profile",
        "{ name = \"id\", in = \"path\", required = true }",
    );
    for bad in ["..", ".", ""] {
        let e = build(&t, json!({ "id": bad })).unwrap_err();
        assert!(e.contains("`id`"), "{bad:?}: {e}");
    }
    assert!(build(&t, json!({"id": ".\n."}))
        .unwrap_err()
        .contains("control characters"));
    let cases = [
        ("../admin", "/v1/users/..%2Fadmin/profile"),
        ("..\\admin", "/v1/users/..%5Cadmin/profile"),
        ("a?b#c", "/v1/users/a%3Fb%23c/profile"),
        ("%2e%2e", "/v1/users/%252e%252e/profile"),
        ("...", "/v1/users/.../profile"),
    ];
    for (arg, path) in cases {
        let call = build(&t, json!({ "id": arg })).unwrap();
        assert_eq!(call.url.path(), path, "{arg:?}");
        assert_eq!(call.url.host_str(), Some("acme.test"));
        assert_eq!(call.url.query(), None, "{arg:?}");
    }
    // A placeholder inside a segment.
    let t = acme(
        "https://acme.test/item/{id}.json",
        "{ name = \"id\", in = \"path\", required = true }",
    );
    assert_eq!(
        build(&t, json!({"id": "../x"})).unwrap().url.path(),
        "/item/..%2Fx.json"
    );
    // The sandbox mirror keeps each provider segment one segment.
    let real = build(&t, json!({"id": "../x"})).unwrap().url;
    let u = exec::sandbox_url("http://127.0.0.1:9/base/", "acme", &real).unwrap();
    assert_eq!(u.path(), "/base/sandbox/api/acme/item/..%2Fx.json");
}

#[test]
fn query_and_header_parameters_cannot_break_out() {
    let t = acme(
        "https://acme.test/search",
        "{ name = \"q\", in = \"query\" }, { name = \"trace\", in = \"header\", as = \"X-Trace\" }",
    );
    let call = build(&t, json!({"q": "a&admin=1#x"})).unwrap();
    assert_eq!(call.url.query(), Some("q=a%26admin%3D1%23x"));
    let pairs: Vec<_> = call.url.query_pairs().collect();
    assert_eq!(pairs.len(), 1);
    for bad in ["a\r\nX-Admin: 1", "a\nb", "a\0b"] {
        assert!(build(&t, json!({ "trace": bad }))
            .unwrap_err()
            .contains("header value"));
    }
    let bad: ToolDef = toml::from_str(
        "slug = \"ACME_X\"\nname = \"X\"\nurl = \"https://acme.test/\"\n\
         params = [{ name = \"t\", in = \"header\", as = \"X Bad\" }]",
    )
    .unwrap();
    assert!(bad.validate().unwrap_err().contains("invalid header name"));
}

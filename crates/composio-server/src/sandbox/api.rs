//! The sandbox's mirror of provider APIs: `/sandbox/api/<toolkit>/<provider path>` answers the
//! calls of the built-in app tools with realistic fake data for the stable identity of the
//! token's subject (see [`super::sandbox_identity`]). Every call needs an unexpired access
//! token issued by the sandbox, as `Authorization: Bearer …`.
//!
//! One deliberate difference: Gmail's `messages` list inlines each message's metadata
//! (`snippet`, `payload.headers`), as Composio's `GMAIL_FETCH_EMAILS` does, so one call is
//! enough to summarize emails.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::OffsetDateTime;

use super::{sandbox_identity, subject, Denied};
use crate::state::SharedState;

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": status.as_u16(), "message": message}})),
    )
        .into_response()
}

/// `ANY /sandbox/api/{toolkit}/{*path}`.
pub(super) async fn call(
    State(state): State<SharedState>,
    Path((toolkit, path)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !state.config.sandbox {
        return error(StatusCode::NOT_FOUND, "The sandbox is off.");
    }
    let sub = match subject(&state, &headers).await {
        Ok(s) => s,
        Err(Denied::Token(why)) => return error(StatusCode::UNAUTHORIZED, why),
        Err(Denied::Store(e)) => {
            tracing::warn!(error = %e, "sandbox API: storage failed");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The sandbox cannot reach its database; retry shortly.",
            );
        }
    };
    let q: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let who = Identity::of(&sub);
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (toolkit.as_str(), method.as_str(), segs.as_slice()) {
        ("gmail", "GET", ["gmail", "v1", "users", user, rest @ ..]) => {
            if *user != "me" && *user != who.email {
                return error(StatusCode::FORBIDDEN, "Delegation denied for this user.");
            }
            match rest {
                ["profile"] => Json(json!({"emailAddress": who.email, "messagesTotal": 3,
                    "threadsTotal": 3, "historyId": "4102"}))
                .into_response(),
                ["messages"] => Json(gmail_messages(&who, &q)).into_response(),
                _ => not_found(&path),
            }
        }
        ("googlecalendar", "GET", ["calendar", "v3", "calendars", _, "events"]) => {
            Json(calendar_events(&who, &q)).into_response()
        }
        ("github", "GET", ["user"]) => Json(json!({
            "login": who.login, "id": 1_000_001, "type": "User", "name": who.name,
            "email": who.email, "public_repos": 3, "followers": 5, "following": 2,
            "html_url": format!("https://github.com/{}", who.login),
            "created_at": "2020-01-01T00:00:00Z"}))
        .into_response(),
        ("slack", "POST", ["api", "auth.test"]) => Json(json!({
            "ok": true, "url": "https://sandbox-workspace.slack.com/", "team": "Sandbox Workspace",
            "user": who.login, "team_id": "T0SANDBOX", "user_id": "U0SANDBOX"}))
        .into_response(),
        ("notion", "GET", ["v1", "users", "me"]) => {
            if !headers.contains_key("notion-version") {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Notion-Version header failed validation: it is required.",
                );
            }
            Json(
                json!({"object": "user", "id": "9a3b5f0e-0000-4000-8000-000000000001",
                "type": "bot", "name": "Composio (sandbox)",
                "bot": {"owner": {"type": "user", "user": {"object": "user", "type": "person",
                    "name": who.name, "person": {"email": who.email}}},
                    "workspace_name": "Sandbox Workspace"}}),
            )
            .into_response()
        }
        ("linear", "POST", ["graphql"]) => {
            let query: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let text = query.get("query").and_then(Value::as_str).unwrap_or("");
            if text.contains("viewer") {
                Json(
                    json!({"data": {"viewer": {"id": "usr_sandbox_1", "name": who.name,
                    "email": who.email}}}),
                )
                .into_response()
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"errors": [{"message": "The sandbox only answers `viewer` queries."}]})),
                )
                    .into_response()
            }
        }
        _ => not_found(&path),
    }
}

fn not_found(path: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("The sandbox does not mirror `/{path}` for this method."),
    )
}

struct Identity {
    email: String,
    name: String,
    login: String,
}

impl Identity {
    fn of(subject: &str) -> Self {
        let (email, name) = sandbox_identity(subject);
        let login = email.split('@').next().unwrap_or_default().to_owned();
        Self { email, name, login }
    }
}

fn ago(minutes: i64) -> OffsetDateTime {
    // "From today": minutes before now, but never before today's midnight (UTC).
    let now = OffsetDateTime::now_utc();
    let midnight = now.replace_time(time::Time::MIDNIGHT);
    (now - time::Duration::minutes(minutes)).max(midnight)
}

fn gmail_messages(who: &Identity, q: &std::collections::HashMap<String, String>) -> Value {
    let samples = [
        ("alice@example.com", "Alice Chen", "Q3 roadmap review moved to Thursday",
         "Hi! The roadmap review is now Thursday at 2pm; please bring your team's top three priorities.", 25, true),
        ("billing@cloudhost.example", "CloudHost Billing", "Your invoice for this month is ready",
         "Your invoice of $42.00 is available. Payment will be charged automatically on the 1st.", 95, false),
        ("bob@example.com", "Bob Martins", "Lunch tomorrow?",
         "Want to grab lunch tomorrow around 12:30 at the new ramen place?", 180, true),
    ];
    let unread_only = q.get("q").is_some_and(|s| s.contains("is:unread"));
    let max = q
        .get("maxResults")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(100);
    let messages: Vec<Value> = samples
        .iter()
        .enumerate()
        .filter(|(_, s)| !unread_only || s.5)
        .take(max)
        .map(|(i, (from, from_name, subject, snippet, minutes, unread))| {
            let at = ago(*minutes);
            let mut labels = vec!["INBOX"];
            if *unread {
                labels.push("UNREAD");
            }
            json!({
                "id": format!("18f{:013x}", 0x5a1d_0000 + i), "threadId": format!("18f{:013x}", 0x7a1d_0000 + i),
                "labelIds": labels, "snippet": snippet,
                "internalDate": (at.unix_timestamp() * 1000).to_string(),
                "payload": {"mimeType": "text/plain", "headers": [
                    {"name": "From", "value": format!("{from_name} <{from}>")},
                    {"name": "To", "value": who.email},
                    {"name": "Subject", "value": subject},
                    {"name": "Date", "value": at.format(&Rfc2822).unwrap_or_default()},
                ]},
            })
        })
        .collect();
    json!({"resultSizeEstimate": messages.len(), "messages": messages})
}

fn calendar_events(who: &Identity, q: &std::collections::HashMap<String, String>) -> Value {
    let today = OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT);
    let events = [
        ("Team standup", 9, 15),
        ("Roadmap review", 14, 60),
        ("1:1 with Alice", 16, 30),
    ];
    let max = q
        .get("maxResults")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(250);
    let items: Vec<Value> = events
        .iter()
        .enumerate()
        .take(max)
        .map(|(i, (summary, hour, minutes))| {
            let start = today + time::Duration::hours(*hour);
            let end = start + time::Duration::minutes(*minutes);
            json!({"kind": "calendar#event", "id": format!("sbxevt{i}"), "status": "confirmed",
                "summary": summary, "organizer": {"email": who.email, "self": true},
                "start": {"dateTime": start.format(&Rfc3339).unwrap_or_default()},
                "end": {"dateTime": end.format(&Rfc3339).unwrap_or_default()}})
        })
        .collect();
    json!({"kind": "calendar#events", "summary": who.email, "timeZone": "UTC", "items": items})
}

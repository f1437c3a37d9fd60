//! The sandbox OAuth 2.0 provider (authorization code + PKCE S256 + refresh tokens) served
//! by the server itself under `/sandbox/…`, and [`Browser`], a scripted user for it.
//!
//! With sandbox mode on, every OAuth toolkit without configured client credentials uses this
//! provider, so the whole Connect Link flow runs offline. The server exchanges codes with it
//! over real (loopback) HTTP, exactly as with a real provider.

mod api;
mod browser;

pub use browser::{Browser, BrowserError};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use crate::clock::SharedClock;
use crate::crypto::pkce_s256;
use crate::pages;
use crate::state::SharedState;

/// Client id the server uses with the sandbox provider.
pub const SANDBOX_CLIENT_ID: &str = "composio-sandbox";
/// Client secret the server uses with the sandbox provider (not a real secret).
pub const SANDBOX_CLIENT_SECRET: &str = "composio-sandbox-secret";

struct Grant {
    redirect_uri: String,
    challenge: Option<String>,
    subject: String,
    scope: String,
    expires_at: i64,
}

#[derive(Default)]
struct Inner {
    codes: HashMap<String, Grant>,
    /// access token -> (subject, expiry ms)
    access: HashMap<String, (String, i64)>,
    /// refresh token -> (subject, scope)
    refresh: HashMap<String, (String, String)>,
}

/// In-memory state of the sandbox provider (codes and tokens do not survive a restart).
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Mutex<Inner>>,
    token_ttl: Duration,
    clock: SharedClock,
}

impl std::fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SandboxState(<redacted>)")
    }
}

impl SandboxState {
    pub(crate) fn new(token_ttl: Duration, clock: SharedClock) -> Self {
        Self {
            inner: Arc::default(),
            token_ttl,
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn expire_access_tokens(&self) {
        for v in self.lock().access.values_mut() {
            v.1 = 0;
        }
    }

    pub(crate) fn revoke_refresh_tokens(&self) {
        self.lock().refresh.clear();
    }

    fn issue(&self, subject: &str, scope: &str, refresh: Option<String>) -> serde_json::Value {
        let access = crate::ids::sandbox_token("at");
        let refresh = refresh.unwrap_or_else(|| crate::ids::sandbox_token("rt"));
        let expires = crate::clock::after(self.clock.now_ms(), self.token_ttl);
        let mut inner = self.lock();
        inner
            .access
            .insert(access.clone(), (subject.to_owned(), expires));
        inner
            .refresh
            .insert(refresh.clone(), (subject.to_owned(), scope.to_owned()));
        json!({"access_token": access, "token_type": "bearer", "expires_in": self.token_ttl.as_secs().max(1),
               "refresh_token": refresh, "scope": scope})
    }
}

/// The stable fake identity of a sandbox subject.
pub fn sandbox_identity(subject: &str) -> (String, String) {
    let local: String = subject
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    (
        format!("{local}@sandbox.composio.local"),
        format!("Sandbox User {subject}"),
    )
}

pub(crate) fn routes() -> Router<SharedState> {
    Router::new()
        .route(
            "/sandbox/oauth/authorize",
            get(authorize_page).post(authorize_decision),
        )
        .route("/sandbox/oauth/token", post(token))
        .route("/sandbox/userinfo", get(userinfo))
        .route("/sandbox/api/{toolkit}/{*path}", any(api::call))
}

fn form(bytes: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

fn disabled() -> Response {
    pages::message(
        StatusCode::NOT_FOUND,
        "not_found",
        "Sandbox is off",
        "This server does not run the sandbox provider.",
    )
}

fn bad_authorize(text: &str) -> Response {
    pages::message(
        StatusCode::BAD_REQUEST,
        "failed",
        "Invalid authorization request",
        text,
    )
}

/// Validates authorize parameters; the error text for a page.
fn check_authorize(p: &HashMap<String, String>) -> Result<(), &'static str> {
    if p.get("response_type").map(String::as_str) != Some("code") {
        return Err("response_type must be `code`.");
    }
    if p.get("client_id").map(String::as_str) != Some(SANDBOX_CLIENT_ID) {
        return Err("Unknown client_id.");
    }
    let redirect = p.get("redirect_uri").ok_or("redirect_uri is required.")?;
    let url = url::Url::parse(redirect).map_err(|_| "redirect_uri is not a URL.")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("redirect_uri must be http or https.");
    }
    if p.contains_key("code_challenge")
        && p.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        return Err("Only the S256 code_challenge_method is supported.");
    }
    Ok(())
}

async fn authorize_page(State(state): State<SharedState>, uri: Uri) -> Response {
    if !state.config.sandbox {
        return disabled();
    }
    let p = form(uri.query().unwrap_or("").as_bytes());
    if let Err(e) = check_authorize(&p) {
        return bad_authorize(e);
    }
    let keys = [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
        "login_hint",
    ];
    let fields: Vec<(&str, &str)> = keys
        .iter()
        .filter_map(|k| p.get(*k).map(|v| (*k, v.as_str())))
        .collect();
    let login = p
        .get("login_hint")
        .map(String::as_str)
        .unwrap_or("sandbox-user");
    pages::consent_page(
        "composio-server",
        login,
        p.get("scope").map(String::as_str).unwrap_or(""),
        &fields,
    )
}

fn redirect_with(base: &str, pairs: &[(&str, &str)]) -> Response {
    let mut url = match url::Url::parse(base) {
        Ok(u) => u,
        Err(_) => return bad_authorize("redirect_uri is not a URL."),
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, url.to_string())]).into_response()
}

async fn authorize_decision(State(state): State<SharedState>, body: Bytes) -> Response {
    if !state.config.sandbox {
        return disabled();
    }
    let p = form(&body);
    if let Err(e) = check_authorize(&p) {
        return bad_authorize(e);
    }
    let redirect = p.get("redirect_uri").cloned().unwrap_or_default();
    let st = p.get("state").cloned().unwrap_or_default();
    if p.get("decision").map(String::as_str) != Some("approve") {
        return redirect_with(
            &redirect,
            &[
                ("error", "access_denied"),
                ("error_description", "The user denied access"),
                ("state", &st),
            ],
        );
    }
    let code = crate::ids::sandbox_token("code");
    state.sandbox.lock().codes.insert(
        code.clone(),
        Grant {
            redirect_uri: redirect.clone(),
            challenge: p.get("code_challenge").cloned(),
            subject: p
                .get("login_hint")
                .cloned()
                .unwrap_or_else(|| "sandbox-user".to_owned()),
            scope: p.get("scope").cloned().unwrap_or_default(),
            expires_at: state.clock.now_ms() + 60_000,
        },
    );
    redirect_with(&redirect, &[("code", &code), ("state", &st)])
}

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn client_ok(headers: &HeaderMap, p: &HashMap<String, String>) -> bool {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let (id, secret) = match &basic {
        Some(pair) => match pair.split_once(':') {
            Some((i, s)) => (
                url::form_urlencoded::parse(format!("a={i}").as_bytes())
                    .next()
                    .map(|x| x.1.into_owned())
                    .unwrap_or_default(),
                url::form_urlencoded::parse(format!("a={s}").as_bytes())
                    .next()
                    .map(|x| x.1.into_owned())
                    .unwrap_or_default(),
            ),
            None => return false,
        },
        None => (
            p.get("client_id").cloned().unwrap_or_default(),
            p.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    id == SANDBOX_CLIENT_ID && secret == SANDBOX_CLIENT_SECRET
}

async fn token(State(state): State<SharedState>, headers: HeaderMap, body: Bytes) -> Response {
    if !state.config.sandbox {
        return token_error(StatusCode::NOT_FOUND, "invalid_request", "sandbox is off");
    }
    let p = form(&body);
    if !client_ok(&headers, &p) {
        return token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    }
    match p.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = p.get("code").cloned().unwrap_or_default();
            let Some(grant) = state.sandbox.lock().codes.remove(&code) else {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown or used code",
                );
            };
            if grant.expires_at < state.clock.now_ms() {
                return token_error(StatusCode::BAD_REQUEST, "invalid_grant", "code expired");
            }
            if p.get("redirect_uri") != Some(&grant.redirect_uri) {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match",
                );
            }
            if let Some(challenge) = &grant.challenge {
                let ok = p
                    .get("code_verifier")
                    .is_some_and(|v| &pkce_s256(v) == challenge);
                if !ok {
                    return token_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "PKCE verification failed",
                    );
                }
            }
            Json(state.sandbox.issue(&grant.subject, &grant.scope, None)).into_response()
        }
        Some("refresh_token") => {
            let rt = p.get("refresh_token").cloned().unwrap_or_default();
            let known = state.sandbox.lock().refresh.get(&rt).cloned();
            match known {
                Some((subject, scope)) => {
                    Json(state.sandbox.issue(&subject, &scope, Some(rt))).into_response()
                }
                None => token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown or revoked refresh token",
                ),
            }
        }
        _ => token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "use authorization_code or refresh_token",
        ),
    }
}

async fn userinfo(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    match api::subject(&state, &headers) {
        Ok(subject) => {
            let (email, name) = sandbox_identity(&subject);
            Json(json!({"sub": subject, "email": email, "email_verified": true, "name": name}))
                .into_response()
        }
        Err(_) => token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "unknown or expired access token",
        ),
    }
}

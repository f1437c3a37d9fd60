//! The sandbox OAuth 2.0 provider (authorization code + PKCE S256 + refresh tokens) served
//! by the server itself under `/sandbox/…`, and [`Browser`], a scripted user for it.
//!
//! With sandbox mode on, every OAuth toolkit without configured client credentials uses this
//! provider, so the whole Connect Link flow runs offline. The server exchanges codes with it
//! over real (loopback) HTTP, exactly as with a real provider.
//!
//! It is as strict as a provider should be, since it is where people learn OAuth: the one
//! registered redirect URI is the server's own `<public_url>/oauth/callback`, PKCE with S256
//! is required, codes are single-use and live 60 s, refresh tokens rotate on every refresh
//! and presenting a rotated one revokes the whole grant (RFC 9700), and tokens can be revoked
//! (RFC 7009, `POST /sandbox/oauth/revoke`). Codes, grants and tokens live in the database
//! (as SHA-256 hashes), so a consent started on one replica finishes on another and sandbox
//! accounts keep working after a restart.

mod api;
mod browser;
mod jar;
mod provider;

pub use browser::{Browser, BrowserError};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::state::SharedState;
use crate::store::Access;

/// Client id the server uses with the sandbox provider.
pub const SANDBOX_CLIENT_ID: &str = "composio-sandbox";
/// Client secret the server uses with the sandbox provider (not a real secret).
pub const SANDBOX_CLIENT_SECRET: &str = "composio-sandbox-secret";

/// How long an authorization code of the sandbox may be redeemed.
const CODE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// What is stored of a sandbox code or token: its SHA-256.
fn token_hash(token: &str) -> Vec<u8> {
    crate::crypto::secret_hash(token).to_vec()
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
            get(provider::authorize_page).post(provider::authorize_decision),
        )
        .route("/sandbox/oauth/token", post(provider::token))
        .route("/sandbox/oauth/revoke", post(provider::revoke))
        .route("/sandbox/userinfo", get(userinfo))
        .route("/sandbox/api/{toolkit}/{*path}", any(api::call))
}

/// Why a request to the sandbox's resource endpoints is refused.
#[derive(Debug)]
pub(crate) enum Denied {
    /// No valid token (unknown, revoked or missing): the message to send with a 401.
    Token(&'static str),
    /// The database could not be read.
    Store(crate::store::StoreError),
}

/// The subject of a valid sandbox access token sent as `Authorization: Bearer …`.
pub(crate) async fn subject(state: &SharedState, headers: &HeaderMap) -> Result<String, Denied> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or_default();
    if token.is_empty() {
        return Err(Denied::Token(
            "Request had invalid authentication credentials.",
        ));
    }
    match state.store.sandbox_access(&token_hash(token)).await {
        Ok(Access::Valid(subject)) => Ok(subject),
        Ok(Access::Expired) => Err(Denied::Token("The access token expired; refresh it.")),
        Ok(_) => Err(Denied::Token(
            "Request had invalid authentication credentials.",
        )),
        Err(e) => Err(Denied::Store(e)),
    }
}

/// A JSON error of the sandbox's OAuth endpoints (RFC 6749 §5.2 shape).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// The answer when the database fails under a sandbox endpoint.
fn unavailable(e: &crate::store::StoreError) -> Response {
    tracing::warn!(error = %e, "sandbox provider: storage failed");
    oauth_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        "the sandbox cannot reach its database; retry shortly",
    )
}

async fn userinfo(
    axum::extract::State(state): axum::extract::State<SharedState>,
    headers: HeaderMap,
) -> Response {
    match subject(&state, &headers).await {
        Ok(subject) => {
            let (email, name) = sandbox_identity(&subject);
            Json(json!({"sub": subject, "email": email, "email_verified": true, "name": name}))
                .into_response()
        }
        Err(Denied::Token(_)) => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "unknown, revoked or expired access token",
        ),
        Err(Denied::Store(e)) => unavailable(&e),
    }
}

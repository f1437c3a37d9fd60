//! The sandbox's OAuth endpoints: the consent page and its decision, the token endpoint
//! (authorization code with PKCE, rotating refresh tokens) and token revocation.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use super::{oauth_error, token_hash, unavailable, CODE_TTL};
use super::{SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET};
use crate::crypto::pkce_s256;
use crate::flow::security;
use crate::pages;
use crate::state::SharedState;
use crate::store::{IssuedTokens, Refreshed, SandboxCode, SandboxGrant};

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

/// Validates authorize parameters against the one registered client; the error text for a
/// page. Errors about the client or its redirect URI are shown to the user, never sent to
/// the (unverified) redirect URI (RFC 6749 §4.1.2.1).
fn check_authorize(state: &SharedState, p: &HashMap<String, String>) -> Result<(), &'static str> {
    if p.get("client_id").map(String::as_str) != Some(SANDBOX_CLIENT_ID) {
        return Err("Unknown client_id.");
    }
    let redirect = p.get("redirect_uri").ok_or("redirect_uri is required.")?;
    if *redirect != crate::oauth::redirect_uri(state) {
        return Err("redirect_uri is not registered for this client.");
    }
    if p.get("response_type").map(String::as_str) != Some("code") {
        return Err("response_type must be `code`.");
    }
    if p.get("code_challenge").is_none_or(|c| c.is_empty()) {
        return Err("PKCE is required: send a code_challenge.");
    }
    if p.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return Err("Only the S256 code_challenge_method is supported.");
    }
    Ok(())
}

pub(super) async fn authorize_page(
    State(state): State<SharedState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if !state.config.sandbox {
        return disabled();
    }
    let p = form(uri.query().unwrap_or("").as_bytes());
    if let Err(e) = check_authorize(&state, &p) {
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
    // The consent is bound to this browser and this authorization request (its `state`).
    let purpose = consent_purpose(&p);
    let (secret, set_cookie) = security::csrf_secret(&headers, &state.public_url, &purpose);
    let csrf = security::csrf_token(&state.form_key, &secret, &purpose);
    let mut fields: Vec<(&str, &str)> = keys
        .iter()
        .filter_map(|k| p.get(*k).map(|v| (*k, v.as_str())))
        .collect();
    fields.push((security::CSRF_FIELD, &csrf));
    let login = p
        .get("login_hint")
        .map(String::as_str)
        .unwrap_or("sandbox-user");
    let shown = |k: &str| p.get(k).map(|v| short(v)).unwrap_or_default();
    let mut page = pages::consent_page(
        pages::Consent {
            app: &shown("client_name"),
            toolkit: &shown("toolkit_name"),
            login,
            scopes: p.get("scope").map(String::as_str).unwrap_or(""),
        },
        &fields,
    );
    if let Some(c) = set_cookie {
        page.headers_mut().append(header::SET_COOKIE, c);
    }
    page
}

/// What a consent's CSRF token is bound to: the authorization request's `state`.
fn consent_purpose(p: &HashMap<String, String>) -> String {
    format!(
        "sandbox-consent:{}",
        p.get("state").map(String::as_str).unwrap_or("")
    )
}

/// A name from the authorize request cut to 80 characters for display.
fn short(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(80).collect()
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
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, url.to_string()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}

pub(super) async fn authorize_decision(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !state.config.sandbox {
        return disabled();
    }
    let p = form(&body);
    if let Err(e) = check_authorize(&state, &p) {
        return bad_authorize(e);
    }
    let submitted = p.get(security::CSRF_FIELD).map(String::as_str);
    let purpose = consent_purpose(&p);
    if !security::csrf_ok(&state.form_key, &headers, &purpose, submitted) {
        return crate::flow::forged_form_page();
    }
    let mut resp = decide(&state, &p).await;
    // The consent form is answered: its CSRF cookie is of no further use.
    resp.headers_mut().append(
        header::SET_COOKIE,
        security::spent_csrf_cookie(&purpose, &state.public_url),
    );
    resp
}

/// Answers an accepted consent form: the redirect back to the app with a code, or with
/// `access_denied`.
async fn decide(state: &SharedState, p: &HashMap<String, String>) -> Response {
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
    let stored = SandboxCode {
        code_hash: token_hash(&code),
        redirect_uri: redirect.clone(),
        code_challenge: p.get("code_challenge").cloned().unwrap_or_default(),
        subject: p
            .get("login_hint")
            .cloned()
            .unwrap_or_else(|| "sandbox-user".to_owned()),
        scope: p.get("scope").cloned().unwrap_or_default(),
        expires_at: 0,
    };
    if let Err(e) = state.store.sandbox_code_insert(&stored, CODE_TTL).await {
        tracing::warn!(error = %e, "sandbox provider: storing a code failed");
        return redirect_with(
            &redirect,
            &[
                ("error", "temporarily_unavailable"),
                (
                    "error_description",
                    "The provider could not store the grant",
                ),
                ("state", &st),
            ],
        );
    }
    redirect_with(&redirect, &[("code", &code), ("state", &st)])
}

/// Decodes one `application/x-www-form-urlencoded` component of HTTP Basic credentials
/// (RFC 6749 §2.3.1).
fn form_decoded(part: &str) -> String {
    url::form_urlencoded::parse(format!("a={part}").as_bytes())
        .next()
        .map(|x| x.1.into_owned())
        .unwrap_or_default()
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
            Some((i, s)) => (form_decoded(i), form_decoded(s)),
            None => return false,
        },
        None => (
            p.get("client_id").cloned().unwrap_or_default(),
            p.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    id == SANDBOX_CLIENT_ID && secret == SANDBOX_CLIENT_SECRET
}

/// New tokens to hand out, and what the store keeps of them.
fn new_tokens(state: &SharedState) -> (String, String, IssuedTokens) {
    let access = crate::ids::sandbox_token("at");
    let refresh = crate::ids::sandbox_token("rt");
    let issued = IssuedTokens {
        access_hash: token_hash(&access),
        access_ttl: state.config.sandbox_token_ttl,
        refresh_hash: token_hash(&refresh),
    };
    (access, refresh, issued)
}

fn token_response(state: &SharedState, access: &str, refresh: &str, scope: &str) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"access_token": access, "token_type": "bearer",
            "expires_in": state.config.sandbox_token_ttl.as_secs().max(1),
            "refresh_token": refresh, "scope": scope})),
    )
        .into_response()
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

pub(super) async fn token(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !state.config.sandbox {
        return oauth_error(StatusCode::NOT_FOUND, "invalid_request", "sandbox is off");
    }
    let p = form(&body);
    if !client_ok(&headers, &p) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    }
    match p.get("grant_type").map(String::as_str) {
        Some("authorization_code") => exchange_code(&state, &p).await,
        Some("refresh_token") => refresh(&state, &p).await,
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "use authorization_code or refresh_token",
        ),
    }
}

async fn exchange_code(state: &SharedState, p: &HashMap<String, String>) -> Response {
    let code = p.get("code").map(String::as_str).unwrap_or_default();
    // Taken first, so a code is redeemed at most once even when the checks below fail.
    let grant = match state.store.sandbox_code_take(&token_hash(code)).await {
        Ok(Some(g)) => g,
        Ok(None) => return invalid_grant("unknown or used code"),
        Err(e) => return unavailable(&e),
    };
    if grant.expires_at <= state.clock.now_ms() {
        return invalid_grant("code expired");
    }
    if p.get("redirect_uri") != Some(&grant.redirect_uri) {
        return invalid_grant("redirect_uri does not match");
    }
    let verified = p
        .get("code_verifier")
        .is_some_and(|v| pkce_s256(v) == grant.code_challenge);
    if !verified {
        return invalid_grant("PKCE verification failed");
    }
    let (access, refresh, issued) = new_tokens(state);
    let owner = SandboxGrant {
        subject: grant.subject,
        scope: grant.scope,
    };
    match state.store.sandbox_grant(&owner, &issued).await {
        Ok(()) => token_response(state, &access, &refresh, &owner.scope),
        Err(e) => unavailable(&e),
    }
}

async fn refresh(state: &SharedState, p: &HashMap<String, String>) -> Response {
    let presented = p
        .get("refresh_token")
        .map(String::as_str)
        .unwrap_or_default();
    let (access, refresh, issued) = new_tokens(state);
    match state
        .store
        .sandbox_refresh(&token_hash(presented), &issued)
        .await
    {
        Ok(Refreshed::Rotated(grant)) => token_response(state, &access, &refresh, &grant.scope),
        Ok(Refreshed::Reused) => {
            tracing::warn!("sandbox provider: a rotated refresh token was reused; grant revoked");
            invalid_grant("refresh token already used; the grant is revoked")
        }
        Ok(_) => invalid_grant("unknown or revoked refresh token"),
        Err(e) => unavailable(&e),
    }
}

/// `POST /sandbox/oauth/revoke` (RFC 7009): revokes the grant of an access or refresh token.
/// Unknown tokens are answered 200 too, as the RFC asks.
pub(super) async fn revoke(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !state.config.sandbox {
        return oauth_error(StatusCode::NOT_FOUND, "invalid_request", "sandbox is off");
    }
    let p = form(&body);
    if !client_ok(&headers, &p) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    }
    let Some(token) = p.get("token").filter(|t| !t.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    match state.store.sandbox_revoke(&token_hash(token)).await {
        Ok(_) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")]).into_response(),
        Err(e) => unavailable(&e),
    }
}

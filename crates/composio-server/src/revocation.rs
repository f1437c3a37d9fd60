//! Revoking a connected account's tokens at its provider (docs/spec/wire-2026.md §18), in
//! the style the catalog declares ([`RevocationStyle`]). Best effort: each token is sent
//! once, and a provider that says the token is already invalid counts as revoked (the user
//! may have revoked it there first).

use std::time::Duration;

use crate::catalog::{Revocation, RevocationStyle};
use crate::oauth::{Provider, StoredCredentials};
use crate::state::AppState;

/// How long one revocation call may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The result of revoking one token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dispatch {
    /// The provider revoked it, or says it is no longer valid.
    Revoked,
    /// The provider could not be reached or failed (the message is for logs).
    Failed(String),
}

/// Revokes the tokens of `creds`; each token kind (`refresh_token`, `access_token`) with its
/// result, in the order they were sent.
pub(crate) async fn revoke(
    state: &AppState,
    provider: &Provider,
    revocation: &Revocation,
    creds: &StoredCredentials,
) -> Vec<(&'static str, Dispatch)> {
    let url = revocation.url.replace("{client_id}", &provider.client_id);
    let access = creds.access_token.as_deref();
    let refresh = creds.refresh_token.as_deref();
    let mut out = Vec::new();
    match revocation.style {
        RevocationStyle::Rfc7009 => {
            // The refresh token first: revoking it ends the grant's access tokens too.
            for (kind, token) in [("refresh_token", refresh), ("access_token", access)] {
                if let Some(token) = token {
                    let mut req = state
                        .http
                        .post(&url)
                        .form(&[("token", token), ("token_type_hint", kind)]);
                    req = client_auth(req, provider);
                    out.push((kind, outcome(req).await));
                }
            }
        }
        RevocationStyle::GithubGrant => {
            if let Some(token) = access {
                let req = client_auth(state.http.delete(&url), provider)
                    .header("accept", "application/vnd.github+json")
                    .json(&serde_json::json!({ "access_token": token }));
                out.push(("access_token", outcome(req).await));
            }
        }
        RevocationStyle::SlackAuthRevoke => {
            if let Some(token) = access {
                let req = state.http.post(&url).bearer_auth(token);
                out.push(("access_token", slack_outcome(req).await));
            }
        }
    }
    out
}

fn client_auth(req: reqwest::RequestBuilder, p: &Provider) -> reqwest::RequestBuilder {
    req.basic_auth(
        &p.client_id,
        p.client_secret.as_ref().map(|s| s.expose().to_owned()),
    )
}

async fn outcome(req: reqwest::RequestBuilder) -> Dispatch {
    match req.timeout(TIMEOUT).send().await {
        Ok(resp) => {
            let status = resp.status();
            // 400/401/404: the token is unknown or invalid there already (RFC 7009 §2.2
            // answers 200 for those; some providers answer 4xx).
            if status.is_success() || matches!(status.as_u16(), 400 | 401 | 404) {
                Dispatch::Revoked
            } else {
                Dispatch::Failed(format!("the provider answered {status}"))
            }
        }
        Err(e) => Dispatch::Failed(e.without_url().to_string()),
    }
}

async fn slack_outcome(req: reqwest::RequestBuilder) -> Dispatch {
    let resp = match req.timeout(TIMEOUT).send().await {
        Ok(r) => r,
        Err(e) => return Dispatch::Failed(e.without_url().to_string()),
    };
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.unwrap_or_default();
    let ok = body["ok"].as_bool() == Some(true);
    let gone = matches!(
        body["error"].as_str(),
        Some("invalid_auth" | "token_revoked" | "account_inactive" | "not_authed")
    );
    if status.is_success() && (ok || gone) {
        Dispatch::Revoked
    } else {
        Dispatch::Failed(format!(
            "Slack answered {status}: {}",
            body["error"].as_str().unwrap_or("no error code")
        ))
    }
}

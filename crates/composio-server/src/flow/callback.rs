//! `GET /oauth/callback`: the provider sends the browser back with `code` and `state` (or an
//! `error`). The callback claims the link of the `state` (so one callback exchanges the
//! code), exchanges the code with the PKCE verifier, and completes the link.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use composio_core::{CallbackResult, CallbackStatus, ConnectedAccountId};

use super::{finish, internal_page, redirect, security, used_page};
use crate::oauth;
use crate::pages;
use crate::service::complete_auth;
use crate::service::connections::{self, AttemptFailure};
use crate::state::SharedState;
use crate::store::{Claim, LinkRow};

/// The longest provider-supplied text (`error`, `error_description`) kept in a failure
/// reason, in characters: the reason is stored, shown and appended to the app's callback URL.
const MAX_PROVIDER_TEXT: usize = 200;

/// What the provider's redirect to `/oauth/callback` says (its query string): the `state`
/// naming the link, and the authorization code or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProviderAnswer {
    /// The `state` parameter, when present and not empty.
    pub(crate) state: Option<String>,
    /// The `code`, or the failure the provider reported (`error`, `error_description`).
    pub(crate) code: Result<String, AttemptFailure>,
}

impl ProviderAnswer {
    /// Reads a query string; any input gives an answer (a missing or empty `code` is a
    /// failure). When a parameter repeats, the last one counts.
    pub(crate) fn parse(query: &str) -> Self {
        let q: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let state = q.get("state").filter(|s| !s.is_empty()).cloned();
        let code = match q.get("error") {
            Some(err) if err == "access_denied" => Err(AttemptFailure::Denied(
                "The user denied access (access_denied)".to_owned(),
            )),
            Some(err) => {
                let err = provider_text(err);
                Err(AttemptFailure::Failed(match q.get("error_description") {
                    Some(d) => format!(
                        "The provider refused the authorization ({err}: {})",
                        provider_text(d)
                    ),
                    None => format!("The provider refused the authorization ({err})"),
                }))
            }
            None => match q.get("code").filter(|c| !c.is_empty()) {
                Some(c) => Ok(c.clone()),
                None => Err(AttemptFailure::Failed(
                    "The provider returned no authorization code".to_owned(),
                )),
            },
        };
        Self { state, code }
    }
}

/// Text from the provider made fit for a status reason: control characters become spaces,
/// and it is cut to [`MAX_PROVIDER_TEXT`] characters (marked with `…`).
fn provider_text(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(MAX_PROVIDER_TEXT)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().nth(MAX_PROVIDER_TEXT).is_some() {
        out.push('…');
    }
    out
}

pub(super) async fn callback(
    State(state): State<SharedState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let answer = ProviderAnswer::parse(uri.query().unwrap_or(""));
    let Some(state_param) = &answer.state else {
        return pages::message(
            StatusCode::BAD_REQUEST,
            "failed",
            "Invalid callback",
            "The provider's answer has no state parameter.",
        );
    };
    let link = match state.store.claim_link(state_param).await {
        Ok(Claim::Claimed(l)) => l,
        Ok(Claim::Taken) => return used_page(),
        Ok(Claim::Unknown) => {
            return pages::message(
                StatusCode::BAD_REQUEST,
                "failed",
                "Unknown authorization",
                "This authorization does not belong to any Connect Link.",
            )
        }
        Err(e) => return internal_page(&e),
    };
    if let Some(hash) = &link.browser_hash {
        if !security::same_browser(&headers, &link.token, hash) {
            // §21.1: the claimed attempt cannot be resumed; its account stays pending and
            // expires with the link.
            tracing::info!(account_id = %link.account_id, "callback from another browser refused");
            return finish_unbound(&link);
        }
    }
    let mut resp = complete_attempt(&state, &link, answer.code).await;
    // The attempt is over: its cookies are of no further use to the browser.
    for cookie in security::spent_link_cookies(&link.token, &state.public_url) {
        resp.headers_mut().append(header::SET_COOKIE, cookie);
    }
    resp
}

/// Exchanges the provider's `code` and completes the link (or hands the credentials to the
/// app's verifier, §22); the page or redirect that ends the attempt.
async fn complete_attempt(
    state: &SharedState,
    link: &LinkRow,
    code: Result<String, AttemptFailure>,
) -> Response {
    let attempt = attempt(state, link, code).await;
    if let (Ok((creds, info)), Some(verifier)) = (
        &attempt,
        complete_auth::verifier_url(state, &link.project_id),
    ) {
        return match complete_auth::hand_off(state, link, verifier, creds, info.as_ref()).await {
            Ok(url) => redirect(&url),
            Err(e) => internal_page(&e),
        };
    }
    let outcome = connections::complete(state, link, attempt).await;
    finish(state, link, outcome).await
}

/// The end of an attempt whose callback came from another browser (§21.1): no HTTP error,
/// the app's callback URL gets `status=failed` and the reason, or the result page says it.
fn finish_unbound(link: &LinkRow) -> Response {
    if let Some(cb) = &link.callback_url {
        let account = ConnectedAccountId::new(&link.account_id).ok();
        let result = CallbackResult::new(
            CallbackStatus::Failed,
            account,
            Some(security::OTHER_BROWSER.to_owned()),
        );
        match result.append_to(cb) {
            Ok(url) => return redirect(&url),
            Err(e) => tracing::warn!(error = %e, "stored callback URL is invalid"),
        }
    }
    pages::message(
        StatusCode::OK,
        "failed",
        "Connection failed",
        &format!(
            "{}. Open the link again in the browser where you started, or ask the app for a new one.",
            security::OTHER_BROWSER
        ),
    )
}

/// What the provider's answer brings: credentials and user info, or why not.
async fn attempt(
    state: &SharedState,
    link: &LinkRow,
    code: Result<String, AttemptFailure>,
) -> Result<(oauth::StoredCredentials, Option<serde_json::Value>), AttemptFailure> {
    if state.clock.now_ms() >= link.expires_at {
        // Completing records the expiry; there is no point in exchanging the code.
        return Err(AttemptFailure::Failed(
            "The Connect Link expired".to_owned(),
        ));
    }
    let code = code?;
    let account = match state
        .store
        .get_account(&link.project_id, &link.account_id)
        .await
    {
        Ok(Some(a)) => a,
        Ok(None) => {
            return Err(AttemptFailure::Failed(
                "The connected account no longer exists".to_owned(),
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "could not read the account");
            return Err(AttemptFailure::Failed("Something went wrong".to_owned()));
        }
    };
    let provider = crate::service::auth_configs::provider_for(state, &account).await;
    let Some(provider) = provider else {
        return Err(AttemptFailure::Failed(
            "No OAuth app is configured for this toolkit".to_owned(),
        ));
    };
    let verifier = link
        .pkce_verifier
        .as_deref()
        .and_then(|v| state.cipher.decrypt(v).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .filter(|v| !v.is_empty());
    match oauth::exchange_code(state, &provider, &code, verifier).await {
        Ok(creds) => {
            let info = match &creds.access_token {
                Some(t) => oauth::user_info(state, &provider, t).await,
                None => None,
            };
            Ok((creds, info))
        }
        Err(e) => Err(AttemptFailure::Failed(format!(
            "Token exchange failed: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    fn reason(a: &ProviderAnswer) -> &str {
        match &a.code {
            Ok(_) => "",
            Err(AttemptFailure::Denied(r) | AttemptFailure::Failed(r)) => r,
        }
    }

    #[test]
    fn provider_text_is_bounded_and_printable() {
        // Found by `provider_answers_are_read_whole_and_bounded`: `error_description` went
        // into the status reason (stored, shown, appended to the app's callback URL) at any
        // length and with its line breaks.
        let long = "x".repeat(10_000);
        let a = ProviderAnswer::parse(&format!(
            "state=s&error=server_error&error_description=line1%0D%0Aline2{long}"
        ));
        let r = reason(&a);
        assert!(
            r.starts_with("The provider refused the authorization (server_error: line1  line2x")
        );
        assert!(r.ends_with("…)"), "{r}");
        assert!(r.chars().count() < 300, "{}", r.len());
        assert!(!r.chars().any(char::is_control));
        assert_eq!(a.state.as_deref(), Some("s"));
    }

    proptest! {
        /// The state and code a provider sends come back exactly, among any other
        /// parameters, and an `error` always wins over a code.
        #[test]
        fn provider_answers_are_read_whole_and_bounded(
            state in ".{1,20}",
            code in ".{1,20}",
            error in proptest::option::of(prop_oneof![Just("access_denied".to_owned()), ".{0,300}"]),
            description in proptest::option::of(".{0,300}"),
            others in vec(("[a-z_]{1,6}", ".{0,8}"), 0..3),
        ) {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &others {
                if !matches!(k.as_str(), "state" | "code" | "error" | "error_description") {
                    q.append_pair(k, v);
                }
            }
            q.append_pair("code", &code).append_pair("state", &state);
            if let Some(e) = &error {
                q.append_pair("error", e);
            }
            if let Some(d) = &description {
                q.append_pair("error_description", d);
            }
            let a = ProviderAnswer::parse(&q.finish());
            prop_assert_eq!(a.state.as_deref(), Some(state.as_str()));
            match (&error, &a.code) {
                (None, Ok(c)) => prop_assert_eq!(c, &code),
                (Some(e), Err(AttemptFailure::Denied(_))) => prop_assert_eq!(e, "access_denied"),
                (Some(e), Err(AttemptFailure::Failed(_))) => prop_assert_ne!(e, "access_denied"),
                (e, c) => return Err(TestCaseError::fail(format!("{e:?} gave {c:?}"))),
            }
            let r = reason(&a);
            prop_assert!(r.chars().count() <= 2 * MAX_PROVIDER_TEXT + 60, "{}", r.len());
            prop_assert!(!r.chars().any(char::is_control));
        }

        /// Any query string: an answer, never a panic; no empty state or code.
        #[test]
        fn any_query_is_an_answer(query in prop_oneof![".{0,60}", "([a-z_]{0,6}=?[a-z%0-9]{0,6}&?){0,6}"]) {
            let a = ProviderAnswer::parse(&query);
            prop_assert!(a.state.as_deref() != Some(""));
            if let Ok(c) = &a.code {
                prop_assert!(!c.is_empty());
            }
        }
    }
}

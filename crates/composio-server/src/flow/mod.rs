//! The Connect Link flow in the browser: the link pages ([`link`]), the OAuth callback
//! ([`callback`]), and the end of every attempt: a redirect to the app's callback URL
//! (docs/spec/wire.md §9) or a result page. Creating links and storing their outcome is the connections
//! service's job ([`crate::service::connections`]).

pub(crate) mod callback;
pub(crate) mod link;
pub(crate) mod security;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use composio_core::{CallbackResult, CallbackStatus, ConnectedAccountId};

use crate::domain::LinkOutcome;
use crate::pages;
use crate::state::SharedState;
use crate::store::LinkRow;

pub(crate) fn routes() -> Router<SharedState> {
    Router::new()
        .route("/link/{token}", get(link::show).post(link::submit))
        .route("/oauth/callback", get(callback::callback))
}

fn internal_page(e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "link flow failed");
    pages::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "failed",
        "Something went wrong",
        "Please try again later.",
    )
}

/// The page for a form posted without this browser's CSRF token (another site's form, or a
/// page opened in another browser).
pub(crate) fn forged_form_page() -> Response {
    pages::message(
        StatusCode::FORBIDDEN,
        "failed",
        "Form not accepted",
        "This form was not sent from the page this browser opened (it may come from another site, or cookies are blocked). Open the link again from the app.",
    )
}

fn not_found_page() -> Response {
    pages::message(
        StatusCode::NOT_FOUND,
        "not_found",
        "Link not found",
        "This Connect Link does not exist. Ask the app for a new one.",
    )
}

fn used_page() -> Response {
    pages::message(StatusCode::GONE, "used", "Link already used", "This Connect Link has already been used. Ask the app for a new one if you need to connect again.")
}

fn expired_page() -> Response {
    pages::message(
        StatusCode::GONE,
        "expired",
        "Link expired",
        "This Connect Link has expired. Ask the app for a new one.",
    )
}

fn redirect(url: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, url.to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}

/// Redirects to the link's callback URL with the outcome, or shows the result page.
fn finish(link: &LinkRow, outcome: LinkOutcome) -> Response {
    if outcome == LinkOutcome::Used {
        return used_page();
    }
    if let Some(cb) = &link.callback_url {
        let status = match outcome {
            LinkOutcome::Connected => CallbackStatus::Success,
            _ => CallbackStatus::Failed,
        };
        let account = ConnectedAccountId::new(&link.account_id).ok();
        match CallbackResult::new(status, account, outcome.error()).append_to(cb) {
            Ok(url) => return redirect(&url),
            Err(e) => tracing::warn!(error = %e, "stored callback URL is invalid"),
        }
    }
    match outcome {
        LinkOutcome::Connected => pages::message(
            StatusCode::OK,
            "success",
            "Connected",
            "Your account is connected. You can close this window and return to the app.",
        ),
        LinkOutcome::Denied(e) => pages::message(
            StatusCode::OK,
            "denied",
            "Access denied",
            &format!("{e}. You can close this window."),
        ),
        other => pages::message(
            StatusCode::OK,
            "failed",
            "Connection failed",
            &format!(
                "{}. You can close this window and try again.",
                other.error().unwrap_or_default()
            ),
        ),
    }
}

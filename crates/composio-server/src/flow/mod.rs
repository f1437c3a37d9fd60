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
use crate::pages::{self, Brand};
use crate::state::{AppState, SharedState};
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
        "Something went wrong on our side. Please try again in a moment.",
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
        "This link doesn't work. Go back to the app and ask for a new one.",
    )
}

fn used_page() -> Response {
    pages::message(
        StatusCode::GONE,
        "used",
        "This link was already used",
        "Each link works once. If you still need to connect, go back to the app and start again.",
    )
}

fn expired_page() -> Response {
    pages::message(
        StatusCode::GONE,
        "expired",
        "This link has expired",
        "Links only work for a short time. Go back to the app and start again to get a new one.",
    )
}

fn redirect(url: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, url.to_owned())]).into_response()
}

/// Redirects to the link's callback URL with the outcome, or shows the result page in the
/// project's brand, saying what happened in the user's words.
async fn finish(state: &AppState, link: &LinkRow, outcome: LinkOutcome) -> Response {
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
    let brand = state.brand(&link.project_id);
    let toolkit = match state
        .store
        .get_account(&link.project_id, &link.account_id)
        .await
    {
        Ok(Some(a)) => state
            .catalog
            .get(&a.toolkit)
            .map_or(a.toolkit.clone(), |t| t.name.clone()),
        _ => "your account".to_owned(),
    };
    result_page(&brand, &toolkit, &outcome)
}

/// The result page of an outcome (no callback URL): what happened, in the user's words;
/// the technical reason folded under "Details".
pub(crate) fn result_page(brand: &Brand, toolkit: &str, outcome: &LinkOutcome) -> Response {
    let app = if brand.name.is_empty() {
        "the app"
    } else {
        brand.name.as_str()
    };
    match outcome {
        LinkOutcome::Connected => pages::result_page(
            StatusCode::OK,
            brand,
            "success",
            &format!("{toolkit} is connected"),
            &format!("{app} can now use your {toolkit} account. You can close this window and go back to {app}."),
            None,
        ),
        LinkOutcome::Denied(_) => pages::result_page(
            StatusCode::OK,
            brand,
            "denied",
            "You didn't allow access",
            &format!("Nothing was connected, and {app} did not get access to your {toolkit} account. You can close this window; to connect later, start again from {app}."),
            None,
        ),
        LinkOutcome::Expired => pages::result_page(
            StatusCode::OK,
            brand,
            "failed",
            "This link has expired",
            &format!("It took too long, so nothing was connected. Go back to {app} and start again."),
            None,
        ),
        other => pages::result_page(
            StatusCode::OK,
            brand,
            "failed",
            &format!("{toolkit} could not be connected"),
            &format!("Something went wrong while connecting your {toolkit} account, so nothing was connected. Go back to {app} and try again."),
            other.error().as_deref(),
        ),
    }
}

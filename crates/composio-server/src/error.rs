//! The error envelope of docs/spec/wire.md §10, produced for every non-2xx API response.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use composio_core::error::{ErrorBody, ErrorEnvelope};

use crate::store::StoreError;

tokio::task_local! {
    /// The request id of the request being handled (set by the request-id middleware).
    pub(crate) static REQUEST_ID: String;
}

/// The current request's id, when called inside a request.
pub(crate) fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// An API error: status, slug, message and an optional suggested fix.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Error slug (`Toolkit_NotFound`).
    pub slug: &'static str,
    /// Message.
    pub message: String,
    /// Suggested fix.
    pub suggested_fix: Option<String>,
    /// Seconds for `retry-after` (429/503).
    pub retry_after: Option<u64>,
    /// The envelope's `code` when it is not `1000 + status` (e.g. `10409`).
    pub code: Option<i64>,
    /// `x-should-retry` to send, when the default retry rules of clients would be wrong.
    pub should_retry: Option<bool>,
    /// What few errors carry (boxed, so results of `ApiError` stay small).
    pub details: Option<Box<ErrorDetails>>,
}

/// The rarer parts of an [`ApiError`].
#[derive(Debug, Clone, Default)]
pub struct ErrorDetails {
    /// Field-level details (`errors[]`).
    pub errors: Vec<String>,
    /// Extra keys inside `error` (e.g. `current_config_version`).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    /// An error.
    pub fn new(status: StatusCode, slug: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            slug,
            message: message.into(),
            suggested_fix: None,
            retry_after: None,
            code: None,
            should_retry: None,
            details: None,
        }
    }

    fn details_mut(&mut self) -> &mut ErrorDetails {
        self.details.get_or_insert_with(Default::default)
    }

    /// 400 `HTTP_BadRequest` (code 10400) with field-level `errors[]`, the validation error
    /// of docs/spec/wire.md §10 and wire-2026.md §19.3.
    pub fn validation(message: impl Into<String>, errors: Vec<String>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "HTTP_BadRequest", message).code(10400);
        e.details_mut().errors = errors;
        e
    }

    /// Replaces the slug.
    pub fn with_slug(mut self, slug: &'static str) -> Self {
        self.slug = slug;
        self
    }

    /// Sets the envelope's `code`.
    pub fn code(mut self, code: i64) -> Self {
        self.code = Some(code);
        self
    }

    /// Sends `x-should-retry: false`: retrying cannot help (e.g. a 409 on a unique row).
    pub fn no_retry(mut self) -> Self {
        self.should_retry = Some(false);
        self
    }

    /// Adds a key inside `error`.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.details_mut()
            .extra
            .insert(key.to_owned(), value.into());
        self
    }

    /// Adds a suggested fix.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.suggested_fix = Some(fix.into());
        self
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Auth_Unauthorized", message)
            .fix("Send a valid API key in the `x-api-key` header.")
    }

    /// 404 with a slug.
    pub fn not_found(slug: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, slug, message)
    }

    /// 500 (the cause is logged, not sent).
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal_ServerError",
            "Internal server error",
        )
    }

    /// The envelope.
    pub fn envelope(&self) -> ErrorEnvelope {
        let details = self.details.as_deref().cloned().unwrap_or_default();
        ErrorEnvelope {
            error: ErrorBody {
                message: self.message.clone(),
                code: self.code.unwrap_or(1000 + i64::from(self.status.as_u16())),
                slug: self.slug.to_owned(),
                status: self.status.as_u16(),
                request_id: current_request_id(),
                suggested_fix: self.suggested_fix.clone(),
                errors: details.errors.into_iter().map(Into::into).collect(),
                extra: details.extra,
            },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => {
                tracing::error!(error = %e, "database unavailable");
                let mut err = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Server_Unavailable",
                    "The server's database is unavailable; retry shortly",
                );
                err.retry_after = Some(1);
                err
            }
            other => Self::internal(&other),
        }
    }
}

impl From<crate::crypto::CryptoError> for ApiError {
    fn from(e: crate::crypto::CryptoError) -> Self {
        Self::internal(&e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.envelope()).unwrap_or_default();
        let mut resp = (self.status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(retry) = self.should_retry {
            resp.headers_mut().insert(
                "x-should-retry",
                HeaderValue::from_static(if retry { "true" } else { "false" }),
            );
        }
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// Result of API handlers.
pub type ApiResult<T> = Result<T, ApiError>;

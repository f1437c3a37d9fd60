//! The one error type of composio-rs, and the error a [`Transport`](crate::Transport) returns.
//!
//! [`Error`] says *where* a call failed: it was never sent (invalid input), the connection
//! could not be made, it timed out, the transport failed after it may have been sent, the API
//! answered with an error, the response could not be decoded — or one of the flow errors of
//! `wait_for_connection`.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::{ConnectedAccountId, InvalidId, SessionId};
use crate::status::ConnectionStatus;

/// `Result<T, composio_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What kind of failure a [`TransportError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be established: the request was never sent.
    Connect,
    /// The request timed out (it may have reached the server).
    Timeout,
    /// Any other I/O or protocol failure (the request may have been sent).
    Other,
}

/// An error from a [`Transport`](crate::Transport): of one attempt, or of the last one when
/// a retrying transport gave up (see [`attempts`](Self::attempts)).
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: BoxError,
    attempts: u32,
}

impl TransportError {
    /// A new transport error of `kind`.
    pub fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            source: source.into(),
            attempts: 1,
        }
    }

    /// The connection could not be made.
    pub fn connect(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Connect, source)
    }

    /// The attempt timed out.
    pub fn timeout(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Timeout, source)
    }

    /// Any other failure.
    pub fn other(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Other, source)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The underlying error.
    pub fn source_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.source
    }

    /// How many attempts were made before this error was returned: 1 unless a retrying
    /// transport (`composio_http::RetryTransport`) tried again and gave up.
    ///
    /// ```
    /// use composio_core::TransportError;
    /// let e = TransportError::connect("connection refused").with_attempts(3);
    /// assert_eq!(e.attempts(), 3);
    /// assert_eq!(e.to_string(), "connection failed: connection refused (after 3 attempts)");
    /// ```
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Records that this error ended `attempts` attempts (at least 1).
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Other => "transport error",
        };
        write!(f, "{what}: {}", self.source)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// The class of an API error, from its HTTP status (docs/spec/wire.md §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400
    BadRequest,
    /// 401
    Authentication,
    /// 403
    PermissionDenied,
    /// 404
    NotFound,
    /// 409
    Conflict,
    /// 422
    UnprocessableEntity,
    /// 429
    RateLimited,
    /// 500 and above
    Server,
    /// Any other non-2xx status.
    Other,
}

impl ApiErrorKind {
    /// The class of an HTTP status.
    pub fn from_status(status: u16) -> Self {
        match status {
            400 => Self::BadRequest,
            401 => Self::Authentication,
            403 => Self::PermissionDenied,
            404 => Self::NotFound,
            409 => Self::Conflict,
            422 => Self::UnprocessableEntity,
            429 => Self::RateLimited,
            s if s >= 500 => Self::Server,
            _ => Self::Other,
        }
    }
}

/// An error answer of the API: a non-2xx status with the error envelope of docs/spec/wire.md §10.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Numeric error code of the envelope (e.g. `1404`).
    pub code: Option<i64>,
    /// Error slug (e.g. `Toolkit_NotFound`).
    pub slug: Option<String>,
    /// Human-readable message.
    pub message: String,
    /// `x-request-id` of the response, or the envelope's `request_id`.
    pub request_id: Option<String>,
    /// The server's suggestion, when it gave one.
    pub suggested_fix: Option<String>,
    /// The delay the server asked for (`retry-after-ms` / `retry-after`), when it is between
    /// 0 and 60 s (the range the retry layer honours).
    pub retry_after: Option<Duration>,
    /// Field-level details, as sent.
    pub errors: Vec<serde_json::Value>,
    /// The other keys of the envelope's `error` (e.g. `current_config_version`).
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// How many attempts were made: 1 unless the retry layer tried again and gave up on
    /// this answer.
    pub attempts: u32,
}

impl ApiError {
    /// An API error with only a status and a message.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            code: None,
            slug: None,
            message: message.into(),
            request_id: None,
            suggested_fix: None,
            retry_after: None,
            errors: Vec::new(),
            extra: serde_json::Map::new(),
            attempts: 1,
        }
    }

    /// The class of this error.
    pub fn kind(&self) -> ApiErrorKind {
        ApiErrorKind::from_status(self.status)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {}", self.message, self.status)?;
        if let Some(slug) = &self.slug {
            write!(f, ", {slug}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        if self.attempts > 1 {
            write!(f, ", after {} attempts", self.attempts)?;
        }
        f.write_str(")")?;
        if let Some(fix) = &self.suggested_fix {
            write!(f, ". {fix}")?;
        }
        Ok(())
    }
}

/// The error envelope every non-2xx response carries (docs/spec/wire.md §10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// The body of an [`ErrorEnvelope`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Human-readable message.
    pub message: String,
    /// Numeric code.
    #[serde(default)]
    pub code: i64,
    /// Error slug.
    #[serde(default)]
    pub slug: String,
    /// HTTP status.
    #[serde(default)]
    pub status: u16,
    /// Request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Suggested fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_fix: Option<String>,
    /// Field-level details.
    #[serde(default)]
    pub errors: Vec<serde_json::Value>,
    /// Any other keys (e.g. `current_config_version` of a session config conflict).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Where a call failed, without the details (see [`Error::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input was rejected before anything was sent.
    InvalidInput,
    /// The SDK is not configured correctly (e.g. no API key).
    Configuration,
    /// The connection could not be made.
    Connect,
    /// The call timed out.
    Timeout,
    /// The transport failed; the request may have been sent.
    Transport,
    /// The API answered with an error.
    Api(ApiErrorKind),
    /// The response could not be decoded.
    Decode,
    /// `wait_for_connection` ran out of time.
    ConnectionRequestTimeout,
    /// The connection ended `FAILED`, `EXPIRED` or `REVOKED`.
    ConnectionRequestFailed,
    /// The connected account does not exist.
    ConnectedAccountNotFound,
    /// A link was refused before it was sent: the user already has an `ACTIVE` account for
    /// the auth config, and several were not allowed.
    MultipleConnectedAccounts,
    /// A session update met a config changed since it was read (HTTP 409).
    SessionConfigConflict,
}

/// The error type of every composio-rs call.
///
/// ```
/// use composio_core::{ApiError, ApiErrorKind, Error, ErrorKind};
///
/// let err = Error::from(ApiError::new(429, "slow down"));
/// assert_eq!(err.kind(), ErrorKind::Api(ApiErrorKind::RateLimited));
/// assert!(err.is_retryable());
/// assert_eq!(err.status(), Some(429));
/// ```
///
/// # Troubleshooting
/// - [`ErrorKind::Configuration`]: set `COMPOSIO_API_KEY` or pass a key to the builder.
/// - [`ErrorKind::Connect`]: check the base URL (`COMPOSIO_BASE_URL`) and that the server runs.
/// - `Api(Authentication)`: the API key is wrong or was revoked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was rejected before anything was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The SDK is not configured correctly.
    #[error("configuration error: {0}")]
    Configuration(String),
    /// The connection could not be made; the request was never sent.
    #[error("could not connect: {0}")]
    Connect(#[source] TransportError),
    /// The call timed out.
    #[error("request timed out: {0}")]
    Timeout(#[source] TransportError),
    /// The transport failed; the request may have been sent.
    #[error("transport failure: {0}")]
    Transport(#[source] TransportError),
    /// The API answered with an error.
    #[error("API error: {0}")]
    Api(Box<ApiError>),
    /// The response could not be decoded.
    #[error("could not decode the response (HTTP {status}): {message}")]
    Decode {
        /// HTTP status of the response.
        status: u16,
        /// What went wrong.
        message: String,
        /// `x-request-id` of the response.
        request_id: Option<String>,
        /// The decoder's error (a `serde_json::Error`, or an
        /// [`InvalidId`](crate::InvalidId) for an id the response got wrong): also
        /// [`std::error::Error::source`].
        #[source]
        source: Option<BoxError>,
    },
    /// `wait_for_connection` ran out of time.
    #[error("connection request {id} did not complete within {timeout:?}")]
    ConnectionRequestTimeout {
        /// The connected account id.
        id: ConnectedAccountId,
        /// How long the wait lasted.
        timeout: Duration,
    },
    /// The connection ended in a failure status.
    #[error("connection request {id} failed with status {status}{}", reason_suffix(.status_reason))]
    ConnectionRequestFailed {
        /// The connected account id.
        id: ConnectedAccountId,
        /// `FAILED`, `EXPIRED` or `REVOKED`.
        status: ConnectionStatus,
        /// Why, as the server said.
        status_reason: Option<String>,
    },
    /// The connected account does not exist.
    #[error("connected account {id} not found")]
    ConnectedAccountNotFound {
        /// The connected account id.
        id: ConnectedAccountId,
    },
    /// The user already has an `ACTIVE` account for the auth config, and the link did not
    /// allow several (docs/spec/wire-2026.md §17); nothing was sent.
    #[error("Multiple connected accounts found for user {user_id} in auth config {auth_config_id}. Please use the allow_multiple option to allow multiple connected accounts.")]
    MultipleConnectedAccounts {
        /// The end user.
        user_id: String,
        /// The auth config.
        auth_config_id: String,
    },
    /// A session update was refused with HTTP 409 because the session's config changed since
    /// it was read: `expected` (the `expected_config_version` sent, if any) is stale, and
    /// `current` is the stored version when the server said. Nothing was changed; load the
    /// session again and retry against its version (docs/spec/wire-2026.md §19.2).
    #[error("{}", conflict_message(.session_id, .expected, .current))]
    SessionConfigConflict {
        /// The session.
        session_id: SessionId,
        /// The version the update expected.
        expected: Option<u64>,
        /// The version the config is at.
        current: Option<u64>,
        /// The server's answer.
        error: Box<ApiError>,
    },
}

fn conflict_message(id: &SessionId, expected: &Option<u64>, current: &Option<u64>) -> String {
    let mut out = match expected {
        Some(v) => format!("session {id} configuration is no longer at version {v}"),
        None => format!("session {id} configuration changed while this update was in flight"),
    };
    if let Some(c) = current {
        out.push_str(&format!(" (it is at version {c})"));
    }
    out.push_str("; re-fetch the session and retry the update");
    out
}

fn reason_suffix(reason: &Option<String>) -> String {
    match reason {
        Some(r) if !r.is_empty() => format!(": {r}"),
        _ => String::new(),
    }
}

impl Error {
    /// Where the call failed.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::Configuration(_) => ErrorKind::Configuration,
            Self::Connect(_) => ErrorKind::Connect,
            Self::Timeout(_) => ErrorKind::Timeout,
            Self::Transport(_) => ErrorKind::Transport,
            Self::Api(e) => ErrorKind::Api(e.kind()),
            Self::Decode { .. } => ErrorKind::Decode,
            Self::ConnectionRequestTimeout { .. } => ErrorKind::ConnectionRequestTimeout,
            Self::ConnectionRequestFailed { .. } => ErrorKind::ConnectionRequestFailed,
            Self::ConnectedAccountNotFound { .. } => ErrorKind::ConnectedAccountNotFound,
            Self::MultipleConnectedAccounts { .. } => ErrorKind::MultipleConnectedAccounts,
            Self::SessionConfigConflict { .. } => ErrorKind::SessionConfigConflict,
        }
    }

    /// Whether the same call may succeed when tried again (docs/spec/wire.md §11):
    /// connection failures, timeouts, and API errors 408, 409, 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Connect(_) | Self::Timeout(_) | Self::Transport(_) => true,
            Self::Api(e) => matches!(e.status, 408 | 409 | 429) || e.status >= 500,
            _ => false,
        }
    }

    /// Whether this is a timeout of a request or of `wait_for_connection`.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Self::Timeout(_) | Self::ConnectionRequestTimeout { .. }
        )
    }

    /// The HTTP status, for API and decode errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::SessionConfigConflict { error, .. } => Some(error.status),
            Self::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How many attempts the call made, for errors of the transport and of the API: more
    /// than 1 when the retry layer tried again and gave up.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Self::Connect(e) | Self::Timeout(e) | Self::Transport(e) => Some(e.attempts()),
            Self::Api(e) | Self::SessionConfigConflict { error: e, .. } => Some(e.attempts),
            _ => None,
        }
    }

    /// The request id the server gave, when there was a response.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) | Self::SessionConfigConflict { error: e, .. } => e.request_id.as_deref(),
            Self::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The API error, when the server answered with one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) | Self::SessionConfigConflict { error: e, .. } => Some(e),
            _ => None,
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Self::Api(Box::new(e))
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        match e.kind() {
            TransportErrorKind::Connect => Self::Connect(e),
            TransportErrorKind::Timeout => Self::Timeout(e),
            TransportErrorKind::Other => Self::Transport(e),
        }
    }
}

impl From<InvalidId> for Error {
    fn from(e: InvalidId) -> Self {
        Self::InvalidInput(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_statuses() {
        let cases = [
            (400, ApiErrorKind::BadRequest, false),
            (401, ApiErrorKind::Authentication, false),
            (403, ApiErrorKind::PermissionDenied, false),
            (404, ApiErrorKind::NotFound, false),
            (408, ApiErrorKind::Other, true),
            (409, ApiErrorKind::Conflict, true),
            (422, ApiErrorKind::UnprocessableEntity, false),
            (429, ApiErrorKind::RateLimited, true),
            (500, ApiErrorKind::Server, true),
            (503, ApiErrorKind::Server, true),
        ];
        for (status, kind, retryable) in cases {
            let e = Error::from(ApiError::new(status, "x"));
            assert_eq!(e.kind(), ErrorKind::Api(kind), "{status}");
            assert_eq!(e.is_retryable(), retryable, "{status}");
            assert_eq!(e.status(), Some(status));
        }
    }

    #[test]
    fn transport_errors_map_by_kind() {
        let e = Error::from(TransportError::connect("refused"));
        assert_eq!(e.kind(), ErrorKind::Connect);
        assert!(e.is_retryable());
        let e = Error::from(TransportError::timeout("slow"));
        assert!(e.is_timeout());
        assert_eq!(e.status(), None);
    }

    #[test]
    fn failed_message_names_status_and_reason() {
        let e = Error::ConnectionRequestFailed {
            id: ConnectedAccountId::new("ca_1").unwrap(),
            status: ConnectionStatus::Expired,
            status_reason: Some("Connection initiation did not complete within 10 minutes".into()),
        };
        assert_eq!(
            e.to_string(),
            "connection request ca_1 failed with status EXPIRED: Connection initiation did not complete within 10 minutes"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn attempts_are_reported_when_there_were_retries() {
        let e = Error::from(TransportError::timeout("slow"));
        assert_eq!(e.attempts(), Some(1));
        assert_eq!(e.to_string(), "request timed out: timed out: slow");
        let e = Error::from(TransportError::timeout("slow").with_attempts(3));
        assert_eq!(e.attempts(), Some(3));
        assert_eq!(
            e.to_string(),
            "request timed out: timed out: slow (after 3 attempts)"
        );
        assert_eq!(TransportError::other("x").with_attempts(0).attempts(), 1);

        let mut api = ApiError::new(503, "busy");
        api.slug = Some("Busy".into());
        api.attempts = 3;
        let e = Error::from(api);
        assert_eq!(e.attempts(), Some(3));
        assert_eq!(
            e.to_string(),
            "API error: busy (HTTP 503, Busy, after 3 attempts)"
        );
        assert_eq!(Error::InvalidInput("x".into()).attempts(), None);
    }

    #[test]
    fn decode_errors_keep_their_cause() {
        let cause = serde_json::from_str::<u32>("\"x\"").unwrap_err();
        let e = Error::Decode {
            status: 201,
            message: cause.to_string(),
            request_id: None,
            source: Some(Box::new(cause)),
        };
        let source = e.source().expect("a source");
        assert!(source.downcast_ref::<serde_json::Error>().is_some());
        assert_eq!(e.status(), Some(201));
    }

    #[test]
    fn api_error_display_has_slug_and_request_id() {
        let mut e = ApiError::new(404, "Toolkit 'gmial' not found");
        e.slug = Some("Toolkit_NotFound".into());
        e.request_id = Some("r1".into());
        e.suggested_fix = Some("Check the toolkit slug.".into());
        assert_eq!(
            e.to_string(),
            "Toolkit 'gmial' not found (HTTP 404, Toolkit_NotFound, request id r1). Check the toolkit slug."
        );
    }
}

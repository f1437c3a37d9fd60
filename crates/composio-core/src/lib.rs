//! Core types of composio-rs: typed ids, the serde models of Composio's wire protocol
//! (API v3 and v3.1), the error type and the [`Transport`] trait.
//!
//! This crate has no async runtime and no HTTP client. The high-level
//! [`composio`](https://docs.rs/composio) crate builds on it, and `composio-server` shares its
//! wire models, so the SDK and the server cannot drift apart.
//!
//! ```
//! use composio_core::{ConnectionStatus, models::ConnectedAccount};
//!
//! let json = r#"{"id":"ca_1","user_id":"user_123","status":"ACTIVE","toolkit":{"slug":"gmail"}}"#;
//! let account: ConnectedAccount = serde_json::from_str(json).unwrap();
//! assert_eq!(account.status, ConnectionStatus::Active);
//! assert_eq!(account.toolkit.slug, "gmail");
//! ```

pub mod callback;
pub mod error;
pub mod ids;
pub mod models;
pub mod options;
pub mod query;
pub mod status;
pub mod transport;
pub mod webhook;

pub use callback::{CallbackResult, CallbackStatus};
pub use error::{
    ApiError, ApiErrorKind, Error, ErrorKind, Result, TransportError, TransportErrorKind,
};
pub use ids::{AuthConfigId, ConnectedAccountId, InvalidId, SessionId, ToolkitSlug, UserId};
pub use options::{ManageConnections, MultiAccount, SessionOptions, ToolkitFilter};
pub use status::ConnectionStatus;
pub use transport::{Attempts, ByteStream, Idempotency, RequestTimeout, Transport};

/// The header `composio-server` sets on API responses to advertise its server-push wait.
///
/// Its value names the protocol version ([`PUSH_WAIT_PROTOCOL`]). The SDK uses the push wait
/// only when it has seen this header from the server it talks to, and polls otherwise.
pub const PUSH_WAIT_HEADER: &str = "x-composio-push-wait";

/// The push-wait protocol version this crate speaks (the value of [`PUSH_WAIT_HEADER`]).
pub const PUSH_WAIT_PROTOCOL: &str = "watch-v1";

/// The default base URL of the hosted Composio API.
pub const DEFAULT_BASE_URL: &str = "https://backend.composio.dev";

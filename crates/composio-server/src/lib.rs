//! A self-hostable, Composio-compatible server: sessions, Connect Links, OAuth 2.0 with PKCE,
//! an offline sandbox OAuth provider, and a server-push wait (`watch-v1`).
//!
//! It speaks the wire protocol of composio-core's models under both `/api/v3` and
//! `/api/v3.1`, so the official clients and composio-rs can use it as their base URL.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use composio_server::{sandbox::Browser, Config};
//!
//! let server = composio_server::spawn(Config::default()).await?;
//! let http = reqwest::Client::new();
//! let session: serde_json::Value = http
//!     .post(format!("{}/api/v3.1/tool_router/session", server.url()))
//!     .header("x-api-key", server.api_key().unwrap_or_default())
//!     .json(&serde_json::json!({"user_id": "user_123"}))
//!     .send().await?.json().await?;
//! let link: serde_json::Value = http
//!     .post(format!("{}/api/v3.1/tool_router/session/{}/link", server.url(),
//!                   session["session_id"].as_str().unwrap_or_default()))
//!     .header("x-api-key", server.api_key().unwrap_or_default())
//!     .json(&serde_json::json!({"toolkit": "gmail", "callback_url": "https://app.example.com/cb"}))
//!     .send().await?.json().await?;
//! // Click through the Connect Link and the sandbox consent page like a user would.
//! let callback = Browser::new()?.approve(link["redirect_url"].as_str().unwrap_or_default()).await?;
//! assert!(callback.contains("status=success"));
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod catalog;
pub mod clock;
pub mod config;
pub mod credentials;
#[doc(hidden)]
pub mod fuzzing;
pub mod sandbox;
#[doc(hidden)]
pub mod testing;
pub mod tools;
pub mod webhooks;

mod alias;
mod api;
mod api_keys;
mod cluster;
mod crypto;
mod domain;
mod error;
mod flow;
mod hub;
mod ids;
mod listener;
mod meta_tools;
mod oauth;
mod pages;
mod private_file;
mod rate_limit;
mod revocation;
mod server;
mod service;
mod state;
mod store;
mod sweeper;
mod util;

pub use config::{Config, OAuthApp, ProjectConfig};
pub use crypto::{generate_api_key, pkce_s256, CryptoError, Secret};
pub use error::ApiError;
pub use listener::ConnectionLimits;
pub use private_file::write_private_file;
pub use server::{keys_create, run_until_signal, spawn, ServerError, ServerHandle};
pub use store::StoreError;

/// A new random encryption key for stored credentials: base64 of 32 bytes, the format of
/// `COMPOSIO_SERVER_ENCRYPTION_KEY` and `encryption_key`.
///
/// ```
/// let key = composio_server::generate_encryption_key();
/// let config = composio_server::Config::default().encryption_key(key);
/// # drop(config);
/// ```
pub fn generate_encryption_key() -> String {
    crypto::Cipher::generate_key_base64()
}

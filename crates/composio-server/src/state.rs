//! Shared server state and the operations several modules use.

use std::collections::HashMap;
use std::sync::Arc;

use composio_core::models::ConnectedAccount;
use tokio::sync::watch;

use crate::catalog::{Catalog, ToolkitDef};
use crate::clock::SharedClock;
use crate::cluster::Cluster;
use crate::config::Config;
use crate::crypto::Cipher;
use crate::error::{ApiError, ApiResult};
use crate::store::{AccountRow, Store};
use crate::util::KeyedLocks;

/// Everything request handlers share.
pub(crate) struct AppState {
    pub store: Arc<dyn Store>,
    pub cipher: Cipher,
    pub catalog: Catalog,
    pub config: Config,
    /// Public origin without a trailing slash.
    pub public_url: String,
    /// The accepted API keys.
    pub keys: crate::api_keys::ApiKeys,
    /// Allowed callback origins per project id (empty: any).
    pub origins: HashMap<String, Vec<String>>,
    /// How each project (by id) presents itself on its Connect Link pages.
    pub brands: HashMap<String, crate::pages::Brand>,
    /// Connect Link security settings per project id (docs/spec/wire-2026.md §21).
    pub flow_security: HashMap<String, crate::flow::security::ProjectSecurity>,
    /// Key of the CSRF tokens of the flow's forms (kept in the database, so every replica
    /// accepts the forms of the others).
    pub form_key: Vec<u8>,
    /// HTTP client for providers (redirects disabled).
    pub http: reqwest::Client,
    /// Flips to `true` on shutdown (ends watch streams).
    pub shutdown: watch::Receiver<bool>,
    /// Coordination with the other replicas (change announcements, watches, rate limits,
    /// job leases).
    pub cluster: Arc<dyn Cluster>,
    /// One lock per idempotency key in flight, so concurrent duplicates run once.
    pub idempotency_locks: KeyedLocks,
    /// One lock per account whose credentials are being refreshed (single flight).
    pub refresh_locks: KeyedLocks,
    /// The one source of time (injected through the config).
    pub clock: SharedClock,
    /// This process's name on the leases it takes in the database.
    pub lease_holder: String,
    /// Wakes the webhook sender and the listen streams of this replica.
    pub webhooks: crate::webhooks::Wakeup,
}

pub(crate) type SharedState = Arc<AppState>;

impl AppState {
    /// The auth config id of a toolkit in a project (stable, derived).
    pub fn auth_config_id(&self, project_id: &str, toolkit: &str) -> String {
        crate::ids::auth_config(project_id, toolkit)
    }

    /// The toolkit whose auth config id in `project_id` is `id`.
    pub fn toolkit_for_auth_config(&self, project_id: &str, id: &str) -> Option<&ToolkitDef> {
        self.catalog
            .iter()
            .find(|t| self.auth_config_id(project_id, &t.slug) == id)
    }

    /// How the project `project_id` presents itself on its pages.
    pub fn brand(&self, project_id: &str) -> crate::pages::Brand {
        self.brands.get(project_id).cloned().unwrap_or_default()
    }

    /// Whether the auth config is managed by the server (sandbox or server-wide app).
    pub fn is_managed(&self, _toolkit: &str) -> bool {
        true
    }

    /// The wire model of an account (never with credentials); see
    /// [`crate::service::accounts::account_model`].
    pub fn account_model(&self, a: &AccountRow) -> ApiResult<ConnectedAccount> {
        Ok(crate::service::accounts::account_model(a))
    }

    /// Announces a committed change of an account to the waiters of every replica, and
    /// wakes this replica's webhook sender (the change may have queued a delivery).
    pub async fn changed(&self, account_id: &str) {
        self.cluster.publish(&[account_id.to_owned()]).await;
        self.webhooks.kick();
    }
    /// Validates a callback URL: http(s) and, when configured, an allowed origin.
    pub fn check_callback(&self, project_id: &str, url: &str) -> ApiResult<()> {
        let parsed = composio_core::callback::validate_callback_url(url).map_err(|e| {
            ApiError::bad_request(e.to_string()).fix("Use an absolute http:// or https:// URL.")
        })?;
        if let Some(allowed) = self.origins.get(project_id).filter(|o| !o.is_empty()) {
            let origin = parsed.origin().ascii_serialization();
            if !allowed.iter().any(|o| o.trim_end_matches('/') == origin) {
                return Err(ApiError::bad_request(format!(
                    "callback URL origin `{origin}` is not allowed for this project"
                ))
                .fix("Add the origin to the project's callback_origins."));
            }
        }
        Ok(())
    }
}

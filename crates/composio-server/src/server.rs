//! Starting and stopping the server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::catalog::{Catalog, CatalogError};
use crate::cluster::{Cluster, LocalCluster, PgCluster};
use crate::config::Config;
use crate::crypto::{hash_api_key, Cipher, CryptoError, Secret};
use crate::rate_limit::{Limit, RateLimiter};
use crate::state::{AppState, SharedState};
use crate::store::{Store, StoreError};

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Binding or file access failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The encryption key is invalid.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The toolkit catalog is invalid.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// A running server; dropping it does not stop it, call [`ServerHandle::shutdown`].
pub struct ServerHandle {
    url: String,
    public_url: String,
    api_keys: Vec<String>,
    shutdown_tx: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    pub(crate) state: SharedState,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("url", &self.url)
            .field("public_url", &self.public_url)
            .field("api_keys", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl ServerHandle {
    /// The server's origin, e.g. `http://127.0.0.1:41234` (use it as the SDK's base URL).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The public URL used in redirect, OAuth and MCP URLs (defaults to [`Self::url`]).
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The first API key given in the config (for tests and demos).
    pub fn api_key(&self) -> Option<&str> {
        self.api_keys.first().map(String::as_str)
    }

    /// All API keys given in the config, in project order.
    pub fn api_keys(&self) -> &[String] {
        &self.api_keys
    }

    /// The access token of a connected account (any project), refreshed with its refresh
    /// token when expired; see [`crate::credentials`].
    pub async fn access_token(
        &self,
        account_id: &str,
    ) -> Result<Secret, crate::credentials::CredentialError> {
        crate::credentials::access_token(&self.state, account_id).await
    }

    /// Makes every access token the sandbox issued so far expire now (to test refreshing).
    pub async fn sandbox_expire_access_tokens(&self) -> Result<(), StoreError> {
        self.state.store.sandbox_expire_access_tokens().await
    }

    /// Revokes every grant the sandbox issued so far: their access and refresh tokens stop
    /// working (to test a connection the user revoked at the provider).
    pub async fn sandbox_revoke_refresh_tokens(&self) -> Result<(), StoreError> {
        self.state.store.sandbox_revoke_all().await
    }

    /// Stops accepting requests, ends watch streams, waits for in-flight requests (up to
    /// 10 s) and closes the database.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        for task in self.tasks.drain(..) {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        self.state.store.close().await;
        tracing::info!("server stopped");
    }
}

/// Meta key of the value that proves the encryption key is the one the data was sealed with.
const KEY_CHECK: &str = "encryption_key_check";
/// The meta key of the CSRF form key shared by every replica.
const FORM_KEY: &str = "form_key";
const KEY_CHECK_PLAINTEXT: &[u8] = b"composio-server encryption key check v1";

/// The data dir's key; generated on first run, but never when the database already holds a
/// key check (the key file was lost: a new key could not read the stored credentials).
fn load_or_create_key(dir: &Path, has_encrypted_data: bool) -> Result<Cipher, ServerError> {
    let path = dir.join("encryption.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Cipher::from_base64(&text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && has_encrypted_data => {
            Err(ServerError::Config(format!(
                "{} is missing, but the database in {} holds credentials encrypted with it; \
                 restore the file or set COMPOSIO_SERVER_ENCRYPTION_KEY to the original key",
                path.display(),
                dir.display()
            )))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = Cipher::generate_key_base64();
            crate::write_private_file(&path, &key)?;
            tracing::info!(path = %path.display(), "generated a new encryption key");
            Ok(Cipher::from_base64(&key)?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Checks that `cipher` can read what the database was sealed with, recording the check
/// value on first start.
async fn check_key(store: &dyn Store, cipher: &Cipher, had_check: bool) -> Result<(), ServerError> {
    let sealed = store
        .init_meta(KEY_CHECK, &cipher.encrypt(KEY_CHECK_PLAINTEXT)?)
        .await?;
    if cipher.decrypt(&sealed).ok().as_deref() != Some(KEY_CHECK_PLAINTEXT) {
        return Err(ServerError::Config(
            "the encryption key is not the one this database was created with, so the \
             stored credentials could not be read; start with the original key \
             (COMPOSIO_SERVER_ENCRYPTION_KEY or <data dir>/encryption.key)"
                .to_owned(),
        ));
    }
    if !had_check {
        tracing::debug!("recorded the encryption key check");
    }
    Ok(())
}

/// Starts a server and returns once it accepts connections.
pub async fn spawn(config: Config) -> Result<ServerHandle, ServerError> {
    config.validate().map_err(ServerError::Config)?;
    let mut catalog = Catalog::builtin()?;
    catalog.extend_from_config(config.extra_toolkits.clone())?;
    let opened = crate::store::open(&config).await?;
    let store = opened.store;
    let had_check = store.get_meta(KEY_CHECK).await?.is_some();
    let cipher = match (&config.encryption_key, &config.data_dir) {
        (Some(k), _) => Cipher::from_base64(k.expose())?,
        (None, Some(dir)) => load_or_create_key(dir, had_check)?,
        (None, None) => {
            if config.database_url.is_some() {
                tracing::warn!(
                    "no encryption key is configured: credentials stored now are sealed with a \
                     key only this process knows; set COMPOSIO_SERVER_ENCRYPTION_KEY (the same \
                     on every replica)"
                );
            }
            Cipher::from_base64(&Cipher::generate_key_base64())?
        }
    };
    check_key(&*store, &cipher, had_check).await?;
    let mut origins = HashMap::new();
    let mut flow_security = HashMap::new();
    let mut api_keys = Vec::new();
    let mut limits = HashMap::new();
    let mut brands = HashMap::new();
    for p in &config.projects {
        let id = store.ensure_project(&p.name).await?;
        if p.rate_limit.is_some() || p.rate_limit_burst.is_some() {
            limits.insert(
                id.clone(),
                Limit {
                    per_second: p.rate_limit.unwrap_or(config.rate_limit),
                    burst: p.rate_limit_burst.unwrap_or(config.rate_limit_burst),
                },
            );
        }
        for k in &p.api_keys {
            store.add_api_key(&id, &hash_api_key(k.expose())).await?;
            api_keys.push(k.expose().to_owned());
        }
        brands.insert(
            id.clone(),
            crate::pages::Brand {
                name: p.display_name.clone().unwrap_or_else(|| p.name.clone()),
                logo_url: p.logo_url.clone(),
                accent: p.accent_color.clone(),
            },
        );
        if let Some(url) = &p.oauth_callback_verifier_url {
            crate::flow::security::check_verifier_url(url).map_err(ServerError::Config)?;
        }
        flow_security.insert(
            id.clone(),
            crate::flow::security::ProjectSecurity {
                browser_binding: p.browser_binding,
                verifier_url: p.oauth_callback_verifier_url.clone(),
            },
        );
        origins.insert(id, p.callback_origins.clone());
    }
    let form_key = store
        .init_meta(FORM_KEY, crate::ids::random_string(43).as_bytes())
        .await?;
    let keys = store.api_keys().await?;
    if keys.is_empty() {
        tracing::warn!("no API keys registered: every API request will be rejected");
    }

    let listener = tokio::net::TcpListener::bind(SocketAddr::new(config.bind, config.port)).await?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| url.clone())
        .trim_end_matches('/')
        .to_owned();
    if url::Url::parse(&public_url).is_err() {
        return Err(ServerError::Config(format!(
            "public_url `{public_url}` is not a URL"
        )));
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("composio-server/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let default_limit = Limit {
        per_second: config.rate_limit,
        burst: config.rate_limit_burst,
    };
    let clock = config.clock.clone();
    let cluster: Arc<dyn Cluster> = match opened.postgres {
        Some(pool) => PgCluster::start(
            pool,
            clock.clone(),
            default_limit,
            limits,
            shutdown_rx.clone(),
        ),
        None => Arc::new(LocalCluster::new(RateLimiter::new(default_limit, limits))),
    };
    let state: SharedState = Arc::new(AppState {
        store,
        cipher,
        catalog,
        clock,
        lease_holder: crate::ids::lease_holder(),
        refresh_locks: Default::default(),
        config,
        public_url: public_url.clone(),
        keys: crate::api_keys::ApiKeys::new(keys),
        origins,
        brands,
        flow_security,
        form_key,
        http,
        shutdown: shutdown_rx.clone(),
        idempotency_locks: Default::default(),
        cluster,
        webhooks: Default::default(),
    });

    // The OAuth apps of the configuration become the toolkits' default auth configs.
    for project in state.origins.keys() {
        crate::service::auth_configs::seed(&state, project)
            .await
            .map_err(|e| ServerError::Config(format!("seeding auth configs: {}", e.message)))?;
    }

    let app = crate::api::router(state.clone());
    let rx = shutdown_rx.clone();
    let limits = state.config.connections.clone();
    let server = tokio::spawn(async move {
        crate::listener::serve(listener, app, limits, rx).await;
    });
    let sweeper = tokio::spawn(crate::sweeper::run(state.clone(), shutdown_rx.clone()));
    let webhooks = tokio::spawn(crate::webhooks::worker::run(state.clone(), shutdown_rx));
    tracing::info!(
        %url,
        %public_url,
        sandbox = state.config.sandbox,
        rate_limit = state.config.rate_limit,
        rate_limit_burst = state.config.rate_limit_burst,
        "composio-server listening"
    );
    Ok(ServerHandle {
        url,
        public_url,
        api_keys,
        shutdown_tx,
        tasks: vec![server, sweeper, webhooks],
        state,
    })
}

/// Runs a server until Ctrl-C (or SIGTERM), then shuts it down gracefully.
pub async fn run_until_signal(config: Config) -> Result<(), ServerError> {
    let handle = spawn(config).await?;
    wait_for_signal().await;
    tracing::info!("shutting down");
    handle.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Creates an API key for `project` in the config's database and returns it (only its
/// SHA-256 hash is stored, so it cannot be shown again).
pub async fn keys_create(config: &Config, project: &str) -> Result<String, ServerError> {
    if config.data_dir.is_none() && config.database_url.is_none() {
        return Err(ServerError::Config(
            "keys create needs a data directory or a database URL".into(),
        ));
    }
    let store = crate::store::open(config).await?.store;
    let id = store.ensure_project(project).await?;
    let key = crate::crypto::generate_api_key();
    store.add_api_key(&id, &hash_api_key(&key)).await?;
    store.close().await;
    Ok(key)
}

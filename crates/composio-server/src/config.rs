//! Server configuration: built in code ([`Config::default`] is ready for tests), read from a
//! TOML file ([`Config::from_toml_str`]) and from the environment ([`Config::apply_env`]).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::catalog::ToolkitDef;
use crate::clock::{SharedClock, SystemClock};
use crate::crypto::{generate_api_key, Secret};
use crate::listener::ConnectionLimits;

/// A project: an isolated set of sessions and connected accounts, reached with its API keys.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct ProjectConfig {
    /// Project name (unique).
    pub name: String,
    /// API keys of the project (stored hashed).
    #[serde(default)]
    pub api_keys: Vec<Secret>,
    /// When non-empty, callback URLs must have one of these origins (`https://app.example.com`).
    #[serde(default)]
    pub callback_origins: Vec<String>,
    /// Sustained API requests per second for this project (0: unlimited); `None` uses the
    /// server-wide [`Config::rate_limit`].
    #[serde(default)]
    pub rate_limit: Option<f64>,
    /// Requests this project may make at once (the bucket size); `None` uses the server-wide
    /// [`Config::rate_limit_burst`].
    #[serde(default)]
    pub rate_limit_burst: Option<u32>,
    /// The app's name on its Connect Link and consent pages (white-label); defaults to
    /// [`ProjectConfig::name`].
    #[serde(default)]
    pub display_name: Option<String>,
    /// An `https://` URL of the app's logo, shown on its Connect Link pages.
    #[serde(default)]
    pub logo_url: Option<String>,
    /// The accent colour of its Connect Link pages (buttons), `#rrggbb`.
    #[serde(default)]
    pub accent_color: Option<String>,
    /// Same-browser binding of Connect Link attempts (docs/spec/wire-2026.md §21.1): the
    /// OAuth callback must come from the browser that submitted the link form. On by default.
    #[serde(default = "default_true")]
    pub browser_binding: bool,
    /// Callback identity verification (docs/spec/wire-2026.md §21.2): when set (a public
    /// `https://` URL), a completed OAuth connection waits until the app redeems the
    /// `session_uri` sent to this URL with `complete_auth`. `None`: off.
    #[serde(default)]
    pub oauth_callback_verifier_url: Option<String>,
}

fn default_true() -> bool {
    true
}

impl ProjectConfig {
    /// A project with one API key.
    pub fn new(name: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        Self {
            name: name.into(),
            api_keys: vec![api_key.into()],
            callback_origins: Vec::new(),
            rate_limit: None,
            rate_limit_burst: None,
            display_name: None,
            logo_url: None,
            accent_color: None,
            browser_binding: true,
            oauth_callback_verifier_url: None,
        }
    }

    /// Turns same-browser binding of Connect Link attempts on (the default) or off.
    pub fn browser_binding(mut self, on: bool) -> Self {
        self.browser_binding = on;
        self
    }

    /// Turns callback identity verification on: completed OAuth connections wait for
    /// `complete_auth` with the `session_uri` sent to `url` (a public `https://` URL).
    pub fn oauth_callback_verifier_url(mut self, url: impl Into<String>) -> Self {
        self.oauth_callback_verifier_url = Some(url.into());
        self
    }

    /// Sets how the project presents itself on its Connect Link pages (white-label): the
    /// app's name, an `https://` logo URL and an accent colour `#rrggbb` (checked by
    /// [`Config::validate`]).
    ///
    /// ```
    /// let p = composio_server::ProjectConfig::new("acme", "key")
    ///     .branding("Acme Mail", Some("https://acme.example/logo.png"), Some("#0a7cff"));
    /// assert_eq!(p.display_name.as_deref(), Some("Acme Mail"));
    /// ```
    pub fn branding(
        mut self,
        display_name: impl Into<String>,
        logo_url: Option<&str>,
        accent_color: Option<&str>,
    ) -> Self {
        self.display_name = Some(display_name.into());
        self.logo_url = logo_url.map(str::to_owned);
        self.accent_color = accent_color.map(str::to_owned);
        self
    }

    /// Checks the white-label settings: a display name of 1 to 80 characters without
    /// control characters, an `https://` logo URL, an accent colour `#rrggbb`.
    fn check_branding(&self) -> Result<(), String> {
        let what = format!("project `{}`: ", self.name);
        if let Some(n) = &self.display_name {
            let len = n.trim().chars().count();
            if len == 0 || len > 80 || n.chars().any(char::is_control) {
                return Err(format!(
                    "{what}display_name must be 1 to 80 characters without control characters"
                ));
            }
        }
        if let Some(l) = &self.logo_url {
            if !crate::pages::is_logo_url(l) {
                return Err(format!("{what}logo_url must be an https:// URL, got `{l}`"));
            }
        }
        if let Some(c) = &self.accent_color {
            if !crate::pages::is_hex_colour(c) {
                return Err(format!(
                    "{what}accent_color must be a colour #rrggbb, got `{c}`"
                ));
            }
        }
        Ok(())
    }

    /// Sets this project's rate limit: `per_second` sustained, `burst` at once
    /// (`per_second == 0.0`: unlimited), overriding the server-wide default.
    pub fn rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.rate_limit = Some(per_second);
        self.rate_limit_burst = Some(burst);
        self
    }

    /// Restricts callback URLs to these origins.
    pub fn callback_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.callback_origins = origins.into_iter().map(Into::into).collect();
        self
    }
}

/// OAuth client credentials of a toolkit.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct OAuthApp {
    /// Client id.
    pub client_id: String,
    /// Client secret.
    #[serde(default)]
    pub client_secret: Option<Secret>,
}

impl OAuthApp {
    /// Client credentials.
    pub fn new(client_id: impl Into<String>, client_secret: Option<Secret>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret,
        }
    }
}

/// Everything `composio_server::spawn` needs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Address to bind (default `127.0.0.1`).
    pub bind: IpAddr,
    /// Port (0 picks a free one).
    pub port: u16,
    /// Origin users and providers reach the server at (redirect, MCP and OAuth callback URLs).
    /// Defaults to `http://<bind>:<port>`.
    pub public_url: Option<String>,
    /// Directory of the SQLite database and the generated encryption key; `None` keeps
    /// everything in memory (unless [`Config::database_url`] names a database).
    pub data_dir: Option<PathBuf>,
    /// The database: `postgres://user:password@host:5432/db` (or `postgresql://…`) for
    /// PostgreSQL, which several replicas can share, or `sqlite:path` / `sqlite://path` for a
    /// SQLite file. `None` (the default) uses `composio.db` in [`Config::data_dir`], or
    /// memory. A secret: it may hold a password, and is never logged with it.
    pub database_url: Option<Secret>,
    /// Most connections the server opens to PostgreSQL (default
    /// [`DEFAULT_DATABASE_POOL_SIZE`]); SQLite ignores it.
    pub database_pool_size: u32,
    /// Base64 of the 32-byte AES key for credentials (else read/generated in `data_dir`).
    pub encryption_key: Option<Secret>,
    /// Whether OAuth toolkits without client credentials use the built-in sandbox provider.
    pub sandbox: bool,
    /// Projects and their API keys.
    pub projects: Vec<ProjectConfig>,
    /// OAuth client credentials per toolkit slug.
    pub oauth_apps: BTreeMap<String, OAuthApp>,
    /// Toolkits added to (or replacing) the built-in catalog.
    pub extra_toolkits: Vec<ToolkitDef>,
    /// How long a Connect Link (and its `INITIATED` account) stays valid.
    pub link_expiry: Duration,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Lifetime of access tokens issued by the sandbox provider.
    pub sandbox_token_ttl: Duration,
    /// How long an `Idempotency-Key` is remembered.
    pub idempotency_ttl: Duration,
    /// Timeouts and the cap on concurrent connections (see [`ConnectionLimits`]).
    pub connections: ConnectionLimits,
    /// Server-wide default of sustained API requests per second per project; 0 (the
    /// [`Config::default`]) is unlimited. Config files and the `composio-server` /
    /// `composio serve` binaries default to [`DEFAULT_RATE_LIMIT`].
    pub rate_limit: f64,
    /// Server-wide default of requests a project may make at once (the bucket size).
    pub rate_limit_burst: u32,
    /// How long one webhook delivery attempt may take (default 30 s).
    pub webhook_timeout: Duration,
    /// The delays between webhook delivery attempts; a delivery is given up after
    /// `1 + len()` attempts (default [`crate::webhooks::DEFAULT_RETRY_SCHEDULE`]: 5 s, 30 s,
    /// 2 min, 10 min, 1 h, 6 h).
    pub webhook_retry_schedule: Vec<Duration>,
    /// The source of time for expiry, leases and timestamps (the system clock; tests inject
    /// a [`crate::clock::ManualClock`]).
    pub clock: SharedClock,
    /// Invalid environment values seen by [`Config::apply_env`]; `spawn` reports them.
    pub(crate) env_errors: Vec<String>,
}

/// The rate limit of deployed servers (config files and the binaries): 50 requests a second
/// per project, sustained.
pub const DEFAULT_RATE_LIMIT: f64 = 50.0;
/// The burst of deployed servers: 100 requests at once per project.
pub const DEFAULT_RATE_LIMIT_BURST: u32 = 100;
/// The default size of the PostgreSQL connection pool.
pub const DEFAULT_DATABASE_POOL_SIZE: u32 = 10;

impl Default for Config {
    /// For tests and embedding: `127.0.0.1:0`, in-memory SQLite, sandbox on, one project
    /// `default` with a random API key (see `ServerHandle::api_key`).
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            public_url: None,
            data_dir: None,
            database_url: None,
            database_pool_size: DEFAULT_DATABASE_POOL_SIZE,
            encryption_key: None,
            sandbox: true,
            projects: vec![ProjectConfig::new("default", generate_api_key())],
            oauth_apps: BTreeMap::new(),
            extra_toolkits: Vec::new(),
            link_expiry: Duration::from_secs(600),
            max_body_bytes: 1024 * 1024,
            sandbox_token_ttl: Duration::from_secs(3600),
            idempotency_ttl: Duration::from_secs(24 * 3600),
            connections: ConnectionLimits::default(),
            rate_limit: 0.0,
            rate_limit_burst: DEFAULT_RATE_LIMIT_BURST,
            webhook_timeout: crate::webhooks::DEFAULT_TIMEOUT,
            webhook_retry_schedule: crate::webhooks::DEFAULT_RETRY_SCHEDULE.to_vec(),
            clock: std::sync::Arc::new(SystemClock),
            env_errors: Vec::new(),
        }
    }
}

/// Errors reading a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The TOML is invalid.
    #[error("invalid config: {0}")]
    Parse(#[from] toml::de::Error),
    /// A value is invalid.
    #[error("invalid config: {0}")]
    Invalid(String),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<IpAddr>,
    port: Option<u16>,
    public_url: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<Secret>,
    database_pool_size: Option<u32>,
    encryption_key: Option<Secret>,
    sandbox: Option<bool>,
    link_expiry_secs: Option<u64>,
    max_body_bytes: Option<usize>,
    rate_limit: Option<f64>,
    rate_limit_burst: Option<u32>,
    header_read_timeout_secs: Option<u64>,
    request_body_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    sse_heartbeat_secs: Option<u64>,
    #[serde(default)]
    projects: Vec<ProjectConfig>,
    #[serde(default)]
    oauth: BTreeMap<String, OAuthApp>,
    #[serde(default)]
    toolkits: Vec<ToolkitDef>,
}

impl Config {
    /// A default config with no projects (add them with [`Config::project`]).
    pub fn empty() -> Self {
        Self {
            projects: Vec::new(),
            ..Self::default()
        }
    }

    /// Parses a TOML config file's text on top of [`Config::empty`] with the sandbox off and
    /// the rate limit of deployed servers ([`DEFAULT_RATE_LIMIT`] requests a second,
    /// bursts of [`DEFAULT_RATE_LIMIT_BURST`], per project; `rate_limit = 0` turns it off).
    ///
    /// ```
    /// let c = composio_server::Config::from_toml_str(r#"
    /// port = 8080
    /// database_url = "postgres://composio@db.internal:5432/composio"
    /// database_pool_size = 20
    /// link_expiry_secs = 300
    /// rate_limit = 20          # requests per second per project (0: unlimited)
    /// rate_limit_burst = 40
    /// [[projects]]
    /// name = "acme"
    /// api_keys = ["csk_example"]
    /// callback_origins = ["https://app.example.com"]
    /// rate_limit = 200
    /// rate_limit_burst = 400
    /// [oauth.github]
    /// client_id = "Iv1.abc"
    /// client_secret = "shh"
    /// "#).unwrap();
    /// assert_eq!(c.port, 8080);
    /// assert_eq!(c.database_pool_size, 20);
    /// assert_eq!(c.projects[0].name, "acme");
    /// assert_eq!((c.rate_limit, c.rate_limit_burst), (20.0, 40));
    /// assert_eq!(c.projects[0].rate_limit, Some(200.0));
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        let f: FileConfig = toml::from_str(text)?;
        let mut c = Self::empty().deployed_rate_limit();
        c.sandbox = false;
        if let Some(v) = f.bind {
            c.bind = v;
        }
        if let Some(v) = f.port {
            c.port = v;
        }
        c.public_url = f.public_url;
        c.data_dir = f.data_dir;
        c.database_url = f.database_url;
        if let Some(v) = f.database_pool_size {
            c.database_pool_size = v;
        }
        c.encryption_key = f.encryption_key;
        if let Some(v) = f.sandbox {
            c.sandbox = v;
        }
        if let Some(v) = f.link_expiry_secs {
            if v == 0 {
                return Err(ConfigError::Invalid("link_expiry_secs must be > 0".into()));
            }
            c.link_expiry = Duration::from_secs(v);
        }
        if let Some(v) = f.max_body_bytes {
            c.max_body_bytes = v;
        }
        if let Some(v) = f.rate_limit {
            c.rate_limit = v;
        }
        if let Some(v) = f.rate_limit_burst {
            c.rate_limit_burst = v;
        }
        let limits = &mut c.connections;
        if let Some(v) = f.header_read_timeout_secs {
            limits.header_read_timeout = Duration::from_secs(v);
        }
        if let Some(v) = f.request_body_timeout_secs {
            limits.request_body_timeout = Duration::from_secs(v);
        }
        if let Some(v) = f.max_connections {
            limits.max_connections = v;
        }
        if let Some(v) = f.sse_heartbeat_secs {
            limits.sse_heartbeat = Duration::from_secs(v);
        }
        c.projects = f.projects;
        c.oauth_apps = f.oauth;
        c.extra_toolkits = f.toolkits;
        c.validate().map_err(ConfigError::Invalid)?;
        Ok(c)
    }

    /// Reads a TOML config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text)
    }

    /// Applies `COMPOSIO_SERVER_API_KEY` (added to the first project, created as `default`
    /// when there is none), `COMPOSIO_SERVER_ENCRYPTION_KEY`,
    /// `COMPOSIO_SERVER_DATABASE_URL` / `COMPOSIO_SERVER_DATABASE_POOL_SIZE`,
    /// `COMPOSIO_SERVER_RATE_LIMIT` / `COMPOSIO_SERVER_RATE_LIMIT_BURST` (the server-wide
    /// default; an invalid value makes `spawn` fail), and
    /// `COMPOSIO_SERVER_<TOOLKIT>_CLIENT_ID` / `_CLIENT_SECRET` for every known toolkit.
    /// The connection limits' variables are applied too (see
    /// [`ConnectionLimits`]).
    pub fn apply_env(&mut self, toolkit_slugs: &[String]) {
        self.connections.apply_env(&mut self.env_errors);
        if let Ok(url) = std::env::var("COMPOSIO_SERVER_DATABASE_URL") {
            if !url.trim().is_empty() {
                self.database_url = Some(Secret::new(url.trim()));
            }
        }
        if let Ok(v) = std::env::var("COMPOSIO_SERVER_DATABASE_POOL_SIZE") {
            match v.trim().parse::<u32>() {
                Ok(n) if n > 0 => self.database_pool_size = n,
                _ => self.env_errors.push(format!(
                    "COMPOSIO_SERVER_DATABASE_POOL_SIZE must be a whole number of \
                     connections >= 1, got `{v}`"
                )),
            }
        }
        if let Ok(v) = std::env::var("COMPOSIO_SERVER_RATE_LIMIT") {
            match v.trim().parse::<f64>() {
                Ok(n) if n.is_finite() && n >= 0.0 => self.rate_limit = n,
                _ => self.env_errors.push(format!(
                    "COMPOSIO_SERVER_RATE_LIMIT must be a number of requests per second \
                     (0: unlimited), got `{v}`"
                )),
            }
        }
        if let Ok(v) = std::env::var("COMPOSIO_SERVER_RATE_LIMIT_BURST") {
            match v.trim().parse::<u32>() {
                Ok(n) => self.rate_limit_burst = n,
                Err(_) => self.env_errors.push(format!(
                    "COMPOSIO_SERVER_RATE_LIMIT_BURST must be a whole number of requests, \
                     got `{v}`"
                )),
            }
        }
        if let Ok(key) = std::env::var("COMPOSIO_SERVER_API_KEY") {
            if !key.trim().is_empty() {
                match self.projects.first_mut() {
                    Some(p) => p.api_keys.push(Secret::new(key.trim())),
                    None => self
                        .projects
                        .push(ProjectConfig::new("default", key.trim())),
                }
            }
        }
        if let Ok(key) = std::env::var("COMPOSIO_SERVER_ENCRYPTION_KEY") {
            if !key.trim().is_empty() {
                self.encryption_key = Some(Secret::new(key.trim()));
            }
        }
        for slug in toolkit_slugs {
            let up = slug.to_ascii_uppercase();
            if let Ok(id) = std::env::var(format!("COMPOSIO_SERVER_{up}_CLIENT_ID")) {
                let secret = std::env::var(format!("COMPOSIO_SERVER_{up}_CLIENT_SECRET"))
                    .ok()
                    .map(Secret::new);
                self.oauth_apps
                    .insert(slug.clone(), OAuthApp::new(id, secret));
            }
        }
    }

    /// Adds a project.
    pub fn project(mut self, project: ProjectConfig) -> Self {
        self.projects.push(project);
        self
    }

    /// Adds an API key to the first project (creating `default` when there is none).
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        match self.projects.first_mut() {
            Some(p) => p.api_keys.push(key.into()),
            None => self.projects.push(ProjectConfig::new("default", key)),
        }
        self
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the data directory (file database instead of memory).
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Sets the database URL ([`Config::database_url`]): `postgres://…` or `sqlite:path`.
    pub fn database_url(mut self, url: impl Into<Secret>) -> Self {
        self.database_url = Some(url.into());
        self
    }

    /// Sets the most connections opened to PostgreSQL ([`Config::database_pool_size`]).
    pub fn database_pool_size(mut self, size: u32) -> Self {
        self.database_pool_size = size;
        self
    }

    /// Sets the public URL.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Turns the sandbox provider on or off.
    pub fn sandbox(mut self, on: bool) -> Self {
        self.sandbox = on;
        self
    }

    /// Sets how long Connect Links stay valid.
    pub fn link_expiry(mut self, expiry: Duration) -> Self {
        self.link_expiry = expiry;
        self
    }

    /// Sets the encryption key (base64 of 32 bytes).
    pub fn encryption_key(mut self, key: impl Into<Secret>) -> Self {
        self.encryption_key = Some(key.into());
        self
    }

    /// Sets OAuth client credentials for a toolkit.
    pub fn oauth_app(mut self, toolkit: impl Into<String>, app: OAuthApp) -> Self {
        self.oauth_apps.insert(toolkit.into(), app);
        self
    }

    /// Sets the largest accepted request body.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Sets the server-wide default rate limit of every project: `per_second` sustained,
    /// `burst` at once; `per_second == 0.0` is unlimited (the default of
    /// [`Config::default`]). Projects override it with [`ProjectConfig::rate_limit`].
    pub fn rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.rate_limit = per_second;
        self.rate_limit_burst = burst;
        self
    }

    /// Sets the rate limit of deployed servers ([`DEFAULT_RATE_LIMIT`],
    /// [`DEFAULT_RATE_LIMIT_BURST`]); the binaries start from it.
    pub fn deployed_rate_limit(self) -> Self {
        self.rate_limit(DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT_BURST)
    }

    /// Checks the values a file, the environment or code may get wrong.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if let Some(e) = self.env_errors.first() {
            return Err(e.clone());
        }
        self.connections.validate()?;
        let check = |what: &str, rate: f64, burst: u32| {
            if !rate.is_finite() || rate < 0.0 {
                return Err(format!(
                    "{what}rate_limit must be a number of requests per second >= 0 \
                     (0: unlimited), got {rate}"
                ));
            }
            if rate > 0.0 && burst == 0 {
                return Err(format!(
                    "{what}rate_limit_burst must be at least 1 when rate_limit is set"
                ));
            }
            Ok(())
        };
        check("", self.rate_limit, self.rate_limit_burst)?;
        if self.database_pool_size == 0 {
            return Err("database_pool_size must be at least 1".into());
        }
        for p in &self.projects {
            check(
                &format!("project `{}`: ", p.name),
                p.rate_limit.unwrap_or(self.rate_limit),
                p.rate_limit_burst.unwrap_or(self.rate_limit_burst),
            )?;
            p.check_branding()?;
        }
        Ok(())
    }

    /// Sets how long one webhook delivery attempt may take.
    pub fn webhook_timeout(mut self, timeout: Duration) -> Self {
        self.webhook_timeout = timeout;
        self
    }

    /// Sets the delays between webhook delivery attempts (see
    /// [`Config::webhook_retry_schedule`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = composio_server::Config::default()
    ///     .webhook_retries([Duration::from_millis(100), Duration::from_secs(1)]);
    /// assert_eq!(c.webhook_retry_schedule.len(), 2);
    /// ```
    pub fn webhook_retries(mut self, schedule: impl IntoIterator<Item = Duration>) -> Self {
        self.webhook_retry_schedule = schedule.into_iter().collect();
        self
    }

    /// Sets the lifetime of sandbox access tokens.
    pub fn sandbox_token_ttl(mut self, ttl: Duration) -> Self {
        self.sandbox_token_ttl = ttl;
        self
    }
}

/// Human wording of a duration for status reasons ("10 minutes", "2 seconds").
pub fn describe_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if secs == 0 {
        plural(
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            "millisecond",
        )
    } else if secs.is_multiple_of(3600) {
        plural(secs / 3600, "hour")
    } else if secs.is_multiple_of(60) {
        plural(secs / 60, "minute")
    } else {
        plural(secs, "second")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_label_keys_are_read_and_checked() {
        // The keys of docs/self-hosting.md.
        let c = Config::from_toml_str(
            "[[projects]]\nname = \"acme\"\ndisplay_name = \"Acme Mail\"\n\
             logo_url = \"https://app.example.com/logo.png\"\naccent_color = \"#0a7cff\"",
        )
        .unwrap();
        let p = &c.projects[0];
        assert_eq!(p.display_name.as_deref(), Some("Acme Mail"));
        assert_eq!(
            p.logo_url.as_deref(),
            Some("https://app.example.com/logo.png")
        );
        assert_eq!(p.accent_color.as_deref(), Some("#0a7cff"));
        for (bad, key) in [
            ("display_name = \"\"", "display_name"),
            ("display_name = \"a\\nb\"", "display_name"),
            ("logo_url = \"http://app.example.com/logo.png\"", "logo_url"),
            ("logo_url = \"javascript:alert(1)\"", "logo_url"),
            ("accent_color = \"#0a7cf\"", "accent_color"),
            ("accent_color = \"red\"", "accent_color"),
        ] {
            let err = Config::from_toml_str(&format!("[[projects]]\nname = \"a\"\n{bad}"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(key) && err.contains("project `a`"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn describes_durations() {
        assert_eq!(describe_duration(Duration::from_secs(600)), "10 minutes");
        assert_eq!(describe_duration(Duration::from_secs(1)), "1 second");
        assert_eq!(
            describe_duration(Duration::from_millis(300)),
            "300 milliseconds"
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_errors() {
        assert!(Config::from_toml_str("prot = 1").is_err());
        let c = Config::from_toml_str("sandbox = true").unwrap();
        assert!(c.sandbox && c.projects.is_empty());
    }

    #[test]
    fn database_settings_come_from_the_file_and_are_validated() {
        let embedded = Config::default();
        assert!(embedded.database_url.is_none(), "SQLite stays the default");
        assert_eq!(embedded.database_pool_size, DEFAULT_DATABASE_POOL_SIZE);
        let file = Config::from_toml_str(
            "database_url = \"postgres://app:s3cret@db:5432/composio\"\ndatabase_pool_size = 25",
        )
        .unwrap();
        assert_eq!(
            file.database_url.as_ref().map(Secret::expose),
            Some("postgres://app:s3cret@db:5432/composio")
        );
        assert_eq!(file.database_pool_size, 25);
        assert!(!format!("{file:?}").contains("s3cret"), "Debug hides it");
        assert!(Config::from_toml_str("database_pool_size = 0").is_err());
        assert!(Config::from_toml_str("database_pool_size = -1").is_err());
        let built = Config::default()
            .database_url("sqlite:x.db")
            .database_pool_size(3);
        assert_eq!(
            built.database_url.as_ref().map(Secret::expose),
            Some("sqlite:x.db")
        );
        assert_eq!(built.database_pool_size, 3);
    }

    #[test]
    fn rate_limits_default_per_use_and_are_validated() {
        let embedded = Config::default();
        assert_eq!(embedded.rate_limit, 0.0, "embedded servers are unlimited");
        let file = Config::from_toml_str("").unwrap();
        assert_eq!(
            (file.rate_limit, file.rate_limit_burst),
            (DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT_BURST),
            "config files get the deployed default"
        );
        let off = Config::from_toml_str(
            "rate_limit = 0\n[[projects]]\nname = \"a\"\nrate_limit = 2.5\nrate_limit_burst = 5",
        )
        .unwrap();
        assert_eq!(off.rate_limit, 0.0);
        assert_eq!(off.projects[0].rate_limit, Some(2.5));
        assert_eq!(off.projects[0].rate_limit_burst, Some(5));
        assert!(Config::from_toml_str("rate_limit = -1").is_err());
        assert!(Config::from_toml_str("rate_limit = 5\nrate_limit_burst = 0").is_err());
        assert!(Config::from_toml_str("[[projects]]\nname = \"a\"\nrate_limit_burst = 0").is_err());
        assert!(Config::from_toml_str("rate_limit_burst = -3").is_err());
        let built = Config::default().rate_limit(2.0, 2);
        assert_eq!((built.rate_limit, built.rate_limit_burst), (2.0, 2));
        assert!(Config::default()
            .rate_limit(f64::NAN, 2)
            .validate()
            .is_err());
    }

    mod properties {
        use super::*;
        use proptest::collection::vec;
        use proptest::prelude::*;

        /// A TOML string literal of `s` (any text).
        fn quoted(s: &str) -> String {
            toml::Value::String(s.to_owned()).to_string()
        }

        fn line() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-z_]{1,12} = [-+0-9.eE]{1,8}",
                "[a-z_]{1,12} = \"[ -~]{0,10}\"",
                "\\[\\[?[a-z_.]{1,10}\\]\\]?",
                Just("link_expiry_secs = 0".to_owned()),
                Just("rate_limit = nan".to_owned()),
                Just("rate_limit = inf".to_owned()),
                Just("rate_limit = -0.0".to_owned()),
                Just("bind = \"::1\"".to_owned()),
                Just("[[projects]]".to_owned()),
                Just("name = \"p\"".to_owned()),
                ".{0,20}",
            ]
        }

        proptest! {
            /// Any text: a config or an error, never a panic; an accepted config always
            /// passes validation.
            #[test]
            fn any_text_is_a_config_or_an_error(lines in vec(line(), 0..8)) {
                if let Ok(c) = Config::from_toml_str(&lines.join("\n")) {
                    prop_assert!(c.validate().is_ok());
                    prop_assert!(c.link_expiry > Duration::ZERO);
                    prop_assert!(c.rate_limit.is_finite() && c.rate_limit >= 0.0);
                }
            }

            /// Every valid value written in a file is the value read.
            #[test]
            fn written_values_are_read_back(
                port: u16,
                expiry in 1i64..=i64::MAX,
                pool in 1u32..=u32::MAX,
                rate in prop_oneof![Just(0.0), 0.001f64..1e12],
                burst in 1u32..=u32::MAX,
                max_body in 0i64..=i64::MAX,
                names in vec(".{0,12}", 0..3),
                origins in vec("https://[a-z]{1,8}\\.example", 0..3),
                public_url in proptest::option::of(".{0,20}"),
            ) {
                let mut text = format!(
                    "port = {port}\nlink_expiry_secs = {expiry}\ndatabase_pool_size = {pool}\n\
                     rate_limit = {rate:?}\nrate_limit_burst = {burst}\nmax_body_bytes = {max_body}\n"
                );
                if let Some(u) = &public_url {
                    text.push_str(&format!("public_url = {}\n", quoted(u)));
                }
                for n in &names {
                    let list: Vec<String> = origins.iter().map(|o| quoted(o)).collect();
                    text.push_str(&format!(
                        "[[projects]]\nname = {}\napi_keys = [{}]\ncallback_origins = [{}]\n",
                        quoted(n), quoted(&format!("csk_{n}")), list.join(", ")
                    ));
                }
                let c = Config::from_toml_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
                prop_assert_eq!(c.port, port);
                prop_assert_eq!(c.link_expiry, Duration::from_secs(expiry.unsigned_abs()));
                prop_assert_eq!(c.database_pool_size, pool);
                prop_assert_eq!((c.rate_limit, c.rate_limit_burst), (rate, burst));
                prop_assert_eq!(c.max_body_bytes as u64, max_body.unsigned_abs());
                prop_assert_eq!(&c.public_url, &public_url);
                prop_assert_eq!(c.projects.iter().map(|p| p.name.clone()).collect::<Vec<_>>(), names.clone());
                for (p, n) in c.projects.iter().zip(&names) {
                    prop_assert_eq!(p.api_keys.iter().map(|k| k.expose().to_owned()).collect::<Vec<_>>(), vec![format!("csk_{n}")]);
                    prop_assert_eq!(&p.callback_origins, &origins);
                }
                prop_assert!(!format!("{c:?}").contains("csk_"), "keys are redacted in Debug");
            }

            /// Values out of range are refused with a message naming the setting.
            #[test]
            fn invalid_values_are_refused_by_name(
                which in 0usize..5,
                negative in i64::MIN..0,
            ) {
                let (text, name) = [
                    (format!("link_expiry_secs = {negative}"), "link_expiry_secs"),
                    ("link_expiry_secs = 0".to_owned(), "link_expiry_secs"),
                    (format!("rate_limit = {negative}"), "rate_limit"),
                    ("database_pool_size = 0".to_owned(), "database_pool_size"),
                    (format!("port = {negative}"), "port"),
                ][which].clone();
                let err = Config::from_toml_str(&text).expect_err(&text).to_string();
                prop_assert!(err.contains(name), "{err}");
            }
        }
    }
}

//! [`ComposioBuilder`]: configuration of a [`Composio`] client.

use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use composio_core::{Error, Result, Transport, DEFAULT_BASE_URL};
use composio_http::{ReqwestTransport, RetryPolicy, RetryTransport};
use http::HeaderValue;

use crate::client::{ApiVersion, Composio, Inner};
use crate::request::Api;
use crate::wait::Waiter;

/// Builds a [`Composio`] client.
///
/// ```
/// use std::time::Duration;
/// use composio::{ApiVersion, Composio};
///
/// let composio = Composio::builder()
///     .api_key("ak_test")
///     .base_url("http://127.0.0.1:8080")
///     .api_version(ApiVersion::V3)
///     .timeout(Duration::from_secs(10))
///     .max_retries(0)
///     .build()
///     .unwrap();
/// assert_eq!(composio.api_version(), ApiVersion::V3);
/// ```
///
/// # Troubleshooting
/// `build()` fails with `Error::Configuration` when there is no API key, the base URL is not
/// an `http(s)` URL, or it is plain `http://` to a host other than loopback without
/// [`allow_insecure_http(true)`](Self::allow_insecure_http).
#[derive(Clone)]
pub struct ComposioBuilder {
    api_key: Option<String>,
    base_url: String,
    version: ApiVersion,
    timeout: Duration,
    retry: RetryPolicy,
    transport: Option<Arc<dyn Transport>>,
    source: String,
    poll_interval: Duration,
    allow_insecure_http: bool,
}

impl fmt::Debug for ComposioBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComposioBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("version", &self.version)
            .field("timeout", &self.timeout)
            .field("source", &self.source)
            .field("poll_interval", &self.poll_interval)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

impl Default for ComposioBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            version: ApiVersion::default(),
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::new(),
            transport: None,
            source: "RUST_SDK".to_owned(),
            poll_interval: Duration::from_secs(1),
            allow_insecure_http: false,
        }
    }
}

impl ComposioBuilder {
    /// The API key (sent as `x-api-key`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The API origin (default `https://backend.composio.dev`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The API generation (default [`ApiVersion::V3_1`]).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// The timeout of each HTTP attempt (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How often a failed call is retried (default 2; docs/spec/wire.md §11).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry = self.retry.max_retries(retries);
        self
    }

    /// The whole retry policy (for example without jitter).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A custom transport (for tests or another HTTP stack); the retry layer still wraps it.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The `x-source` header (default `RUST_SDK`).
    pub fn source(mut self, source: &str) -> Self {
        self.source = source.to_owned();
        self
    }

    /// How often `wait_for_connection` polls when the server offers no push wait
    /// (default 1 s, like the official SDKs).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Allows sending the API key over plain `http://` to hosts other than loopback.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Takes the settings the environment gives, the one place composio-rs reads them:
    ///
    /// - `COMPOSIO_API_KEY`: the API key;
    /// - `COMPOSIO_BASE_URL`: the base URL (trimmed);
    /// - `COMPOSIO_ALLOW_INSECURE_HTTP`: `1`, `true` or `yes` (any case) allows plain
    ///   `http://` to hosts other than loopback; any other value forbids it.
    ///
    /// A variable that is unset or blank leaves its setting as it is; settings made after
    /// this call win. [`Composio::from_env`] and the Python binding both use it.
    ///
    /// ```
    /// let builder = composio::Composio::builder().with_env().api_key("explicit key wins");
    /// assert!(builder.has_api_key());
    /// ```
    pub fn with_env(mut self) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if let Some(key) = var("COMPOSIO_API_KEY") {
            self.api_key = Some(key);
        }
        if let Some(url) = var("COMPOSIO_BASE_URL") {
            self.base_url = url.trim().to_owned();
        }
        if let Some(v) = var("COMPOSIO_ALLOW_INSECURE_HTTP") {
            self.allow_insecure_http =
                matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes");
        }
        self
    }

    /// Whether an API key (not blank) is set, so that [`build`](Self::build) will not fail
    /// for the lack of one.
    pub fn has_api_key(&self) -> bool {
        self.api_key.as_ref().is_some_and(|k| !k.trim().is_empty())
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Composio> {
        let api_key = self
            .api_key
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| {
                Error::Configuration(
                    "no API key: call .api_key(..) or set COMPOSIO_API_KEY".to_owned(),
                )
            })?;
        if HeaderValue::from_str(&api_key).is_err() {
            return Err(Error::Configuration(
                "the API key contains characters not allowed in an HTTP header".to_owned(),
            ));
        }
        let source = HeaderValue::from_str(&self.source).map_err(|_| {
            Error::Configuration(format!("invalid x-source value `{}`", self.source))
        })?;
        let base_url = check_base_url(&self.base_url, self.allow_insecure_http)?;
        if self.poll_interval.is_zero() {
            return Err(Error::Configuration("poll_interval must be > 0".to_owned()));
        }
        let raw: Arc<dyn Transport> = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new()?),
        };
        let transport: Arc<dyn Transport> = Arc::new(RetryTransport::new(raw.clone(), self.retry));
        let api = Arc::new(Api {
            transport,
            raw,
            base_url,
            prefix: self.version.prefix(),
            api_key,
            source,
            timeout: self.timeout,
            push_wait: AtomicBool::new(false),
        });
        Ok(Composio {
            inner: Arc::new(Inner {
                waiter: Waiter::new(api.clone()),
                api,
                version: self.version,
                poll_interval: self.poll_interval,
            }),
        })
    }
}

/// Validates the base URL and returns it without a trailing slash.
fn check_base_url(raw: &str, allow_insecure: bool) -> Result<String> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| Error::Configuration(format!("base URL `{raw}` is not a valid URL: {e}")))?;
    let host = match url.host() {
        Some(h) => h,
        None => {
            return Err(Error::Configuration(format!(
                "base URL `{raw}` has no host"
            )))
        }
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Configuration(format!(
            "base URL `{raw}` must not have a query or fragment"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = match host {
                url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
                url::Host::Ipv4(ip) => ip.is_loopback(),
                url::Host::Ipv6(ip) => ip.is_loopback(),
            };
            if !loopback && !allow_insecure {
                return Err(Error::Configuration(format!(
                    "refusing to send the API key over plain http to `{}`; use https, or \
                     opt in with .allow_insecure_http(true) (COMPOSIO_ALLOW_INSECURE_HTTP=1 \
                     with from_env) if you really mean it",
                    url.host_str().unwrap_or_default()
                )));
            }
        }
        other => {
            return Err(Error::Configuration(format!(
                "base URL must be http or https, not `{other}`"
            )))
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert_eq!(
            check_base_url("https://backend.composio.dev/", false).unwrap(),
            "https://backend.composio.dev"
        );
        assert_eq!(
            check_base_url("http://127.0.0.1:9000", false).unwrap(),
            "http://127.0.0.1:9000"
        );
        assert!(check_base_url("http://localhost:1/", false).is_ok());
        assert!(check_base_url("http://[::1]:1/", false).is_ok());
        let e = check_base_url("http://example.com", false).unwrap_err();
        assert!(matches!(e, Error::Configuration(_)), "{e}");
        assert!(check_base_url("http://example.com", true).is_ok());
        assert!(check_base_url("ftp://example.com", true).is_err());
        assert!(check_base_url("not a url", true).is_err());
        assert_eq!(
            check_base_url("https://proxy.example.com/composio/", false).unwrap(),
            "https://proxy.example.com/composio"
        );
    }

    #[test]
    fn build_requires_a_key_and_redacts_it() {
        let e = Composio::builder().build().unwrap_err();
        assert!(matches!(e, Error::Configuration(_)));
        let c = Composio::builder()
            .api_key("super-secret-key")
            .build()
            .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("super-secret-key"), "{dbg}");
        assert!(dbg.contains("redacted"));
        let b = Composio::builder().api_key("super-secret-key");
        assert!(!format!("{b:?}").contains("super-secret-key"));
    }

    #[test]
    fn insecure_http_needs_opt_in() {
        let e = Composio::builder()
            .api_key("k")
            .base_url("http://composio.internal")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("allow_insecure_http"), "{e}");
        Composio::builder()
            .api_key("k")
            .base_url("http://composio.internal")
            .allow_insecure_http(true)
            .build()
            .unwrap();
    }
}

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use composio_core::{ByteStream, Error, RequestTimeout, Transport, TransportError};
use futures_util::StreamExt;

/// Default time to establish a connection.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for one attempt (docs/spec/wire.md §1: 60 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A [`Transport`] over reqwest with rustls.
///
/// One attempt per call; redirects are not followed (the API does not redirect, and
/// following one could send the API key elsewhere). The per-request deadline is the
/// [`RequestTimeout`] extension when present, else the builder's timeout.
///
/// ```no_run
/// use std::time::Duration;
/// use composio_http::ReqwestTransport;
/// # fn main() -> Result<(), composio_core::Error> {
/// let transport = ReqwestTransport::builder()
///     .connect_timeout(Duration::from_secs(5))
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// # let _ = transport; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    timeout: Duration,
}

/// Builder of a [`ReqwestTransport`].
#[derive(Debug, Clone)]
pub struct ReqwestTransportBuilder {
    connect_timeout: Duration,
    timeout: Duration,
    pool_max_idle_per_host: usize,
    pool_idle_timeout: Option<Duration>,
}

impl Default for ReqwestTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            pool_max_idle_per_host: 32,
            pool_idle_timeout: Some(Duration::from_secs(90)),
        }
    }
}

impl ReqwestTransportBuilder {
    /// Time to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Default time for one attempt, when the request carries no [`RequestTimeout`]
    /// (default 60 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// How many idle connections per host the pool keeps (default 32).
    pub fn pool_max_idle_per_host(mut self, n: usize) -> Self {
        self.pool_max_idle_per_host = n;
        self
    }

    /// How long an idle connection is kept (default 90 s; `None` keeps it forever).
    pub fn pool_idle_timeout(mut self, d: Option<Duration>) -> Self {
        self.pool_idle_timeout = d;
        self
    }

    /// Builds the transport.
    pub fn build(self) -> Result<ReqwestTransport, Error> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(self.connect_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .pool_idle_timeout(self.pool_idle_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Configuration(format!("could not build the HTTP client: {e}")))?;
        Ok(ReqwestTransport {
            client,
            timeout: self.timeout,
        })
    }
}

impl ReqwestTransport {
    /// A transport with the default timeouts.
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// A builder.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// A transport over an existing reqwest client (its own timeouts and redirect policy
    /// apply; the [`RequestTimeout`] extension still does).
    pub fn from_client(client: reqwest::Client) -> Self {
        Self {
            client,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    fn prepare(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<(reqwest::Request, Duration), TransportError> {
        let timeout = request
            .extensions()
            .get::<RequestTimeout>()
            .map_or(self.timeout, |t| t.0);
        let request = reqwest::Request::try_from(request).map_err(TransportError::other)?;
        Ok((request, timeout))
    }

    async fn execute_head(
        &self,
        request: reqwest::Request,
        timeout: Duration,
    ) -> Result<reqwest::Response, TransportError> {
        match tokio::time::timeout(timeout, self.client.execute(request)).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(e)) => Err(map_error(e)),
            Err(_) => Err(TransportError::timeout(format!(
                "no response within {timeout:?}"
            ))),
        }
    }
}

fn map_error(e: reqwest::Error) -> TransportError {
    if e.is_connect() {
        TransportError::connect(e)
    } else if e.is_timeout() {
        TransportError::timeout(e)
    } else {
        TransportError::other(e)
    }
}

fn head_of(resp: &reqwest::Response) -> http::response::Builder {
    let mut builder = http::Response::builder()
        .status(resp.status())
        .version(resp.version());
    if let Some(headers) = builder.headers_mut() {
        *headers = resp.headers().clone();
    }
    builder
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let (request, timeout) = self.prepare(request)?;
        let started = tokio::time::Instant::now();
        let resp = self.execute_head(request, timeout).await?;
        let builder = head_of(&resp);
        let remaining = timeout.saturating_sub(started.elapsed());
        let body = match tokio::time::timeout(remaining, resp.bytes()).await {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => return Err(map_error(e)),
            Err(_) => {
                return Err(TransportError::timeout(format!(
                    "response body not received within {timeout:?}"
                )))
            }
        };
        builder.body(body).map_err(TransportError::other)
    }

    async fn send_streaming(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<ByteStream>, TransportError> {
        let (request, timeout) = self.prepare(request)?;
        let resp = self.execute_head(request, timeout).await?;
        let builder = head_of(&resp);
        let stream: ByteStream = Box::pin(resp.bytes_stream().map(|r| r.map_err(map_error)));
        builder.body(stream).map_err(TransportError::other)
    }
}

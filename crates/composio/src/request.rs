//! The one request function every endpoint goes through: headers, timeout, idempotency,
//! tracing, error mapping and decoding.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use composio_core::error::ErrorEnvelope;
use composio_core::{
    ApiError, Attempts, ByteStream, Error, Idempotency, RequestTimeout, Result, Transport,
    PUSH_WAIT_HEADER, PUSH_WAIT_PROTOCOL,
};
use http::{header, HeaderMap, HeaderValue, Method};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

/// The `User-Agent` this crate sends.
pub(crate) const USER_AGENT: &str = concat!("composio-rs/", env!("CARGO_PKG_VERSION"));
/// The `x-sdk-version` this crate sends.
pub(crate) const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The header carrying a request's idempotency key.
pub(crate) const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The request layer shared by the client and the waiter.
pub(crate) struct Api {
    /// Retrying transport for ordinary calls.
    pub(crate) transport: Arc<dyn Transport>,
    /// The user's (or reqwest) transport without retries, for long-lived streams.
    pub(crate) raw: Arc<dyn Transport>,
    /// `https://backend.composio.dev` (no trailing slash).
    pub(crate) base_url: String,
    /// `/api/v3.1` or `/api/v3`.
    pub(crate) prefix: &'static str,
    pub(crate) api_key: String,
    pub(crate) source: HeaderValue,
    pub(crate) timeout: Duration,
    /// Whether a response carried `x-composio-push-wait: watch-v1`.
    pub(crate) push_wait: AtomicBool,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("base_url", &self.base_url)
            .field("prefix", &self.prefix)
            .field("api_key", &"<redacted>")
            .field("source", &self.source)
            .field("timeout", &self.timeout)
            .field("push_wait", &self.push_wait.load(Ordering::Relaxed))
            .finish()
    }
}

/// One API call, before it is turned into an HTTP request.
#[derive(Debug)]
pub(crate) struct Call {
    method: Method,
    /// Path after the version prefix, already percent-encoded (`/connected_accounts/ca_1`).
    path: String,
    query: String,
    body: Option<Bytes>,
    idempotency: Idempotency,
    idempotency_key: bool,
}

impl Call {
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: String::new(),
            body: None,
            idempotency: Idempotency::Idempotent,
            idempotency_key: false,
        }
    }

    pub(crate) fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub(crate) fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    pub(crate) fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    pub(crate) fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::PATCH, path)
    }

    /// Sets the query string (already encoded, without `?`).
    pub(crate) fn query(mut self, query: String) -> Self {
        self.query = query;
        self
    }

    /// Sets a JSON body.
    pub(crate) fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidInput(format!("could not encode the request body: {e}")))?;
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    /// Sends a generated `Idempotency-Key` so the retry layer may repeat this POST safely.
    pub(crate) fn with_idempotency_key(mut self) -> Self {
        self.idempotency_key = true;
        self
    }

    /// Marks the call as never to be retried once it may have been sent.
    pub(crate) fn non_idempotent(mut self) -> Self {
        self.idempotency = Idempotency::NonIdempotent;
        self
    }
}

impl Api {
    /// The full URL of `path` (after the version prefix).
    pub(crate) fn url(&self, path: &str, query: &str) -> String {
        let mut url = format!("{}{}{}", self.base_url, self.prefix, path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        url
    }

    fn build(&self, call: &Call) -> Result<http::Request<Bytes>> {
        let mut builder = http::Request::builder()
            .method(call.method.clone())
            .uri(self.url(&call.path, &call.query))
            .header("x-api-key", &self.api_key)
            .header(header::USER_AGENT, USER_AGENT)
            .header("x-source", self.source.clone())
            .header("x-sdk-version", SDK_VERSION)
            .header(header::ACCEPT, "application/json");
        if call.body.is_some() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        if call.idempotency_key {
            builder = builder.header(IDEMPOTENCY_KEY, composio_core::ids::new_uuid_v4());
        }
        let mut request = builder
            .body(call.body.clone().unwrap_or_default())
            .map_err(|e| Error::InvalidInput(format!("could not build the request: {e}")))?;
        request
            .extensions_mut()
            .insert(RequestTimeout(self.timeout));
        request.extensions_mut().insert(call.idempotency);
        Ok(request)
    }

    /// Records whether the server advertises the push wait.
    fn observe(&self, headers: &HeaderMap) {
        if let Some(v) = headers.get(PUSH_WAIT_HEADER) {
            let on = v.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|p| p.trim().eq_ignore_ascii_case(PUSH_WAIT_PROTOCOL))
            });
            self.push_wait.store(on, Ordering::Relaxed);
        }
    }

    /// Sends `call` and decodes a 2xx JSON body as `T`.
    pub(crate) async fn send<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        self.send_with_meta(call).await.map(|(value, _)| value)
    }

    /// Sends `call` and decodes a 2xx JSON body as `T`; also returns the response's status
    /// and request id, for errors found in the value later.
    pub(crate) async fn send_with_meta<T: DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<(T, ResponseMeta)> {
        let (meta, body) = self.send_bytes(call).await?;
        let value = decode(meta.status, meta.request_id.clone(), &body)?;
        Ok((value, meta))
    }

    /// Sends `call`; returns the status and request id, and the body, of a 2xx response.
    pub(crate) async fn send_bytes(&self, call: Call) -> Result<(ResponseMeta, Bytes)> {
        let span = tracing::debug_span!(
            "composio.request",
            method = %call.method,
            path = %call.path,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        async {
            let request = self.build(&call)?;
            let result = self.transport.send(request).await;
            let response = match result {
                Ok(r) => r,
                Err(e) => {
                    tracing::debug!(error = %e, "request failed");
                    return Err(Error::from(e));
                }
            };
            let (parts, body) = response.into_parts();
            self.observe(&parts.headers);
            let status = parts.status.as_u16();
            let request_id = request_id(&parts.headers);
            let span = tracing::Span::current();
            span.record("status", status);
            if let Some(id) = &request_id {
                span.record("request_id", id.as_str());
            }
            if !parts.status.is_success() {
                let mut err = api_error(status, &parts.headers, &body);
                // Set by the retry layer when it gave up on this answer.
                if let Some(Attempts(n)) = parts.extensions.get::<Attempts>() {
                    err.attempts = *n;
                }
                tracing::debug!(error = %err, "API error");
                return Err(Error::from(err));
            }
            tracing::trace!("ok");
            Ok((ResponseMeta { status, request_id }, body))
        }
        .instrument(span)
        .await
    }

    /// Opens a streaming response (no retries). Non-2xx answers become API errors.
    pub(crate) async fn open_stream(&self, call: Call) -> Result<http::Response<ByteStream>> {
        let mut request = self.build(&call)?;
        request.headers_mut().insert(
            header::ACCEPT,
            HeaderValue::from_static("text/event-stream"),
        );
        let response = self.raw.send_streaming(request).await?;
        self.observe(response.headers());
        if response.status().is_success() {
            return Ok(response);
        }
        let (parts, mut stream) = response.into_parts();
        let mut body = Vec::new();
        // Read a bounded prefix of the error body.
        while body.len() < 64 * 1024 {
            match futures_util::StreamExt::next(&mut stream).await {
                Some(Ok(chunk)) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        Err(Error::from(api_error(
            parts.status.as_u16(),
            &parts.headers,
            &body,
        )))
    }
}

/// What identifies a 2xx response, for the errors found in its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResponseMeta {
    /// The HTTP status (200, 201, …).
    pub(crate) status: u16,
    /// Its `x-request-id`.
    pub(crate) request_id: Option<String>,
}

impl ResponseMeta {
    /// The status and request id of a response head.
    pub(crate) fn of<B>(response: &http::Response<B>) -> Self {
        Self {
            status: response.status().as_u16(),
            request_id: request_id(response.headers()),
        }
    }

    /// An [`Error::Decode`] about this response that keeps `source` as its cause.
    pub(crate) fn decode_error(
        &self,
        message: String,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::Decode {
            status: self.status,
            message,
            request_id: self.request_id.clone(),
            source: Some(source.into()),
        }
    }
}

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Decodes a 2xx body; failures become [`Error::Decode`] with the serde error as the cause.
pub(crate) fn decode<T: DeserializeOwned>(
    status: u16,
    request_id: Option<String>,
    body: &[u8],
) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        status,
        message: format!("{e}; body starts with: {}", snippet(body)),
        request_id,
        source: Some(Box::new(e)),
    })
}

/// The first characters of a body, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX * 4)]);
    let text = text.trim();
    if text.is_empty() {
        return "<empty body>".to_owned();
    }
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().count() > MAX {
        out.push('…');
    }
    out
}

/// Maps a non-2xx response to an [`ApiError`]; bodies that are not the envelope of
/// docs/spec/wire.md §10 still give an error with the status and a snippet of the body.
pub(crate) fn api_error(status: u16, headers: &HeaderMap, body: &[u8]) -> ApiError {
    let header_request_id = request_id(headers);
    let mut err = match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(env) => {
            let e = env.error;
            let mut out = ApiError::new(status, e.message);
            out.code = Some(e.code).filter(|c| *c != 0);
            out.slug = Some(e.slug).filter(|s| !s.is_empty());
            out.suggested_fix = e.suggested_fix;
            out.errors = e.errors;
            out.extra = e.extra;
            out.request_id = e.request_id;
            out
        }
        Err(_) => {
            let reason = http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error");
            ApiError::new(status, format!("{reason}: {}", snippet(body)))
        }
    };
    if header_request_id.is_some() {
        err.request_id = header_request_id;
    }
    // The same reading (and the same 0–60 s range) as the retry layer's.
    err.retry_after = composio_http::retry::retry_after(headers, std::time::SystemTime::now());
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_is_mapped_and_header_request_id_wins() {
        let mut h = HeaderMap::new();
        h.insert("x-request-id", HeaderValue::from_static("hdr-1"));
        h.insert("retry-after-ms", HeaderValue::from_static("1500"));
        let body = br#"{"error":{"message":"Toolkit 'gmial' not found","code":1404,"slug":"Toolkit_NotFound","status":404,"request_id":"env-1","suggested_fix":"Check the toolkit slug.","errors":[{"f":1}]}}"#;
        let e = api_error(404, &h, body);
        assert_eq!(e.status, 404);
        assert_eq!(e.code, Some(1404));
        assert_eq!(e.slug.as_deref(), Some("Toolkit_NotFound"));
        assert_eq!(e.message, "Toolkit 'gmial' not found");
        assert_eq!(e.request_id.as_deref(), Some("hdr-1"));
        assert_eq!(e.suggested_fix.as_deref(), Some("Check the toolkit slug."));
        assert_eq!(e.retry_after, Some(Duration::from_millis(1500)));
        assert_eq!(e.errors.len(), 1);
    }

    #[test]
    fn garbage_bodies_give_status_and_snippet() {
        let e = api_error(502, &HeaderMap::new(), b"<html>Bad gateway</html>");
        assert_eq!(e.status, 502);
        assert_eq!(e.message, "Bad Gateway: <html>Bad gateway</html>");
        let e = api_error(500, &HeaderMap::new(), b"");
        assert_eq!(e.message, "Internal Server Error: <empty body>");
        let long = vec![b'x'; 5000];
        let e = api_error(599, &HeaderMap::new(), &long);
        assert!(e.message.ends_with('…'), "{}", e.message);
        assert!(e.message.len() < 400);
        // Invalid UTF-8 never panics.
        let e = api_error(400, &HeaderMap::new(), &[0xff, 0xfe, 0x00]);
        assert_eq!(e.status, 400);
    }

    #[test]
    fn retry_after_is_read_like_the_retry_layer() {
        let retry_after = |value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert("retry-after", HeaderValue::from_static(value));
            api_error(429, &h, b"").retry_after
        };
        assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(retry_after("soon"), None);
        // Beyond the 60 s the retry layer honours, no delay is reported either.
        assert_eq!(retry_after("61"), None);
        assert_eq!(retry_after("60"), Some(Duration::from_secs(60)));
    }

    #[test]
    fn decode_errors_carry_status_and_request_id() {
        let e = decode::<serde_json::Value>(200, Some("r".into()), b"not json").unwrap_err();
        assert_eq!(e.status(), Some(200));
        assert_eq!(e.request_id(), Some("r"));
        assert!(e.to_string().contains("not json"));
        let cause = std::error::Error::source(&e).expect("the serde error is the source");
        assert!(cause.downcast_ref::<serde_json::Error>().is_some());
    }

    #[test]
    fn response_meta_makes_decode_errors_with_the_real_status() {
        let response = http::Response::builder()
            .status(201)
            .header("x-request-id", "r-201")
            .body(())
            .unwrap();
        let meta = ResponseMeta::of(&response);
        let cause = composio_core::SessionId::new("").unwrap_err();
        let e = meta.decode_error("bad id".into(), cause);
        assert_eq!(e.status(), Some(201));
        assert_eq!(e.request_id(), Some("r-201"));
        let cause = std::error::Error::source(&e).unwrap();
        assert!(cause.downcast_ref::<composio_core::InvalidId>().is_some());
    }
}

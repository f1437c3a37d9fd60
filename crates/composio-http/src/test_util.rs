//! Test doubles (feature `test-util`).
//!
//! ```
//! use composio_core::Transport;
//! use composio_http::test_util::MockTransport;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mock = MockTransport::new();
//! mock.push_json(201, serde_json::json!({"ok": true}));
//! let req = http::Request::post("http://x/api").body(bytes::Bytes::from_static(b"{}")).unwrap();
//! let resp = mock.send(req).await.unwrap();
//! assert_eq!(resp.status(), 201);
//! assert_eq!(mock.requests()[0].path(), "/api");
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;
use bytes::Bytes;
use composio_core::{Transport, TransportError};

/// A request as a [`MockTransport`] received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Method.
    pub method: http::Method,
    /// Full URI.
    pub uri: http::Uri,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl RecordedRequest {
    /// The path of the URI.
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// The query string, when there is one.
    pub fn query(&self) -> Option<&str> {
        self.uri.query()
    }

    /// A header as a string.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body parsed as JSON (`Value::Null` when empty or not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

type Reply = Result<http::Response<Bytes>, TransportError>;
type Fallback = Box<dyn Fn(&RecordedRequest) -> Reply + Send + Sync>;

/// A scripted in-memory [`Transport`] that records every request.
///
/// Answers come from a queue (first in, first out); when the queue is empty the fallback
/// answers, and without one the call fails with a transport error naming the request.
#[derive(Default)]
pub struct MockTransport {
    queue: Mutex<VecDeque<Reply>>,
    fallback: Mutex<Option<Fallback>>,
    requests: Mutex<Vec<RecordedRequest>>,
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockTransport")
            .field("queued", &lock(&self.queue).len())
            .field("requests", &lock(&self.requests).len())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A JSON response with `status`.
pub fn json_response(status: u16, body: &serde_json::Value) -> http::Response<Bytes> {
    let mut resp = http::Response::new(Bytes::from(body.to_string()));
    *resp.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    resp
}

impl MockTransport {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a JSON response.
    pub fn push_json(&self, status: u16, body: serde_json::Value) -> &Self {
        self.push_response(json_response(status, &body))
    }

    /// Queues a response.
    pub fn push_response(&self, response: http::Response<Bytes>) -> &Self {
        lock(&self.queue).push_back(Ok(response));
        self
    }

    /// Queues a transport error.
    pub fn push_error(&self, error: TransportError) -> &Self {
        lock(&self.queue).push_back(Err(error));
        self
    }

    /// Answers requests once the queue is empty.
    pub fn set_fallback(
        &self,
        f: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> &Self {
        *lock(&self.fallback) = Some(Box::new(f));
        self
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }

    /// How many answers are still queued.
    pub fn remaining(&self) -> usize {
        lock(&self.queue).len()
    }
}

#[async_trait]
impl Transport for MockTransport {
    async fn send(&self, request: http::Request<Bytes>) -> Reply {
        let (parts, body) = request.into_parts();
        let recorded = RecordedRequest {
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
        };
        lock(&self.requests).push(recorded.clone());
        if let Some(reply) = lock(&self.queue).pop_front() {
            return reply;
        }
        match &*lock(&self.fallback) {
            Some(f) => f(&recorded),
            None => Err(TransportError::other(format!(
                "MockTransport: no scripted response left for {} {}",
                recorded.method, recorded.uri
            ))),
        }
    }
}

/// A [`Transport`] that never answers (for timeout tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct NeverTransport;

#[async_trait]
impl Transport for NeverTransport {
    async fn send(&self, _request: http::Request<Bytes>) -> Reply {
        std::future::pending().await
    }
}

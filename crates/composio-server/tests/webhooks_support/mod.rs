//! A webhook receiver on loopback for the webhook tests: records every request and answers
//! with scripted statuses.
#![allow(dead_code, missing_docs)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use composio_core::models::WebhookEvent;
use tokio::sync::mpsc;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// Verifies the signature with `secret` (now, 300 s tolerance) and parses the event.
    pub fn verify(
        &self,
        secret: &str,
    ) -> Result<WebhookEvent, composio_core::webhook::VerifyError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_secs() as i64;
        composio_core::webhook::verify_at(
            &self.headers,
            &self.body,
            secret,
            composio_core::webhook::DEFAULT_TOLERANCE,
            now,
        )
    }
}

#[derive(Clone)]
struct Shared {
    script: Arc<Mutex<VecDeque<u16>>>,
    tx: mpsc::UnboundedSender<Received>,
}

/// A receiver at `url()`; answers 200 unless scripted otherwise.
pub struct Receiver {
    pub addr: SocketAddr,
    rx: mpsc::UnboundedReceiver<Received>,
    script: Arc<Mutex<VecDeque<u16>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Self {
        Self::on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub async fn on(addr: SocketAddr) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let shared = Shared {
            script: script.clone(),
            tx,
        };
        let app = Router::new()
            .route("/hooks", post(receive))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            rx,
            script,
            _task: task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    /// Answers the next requests with these statuses.
    pub fn answer(&self, statuses: &[u16]) {
        self.script.lock().unwrap().extend(statuses);
    }

    /// The next request (fails after 15 s).
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(15), self.rx.recv())
            .await
            .expect("a webhook within 15 s")
            .expect("receiver open")
    }

    /// Asserts nothing more arrives within `d`.
    pub async fn nothing_within(&mut self, d: Duration) {
        if let Ok(Some(r)) = tokio::time::timeout(d, self.rx.recv()).await {
            panic!("unexpected webhook: {}", String::from_utf8_lossy(&r.body));
        }
    }
}

async fn receive(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let status = s.script.lock().unwrap().pop_front().unwrap_or(200);
    let _ = s.tx.send(Received { headers, body });
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}

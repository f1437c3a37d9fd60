//! The HTTP/1 accept loop: limits that keep idle or slow clients from exhausting the
//! server's file descriptors ([`ConnectionLimits`]), and graceful shutdown.
//!
//! - The header-read timeout runs from the moment a connection waits for a request (its
//!   first, or the next one on a keep-alive connection) until the request's headers are
//!   complete, so it is also the idle keep-alive timeout: a client that opens a connection
//!   and sends nothing, or sends half a request line, is disconnected when it expires.
//! - The body-read timeout bounds the wait for each piece of a request body: a client that
//!   stops sending half way gets an error response and its connection is closed.
//! - At most `max_connections` connections are served at once; further connections wait in
//!   the listen backlog until one closes (they are not refused, and open ones keep working).
//! - Server-sent event streams (watch, webhook listen, MCP) send a comment line every
//!   `sse_heartbeat` so proxies and the server can tell live streams from dead ones.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower_http::timeout::TimeoutBody;
use tower_service::Service;

/// The largest accepted `max_connections`.
pub const MAX_CONNECTIONS: usize = 1_000_000;

/// Connection limits and timeouts of the server (config keys `header_read_timeout_secs`,
/// `request_body_timeout_secs`, `max_connections`, `sse_heartbeat_secs`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionLimits {
    /// Longest wait for a request's headers, idle keep-alive time included (default 30 s).
    pub header_read_timeout: Duration,
    /// Longest wait for the next piece of a request body (default 30 s).
    pub request_body_timeout: Duration,
    /// Most connections served at once (default 1024); more wait to be accepted.
    pub max_connections: usize,
    /// Interval of the heartbeat comments of event streams (default 15 s).
    pub sse_heartbeat: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            request_body_timeout: Duration::from_secs(30),
            max_connections: 1024,
            sse_heartbeat: Duration::from_secs(15),
        }
    }
}

impl ConnectionLimits {
    /// Checks the values (every duration and the cap above zero).
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.header_read_timeout.is_zero()
            || self.request_body_timeout.is_zero()
            || self.sse_heartbeat.is_zero()
        {
            return Err(
                "header_read_timeout_secs, request_body_timeout_secs and sse_heartbeat_secs \
                 must be > 0"
                    .into(),
            );
        }
        if self.max_connections == 0 || self.max_connections > MAX_CONNECTIONS {
            return Err(format!(
                "max_connections must be between 1 and {MAX_CONNECTIONS}"
            ));
        }
        Ok(())
    }

    /// Applies `COMPOSIO_SERVER_HEADER_READ_TIMEOUT_SECS`,
    /// `COMPOSIO_SERVER_REQUEST_BODY_TIMEOUT_SECS`, `COMPOSIO_SERVER_MAX_CONNECTIONS` and
    /// `COMPOSIO_SERVER_SSE_HEARTBEAT_SECS`; invalid values are added to `errors`.
    pub(crate) fn apply_env(&mut self, errors: &mut Vec<String>) {
        let mut read = |name: &str| -> Option<u64> {
            let v = std::env::var(format!("COMPOSIO_SERVER_{name}")).ok()?;
            match v.trim().parse::<u64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    errors.push(format!(
                        "COMPOSIO_SERVER_{name} must be a whole number >= 1, got `{v}`"
                    ));
                    None
                }
            }
        };
        if let Some(n) = read("HEADER_READ_TIMEOUT_SECS") {
            self.header_read_timeout = Duration::from_secs(n);
        }
        if let Some(n) = read("REQUEST_BODY_TIMEOUT_SECS") {
            self.request_body_timeout = Duration::from_secs(n);
        }
        if let Some(n) = read("MAX_CONNECTIONS") {
            self.max_connections = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = read("SSE_HEARTBEAT_SECS") {
            self.sse_heartbeat = Duration::from_secs(n);
        }
    }
}

/// Serves `app` on `listener` until `shutdown` turns true, then stops accepting, lets the
/// open connections finish their requests, and returns once they are closed.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    // `validate` keeps the cap far below `u32::MAX`.
    let total = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = stopped(&mut shutdown) => break,
        };
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut shutdown) => break,
        };
        // Server-push events are small writes: without TCP_NODELAY, Nagle's algorithm and the
        // client's delayed ACK hold some of them back ~40 ms.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let app = app.clone();
        let body_timeout = limits.request_body_timeout;
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let req = req.map(|b| Body::new(TimeoutBody::new(body_timeout, b)));
            app.clone().call(req)
        });
        let conn = builder.serve_connection(TokioIo::new(tcp), service);
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection closed");
                    }
                    return;
                }
                () = stopped(&mut stop) => {}
            }
            conn.as_mut().graceful_shutdown();
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed");
            }
        });
    }
    // Every connection holds a permit: all of them back means all connections are closed.
    let _ = permits.acquire_many(total).await;
}

/// Returns once the shutdown flag is true (or its sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    #[test]
    fn limits_come_from_the_config_file_and_are_checked() {
        let c = Config::from_toml_str(
            "header_read_timeout_secs = 5\nrequest_body_timeout_secs = 7\n\
             max_connections = 64\nsse_heartbeat_secs = 3\n",
        )
        .unwrap();
        assert_eq!(c.connections.header_read_timeout, Duration::from_secs(5));
        assert_eq!(c.connections.request_body_timeout, Duration::from_secs(7));
        assert_eq!(c.connections.max_connections, 64);
        assert_eq!(c.connections.sse_heartbeat, Duration::from_secs(3));
        assert_eq!(
            Config::from_toml_str("").unwrap().connections,
            ConnectionLimits::default()
        );
        for bad in [
            "max_connections = 0",
            "max_connections = 2000000",
            "header_read_timeout_secs = 0",
            "request_body_timeout_secs = 0",
            "sse_heartbeat_secs = 0",
        ] {
            assert!(Config::from_toml_str(bad).is_err(), "{bad}");
        }
    }
}

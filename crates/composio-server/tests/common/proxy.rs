//! A TCP proxy for tests that play a load balancer or a network fault: it forwards every
//! connection to its current upstream, and changing the upstream (or taking it away) cuts
//! the connections already open, as a failover or an outage does.

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A proxy on `127.0.0.1:<port>`.
pub struct Proxy {
    pub port: u16,
    upstream: Arc<watch::Sender<Option<String>>>,
}

impl Proxy {
    /// Starts forwarding to `upstream` (`host:port`; `None`: closing connections until
    /// [`Self::switch`] names one).
    pub async fn start(upstream: Option<&str>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (tx, _) = watch::channel(upstream.map(str::to_owned));
        let tx = Arc::new(tx);
        let gate = tx.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let mut current = gate.subscribe();
                let Some(target) = current.borrow_and_update().clone() else {
                    drop(inbound); // nothing behind the proxy: the connection is closed
                    continue;
                };
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = current.changed() => {} // failover or outage: cut
                    }
                });
            }
        });
        Self { port, upstream: tx }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Forwards new connections to `upstream` (`None`: closes them), cutting open ones.
    pub fn switch(&self, upstream: Option<&str>) {
        self.upstream.send_replace(upstream.map(str::to_owned));
    }
}

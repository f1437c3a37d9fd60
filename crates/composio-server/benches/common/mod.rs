//! What the benchmarks share: server processes, free ports, percentiles.
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `composio-server` process, killed when dropped.
pub struct ServerProcess(pub Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `composio-server` (sandbox, no rate limit) with `args` and `env` on a free port
/// and waits until it accepts connections; its URL.
pub fn start_server(key: &str, args: &[&str], env: &[(&str, &str)]) -> (ServerProcess, String) {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_composio-server"));
    cmd.args(["--sandbox", "--port", &port.to_string()])
        .args(args)
        .env("COMPOSIO_SERVER_API_KEY", key)
        // Measure the server, not its rate limit.
        .env("COMPOSIO_SERVER_RATE_LIMIT", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("start composio-server");
    let process = ServerProcess(child);
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "composio-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (process, url)
}

/// The `p` quantile (0..=1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Milliseconds, for reports.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

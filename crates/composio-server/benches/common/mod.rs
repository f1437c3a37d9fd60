//! What the benchmarks share: server processes, free ports, percentiles.
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `composio-server` process, killed when dropped.
pub struct ServerProcess(pub Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if std::env::var_os("COMPOSIO_BENCH_WRAP").is_some() {
            // A profiler writes its output when the server exits on SIGTERM, not on SIGKILL.
            let _ = Command::new("kill")
                .args(["-TERM", &self.0.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline && matches!(self.0.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
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
    // `COMPOSIO_BENCH_WRAP="valgrind --tool=callgrind"` runs the server under a profiler.
    let wrap = std::env::var("COMPOSIO_BENCH_WRAP").unwrap_or_default();
    let mut wrap = wrap.split_whitespace();
    // `COMPOSIO_BENCH_SERVER=target/release/composio-server`: another build of the server.
    let server = std::env::var("COMPOSIO_BENCH_SERVER")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_composio-server").to_owned());
    let mut cmd = match wrap.next() {
        Some(program) => {
            let mut cmd = Command::new(program);
            cmd.args(wrap).arg(&server);
            cmd
        }
        None => Command::new(&server),
    };
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
    let deadline = Instant::now() + Duration::from_secs(120);
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

/// Established TCP connections from `local` to `port` on this machine (`/proc/net/tcp`).
pub fn sockets_from(local: std::net::Ipv4Addr, port: u16) -> usize {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return 0;
    };
    let local_ip = format!("{:08X}", u32::from_le_bytes(local.octets()));
    let remote_port = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            cols.len() > 3
                && cols[1].starts_with(&local_ip)
                && cols[2].ends_with(&remote_port)
                && cols[3] == "01"
        })
        .count()
}

/// (current RSS, peak RSS) of this process in MiB.
pub fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time (user + system) of process `pid`, or of this process with `None`, in seconds
/// (`/proc/<pid>/stat`, in the kernel's fixed 100 ticks per second); 0 when unreadable.
pub fn cpu_secs(pid: Option<u32>) -> f64 {
    let path = pid.map_or("/proc/self/stat".to_owned(), |p| format!("/proc/{p}/stat"));
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The command name (field 2) may hold spaces: count fields after its closing ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// A sandbox `composio-server` on SQLite in a fresh temporary data directory (removed when
/// dropped, after the server).
pub struct SqliteServer {
    pub url: String,
    pub port: u16,
    /// The server's process id (the profiler's, when `COMPOSIO_BENCH_WRAP` is set).
    pub pid: u32,
    _process: ServerProcess,
    _dir: tempfile::TempDir,
}

impl SqliteServer {
    /// Starts it with API key `key`.
    pub fn start(key: &str) -> Self {
        Self::start_with_config(key, None)
    }

    /// Starts it with API key `key` and, when given, the config file text `toml`.
    pub fn start_with_config(key: &str, toml: Option<&str>) -> Self {
        let dir = tempfile::tempdir().expect("a temporary data directory");
        let data = dir.path().to_string_lossy().into_owned();
        let config = dir.path().join("bench.toml");
        let config = config.to_string_lossy().into_owned();
        let mut args = vec!["--data-dir", &data];
        if let Some(toml) = toml {
            std::fs::write(&config, toml).expect("write the config file");
            args.extend(["--config", &config]);
        }
        let (process, url) = start_server(key, &args, &[]);
        let port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port in the URL");
        SqliteServer {
            url,
            port,
            pid: process.0.id(),
            _process: process,
            _dir: dir,
        }
    }
}

//! `composio-server`: run a self-hosted, Composio-compatible server.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use composio_server::Config;

/// Self-hostable, Composio-compatible server (sessions, Connect Links, OAuth, push waits).
#[derive(Debug, Parser)]
#[command(name = "composio-server", version)]
struct Cli {
    /// Port to listen on.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Directory of the database and the generated encryption key.
    #[arg(long, default_value = "./composio-data")]
    data_dir: PathBuf,
    /// Database URL: postgres://user:password@host:5432/db (PostgreSQL, shareable by several
    /// replicas) or sqlite:path; default: composio.db in the data directory.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Public origin (used in Connect Link, OAuth redirect and MCP URLs).
    #[arg(long)]
    public_url: Option<String>,
    /// Use the built-in sandbox OAuth provider for toolkits without client credentials.
    #[arg(long)]
    sandbox: bool,
    /// TOML config file (projects, OAuth apps, extra toolkits).
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create an API key for a project and print it once (only its hash is stored).
    Create {
        /// Project name.
        #[arg(long, default_value = "default")]
        project: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = match &cli.config {
        Some(path) => Config::load(path)?,
        // A deployed server limits each project (50 requests/s, bursts of 100) unless
        // COMPOSIO_SERVER_RATE_LIMIT=0 or the config file says otherwise.
        None => Config::empty().sandbox(false).deployed_rate_limit(),
    };
    let explicit_port = std::env::args().any(|a| a == "--port" || a.starts_with("--port="));
    if explicit_port || cli.config.is_none() {
        config.port = cli.port;
    }
    if config.data_dir.is_none() || std::env::args().any(|a| a.starts_with("--data-dir")) {
        config.data_dir = Some(cli.data_dir.clone());
    }
    if std::env::args().any(|a| a.starts_with("--bind")) || cli.config.is_none() {
        config.bind = cli.bind;
    }
    if cli.public_url.is_some() {
        config.public_url = cli.public_url.clone();
    }
    if cli.sandbox {
        config.sandbox = true;
    }
    let slugs = composio_server::catalog::Catalog::builtin()?
        .iter()
        .map(|t| t.slug.clone())
        .chain(config.extra_toolkits.iter().map(|t| t.slug.clone()))
        .collect::<Vec<_>>();
    config.apply_env(&slugs);
    // The flag wins over COMPOSIO_SERVER_DATABASE_URL and the config file.
    if let Some(url) = &cli.database_url {
        config.database_url = Some(url.as_str().into());
    }
    match cli.command {
        Some(Command::Keys {
            command: KeysCommand::Create { project },
        }) => {
            let key = composio_server::keys_create(&config, &project).await?;
            println!("{key}");
            eprintln!("Store this key now: it is not shown again (only its hash is kept).");
            Ok(())
        }
        None => Ok(composio_server::run_until_signal(config).await?),
    }
}

//! `composio serve`: composio-server in the foreground.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;
use composio_server::Config;

use crate::backend::{local_api_key, resolve_data_dir};
use crate::exit::{self, CliError};
use crate::GlobalArgs;

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Serve every OAuth toolkit without configured client credentials with the built-in
    /// sandbox provider (offline development).
    #[arg(long)]
    sandbox: bool,
    /// Public URL of this server, used in Connect Links and MCP URLs.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// A TOML configuration file (projects, OAuth apps, extra toolkits…).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub(crate) async fn run(global: &GlobalArgs, args: ServeArgs) -> Result<(), CliError> {
    let data_dir = resolve_data_dir(global.data_dir.as_deref())?;
    let mut config = match &args.config {
        Some(path) => Config::load(path).map_err(|e| {
            CliError::new(
                exit::CONFIG,
                format!("could not load {}: {e}", path.display()),
            )
        })?,
        // Like the `composio-server` binary: 50 requests/s per project, bursts of 100, unless
        // COMPOSIO_SERVER_RATE_LIMIT=0 or the config file says otherwise.
        None => Config::empty().deployed_rate_limit(),
    };
    // COMPOSIO_SERVER_API_KEY, when set, is registered by `apply_env` below.
    let key = local_api_key(&data_dir)?;
    let from_env = std::env::var("COMPOSIO_SERVER_API_KEY").is_ok_and(|k| !k.trim().is_empty());
    if !from_env {
        config = config.api_key(key.clone());
    }
    let sandbox = args.sandbox || config.sandbox;
    config = config.data_dir(&data_dir).port(args.port).sandbox(sandbox);
    config.bind = args.bind;
    if let Some(url) = &args.public_url {
        config = config.public_url(url);
    }
    let toolkits: Vec<String> = composio_server::catalog::Catalog::builtin()
        .map_err(|e| CliError::new(exit::UNEXPECTED, format!("built-in catalog: {e}")))?
        .iter()
        .map(|t| t.slug.clone())
        .chain(config.extra_toolkits.iter().map(|t| t.slug.clone()))
        .collect();
    config.apply_env(&toolkits);

    let server = composio_server::spawn(config).await.map_err(|e| {
        CliError::new(
            exit::UNEXPECTED,
            format!("could not start composio-server: {e}"),
        )
        .hint("is the port already in use? try --port 0")
    })?;
    println!("composio-server listening on {}", server.url());
    println!("  data directory: {}", data_dir.display());
    println!(
        "  sandbox provider: {}",
        if sandbox {
            "on"
        } else {
            "off (pass --sandbox for offline OAuth)"
        }
    );
    if from_env {
        println!("  API key: the one in COMPOSIO_SERVER_API_KEY");
    } else {
        println!(
            "  API key (also in {}):",
            data_dir.join("cli-api-key").display()
        );
        println!("    export COMPOSIO_API_KEY={key}");
    }
    println!("    export COMPOSIO_BASE_URL={}", server.url());
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    eprintln!("shutting down…");
    server.shutdown().await;
    Ok(())
}

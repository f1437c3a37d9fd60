//! `composio`: connect users to third-party apps from the terminal.

mod accounts;
mod auth_configs;
mod backend;
mod connect;
mod demo;
mod exit;
mod sandbox;
mod serve;
mod status;
mod table;
mod toolkits;
mod webhooks;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::exit::CliError;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  unexpected error
  2  bad usage (unknown flag, bad value)
  3  the API rejected the request (unknown toolkit, not found, bad key…)
  4  the connection failed, expired or was revoked
  5  timed out waiting for the user
  6  could not reach the server
  7  configuration error (e.g. no API key for the hosted API)";

/// Connect your users to Gmail, GitHub, Slack… from the terminal.
///
/// With COMPOSIO_API_KEY set, commands talk to Composio (COMPOSIO_BASE_URL, default the
/// hosted API). Without it, or with --local, they start composio-server embedded on
/// 127.0.0.1 with its offline sandbox provider.
#[derive(Debug, Parser)]
#[command(name = "composio", version, after_help = EXIT_CODES, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args, Clone)]
struct GlobalArgs {
    /// Use an embedded local composio-server even when COMPOSIO_API_KEY is set.
    #[arg(long, global = true)]
    local: bool,
    /// Data directory of the embedded server (default: your user data directory).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Log verbosely to stderr.
    #[arg(long, short, global = true)]
    verbose: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a Connect Link for a toolkit and wait until the user has connected.
    Connect(connect::ConnectArgs),
    /// Show which toolkits a user has connected.
    Status(status::StatusArgs),
    /// Manage connected accounts.
    #[command(subcommand)]
    Accounts(accounts::AccountsCommand),
    /// Run composio-server in the foreground.
    Serve(serve::ServeArgs),
    /// Walk through the documented authentication flows on a local sandbox server.
    Demo,
    /// Answer sandbox Connect Links from scripts (approve or deny, as a browser would).
    #[command(subcommand)]
    Sandbox(sandbox::SandboxCommand),
    /// The project's webhook deliveries, redelivery, and forwarding events to a local URL.
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
    /// The project's auth configs: the OAuth apps connections are made with.
    #[command(subcommand)]
    AuthConfigs(auth_configs::AuthConfigsCommand),
    /// The toolkit catalog: `toolkits [list]`, `toolkits get <slug>`.
    Toolkits {
        #[command(subcommand)]
        command: Option<toolkits::ToolkitsCommand>,
    },
}

/// Parses durations like `90s`, `2m`, `1m30s` or a bare number of seconds.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("`{s}` is not a duration (try 120s or 2m): {e}"))
}

fn init_tracing(verbose: bool) {
    let default = if verbose {
        "info,composio=debug"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("COMPOSIO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            err.print();
            ExitCode::from(err.code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Connect(args) => connect::run(&cli.global, args).await,
        Command::Status(args) => status::run(&cli.global, args).await,
        Command::Accounts(cmd) => accounts::run(&cli.global, cmd).await,
        Command::Serve(args) => serve::run(&cli.global, args).await,
        Command::Demo => demo::run().await,
        Command::Sandbox(cmd) => sandbox::run(cmd).await,
        Command::Webhooks(cmd) => webhooks::run(&cli.global, cmd).await,
        Command::AuthConfigs(cmd) => auth_configs::run(&cli.global, cmd).await,
        Command::Toolkits { command } => toolkits::run(&cli.global, command).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("120s").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("15").unwrap(), Duration::from_secs(15));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn cli_definition_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

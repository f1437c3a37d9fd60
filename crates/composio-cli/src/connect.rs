//! `composio connect <toolkit> --user <id>`.

use std::io::IsTerminal;
use std::time::Duration;

use clap::Args;
use composio::{AuthorizeOptions, ConnectedAccount, SessionOptions};
use indicatif::{ProgressBar, ProgressStyle};

use crate::backend::Backend;
use crate::exit::CliError;
use crate::{parse_duration, GlobalArgs};

#[derive(Debug, Args)]
pub(crate) struct ConnectArgs {
    /// Toolkit slug, e.g. gmail, github, slack.
    toolkit: String,
    /// Your end user's id.
    #[arg(long, value_name = "ID")]
    user: String,
    /// Where the user lands after connecting (status and connected_account_id are appended).
    #[arg(long, value_name = "URL")]
    callback_url: Option<String>,
    /// Name the new account (unique per user and toolkit, compared without case), e.g. work;
    /// lets the user connect a second account of the same toolkit.
    #[arg(long, value_name = "ALIAS")]
    alias: Option<String>,
    /// How long to wait for the user, e.g. 90s or 5m.
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    timeout: Duration,
    /// Open the Connect Link in your default browser.
    #[arg(long)]
    open: bool,
    /// Print one JSON object on stdout (the link goes to stderr) and no spinner.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(global: &GlobalArgs, args: ConnectArgs) -> Result<(), CliError> {
    let json = args.json;
    let backend = Backend::open(global, false).await?;
    let result = connect(&backend, &args).await;
    backend.close().await;
    match (result, json) {
        (Ok(out), true) => {
            println!("{out}");
            Ok(())
        }
        (Ok(_), false) => Ok(()),
        (Err(e), true) => {
            println!("{}", e.to_json());
            Err(e)
        }
        (Err(e), false) => Err(e),
    }
}

async fn connect(backend: &Backend, args: &ConnectArgs) -> Result<serde_json::Value, CliError> {
    let session = backend
        .client
        .create(&args.user, SessionOptions::new().manage_connections(false))
        .await?;
    let mut options = AuthorizeOptions::new();
    if let Some(url) = &args.callback_url {
        options = options.callback_url(url.clone());
    }
    if let Some(alias) = &args.alias {
        options = options.alias(alias.clone());
    }
    let request = session.authorize_with(&args.toolkit, options).await?;
    let link = request.redirect_url().to_owned();

    if args.json {
        eprintln!("Connect Link: {link}");
    } else {
        println!();
        println!("  Connect {} for user {}", args.toolkit, args.user);
        println!("  Open this link to connect:");
        println!();
        println!("    {link}");
        println!();
    }
    if args.open {
        if let Err(e) = webbrowser::open(&link) {
            eprintln!("note: could not open a browser ({e}); open the link yourself");
        }
    }

    let spinner = (!args.json && std::io::stderr().is_terminal()).then(|| {
        let pb = ProgressBar::new_spinner();
        pb.set_style(
            ProgressStyle::with_template("  {spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb.set_message("Waiting for the user to finish connecting…");
        pb.enable_steady_tick(Duration::from_millis(100));
        pb
    });
    if spinner.is_none() && !args.json {
        println!(
            "  Waiting up to {} for the user to finish connecting…",
            humantime::format_duration(args.timeout)
        );
    }

    let waited = tokio::select! {
        r = request.wait_for_connection(args.timeout) => r.map_err(CliError::from),
        _ = tokio::signal::ctrl_c() => Err(CliError::new(130, "interrupted while waiting")
            .hint(format!("the link stays valid until it expires: {link}"))),
    };
    if let Some(pb) = &spinner {
        pb.finish_and_clear();
    }
    let account: ConnectedAccount = waited?;
    if !args.json {
        match &account.alias {
            Some(alias) => println!(
                "  ✔ Connected {} as {alias}: {} ({})",
                args.toolkit, account.id, account.status
            ),
            None => println!(
                "  ✔ Connected {}: {} ({})",
                args.toolkit, account.id, account.status
            ),
        }
    }
    Ok(serde_json::json!({
        "ok": true,
        "toolkit": args.toolkit,
        "user_id": args.user,
        "session_id": session.id().as_str(),
        "redirect_url": link,
        "connected_account_id": account.id,
        "status": account.status.as_str(),
        "alias": account.alias,
        "word_id": account.word_id,
        "local_server": backend.is_local(),
    }))
}

//! `composio sandbox approve|deny <link>`: answer a sandbox Connect Link from a script.

use clap::Subcommand;
use composio_server::sandbox::Browser;

use crate::exit::{self, CliError};

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Follow a Connect Link served by a composio-server in sandbox mode and click Approve,
    /// exactly as a browser would. Prints the URL the browser finally lands on.
    Approve {
        /// The Connect Link (redirect_url).
        link: String,
    },
    /// Like approve, but click Deny.
    Deny {
        /// The Connect Link (redirect_url).
        link: String,
    },
}

pub(crate) async fn run(cmd: SandboxCommand) -> Result<(), CliError> {
    let browser = Browser::new().map_err(|e| {
        CliError::new(
            exit::UNEXPECTED,
            format!("could not start the HTTP client: {e}"),
        )
    })?;
    let (outcome, link) = match &cmd {
        SandboxCommand::Approve { link } => (browser.approve(link).await, link),
        SandboxCommand::Deny { link } => (browser.deny(link).await, link),
    };
    let landed = outcome.map_err(|e| {
        CliError::new(
            exit::API,
            format!("could not answer the Connect Link {link}: {e}"),
        )
        .hint("the link must be a sandbox Connect Link that is still valid and unused")
    })?;
    println!("{landed}");
    Ok(())
}

//! `composio accounts list|get|delete|disable|enable|alias|revoke`.

use clap::{Args, Subcommand};
use composio::{ConnectedAccount, ConnectedAccountsQuery, ConnectionStatus, UpdateAccountRequest};
use futures_util::TryStreamExt;

use crate::backend::Backend;
use crate::exit::CliError;
use crate::{table, GlobalArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum AccountsCommand {
    /// List connected accounts.
    List(ListArgs),
    /// Show one connected account.
    Get(IdArgs),
    /// Delete a connected account.
    Delete(IdArgs),
    /// Disable a connected account (status INACTIVE).
    Disable(IdArgs),
    /// Enable a disabled connected account.
    Enable(IdArgs),
    /// Rename a connected account ("" clears its alias).
    Alias(AliasArgs),
    /// Revoke a connected account's tokens at the provider (status REVOKED).
    Revoke(IdArgs),
}

#[derive(Debug, Args)]
pub(crate) struct AliasArgs {
    /// Connected account id (ca_…).
    id: String,
    /// The new alias, unique per user and toolkit (compared without case); "" clears it.
    alias: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only this user's accounts.
    #[arg(long, value_name = "ID")]
    user: Option<String>,
    /// Only these toolkits (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    toolkit: Vec<String>,
    /// Only these statuses (comma-separated, e.g. ACTIVE,EXPIRED).
    #[arg(long, value_delimiter = ',', value_name = "S,T")]
    status: Vec<String>,
    /// At most this many accounts.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct IdArgs {
    /// Connected account id (ca_…).
    id: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(global: &GlobalArgs, cmd: AccountsCommand) -> Result<(), CliError> {
    let quiet = match &cmd {
        AccountsCommand::List(a) => a.json,
        AccountsCommand::Alias(a) => a.json,
        AccountsCommand::Get(a)
        | AccountsCommand::Delete(a)
        | AccountsCommand::Disable(a)
        | AccountsCommand::Enable(a)
        | AccountsCommand::Revoke(a) => a.json,
    };
    let backend = Backend::open(global, quiet).await?;
    let result = dispatch(&backend, cmd).await;
    backend.close().await;
    result
}

async fn dispatch(backend: &Backend, cmd: AccountsCommand) -> Result<(), CliError> {
    let accounts = backend.client.connected_accounts();
    match cmd {
        AccountsCommand::List(args) => {
            let mut query = ConnectedAccountsQuery::new()
                .toolkit_slugs(args.toolkit.iter().cloned())
                .statuses(
                    args.status
                        .iter()
                        .map(|s| ConnectionStatus::parse(&s.to_uppercase())),
                )
                .limit(args.limit.clamp(1, 1000) as u32);
            if let Some(user) = &args.user {
                query = query.user_ids([user.clone()]);
            }
            let mut items: Vec<ConnectedAccount> = Vec::new();
            let mut stream = Box::pin(accounts.list_stream(query));
            while let Some(item) = stream.try_next().await? {
                items.push(item);
                if items.len() >= args.limit {
                    break;
                }
            }
            if args.json {
                println!("{}", serde_json::to_value(&items).unwrap_or_default());
            } else if items.is_empty() {
                println!("No connected accounts.");
            } else {
                let rows: Vec<Vec<String>> = items
                    .iter()
                    .map(|a| {
                        vec![
                            a.id.clone(),
                            a.toolkit.slug.clone(),
                            a.alias.clone().unwrap_or_else(|| "-".to_owned()),
                            a.user_id.clone().unwrap_or_default(),
                            a.status.to_string(),
                            a.created_at.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(
                        &["ID", "TOOLKIT", "ALIAS", "USER", "STATUS", "CREATED"],
                        &rows
                    )
                );
            }
        }
        AccountsCommand::Get(args) => {
            let a = accounts.get(&args.id).await?;
            if args.json {
                println!("{}", serde_json::to_value(&a).unwrap_or_default());
            } else {
                println!("id:            {}", a.id);
                println!("toolkit:       {}", a.toolkit.slug);
                println!("alias:         {}", a.alias.as_deref().unwrap_or("-"));
                println!("word id:       {}", a.word_id.as_deref().unwrap_or("-"));
                println!("user:          {}", a.user_id.as_deref().unwrap_or("-"));
                println!("status:        {}", a.status);
                if let Some(reason) = &a.status_reason {
                    println!("status reason: {reason}");
                }
                println!("disabled:      {}", a.is_disabled);
                println!("created:       {}", a.created_at.as_deref().unwrap_or("-"));
                println!("updated:       {}", a.updated_at.as_deref().unwrap_or("-"));
            }
        }
        AccountsCommand::Delete(args) => {
            accounts.delete(&args.id).await?;
            done(args.json, &args.id, "deleted");
        }
        AccountsCommand::Disable(args) => {
            accounts.disable(&args.id).await?;
            done(args.json, &args.id, "disabled");
        }
        AccountsCommand::Enable(args) => {
            accounts.enable(&args.id).await?;
            done(args.json, &args.id, "enabled");
        }
        AccountsCommand::Alias(args) => {
            accounts
                .update(&args.id, UpdateAccountRequest::alias(args.alias.clone()))
                .await?;
            let alias = args.alias.trim();
            if args.json {
                let alias = (!alias.is_empty()).then_some(alias);
                println!(
                    "{}",
                    serde_json::json!({"ok": true, "id": args.id, "action": "alias", "alias": alias})
                );
            } else if alias.is_empty() {
                println!("Connected account {} has no alias now.", args.id);
            } else {
                println!("Connected account {} is now {alias}.", args.id);
            }
        }
        AccountsCommand::Revoke(args) => {
            let r = accounts.revoke(&args.id).await?;
            if args.json {
                println!("{}", serde_json::to_value(&r).unwrap_or_default());
            } else if r.revoked_tokens.is_empty() {
                println!(
                    "Connected account {} was already revoked ({}).",
                    r.connected_account.id, r.connected_account.status
                );
            } else {
                println!(
                    "Connected account {} revoked ({}): {} revoked at the provider.",
                    r.connected_account.id,
                    r.connected_account.status,
                    r.revoked_tokens.join(", ")
                );
            }
        }
    }
    Ok(())
}

fn done(json: bool, id: &str, what: &str) {
    if json {
        println!(
            "{}",
            serde_json::json!({"ok": true, "id": id, "action": what})
        );
    } else {
        println!("Connected account {id} {what}.");
    }
}

//! `composio toolkits [list|get <slug>]`: the catalog.

use clap::{Args, Subcommand};
use composio::models::CatalogToolkitsQuery;
use composio::Toolkit;

use crate::backend::Backend;
use crate::exit::CliError;
use crate::{table, GlobalArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum ToolkitsCommand {
    /// List the toolkits (the default).
    List(ListArgs),
    /// Show one toolkit: its auth scheme, the fields it needs, whether the server has an app.
    Get(GetArgs),
}

#[derive(Debug, Args, Default)]
pub(crate) struct ListArgs {
    /// Only this category (e.g. email, productivity).
    #[arg(long)]
    category: Option<String>,
    /// Words in the slug, name or description.
    #[arg(long)]
    search: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// Toolkit slug (gmail).
    slug: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(global: &GlobalArgs, cmd: Option<ToolkitsCommand>) -> Result<(), CliError> {
    let cmd = cmd.unwrap_or(ToolkitsCommand::List(ListArgs::default()));
    let quiet = match &cmd {
        ToolkitsCommand::List(a) => a.json,
        ToolkitsCommand::Get(a) => a.json,
    };
    let backend = Backend::open(global, quiet).await?;
    let result = dispatch(&backend, cmd).await;
    backend.close().await;
    result
}

fn schemes(t: &Toolkit) -> String {
    if t.no_auth {
        "none".to_owned()
    } else {
        t.auth_schemes.join(",")
    }
}

async fn dispatch(backend: &Backend, cmd: ToolkitsCommand) -> Result<(), CliError> {
    let toolkits = backend.client.toolkits();
    match cmd {
        ToolkitsCommand::List(args) => {
            let mut query = CatalogToolkitsQuery::new().limit(1000);
            if let Some(c) = args.category {
                query = query.category(c);
            }
            if let Some(s) = args.search {
                query = query.search(s);
            }
            let items = toolkits.list(query).await?.items;
            if args.json {
                println!("{}", serde_json::to_value(&items).unwrap_or_default());
            } else if items.is_empty() {
                println!("No toolkits.");
            } else {
                let rows: Vec<Vec<String>> = items
                    .iter()
                    .map(|t| {
                        let app = if t.no_auth || !t.composio_managed_auth_schemes.is_empty() {
                            "yes"
                        } else {
                            "no"
                        };
                        vec![t.slug.clone(), t.name.clone(), schemes(t), app.to_owned()]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(&["SLUG", "NAME", "AUTH", "SERVER APP"], &rows)
                );
            }
        }
        ToolkitsCommand::Get(args) => {
            let t = toolkits.get(&args.slug).await?;
            if args.json {
                println!("{}", serde_json::to_value(&t).unwrap_or_default());
                return Ok(());
            }
            println!("slug:        {}", t.slug);
            println!("name:        {}", t.name);
            println!("auth:        {}", schemes(&t));
            let has_app = t.extra.get("has_app").and_then(serde_json::Value::as_bool);
            if let Some(has_app) = has_app {
                let what = if has_app {
                    "yes"
                } else {
                    "no (configure an OAuth app first)"
                };
                println!("server app:  {what}");
            }
            for d in &t.auth_config_details {
                let names = |g: &composio::models::AuthFieldGroup| {
                    g.required
                        .iter()
                        .map(|f| f.name.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let app = names(&d.fields.auth_config_creation);
                let conn = names(&d.fields.connected_account_initiation);
                if !app.is_empty() {
                    println!("{} app fields:        {app}", d.mode);
                }
                if !conn.is_empty() {
                    println!("{} connection fields: {conn}", d.mode);
                }
                if !d.required_scopes.is_empty() {
                    println!(
                        "{} scopes:            {}",
                        d.mode,
                        d.required_scopes.join(" ")
                    );
                }
            }
        }
    }
    Ok(())
}

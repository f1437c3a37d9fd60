//! `composio status --user <id>`.

use clap::Args;
use composio::{SessionOptions, SessionToolkit, ToolkitsQuery};
use futures_util::TryStreamExt;

use crate::backend::Backend;
use crate::exit::CliError;
use crate::{table, GlobalArgs};

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Your end user's id.
    #[arg(long, value_name = "ID")]
    user: String,
    /// Only these toolkits (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    toolkits: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(global: &GlobalArgs, args: StatusArgs) -> Result<(), CliError> {
    let backend = Backend::open(global, args.json).await?;
    let result = status(&backend, &args).await;
    backend.close().await;
    let items = result?;
    if args.json {
        let rows: Vec<_> = items.iter().map(row_json).collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|t| {
                let (state, account) = describe(t);
                vec![t.slug.clone(), t.name.clone(), state, account]
            })
            .collect();
        print!(
            "{}",
            table::render(&["TOOLKIT", "NAME", "STATUS", "ACCOUNT"], &rows)
        );
    }
    Ok(())
}

async fn status(backend: &Backend, args: &StatusArgs) -> Result<Vec<SessionToolkit>, CliError> {
    let session = backend
        .client
        .create(&args.user, SessionOptions::new().manage_connections(false))
        .await?;
    let mut query = ToolkitsQuery::new();
    if !args.toolkits.is_empty() {
        query = query.toolkits(args.toolkits.iter().map(|s| s.trim().to_owned()));
    }
    let items: Vec<SessionToolkit> = session.toolkits_stream(query).try_collect().await?;
    if !args.toolkits.is_empty() {
        let unknown: Vec<&String> = args
            .toolkits
            .iter()
            .filter(|s| !items.iter().any(|t| &t.slug == *s))
            .collect();
        if let Some(first) = unknown.first() {
            return Err(CliError::new(
                crate::exit::API,
                format!("unknown toolkit `{first}`"),
            ));
        }
    }
    // Best effort: the session was only needed for this listing.
    let _ = session.delete().await;
    Ok(items)
}

/// `(status, account id)` as shown in the table.
fn describe(t: &SessionToolkit) -> (String, String) {
    match t.connection() {
        None => ("no auth needed".into(), "-".into()),
        Some(c) => match c.connected_account {
            None => ("not connected".into(), "-".into()),
            Some(a) if c.is_active => ("connected".into(), a.id),
            Some(a) => (format!("not connected ({})", a.status), a.id),
        },
    }
}

fn row_json(t: &SessionToolkit) -> serde_json::Value {
    let connection = t.connection();
    serde_json::json!({
        "slug": t.slug,
        "name": t.name,
        "is_no_auth": t.is_no_auth,
        "connected": connection.as_ref().is_some_and(|c| c.is_active),
        "connected_account_id": connection.as_ref().and_then(|c| c.connected_account.as_ref()).map(|a| a.id.clone()),
        "status": connection.as_ref().and_then(|c| c.connected_account.as_ref()).map(|a| a.status.to_string()),
    })
}

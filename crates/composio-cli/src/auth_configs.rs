//! `composio auth-configs create|list|get|delete`: the project's auth configs, the OAuth apps
//! connections are made with (docs/auth-configs.md).

use clap::{Args, Subcommand};
use composio::models::{AuthConfig, AuthConfigListParams, AuthConfigOptions};

use crate::backend::Backend;
use crate::exit::{self, CliError};
use crate::{table, GlobalArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum AuthConfigsCommand {
    /// Create an auth config: your own OAuth app with --client-id and --client-secret, else
    /// one using the server's app.
    Create(CreateArgs),
    /// List the project's auth configs.
    List(ListArgs),
    /// Show one auth config (its secret masked) and the redirect URI to register.
    Get(IdArgs),
    /// Delete an auth config no connected account uses.
    Delete(IdArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The toolkit, e.g. github.
    toolkit: String,
    /// A display name.
    #[arg(long)]
    name: Option<String>,
    /// Your OAuth app's client id.
    #[arg(long, requires = "client_secret")]
    client_id: Option<String>,
    /// Your OAuth app's client secret (prefer an environment variable over typing it).
    #[arg(
        long,
        requires = "client_id",
        env = "COMPOSIO_AUTH_CONFIG_CLIENT_SECRET"
    )]
    client_secret: Option<String>,
    /// Scopes, comma-separated (default: the toolkit's).
    #[arg(long, value_delimiter = ',')]
    scopes: Vec<String>,
    /// Extra authorize parameters, `key=value` (repeatable), e.g. prompt=select_account.
    #[arg(long = "authorize-param", value_name = "KEY=VALUE", value_parser = key_value)]
    authorize_params: Vec<(String, String)>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only this toolkit's configs.
    #[arg(long)]
    toolkit: Option<String>,
    /// Disabled configs too.
    #[arg(long)]
    all: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct IdArgs {
    /// The auth config's id (ac_…).
    id: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(global: &GlobalArgs, cmd: AuthConfigsCommand) -> Result<(), CliError> {
    let quiet = match &cmd {
        AuthConfigsCommand::Create(a) => a.json,
        AuthConfigsCommand::List(a) => a.json,
        AuthConfigsCommand::Get(a) | AuthConfigsCommand::Delete(a) => a.json,
    };
    let backend = Backend::open(global, quiet).await?;
    let result = dispatch(&backend, cmd).await;
    backend.close().await;
    result
}

fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::new(exit::UNEXPECTED, e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("`{s}` is not KEY=VALUE"))
}

fn options(args: &CreateArgs) -> AuthConfigOptions {
    let mut o = match (&args.client_id, &args.client_secret) {
        (Some(id), Some(secret)) => AuthConfigOptions::custom("OAUTH2").client(id, secret),
        _ => AuthConfigOptions::managed(),
    };
    if let Some(name) = &args.name {
        o = o.name(name);
    }
    if !args.scopes.is_empty() {
        o = o.scopes(args.scopes.iter().map(|s| s.trim().to_owned()));
    }
    for (k, v) in &args.authorize_params {
        o = o.authorize_param(k, v);
    }
    o
}

fn row(c: &AuthConfig) -> Vec<String> {
    vec![
        c.id.clone(),
        c.toolkit.slug.clone(),
        c.kind.to_string(),
        c.status.to_string(),
        c.no_of_connections.to_string(),
        c.name.clone(),
    ]
}

const HEADER: [&str; 6] = ["ID", "TOOLKIT", "TYPE", "STATUS", "CONNECTIONS", "NAME"];

async fn dispatch(backend: &Backend, cmd: AuthConfigsCommand) -> Result<(), CliError> {
    let configs = backend.client.auth_configs();
    match cmd {
        AuthConfigsCommand::Create(args) => {
            let created = configs.create(&args.toolkit, options(&args)).await?;
            let config = configs.get(&created.auth_config.id).await?;
            if args.json {
                return print_json(&config);
            }
            println!("created {} for {}", config.id, config.toolkit.slug);
            if let Some(uri) = &config.redirect_uri {
                println!("register this redirect URI with the provider: {uri}");
            }
            Ok(())
        }
        AuthConfigsCommand::List(args) => {
            let mut params = AuthConfigListParams::default();
            params.toolkit_slug = args.toolkit.clone();
            params.show_disabled = args.all;
            params.limit = Some(1000);
            let page = configs.list(&params).await?;
            if args.json {
                return print_json(&page.items);
            }
            let rows: Vec<Vec<String>> = page.items.iter().map(row).collect();
            print!("{}", table::render(&HEADER, &rows));
            Ok(())
        }
        AuthConfigsCommand::Get(args) => {
            let config = configs.get(&args.id).await?;
            if args.json {
                return print_json(&config);
            }
            print!("{}", table::render(&HEADER, &[row(&config)]));
            if let Some(creds) = &config.credentials {
                for (k, v) in creds {
                    println!("{k}: {v}");
                }
            }
            if let Some(uri) = &config.redirect_uri {
                println!("redirect_uri: {uri}");
            }
            Ok(())
        }
        AuthConfigsCommand::Delete(args) => {
            let result = configs.delete(&args.id).await?;
            if args.json {
                return print_json(&result);
            }
            println!("{}", result.message);
            Ok(())
        }
    }
}

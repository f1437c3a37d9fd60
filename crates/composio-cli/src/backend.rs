//! Which server the CLI talks to: Composio (with `COMPOSIO_API_KEY`) or an embedded
//! composio-server on 127.0.0.1 with its sandbox provider.

use std::path::{Path, PathBuf};

use composio::Composio;
use composio_server::{Config, ServerHandle};

use crate::exit::{self, CliError};
use crate::GlobalArgs;

/// A connected client, and the embedded server behind it when there is one.
pub(crate) struct Backend {
    pub(crate) client: Composio,
    server: Option<ServerHandle>,
}

impl Backend {
    /// Chooses the backend: the hosted (or `COMPOSIO_BASE_URL`) API when `COMPOSIO_API_KEY`
    /// is set and `--local` is not given, else an embedded server. Says so in one line on
    /// stderr when it starts a server (unless `quiet`).
    pub(crate) async fn open(global: &GlobalArgs, quiet: bool) -> Result<Self, CliError> {
        let has_key = std::env::var("COMPOSIO_API_KEY").is_ok_and(|k| !k.trim().is_empty());
        if has_key && !global.local {
            let client = Composio::from_env().map_err(CliError::from)?;
            return Ok(Self {
                client,
                server: None,
            });
        }
        let data_dir = resolve_data_dir(global.data_dir.as_deref())?;
        let key = local_api_key(&data_dir)?;
        // `Config::default()` has no rate limit: this server serves this one process.
        let config = Config::default()
            .data_dir(&data_dir)
            .sandbox(true)
            .api_key(key.clone());
        let server = composio_server::spawn(config).await.map_err(|e| {
            CliError::new(
                exit::UNEXPECTED,
                format!("could not start the embedded composio-server: {e}"),
            )
        })?;
        if !quiet {
            let why = if has_key {
                "--local given"
            } else {
                "no COMPOSIO_API_KEY set"
            };
            eprintln!(
                "{why}: using an embedded composio-server at {} (sandbox mode, data in {})",
                server.url(),
                data_dir.display()
            );
        }
        let client = local_client(server.url(), &key)?;
        Ok(Self {
            client,
            server: Some(server),
        })
    }

    /// Whether an embedded server is running.
    pub(crate) fn is_local(&self) -> bool {
        self.server.is_some()
    }

    /// Stops the embedded server, if any.
    pub(crate) async fn close(self) {
        if let Some(server) = self.server {
            server.shutdown().await;
        }
    }
}

/// A client for a local server.
pub(crate) fn local_client(url: &str, key: &str) -> Result<Composio, CliError> {
    Composio::builder()
        .api_key(key)
        .base_url(url)
        .build()
        .map_err(CliError::from)
}

/// `--data-dir`, else `<user data dir>/composio-rs`, created if missing.
pub(crate) fn resolve_data_dir(given: Option<&Path>) -> Result<PathBuf, CliError> {
    let dir = match given {
        Some(d) => d.to_path_buf(),
        None => dirs::data_dir()
            .map(|d| d.join("composio-rs"))
            .ok_or_else(|| {
                CliError::new(exit::CONFIG, "could not find your user data directory")
                    .hint("pass --data-dir DIR")
            })?,
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::new(
            exit::CONFIG,
            format!("could not create the data directory {}: {e}", dir.display()),
        )
    })?;
    Ok(dir)
}

/// The local API key: `COMPOSIO_SERVER_API_KEY` if set, else one generated on first use and
/// kept in `<data dir>/cli-api-key` (readable by the user only).
///
/// Keys have the server's format (`csk_…`, [`composio_server::generate_api_key`]); a key file
/// written by an older version is used as it is.
pub(crate) fn local_api_key(data_dir: &Path) -> Result<String, CliError> {
    if let Ok(key) = std::env::var("COMPOSIO_SERVER_API_KEY") {
        if !key.trim().is_empty() {
            return Ok(key.trim().to_owned());
        }
    }
    let path = data_dir.join("cli-api-key");
    let read_error = |e: std::io::Error| {
        CliError::new(
            exit::CONFIG,
            format!("could not read {}: {e}", path.display()),
        )
    };
    match std::fs::read_to_string(&path) {
        Ok(key) if !key.trim().is_empty() => return Ok(key.trim().to_owned()),
        // A blank file holds no key: replace it with a new one.
        Ok(_) => std::fs::remove_file(&path).map_err(read_error)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(read_error(e)),
    }
    let key = composio_server::generate_api_key();
    match composio_server::write_private_file(&path, &key) {
        Ok(()) => Ok(key),
        // Another `composio` process wrote it first: use its key.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let key = std::fs::read_to_string(&path).map_err(read_error)?;
            Ok(key.trim().to_owned())
        }
        Err(e) => Err(CliError::new(
            exit::CONFIG,
            format!("could not write {}: {e}", path.display()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_key_is_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = local_api_key(dir.path()).unwrap();
        assert!(first.starts_with("csk_") && first.len() > 40, "{first}");
        assert_eq!(local_api_key(dir.path()).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("cli-api-key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn old_keys_are_kept_and_blank_files_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cli-api-key");
        std::fs::write(&path, "ck_local_0123\n").unwrap();
        assert_eq!(local_api_key(dir.path()).unwrap(), "ck_local_0123");
        std::fs::write(&path, "  \n").unwrap();
        let key = local_api_key(dir.path()).unwrap();
        assert!(key.starts_with("csk_"), "{key}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the replaced file is private too");
        }
    }
}

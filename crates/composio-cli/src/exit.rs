//! Errors as one readable line plus a hint, and the documented exit codes.

use composio::{ApiErrorKind, Error, ErrorKind};

/// An error the CLI reports and exits with.
#[derive(Debug)]
pub(crate) struct CliError {
    message: String,
    hint: Option<String>,
    code: u8,
}

impl CliError {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            code,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn code(&self) -> u8 {
        self.code
    }

    pub(crate) fn print(&self) {
        eprintln!("error: {}", self.message);
        if let Some(hint) = &self.hint {
            eprintln!("hint: {hint}");
        }
    }

    /// The JSON form printed by `--json` commands.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "ok": false,
            "error": self.message,
            "hint": self.hint,
            "exit_code": self.code,
        })
    }
}

/// Exit code: unexpected error.
pub(crate) const UNEXPECTED: u8 = 1;
/// Exit code: the API rejected the request.
pub(crate) const API: u8 = 3;
/// Exit code: the connection failed, expired or was revoked.
pub(crate) const CONNECTION_FAILED: u8 = 4;
/// Exit code: timed out waiting.
pub(crate) const TIMEOUT: u8 = 5;
/// Exit code: the server could not be reached.
pub(crate) const UNREACHABLE: u8 = 6;
/// Exit code: configuration error.
pub(crate) const CONFIG: u8 = 7;

impl From<Error> for CliError {
    fn from(err: Error) -> Self {
        match &err {
            Error::ConnectionRequestFailed {
                id,
                status,
                status_reason,
                ..
            } => {
                let reason = status_reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                CliError::new(
                    CONNECTION_FAILED,
                    format!("connection {id} ended with status {status}{reason}"),
                )
                .hint("run the same command again to get a fresh Connect Link")
            }
            Error::ConnectionRequestTimeout { id, timeout, .. } => CliError::new(
                TIMEOUT,
                format!(
                    "the user did not finish connecting within {} (connected account {id})",
                    humantime::format_duration(*timeout)
                ),
            )
            .hint("the link stays valid until it expires; pass a longer --timeout to wait more"),
            Error::ConnectedAccountNotFound { id, .. } => {
                CliError::new(API, format!("connected account {id} not found"))
            }
            _ => match err.kind() {
                ErrorKind::Connect => CliError::new(UNREACHABLE, format!("could not reach the server: {err}"))
                    .hint("check COMPOSIO_BASE_URL and your network, or use --local for an embedded server"),
                ErrorKind::Timeout => CliError::new(UNREACHABLE, format!("the server did not answer in time: {err}")),
                ErrorKind::Configuration if err.to_string().contains("COMPOSIO_API_KEY") => {
                    CliError::new(CONFIG, err.to_string())
                        .hint("set COMPOSIO_API_KEY, or run with --local to use an embedded server")
                }
                ErrorKind::Configuration => CliError::new(CONFIG, err.to_string()),
                ErrorKind::InvalidInput => CliError::new(2, err.to_string()),
                ErrorKind::Api(kind) => {
                    let api = err.api_error();
                    let message = api.map_or_else(|| err.to_string(), |a| a.message.clone());
                    let mut e = CliError::new(API, message);
                    if let Some(fix) = api.and_then(|a| a.suggested_fix.clone()) {
                        e = e.hint(fix);
                    } else if kind == ApiErrorKind::Authentication {
                        e = e.hint("check COMPOSIO_API_KEY");
                    }
                    e
                }
                _ => CliError::new(UNEXPECTED, err.to_string()),
            },
        }
    }
}

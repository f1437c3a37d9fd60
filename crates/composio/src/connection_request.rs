//! [`ConnectionRequest`]: a Connect Link waiting for the user.

use std::fmt;
use std::time::Duration;

use composio_core::models::ConnectedAccount;
use composio_core::{ConnectedAccountId, ConnectionStatus, Result};

use crate::client::Composio;
use crate::request::ResponseMeta;

/// A connection the user has been asked to make: the new connected account's id (status
/// `INITIATED`) and the Connect Link to send the user to.
///
/// Returned by [`Session::authorize`](crate::Session::authorize) and
/// [`ConnectedAccounts::link`](crate::ConnectedAccounts::link) without any further call.
///
/// ```no_run
/// # async fn run(session: composio::Session) -> composio::Result<()> {
/// use std::time::Duration;
/// let request = session.authorize("gmail", None).await?;
/// println!("{}", request.redirect_url()); // send the user here
/// let account = request.wait_for_connection(Duration::from_secs(60)).await?;
/// println!("Connected: {}", account.id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ConnectionRequest {
    client: Composio,
    id: ConnectedAccountId,
    redirect_url: String,
    status: ConnectionStatus,
    link_token: Option<String>,
    expires_at: Option<String>,
}

impl fmt::Debug for ConnectionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionRequest")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("redirect_url", &self.redirect_url)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl ConnectionRequest {
    pub(crate) fn from_link(
        client: Composio,
        connected_account_id: &str,
        redirect_url: String,
        link_token: Option<String>,
        expires_at: Option<String>,
        meta: &ResponseMeta,
    ) -> Result<Self> {
        let id = ConnectedAccountId::new(connected_account_id).map_err(|e| {
            meta.decode_error(
                format!("the link response has an invalid connected_account_id: {e}"),
                e,
            )
        })?;
        Ok(Self {
            client,
            id,
            redirect_url,
            status: ConnectionStatus::Initiated,
            link_token,
            expires_at,
        })
    }

    /// The connected account's id (`ca_…`).
    pub fn id(&self) -> &ConnectedAccountId {
        &self.id
    }

    /// The Connect Link to send the user to.
    pub fn redirect_url(&self) -> &str {
        &self.redirect_url
    }

    /// The status when the request was made: `INITIATED`.
    pub fn status(&self) -> &ConnectionStatus {
        &self.status
    }

    /// The link token (`lk_…`), when the server sent one.
    pub fn link_token(&self) -> Option<&str> {
        self.link_token.as_deref()
    }

    /// When the link expires (RFC 3339), when the server said.
    pub fn expires_at(&self) -> Option<&str> {
        self.expires_at.as_deref()
    }

    /// Waits until the user has finished the Connect Link, and returns the `ACTIVE` account.
    ///
    /// - `ACTIVE`: returns the account.
    /// - `FAILED`, `EXPIRED`, `REVOKED`: [`Error::ConnectionRequestFailed`] at once, with the
    ///   status and the server's `status_reason`.
    /// - `INITIATED`, `INITIALIZING`, `INACTIVE` and unknown statuses: keeps waiting.
    /// - Not finished within `timeout`: [`Error::ConnectionRequestTimeout`].
    /// - The account does not exist (404): [`Error::ConnectedAccountNotFound`].
    ///
    /// Against the hosted API this polls `GET {P}/connected_accounts/{id}` every
    /// `poll_interval` (1 s by default). When the server advertises its push wait
    /// (`x-composio-push-wait: watch-v1`), all waits of a client share one server-push stream
    /// instead, and are woken as soon as the status changes.
    ///
    /// ```no_run
    /// # async fn run(request: composio::ConnectionRequest) {
    /// use std::time::Duration;
    /// use composio::Error;
    /// match request.wait_for_connection(Duration::from_secs(60)).await {
    ///     Ok(account) => println!("Connected: {}", account.id),
    ///     Err(Error::ConnectionRequestFailed { status, status_reason, .. }) => {
    ///         println!("Connection {status}: {}", status_reason.unwrap_or_default())
    ///     }
    ///     Err(e) if e.is_timeout() => println!("The user did not finish in time"),
    ///     Err(e) => println!("error: {e}"),
    /// }
    /// # }
    /// ```
    ///
    /// # Troubleshooting
    /// If the user closed the Connect Link without finishing, the account stays `INITIATED`
    /// until it expires (10 minutes), so the wait ends with a timeout.
    ///
    /// [`Error::ConnectionRequestFailed`]: crate::Error::ConnectionRequestFailed
    /// [`Error::ConnectionRequestTimeout`]: crate::Error::ConnectionRequestTimeout
    /// [`Error::ConnectedAccountNotFound`]: crate::Error::ConnectedAccountNotFound
    pub async fn wait_for_connection(&self, timeout: Duration) -> Result<ConnectedAccount> {
        crate::wait::wait_for_connection(&self.client, &self.id, timeout).await
    }
}

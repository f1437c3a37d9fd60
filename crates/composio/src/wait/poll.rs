//! The polling wait of the official SDKs: `GET {P}/connected_accounts/{id}` every
//! `poll_interval`.

use composio_core::models::ConnectedAccount;
use composio_core::query::encode_path_segment;
use composio_core::{ConnectedAccountId, Error, Result};

use crate::client::Composio;
use crate::request::Call;

#[allow(clippy::large_enum_variant)] // one value per wait, moved once
pub(crate) enum Step {
    /// The wait ended.
    Done(Result<ConnectedAccount>),
    /// The server turned out to offer the push wait: switch to it.
    UsePush,
}

/// Polls until the wait ends (the caller applies the deadline). When `push_allowed` and a
/// response advertises the push wait, returns [`Step::UsePush`] instead of polling on.
pub(crate) async fn poll(client: &Composio, id: &ConnectedAccountId, push_allowed: bool) -> Step {
    let path = format!("/connected_accounts/{}", encode_path_segment(id.as_str()));
    let interval = client.inner.poll_interval;
    loop {
        match client
            .api()
            .send::<ConnectedAccount>(Call::get(path.clone()))
            .await
        {
            Ok(account) => {
                if let Some(result) = super::judge(id, account) {
                    return Step::Done(result);
                }
            }
            Err(e) if e.status() == Some(404) => {
                return Step::Done(Err(Error::ConnectedAccountNotFound { id: id.clone() }))
            }
            Err(e) if e.is_retryable() => {
                tracing::debug!(id = %id, error = %e, "polling a connected account failed; will retry");
            }
            Err(e) => return Step::Done(Err(e)),
        }
        if push_allowed && client.push_wait_available() && client.inner.waiter.push_enabled() {
            return Step::UsePush;
        }
        tokio::time::sleep(interval).await;
    }
}

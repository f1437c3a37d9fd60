//! `wait_for_connection`: polling (the hosted API) or the shared server-push watcher
//! (`watch-v1`, when the server advertises it).
//!
//! Both paths follow docs/spec/wire.md §8 exactly: `ACTIVE` returns the account; `FAILED`,
//! `EXPIRED` and `REVOKED` fail at once; every other status keeps waiting; a 404 means the
//! account does not exist; the deadline gives a timeout error naming the id.

mod poll;
pub(crate) mod sse;
mod watch;

use std::time::Duration;

use composio_core::models::ConnectedAccount;
use composio_core::{ConnectedAccountId, ConnectionStatus, Error, Result};

use crate::client::Composio;

pub(crate) use watch::Waiter;

/// What the watcher delivers to one waiting future.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The account reached `ACTIVE` or a terminal failure.
    Account(Box<ConnectedAccount>),
    /// The server says the id does not exist.
    NotFound,
    /// Push is not available (any more): poll instead.
    Fallback,
}

/// Decides what a status means for a wait: `None` keeps waiting.
pub(crate) fn judge(
    id: &ConnectedAccountId,
    account: ConnectedAccount,
) -> Option<Result<ConnectedAccount>> {
    match account.status {
        ConnectionStatus::Active => Some(Ok(account)),
        ref s if s.is_terminal_failure() => Some(Err(Error::ConnectionRequestFailed {
            id: id.clone(),
            status: account.status.clone(),
            status_reason: account.status_reason.clone(),
        })),
        _ => None,
    }
}

/// Waits for connected account `id` per docs/spec/wire.md §8.
pub(crate) async fn wait_for_connection(
    client: &Composio,
    id: &ConnectedAccountId,
    timeout: Duration,
) -> Result<ConnectedAccount> {
    let deadline = tokio::time::Instant::now() + timeout;
    let work = async {
        let mut push_allowed = true;
        loop {
            if push_allowed && client.push_wait_available() {
                if let Some(registration) = client.inner.waiter.register(id.as_str()) {
                    match registration.await {
                        Outcome::Account(account) => {
                            // The watcher only delivers final statuses; anything else polls.
                            if let Some(result) = judge(id, *account) {
                                return result;
                            }
                        }
                        Outcome::NotFound => {
                            return Err(Error::ConnectedAccountNotFound { id: id.clone() })
                        }
                        Outcome::Fallback => {}
                    }
                    push_allowed = false;
                    continue;
                }
            }
            // Boxed: the poll's request future is large and rarely used, and every pending
            // wait would otherwise carry its space (100,000 push waits hold 100,000 of these).
            match Box::pin(poll::poll(client, id, push_allowed)).await {
                poll::Step::Done(result) => return result,
                poll::Step::UsePush => continue,
            }
        }
    };
    match tokio::time::timeout_at(deadline, work).await {
        Ok(result) => result,
        Err(_) => Err(Error::ConnectionRequestTimeout {
            id: id.clone(),
            timeout,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pending wait is a future held by the caller, 100,000 at a time in a busy client:
    /// the rarely used poll path (and its request future) stays boxed, out of that size.
    #[test]
    fn a_pending_wait_is_small() {
        let client = Composio::builder().api_key("k").build().unwrap();
        let id = ConnectedAccountId::new("ca_1").unwrap();
        let wait = wait_for_connection(&client, &id, Duration::from_secs(1));
        let size = std::mem::size_of_val(&wait);
        println!("wait_for_connection future: {size} bytes");
        assert!(size <= 512, "the future takes {size} bytes");
    }
}

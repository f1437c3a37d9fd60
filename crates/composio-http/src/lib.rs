//! The HTTP layer of composio-rs.
//!
//! - [`ReqwestTransport`]: a [`Transport`](composio_core::Transport) over reqwest (rustls).
//! - [`RetryTransport`]: the retry rules of Composio's API around any transport.
//! - `test_util` (feature `test-util`): scripted in-memory transports for tests.
//!
//! ```no_run
//! use composio_http::{ReqwestTransport, RetryPolicy, RetryTransport};
//! # fn main() -> Result<(), composio_core::Error> {
//! let transport = RetryTransport::new(ReqwestTransport::new()?, RetryPolicy::new());
//! # let _ = transport;
//! # Ok(()) }
//! ```

mod reqwest_transport;
pub mod retry;
#[cfg(feature = "test-util")]
pub mod test_util;

pub use reqwest_transport::{ReqwestTransport, ReqwestTransportBuilder};
pub use retry::{classify, Jitter, RetryDecision, RetryPolicy, RetryTransport};

//! serde models of every request and response of the sessions-and-authentication API.
//!
//! Unknown JSON fields are accepted everywhere; response models keep them in an `extra` map
//! so nothing the server sent is lost.

mod account_admin;
mod auth_configs;
mod catalog;
mod connected_account;
mod page;
mod session;
mod session_update;
mod tool_format;
mod toolkits;
mod tools;
pub mod watch;
mod webhooks;

pub use account_admin::*;
pub use auth_configs::*;
pub use catalog::*;
pub use connected_account::*;
pub use page::*;
pub use session::*;
pub use session_update::*;
pub use tool_format::ToolsExt;
pub use toolkits::*;
pub use tools::*;
pub use webhooks::*;

/// Extra JSON fields kept as they were sent.
pub type Extra = serde_json::Map<String, serde_json::Value>;

//! The rules between the HTTP handlers and the store: handlers parse and answer HTTP, the
//! services decide, the store persists.

pub(crate) mod account_credentials;
pub(crate) mod accounts;
pub(crate) mod auth_config_admin;
pub(crate) mod auth_configs;
pub(crate) mod catalog;
pub(crate) mod complete_auth;
pub(crate) mod connections;
pub(crate) mod search;
pub(crate) mod session_patch;
pub(crate) mod sessions;
pub(crate) mod webhooks;

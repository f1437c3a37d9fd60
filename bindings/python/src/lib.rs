//! `composio_rs`: Python bindings of the composio-rs SDK.
//!
//! A thin layer over the `composio` crate: argument validation with the GIL held, the SDK
//! call on one shared tokio runtime without the GIL, conversion of the result after.
//! The Python package (`python/composio_rs`) re-exports this module (`composio_rs._native`)
//! and ships the hand-written stubs.

mod account_admin;
mod auth_configs;
mod catalog;
mod client;
mod convert;
mod errors;
mod models;
mod runtime;
mod session;
mod session_config;
mod webhook_verify;
mod webhooks;

use pyo3::prelude::*;

/// Parses the URL a user lands on after a Connect Link and returns its ``status``,
/// ``connected_account_id`` and ``error``.
///
/// Raises ``ValueError`` when the URL is not absolute or has no ``status`` parameter.
#[pyfunction]
fn parse_callback_url(url: &str) -> PyResult<models::CallbackResult> {
    composio::parse_callback_url(url)
        .map(|inner| models::CallbackResult { inner })
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}

/// The native module; import it as ``composio_rs``.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    runtime::configure();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(parse_callback_url, m)?)?;
    m.add_class::<client::Composio>()?;
    m.add_class::<auth_configs::AuthConfigs>()?;
    m.add_class::<auth_configs::AsyncAuthConfigs>()?;
    m.add_class::<client::AsyncComposio>()?;
    m.add_class::<client::ConnectedAccounts>()?;
    m.add_class::<client::AsyncConnectedAccounts>()?;
    m.add_class::<session::Session>()?;
    m.add_class::<session::AsyncSession>()?;
    m.add_class::<session::SessionMcp>()?;
    m.add_class::<session::ConnectionRequest>()?;
    m.add_class::<session::AsyncConnectionRequest>()?;
    m.add_class::<session_config::ConfigHistoryPage>()?;
    m.add_class::<session_config::ConfigHistoryItem>()?;
    m.add_class::<models::ConnectedAccount>()?;
    m.add_class::<models::AccountToolkit>()?;
    m.add_class::<models::AccountAuthConfig>()?;
    m.add_class::<models::ConnectedAccountsPage>()?;
    m.add_class::<models::Toolkit>()?;
    m.add_class::<models::ToolkitConnection>()?;
    m.add_class::<models::ToolkitAuthConfig>()?;
    m.add_class::<models::ToolkitConnectedAccount>()?;
    m.add_class::<models::ToolkitsPage>()?;
    m.add_class::<models::Tool>()?;
    m.add_class::<models::CallbackResult>()?;
    m.add_class::<account_admin::ConnectedAccountUpdate>()?;
    m.add_class::<account_admin::ConnectedAccountRevoke>()?;
    m.add_class::<account_admin::RevokedConnectedAccount>()?;
    m.add_class::<account_admin::CompletedAuth>()?;
    errors::register(m)?;
    webhooks::register(m)?;
    catalog::register(m)?;
    Ok(())
}

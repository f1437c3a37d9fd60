//! composio-server (in progress)

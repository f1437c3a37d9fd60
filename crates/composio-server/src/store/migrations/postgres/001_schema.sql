-- The whole schema of SQLite's migrations 001-003 in one step, with PostgreSQL's types:
-- BIGINT epoch-ms timestamps, BYTEA blobs, BOOLEAN flags.
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE api_keys (
    key_hash BYTEA PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    created_at BIGINT NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    config TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- Credentials are replaced by compare-and-set on a version, and refreshed under a lease, so
-- two refreshes (in one process or in several) can never lose a rotated refresh token.
CREATE TABLE connected_accounts (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    toolkit TEXT NOT NULL,
    auth_config_id TEXT NOT NULL,
    auth_scheme TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    is_disabled BOOLEAN NOT NULL DEFAULT FALSE,
    credentials BYTEA,
    info TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT,
    credentials_version BIGINT NOT NULL DEFAULT 0,
    refresh_holder TEXT,
    refresh_lease_until BIGINT
);
CREATE INDEX accounts_project_user ON connected_accounts(project_id, user_id, toolkit);
CREATE INDEX accounts_initiated ON connected_accounts(status, expires_at);
-- A callback claims its link (claimed_at) before it exchanges the code, so one callback does
-- the exchange.
CREATE TABLE links (
    token TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    callback_url TEXT,
    state TEXT UNIQUE,
    pkce_verifier BYTEA,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at BIGINT NOT NULL,
    claimed_at BIGINT
);
CREATE INDEX links_account ON links(account_id);
CREATE TABLE idempotency_keys (
    project_id TEXT NOT NULL,
    key TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, key)
);
-- Server metadata, e.g. the encryption-key check value.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

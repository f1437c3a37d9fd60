CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash BLOB PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    config TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS connected_accounts (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    toolkit TEXT NOT NULL,
    auth_config_id TEXT NOT NULL,
    auth_scheme TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    is_disabled INTEGER NOT NULL DEFAULT 0,
    credentials BLOB,
    info TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS accounts_project_user ON connected_accounts(project_id, user_id, toolkit);
CREATE INDEX IF NOT EXISTS accounts_initiated ON connected_accounts(status, expires_at);
CREATE TABLE IF NOT EXISTS links (
    token TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    callback_url TEXT,
    state TEXT UNIQUE,
    pkce_verifier BLOB,
    used INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    project_id TEXT NOT NULL,
    key TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, key)
);

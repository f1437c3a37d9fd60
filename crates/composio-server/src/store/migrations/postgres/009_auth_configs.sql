-- Auth configs (docs/spec/auth-configs.md §24): the OAuth app (or API-key settings) a
-- connected account is created with. The default config of each toolkit keeps its derived
-- id (ids::auth_config) and is seeded from the server's configuration at startup.
CREATE TABLE auth_configs (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    toolkit TEXT NOT NULL,
    name TEXT NOT NULL,
    -- 'default' (managed by the server: its configured app or the sandbox) or 'custom'.
    kind TEXT NOT NULL,
    auth_scheme TEXT NOT NULL,
    client_id TEXT,
    -- The client secret, sealed like credentials (AES-256-GCM).
    client_secret BYTEA,
    -- JSON array of scopes (empty: the toolkit's).
    scopes TEXT NOT NULL,
    -- JSON object of extra authorize parameters.
    authorize_params TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX auth_configs_project_toolkit ON auth_configs (project_id, toolkit, created_at);

-- The sandbox OAuth provider's codes, grants and tokens, so a consent started on one replica
-- finishes on another and sandbox accounts still work after a restart. Codes and tokens are
-- stored as SHA-256 hashes only (like API keys): nothing here can be replayed.
CREATE TABLE IF NOT EXISTS sandbox_codes (
    code_hash BLOB PRIMARY KEY,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    subject TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sandbox_codes_expires ON sandbox_codes(expires_at);

-- One grant per approved consent: the family of its access and (rotating) refresh tokens.
CREATE TABLE IF NOT EXISTS sandbox_grants (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

-- kind: 'access' (expires_at set) or 'refresh' (used_at set once it was rotated).
CREATE TABLE IF NOT EXISTS sandbox_tokens (
    token_hash BLOB PRIMARY KEY,
    grant_id TEXT NOT NULL REFERENCES sandbox_grants(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    expires_at INTEGER,
    used_at INTEGER
);
CREATE INDEX IF NOT EXISTS sandbox_tokens_grant ON sandbox_tokens(grant_id);

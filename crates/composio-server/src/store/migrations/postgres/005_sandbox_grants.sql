-- The sandbox OAuth provider's codes, grants and tokens, so a consent started on one replica
-- finishes on another and sandbox accounts still work after a restart. Codes and tokens are
-- stored as SHA-256 hashes only (like API keys): nothing here can be replayed.
CREATE TABLE sandbox_codes (
    code_hash BYTEA PRIMARY KEY,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    subject TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sandbox_codes_expires ON sandbox_codes(expires_at);

-- One grant per approved consent: the family of its access and (rotating) refresh tokens.
CREATE TABLE sandbox_grants (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- kind: 'access' (expires_at set) or 'refresh' (used_at set once it was rotated).
CREATE TABLE sandbox_tokens (
    token_hash BYTEA PRIMARY KEY,
    grant_id TEXT NOT NULL REFERENCES sandbox_grants(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    expires_at BIGINT,
    used_at BIGINT
);
CREATE INDEX sandbox_tokens_grant ON sandbox_tokens(grant_id);

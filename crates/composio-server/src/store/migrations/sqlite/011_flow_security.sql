-- Connect Link security (docs/spec/wire-2026.md §21). The SHA-256 of the per-attempt
-- same-browser cookie, stored when the link form is submitted and checked at the callback
-- (§21.1); and the single-use `session_uri` hand-offs of callback identity verification
-- (§21.2), stored as SHA-256 hashes with the sealed credentials waiting for `complete_auth`.
ALTER TABLE links ADD COLUMN browser_hash BLOB;
CREATE TABLE IF NOT EXISTS auth_sessions (
    session_hash BLOB PRIMARY KEY,
    project_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    link_token TEXT NOT NULL,
    credentials BLOB NOT NULL,
    info TEXT,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_sessions_expires ON auth_sessions(expires_at);

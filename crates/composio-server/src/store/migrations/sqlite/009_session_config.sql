-- Session config updates (docs/spec/wire-2026.md §19): the config's version, bumped by every
-- PATCH through a compare-and-set on it, the time of the last PATCH, and the superseded
-- configs, archived in the same transaction as the update that replaced them.
ALTER TABLE sessions ADD COLUMN config_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sessions ADD COLUMN config_updated_at INTEGER;
CREATE TABLE IF NOT EXISTS session_config_history (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    config TEXT NOT NULL,
    archived_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, version)
);

-- Session config updates (docs/spec/wire-2026.md §19): the config's version, bumped by every
-- PATCH through a compare-and-set on it, the time of the last PATCH, and the superseded
-- configs, archived in the same transaction as the update that replaced them.
ALTER TABLE sessions ADD COLUMN config_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE sessions ADD COLUMN config_updated_at BIGINT;
CREATE TABLE session_config_history (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    config TEXT NOT NULL,
    archived_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, version)
);

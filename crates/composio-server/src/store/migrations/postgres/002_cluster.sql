-- What replicas coordinate through the database (cluster/postgres.rs).
-- Watch streams of the push wait, so ids can be added through any replica.
CREATE TABLE watches (
    watch_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    holder TEXT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);
CREATE INDEX watches_holder ON watches(holder);
CREATE INDEX watches_heartbeat ON watches(heartbeat_at);
CREATE TABLE watch_ids (
    watch_id TEXT NOT NULL REFERENCES watches(watch_id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    PRIMARY KEY (watch_id, account_id)
);
-- One GCRA bucket per project: when it is full again, in epoch nanoseconds.
CREATE TABLE rate_limits (
    project_id TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
);
-- Which replica runs a background job, until when.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until BIGINT NOT NULL
);

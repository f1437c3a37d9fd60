-- Webhooks (docs/spec/wire-2026.md §20): one subscription per project, and an outbox of
-- deliveries written in the same transaction as the account change that causes them.
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL UNIQUE,
    webhook_url TEXT NOT NULL,
    version TEXT NOT NULL,
    -- JSON array of event type names.
    enabled_events TEXT NOT NULL,
    -- The signing secret, sealed like credentials (AES-256-GCM).
    secret BLOB NOT NULL,
    -- The secret before the last rotation, still signing until previous_secret_until.
    previous_secret BLOB,
    previous_secret_until INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- One row per event and subscription: the exact body (signed at each attempt), its delivery
-- state, and the lease of the replica sending it.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    account_id TEXT,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    lease_holder TEXT,
    lease_until INTEGER,
    last_status_code INTEGER,
    last_error TEXT,
    last_latency_ms INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries(subscription_id, created_at);

-- Credentials are replaced by compare-and-set on a version, and refreshed under a lease, so
-- two refreshes (in one process or in several) can never lose a rotated refresh token.
ALTER TABLE connected_accounts ADD COLUMN credentials_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connected_accounts ADD COLUMN refresh_holder TEXT;
ALTER TABLE connected_accounts ADD COLUMN refresh_lease_until INTEGER;
-- A callback claims its link before it exchanges the code, so one callback does the exchange.
ALTER TABLE links ADD COLUMN claimed_at INTEGER;
CREATE INDEX IF NOT EXISTS links_account ON links(account_id);

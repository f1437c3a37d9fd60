-- An Idempotency-Key is reserved (status 0) before its request runs, so concurrent retries,
-- on any replica, run it once; a reservation whose holder died runs out at reserved_until.
ALTER TABLE idempotency_keys ADD COLUMN reserved_until INTEGER;

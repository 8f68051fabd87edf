-- A claimed idempotency key (status 0) names the database session that
-- claimed it. When that session is gone (its process died, say under
-- SIGKILL), a retry takes the key over at once instead of waiting for the
-- claim to go stale.
ALTER TABLE idempotency_keys
    ADD COLUMN owner_pid     integer,
    ADD COLUMN owner_started timestamptz;

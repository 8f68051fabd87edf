ALTER TABLE idempotency_keys
    DROP COLUMN owner_started,
    DROP COLUMN owner_pid;

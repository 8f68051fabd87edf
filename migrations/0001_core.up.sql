-- The household: one row of settings that every person shares.
CREATE TABLE household (
    id            smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    timezone      text,                      -- NULL: Home Assistant's, else the system's
    score_weights jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO household (id) VALUES (1);

CREATE TABLE people (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9_]{0,39}$'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    entity_id     text CHECK (entity_id IS NULL OR entity_id ~ '^person\.[a-z0-9_]+$'),
    color         text NOT NULL CHECK (color ~ '^#[0-9a-f]{6}$'),
    demo          boolean NOT NULL DEFAULT false,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Retried writes (REST Idempotency-Key, HA request_id, MQTT redelivery) are
-- applied once: the first answer is kept and replayed.
CREATE TABLE idempotency_keys (
    scope         text NOT NULL,             -- who may reuse the key: a token id, "ha", "mqtt"
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash  bytea NOT NULL,
    status        integer NOT NULL,
    response      jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Oura Ring: each person's sealed OAuth2 tokens, the single-use states of
-- connections in progress, every document Oura sent (upserted by id, so a
-- re-sync changes nothing) and where each person's sync stands.

-- The token pair is sealed (AES-GCM, key under the data directory) before it
-- reaches the database; a refreshed pair replaces the row in one statement.
CREATE TABLE oura_tokens (
    person_id        bigint PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    sealed           text NOT NULL,
    expires_at       timestamptz,
    needs_reauth     boolean NOT NULL DEFAULT false,
    reauth_reason    text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- A connection in progress: the state sent to Oura's consent page names the
-- person; it is used once and expires.
CREATE TABLE oura_states (
    state            text PRIMARY KEY,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    expires_at       timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oura_states_expires ON oura_states (expires_at);

CREATE TABLE oura_documents (
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    collection       text NOT NULL,
    id               text NOT NULL,
    day              date,
    doc              jsonb NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, collection, id)
);
CREATE INDEX oura_documents_day ON oura_documents (person_id, collection, day);

CREATE TABLE oura_sync (
    person_id        bigint PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    last_sync        timestamptz,
    last_days        jsonb NOT NULL DEFAULT '{}',   -- collection → latest day stored
    last_error       text NOT NULL DEFAULT '',
    last_error_at    timestamptz,
    backfill_done    boolean NOT NULL DEFAULT false
);

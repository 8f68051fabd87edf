-- API tokens: only a hash of the secret is stored; the secret is shown once.
CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    scope         text NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    person_id     bigint REFERENCES people (id) ON DELETE CASCADE,  -- NULL: any person
    secret_hash   bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

-- Device pairing codes: single use, short-lived, stored hashed like tokens.
CREATE TABLE pairing_codes (
    code_hash     bytea PRIMARY KEY CHECK (length(code_hash) = 32),
    person_id     bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    token_id      bigint REFERENCES api_tokens (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- A household's own words for activity types, shipped or its own: a display
-- name that replaces the shipped one and the aliases HA actions and voice
-- resolve ("walking" for walk). A type without a row keeps its shipped name
-- and aliases.
CREATE TABLE activity_type_names (
    key        text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    aliases    text[] NOT NULL DEFAULT '{}' CHECK (cardinality(aliases) <= 20),
    updated_at timestamptz NOT NULL DEFAULT now()
);

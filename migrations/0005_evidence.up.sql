-- Evidence rules: "sensor X meets a condition for a duration inside a time
-- window ⇒ check in a habit / complete a routine item / log an activity".
-- A rule names one or more keys of the same physical sensor (an HA entity id
-- and a zigbee2mqtt/… key); it fires at most once per local day, which the
-- unique constraint on evidence_matches enforces across sources, replays and
-- replicas. Deleted rules are kept (deleted_at) so their matches stay
-- explainable and undoable.
CREATE TABLE evidence_rules (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    name             text NOT NULL,
    sensors          text[] NOT NULL CHECK (cardinality(sensors) BETWEEN 1 AND 8),
    condition        jsonb NOT NULL,           -- {"op": "gt", "value": "2"}
    for_seconds      integer NOT NULL DEFAULT 0 CHECK (for_seconds BETWEEN 0 AND 86400),
    window_start     integer CHECK (window_start BETWEEN 0 AND 1439),  -- minutes after local midnight
    window_end       integer CHECK (window_end BETWEEN 0 AND 1440),
    action           jsonb NOT NULL,           -- {"kind": "check_in", "habit": "12"}
    enabled          boolean NOT NULL DEFAULT true,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    CHECK ((window_start IS NULL) = (window_end IS NULL))
);
CREATE INDEX evidence_rules_person ON evidence_rules (person_id) WHERE deleted_at IS NULL;
CREATE INDEX evidence_rules_sensors ON evidence_rules USING gin (sensors) WHERE enabled AND deleted_at IS NULL;

-- The latest known state of each sensor key that rules read, with when that
-- state began and the recent readings (changes only, bounded), so a
-- duration that spans a restart or a replica switch still counts.
CREATE TABLE sensor_state (
    sensor           text PRIMARY KEY,
    source           text NOT NULL,
    state            text NOT NULL,
    since            timestamptz NOT NULL,     -- when state began
    observed_at      timestamptz NOT NULL,     -- the latest reading's time
    history          jsonb NOT NULL DEFAULT '[]', -- [{"at": …, "state": …}], oldest first
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- One firing of a rule: what it saw and what it did. check_in_id,
-- activity_id or item_id/item_day name what the completion made (NULL when
-- the action failed: error says why); undone_at is set by an undo, which
-- keeps the row so the rule does not fire again that day.
CREATE TABLE evidence_matches (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id          bigint NOT NULL REFERENCES evidence_rules (id) ON DELETE CASCADE,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    day              date NOT NULL,
    window_key       text NOT NULL,
    sensor           text NOT NULL,
    started_at       timestamptz NOT NULL,
    ended_at         timestamptz NOT NULL,
    state            text NOT NULL,
    quantity         double precision,
    readings         jsonb NOT NULL,           -- the readings' values: [{"at": …, "state": …}]
    action           jsonb NOT NULL,           -- the rule's action as it fired
    check_in_id      bigint,
    activity_id      bigint,
    item_id          bigint,
    item_day         date,
    error            text,
    matched_at       timestamptz NOT NULL,
    undone_at        timestamptz,
    CONSTRAINT evidence_matches_rule_day UNIQUE (rule_id, day)
);
CREATE INDEX evidence_matches_person ON evidence_matches (person_id, id DESC);
CREATE INDEX evidence_matches_rule ON evidence_matches (rule_id, id DESC);

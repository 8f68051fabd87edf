-- Goals: a target over a period, fed by a person's facts. Progress is never
-- stored (it is computed from the facts on every read); only the milestones
-- a goal reached are, because each paid XP once.
CREATE TABLE goals (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id     bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    kind          text NOT NULL CHECK (kind IN ('activity_total', 'habit_days', 'habit_rate', 'metric_average', 'metric_days', 'todos_done')),
    activity_type text,
    habit_id      bigint REFERENCES habits (id) ON DELETE CASCADE,
    metric        text CHECK (metric IS NULL OR metric IN ('sleep', 'readiness', 'activity', 'life_score')),
    threshold     double precision,
    target        double precision NOT NULL CHECK (target > 0),
    period        text NOT NULL CHECK (period IN ('week', 'month', 'quarter', 'year', 'custom')),
    from_day      date NOT NULL,
    until_day     date NOT NULL CHECK (until_day >= from_day),
    milestones    smallint[] NOT NULL,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX goals_person_until ON goals (person_id, until_day);

-- A milestone a goal reached: its XP sits in xp_ledger as
-- (goal_milestone, '<goal id>:<percent>'), awarded once.
CREATE TABLE goal_milestones (
    goal_id       bigint NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    percent       smallint NOT NULL CHECK (percent BETWEEN 1 AND 100),
    day           date NOT NULL,
    xp            integer NOT NULL CHECK (xp >= 0),
    reached_at    timestamptz NOT NULL,
    PRIMARY KEY (goal_id, percent)
);

-- Imports from other apps. The habits an import created are listed, so
-- undoing it removes exactly them (with their check-ins, pauses and days).
CREATE TABLE imports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id     bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    source        text NOT NULL CHECK (source IN ('loop', 'habitica', 'lifeops')),
    first_day     date NOT NULL,
    summary       text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE import_habits (
    import_id     bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    habit_id      bigint NOT NULL REFERENCES habits (id) ON DELETE CASCADE,
    PRIMARY KEY (import_id, habit_id)
);

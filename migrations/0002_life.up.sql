-- The life domain: facts (activities, check-ins, moods) and what is derived
-- from them (habit days, XP totals, daily scores), kept side by side so the
-- derived rows can always be recomputed from the facts and checked.

-- Activity types the household added to the shipped catalogue.
CREATE TABLE activity_types (
    key              text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    name             text NOT NULL,
    unit             text NOT NULL,
    xp_per_unit      double precision NOT NULL,
    full_units_per_day double precision NOT NULL,
    category         text NOT NULL,
    stats            text[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE activities (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    type             text NOT NULL,
    amount           double precision NOT NULL CHECK (amount > 0),
    at               timestamptz NOT NULL,
    day              date NOT NULL,            -- the household's local day of at
    note             text NOT NULL DEFAULT '',
    source           text NOT NULL,
    idempotency_key  text,
    xp               integer NOT NULL CHECK (xp >= 0),
    external_id      text,                     -- e.g. the Oura workout id
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (person_id, idempotency_key)
);
CREATE INDEX activities_person_day ON activities (person_id, day, type);
CREATE UNIQUE INDEX activities_external ON activities (person_id, source, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE habits (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    slug             text NOT NULL CHECK (slug ~ '^[a-z][a-z0-9_]{0,39}$'),
    name             text NOT NULL,
    kind             text NOT NULL,
    schedule         jsonb NOT NULL,
    target           jsonb NOT NULL,
    time_window      jsonb,
    start_day        date NOT NULL,
    demo             boolean NOT NULL DEFAULT false,
    archived_at      timestamptz,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (person_id, slug)
);

CREATE TABLE pauses (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    habit_id         bigint REFERENCES habits (id) ON DELETE CASCADE,  -- NULL: every habit of the person
    reason           text NOT NULL CHECK (reason IN ('vacation', 'sick', 'rest')),
    from_day         date NOT NULL,
    until_day        date NOT NULL CHECK (until_day >= from_day),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pauses_person ON pauses (person_id, until_day);

CREATE TABLE check_ins (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    habit_id         bigint NOT NULL REFERENCES habits (id) ON DELETE CASCADE,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    at               timestamptz NOT NULL,
    day              date NOT NULL,
    quantity         double precision NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    source           text NOT NULL,
    note             text NOT NULL DEFAULT '',
    idempotency_key  text,
    evidence         jsonb,                    -- what an automatic check-in saw
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (person_id, idempotency_key)
);
CREATE INDEX check_ins_habit_day ON check_ins (habit_id, day);

-- One row per habit per closed or current day: the day's verdict and the
-- streak and strength after folding it in. A backdated check-in re-folds
-- from its day only, so the cost does not grow with history.
CREATE TABLE habit_days (
    habit_id         bigint NOT NULL REFERENCES habits (id) ON DELETE CASCADE,
    day              date NOT NULL,
    status           text NOT NULL,
    value            double precision NOT NULL,
    completion       double precision NOT NULL,
    streak           jsonb NOT NULL,           -- domain.StreakState after this day
    strength         double precision NOT NULL,
    final            boolean NOT NULL DEFAULT false,
    PRIMARY KEY (habit_id, day)
);

-- Every XP award, with what earned it; undoing a fact deletes its rows.
CREATE TABLE xp_ledger (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    day              date NOT NULL,
    source_kind      text NOT NULL,            -- activity, check_in, habit_day, routine_item, achievement, biometric
    source_id        text NOT NULL,
    amount           integer NOT NULL CHECK (amount >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (person_id, source_kind, source_id)
);

-- Running totals per person, kept in the same transaction as the ledger.
CREATE TABLE person_progress (
    person_id        bigint PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    total_xp         bigint NOT NULL DEFAULT 0 CHECK (total_xp >= 0),
    check_ins        bigint NOT NULL DEFAULT 0 CHECK (check_ins >= 0),
    activities       bigint NOT NULL DEFAULT 0 CHECK (activities >= 0),
    mood_logs        bigint NOT NULL DEFAULT 0 CHECK (mood_logs >= 0),
    perfect_days     bigint NOT NULL DEFAULT 0 CHECK (perfect_days >= 0),
    longest_streak   integer NOT NULL DEFAULT 0,
    activity_counts  jsonb NOT NULL DEFAULT '{}'::jsonb,
    activity_amounts jsonb NOT NULL DEFAULT '{}'::jsonb,
    growth           double precision[] NOT NULL DEFAULT '{0,0,0,0,0,0}',  -- STR INT WIS STA CHA LCK
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Passive stat growth earned each day (diminishing within a day, so it is
-- kept per day and summed into person_progress.growth).
CREATE TABLE stat_growth_days (
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    day              date NOT NULL,
    growth           double precision[] NOT NULL,
    PRIMARY KEY (person_id, day)
);

-- Allocated stat-tree nodes; a respec deletes them and records when.
CREATE TABLE allocations (
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    node             text NOT NULL,
    allocated_at     timestamptz NOT NULL,
    PRIMARY KEY (person_id, node)
);

CREATE TABLE respecs (
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    at               timestamptz NOT NULL,
    refunded         integer NOT NULL,
    PRIMARY KEY (person_id, at)
);

CREATE TABLE moods (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    at               timestamptz NOT NULL,
    day              date NOT NULL,
    value            smallint NOT NULL CHECK (value BETWEEN 1 AND 9),
    note             text NOT NULL DEFAULT '',
    idempotency_key  text,
    UNIQUE (person_id, idempotency_key)
);
CREATE INDEX moods_person_day ON moods (person_id, day);

CREATE TABLE achievements (
    key              text PRIMARY KEY,
    definition       jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE achievement_unlocks (
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    key              text NOT NULL,
    unlocked_at      timestamptz NOT NULL,
    PRIMARY KEY (person_id, key)
);

-- The Daily Life Score: one row per person per day, final after the day ends.
CREATE TABLE daily_scores (
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    day              date NOT NULL,
    score            double precision,         -- NULL when no component has data
    result           jsonb NOT NULL,           -- contributors, explanation, freshness, today's max
    final            boolean NOT NULL DEFAULT false,
    computed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, day)
);

-- Daily biometrics the score and the character read (from Oura, or typed in).
CREATE TABLE daily_biometrics (
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    day              date NOT NULL,
    sleep_score      double precision,
    readiness_score  double precision,
    activity_score   double precision,
    steps            integer,
    sleep_end        timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, day)
);

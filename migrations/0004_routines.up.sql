-- Scheduled job runs, one row per job and slot (the instant a run stands
-- for). A replica claims a slot under the job's advisory lock before running
-- it, so a slot runs once across replicas even when their clocks are apart
-- by more than a run takes. finished_at stays NULL until the run succeeds;
-- an unfinished row (a crash, an error) may be taken over by the next holder
-- of the lock.
CREATE TABLE job_runs (
    job              text NOT NULL,
    slot             timestamptz NOT NULL,
    owner            text NOT NULL,            -- the replica that ran (or runs) it
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    attempts         integer NOT NULL DEFAULT 1,
    error            text,
    PRIMARY KEY (job, slot)
);
CREATE INDEX job_runs_slot ON job_runs (slot);

-- Routines a person plans. Routines and their items are archived, never
-- deleted, while their timeline entries exist: the history keeps its ids.
CREATE TABLE routines (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    name             text NOT NULL,
    schedule         jsonb NOT NULL,
    archived_at      timestamptz,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX routines_person ON routines (person_id) WHERE archived_at IS NULL;

CREATE TABLE routine_items (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    routine_id       bigint NOT NULL REFERENCES routines (id) ON DELETE CASCADE,
    position         integer NOT NULL,
    title            text NOT NULL,
    anchor_kind      text NOT NULL CHECK (anchor_kind IN ('clock', 'wake')),
    anchor_at        integer NOT NULL DEFAULT 0 CHECK (anchor_at BETWEEN 0 AND 1439), -- minutes after midnight
    offset_min       integer NOT NULL DEFAULT 0,
    duration_min     integer NOT NULL DEFAULT 0,
    checklist        text[] NOT NULL DEFAULT '{}',
    xp               integer NOT NULL DEFAULT 0 CHECK (xp >= 0),
    habit_id         bigint REFERENCES habits (id) ON DELETE SET NULL,
    grace_min        integer NOT NULL DEFAULT 0,
    archived_at      timestamptz
);
CREATE INDEX routine_items_routine ON routine_items (routine_id, position) WHERE archived_at IS NULL;

-- One person's day: one row per routine item and day, so generating a
-- timeline twice changes nothing. The plan fields are copied from the item
-- when the row is made (and follow it while the row is open).
CREATE TABLE timeline_entries (
    item_id          bigint NOT NULL REFERENCES routine_items (id) ON DELETE CASCADE,
    day              date NOT NULL,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    routine_id       bigint NOT NULL REFERENCES routines (id) ON DELETE CASCADE,
    routine_name     text NOT NULL,
    title            text NOT NULL,
    planned          timestamptz NOT NULL,
    duration_min     integer NOT NULL,
    grace_min        integer NOT NULL,
    xp               integer NOT NULL,
    habit_id         bigint,
    status           text NOT NULL CHECK (status IN ('pending', 'done', 'skipped', 'missed', 'snoozed')),
    snoozed_until    timestamptz,
    reminded_at      timestamptz,
    completed_at     timestamptz,
    source           text NOT NULL DEFAULT '',
    check_in_id      bigint,                   -- the habit check-in completing the item made
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, day)
);
CREATE INDEX timeline_person_day ON timeline_entries (person_id, day, planned);
CREATE INDEX timeline_open ON timeline_entries (planned) WHERE status IN ('pending', 'snoozed');

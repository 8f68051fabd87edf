-- To-dos: a person's one-off tasks. uid is the iCalendar UID (a CalDAV
-- client picks it when it creates the to-do); name is the resource name the
-- to-do has in the person's CalDAV to-do list, which clients also pick and
-- which must never change, since clients address the to-do by it.
CREATE TABLE todos (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    uid              text NOT NULL,
    name             text NOT NULL,
    title            text NOT NULL,
    notes            text NOT NULL DEFAULT '',
    due_date         date,                     -- a due day without a time
    due_at           timestamptz,              -- a due instant (due_date is then NULL)
    due_tz           text NOT NULL DEFAULT '', -- the time zone due_at was given in
    done             boolean NOT NULL DEFAULT false,
    completed_at     timestamptz,
    source           text NOT NULL DEFAULT '',
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (due_date IS NULL OR due_at IS NULL),
    UNIQUE (person_id, uid),
    UNIQUE (person_id, name)
);
CREATE INDEX todos_person ON todos (person_id, done, id);

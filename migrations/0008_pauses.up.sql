-- Pauses become a resource: an ETag version, and an open end (until_day
-- NULL: the pause runs until someone ends it).
ALTER TABLE pauses
    ADD COLUMN version    integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ALTER COLUMN until_day DROP NOT NULL;
CREATE INDEX pauses_person_from ON pauses (person_id, from_day);

-- An archived habit counts on the days it was kept and on no later one: its
-- open day row (the day it was archived) goes.
DELETE FROM habit_days d USING habits h WHERE h.id = d.habit_id AND h.archived_at IS NOT NULL AND NOT d.final;

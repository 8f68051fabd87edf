-- Pauses become a resource: an ETag version, and an open end (until_day
-- NULL: the pause runs until someone ends it).
ALTER TABLE pauses
    ADD COLUMN version    integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ALTER COLUMN until_day DROP NOT NULL;
CREATE INDEX pauses_person_from ON pauses (person_id, from_day);

DROP INDEX pauses_person_from;
-- An open pause gets the longest end a closed one may have.
UPDATE pauses SET until_day = from_day + 365 WHERE until_day IS NULL;
ALTER TABLE pauses
    ALTER COLUMN until_day SET NOT NULL,
    DROP COLUMN updated_at,
    DROP COLUMN version;

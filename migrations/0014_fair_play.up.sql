-- Fair-play rules, part two.
--
-- A routine item's grace_min of 0 used to mean "the default, 60"; from now on
-- 0 means 0 (missed right at the planned time) and a grace left out is stored
-- as 60. Every 0 stored until now meant the default, so it becomes 60, in the
-- items and in the timeline entries generated from them.
UPDATE routine_items SET grace_min = 60 WHERE grace_min = 0;
UPDATE timeline_entries SET grace_min = 60 WHERE grace_min = 0;
ALTER TABLE routine_items ALTER COLUMN grace_min SET DEFAULT 60;

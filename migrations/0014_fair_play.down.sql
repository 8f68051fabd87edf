-- Lossy: before 0014 a grace_min of 0 meant 60, so items and entries that
-- were given a grace of 0 after 0014 get 60 again under the older release.
-- The 0s that 0014 rewrote to 60 stay 60 (the same meaning).
--
-- Lossy: the older release pays kept-day XP for every kept day of a limit
-- habit; the spans of days that may pay are dropped.
ALTER TABLE habits DROP COLUMN limit_spans;
-- Lossy: an achievement unlocked from history stays unlocked without its XP;
-- the older release's verify reports its XP award as missing.
ALTER TABLE achievement_unlocks DROP COLUMN from_history;
ALTER TABLE routine_items ALTER COLUMN grace_min SET DEFAULT 0;

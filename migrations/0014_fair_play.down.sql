-- Lossy: before 0014 a grace_min of 0 meant 60, so items and entries that
-- were given a grace of 0 after 0014 get 60 again under the older release.
-- The 0s that 0014 rewrote to 60 stay 60 (the same meaning).
ALTER TABLE routine_items ALTER COLUMN grace_min SET DEFAULT 0;

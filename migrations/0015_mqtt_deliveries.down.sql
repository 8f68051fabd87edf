-- Placeholder on the panel branch only: 0015 belongs to the mqtt branch
-- (mqtt_deliveries); at merge its files replace these. It exists here so
-- 0016 follows without a gap.
SELECT 1;

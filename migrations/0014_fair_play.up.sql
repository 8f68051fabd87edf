-- Fair-play rules, part two.
--
-- A routine item's grace_min of 0 used to mean "the default, 60"; from now on
-- 0 means 0 (missed right at the planned time) and a grace left out is stored
-- as 60. Every 0 stored until now meant the default, so it becomes 60, in the
-- items and in the timeline entries generated from them.
UPDATE routine_items SET grace_min = 60 WHERE grace_min = 0;
UPDATE timeline_entries SET grace_min = 60 WHERE grace_min = 0;
ALTER TABLE routine_items ALTER COLUMN grace_min SET DEFAULT 60;

-- A limit habit (negative, or an at-most target) pays kept-day XP only for
-- days on which it was, at that time, an active limit habit: limit_spans
-- holds those runs of days, [{"from":"YYYY-MM-DD","until":"YYYY-MM-DD"}]
-- (no "until": still open). Habits kept by a limit until now were paid for
-- every kept day since their start, so they get one span from their start:
-- open while active, up to their last stored day when archived.
ALTER TABLE habits ADD COLUMN limit_spans jsonb NOT NULL DEFAULT '[]';
UPDATE habits h SET limit_spans = CASE
    WHEN h.archived_at IS NULL THEN jsonb_build_array(jsonb_build_object('from', h.start_day::text))
    ELSE coalesce((SELECT jsonb_build_array(jsonb_build_object('from', h.start_day::text, 'until', max(d.day)::text))
                     FROM habit_days d WHERE d.habit_id = h.id HAVING max(d.day) >= h.start_day), '[]')
  END
 WHERE h.kind = 'negative' OR h.target->>'Kind' = 'at_most';

-- An achievement whose condition holds only when imported history is
-- counted unlocks "from history": once, with no XP.
ALTER TABLE achievement_unlocks ADD COLUMN from_history boolean NOT NULL DEFAULT false;

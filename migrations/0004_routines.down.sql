DROP TABLE timeline_entries;
DROP TABLE routine_items;
DROP TABLE routines;
DROP TABLE job_runs;

DROP TABLE import_habits;
DROP TABLE imports;
DROP TABLE goal_milestones;
DROP TABLE goals;

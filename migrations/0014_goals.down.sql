DROP TABLE goal_milestones;
DROP TABLE goals;

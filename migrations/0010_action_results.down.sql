DROP TABLE action_results;

DROP TABLE evidence_matches;
DROP TABLE sensor_state;
DROP TABLE evidence_rules;

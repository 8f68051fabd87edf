-- The lists go; rules are again checked only for the shape of their keys.
DROP TABLE sensor_sources;
DROP TABLE sensor_catalog;

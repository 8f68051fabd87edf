DROP TABLE insight_sensors;

DROP TABLE readings_rollup;
DROP TABLE readings_1h;
DROP TABLE readings_5m;
DROP TABLE readings_latest;
DROP TABLE readings;

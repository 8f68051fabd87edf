-- Sensor readings: the raw facts (kept readings_retention_days), and their
-- 5-minute and hourly roll-ups (kept for good).
--
-- Only changes are stored: readings_latest holds each sensor's last stored
-- state, and a reading that repeats it is not a new fact. That makes a QoS 1
-- redelivery, a retained message seen again after a resubscribe, and a
-- device re-sending its cached state all harmless, without a message id
-- (Zigbee2MQTT and ESPHome payloads carry none).
CREATE TABLE readings (
    id      bigint GENERATED ALWAYS AS IDENTITY,
    source  text NOT NULL,               -- ha, zigbee2mqtt, esphome
    sensor  text NOT NULL,               -- binary_sensor.bed, zigbee2mqtt/<fn>/<property>, esphome/<node>/<component>/<object_id>
    state   text NOT NULL,
    num     double precision,            -- state as a number, when it is one
    at      timestamptz NOT NULL
);
CREATE INDEX readings_sensor_at ON readings (sensor, at);
-- The roll-up job finds new rows by id; ids only grow, so a BRIN index is
-- enough and costs next to nothing on insert.
CREATE INDEX readings_id ON readings USING brin (id);

CREATE TABLE readings_latest (
    sensor  text PRIMARY KEY,
    state   text,                        -- NULL: placeholder before the first reading
    at      timestamptz NOT NULL
);

-- One row per sensor and bucket. Numeric columns cover the readings whose
-- state is a number; last_state covers every reading (the text state of a
-- door, the last temperature).
CREATE TABLE readings_5m (
    sensor      text NOT NULL,
    bucket      timestamptz NOT NULL,
    count       integer NOT NULL,
    num_count   integer NOT NULL,
    min         double precision,
    max         double precision,
    sum         double precision,
    avg         double precision GENERATED ALWAYS AS (CASE WHEN num_count > 0 THEN sum / num_count END) STORED,
    last_state  text NOT NULL,
    last_at     timestamptz NOT NULL,
    PRIMARY KEY (sensor, bucket)
);
CREATE TABLE readings_1h (LIKE readings_5m INCLUDING ALL);

-- How far the roll-up job has read readings, by id.
CREATE TABLE readings_rollup (
    name     text PRIMARY KEY,
    last_id  bigint NOT NULL,
    ran_at   timestamptz NOT NULL
);

-- With TimescaleDB loaded the raw table is a hypertable (chunks by day).
-- Installed is not enough: CREATE EXTENSION fails unless the server preloads
-- it (shared_preload_libraries), and a failing migration would keep LifeOps
-- from starting. The roll-up job is the same on both paths; plain
-- PostgreSQL is what the tests run.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
       AND coalesce(current_setting('shared_preload_libraries', true), '') ~ '(^|[\s,])timescaledb($|[\s,])' THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        PERFORM create_hypertable('readings', 'at', chunk_time_interval => interval '1 day', migrate_data => true);
    END IF;
END
$$;

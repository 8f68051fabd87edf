-- Insights: the sensors each person links to themselves or to the room they
-- sleep in. Nothing an insight says is stored: the daily variables and the
-- tests are computed from the facts every time they are asked for, so
-- there is nothing here for verify to find drifted.
CREATE TABLE insight_sensors (
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    sensor           text NOT NULL,            -- a readings key: sensor.bedroom_temperature, zigbee2mqtt/<device>/<property>
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    unit             text NOT NULL DEFAULT '',
    kind             text NOT NULL CHECK (kind IN ('numeric', 'binary')),
    room             text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, sensor)
);

-- What the household's sources say exists: every Home Assistant entity
-- (get_states on each connection) and every property Zigbee2MQTT's devices
-- expose (its retained bridge/devices). Rules are checked against it and
-- the rule form offers it. A source replaces its whole list at once;
-- sensor_sources says which sources have announced one and when, since a
-- source that never did (HA not configured) cannot refuse a key.
CREATE TABLE sensor_catalog (
    sensor       text PRIMARY KEY,
    source       text NOT NULL,
    name         text NOT NULL DEFAULT '',  -- HA's friendly_name; the Zigbee2MQTT device and property
    unit         text NOT NULL DEFAULT '',
    device_class text NOT NULL DEFAULT '',
    state        text,                      -- the state when listed (HA), NULL when the list has none
    state_at     timestamptz,               -- since when it held (HA's last_changed)
    listed_at    timestamptz NOT NULL       -- when this entry was added or last changed
);
CREATE INDEX sensor_catalog_source ON sensor_catalog (source);

CREATE TABLE sensor_sources (
    source     text PRIMARY KEY,
    sensors    integer NOT NULL,
    listed_at  timestamptz NOT NULL  -- when the whole list was last announced
);

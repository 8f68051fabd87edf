-- The MQTT messages whose readings are stored, by session and packet id, so
-- a QoS 1 message the broker sends again after a crash (its PUBACK never
-- left) is recognised and not stored twice. A row is written in the
-- transaction that stores the message's readings and replaced when the
-- broker reuses the packet id (which it may only do once it has our PUBACK),
-- so a client id never has more than 65,535 rows; rows older than the raw
-- readings' retention are deleted with them. See docs/operations.md.
CREATE TABLE mqtt_deliveries (
    client_id  text NOT NULL,
    packet_id  integer NOT NULL CHECK (packet_id BETWEEN 1 AND 65535),
    digest     bigint NOT NULL,              -- FNV-1a of topic, NUL, payload
    at         timestamptz NOT NULL,         -- stored, or last recognised as redelivered
    PRIMARY KEY (client_id, packet_id)
);
CREATE INDEX mqtt_deliveries_at ON mqtt_deliveries (at);

-- The client ids LifeOps' replicas connect with, and when each was last
-- connected: Mosquitto goes on handing an offline member of a shared
-- subscription its share of the messages, so the session of a replica gone
-- for good (an hour unconnected) is ended at the broker by another replica.
CREATE TABLE mqtt_clients (
    client_id  text PRIMARY KEY,
    seen_at    timestamptz NOT NULL
);

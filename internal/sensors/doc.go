// Package sensors turns home sensor messages into readings, the facts that
// evidence rules look at. It owns the Zigbee2MQTT and ESPHome-over-MQTT
// parsers, the household's selection of sensors (evidence rules plus an
// allow-list, never the whole house by default), the MQTT source that
// subscribes and feeds them, and the Ingester that stores readings in
// batches and hands the new ones on after they are committed.
//
// A reading is stored only when it changes its sensor's state (see
// Store). That one rule makes every kind of repeat harmless: a QoS 1
// redelivery after a broker restart, a retained message received again
// after a resubscribe, Zigbee2MQTT re-sending its cached states when Home
// Assistant comes online, and ESPHome re-sending its states on every
// reconnect.
package sensors

package sensors

import (
	"context"

	"github.com/lifeops/lifeops/internal/app"
)

// Sources of readings.
const (
	SourceHA          = "ha"
	SourceZigbee2MQTT = "zigbee2mqtt"
	SourceESPHome     = "esphome"
)

// Reading is one observed state of one sensor: app.Reading.
//
// Sensor keys: "binary_sensor.bed" (a Home Assistant entity),
// "zigbee2mqtt/<friendly_name>/<property>" and
// "esphome/<node>/<component>/<object_id>"; availability is
// "zigbee2mqtt/<friendly_name>/availability" and "esphome/<node>/status".
// The key always starts with the source name, never with a configured base
// topic, so a rule survives a change of Zigbee2MQTT's base topic.
//
// State is text: a JSON boolean becomes "true" or "false", a JSON number
// keeps the digits it was sent with, a JSON string is the string itself,
// and an ESPHome payload is taken as it is ("ON", "21.5").
type Reading = app.Reading

// Observer hears of readings. The Ingester is one (the Home Assistant
// entity feed hands it its readings) and calls another (the evidence rules)
// with the readings it takes (see IngesterOptions.Observer).
type Observer interface {
	Observe(ctx context.Context, readings []Reading) error
}

// SensorSource lists the sensor keys LifeOps reads (those evidence rules
// refer to, and those people link): the app's SensorInterest. Changes come
// as the app's sensor_interest_changed event (Source.Publish).
type SensorSource interface {
	SensorInterest(ctx context.Context) ([]string, error)
}

// Catalog takes a source's whole list of the sensors it has (the app's
// ListSensors).
type Catalog interface {
	ListSensors(ctx context.Context, source string, entries []app.CatalogEntry) (app.CatalogChange, error)
}

// Delivery is the MQTT message some readings of a batch came in:
// app.Delivery.
type Delivery = app.Delivery

// Store keeps readings. ReadingsInsertDelivered stores, in one transaction,
// the readings that change their sensor's last stored state (in the order
// given, a reading equal to the one before it for the same sensor changes
// nothing) and returns them. Storing the same readings again stores nothing.
// In the same transaction it keeps the key of each delivery and leaves out
// the readings of a delivery it recognises as a redelivery of a message
// stored before, which it counts.
type Store interface {
	ReadingsInsertDelivered(ctx context.Context, readings []Reading, deliveries []Delivery) (stored []Reading, redelivered int, err error)
}

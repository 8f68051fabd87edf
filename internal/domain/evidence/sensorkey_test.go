package evidence

import "testing"

// TestValidSensorKey: keys a reading can carry pass, including an ESPHome
// node whose topic prefix holds slashes; keys that can never match do not.
func TestValidSensorKey(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]bool{
		"binary_sensor.bed":                   true,
		"zigbee2mqtt/bed/occupancy":           true,
		"zigbee2mqtt/Living room/lamp/state":  true,
		"esphome/desk/binary_sensor/presence": true,
		"esphome/home/kitchen/sensor/power":   true, // topic_prefix: home/kitchen
		"esphome/desk/status":                 true,
		"bed":                                 false,
		"Bed Sensor!":                         false,
		"zigbee2mqtt/bed":                     false,
		"esphome/desk":                        false,
		"esphome/desk//presence":              false,
		"Binary_sensor.Bed":                   false,
	} {
		if got := ValidSensorKey(key); got != want {
			t.Errorf("ValidSensorKey(%q) = %v, want %v", key, got, want)
		}
	}
}

// TestSourceOf: a key's source follows from its shape, whatever Zigbee2MQTT's
// base topic or ESPHome's prefix.
func TestSourceOf(t *testing.T) {
	for key, want := range map[string]string{
		"binary_sensor.bed":                   SourceHA,
		"zigbee2mqtt/kitchen/fridge/contact":  SourceZigbee2MQTT,
		"esphome/desk/binary_sensor/presence": SourceESPHome,
		"esphome/desk/status":                 SourceESPHome,
	} {
		if got := SourceOf(key); got != want {
			t.Errorf("SourceOf(%q) = %q, want %q", key, got, want)
		}
	}
}

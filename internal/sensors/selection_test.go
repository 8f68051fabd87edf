package sensors_test

import (
	"slices"
	"testing"

	"github.com/lifeops/lifeops/internal/sensors"
)

func TestSelection(t *testing.T) {
	t.Parallel()
	allow := sensors.ParseAllowList(" bed , zigbee2mqtt/kitchen/fridge, esphome/desk/sensor/power,, zigbee2mqtt/hall/motion/occupancy , esphome/esphome/office ,bed")
	if want := []string{"bed", "zigbee2mqtt/kitchen/fridge", "esphome/desk/sensor/power", "zigbee2mqtt/hall/motion/occupancy", "esphome/esphome/office"}; !slices.Equal(allow, want) {
		t.Fatalf("ParseAllowList = %q, want %q", allow, want)
	}
	s := sensors.NewSelection(allow)
	type probe struct {
		source, device, key string
		device_, sensor     bool
	}
	check := func(ps []probe) {
		t.Helper()
		for _, p := range ps {
			if got := s.Device(p.source, p.device); got != p.device_ {
				t.Errorf("Device(%s, %s) = %v", p.source, p.device, got)
			}
			if got := s.Sensor(p.source, p.device, p.key); got != p.sensor {
				t.Errorf("Sensor(%s) = %v", p.key, got)
			}
		}
	}
	check([]probe{
		{"zigbee2mqtt", "bed", "zigbee2mqtt/bed/occupancy", true, true}, // bare name, z2m
		{"esphome", "bed", "esphome/bed/sensor/load", true, true},       // bare name, ESPHome
		{"zigbee2mqtt", "kitchen/fridge", "zigbee2mqtt/kitchen/fridge/contact", true, true},
		{"zigbee2mqtt", "kitchen", "zigbee2mqtt/kitchen/fridge", true, true},                // or the property "fridge" of "kitchen"
		{"zigbee2mqtt", "kitchen", "zigbee2mqtt/kitchen/door", true, false},                 // but nothing else of it
		{"zigbee2mqtt", "kitchen/fridge/x", "zigbee2mqtt/kitchen/fridge/x/y", false, false}, // no prefix matching
		{"esphome", "desk", "esphome/desk/sensor/power", true, true},                        // one sensor of desk…
		{"esphome", "desk", "esphome/desk/sensor/voltage", true, false},                     // …not the others
		{"zigbee2mqtt", "hall/motion", "zigbee2mqtt/hall/motion/occupancy", true, true},
		{"zigbee2mqtt", "hall/motion", "zigbee2mqtt/hall/motion/battery", true, false},
		{"esphome", "esphome/office", "esphome/esphome/office/binary_sensor/chair", true, true},
		{"zigbee2mqtt", "garage", "zigbee2mqtt/garage/contact", false, false},
	})
	if got, want := s.Nodes(), []string{"bed", "desk", "esphome/office"}; !slices.Equal(got, want) {
		t.Errorf("Nodes = %q, want %q", got, want)
	}
	// Rules add sensors; new ESPHome nodes are reported.
	if !s.SetRuleSensors([]string{"binary_sensor.bed", "zigbee2mqtt/garage/contact", "esphome/attic/status"}) {
		t.Error("a rule on a new node did not change the nodes")
	}
	check([]probe{
		{"zigbee2mqtt", "garage", "zigbee2mqtt/garage/contact", true, true},
		{"zigbee2mqtt", "garage", "zigbee2mqtt/garage/battery", true, false},
		{"esphome", "attic", "esphome/attic/status", true, true},
	})
	if got, want := s.Nodes(), []string{"attic", "bed", "desk", "esphome/office"}; !slices.Equal(got, want) {
		t.Errorf("Nodes = %q, want %q", got, want)
	}
	if s.SetRuleSensors([]string{"binary_sensor.bed", "zigbee2mqtt/garage/contact", "esphome/attic/status"}) {
		t.Error("the same rules changed the nodes")
	}
	if !s.SetRuleSensors(nil) || s.Device("zigbee2mqtt", "garage") {
		t.Error("removing the rules kept their devices")
	}
	if sensors.ParseAllowList("") != nil || sensors.ParseAllowList(" , ") != nil {
		t.Error("an empty allow-list is not empty")
	}
}

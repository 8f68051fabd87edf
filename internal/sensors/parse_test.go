package sensors_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/sensors"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

var t0 = time.Date(2026, 3, 29, 6, 30, 0, 0, time.UTC)

func golden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs from the output:\n%s", path, b)
	}
}

func learnt(t *testing.T) *sensors.Z2M {
	t.Helper()
	z := sensors.NewZ2M("zigbee2mqtt")
	devices, err := os.ReadFile("testdata/z2m/bridge_devices.json")
	if err != nil {
		t.Fatal(err)
	}
	top, ok := z.Classify("zigbee2mqtt/bridge/devices")
	if !ok || top.Kind != sensors.KindZ2MDevices {
		t.Fatalf("bridge/devices classified as %+v", top)
	}
	if rs, err := z.Decode(top, devices, t0); err != nil || len(rs) != 0 {
		t.Fatalf("bridge/devices: %v, %d readings", err, len(rs))
	}
	return z
}

// TestZ2MGolden replays realistic messages (the keys and units of the
// devices in the sensors reference) and pins every reading they make.
func TestZ2MGolden(t *testing.T) {
	t.Parallel()
	z := learnt(t)
	var names []string
	for _, d := range z.Devices() {
		names = append(names, d.FriendlyName+"="+d.IEEEAddress+"/"+d.Model)
	}
	if want := "bed=0x00158d0001c3d4e5/DJT11LM bedroom=0x00158d0001b2c3d4/DJT11LM bedroom/climate=0x00158d0001a2b3c4/WSDCGQ11LM coffee plug=0xa4c1380000000001/TS011F_plug_1 desk lamp=0x00158d0001d4e5f6/LED1545G12"; strings.Join(names, " ") != want {
		t.Errorf("devices learnt (coordinator left out):\n got %s\nwant %s", strings.Join(names, " "), want)
	}
	msgs, err := os.ReadFile("testdata/z2m/messages.txt")
	if err != nil {
		t.Fatal(err)
	}
	type out struct {
		Topic    string
		Kind     sensors.Kind
		Device   string `json:",omitempty"`
		Readings []string
	}
	var got []out
	for _, line := range strings.Split(strings.TrimSpace(string(msgs)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		topic, payload, _ := strings.Cut(line, "\t")
		top, ok := z.Classify(topic)
		if !ok {
			t.Fatalf("%s: not under the base", topic)
		}
		rs, err := z.Decode(top, []byte(payload), t0)
		if err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
		o := out{Topic: topic, Kind: top.Kind, Device: top.Device, Readings: []string{}}
		for _, r := range rs {
			if !r.At.Equal(t0) || r.Source != sensors.SourceZigbee2MQTT {
				t.Errorf("%s: reading %+v: want source zigbee2mqtt at %v", topic, r, t0)
			}
			o.Readings = append(o.Readings, r.Sensor+" = "+r.State)
		}
		got = append(got, o)
	}
	golden(t, "z2m_readings.golden.json", got)
}

func TestZ2MClassifyBeforeDevicesAreKnown(t *testing.T) {
	t.Parallel()
	z := sensors.NewZ2M("home/z2m/")
	for topic, want := range map[string]sensors.Z2MTopic{
		"home/z2m/kitchen/fridge":              {Kind: sensors.KindZ2MState, Device: "kitchen/fridge"},
		"home/z2m/kitchen/fridge/availability": {Kind: sensors.KindZ2MAvailability, Device: "kitchen/fridge"},
		"home/z2m/kitchen/fridge/set":          {Kind: sensors.KindIgnored},
		"home/z2m/kitchen/fridge/set/state":    {Kind: sensors.KindIgnored},
		"home/z2m/kitchen/get":                 {Kind: sensors.KindIgnored},
		"home/z2m/bridge/info":                 {Kind: sensors.KindIgnored},
		"home/z2m/bridge/devices":              {Kind: sensors.KindZ2MDevices},
	} {
		got, ok := z.Classify(topic)
		if !ok || got != want {
			t.Errorf("Classify(%q) = %+v, %v; want %+v", topic, got, ok, want)
		}
	}
	for _, topic := range []string{"zigbee2mqtt/bed", "home/z2m", "home/z2m/", "home/z2mx/bed"} {
		if got, ok := z.Classify(topic); ok {
			t.Errorf("Classify(%q) = %+v; want not under the base", topic, got)
		}
	}
}

func TestESPHome(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		topic, payload string
		want           string // sensor = state
	}{
		{"desk/sensor/power/state", "43.6", "esphome/desk/sensor/power = 43.6"},
		{"desk/sensor/mode/state", "Eco mode", "esphome/desk/sensor/mode = Eco mode"},
		{"desk/sensor/temperature/state", "nan", "esphome/desk/sensor/temperature = nan"},
		{"desk/binary_sensor/chair_occupied/state", "ON", "esphome/desk/binary_sensor/chair_occupied = ON"},
		{"desk/switch/relay/state", "OFF", "esphome/desk/switch/relay = OFF"},
		{"desk/status", "online", "esphome/desk/status = online"},
		{"esphome/bedroom/sensor/co2/state", "612", "esphome/esphome/bedroom/sensor/co2 = 612"},
		{"esphome/bedroom/status", "offline", "esphome/esphome/bedroom/status = offline"},
	} {
		top, ok := sensors.ClassifyESPHome(c.topic)
		if !ok {
			t.Errorf("%s: not classified", c.topic)
			continue
		}
		rs, err := sensors.DecodeESPHome(top, []byte(c.payload), t0)
		if err != nil || len(rs) != 1 {
			t.Errorf("%s %q: %v, %d readings", c.topic, c.payload, err, len(rs))
			continue
		}
		if got := rs[0].Sensor + " = " + rs[0].State; got != c.want || rs[0].Source != sensors.SourceESPHome || !rs[0].At.Equal(t0) {
			t.Errorf("%s %q: got %+v, want %s", c.topic, c.payload, rs[0], c.want)
		}
	}
	for _, topic := range []string{"desk/sensor/power/command", "desk/sensor/state", "/status", "desk//x/state", "status"} {
		if top, ok := sensors.ClassifyESPHome(topic); ok {
			t.Errorf("ClassifyESPHome(%q) = %+v; want false", topic, top)
		}
	}
}

// TestMalformed: every refused payload names its kind and reason and
// yields nothing.
func TestMalformed(t *testing.T) {
	t.Parallel()
	z := learnt(t)
	big := bytes.Repeat([]byte(" "), 1<<20)
	copy(big, `{"a":1`)
	bigDevices := append([]byte(`[`), bytes.Repeat([]byte(" "), 17<<20)...)
	for _, c := range []struct {
		topic   string
		payload []byte
		kind    sensors.Kind
		reason  sensors.Reason
	}{
		{"zigbee2mqtt/bed", []byte(`{"occupancy":tr`), sensors.KindZ2MState, sensors.ReasonInvalidJSON},
		{"zigbee2mqtt/bed", []byte(`{"occupancy":true`), sensors.KindZ2MState, sensors.ReasonInvalidJSON},
		{"zigbee2mqtt/bed", []byte(`{"occupancy":true}{"x":1}`), sensors.KindZ2MState, sensors.ReasonInvalidJSON},
		{"zigbee2mqtt/bed", []byte(``), sensors.KindZ2MState, sensors.ReasonInvalidJSON},
		{"zigbee2mqtt/bed", []byte(`[1,2,3]`), sensors.KindZ2MState, sensors.ReasonWrongType},
		{"zigbee2mqtt/bed", []byte(`"occupied"`), sensors.KindZ2MState, sensors.ReasonWrongType},
		{"zigbee2mqtt/bed", []byte(`42`), sensors.KindZ2MState, sensors.ReasonWrongType},
		{"zigbee2mqtt/bed", []byte("{\"action\":\"single\xff\"}"), sensors.KindZ2MState, sensors.ReasonInvalidUTF8},
		{"zigbee2mqtt/bed", big, sensors.KindZ2MState, sensors.ReasonTooLarge},
		{"zigbee2mqtt/bed", manyProperties(600), sensors.KindZ2MState, sensors.ReasonTooLarge},
		{"zigbee2mqtt/bed/occupancy", []byte(``), sensors.KindZ2MAttribute, sensors.ReasonBadValue},
		{"zigbee2mqtt/bed/occupancy", []byte("\xc3\x28"), sensors.KindZ2MAttribute, sensors.ReasonInvalidUTF8},
		{"zigbee2mqtt/bed/availability", []byte(`{"state":"maybe"}`), sensors.KindZ2MAvailability, sensors.ReasonBadValue},
		{"zigbee2mqtt/bed/availability", []byte(`{"state":1}`), sensors.KindZ2MAvailability, sensors.ReasonInvalidJSON},
		{"zigbee2mqtt/bed/availability", []byte(`{"status":"online"}`), sensors.KindZ2MAvailability, sensors.ReasonWrongType},
		{"zigbee2mqtt/bed/availability", []byte(`{"state":"onl`), sensors.KindZ2MAvailability, sensors.ReasonInvalidJSON},
		{"zigbee2mqtt/bridge/devices", []byte(`{"friendly_name":"x"}`), sensors.KindZ2MDevices, sensors.ReasonWrongType},
		{"zigbee2mqtt/bridge/devices", []byte(`[{"ieee_address":"0x1"}]`), sensors.KindZ2MDevices, sensors.ReasonWrongType},
		{"zigbee2mqtt/bridge/devices", []byte(`[{"friendly_name":"x"`), sensors.KindZ2MDevices, sensors.ReasonInvalidJSON},
		{"zigbee2mqtt/bridge/devices", bigDevices, sensors.KindZ2MDevices, sensors.ReasonTooLarge},
		{"desk/binary_sensor/chair/state", []byte(`on`), sensors.KindESPHomeState, sensors.ReasonBadValue},
		{"desk/switch/relay/state", []byte(``), sensors.KindESPHomeState, sensors.ReasonBadValue},
		{"desk/sensor/mode/state", []byte("a\x00b"), sensors.KindESPHomeState, sensors.ReasonBadValue},
		{"desk/sensor/mode/state", []byte("\xff"), sensors.KindESPHomeState, sensors.ReasonInvalidUTF8},
		{"desk/sensor/mode/state", bytes.Repeat([]byte("x"), 5000), sensors.KindESPHomeState, sensors.ReasonTooLarge},
		{"desk/status", []byte(`{"state":"online"}`), sensors.KindESPHomeStatus, sensors.ReasonBadValue},
	} {
		var rs []sensors.Reading
		var err error
		if strings.HasPrefix(c.topic, "zigbee2mqtt/") {
			top, _ := z.Classify(c.topic)
			rs, err = z.Decode(top, c.payload, t0)
		} else {
			top, _ := sensors.ClassifyESPHome(c.topic)
			rs, err = sensors.DecodeESPHome(top, c.payload, t0)
		}
		var me *sensors.MalformedError
		if !errors.As(err, &me) || me.Kind != c.kind || me.Reason != c.reason || len(rs) != 0 {
			t.Errorf("%s %.40q: got %v (%d readings); want %s/%s", c.topic, c.payload, err, len(rs), c.kind, c.reason)
		}
	}
	// A refused bridge/devices leaves the known devices as they were.
	if n := len(z.Devices()); n != 5 {
		t.Errorf("devices after refused updates: %d, want 5", n)
	}
}

func manyProperties(n int) []byte {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"p%d":%d`, i, i)
	}
	b.WriteString("}")
	return []byte(b.String())
}

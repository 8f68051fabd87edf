package sensors_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/internal/sensors"
)

// TestZ2MExposesListed reads a full bridge/devices (realistic devices with
// their exposes: climate, motion, vibration and door sensors, a plug with
// a switch, a light with a color composite, a thermostat, a disabled device
// and one still interviewing) and pins the keys and names it lists: only
// what devices publish in their state, flattened as readings are.
func TestZ2MExposesListed(t *testing.T) {
	t.Parallel()
	z := sensors.NewZ2M("zigbee2mqtt")
	devices, err := os.ReadFile("testdata/z2m/bridge_devices_exposes.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := z.Catalog(); ok {
		t.Fatal("a list before bridge/devices was read")
	}
	top, _ := z.Classify("zigbee2mqtt/bridge/devices")
	if _, err := z.Decode(top, devices, t0); err != nil {
		t.Fatal(err)
	}
	entries, ok := z.Catalog()
	if !ok {
		t.Fatal("no list after bridge/devices")
	}
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = fmt.Sprintf("%s | %s | %s", e.Sensor, e.Name, e.Unit)
	}
	golden(t, "z2m/catalog.golden.json", lines)
}

// TestZ2MDevicesReachTheCatalog: against the real broker and database,
// Zigbee2MQTT's retained bridge/devices lists every property its devices
// expose in the app's catalog, and a device that leaves the network leaves
// the catalog with the next bridge/devices.
func TestZ2MDevicesReachTheCatalog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	z2mBase := root + "/z2m"

	pool := dbtest.New(t)
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: postgres.NewStore(pool), Logger: zerolog.Nop(), Tree: tree, Location: func() *time.Location { return time.UTC }})
	ing := startIngester(t, sensors.IngesterOptions{Store: postgres.NewReadings(pool), Observer: svc, Logger: testLogger(t)})
	client, err := mqtt.New(mqtt.Options{URL: url, BaseTopic: root + "/lifeops", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	src, err := sensors.NewSource(sensors.SourceOptions{
		Subscriber: subscriber{client}, Selection: sensors.NewSelection(nil), Sink: ing, Rules: svc,
		Catalog: svc, Z2MBase: z2mBase, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	devices, err := os.ReadFile("testdata/z2m/bridge_devices_exposes.json")
	if err != nil {
		t.Fatal(err)
	}
	// Retained, as Zigbee2MQTT publishes it: LifeOps reads it on subscribing.
	pub := mqtttest.NewObserver(t, url)
	pub.Publish(z2mBase+"/bridge/devices", true, string(devices))
	t.Cleanup(func() { pub.Publish(z2mBase+"/bridge/devices", true, "") })
	startClientAndSource(t, client, src)

	listed := func() map[string]app.SensorInfo {
		all, err := svc.Sensors(ctx, app.SensorFilter{Source: "zigbee2mqtt"})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]app.SensorInfo{}
		for _, s := range all {
			m[s.Sensor] = s
		}
		return m
	}
	eventually(t, 10*time.Second, "the properties of bridge/devices listed", func() bool { return len(listed()) > 0 })
	got := listed()
	for _, key := range []string{"zigbee2mqtt/bed/vibration", "zigbee2mqtt/kitchen/fridge door/contact", "zigbee2mqtt/desk lamp/state",
		"zigbee2mqtt/desk lamp/color_x", "zigbee2mqtt/coffee plug/power", "zigbee2mqtt/living room thermostat/local_temperature"} {
		if s, ok := got[key]; !ok || !s.Listed || s.Seen {
			t.Errorf("%s: %+v, listed %v", key, s, ok)
		}
	}
	if s := got["zigbee2mqtt/coffee plug/power"]; s.Name != "coffee plug Power" || s.Unit != "W" {
		t.Errorf("the plug's power: %+v", s)
	}
	for _, key := range []string{"zigbee2mqtt/desk lamp/effect", "zigbee2mqtt/guest room motion/occupancy", "zigbee2mqtt/bed/color"} {
		if _, ok := got[key]; ok {
			t.Errorf("%s listed: it is never in a state message", key)
		}
	}

	// The bed leaves the network: Zigbee2MQTT publishes the list without it.
	pub.Publish(z2mBase+"/bridge/devices", true, `[{"friendly_name":"hall motion","ieee_address":"0x00158d0001e5f6a7","type":"EndDevice",`+
		`"definition":{"model":"RTCGQ11LM","exposes":[{"type":"binary","name":"occupancy","property":"occupancy","access":1,"label":"Occupancy"}]}}]`)
	eventually(t, 10*time.Second, "the bed gone from the catalog", func() bool {
		got := listed()
		_, bed := got["zigbee2mqtt/bed/vibration"]
		_, hall := got["zigbee2mqtt/hall motion/occupancy"]
		return !bed && hall && len(got) == 1
	})
}

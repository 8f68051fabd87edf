package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
)

// TestSensorsGolden pins GET /api/v1/sensors (what the panel's rule form
// and clients offer as sensors) and the problem of a rule naming an entity
// Home Assistant has not listed. -update rewrites them.
func TestSensorsGolden(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &testClock{t: utcAt(10, 7, 0)}
	e := newEnvAt(t, clk.now)
	e.person("Golda")
	e.do(req{method: "POST", path: "/api/v1/people/golda/habits", token: e.admin,
		body: map[string]any{"name": "In bed", "schedule": map[string]any{"kind": "daily"}}}).want(t, 201)
	rule := func(sensors ...string) map[string]any {
		return map[string]any{"name": "In bed", "sensors": sensors, "condition": map[string]any{"op": "on"}, "for_seconds": 300,
			"action": map[string]any{"kind": "check_in", "habit": "In bed"}}
	}
	// Before any list, LifeOps cannot know: an invented entity passes.
	e.do(req{method: "POST", path: "/api/v1/people/golda/evidence-rules", token: e.admin, body: rule("binary_sensor.bedroom_door")}).want(t, 201)

	if _, err := e.svc.ListSensors(ctx, "ha", []app.CatalogEntry{
		{Sensor: "binary_sensor.bed_occupancy", Name: "Bed occupancy", DeviceClass: "occupancy", State: "off", StateAt: utcAt(10, 6, 0)},
		{Sensor: "sensor.bedroom_temperature", Name: "Bedroom temperature", Unit: "°C", DeviceClass: "temperature", State: "19.5", StateAt: utcAt(10, 6, 55)},
		{Sensor: "person.golda", Name: "Golda", State: "home", StateAt: utcAt(9, 18, 0)},
	}); err != nil {
		t.Fatal(err)
	}
	clk.set(utcAt(10, 7, 1))
	if _, err := e.svc.ListSensors(ctx, "zigbee2mqtt", []app.CatalogEntry{
		{Sensor: "zigbee2mqtt/bed/vibration", Name: "bed Vibration"},
		{Sensor: "zigbee2mqtt/bedroom/climate/temperature", Name: "bedroom/climate Temperature", Unit: "°C"},
	}); err != nil {
		t.Fatal(err)
	}
	e.do(req{method: "POST", path: "/api/v1/people/golda/evidence-rules", token: e.admin, body: rule("binary_sensor.bed_occupancy", "zigbee2mqtt/bed/vibration")}).want(t, 201)
	// Readings of the rule's sensors: one listed, one that HA no longer lists.
	if err := e.svc.Observe(ctx, []app.Reading{
		{Source: "zigbee2mqtt", Sensor: "zigbee2mqtt/bed/vibration", State: "true", At: utcAt(10, 6, 58)},
		{Source: "ha", Sensor: "binary_sensor.bedroom_door", State: "off", At: utcAt(10, 6, 30)},
	}); err != nil {
		t.Fatal(err)
	}

	for name, r := range map[string]req{
		"sensors":         {method: "GET", path: "/api/v1/sensors", token: e.admin},
		"sensors_refused": {method: "POST", path: "/api/v1/people/golda/evidence-rules", token: e.admin, body: rule("binary_sensor.bed_occupancy", "binary_sensor.bedd")},
	} {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, e.do(r).body, "", "  "); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join("testdata", name+".golden")
		if *update {
			if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(pretty.Bytes(), want) {
			t.Errorf("%s changed:\n%s\nwant:\n%s", name, pretty.Bytes(), want)
		}
	}

	var list SensorList
	keys := func(path string) string {
		t.Helper()
		res := e.do(req{method: "GET", path: path, token: e.admin}).want(t, 200)
		if err := json.Unmarshal(res.body, &list); err != nil {
			t.Fatal(err)
		}
		var ks []string
		for _, s := range list.Items {
			ks = append(ks, s.Sensor)
		}
		return strings.Join(ks, " ")
	}
	if got := keys("/api/v1/sensors?source=zigbee2mqtt"); got != "zigbee2mqtt/bed/vibration zigbee2mqtt/bedroom/climate/temperature" {
		t.Errorf("source=zigbee2mqtt: %s", got)
	}
	if got := keys("/api/v1/sensors?q=TEMP"); got != "sensor.bedroom_temperature zigbee2mqtt/bedroom/climate/temperature" {
		t.Errorf("q=TEMP: %s", got)
	}
	if got := keys("/api/v1/sensors?q=bed&source=ha"); got != "binary_sensor.bed_occupancy binary_sensor.bedroom_door sensor.bedroom_temperature" {
		t.Errorf("q=bed&source=ha: %s", got)
	}
	e.do(req{method: "GET", path: "/api/v1/sensors?source=hue", token: e.admin}).want(t, 422)
	e.do(req{method: "GET", path: "/api/v1/sensors", token: e.token(app.ScopeRead, "")}).want(t, 200)
	// The household's states are not for a token bound to one person.
	e.do(req{method: "GET", path: "/api/v1/sensors", token: e.token(app.ScopeRead, "golda")}).want(t, 403)
}

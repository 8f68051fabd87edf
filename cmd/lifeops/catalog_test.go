package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/hass/hatest"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
)

// TestSensorCatalogFromHAAndZigbee2MQTT runs LifeOps against the fake Home
// Assistant and the real broker: on connecting it lists HA's entities and
// the properties Zigbee2MQTT's retained bridge/devices exposes; a rule on a
// listed entity is accepted and one on binary_sensor.bedd refused with the
// sentence saying what to do; an entity removed while LifeOps was away
// leaves the catalog when it connects again.
func TestSensorCatalogFromHAAndZigbee2MQTT(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	brokerURL := os.Getenv("LIFEOPS_TEST_MQTT_URL")
	if brokerURL == "" {
		t.Fatal("LIFEOPS_TEST_MQTT_URL is not set (make test sets it)")
	}
	const haToken = "ha-token"
	fake := hatest.Start(t, hatest.Options{Token: haToken, TimeZone: "UTC"})
	fake.SetState("binary_sensor.bed_occupancy", "off", map[string]any{"friendly_name": "Bed occupancy", "device_class": "occupancy"})
	fake.SetState("sensor.bedroom_temperature", "19.5", map[string]any{"friendly_name": "Bedroom temperature", "unit_of_measurement": "°C", "device_class": "temperature"})
	fake.SetState("light.guest_room", "off", map[string]any{"friendly_name": "Guest room"})

	root := mqtttest.UniqueRoot(t)
	pub := mqtttest.NewObserver(t, brokerURL)
	devices, err := os.ReadFile("../../internal/sensors/testdata/z2m/bridge_devices_exposes.json")
	if err != nil {
		t.Fatal(err)
	}
	pub.Publish(root+"/z2m/bridge/devices", true, string(devices))
	t.Cleanup(func() { pub.Publish(root+"/z2m/bridge/devices", true, "") })

	url := dbtest.URL(t)
	getenv := config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": url, "LIFEOPS_TIMEZONE": "UTC"})
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"token", "create", "--name", "catalog", "--scope", "admin"}, &out, &errOut, getenv); code != exitOK {
		t.Fatalf("token create: %d %s", code, errOut.String())
	}
	token := strings.TrimSpace(out.String())
	p := start(t, url, "LIFEOPS_TIMEZONE=UTC", "LIFEOPS_HA_URL="+fake.WebSocketURL(), "LIFEOPS_HA_TOKEN="+haToken,
		"LIFEOPS_MQTT_URL="+brokerURL, "LIFEOPS_BASE_TOPIC="+root+"/lifeops", "LIFEOPS_DISCOVERY_PREFIX="+root+"/ha",
		"LIFEOPS_Z2M_BASE_TOPIC="+root+"/z2m")
	go func() {
		for range p.lines {
		}
	}()
	api := "http://" + p.addr + "/api/v1"
	type sensor struct {
		Sensor string `json:"sensor"`
		Name   string `json:"name"`
		Unit   string `json:"unit"`
		Listed bool   `json:"listed"`
	}
	sensors := func(query string) map[string]sensor {
		t.Helper()
		req, err := http.NewRequest("GET", api+"/sensors"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var list struct{ Items []sensor }
		if err := json.NewDecoder(res.Body).Decode(&list); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET /sensors%s: %d %v", query, res.StatusCode, err)
		}
		m := map[string]sensor{}
		for _, s := range list.Items {
			m[s.Sensor] = s
		}
		return m
	}
	// Polled gently: the API limits each token's rate.
	settle := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(250 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 20 s: %s", what)
			}
		}
	}
	settle("HA's entities and Zigbee2MQTT's properties listed", func() bool {
		all := sensors("")
		_, bed := all["binary_sensor.bed_occupancy"]
		_, vibration := all["zigbee2mqtt/bed/vibration"]
		return bed && vibration
	})
	// One get_config per connection: the one that waits for RUNNING
	// brings the language and time zone too.
	perConn := map[int]int{}
	for _, c := range fake.Commands() {
		if c.Type == "get_config" {
			perConn[c.Conn]++
		}
	}
	for conn, n := range perConn {
		if n != 1 {
			t.Errorf("connection %d asked get_config %d times, want once", conn, n)
		}
	}
	if n := len(sensors("?source=ha")); n != 3 {
		t.Errorf("%d HA entities listed, want 3", n)
	}
	if s := sensors("?source=ha")["sensor.bedroom_temperature"]; s.Name != "Bedroom temperature" || s.Unit != "°C" || !s.Listed {
		t.Errorf("HA's temperature sensor: %+v", s)
	}
	if s, ok := sensors("?q=fridge")["zigbee2mqtt/kitchen/fridge door/contact"]; !ok || !s.Listed || s.Name != "kitchen/fridge door Contact" {
		t.Errorf("the fridge door's contact: %+v (%v)", s, ok)
	}

	for _, c := range []struct{ path, body string }{
		{"/people", `{"name":"Ann"}`},
		{"/people/ann/habits", `{"name":"In bed","schedule":{"kind":"daily"}}`},
	} {
		if code := postJSON(t, api+c.path, token, c.body); code != 201 {
			t.Fatalf("POST %s: %d", c.path, code)
		}
	}
	rule := func(sensors string) (int, string) {
		t.Helper()
		req, err := http.NewRequest("POST", api+"/people/ann/evidence-rules", strings.NewReader(
			`{"name":"In bed","sensors":`+sensors+`,"condition":{"op":"on"},"for_seconds":300,"action":{"kind":"check_in","habit":"In bed"}}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := rule(`["binary_sensor.bed_occupancy","zigbee2mqtt/bed/vibration"]`); code != 201 {
		t.Fatalf("a rule on a listed entity and property: %d %s", code, body)
	}
	code, body := rule(`["binary_sensor.bedd"]`)
	var problem struct{ Detail string }
	if err := json.Unmarshal([]byte(body), &problem); err != nil || code != 422 ||
		!strings.HasPrefix(problem.Detail, `sensors entry 1 ("binary_sensor.bedd") is not an entity Home Assistant has; pick one from the sensor list`) {
		t.Fatalf("a rule on binary_sensor.bedd: %d %s", code, body)
	}
	if code, body := rule(`["zigbee2mqtt/bed/occupancy"]`); code != 422 || !strings.Contains(body, "is not a property any Zigbee2MQTT device exposes") {
		t.Fatalf("a rule on a property the bed does not expose: %d %s", code, body)
	}

	// The guest room's light is removed from HA; the list LifeOps asks for
	// when it connects again no longer has it.
	fake.RemoveState("light.guest_room")
	if _, guest := sensors("?source=ha")["light.guest_room"]; !guest {
		t.Fatal("the light left the catalog before LifeOps asked HA again")
	}
	connects := countCommands(fake, "get_states")
	fake.DropAll()
	waitFor(t, func() bool { return countCommands(fake, "get_states") > connects })
	settle("the removed light gone from the catalog", func() bool {
		_, guest := sensors("?source=ha")["light.guest_room"]
		return !guest
	})
	if _, bed := sensors("?source=ha")["binary_sensor.bed_occupancy"]; !bed {
		t.Error("binary_sensor.bed_occupancy left the catalog with the guest room's light")
	}
}

// TestTimeZoneFromHomeAssistant: without LIFEOPS_TIMEZONE the household's
// time zone is HA's, read from the one get_config of the connection.
func TestTimeZoneFromHomeAssistant(t *testing.T) {
	t.Parallel()
	const haToken = "ha-token"
	fake := hatest.Start(t, hatest.Options{Token: haToken, TimeZone: "Pacific/Auckland"})
	p := start(t, dbtest.URL(t), "LIFEOPS_HA_URL="+fake.WebSocketURL(), "LIFEOPS_HA_TOKEN="+haToken)
	seen := func(line map[string]any) bool {
		return line["message"] == "household time zone from Home Assistant" && line["time_zone"] == "Pacific/Auckland"
	}
	found := slices.ContainsFunc(p.early, seen)
	for deadline := time.After(10 * time.Second); !found; {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("lifeops exited: %v", <-p.done)
			}
			found = seen(line)
		case <-deadline:
			t.Fatal("no household time zone from Home Assistant within 10 s of ready")
		}
	}
	count := func(typ string) int {
		n := 0
		for _, c := range fake.Commands() {
			if c.Type == typ {
				n++
			}
		}
		return n
	}
	// Counted once the entities were listed, the connection's last use of
	// get_config.
	for deadline := time.Now().Add(10 * time.Second); count("get_states") == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("HA's entities not listed within 10 s")
		}
	}
	if n := count("get_config"); n != 1 {
		t.Errorf("get_config asked %d times, want once", n)
	}
}

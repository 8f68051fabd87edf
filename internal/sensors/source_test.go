package sensors_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/internal/sensors"
)

// rules stands in for the evidence rules' list of sensors.
type rules struct{ keys []string }

func (r *rules) SensorInterest(context.Context) ([]string, error) { return r.keys, nil }

// TestSourceAgainstMosquitto: Zigbee2MQTT and ESPHome messages published on
// the real broker become stored readings for the selected sensors only;
// malformed payloads are counted by kind and reason and store nothing.
func TestSourceAgainstMosquitto(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	z2mBase, desk, attic := root+"/z2m", root+"/desk", root+"/attic"

	pool := dbtest.New(t)
	ing := startIngester(t, sensors.IngesterOptions{Store: postgres.NewReadings(pool), Logger: testLogger(t)})
	client, err := mqtt.New(mqtt.Options{URL: url, BaseTopic: root + "/lifeops", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	rl := &rules{keys: []string{"zigbee2mqtt/hall motion/occupancy"}}
	src, err := sensors.NewSource(sensors.SourceOptions{
		Subscriber: subscriber{client},
		// bed: every property; desk: an ESPHome node by name.
		Selection: sensors.NewSelection(sensors.ParseAllowList("bed, " + desk)),
		Sink:      ing, Rules: rl, Z2MBase: z2mBase, ESPHome: true, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	startClientAndSource(t, client, src)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}

	pub := mqtttest.NewObserver(t, url)
	pub.Publish(z2mBase+"/bridge/devices", false, `[{"friendly_name":"bed","ieee_address":"0x01","type":"EndDevice"},{"friendly_name":"hall motion","ieee_address":"0x02","type":"EndDevice"},{"friendly_name":"garage","ieee_address":"0x03","type":"EndDevice"}]`)
	pub.Publish(z2mBase+"/bed", false, `{"vibration":true,"strength":6,"battery":90,"color":{"x":0.1}}`)
	pub.Publish(z2mBase+"/hall motion", false, `{"occupancy":true,"illuminance":14,"battery":100}`)
	pub.Publish(z2mBase+"/garage", false, `{"contact":false}`)
	pub.Publish(z2mBase+"/bed/availability", false, `{"state":"online"}`)
	pub.Publish(z2mBase+"/bed/set", false, `{"sensitivity":"high"}`)
	// Malformed, all for a selected device.
	pub.Publish(z2mBase+"/bed", false, `{"vibration":fal`)
	pub.Publish(z2mBase+"/bed", false, `[true]`)
	pub.Publish(z2mBase+"/bed", false, "{\"action\":\"\xff\"}")
	pub.Publish(z2mBase+"/bed", false, `{"big":"`+strings.Repeat("x", 1<<20)+`"}`)
	pub.Publish(z2mBase+"/bed/availability", false, `sleepy`)
	pub.Publish(desk+"/sensor/power/state", false, "43.6")
	pub.Publish(desk+"/binary_sensor/chair/state", false, "MAYBE")
	pub.Publish(desk+"/status", false, "online")
	pub.Publish(attic+"/sensor/co2/state", false, "612") // not selected: not even subscribed
	// A repeat of the bed's state stores nothing new.
	pub.Publish(z2mBase+"/bed", false, `{"vibration":true,"strength":6,"battery":90,"color":{"x":0.1}}`)

	want := []string{
		"esphome/" + desk + "/sensor/power=43.6",
		"esphome/" + desk + "/status=online",
		"zigbee2mqtt/bed/availability=online",
		"zigbee2mqtt/bed/battery=90",
		"zigbee2mqtt/bed/color_x=0.1",
		"zigbee2mqtt/bed/strength=6",
		"zigbee2mqtt/bed/vibration=true",
		"zigbee2mqtt/hall motion/occupancy=true",
	}
	stored := func() []string {
		rows, err := pool.Query(ctx, `SELECT source, sensor, state FROM readings`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var source, sensor, state string
			if err := rows.Scan(&source, &sensor, &state); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sensor, source+"/") {
				t.Errorf("sensor %s has source %s", sensor, source)
			}
			out = append(out, sensor+"="+state)
		}
		sort.Strings(out)
		return out
	}
	malformed := func() string {
		st := src.Stats()
		var parts []string
		for k, rs := range st.Malformed {
			for r, n := range rs {
				parts = append(parts, fmt.Sprintf("%s/%s=%d", k, r, n))
			}
		}
		sort.Strings(parts)
		return strings.Join(parts, " ")
	}
	wantMalformed := "esphome_state/bad_value=1 z2m_availability/bad_value=1 z2m_state/invalid_json=1 z2m_state/invalid_utf8=1 z2m_state/too_large=1 z2m_state/wrong_type=1"
	eventually(t, 10*time.Second, "readings stored and malformed payloads counted", func() bool {
		return strings.Join(stored(), " ") == strings.Join(want, " ") && malformed() == wantMalformed && ing.Stats().Unchanged == 4
	})
	if st := src.Stats(); st.Unselected != 1 {
		t.Errorf("unselected messages %d, want 1 (garage)", st.Unselected)
	}
	// The same counts reach Prometheus.
	reg := prometheus.NewRegistry()
	reg.MustRegister(sensors.NewCollector(ing, src))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var exported []string
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			exported = append(exported, fmt.Sprintf("%s{%s} %g", f.GetName(), strings.Join(labels, ","), v))
		}
	}
	for _, want := range []string{
		"lifeops_sensor_malformed_total{kind=z2m_state,reason=too_large} 1",
		"lifeops_sensor_malformed_total{kind=esphome_state,reason=bad_value} 1",
		"lifeops_sensor_readings_total{outcome=stored} 8",
		"lifeops_sensor_readings_total{outcome=unchanged} 4",
		"lifeops_sensor_messages_total{outcome=unselected} 1",
		"lifeops_sensor_queue_depth{} 0",
	} {
		if !slices.Contains(exported, want) {
			t.Errorf("metric %q not exported; got:\n%s", want, strings.Join(exported, "\n"))
		}
	}

	// A new rule on an ESPHome node: the app's announcement carries the
	// new list (the source reads nothing), the source subscribes to the
	// node, and a retained state published before is taken.
	pub.Publish(attic+"/sensor/co2/state", true, "640")
	t.Cleanup(func() { pub.Publish(attic+"/sensor/co2/state", true, "") })
	src.Publish(ctx, []domain.Event{{Kind: domain.EventSensorInterestChanged, At: time.Now(),
		Interest: &domain.SensorInterestData{Sensors: append(slices.Clone(rl.keys), "esphome/"+attic+"/sensor/co2")}}})
	eventually(t, 10*time.Second, "the attic's co2 after the rule", func() bool {
		return bytes.Contains([]byte(strings.Join(stored(), " ")), []byte("esphome/"+attic+"/sensor/co2=640"))
	})
}

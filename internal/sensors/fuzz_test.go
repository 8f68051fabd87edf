package sensors_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lifeops/lifeops/internal/sensors"
)

// FuzzZ2M: any topic and payload either yields readings that name the
// device's own keys with UTF-8 states, or a *MalformedError, never a panic.
func FuzzZ2M(f *testing.F) {
	f.Add("zigbee2mqtt/bed", []byte(`{"occupancy":true,"battery":100}`))
	f.Add("zigbee2mqtt/bridge/devices", []byte(`[{"friendly_name":"bed","ieee_address":"0x1","type":"EndDevice"}]`))
	f.Add("zigbee2mqtt/bed/availability", []byte(`{"state":"online"}`))
	f.Add("zigbee2mqtt/bridge/devices", []byte(`[{"friendly_name":"lamp","type":"Router","definition":{"model":"LED1545G12","exposes":[`+
		`{"type":"light","features":[{"type":"binary","property":"state","access":7},{"type":"composite","property":"color","features":[`+
		`{"type":"numeric","property":"x","access":7}]}]},{"type":"enum","property":"effect","access":2}]}}]`))
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		z := sensors.NewZ2M("zigbee2mqtt")
		// Learn a device first so the attribute and suffix paths run too.
		if top, ok := z.Classify("zigbee2mqtt/bridge/devices"); ok {
			if _, err := z.Decode(top, []byte(`[{"friendly_name":"bed"},{"friendly_name":"a/b"}]`), t0); err != nil {
				t.Fatal(err)
			}
		}
		top, ok := z.Classify(topic)
		if !ok {
			return
		}
		rs, err := z.Decode(top, payload, t0)
		if entries, ok := z.Catalog(); ok {
			for _, e := range entries {
				if !strings.HasPrefix(e.Sensor, "zigbee2mqtt/") || !utf8.ValidString(e.Sensor) || !utf8.ValidString(e.Name) {
					t.Fatalf("catalog entry %+v", e)
				}
			}
		}
		if err != nil {
			var me *sensors.MalformedError
			if !errors.As(err, &me) || len(rs) != 0 {
				t.Fatalf("error %v (%T) with %d readings", err, err, len(rs))
			}
			return
		}
		for _, r := range rs {
			if !strings.HasPrefix(r.Sensor, "zigbee2mqtt/"+top.Device+"/") || !utf8.ValidString(r.State) || !utf8.ValidString(r.Sensor) {
				t.Fatalf("reading %+v of %+v", r, top)
			}
		}
	})
}

// FuzzESPHome: the same promise for ESPHome topics.
func FuzzESPHome(f *testing.F) {
	f.Add("desk/sensor/power/state", []byte("43.6"))
	f.Add("desk/binary_sensor/chair/state", []byte("ON"))
	f.Add("desk/status", []byte("offline"))
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		top, ok := sensors.ClassifyESPHome(topic)
		if !ok {
			return
		}
		rs, err := sensors.DecodeESPHome(top, payload, t0)
		if err != nil {
			var me *sensors.MalformedError
			if !errors.As(err, &me) || len(rs) != 0 {
				t.Fatalf("error %v (%T) with %d readings", err, err, len(rs))
			}
			return
		}
		if len(rs) != 1 || !strings.HasPrefix(rs[0].Sensor, "esphome/"+top.Node+"/") || !utf8.ValidString(rs[0].State) {
			t.Fatalf("readings %+v of %+v", rs, top)
		}
	})
}

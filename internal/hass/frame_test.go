package hass

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/hass/hatest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestDecodeFrame(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		types   []string
		wantErr bool
	}{
		{"object", `{"id":1,"type":"pong"}`, []string{"pong"}, false},
		{"array", ` [{"id":1,"type":"result","success":true},{"id":2,"type":"event","event":{}}]`, []string{"result", "event"}, false},
		{"bad element keeps neighbours", `[{"id":1,"type":"pong"},{"id":"x"},{"id":3,"type":"pong"}]`, []string{"pong", "pong"}, true},
		{"empty", ``, nil, true},
		{"scalar", `42`, nil, true},
		{"broken", `{"id":`, nil, true},
	}
	for _, tt := range tests {
		msgs, err := decodeFrame([]byte(tt.in))
		var types []string
		for _, m := range msgs {
			types = append(types, m.Type)
		}
		if (err != nil) != tt.wantErr || !slices.Equal(types, tt.types) {
			t.Errorf("%s: types %v err %v", tt.name, types, err)
		}
	}
}

// TestCommandsGolden pins the frames HA parses.
func TestCommandsGolden(t *testing.T) {
	t.Parallel()
	cmds := []struct {
		typ    string
		fields any
	}{
		{"supported_features", map[string]any{"features": map[string]int{"coalesce_messages": 1}}},
		{"ping", nil},
		{"subscribe_events", map[string]any{"event_type": "lifeops_check_in"}},
		{"subscribe_entities", map[string]any{"entity_ids": []string{"sensor.oura_sleep_score"}}},
		{"call_service", struct {
			Domain      string  `json:"domain"`
			Service     string  `json:"service"`
			ServiceData any     `json:"service_data,omitempty"`
			Target      *Target `json:"target,omitempty"`
		}{"notify", "mobile_app_phone", map[string]string{"message": "Streak saved"}, &Target{EntityID: []string{"light.desk"}}}},
		{"fire_event", map[string]any{"event_type": "lifeops_result", "event_data": map[string]any{"ok": true, "request_id": "r1"}}},
		{"homeassistant/expose_entity", map[string]any{"assistants": []string{"conversation"}, "entity_ids": []string{"sensor.lifeops_ana_score"}, "should_expose": true}},
		{"get_states", map[string]any{"id": 999, "type": "spoof"}}, // ours must win
	}
	var out bytes.Buffer
	for i, c := range cmds {
		b, err := encodeCommand(int64(i+1), c.typ, c.fields)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b) {
			t.Fatalf("invalid JSON %s", b)
		}
		out.Write(b)
		out.WriteByte('\n')
	}
	if _, err := encodeCommand(1, "x", []int{1}); err == nil {
		t.Error("non-object fields accepted")
	}
	golden(t, "commands.golden", out.Bytes())
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got: %s\nwant: %s", name, got, want)
	}
}

// FuzzDecodeFrame: whatever HA (or a broken proxy) sends, the reader's
// decoding and entity folding must not panic, and the cache stays coherent.
func FuzzDecodeFrame(f *testing.F) {
	f.Add([]byte(`{"id":1,"type":"pong"}`))
	f.Add([]byte(`[{"id":3,"type":"event","event":{"a":{"sensor.x":{"s":"71","a":{"k":1},"c":"01K","lc":1764140000.25}}}},{"id":3,"type":"event","event":{"c":{"sensor.x":{"+":{"s":"74","lu":1764140300.5,"c":{"user_id":"u"}},"-":{"a":["k"]}}}}}]`))
	f.Add([]byte(`{"id":3,"type":"event","event":{"r":["sensor.x"]}}`))
	f.Add([]byte(`{"id":3,"type":"event","event":{"c":{"sensor.nope":{"+":{}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, _ := decodeFrame(data)
		sub := &subscription{cache: map[string]*State{}}
		for i, m := range msgs {
			if m.Type != "event" {
				continue
			}
			changes, _ := sub.apply(m.Event, i == 0)
			for _, ch := range changes {
				if ch.New != nil && ch.New.Attributes == nil {
					t.Fatalf("nil attributes for %s", ch.EntityID)
				}
			}
		}
		for id, st := range sub.cache {
			if st == nil || st.EntityID != id {
				t.Fatalf("cache[%q] = %+v", id, st)
			}
		}
	})
}

// BenchmarkEventRoundTrip: the client fires lifeops_ping, the fake delivers
// it, the handler answers with fire_event lifeops_pong, the fake delivers
// that; one op is the whole round trip.
func BenchmarkEventRoundTrip(b *testing.B) {
	fake := hatest.Start(b, hatest.Options{})
	c := New(Options{URL: fake.WebSocketURL(), Token: "test-token", PingInterval: time.Hour})
	pong := make(chan struct{}, 1)
	c.SubscribeEvents("lifeops_ping", func(ev Event) {
		if err := c.FireEvent(context.Background(), "lifeops_pong", ev.Data); err != nil {
			b.Error(err)
		}
	})
	c.SubscribeEvents("lifeops_pong", func(Event) { pong <- struct{}{} })
	if err := c.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Stop(context.Background()) })
	ctx := b.Context()
	if err := c.WaitConnected(ctx); err != nil {
		b.Fatal(err)
	}
	for fakeSubs(fake) < 2 {
		time.Sleep(time.Millisecond)
	}
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	data := map[string]int{"seq": 0}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		data["seq"] = i
		if err := c.FireEvent(ctx, "lifeops_ping", data); err != nil {
			b.Fatal(err)
		}
		<-pong
		mu.Lock()
		lat = append(lat, time.Since(t0))
		mu.Unlock()
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}

func fakeSubs(fake *hatest.Server) int {
	n := 0
	for _, cmd := range fake.Commands() {
		if cmd.Type == "subscribe_events" {
			n++
		}
	}
	return n
}

package hatest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// rawClient speaks the protocol by hand, to see exactly what the fake sends.
type rawClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialRaw(t *testing.T, url, token string) (*rawClient, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(-1)
	t.Cleanup(func() { ws.CloseNow() })
	r := &rawClient{t: t, ws: ws}
	if m := r.next()[0]; m["type"] != "auth_required" {
		t.Fatalf("first message %v", m)
	}
	r.send(`{"type":"auth","access_token":"` + token + `"}`)
	m := r.next()[0]
	return r, m["type"].(string)
}

func (r *rawClient) send(s string) {
	r.t.Helper()
	if err := r.ws.Write(r.t.Context(), websocket.MessageText, []byte(s)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rawClient) frame() []byte {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.t.Context(), 5*time.Second)
	defer cancel()
	_, b, err := r.ws.Read(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

func (r *rawClient) next() []map[string]any {
	r.t.Helper()
	b := r.frame()
	if b[0] == '[' {
		var ms []map[string]any
		if err := json.Unmarshal(b, &ms); err != nil {
			r.t.Fatal(err)
		}
		return ms
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		r.t.Fatal(err)
	}
	return []map[string]any{m}
}

func TestAuthPaths(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Token: "secret"})
	tests := []struct {
		url, token, want string
	}{
		{s.WebSocketURL(), "secret", "auth_ok"},
		{s.SupervisorURL(), "secret", "auth_ok"},
		{s.WebSocketURL(), "wrong", "auth_invalid"},
		{s.SupervisorURL(), "wrong", "auth_invalid"},
	}
	for _, tt := range tests {
		if _, got := dialRaw(t, tt.url, tt.token); got != tt.want {
			t.Errorf("%s with %q: %s, want %s", tt.url, tt.token, got, tt.want)
		}
	}
	if s.Connections() != 2 {
		t.Errorf("Connections = %d, want 2", s.Connections())
	}
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	r, _ := dialRaw(t, s.WebSocketURL(), "test-token")
	tests := []struct {
		send     string
		wantID   float64
		wantCode string
	}{
		{`{"id":5,"type":"ping"}`, 5, ""},
		{`{"id":5,"type":"ping"}`, 5, "id_reuse"},
		{`{"id":4,"type":"get_config"}`, 4, "id_reuse"},
		{`{"id":"6","type":"ping"}`, 0, "invalid_format"},
		{`{"id":0,"type":"ping"}`, 0, "invalid_format"},
		{`{"id":6.5,"type":"ping"}`, 0, "invalid_format"},
		{`{"id":6,"type":7}`, 6, "invalid_format"},
		{`{"id":7,"type":"render_the_moon"}`, 7, "unknown_command"},
		{`{"id":8,"type":"unsubscribe_events","subscription":99}`, 8, "not_found"},
		{`{"id":9,"type":"call_service","service":"turn_on"}`, 9, "invalid_format"},
	}
	for _, tt := range tests {
		r.send(tt.send)
		m := r.next()[0]
		if m["id"] != tt.wantID {
			t.Errorf("%s: id %v, want %v", tt.send, m["id"], tt.wantID)
		}
		code := ""
		if e, ok := m["error"].(map[string]any); ok {
			code = e["code"].(string)
		}
		if code != tt.wantCode {
			t.Errorf("%s: error %q, want %q (%v)", tt.send, code, tt.wantCode, m)
		}
	}
	// An array of commands is handled one by one, answers in order.
	r.send(`[{"id":10,"type":"ping"},{"id":11,"type":"get_states"}]`)
	a, b := r.next()[0], r.next()[0]
	if a["type"] != "pong" || b["id"] != float64(11) || b["success"] != true {
		t.Errorf("array commands answered %v then %v", a, b)
	}
}

// TestSlowReaderGrowsQueue is the control for the client's burst test: a
// client that stops reading must drive the send queue past HA's 1,024 and
// get cancelled, so "stayed under 1,024" means something.
func TestSlowReaderGrowsQueue(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{PeakTime: 200 * time.Millisecond})
	r, _ := dialRaw(t, s.WebSocketURL(), "test-token")
	r.send(`{"id":1,"type":"supported_features","features":{"coalesce_messages":1}}`)
	r.next()
	r.send(`{"id":2,"type":"subscribe_entities"}`)
	r.next() // result; the dump and everything after stay unread
	// Big changing attributes, so the kernel's socket buffers (megabytes on
	// loopback) cannot hide the stall.
	pad := strings.Repeat("x", 16<<10)
	t0 := time.Now()
	for i := range 2_000 {
		s.SetState("sensor.big", strconv.Itoa(i), map[string]any{"blob": pad + strconv.Itoa(i)})
	}
	t.Logf("burst done after %v, live %d", time.Since(t0), s.Live())
	if d := s.MaxQueueDepth(); d <= DefaultPeakPending {
		t.Errorf("max queue %d with a client that does not read; want > %d", d, DefaultPeakPending)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Live() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if s.Live() != 0 {
		t.Errorf("fake did not cancel the stalled client (max queue %d)", s.MaxQueueDepth())
	}
}

// TestSubscribeEntitiesGolden pins the exact compressed stream (the shape of
// the reference's example) with a fixed clock.
func TestSubscribeEntitiesGolden(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Unix(1764140000, 250_000_000).UTC()
	s := Start(t, Options{Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(300*time.Second + 250*time.Millisecond)
		return now
	}})
	s.SetState("sensor.lifeops_life_score", "71", map[string]any{"friendly_name": "LifeOps Life score", "icon": "mdi:heart-pulse"})
	r, _ := dialRaw(t, s.WebSocketURL(), "test-token")
	r.send(`{"id":1,"type":"subscribe_entities","entity_ids":["sensor.lifeops_life_score"]}`)
	var out bytes.Buffer
	for range 2 { // result, then the full dump, before any change
		out.Write(r.frame())
		out.WriteByte('\n')
	}
	frames := 0
	for _, step := range []func(){
		func() {
			s.SetState("sensor.lifeops_life_score", "74", map[string]any{"friendly_name": "LifeOps Life score", "icon": "mdi:heart-pulse"})
		},
		func() {
			s.SetState("sensor.lifeops_life_score", "74", map[string]any{"friendly_name": "LifeOps Life score"})
		},
		func() {
			s.SetStateContext("sensor.lifeops_life_score", "75", map[string]any{"friendly_name": "LifeOps Life score"}, Context{UserID: "u1"})
		},
		func() { s.RemoveState("sensor.lifeops_life_score") },
		func() { s.SetState("sensor.lifeops_life_score", "76", nil) },
	} {
		step()
		frames++
	}
	for range frames {
		out.Write(r.frame())
		out.WriteByte('\n')
	}
	golden(t, "subscribe_entities.golden", out.Bytes())
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

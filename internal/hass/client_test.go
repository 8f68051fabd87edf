package hass

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/hass/hatest"
)

// start runs a fake HA and a client against it; both stop with the test.
func start(t *testing.T, fo hatest.Options, tune func(*Options)) (*hatest.Server, *Client) {
	t.Helper()
	fake := hatest.Start(t, fo)
	o := Options{
		URL: fake.WebSocketURL(), Token: "test-token", Logger: zerolog.Nop(),
		MinBackoff: 2 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		PingInterval: time.Hour, HandshakeTimeout: 5 * time.Second,
	}
	if tune != nil {
		tune(&o)
	}
	c := New(o)
	return fake, c
}

func run(t *testing.T, c *Client) {
	t.Helper()
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}

func connected(t *testing.T, c *Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatalf("%v (status %+v)", err, c.Status())
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// subscribed waits until the fake has accepted n commands of msgType on its
// latest connection, so events fired from now on reach the client.
func subscribed(t *testing.T, fake *hatest.Server, msgType string, n int) {
	t.Helper()
	waitFor(t, msgType, func() bool {
		conn, count := fake.Connections(), 0
		for _, cmd := range fake.Commands() {
			if cmd.Conn == conn && cmd.Type == msgType {
				count++
			}
		}
		return count >= n
	})
}

func TestAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		supervisor bool
		token      string
		refuse     bool
		want       LinkState
		wantErr    string
	}{
		{name: "core token ok", token: "test-token", want: LinkOK},
		{name: "supervisor token ok", supervisor: true, token: "test-token", want: LinkOK},
		{name: "core wrong token", token: "nope", want: LinkAuthInvalid, wantErr: "Invalid access token or password"},
		{name: "supervisor refuses", supervisor: true, token: "test-token", refuse: true, want: LinkAuthInvalid, wantErr: "Invalid access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := hatest.Start(t, hatest.Options{HAVersion: "2026.8.1"})
			fake.SetRefuseAuth(tt.refuse)
			url := fake.WebSocketURL()
			if tt.supervisor {
				url = fake.SupervisorURL()
			}
			c := New(Options{URL: url, Token: tt.token, Logger: zerolog.Nop(), AuthRetry: time.Hour})
			run(t, c)
			waitFor(t, "state "+string(tt.want), func() bool { return c.Status().State == tt.want })
			st := c.Status()
			if tt.want == LinkOK {
				if st.HAVersion != "2026.8.1" || fake.Connections() != 1 {
					t.Errorf("status %+v, connections %d", st, fake.Connections())
				}
				return
			}
			if !strings.Contains(st.LastError, tt.wantErr) || !strings.Contains(st.LastError, ErrAuthInvalid.Error()) {
				t.Errorf("LastError = %q, want %q", st.LastError, tt.wantErr)
			}
			if _, err := c.Call(t.Context(), "ping", nil); !errors.Is(err, ErrDisconnected) {
				t.Errorf("Call while auth invalid: %v, want ErrDisconnected", err)
			}
		})
	}
}

func TestAuthInvalidRetriesSlowlyAndRecovers(t *testing.T) {
	t.Parallel()
	fake, c := start(t, hatest.Options{}, func(o *Options) { o.AuthRetry = 100 * time.Millisecond })
	fake.SetRefuseAuth(true)
	run(t, c)
	waitFor(t, "auth_invalid", func() bool { return c.Status().State == LinkAuthInvalid })
	fake.SetRefuseAuth(false)
	connected(t, c)
	if st := c.Status(); st.State != LinkOK || st.Connects != 1 {
		t.Errorf("status %+v", st)
	}
}

func TestOptionsValidated(t *testing.T) {
	t.Parallel()
	err := New(Options{URL: "ftp://x"}).Start(t.Context())
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "url") || !strings.Contains(err.Error(), "token") {
		t.Errorf("Start = %v, want both url and token named", err)
	}
}

func TestStartStop(t *testing.T) {
	t.Parallel()
	_, c := start(t, hatest.Options{}, nil)
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	connected(t, c)
	if err := c.Start(t.Context()); !errors.Is(err, ErrStopped) {
		t.Errorf("second Start = %v", err)
	}
	for range 2 {
		if err := c.Stop(t.Context()); err != nil {
			t.Errorf("Stop = %v", err)
		}
	}
	if _, err := c.Call(t.Context(), "ping", nil); !errors.Is(err, ErrDisconnected) {
		t.Errorf("Call after Stop = %v", err)
	}
	if err := New(Options{}).Stop(t.Context()); err != nil {
		t.Errorf("Stop before Start = %v", err)
	}
}

func TestCoalescedArrays(t *testing.T) {
	t.Parallel()
	fake, c := start(t, hatest.Options{}, nil)
	var mu sync.Mutex
	var got []int
	c.SubscribeEvents("lifeops_seq", func(ev Event) {
		var d struct{ Seq int }
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Error(err)
		}
		mu.Lock()
		got = append(got, d.Seq)
		mu.Unlock()
	})
	run(t, c)
	connected(t, c)
	subscribed(t, fake, "subscribe_events", 1)
	const n = 2000
	for i := range n {
		fake.FireEvent("lifeops_seq", map[string]int{"seq": i})
	}
	waitFor(t, "all events", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == n })
	if !slices.IsSorted(got) || got[0] != 0 || got[n-1] != n-1 {
		t.Errorf("events out of order: first %d last %d", got[0], got[n-1])
	}
	frames, arrays := fake.Frames()
	if arrays == 0 || frames >= n {
		t.Errorf("fake wrote %d frames (%d arrays) for %d events: coalescing not used", frames, arrays, n)
	}
}

func TestConcurrentCallsKeepIDsIncreasing(t *testing.T) {
	t.Parallel()
	fake, c := start(t, hatest.Options{}, nil)
	run(t, c)
	connected(t, c)
	const workers, each = 8, 100
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				var err error
				switch i % 3 {
				case 0:
					_, err = c.Call(t.Context(), "ping", nil)
				case 1:
					_, err = c.GetConfig(t.Context())
				default:
					err = c.FireEvent(t.Context(), "lifeops_noise", map[string]int{"w": w, "i": i})
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call failed: %v", err) // id_reuse shows up here
	}
	var last int64
	n := 0
	for _, cmd := range fake.Commands() {
		if cmd.Conn != 1 {
			continue
		}
		if cmd.ID <= last {
			t.Fatalf("id %d after %d", cmd.ID, last)
		}
		last = cmd.ID
		n++
	}
	if want := workers*each + 1; n != want { // +1: supported_features
		t.Errorf("fake accepted %d commands, want %d", n, want)
	}
}

func TestPingTimeoutReconnects(t *testing.T) {
	t.Parallel()
	fake, c := start(t, hatest.Options{}, func(o *Options) {
		o.PingInterval = 20 * time.Millisecond
		o.PingTimeout = 60 * time.Millisecond
	})
	hooks := make(chan struct{}, 10)
	c.OnConnect(func(context.Context) { hooks <- struct{}{} })
	run(t, c)
	connected(t, c)
	subscribed(t, fake, "ping", 2) // pongs flow
	fake.SetIgnorePing(true)
	waitFor(t, "reconnect after missed pong", func() bool { return fake.Connections() >= 2 })
	fake.SetIgnorePing(false)
	waitFor(t, "ok again", func() bool { return c.Status().State == LinkOK && fake.Live() == 1 })
	if st := c.Status(); !strings.Contains(st.LastError, "no pong") {
		t.Errorf("LastError = %q, want it to name the missing pong", st.LastError)
	}
	waitFor(t, "OnConnect after reconnect", func() bool { return len(hooks) >= 2 })
}

func TestInFlightCallFailsOnDisconnect(t *testing.T) {
	t.Parallel()
	fake, c := start(t, hatest.Options{
		ServiceHandler: func(ctx context.Context, call hatest.ServiceCall) (any, error) {
			if call.Service == "slow" {
				<-ctx.Done() // answers only when the connection is gone
			}
			if call.Service == "invalid" {
				return nil, &hatest.Error{Code: "service_validation_error", Message: "bad field"}
			}
			return nil, nil
		},
	}, nil)
	run(t, c)
	connected(t, c)

	err := c.CallService(t.Context(), "notify", "invalid", nil, nil)
	var rerr *ResultError
	if !errors.As(err, &rerr) || rerr.Code != "service_validation_error" {
		t.Errorf("CallService = %v, want service_validation_error", err)
	}
	if _, err := c.Call(t.Context(), "no_such_command", nil); !errors.As(err, &rerr) || rerr.Code != "unknown_command" {
		t.Errorf("unknown command = %v", err)
	}

	done := make(chan error, 1)
	go func() { done <- c.CallService(t.Context(), "notify", "slow", nil, nil) }()
	waitFor(t, "call received", func() bool { return len(fake.Calls()) == 2 })
	fake.DropAll()
	select {
	case err := <-done:
		if !errors.Is(err, ErrDisconnected) {
			t.Errorf("in-flight call = %v, want ErrDisconnected", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("in-flight call never failed")
	}
}

func TestServiceCallsAndExpose(t *testing.T) {
	t.Parallel()
	fake, c := start(t, hatest.Options{}, nil)
	run(t, c)
	connected(t, c)
	err := c.CallService(t.Context(), "notify", "mobile_app_phone",
		map[string]string{"message": "Streak saved"}, &Target{EntityID: []string{"light.desk"}})
	if err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Domain != "notify" || calls[0].ServiceData["message"] != "Streak saved" ||
		!reflect.DeepEqual(calls[0].Target, map[string]any{"entity_id": []any{"light.desk"}}) {
		t.Errorf("calls = %+v", calls)
	}
	if err := c.ExposeEntity(t.Context(), []string{"sensor.lifeops_ana_score"}, "conversation", true); err == nil {
		t.Fatal("exposing an entity HA does not know succeeded")
	}
	fake.Register(hatest.RegistryEntry{EntityID: "sensor.lifeops_ana_score", Platform: "mqtt", UniqueID: "lifeops_1_life_score"})
	if err := c.ExposeEntity(t.Context(), []string{"sensor.lifeops_ana_score"}, "conversation", true); err != nil {
		t.Fatal(err)
	}
	if !fake.Exposed()["sensor.lifeops_ana_score"]["conversation"] {
		t.Errorf("exposed = %v", fake.Exposed())
	}
	cfg, err := c.GetConfig(t.Context())
	if err != nil || cfg.TimeZone != "Europe/Amsterdam" || cfg.Version != "2026.8.0" {
		t.Errorf("config %+v, %v", cfg, err)
	}
	if _, err := cfg.Location(); err != nil {
		t.Error(err)
	}
	for _, err := range []error{
		c.CallService(t.Context(), "", "", nil, nil),
		c.ExposeEntity(t.Context(), nil, "", true),
		c.FireEvent(t.Context(), "", nil),
	} {
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("bad input = %v, want ErrInvalidArgument", err)
		}
	}
}

// TestSubscribeEntitiesRebuildsFullStates checks every compressed form
// (add, state change, attribute-only change with removal, context objects,
// removal, re-add, changes while disconnected) against the fake's truth.
func TestSubscribeEntitiesRebuildsFullStates(t *testing.T) {
	t.Parallel()
	fake, c := start(t, hatest.Options{}, nil)
	fake.SetState("sensor.a", "71", map[string]any{"friendly_name": "A", "icon": "mdi:heart-pulse"})
	fake.SetState("sensor.b", "on", nil)
	fake.SetState("sensor.ignored", "1", nil)

	var mu sync.Mutex
	latest := map[string]*State{}
	var seen []EntityChange
	c.SubscribeEntities([]string{"sensor.a", "sensor.b"}, func(ch EntityChange) {
		mu.Lock()
		defer mu.Unlock()
		latest[ch.EntityID] = ch.New
		seen = append(seen, ch)
	})
	run(t, c)
	connected(t, c)

	check := func(step string) {
		t.Helper()
		waitFor(t, step, func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, id := range []string{"sensor.a", "sensor.b"} {
				want, ok := fake.State(id)
				got := latest[id]
				if !ok {
					if got != nil {
						return false
					}
					continue
				}
				if got == nil || !equalFake(*got, want) {
					return false
				}
			}
			return true
		})
	}
	check("initial dump")
	steps := []struct {
		name string
		do   func()
	}{
		{"state change", func() {
			fake.SetState("sensor.a", "74", map[string]any{"friendly_name": "A", "icon": "mdi:heart-pulse"})
		}},
		{"attributes only, one removed", func() { fake.SetState("sensor.a", "74", map[string]any{"friendly_name": "A2"}) }},
		{"context with user", func() {
			fake.SetStateContext("sensor.a", "75", map[string]any{"friendly_name": "A2"}, hatest.Context{UserID: "u1"})
		}},
		{"context with parent", func() {
			fake.SetStateContext("sensor.a", "76", map[string]any{"friendly_name": "A2"}, hatest.Context{ParentID: "p1"})
		}},
		{"back to bare context", func() { fake.SetState("sensor.a", "77", map[string]any{"friendly_name": "A2"}) }},
		{"removed", func() { fake.RemoveState("sensor.b") }},
		{"re-added", func() { fake.SetState("sensor.b", "off", map[string]any{"device_class": "door"}) }},
		{"changed while disconnected", func() {
			fake.DropAll()
			fake.SetState("sensor.a", "unavailable", map[string]any{"friendly_name": "A2"})
			fake.RemoveState("sensor.b")
		}},
	}
	for _, s := range steps {
		s.do()
		check(s.name)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, ch := range seen {
		if ch.EntityID == "sensor.ignored" {
			t.Errorf("got a change for an entity outside the filter")
		}
	}
	last := seen[len(seen)-1]
	if last.EntityID != "sensor.b" || last.New != nil || last.Old == nil || last.Old.State != "off" {
		t.Errorf("removal while away: %+v", last)
	}
	if a := latest["sensor.a"]; a.Available() {
		t.Errorf("sensor.a %q should not be available", a.State)
	}
	states, err := c.GetStates(t.Context())
	if err != nil || len(states) != 2 {
		t.Fatalf("GetStates = %d states, %v", len(states), err)
	}
}

func equalFake(got State, want hatest.State) bool {
	return got.EntityID == want.EntityID && got.State == want.State &&
		reflect.DeepEqual(got.Attributes, want.Attributes) &&
		got.LastChanged.Equal(want.LastChanged) && got.LastUpdated.Equal(want.LastUpdated) &&
		got.Context == Context{ID: want.Context.ID, ParentID: want.Context.ParentID, UserID: want.Context.UserID}
}

// TestDropsDuringEventStream: HA does not buffer for absent clients, so the
// truth is what the fake wrote on a live subscription; each of those events
// must reach the handler exactly once across 20 drops.
func TestDropsDuringEventStream(t *testing.T) {
	t.Parallel()
	fake, c := start(t, hatest.Options{}, nil)
	var mu sync.Mutex
	got := map[int]int{}
	c.SubscribeEvents("lifeops_seq", func(ev Event) {
		var d struct{ Seq int }
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Error(err)
		}
		mu.Lock()
		got[d.Seq]++
		mu.Unlock()
	})
	reconnects := atomic.Int32{}
	c.OnConnect(func(context.Context) { reconnects.Add(1) })
	run(t, c)
	connected(t, c)

	stop := make(chan struct{})
	var producer sync.WaitGroup
	producer.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			fake.FireEvent("lifeops_seq", map[string]int{"seq": i})
			if i%8 == 0 {
				time.Sleep(100 * time.Microsecond)
			}
		}
	})
	const drops = 20
	for k := 1; k <= drops; k++ {
		waitFor(t, fmt.Sprintf("connection %d", k), func() bool { return fake.Connections() >= k })
		time.Sleep(time.Duration(rand.N(8000)) * time.Microsecond)
		fake.DropAll()
	}
	waitFor(t, "last reconnect", func() bool { return fake.Connections() > drops })
	subscribed(t, fake, "subscribe_events", 1)
	time.Sleep(20 * time.Millisecond) // some events on the final, live connection
	close(stop)
	producer.Wait()

	// The fake may still be flushing its queue: compare fresh snapshots until
	// they agree, and report the difference if they never do.
	tally := func() map[int]int {
		want := map[int]int{}
		for _, d := range fake.Delivered("lifeops_seq") {
			var v struct{ Seq int }
			if err := json.Unmarshal(d.Data, &v); err != nil {
				t.Fatal(err)
			}
			want[v.Seq]++
		}
		return want
	}
	var want map[int]int
	deadline := time.Now().Add(10 * time.Second)
	for {
		want = tally()
		mu.Lock()
		same := maps.Equal(want, got)
		mu.Unlock()
		if same || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for seq, n := range want {
		if n != 1 {
			t.Errorf("fake delivered seq %d %d times", seq, n)
		}
		if got[seq] != 1 {
			t.Errorf("seq %d reached the handler %d times, want 1", seq, got[seq])
		}
	}
	for seq := range got {
		if want[seq] == 0 {
			t.Errorf("seq %d reached the handler but the fake never delivered it", seq)
		}
	}
	if fake.Connections() < drops+1 || len(want) == 0 {
		t.Errorf("connections %d, delivered %d", fake.Connections(), len(want))
	}
	t.Logf("%d connections, %d events delivered and handled once each", fake.Connections(), len(want))
}

// TestBurstKeepsFakeQueueBounded: a handler slower than HA must not slow
// the reader, or HA's queue for us grows and HA cancels the connection.
func TestBurstKeepsFakeQueueBounded(t *testing.T) {
	t.Parallel()
	fake, c := start(t, hatest.Options{}, nil)
	var mu sync.Mutex
	latest := map[string]string{}
	handled := 0
	c.SubscribeEntities(nil, func(ch EntityChange) {
		time.Sleep(200 * time.Microsecond) // a database write, say
		mu.Lock()
		latest[ch.EntityID] = ch.New.State
		handled++
		mu.Unlock()
	})
	run(t, c)
	connected(t, c)
	subscribed(t, fake, "subscribe_entities", 1)

	const n = 10_000
	fake.Burst(n)
	waitFor(t, "final burst states", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for i := range hatest.BurstEntities {
			id := fmt.Sprintf("sensor.hatest_burst_%d", i)
			if want, _ := fake.State(id); latest[id] != want.State {
				return false
			}
		}
		return true
	})
	depth := fake.MaxQueueDepth()
	frames, arrays := fake.Frames()
	mu.Lock()
	t.Logf("burst %d: max fake queue %d, %d frames (%d arrays), handler ran %d times", n, depth, frames, arrays, handled)
	mu.Unlock()
	if depth > hatest.DefaultPeakPending {
		t.Errorf("fake send queue reached %d, above HA's %d", depth, hatest.DefaultPeakPending)
	}
	if fake.Connections() != 1 {
		t.Errorf("fake cancelled the client: %d connections", fake.Connections())
	}
}

func TestStateNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state   string
		want    float64
		wantErr error
	}{
		{"71", 71, nil},
		{"-3.5", -3.5, nil},
		{" 4 ", 4, nil},
		{"unknown", 0, ErrNotAvailable},
		{"unavailable", 0, ErrNotAvailable},
		{"on", 0, ErrNotNumeric},
		{"NaN", 0, ErrNotNumeric},
		{"inf", 0, ErrNotNumeric},
		{"", 0, ErrNotNumeric},
	}
	for _, tt := range tests {
		s := State{EntityID: "sensor.x", State: tt.state}
		got, err := s.Float()
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("Float(%q) = %v, %v; want %v, %v", tt.state, got, err, tt.want, tt.wantErr)
		}
		if s.Available() == errors.Is(tt.wantErr, ErrNotAvailable) {
			t.Errorf("Available(%q) = %v", tt.state, s.Available())
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	lo, hi := 500*time.Millisecond, 30*time.Second
	for range 20 {
		b := reconnectBackOff(lo, hi)
		for attempt := range 40 {
			step := min(hi, lo<<min(attempt, 30))
			d := b.NextBackOff()
			if d < step/2 || d > step*3/2 {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, step/2, step*3/2)
			}
		}
	}
}

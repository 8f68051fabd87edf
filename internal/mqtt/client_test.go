package mqtt_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
)

const wait = 10 * time.Second

func newClient(t *testing.T, url, base string, tweak func(*mqtt.Options)) *mqtt.Client {
	t.Helper()
	opts := mqtt.Options{
		URL:                  url,
		BaseTopic:            base,
		ClientID:             base,
		Logger:               zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		MaxReconnectInterval: 200 * time.Millisecond,
		ConnectTimeout:       2 * time.Second,
		KeepAlive:            5 * time.Second,
	}
	if tweak != nil {
		tweak(&opts)
	}
	c, err := mqtt.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	mqtttest.ClearRetained(t, url, base+"/#")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

func waitConnected(t *testing.T, c *mqtt.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatalf("WaitConnected: %v (status %+v)", err, c.Status())
	}
}

// collector records handler calls.
type collector struct {
	mu   sync.Mutex
	msgs []string // "topic=payload"
}

func (c *collector) handle(_ context.Context, topic string, payload []byte, _ bool) {
	c.mu.Lock()
	c.msgs = append(c.msgs, topic+"="+string(payload))
	c.mu.Unlock()
}

func (c *collector) has(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.msgs {
		if m == s {
			return true
		}
	}
	return false
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts mqtt.Options
		want string
	}{
		{"empty url", mqtt.Options{BaseTopic: "lifeops"}, "url: must not be empty"},
		{"bad scheme", mqtt.Options{URL: "http://x:1883", BaseTopic: "lifeops"}, "scheme must be"},
		{"no host", mqtt.Options{URL: "tcp://", BaseTopic: "lifeops"}, "must name a host"},
		{"empty base", mqtt.Options{URL: "tcp://127.0.0.1:1883"}, "base_topic: must not be empty"},
		{"wildcard base", mqtt.Options{URL: "tcp://127.0.0.1:1883", BaseTopic: "life/#"}, "base_topic (life/#)"},
		{"trailing slash", mqtt.Options{URL: "tcp://127.0.0.1:1883", BaseTopic: "lifeops/"}, "base_topic (lifeops/)"},
		{"both bad", mqtt.Options{}, "url: must not be empty; base_topic: must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := mqtt.New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		filter, topic string
		want          bool
	}{
		{"a/b", "a/b", true},
		{"a/b", "a/c", false},
		{"a/+", "a/b", true},
		{"a/+", "a/b/c", false},
		{"a/+/c", "a/b/c", true},
		{"a/#", "a", true},
		{"a/#", "a/b/c", true},
		{"#", "a/b", true},
		{"#", "$SYS/x", false},
		{"+/x", "$SYS/x", false},
		{"a/b/c", "a/b", false},
		{"homeassistant/device/+/config", "homeassistant/device/lifeops_1/config", true},
	}
	for _, tt := range tests {
		if got := mqtt.Match(tt.filter, tt.topic); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.filter, tt.topic, got, tt.want)
		}
	}
}

func TestSubscribeRejectsBadFilters(t *testing.T) {
	t.Parallel()
	c, err := mqtt.New(mqtt.Options{URL: "tcp://127.0.0.1:1", BaseTopic: "x"})
	if err != nil {
		t.Fatal(err)
	}
	h := func(context.Context, string, []byte, bool) {}
	for _, f := range []string{"", "a/#/b", "a/b+", "a#"} {
		if err := c.Subscribe(t.Context(), f, 1, h); err == nil {
			t.Errorf("Subscribe(%q) succeeded, want an error", f)
		}
	}
	if err := c.Subscribe(t.Context(), "a/b", 3, h); err == nil {
		t.Error("Subscribe with qos 3 succeeded")
	}
	if err := c.Subscribe(t.Context(), "a/b", 1, nil); err == nil {
		t.Error("Subscribe with nil handler succeeded")
	}
}

func TestBirthAndLastWill(t *testing.T) {
	t.Parallel()
	broker := mqtttest.BrokerURL(t)
	base := mqtttest.UniqueRoot(t)
	status := base + "/status"
	obs := mqtttest.NewObserver(t, broker, status)
	proxy := mqtttest.NewProxy(t, broker)

	c := newClient(t, proxy.URL(), base, nil)
	waitConnected(t, c)
	m := obs.WaitPayload(wait, status, "online")
	if st := c.Status(); !st.Connected {
		t.Fatalf("Status after connect = %+v, want connected", st)
	}
	_ = m

	// A network failure: the broker, not the client, must announce offline.
	obs.Reset()
	proxy.SetRefuse(true)
	proxy.Cut()
	obs.WaitPayload(wait, status, "offline")
	mqtttest.Eventually(t, wait, "status down with the loss's error", func() bool {
		st := c.Status()
		return !st.Connected && st.LastError != nil
	})

	// The will is retained, so a late subscriber learns LifeOps is away.
	late := mqtttest.NewObserver(t, broker, status)
	got := late.WaitPayload(wait, status, "offline")
	if !got.Retained {
		t.Error("offline will was not retained")
	}

	obs.Reset()
	proxy.SetRefuse(false)
	obs.WaitPayload(wait, status, "online")
	waitConnected(t, c)
}

func TestStopPublishesOfflineAndIsIdempotent(t *testing.T) {
	t.Parallel()
	broker := mqtttest.BrokerURL(t)
	base := mqtttest.UniqueRoot(t)
	status := base + "/status"
	mqtttest.ClearRetained(t, broker, base+"/#")
	obs := mqtttest.NewObserver(t, broker, status)

	c, err := mqtt.New(mqtt.Options{URL: broker, BaseTopic: base, ClientID: base, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(t.Context()); err != nil { // never started
		t.Fatalf("Stop before Start: %v", err)
	}
	c, err = mqtt.New(mqtt.Options{URL: broker, BaseTopic: base, ClientID: base, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); !errors.Is(err, mqtt.ErrStarted) {
		t.Errorf("second Start = %v, want ErrStarted", err)
	}
	waitConnected(t, c)
	obs.WaitPayload(wait, status, "online")
	obs.Reset()
	for i := range 2 {
		if err := c.Stop(t.Context()); err != nil {
			t.Fatalf("Stop #%d: %v", i+1, err)
		}
	}
	got := obs.WaitPayload(wait, status, "offline")
	_ = got
	if err := c.Publish(t.Context(), base+"/x", 1, false, []byte("x")); !errors.Is(err, mqtt.ErrClosed) {
		t.Errorf("Publish after Stop = %v, want ErrClosed", err)
	}
	if st := c.Status(); st.Connected {
		t.Errorf("Status after Stop = %+v, want not connected", st)
	}
}

func TestPublishFailsWhenNotConnected(t *testing.T) {
	t.Parallel()
	broker := mqtttest.BrokerURL(t)
	base := mqtttest.UniqueRoot(t)
	proxy := mqtttest.NewProxy(t, broker)
	c := newClient(t, proxy.URL(), base, nil)
	waitConnected(t, c)

	obs := mqtttest.NewObserver(t, broker, base+"/#")
	if err := c.Publish(t.Context(), base+"/a", 0, false, []byte("while up")); err != nil {
		t.Fatalf("Publish while connected: %v", err)
	}
	obs.WaitPayload(wait, base+"/a", "while up")

	proxy.SetRefuse(true)
	proxy.Cut()
	mqtttest.Eventually(t, wait, "status down", func() bool { return !c.Status().Connected })
	for _, qos := range []byte{0, 1} {
		start := time.Now()
		err := c.Publish(t.Context(), base+"/a", qos, false, []byte("while down"))
		if !errors.Is(err, mqtt.ErrNotConnected) {
			t.Errorf("Publish qos %d while down = %v, want ErrNotConnected", qos, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Publish qos %d while down took %v, want an immediate error", qos, d)
		}
	}
	proxy.SetRefuse(false)
	waitConnected(t, c)
	if err := c.Publish(t.Context(), base+"/a", 1, false, []byte("back")); err != nil {
		t.Fatalf("Publish after reconnect: %v", err)
	}
	obs.WaitPayload(wait, base+"/a", "back")
	for _, m := range obs.Messages() {
		if string(m.Payload) == "while down" {
			t.Errorf("a publish reported as failed arrived anyway: %+v", m)
		}
	}
}

func TestHandlersRunOffTheCallbackAndOverflowIsCounted(t *testing.T) {
	t.Parallel()
	broker := mqtttest.BrokerURL(t)
	base := mqtttest.UniqueRoot(t)
	c := newClient(t, broker, base, func(o *mqtt.Options) { o.QueueSize = 2 })

	release := make(chan struct{})
	var got collector
	blocking := func(ctx context.Context, topic string, payload []byte, r bool) {
		got.handle(ctx, topic, payload, r)
		if string(payload) == "0" {
			<-release // hold the worker: later messages pile up in the queue
		}
	}
	if err := c.Subscribe(t.Context(), base+"/in", 1, blocking); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	waitConnected(t, c)
	obs := mqtttest.NewObserver(t, broker, base+"/out")
	const n = 10
	for i := range n {
		obs.Publish(base+"/in", false, string(rune('0'+i)))
	}
	mqtttest.Eventually(t, wait, "drops counted", func() bool { return c.Stats().Dropped > 0 })

	// Paho's router is not stuck behind the blocked handler: publishing and
	// receiving acknowledgements still works.
	if err := c.Publish(t.Context(), base+"/out", 1, false, []byte("alive")); err != nil {
		t.Fatalf("Publish while a handler blocks: %v", err)
	}
	obs.WaitPayload(wait, base+"/out", "alive")

	st := c.Stats()
	if st.QueueCapacity != 2 || st.QueueDepth > 2 {
		t.Errorf("Stats = %+v, want capacity 2 and depth ≤ 2", st)
	}
	close(release)
	mqtttest.Eventually(t, wait, "queue drained", func() bool { return c.Stats().QueueDepth == 0 })
	got.mu.Lock()
	delivered := len(got.msgs)
	got.mu.Unlock()
	if uint64(delivered)+c.Stats().Dropped != n {
		t.Errorf("delivered %d + dropped %d != published %d", delivered, c.Stats().Dropped, n)
	}
}

func TestSubscriptionsComeBackAfterBrokerRestart(t *testing.T) {
	t.Parallel()
	broker := mqtttest.StartMosquitto(t) // no persistence: the restart forgets our session
	base := mqtttest.UniqueRoot(t)
	c := newClient(t, broker.URL(), base, nil)
	var got collector
	if err := c.Subscribe(t.Context(), base+"/cmd/+/set", 1, got.handle); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	connects := make(chan struct{}, 10)
	c.OnConnect(func() { connects <- struct{}{} })
	waitConnected(t, c)
	<-connects

	obs := mqtttest.NewObserver(t, broker.URL())
	obs.Publish(base+"/cmd/1/set", false, "before")
	mqtttest.Eventually(t, wait, "message before restart", func() bool { return got.has(base + "/cmd/1/set=before") })

	broker.Stop()
	mqtttest.Eventually(t, wait, "status down", func() bool { return !c.Status().Connected })
	broker.Start()
	select {
	case <-connects:
	case <-time.After(wait):
		t.Fatal("OnConnect hook did not run after the broker restart")
	}
	obs.Publish(base+"/cmd/2/set", false, "after")
	mqtttest.Eventually(t, wait, "message after restart", func() bool { return got.has(base + "/cmd/2/set=after") })
}

func TestPersistentSessionKeepsQoS1WhileAway(t *testing.T) {
	t.Parallel()
	broker := mqtttest.BrokerURL(t)
	base := mqtttest.UniqueRoot(t)
	proxy := mqtttest.NewProxy(t, broker)
	c := newClient(t, proxy.URL(), base, nil)
	var got collector
	if err := c.Subscribe(t.Context(), base+"/cmd", 1, got.handle); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	waitConnected(t, c)

	proxy.SetRefuse(true)
	proxy.Cut()
	mqtttest.Eventually(t, wait, "status down", func() bool { return !c.Status().Connected })
	obs := mqtttest.NewObserver(t, broker)
	obs.Publish(base+"/cmd", false, "sent while away")
	proxy.SetRefuse(false)
	mqtttest.Eventually(t, wait, "queued message delivered", func() bool { return got.has(base + "/cmd=sent while away") })
}

func TestUnsubscribeStopsDelivery(t *testing.T) {
	t.Parallel()
	broker := mqtttest.BrokerURL(t)
	base := mqtttest.UniqueRoot(t)
	c := newClient(t, broker, base, nil)
	var got collector
	if err := c.Subscribe(t.Context(), base+"/a", 1, got.handle); err != nil {
		t.Fatal(err)
	}
	var other collector
	if err := c.Subscribe(t.Context(), base+"/b", 1, other.handle); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, c)
	if err := c.Unsubscribe(t.Context(), base+"/a"); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	obs := mqtttest.NewObserver(t, broker)
	obs.Publish(base+"/a", false, "x")
	obs.Publish(base+"/b", false, "y")
	// /b was published after /a on the same connection, so once /b is in, /a
	// would have been too.
	mqtttest.Eventually(t, wait, "message on b", func() bool { return other.has(base + "/b=y") })
	if got.has(base + "/a=x") {
		t.Error("message delivered after Unsubscribe")
	}
}

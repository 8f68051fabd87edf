package sensors_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/sensors"
)

// subscriber adapts the MQTT client to the source, as main does.
type subscriber struct{ c *mqtt.Client }

func (s subscriber) Subscribe(ctx context.Context, filter string, qos byte, h sensors.MessageHandler) error {
	return s.c.SubscribeMessages(ctx, filter, qos, func(ctx context.Context, m mqtt.Message) { h(ctx, sensors.Message(m)) })
}

func (s subscriber) Unsubscribe(ctx context.Context, filter string) error {
	return s.c.Unsubscribe(ctx, filter)
}

// observed records what an Observer was handed, in order.
type observed struct {
	mu    sync.Mutex
	all   []sensors.Reading
	calls int
	check func([]sensors.Reading) error // runs inside Observe when set
}

func (o *observed) Observe(_ context.Context, rs []sensors.Reading) error {
	var err error
	if o.check != nil {
		err = o.check(rs)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.all = append(o.all, rs...)
	o.calls++
	return err
}

func (o *observed) readings() []sensors.Reading {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]sensors.Reading(nil), o.all...)
}

// eventually polls cond every 20 ms until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testLogger(t testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
}

func startIngester(t *testing.T, o sensors.IngesterOptions) *sensors.Ingester {
	t.Helper()
	if o.Logger.GetLevel() == zerolog.DebugLevel {
		o.Logger = testLogger(t)
	}
	ing, err := sensors.NewIngester(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := ing.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ing.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return ing
}

// startClientAndSource starts the MQTT client, then the source on it, and
// stops both when the test ends (the source first).
func startClientAndSource(t *testing.T, client *mqtt.Client, src *sensors.Source) {
	t.Helper()
	ctx := context.Background()
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = client.Stop(ctx)
	})
	if err := src.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = src.Stop(ctx) })
}

package discovery_test

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
)

var _ discovery.Transport = (*mqtt.Client)(nil)

const wait = 10 * time.Second

// household is the fixture moved under per-test topic roots so parallel tests
// on the shared broker never see each other.
func household(root string) discovery.Household {
	h := fixture()
	h.Prefix = root + "/ha"
	h.BaseTopic = root + "/lo"
	return h
}

func snapshot(h discovery.Household) discovery.Snapshot {
	s := fixtureSnapshot()
	s.BaseTopic = h.BaseTopic
	return s
}

type rig struct {
	client *mqtt.Client
	pub    *discovery.Publisher
	births atomic.Int32 // jitter calls = births acted on
}

func startRig(t *testing.T, url string, h discovery.Household) *rig {
	t.Helper()
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	c, err := mqtt.New(mqtt.Options{
		URL: url, BaseTopic: h.BaseTopic, ClientID: strings.ReplaceAll(h.BaseTopic, "/", "_"), Logger: log,
		MaxReconnectInterval: 200 * time.Millisecond, ConnectTimeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{client: c}
	r.pub, err = discovery.NewPublisher(discovery.PublisherOptions{
		Transport:     c,
		Logger:        log,
		Jitter:        func() time.Duration { r.births.Add(1); return 0 },
		CleanupWindow: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.OnConnect(r.pub.Reannounce)
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
	if err := r.pub.Start(ctx, h); err != nil {
		t.Fatalf("publisher Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.pub.Stop(ctx); err != nil {
			t.Errorf("publisher Stop: %v", err)
		}
		if err := r.pub.Stop(ctx); err != nil {
			t.Errorf("publisher second Stop: %v", err)
		}
		if err := c.Stop(ctx); err != nil {
			t.Errorf("client Stop: %v", err)
		}
	})
	return r
}

func configTopic(h discovery.Household, objectID string) string {
	return h.Prefix + "/device/" + objectID + "/config"
}

func TestPublisherAnnouncesCleansUpAndReannounces(t *testing.T) {
	t.Parallel()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	mqtttest.ClearRetained(t, url, root+"/#")
	h := household(root)

	// Left by an earlier run: a person who no longer exists, plus a config
	// of someone else that must survive.
	seed := mqtttest.NewObserver(t, url)
	stale := configTopic(h, "lifeops_999")
	foreign := configTopic(h, "lifeops_other")
	seed.Publish(stale, true, `{"origin":{"name":"LifeOps"},"availability_topic":"`+h.BaseTopic+`/status","components":{}}`)
	seed.Publish(foreign, true, `{"origin":{"name":"SomethingElse"},"availability_topic":"`+h.BaseTopic+`/status","components":{}}`)

	live := mqtttest.NewObserver(t, url, h.Prefix+"/device/+/config", h.BaseTopic+"/#")
	r := startRig(t, url, h)
	live.WaitFor(wait, "stale config cleared", func(m mqtttest.Received) bool { return m.Topic == stale && len(m.Payload) == 0 })

	// A late subscriber gets exactly the retained configs, byte for byte.
	late := mqtttest.NewObserver(t, url, h.Prefix+"/device/+/config")
	for _, want := range discovery.Configs(h) {
		got := late.WaitFor(wait, want.Topic, func(m mqtttest.Received) bool { return m.Topic == want.Topic })
		if !got.Retained || !bytes.Equal(got.Payload, want.Payload) {
			t.Errorf("%s: retained=%v payload differs from Configs()", want.Topic, got.Retained)
		}
	}
	late.WaitFor(wait, "foreign config kept", func(m mqtttest.Received) bool { return m.Topic == foreign })
	for _, m := range late.Messages() {
		if m.Topic == stale {
			t.Errorf("stale config still retained: %q", m.Payload)
		}
	}

	if err := r.pub.SetStates(t.Context(), snapshot(h)); err != nil {
		t.Fatalf("SetStates: %v", err)
	}
	live.WaitPayload(wait, h.BaseTopic+"/1/life_score/state", "72.5")

	// HA restarts: its birth brings configs and states again.
	live.Reset()
	seed.Publish(h.Prefix+"/status", false, "offline")
	seed.Publish(h.Prefix+"/status", false, "online")
	live.WaitFor(wait, "re-announced config", func(m mqtttest.Received) bool { return m.Topic == configTopic(h, "lifeops_1") })
	live.WaitPayload(wait, h.BaseTopic+"/1/life_score/state", "72.5")
	if n := r.births.Load(); n != 1 {
		t.Errorf("acted on %d births, want 1 (offline must not count)", n)
	}

	// A habit goes away: first the cut payload, then the config without it,
	// and its retained states are cleared.
	live.Reset()
	next := h
	next.People = append([]discovery.Person(nil), h.People...)
	next.People[0].Habits = h.People[0].Habits[:1]
	if err := r.pub.Update(t.Context(), next); err != nil {
		t.Fatalf("Update: %v", err)
	}
	live.WaitFor(wait, "final config", func(m mqtttest.Received) bool {
		return m.Topic == configTopic(h, "lifeops_1") && !bytes.Contains(m.Payload, []byte("habit_12"))
	})
	var seq []string
	for _, m := range live.Messages() {
		if m.Topic == configTopic(h, "lifeops_1") {
			if bytes.Contains(m.Payload, []byte(`"habit_12_streak":{"platform":"sensor"}`)) {
				seq = append(seq, "cut")
			} else if !bytes.Contains(m.Payload, []byte("habit_12")) {
				seq = append(seq, "final")
			}
		}
	}
	if strings.Join(seq, ",") != "cut,final" {
		t.Errorf("removal sequence on lifeops_1 = %v, want [cut final]", seq)
	}

	s := snapshot(next)
	s.People[0].Habits = s.People[0].Habits[:1]
	if err := r.pub.SetStates(t.Context(), s); err != nil {
		t.Fatalf("SetStates: %v", err)
	}
	live.WaitFor(wait, "removed habit state cleared", func(m mqtttest.Received) bool {
		return m.Topic == h.BaseTopic+"/1/habit/12/streak/state" && len(m.Payload) == 0
	})

	if err := r.pub.PublishEvent(t.Context(), 1, discovery.Event{Type: discovery.EventLevelUp, Data: map[string]any{"level": 6}}); err != nil {
		t.Fatalf("PublishEvent: %v", err)
	}
	ev := live.WaitPayload(wait, h.BaseTopic+"/1/events", `{"event_type":"level_up","level":6}`)
	if ev.Retained {
		t.Error("event was retained")
	}
}

// A broker restart without persistence loses every retained config; the
// publisher must put them back when the client reconnects.
func TestPublisherReannouncesAfterBrokerRestart(t *testing.T) {
	t.Parallel()
	broker := mqtttest.StartMosquitto(t)
	h := household(mqtttest.UniqueRoot(t))
	r := startRig(t, broker.URL(), h)
	if err := r.pub.SetStates(t.Context(), snapshot(h)); err != nil {
		t.Fatalf("SetStates: %v", err)
	}

	broker.Stop()
	mqtttest.Eventually(t, wait, "client down", func() bool { return !r.client.Status().Connected })
	broker.Start()

	o := mqtttest.NewObserver(t, broker.URL(), h.Prefix+"/device/+/config", h.BaseTopic+"/1/life_score/state")
	for _, want := range discovery.Configs(h) {
		o.WaitFor(wait, want.Topic, func(m mqtttest.Received) bool {
			return m.Topic == want.Topic && bytes.Equal(m.Payload, want.Payload)
		})
	}
	o.WaitPayload(wait, h.BaseTopic+"/1/life_score/state", "72.5")
	if n := r.births.Load(); n != 0 {
		t.Errorf("jitter used %d times for a reconnect, want 0 (only HA births wait)", n)
	}
}

func TestPublisherRejectsInvalidHousehold(t *testing.T) {
	t.Parallel()
	if _, err := discovery.NewPublisher(discovery.PublisherOptions{}); err == nil {
		t.Error("NewPublisher without transport succeeded")
	}
	c, err := mqtt.New(mqtt.Options{URL: "tcp://127.0.0.1:1", BaseTopic: "x"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := discovery.NewPublisher(discovery.PublisherOptions{Transport: c})
	if err != nil {
		t.Fatal(err)
	}
	h := fixture()
	h.People[0].Slug = "Not A Slug"
	if err := p.Start(t.Context(), h); err == nil || !strings.Contains(err.Error(), "people[0].slug") {
		t.Errorf("Start with a bad slug = %v, want the field named", err)
	}
	if err := p.Stop(t.Context()); err != nil {
		t.Errorf("Stop of a never-started publisher: %v", err)
	}
}

// TestPublisherSendsOnlyWhatChanged: a sync with nothing new sends nothing;
// a changed value sends its topic alone; an unchanged household is not
// announced again; HA's restart still brings everything.
func TestPublisherSendsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	mqtttest.ClearRetained(t, url, root+"/#")
	h := household(root)
	live := mqtttest.NewObserver(t, url, h.Prefix+"/device/+/config", h.BaseTopic+"/#")
	r := startRig(t, url, h)
	s := snapshot(h)
	if err := r.pub.SetStates(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	live.WaitPayload(wait, h.BaseTopic+"/1/life_score/state", "72.5")
	time.Sleep(200 * time.Millisecond)

	// The same states and household again: nothing goes out. Then one
	// value changes: only its topic goes out.
	live.Reset()
	if err := r.pub.Update(t.Context(), h); err != nil {
		t.Fatal(err)
	}
	if err := r.pub.SetStates(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	changed := snapshot(h)
	score := *changed.People[0].LifeScore
	score.Value = 80
	changed.People[0].LifeScore = &score
	if err := r.pub.SetStates(t.Context(), changed); err != nil {
		t.Fatal(err)
	}
	live.WaitPayload(wait, h.BaseTopic+"/1/life_score/state", "80")
	time.Sleep(200 * time.Millisecond)
	for _, m := range live.Messages() {
		if m.Topic != h.BaseTopic+"/1/life_score/state" {
			t.Errorf("sent %s although it did not change", m.Topic)
		}
	}

	// HA restarts: every config and state is sent again.
	live.Reset()
	seed := mqtttest.NewObserver(t, url)
	seed.Publish(h.Prefix+"/status", false, "online")
	live.WaitFor(wait, "re-announced config", func(m mqtttest.Received) bool { return m.Topic == configTopic(h, "lifeops_1") })
	live.WaitPayload(wait, h.BaseTopic+"/1/level/state", "5")
}

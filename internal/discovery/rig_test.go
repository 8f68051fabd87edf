package discovery_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
	"github.com/lifeops/lifeops/internal/postgres"
)

// bridgeEnv is a household on a test database and the real broker, under a
// topic root of the test's own (cleared when the test ends).
type bridgeEnv struct {
	url, root, base, prefix string
	store                   *postgres.Store
	svc                     *app.Service
}

func newBridgeEnv(t *testing.T) *bridgeEnv {
	t.Helper()
	e := &bridgeEnv{url: mqtttest.BrokerURL(t), root: mqtttest.UniqueRoot(t)}
	e.base, e.prefix = e.root+"/lifeops", e.root+"/ha"
	t.Cleanup(func() { mqtttest.ClearRetained(t, e.url, e.root+"/#") })
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	e.store = postgres.NewStore(dbtest.New(t))
	e.svc = app.New(app.Options{Store: e.store, Logger: zerolog.Nop(), Tree: tree,
		Location: func() *time.Location { return time.UTC }})
	return e
}

// startBridge connects an MQTT client and starts the entity bridge with o,
// its topics, transport and publisher filled in (Source defaults to the
// service, Debounce to 10 ms), and subscribes it to the service's events.
func (e *bridgeEnv) startBridge(t *testing.T, o discovery.BridgeOptions) *discovery.Bridge {
	t.Helper()
	ctx := context.Background()
	client, err := mqtt.New(mqtt.Options{URL: e.url, BaseTopic: e.base, ClientID: e.root, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Stop(context.Background()) })
	if err := client.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	pub, err := discovery.NewPublisher(discovery.PublisherOptions{Transport: client, Logger: zerolog.Nop(),
		Jitter: func() time.Duration { return 0 }, CleanupWindow: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if o.Source == nil {
		o.Source = e.svc
	}
	if o.Debounce == 0 {
		o.Debounce = 10 * time.Millisecond
	}
	o.Publisher, o.Transport, o.Logger = pub, client, zerolog.Nop()
	o.Version, o.BaseTopic, o.Prefix = "test", e.base, e.prefix
	bridge := discovery.NewBridge(o)
	if err := bridge.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bridge.Stop(context.Background()) })
	e.svc.AddSink(bridge)
	return bridge
}

// personWithHabit adds a person and a daily habit of theirs, both by name.
func (e *bridgeEnv) personWithHabit(t *testing.T, person, habit string) (personID, habitID int64) {
	t.Helper()
	ctx := context.Background()
	p, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: person})
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.svc.CreateHabit(ctx, p.Value.Slug, app.HabitInput{Name: habit, Schedule: domain.Schedule{Kind: domain.ScheduleDaily}})
	if err != nil {
		t.Fatal(err)
	}
	return p.Value.ID, h.Value.ID
}

// habitTopic is the topic of one of a habit's entities under the base
// topic: "streak/state", "done_today/state", "check_in/set".
func (e *bridgeEnv) habitTopic(personID, habitID int64, what string) string {
	return fmt.Sprintf("%s/%d/habit/%d/%s", e.base, personID, habitID, what)
}

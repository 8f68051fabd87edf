package discovery_test

import (
	"context"
	"fmt"
	"sync"
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

// countingSource counts the bridge's reads of each person's day.
type countingSource struct {
	*app.Service
	mu    sync.Mutex
	today map[string]int
}

func (c *countingSource) Today(ctx context.Context, person string) (app.TodayView, error) {
	c.mu.Lock()
	c.today[person]++
	c.mu.Unlock()
	return c.Service.Today(ctx, person)
}

func (c *countingSource) reads() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.today
	c.today = map[string]int{}
	return out
}

// TestSyncRereadsOnlyChangedPeople: a check-in is published after reading
// the one person it concerns; the rest of the household is reused from the
// previous read until the periodic full read.
func TestSyncRereadsOnlyChangedPeople(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	base, prefix := root+"/lifeops", root+"/ha"
	t.Cleanup(func() { mqtttest.ClearRetained(t, url, root+"/#") })
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: postgres.NewStore(dbtest.New(t)), Logger: zerolog.Nop(), Tree: tree,
		Location: func() *time.Location { return time.UTC }})
	ids := map[string]int64{}
	habits := map[string]int64{}
	for _, name := range []string{"Alex", "Sam", "Kim"} {
		p, err := svc.CreatePerson(ctx, app.PersonInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		h, err := svc.CreateHabit(ctx, p.Value.Slug, app.HabitInput{Name: "Water", Schedule: domain.Schedule{Kind: domain.ScheduleDaily}})
		if err != nil {
			t.Fatal(err)
		}
		ids[p.Value.Slug], habits[p.Value.Slug] = p.Value.ID, h.Value.ID
	}
	src := &countingSource{Service: svc, today: map[string]int{}}
	client, err := mqtt.New(mqtt.Options{URL: url, BaseTopic: base, ClientID: root, Logger: zerolog.Nop()})
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
	pub, err := discovery.NewPublisher(discovery.PublisherOptions{Transport: client, Logger: zerolog.Nop(), Jitter: func() time.Duration { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	bridge := discovery.NewBridge(discovery.BridgeOptions{Source: src, Publisher: pub, Transport: client, Logger: zerolog.Nop(),
		Version: "test", BaseTopic: base, Prefix: prefix, Debounce: 10 * time.Millisecond, Refresh: time.Hour})
	if err := bridge.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bridge.Stop(context.Background()) })
	svc.AddSink(bridge)

	obs := mqtttest.NewObserver(t, url, root+"/#")
	doneTopic := func(slug string) string {
		return fmt.Sprintf("%s/%d/habit/%d/done_today/state", base, ids[slug], habits[slug])
	}
	for slug := range ids {
		obs.WaitPayload(5*time.Second, doneTopic(slug), "OFF")
	}
	time.Sleep(50 * time.Millisecond) // the first syncs are over
	src.reads()

	if _, err := svc.CheckIn(ctx, app.CheckInInput{Person: "sam", Habit: "water", Source: domain.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	obs.WaitPayload(5*time.Second, doneTopic("sam"), "ON")
	got := src.reads()
	if got[fmt.Sprint(ids["sam"])] == 0 || got[fmt.Sprint(ids["alex"])] != 0 || got[fmt.Sprint(ids["kim"])] != 0 {
		t.Errorf("reads of each person's day after Sam's check-in: %v (ids %v)", got, ids)
	}
}

package discovery_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
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
	e := newBridgeEnv(t)
	url, root, base, svc := e.url, e.root, e.base, e.svc
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
	e.startBridge(t, discovery.BridgeOptions{Source: src, Refresh: time.Hour})

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

package discovery_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
)

// countingSource counts the bridge's reads of each person's day.
type countingSource struct {
	*app.Service
	mu    sync.Mutex
	today map[string]int
}

func (c *countingSource) PersonView(ctx context.Context, person string) (app.PersonView, error) {
	c.mu.Lock()
	c.today[person]++
	c.mu.Unlock()
	return c.Service.PersonView(ctx, person)
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

// stallingSource holds the bridge's reads of people's days, once read,
// until released, so a test can see what is published meanwhile.
type stallingSource struct {
	*app.Service
	mu      sync.Mutex
	release chan struct{} // closed: reads pass
	read    chan struct{} // a read is held (when not nil)
}

func (s *stallingSource) PersonView(ctx context.Context, person string) (app.PersonView, error) {
	v, err := s.Service.PersonView(ctx, person)
	s.mu.Lock()
	gate, read := s.release, s.read
	s.mu.Unlock()
	if read != nil {
		select {
		case read <- struct{}{}:
		default:
		}
	}
	<-gate
	return v, err
}

// hold makes the next reads wait; the returned function (safe to call
// twice) lets them pass.
func (s *stallingSource) hold() func() {
	gate := make(chan struct{})
	s.mu.Lock()
	s.release = gate
	s.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(gate) }) }
}

// TestStreakEventIsPublishedBeforeTheRead: the streak a check-in grew is
// on its sensor before the bridge has read the person again (the read can
// take a while), and the read that follows does not send it twice.
func TestStreakEventIsPublishedBeforeTheRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newBridgeEnv(t)
	pid, hid := e.personWithHabit(t, "Alex", "Water")
	src := &stallingSource{Service: e.svc}
	src.hold()() // start-up reads pass
	e.startBridge(t, discovery.BridgeOptions{Source: src, Refresh: time.Hour})
	obs := mqtttest.NewObserver(t, e.url, e.root+"/#")
	streak := e.habitTopic(pid, hid, "streak/state")
	done := e.habitTopic(pid, hid, "done_today/state")
	obs.WaitPayload(5*time.Second, streak, "0")
	obs.WaitPayload(5*time.Second, done, "OFF")
	time.Sleep(50 * time.Millisecond) // the first syncs are over
	release := src.hold()
	t.Cleanup(release) // registered after the bridge's: runs before its Stop
	obs.Reset()

	if _, err := e.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "water", Source: domain.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	obs.WaitPayload(5*time.Second, streak, "1")
	for _, m := range obs.Messages() {
		if m.Topic == done {
			t.Fatalf("done today published before the read was let through: %+v", m)
		}
	}
	release()
	obs.WaitPayload(5*time.Second, done, "ON")
	time.Sleep(100 * time.Millisecond) // any late duplicate would be in by now
	n := 0
	for _, m := range obs.Messages() {
		if m.Topic == streak {
			n++
		}
	}
	if n != 1 {
		t.Errorf("streak published %d times after the check-in, want once", n)
	}
}

// TestReadOlderThanAPatchDoesNotUndoIt: a sync that read a person before a
// check-in, and publishes after the check-in's streak went out, leaves the
// streak alone; the read after it agrees. HA never sees the streak go back.
func TestReadOlderThanAPatchDoesNotUndoIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newBridgeEnv(t)
	pid, hid := e.personWithHabit(t, "Alex", "Water")
	src := &stallingSource{Service: e.svc}
	src.hold()()
	e.startBridge(t, discovery.BridgeOptions{Source: src, Refresh: time.Hour})
	obs := mqtttest.NewObserver(t, e.url, e.root+"/#")
	streak := e.habitTopic(pid, hid, "streak/state")
	mood := fmt.Sprintf("%s/%d/mood/state", e.base, pid)
	obs.WaitPayload(5*time.Second, streak, "0")
	time.Sleep(50 * time.Millisecond) // the first syncs are over

	// A mood starts a sync whose read sees no check-in yet; it is held.
	release := src.hold()
	t.Cleanup(release)
	read := make(chan struct{}, 1)
	src.mu.Lock()
	src.read = read
	src.mu.Unlock()
	if _, _, err := e.svc.LogMood(ctx, app.MoodInput{Person: "alex", Value: 4, Source: domain.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-read:
	case <-time.After(5 * time.Second):
		t.Fatal("the mood started no read")
	}
	obs.Reset()
	if _, err := e.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "water", Source: domain.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	obs.WaitPayload(5*time.Second, streak, "1")
	release()
	obs.WaitPayload(5*time.Second, mood, "4")
	time.Sleep(200 * time.Millisecond) // the read after the check-in is over
	var got []string
	for _, m := range obs.Messages() {
		if m.Topic == streak {
			got = append(got, string(m.Payload))
		}
	}
	if fmt.Sprint(got) != "[1]" {
		t.Errorf("streak payloads after the check-in: %v, want [1]", got)
	}
}

// noNotes drops reminders: this test is about the event entity.
type noNotes struct{}

func (noNotes) Notify(context.Context, app.Notification) error { return nil }

// TestRoutineMissedFiresTheEventEntity: the tick that marks an item missed
// fires routine_missed on the person's event entity at once, and the
// routine's progress follows without waiting for the periodic read.
func TestRoutineMissedFiresTheEventEntity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newBridgeEnv(t)
	p, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Alex"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateRoutine(ctx, "alex", app.RoutineInput{Name: "Noon", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{{Title: "Walk", Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(11, 57)}, GraceMin: routine.GraceOf(1)}}}); err != nil {
		t.Fatal(err)
	}
	obs := mqtttest.NewObserver(t, e.url, e.root+"/#")
	e.startBridge(t, discovery.BridgeOptions{Refresh: time.Hour})
	events := fmt.Sprintf("%s/%d/events", e.base, p.Value.ID)
	obs.WaitFor(5*time.Second, "the first states", func(r mqtttest.Received) bool {
		return r.Topic == fmt.Sprintf("%s/%d/routine/next_item/state", e.base, p.Value.ID) && string(r.Payload) == "Walk"
	})
	today := e.svc.CurrentDay()
	noon := time.Date(today.Year, today.Month, today.Day, 12, 0, 0, 0, time.UTC)
	if err := e.svc.TimelineTick(ctx, noon, noNotes{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m := obs.WaitFor(time.Second, "routine_missed on "+events, func(r mqtttest.Received) bool {
		return r.Topic == events && strings.Contains(string(r.Payload), `"event_type":"routine_missed"`)
	})
	if !strings.Contains(string(m.Payload), `"title":"Walk"`) {
		t.Errorf("event %s", m.Payload)
	}
	obs.WaitFor(time.Second-time.Since(start), "no next item", func(r mqtttest.Received) bool {
		return r.Topic == fmt.Sprintf("%s/%d/routine/next_item/state", e.base, p.Value.ID) && string(r.Payload) == discovery.PayloadNone
	})
}

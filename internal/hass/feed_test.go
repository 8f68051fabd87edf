package hass

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/domain/evidence"
	"github.com/lifeops/lifeops/internal/domain/insight"
	"github.com/lifeops/lifeops/internal/hass/hatest"
	"github.com/lifeops/lifeops/internal/postgres"
)

// TestEntityFeedChecksInFromHA: a rule's entity changing in the fake HA
// reaches Observe and checks in the habit; adding and removing rules
// changes the subscription (the Zigbee2MQTT key of a rule is not HA's).
func TestEntityFeedChecksInFromHA(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	fake, client := start(t, hatest.Options{}, nil)
	fake.SetState("binary_sensor.bed_occupancy", "off", nil)
	fake.SetState("binary_sensor.sofa", "off", nil)
	fake.SetState("sensor.unrelated", "1", nil)
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewStore(dbtest.New(t))
	svc := app.New(app.Options{Store: store, Logger: zerolog.Nop(), Tree: tree, Location: func() *time.Location { return time.UTC }})
	today := domain.DayOf(time.Now(), time.UTC)
	if _, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Ana"}); err != nil {
		t.Fatal(err)
	}
	var habits []int64
	for _, name := range []string{"Went to bed", "Rested"} {
		h, err := svc.CreateHabit(ctx, "ana", app.HabitInput{Name: name, Schedule: domain.Schedule{Kind: domain.ScheduleDaily}, Start: today})
		if err != nil {
			t.Fatal(err)
		}
		habits = append(habits, h.Value.ID)
	}

	feed := NewEntityFeed(client, FeedOptions{Entities: svc.SensorInterest, Observer: svc, Logger: zerolog.Nop()})
	svc.AddSink(feed)
	run(t, client)
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { feed.Run(fctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	connected(t, client)
	if got := feed.Entities(); len(got) != 0 {
		t.Fatalf("subscribed to %v without rules", got)
	}

	bed, err := svc.CreateRule(ctx, "ana", app.RuleInput{Name: "bed", Sensors: []string{"binary_sensor.bed_occupancy", "zigbee2mqtt/bed/occupancy"},
		Condition: evidence.Condition{Op: evidence.OpOn}, Action: evidence.Action{Kind: evidence.ActionCheckIn, Habit: "went_to_bed"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the bed subscription", func() bool { return slices.Equal(feed.Entities(), []string{"binary_sensor.bed_occupancy"}) })
	waitFor(t, "subscribe_entities at the fake", func() bool { return countType(fake, "subscribe_entities") == 1 })
	checkedIn := func(habit int64) func() bool {
		return func() bool {
			cs, err := store.CheckIns(ctx, habit, today, today)
			return err == nil && len(cs) == 1 && cs[0].Source == domain.SourceSensor
		}
	}
	fake.SetState("binary_sensor.bed_occupancy", "on", nil)
	waitFor(t, "the bed check-in", checkedIn(habits[0]))

	if _, err := svc.CreateRule(ctx, "ana", app.RuleInput{Name: "sofa", Sensors: []string{"binary_sensor.sofa"},
		Condition: evidence.Condition{Op: evidence.OpOn}, Action: evidence.Action{Kind: evidence.ActionCheckIn, Habit: "rested"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteRule(ctx, "ana", bed.Value.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sofa subscription", func() bool { return slices.Equal(feed.Entities(), []string{"binary_sensor.sofa"}) })
	waitFor(t, "unsubscribe_events at the fake", func() bool { return countType(fake, "unsubscribe_events") >= 1 })
	fake.SetState("binary_sensor.sofa", "on", nil)
	waitFor(t, "the sofa check-in", checkedIn(habits[1]))

	// After a dropped connection the current list is subscribed again.
	before := countType(fake, "subscribe_entities")
	fake.DropAll()
	waitFor(t, "the re-subscribe", func() bool { return countType(fake, "subscribe_entities") > before })
	ms, err := svc.Matches(ctx, "ana", 0, 0, 10)
	if err != nil || len(ms) != 2 {
		t.Fatalf("matches %+v, %v", ms, err)
	}
}

func countType(fake *hatest.Server, typ string) int {
	n := 0
	for _, c := range fake.Commands() {
		if c.Type == typ {
			n++
		}
	}
	return n
}

// recorder is an Observer that keeps each sensor's latest reading and can
// be held up.
type recorder struct {
	mu     sync.Mutex
	last   map[string]app.Reading
	gate   chan struct{}
	calls  int
	inCall chan struct{}
}

func (r *recorder) Observe(_ context.Context, rs []app.Reading) error {
	r.mu.Lock()
	r.calls++
	first := r.calls == 1
	r.mu.Unlock()
	if first {
		close(r.inCall)
		<-r.gate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range rs {
		r.last[x.Sensor] = x
	}
	return nil
}

func (r *recorder) state(sensor string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last[sensor].State
}

// TestEntityFeedBackpressure: with the observer stuck and a queue of one,
// a burst of changes on many entities loses none of their final states,
// and the socket stays served meanwhile (a ping round trip completes).
func TestEntityFeedBackpressure(t *testing.T) {
	t.Parallel()
	fake, client := start(t, hatest.Options{}, nil)
	var ids []string
	for i := range 20 {
		id := fmt.Sprintf("sensor.power_%02d", i)
		ids = append(ids, id)
		fake.SetState(id, "0", nil)
	}
	rec := &recorder{last: map[string]app.Reading{}, gate: make(chan struct{}), inCall: make(chan struct{})}
	feed := NewEntityFeed(client, FeedOptions{Entities: func(context.Context) ([]string, error) { return append(ids, "zigbee2mqtt/plug/power"), nil },
		Observer: rec, Logger: zerolog.Nop(), Queue: 1})
	run(t, client)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { feed.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	connected(t, client)
	<-rec.inCall // the initial dump reached the observer, which now hangs
	for round := 1; round <= 50; round++ {
		for _, id := range ids {
			fake.SetState(id, strconv.Itoa(round), nil)
		}
	}
	pctx, pcancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer pcancel()
	if _, err := client.Call(pctx, "ping", nil); err != nil {
		t.Fatalf("the connection stalled behind a slow observer: %v", err)
	}
	close(rec.gate)
	for _, id := range ids {
		waitFor(t, id+" at its final state", func() bool { return rec.state(id) == "50" })
	}
	if got := feed.Entities(); len(got) != len(ids) {
		t.Fatalf("subscribed to %d entities, want %d (no zigbee2mqtt keys)", len(got), len(ids))
	}
}

// countingList is a feed's Entities that counts its reads.
type countingList struct {
	mu    sync.Mutex
	reads int
	next  func(context.Context) ([]string, error)
}

func (c *countingList) list(ctx context.Context) ([]string, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.next(ctx)
}

func (c *countingList) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.reads }

// TestEntityFeedFollowsSensorInterest: the app owns which sensors it reads
// and announces them (sensor_interest_changed); the feed follows that
// event and reads no list of its own after it started: a new evidence rule
// and a new sensor link (insights) reach HA's subscription at once, and the
// linked entity's changes are recorded. There is no poll interval to wait
// out: the feed has none.
func TestEntityFeedFollowsSensorInterest(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	fake, client := start(t, hatest.Options{}, nil)
	fake.SetState("binary_sensor.desk", "off", nil)
	fake.SetState("sensor.bedroom_temperature", "19.5", nil)
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewStore(dbtest.New(t))
	svc := app.New(app.Options{Store: store, Logger: zerolog.Nop(), Tree: tree, Location: func() *time.Location { return time.UTC }})
	ins := app.NewInsights(app.InsightsOptions{Store: store, Interest: svc, Location: func() *time.Location { return time.UTC }})
	today := domain.DayOf(time.Now(), time.UTC)
	if _, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Ana"}); err != nil {
		t.Fatal(err)
	}
	h, err := svc.CreateHabit(ctx, "ana", app.HabitInput{Name: "Desk time", Schedule: domain.Schedule{Kind: domain.ScheduleDaily}, Start: today})
	if err != nil {
		t.Fatal(err)
	}
	lists := &countingList{next: svc.SensorInterest}
	rec := &recorder{last: map[string]app.Reading{}, gate: make(chan struct{}), inCall: make(chan struct{})}
	close(rec.gate)
	feed := NewEntityFeed(client, FeedOptions{Entities: lists.list, Observer: multiObserver{svc, rec}, Logger: zerolog.Nop()})
	svc.AddSink(feed)
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { feed.Run(fctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	// The feed reads the list when it starts and when HA's link comes up.
	waitFor(t, "the feed's first read", func() bool { return lists.count() == 1 })
	run(t, client)
	connected(t, client)
	waitFor(t, "the read on connect", func() bool { return lists.count() == 2 })
	reads := lists.count()

	if _, err := svc.CreateRule(ctx, "ana", app.RuleInput{Name: "desk", Sensors: []string{"binary_sensor.desk"},
		Condition: evidence.Condition{Op: evidence.OpOn}, Action: evidence.Action{Kind: evidence.ActionCheckIn, Habit: strconv.FormatInt(h.Value.ID, 10)},
		Enabled: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the desk subscription", func() bool { return slices.Equal(feed.Entities(), []string{"binary_sensor.desk"}) })
	if _, err := ins.LinkSensor(ctx, "ana", insight.SensorLink{Sensor: "sensor.bedroom_temperature", Name: "bedroom", Kind: insight.SensorNumeric}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the linked sensor's subscription", func() bool {
		return slices.Equal(feed.Entities(), []string{"binary_sensor.desk", "sensor.bedroom_temperature"})
	})
	if n := lists.count(); n != reads {
		t.Errorf("the feed read its list %d more times; it should follow the app's announcements", n-reads)
	}
	fake.SetState("binary_sensor.desk", "on", nil)
	fake.SetState("sensor.bedroom_temperature", "20.5", nil)
	waitFor(t, "the desk check-in", func() bool {
		cs, err := store.CheckIns(ctx, h.Value.ID, today, today)
		return err == nil && len(cs) == 1
	})
	waitFor(t, "the linked sensor's reading", func() bool { return rec.state("sensor.bedroom_temperature") == "20.5" })
}

// multiObserver hands readings to each observer in turn.
type multiObserver []Observer

func (m multiObserver) Observe(ctx context.Context, rs []app.Reading) error {
	for _, o := range m {
		if err := o.Observe(ctx, rs); err != nil {
			return err
		}
	}
	return nil
}

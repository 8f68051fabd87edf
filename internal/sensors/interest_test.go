package sensors_test

import (
	"context"
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
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/internal/sensors"
)

// countingInterest is the app's SensorInterest, counting its reads.
type countingInterest struct {
	svc   *app.Service
	mu    sync.Mutex
	reads int
}

func (c *countingInterest) SensorInterest(ctx context.Context) ([]string, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.svc.SensorInterest(ctx)
}

func (c *countingInterest) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.reads }

// TestSourceFollowsSensorInterest: against the real broker and database, a
// new evidence rule on a Zigbee2MQTT button and one on an ESPHome node
// (nothing on the allow-list) reach the MQTT source through the app's
// sensor_interest_changed event: the button's press is parsed, stored and
// checks the habit in, the node is subscribed to. The source reads the
// list once, when it starts, and has no poll interval to wait out.
func TestSourceFollowsSensorInterest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	z2mBase, node := root+"/z2m", root+"/kitchen"

	pool := dbtest.New(t)
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: postgres.NewStore(pool), Logger: zerolog.Nop(), Tree: tree, Location: func() *time.Location { return time.UTC }})
	if _, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Ana"}); err != nil {
		t.Fatal(err)
	}
	today := domain.DayOf(time.Now(), time.UTC)
	h, err := svc.CreateHabit(ctx, "ana", app.HabitInput{Name: "Tea", Schedule: domain.Schedule{Kind: domain.ScheduleDaily}, Start: today})
	if err != nil {
		t.Fatal(err)
	}
	ing := startIngester(t, sensors.IngesterOptions{Store: postgres.NewReadings(pool), Observer: svc, Logger: testLogger(t)})
	client, err := mqtt.New(mqtt.Options{URL: url, BaseTopic: root + "/lifeops", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	interest := &countingInterest{svc: svc}
	src, err := sensors.NewSource(sensors.SourceOptions{Subscriber: subscriber{client}, Selection: sensors.NewSelection(nil),
		Sink: ing, Rules: interest, Z2MBase: z2mBase, ESPHome: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	svc.AddSink(src)
	startClientAndSource(t, client, src)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	stored := func(sensor string) string {
		var state string
		_ = pool.QueryRow(ctx, `SELECT state FROM readings WHERE sensor = $1 ORDER BY at DESC LIMIT 1`, sensor).Scan(&state)
		return state
	}
	pub := mqtttest.NewObserver(t, url)
	pub.Publish(z2mBase+"/kettle", false, `{"action":"single"}`)
	time.Sleep(200 * time.Millisecond) // let the unselected press arrive (and be dropped)
	if s := stored("zigbee2mqtt/kettle/action"); s != "" {
		t.Fatalf("a press of a sensor no rule reads was stored: %q", s)
	}

	for _, sensor := range []string{"zigbee2mqtt/kettle/action", "esphome/" + node + "/sensor/power"} {
		if _, err := svc.CreateRule(ctx, "ana", app.RuleInput{Name: sensor, Sensors: []string{sensor},
			Condition: evidence.Condition{Op: evidence.OpEq, Value: "single"},
			Action:    evidence.Action{Kind: evidence.ActionCheckIn, Habit: strconv.FormatInt(h.Value.ID, 10)}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
	}
	// The announcement reaches the source's loop soon after the commit:
	// the press is sent again until one is taken, and the node's state is
	// retained, for the subscription the announcement makes.
	pub.Publish(node+"/sensor/power/state", true, "41.5")
	t.Cleanup(func() { pub.Publish(node+"/sensor/power/state", true, "") })
	last := time.Time{}
	eventually(t, 10*time.Second, "the press stored and checked in", func() bool {
		if stored("zigbee2mqtt/kettle/action") != "single" {
			if time.Since(last) > 100*time.Millisecond {
				pub.Publish(z2mBase+"/kettle", false, `{"action":"single"}`)
				last = time.Now()
			}
			return false
		}
		today, err := svc.Today(ctx, "ana")
		return err == nil && len(today.Habits) == 1 && today.Habits[0].Result.Status == domain.StatusDone
	})
	eventually(t, 10*time.Second, "the node's reading stored", func() bool { return stored("esphome/"+node+"/sensor/power") == "41.5" })
	if n := interest.count(); n != 1 {
		t.Errorf("the source read the sensor list %d times, want once (at start): it follows the app's announcements", n)
	}
}

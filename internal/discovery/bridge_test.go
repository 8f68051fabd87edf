package discovery_test

import (
	"context"
	"encoding/json"
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

// TestCheckInReachesHomeAssistant is the thin slice end to end: a check-in
// in the app becomes a retained entity state on the real broker, and a press
// of the entity's button in HA becomes a check-in in the database.
func TestCheckInReachesHomeAssistant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newBridgeEnv(t)
	url, root, prefix, svc := e.url, e.root, e.prefix, e.svc
	pid, hid := e.personWithHabit(t, "Alex", "Water")

	r, err := svc.CreateRoutine(ctx, "alex", app.RoutineInput{Name: "Morning",
		Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items:    []routine.Item{{Title: "Stretch", XP: 10, Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(23, 59)}}}})
	if err != nil {
		t.Fatal(err)
	}
	itemID := r.Value.Items[0].ID

	e.startBridge(t, discovery.BridgeOptions{})

	obs := mqtttest.NewObserver(t, url, root+"/#")
	configTopic := fmt.Sprintf("%s/device/lifeops_%d/config", prefix, pid)
	cfg := obs.WaitFor(5*time.Second, "the person's device config", func(r mqtttest.Received) bool { return r.Topic == configTopic })
	var payload struct {
		Components map[string]struct {
			Platform     string `json:"platform"`
			UniqueID     string `json:"unique_id"`
			StateTopic   string `json:"state_topic"`
			CommandTopic string `json:"command_topic"`
		} `json:"components"`
	}
	if err := json.Unmarshal(cfg.Payload, &payload); err != nil {
		t.Fatal(err)
	}
	var doneTopic, buttonTopic, itemTopic string
	for _, c := range payload.Components {
		if c.Platform == "binary_sensor" && strings.Contains(c.UniqueID, fmt.Sprintf("habit_%d", hid)) {
			doneTopic = c.StateTopic
		}
		if c.Platform == "button" && strings.Contains(c.UniqueID, fmt.Sprintf("habit_%d", hid)) {
			buttonTopic = c.CommandTopic
		}
		if c.Platform == "button" && strings.Contains(c.UniqueID, fmt.Sprintf("item_%d", itemID)) {
			itemTopic = c.CommandTopic
		}
	}
	if doneTopic == "" || buttonTopic == "" || itemTopic == "" {
		t.Fatalf("no done-today sensor or check-in button for the habit in %s", cfg.Payload)
	}
	obs.WaitPayload(5*time.Second, doneTopic, "OFF")

	// HA presses the button: the check-in lands in the database and the
	// sensor turns on.
	obs.Publish(buttonTopic, false, "PRESS")
	obs.WaitPayload(5*time.Second, doneTopic, "ON")
	today, err := svc.Today(ctx, "alex")
	if err != nil {
		t.Fatal(err)
	}
	if today.Habits[0].Result.CheckIns != 1 {
		t.Fatalf("check-ins after one press: %d", today.Habits[0].Result.CheckIns)
	}
	// Today's routine item has a button too; pressing it completes the item.
	obs.Publish(itemTopic, false, "PRESS")
	deadline := time.Now().Add(5 * time.Second)
	for {
		tl, err := svc.Timeline(ctx, "alex", domain.Day{})
		if err != nil {
			t.Fatal(err)
		}
		if len(tl) == 1 && tl[0].Status == routine.StatusDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("routine item not done after its button was pressed: %+v", tl)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A redelivery of the same press (QoS 1 after a lost ack) counts once.
	obs.Publish(buttonTopic, false, "PRESS")
	time.Sleep(300 * time.Millisecond)
	if today, _ = svc.Today(ctx, "alex"); today.Habits[0].Result.CheckIns != 1 {
		t.Fatalf("check-ins after a repeated press inside the window: %d", today.Habits[0].Result.CheckIns)
	}
}

// TestRepeatedPressAcrossABucketBoundaryCountsOnce: a press redelivered
// half a second later counts once even when a ten-second boundary falls in
// between; a press after the window counts again.
func TestRepeatedPressAcrossABucketBoundaryCountsOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newBridgeEnv(t)
	pid, hid := e.personWithHabit(t, "Alex", "Water")
	var mu sync.Mutex
	now := time.Date(2026, 3, 10, 8, 0, 9, 800_000_000, time.UTC) // 200 ms before a boundary
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	e.startBridge(t, discovery.BridgeOptions{Now: clock})
	obs := mqtttest.NewObserver(t, e.url, e.root+"/#")
	button := e.habitTopic(pid, hid, "check_in/set")
	checkIns := func() int {
		t.Helper()
		today, err := e.svc.Today(ctx, "alex")
		if err != nil {
			t.Fatal(err)
		}
		return today.Habits[0].Result.CheckIns
	}
	waitFor := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); checkIns() != want; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("check-ins %d, want %d", checkIns(), want)
			}
		}
	}

	obs.Publish(button, false, "PRESS")
	waitFor(1)
	advance(500 * time.Millisecond) // past the boundary
	obs.Publish(button, false, "PRESS")
	time.Sleep(300 * time.Millisecond)
	if n := checkIns(); n != 1 {
		t.Fatalf("check-ins after a repeat across a ten-second boundary: %d, want 1", n)
	}
	advance(10 * time.Second) // the window of the first press is over
	obs.Publish(button, false, "PRESS")
	waitFor(2)
}

package hass_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/domain/routine"
	"github.com/lifeops/lifeops/internal/hass"
	"github.com/lifeops/lifeops/internal/hass/hatest"
	"github.com/lifeops/lifeops/internal/postgres"
)

// reminderRig is the app on PostgreSQL with a fake clock, wired to a fake
// HA as serve wires it: the notifier, the celebrations sink and the
// notification actions. Rita has the mobile app (HA user rita-user); Sam
// has no phone HA can reach.
type reminderRig struct {
	svc      *app.Service
	ha       *hatest.Server
	clock    *clockwork.FakeClock
	notifier *hass.Notifier
	day      domain.Day
}

func newReminderRig(t *testing.T) *reminderRig {
	t.Helper()
	ctx := context.Background()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	clock := clockwork.NewFakeClockAt(time.Date(2026, time.March, 10, 7, 0, 0, 0, time.UTC))
	svc := app.New(app.Options{Store: postgres.NewStore(dbtest.New(t)), Logger: zerolog.Nop(), Tree: tree, Now: clock.Now,
		Location: func() *time.Location { return time.UTC }})
	ha := hatest.Start(t, hatest.Options{Services: map[string][]string{
		"notify":                  {"mobile_app_pixel_8", "persistent_notification"},
		"persistent_notification": {"create", "dismiss"},
	}})
	ha.SetState("person.rita", "home", map[string]any{"device_trackers": []any{"device_tracker.pixel_8"}, "user_id": "rita-user"})
	ha.SetState("person.sam", "home", map[string]any{"device_trackers": []any{}, "user_id": "sam-user"})
	client := hass.New(hass.Options{URL: ha.WebSocketURL(), Token: "test-token", Logger: zerolog.Nop()})
	person := func(ctx context.Context, id int64) (string, error) {
		p, err := svc.Person(ctx, strconv.FormatInt(id, 10))
		return p.Value.EntityID, err
	}
	notifier := hass.NewNotifier(client, person, nil)
	hass.NewNotificationActions(client, svc, person, zerolog.Nop())
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	svc.AddSink(hass.NewCelebrations(runCtx, notifier, nil, zerolog.Nop()))
	if err := client.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Stop(context.Background()) })
	if err := client.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the action subscription", func() bool {
		for _, c := range ha.Commands() {
			if c.Type == "subscribe_events" {
				return true
			}
		}
		return false
	})
	for _, p := range []app.PersonInput{{Name: "Rita", EntityID: "person.rita"}, {Name: "Sam", EntityID: "person.sam"}} {
		if _, err := svc.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateRoutine(ctx, strings.ToLower(p.Name), app.RoutineInput{Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
			Items: []routine.Item{
				{Title: "Stretch", Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(8, 0)}, XP: 10, GraceMin: routine.GraceOf(1)},
				{Title: "Vitamins", Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(8, 0)}, XP: 5, GraceMin: routine.GraceOf(1)},
			}}); err != nil {
			t.Fatal(err)
		}
	}
	return &reminderRig{svc: svc, ha: ha, clock: clock, notifier: notifier, day: domain.NewDay(2026, time.March, 10)}
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 5 s", what)
		}
	}
}

// tick runs the timeline tick at hh:mm.
func (r *reminderRig) tick(t *testing.T, hh, mm int) {
	t.Helper()
	r.clock.Advance(time.Date(2026, time.March, 10, hh, mm, 0, 0, time.UTC).Sub(r.clock.Now()))
	if err := r.svc.TimelineTick(context.Background(), r.clock.Now(), r.notifier); err != nil {
		t.Fatal(err)
	}
}

func (r *reminderRig) item(t *testing.T, person, title string) app.TimelineEntry {
	t.Helper()
	tl, err := r.svc.Timeline(context.Background(), person, r.day)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tl {
		if e.Title == title {
			return e
		}
	}
	t.Fatalf("%s has no %s", person, title)
	return app.TimelineEntry{}
}

// calls are the fake HA's service calls of one domain.service from index from on.
func (r *reminderRig) calls(from int, service string) []hatest.ServiceCall {
	var out []hatest.ServiceCall
	for _, c := range r.ha.Calls()[from:] {
		if c.Domain+"."+c.Service == service {
			out = append(out, c)
		}
	}
	return out
}

func tagOf(c hatest.ServiceCall) string {
	if d, ok := c.ServiceData["data"].(map[string]any); ok {
		s, _ := d["tag"].(string)
		return s
	}
	s, _ := c.ServiceData["notification_id"].(string)
	return s
}

// TestReminderActionsAndClearing: Rita's reminder reaches her phone with
// DONE and SNOOZE; her tap on DONE completes the item once however often
// it comes, and clears the reminder; a tap from another HA user changes
// nothing. Sam's reminder is a persistent notification, dismissed when he
// skips the item.
func TestReminderActionsAndClearing(t *testing.T) {
	t.Parallel()
	r := newReminderRig(t)
	r.tick(t, 8, 0)
	stretch := r.item(t, "rita", "Stretch")
	tag := fmt.Sprintf("lifeops_%d_routine_due_%d_%s", stretch.PersonID, stretch.ItemID, r.day)
	var phone *hatest.ServiceCall
	for _, c := range r.calls(0, "notify.mobile_app_pixel_8") {
		if tagOf(c) == tag {
			phone = &c
		}
	}
	if phone == nil {
		t.Fatalf("no reminder of Stretch on Rita's phone: %+v", r.ha.Calls())
	}
	actions, _ := phone.ServiceData["data"].(map[string]any)["actions"].([]any)
	done := hass.ActionID(hass.ActionDone, stretch.PersonID, stretch.ItemID, r.day)
	if len(actions) != 2 || actions[0].(map[string]any)["action"] != done ||
		actions[1].(map[string]any)["action"] != hass.ActionID(hass.ActionSnooze, stretch.PersonID, stretch.ItemID, r.day) {
		t.Fatalf("reminder actions %+v", actions)
	}

	// Sam taps Rita's DONE (a forwarded notification): refused.
	mark := len(r.ha.Calls())
	r.ha.FireEventAs(hass.NotificationActionEvent, map[string]any{"action": done}, "sam-user")
	time.Sleep(200 * time.Millisecond)
	if e := r.item(t, "rita", "Stretch"); e.Status != routine.StatusPending {
		t.Fatalf("a tap by another user set Stretch %s", e.Status)
	}

	// Rita taps DONE twice (two phones, a retry): done once, reminder cleared.
	before, err := r.svc.Today(context.Background(), "rita")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		r.ha.FireEventAs(hass.NotificationActionEvent, map[string]any{"action": done, "tag": tag}, "rita-user")
	}
	waitUntil(t, "Stretch done", func() bool { return r.item(t, "rita", "Stretch").Status == routine.StatusDone })
	waitUntil(t, "the reminder cleared", func() bool {
		for _, c := range r.calls(mark, "notify.mobile_app_pixel_8") {
			if c.ServiceData["message"] == "clear_notification" && tagOf(c) == tag {
				return true
			}
		}
		return false
	})
	time.Sleep(200 * time.Millisecond) // the second tap has been handled
	after, err := r.svc.Today(context.Background(), "rita")
	if err != nil {
		t.Fatal(err)
	}
	if got, once := after.TotalXP-before.TotalXP, int64(domain.RoutineItemXP(10, true, domain.Modifiers{})); got != once {
		t.Errorf("two taps earned %d XP, one earns %d", got, once)
	}

	// SNOOZE puts Vitamins off.
	vit := r.item(t, "rita", "Vitamins")
	r.ha.FireEventAs(hass.NotificationActionEvent, map[string]any{"action": hass.ActionID(hass.ActionSnooze, vit.PersonID, vit.ItemID, r.day)}, "rita-user")
	waitUntil(t, "Vitamins snoozed", func() bool { return r.item(t, "rita", "Vitamins").Status == routine.StatusSnoozed })

	// Sam has no phone: his reminder is persistent, and skipping dismisses it.
	samStretch := r.item(t, "sam", "Stretch")
	samTag := fmt.Sprintf("lifeops_%d_routine_due_%d_%s", samStretch.PersonID, samStretch.ItemID, r.day)
	if len(r.calls(0, "persistent_notification.create")) == 0 {
		t.Fatal("Sam got no persistent reminder")
	}
	mark = len(r.ha.Calls())
	if _, err := r.svc.SetItemStatus(context.Background(), app.ItemStatusInput{Person: "sam", Item: "Stretch", Status: routine.StatusSkipped}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "Sam's reminder dismissed", func() bool {
		for _, c := range r.calls(mark, "persistent_notification.dismiss") {
			if tagOf(c) == samTag {
				return true
			}
		}
		return false
	})
}

// TestRoutineMissedNotifiesAndClears: an item planned at 08:00 with one
// minute of grace is missed by the 08:03 tick; the person is told, and the
// reminder goes.
func TestRoutineMissedNotifiesAndClears(t *testing.T) {
	t.Parallel()
	r := newReminderRig(t)
	r.tick(t, 8, 0)
	mark := len(r.ha.Calls())
	r.tick(t, 8, 3)
	stretch := r.item(t, "rita", "Stretch")
	if stretch.Status != routine.StatusMissed {
		t.Fatalf("Stretch is %s at 08:03", stretch.Status)
	}
	tag := fmt.Sprintf("lifeops_%d_routine_due_%d_%s", stretch.PersonID, stretch.ItemID, r.day)
	waitUntil(t, "a missed notice and the reminder cleared", func() bool {
		var told, cleared bool
		for _, c := range r.calls(mark, "notify.mobile_app_pixel_8") {
			told = told || (c.ServiceData["title"] == "Routine item missed" && c.ServiceData["message"] == "Stretch")
			cleared = cleared || (c.ServiceData["message"] == "clear_notification" && tagOf(c) == tag)
		}
		return told && cleared
	})
}

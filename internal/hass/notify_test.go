package hass

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/hass/hatest"
	"github.com/lifeops/lifeops/internal/locale"
)

func TestNotifierRoutesToThePersonsPhones(t *testing.T) {
	fake, c := start(t, hatest.Options{Services: map[string][]string{
		"notify":                  {"mobile_app_pixel_8", "persistent_notification"},
		"persistent_notification": {"create"},
	}}, nil)
	run(t, c)
	connected(t, c)
	fake.SetState("person.rita", "home", map[string]any{"device_trackers": []any{"device_tracker.pixel_8", "device_tracker.old_watch"}})
	fake.SetState("person.sam", "home", map[string]any{"device_trackers": []any{"device_tracker.tablet"}})
	links := map[int64]string{1: "person.rita", 2: "person.sam", 3: ""}
	n := NewNotifier(c, func(_ context.Context, id int64) (string, error) {
		if id == 4 {
			return "", errors.New("database down")
		}
		return links[id], nil
	}, nil)
	ctx := t.Context()
	for id := int64(1); id <= 4; id++ {
		if err := n.Notify(ctx, app.Notification{PersonID: id, Title: "Stretch", Message: "Stretch is due", Kind: app.NotifyRoutineDue, ItemID: 7, Day: domain.NewDay(2026, 3, 10)}); err != nil {
			t.Fatal(err)
		}
	}
	calls := fake.Calls()
	if len(calls) != 4 {
		t.Fatalf("%d calls: %+v", len(calls), calls)
	}
	// Rita has the mobile app on her phone; nobody else has a phone HA can
	// reach, so they get persistent notifications.
	if got := calls[0]; got.Domain != "notify" || got.Service != "mobile_app_pixel_8" ||
		got.ServiceData["data"].(map[string]any)["tag"] != "lifeops_1_routine_due_7_2026-03-10" {
		t.Errorf("rita: %+v", got)
	}
	for i, want := range []string{"lifeops_2_routine_due_7_2026-03-10", "lifeops_3_routine_due_7_2026-03-10", "lifeops_4_routine_due_7_2026-03-10"} {
		if got := calls[i+1]; got.Domain != "persistent_notification" || got.ServiceData["notification_id"] != want {
			t.Errorf("call %d: %+v", i+1, got)
		}
	}
}

func TestNotifierFallsBackWhenThePhoneFails(t *testing.T) {
	fake, c := start(t, hatest.Options{
		Services: map[string][]string{"notify": {"mobile_app_pixel_8"}, "persistent_notification": {"create"}},
		ServiceHandler: func(_ context.Context, call hatest.ServiceCall) (any, error) {
			if call.Domain == "notify" {
				return nil, &hatest.Error{Code: "home_assistant_error", Message: "the app is not registered any more"}
			}
			return nil, nil
		},
	}, nil)
	run(t, c)
	connected(t, c)
	fake.SetState("person.rita", "home", map[string]any{"device_trackers": []any{"device_tracker.pixel_8"}})
	n := NewNotifier(c, func(context.Context, int64) (string, error) { return "person.rita", nil }, nil)
	if err := n.Notify(t.Context(), app.Notification{PersonID: 1, Title: "t", Message: "m", Kind: app.NotifyLevelUp, ItemID: 5}); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls()
	if len(calls) != 2 || calls[1].Domain != "persistent_notification" {
		t.Fatalf("calls %+v", calls)
	}
}

func TestCelebrations(t *testing.T) {
	fake, c := start(t, hatest.Options{}, nil)
	run(t, c)
	connected(t, c)
	cel := NewCelebrations(t.Context(), NewNotifier(c, nil, nil), nil, zerolog.Nop())
	cel.Publish(t.Context(), []domain.Event{
		{Kind: domain.EventCheckIn, PersonID: 1},
		{Kind: domain.EventLevelUp, PersonID: 1, LevelUp: &domain.LevelUpData{Level: 5, Points: 2}},
		{Kind: domain.EventAchievementUnlocked, PersonID: 1, Achievement: &domain.AchievementUnlockedData{Key: "streak_7", Name: "A week in a row", XP: 50}},
	})
	waitFor(t, "two notifications", func() bool { return len(fake.Calls()) == 2 })
	time.Sleep(20 * time.Millisecond) // nothing more comes
	calls := fake.Calls()
	if len(calls) != 2 {
		t.Fatalf("calls %+v", calls)
	}
	want := []struct{ title, message, id string }{
		{"Level 5!", "You reached level 5. 2 stat points to spend.", "lifeops_1_level_up_5"},
		{"Achievement unlocked", "A week in a row (+50 XP)", "lifeops_1_achievement_unlocked_streak_7"},
	}
	for i, w := range want {
		d := calls[i].ServiceData
		if d["title"] != w.title || d["message"] != w.message || d["notification_id"] != w.id {
			t.Errorf("call %d: %+v, want %+v", i, d, w)
		}
	}
}

// TestNotificationsInGerman: with HA set to German, celebrations, the
// phone's action buttons and Oura's "connect again" are in German; ids and
// tags do not change.
func TestNotificationsInGerman(t *testing.T) {
	fake, c := start(t, hatest.Options{Services: map[string][]string{
		"notify":                  {"mobile_app_pixel_8"},
		"persistent_notification": {"create"},
	}}, nil)
	run(t, c)
	connected(t, c)
	fake.SetState("person.rita", "home", map[string]any{"device_trackers": []any{"device_tracker.pixel_8"}})
	lang := locale.NewSetting("")
	lang.SetFromHA("de-DE")
	n := NewNotifier(c, func(context.Context, int64) (string, error) { return "person.rita", nil }, lang)
	cel := NewCelebrations(t.Context(), n, lang, zerolog.Nop())
	cel.Publish(t.Context(), []domain.Event{
		{Kind: domain.EventLevelUp, PersonID: 1, LevelUp: &domain.LevelUpData{Level: 5, Points: 1}},
		{Kind: domain.EventAchievementUnlocked, PersonID: 1, Achievement: &domain.AchievementUnlockedData{Key: "streak_7", Name: "Eine Woche", XP: 50}},
	})
	waitFor(t, "two notifications", func() bool { return len(fake.Calls()) == 2 })
	ctx := t.Context()
	if err := n.Notify(ctx, app.Notification{PersonID: 1, Title: "Morgen", Message: "Dehnen", Kind: app.NotifyRoutineDue, ItemID: 7, Day: domain.NewDay(2026, 3, 10)}); err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(ctx, app.Notification{PersonID: 1, Title: "Oura needs you again", Message: "in English", Kind: app.NotifyOuraReauth, Day: domain.NewDay(2026, 3, 10)}); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls()
	if len(calls) != 4 {
		t.Fatalf("calls %+v", calls)
	}
	want := []struct{ title, message, tag string }{
		{"Stufe 5!", "Du hast Stufe 5 erreicht. 1 Attributpunkt zu verteilen.", "lifeops_1_level_up_5"},
		{"Erfolg freigeschaltet", "Eine Woche (+50 EP)", "lifeops_1_achievement_unlocked_streak_7"},
		{"Morgen", "Dehnen", "lifeops_1_routine_due_7_2026-03-10"},
		{"Oura braucht dich noch einmal", locale.For("de").T("notify.oura_reauth.message"), "lifeops_1_oura_reauth_0_2026-03-10"},
	}
	for i, w := range want {
		d := calls[i].ServiceData
		data, _ := d["data"].(map[string]any)
		if d["title"] != w.title || d["message"] != w.message || data["tag"] != w.tag {
			t.Errorf("call %d: %+v, want %+v", i, d, w)
		}
	}
	actions, _ := calls[2].ServiceData["data"].(map[string]any)["actions"].([]any)
	if len(actions) != 2 || actions[0].(map[string]any)["title"] != "Erledigt" || actions[1].(map[string]any)["title"] != "10 Min. schlummern" {
		t.Errorf("actions %v: want Erledigt and 10 Min. schlummern", actions)
	}
}

package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// TestTreeEffectsChangeResults shows, for each kind of stat-tree effect, the
// number it changes elsewhere in LifeOps: the same action by a person without
// the node and by one with it (allocated straight in storage: this test is
// about effects, not about paths through the tree).
func TestTreeEffectsChangeResults(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 7, 0, 0))
	ctx := context.Background()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	person := func(name, node string) string {
		p := f.person(t, name)
		if node != "" {
			if err := f.store.AllocationInsert(ctx, p.ID, node, f.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		return p.Slug
	}
	stat := func(slug string, s character.Stat) float64 {
		c, err := f.svc.Character(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range c.Sheet.Stats {
			if line.Stat == s {
				return line.Total
			}
		}
		t.Fatalf("no %s on the sheet", s)
		return 0
	}

	t.Run("xp_multiplier", func(t *testing.T) {
		plain, boosted := person("Xp Plain", ""), person("Xp Boosted", "str_n1") // +10 % fitness XP
		a, err := f.svc.LogActivity(ctx, app.ActivityInput{Person: plain, Type: "workout", Amount: 30})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.LogActivity(ctx, app.ActivityInput{Person: boosted, Type: "workout", Amount: 30})
		if err != nil {
			t.Fatal(err)
		}
		cat, _ := domain.NewCatalogue()
		wt, _ := cat.Lookup("workout")
		want := domain.ActivityXP(wt, 0, 30, character.Modifiers(tree, []character.NodeID{"str_n1"}))
		if b.Activity.XP != want || b.Activity.XP <= a.Activity.XP {
			t.Fatalf("30 min workout: %d XP plain, %d with str_n1 (want %d)", a.Activity.XP, b.Activity.XP, want)
		}
		t.Logf("30 min workout: %d XP → %d XP with str_n1", a.Activity.XP, b.Activity.XP)
	})

	t.Run("percent_stat and flat_stat", func(t *testing.T) {
		plain, strong, social := person("Stat Plain", ""), person("Stat Strong", "str_n2"), person("Stat Keystone", "sta_k")
		if s0, s1 := stat(plain, character.STR), stat(strong, character.STR); s1 <= s0 {
			t.Fatalf("STR %v plain, %v with str_n2 (+5 %%)", s0, s1)
		} else {
			t.Logf("STR %v → %v with str_n2", s0, s1)
		}
		if c0, c1 := stat(plain, character.CHA), stat(social, character.CHA); c1 != c0-3 {
			t.Fatalf("CHA %v plain, %v with sta_k (flat −3)", c0, c1)
		}
	})

	t.Run("habit_strength_bonus", func(t *testing.T) {
		plain, bonus := person("Strength Plain", ""), person("Strength Bonus", "sta_n2")
		var got [2]float64
		for i, slug := range []string{plain, bonus} {
			f.habit(t, slug, "Floss", domain.DayOf(f.clock.Now(), berlin))
			if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: slug, Habit: "floss"}); err != nil {
				t.Fatal(err)
			}
			today, err := f.svc.Today(ctx, slug)
			if err != nil {
				t.Fatal(err)
			}
			got[i] = today.Habits[0].Strength
		}
		if got[1] <= got[0] {
			t.Fatalf("strength after one check-in: %v plain, %v with sta_n2", got[0], got[1])
		}
		t.Logf("strength after one check-in: %.6f → %.6f with sta_n2", got[0], got[1])
	})

	t.Run("routine_on_time_xp", func(t *testing.T) {
		plain, punctual := person("Routine Plain", ""), person("Routine Punctual", "wis_n2") // +15 % on time
		var xp [2]int
		for i, slug := range []string{plain, punctual} {
			if _, err := f.svc.CreateRoutine(ctx, slug, app.RoutineInput{Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
				Items: []routine.Item{{Title: "Stretch", XP: 40, Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(7, 10)}}}}); err != nil {
				t.Fatal(err)
			}
			res, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: slug, Item: "Stretch", Status: routine.StatusDone})
			if err != nil {
				t.Fatal(err)
			}
			xp[i] = res.XP
		}
		if xp[1] <= xp[0] {
			t.Fatalf("on-time item: %d XP plain, %d with wis_n2", xp[0], xp[1])
		}
		t.Logf("on-time routine item: %d XP → %d XP with wis_n2", xp[0], xp[1])
	})

	// Last: it walks the shared clock forward.
	t.Run("extra_streak_shields", func(t *testing.T) {
		plain, shielded := person("Shield Plain", ""), person("Shield Lucky", "lck_n1") // +1 shield
		start := domain.DayOf(f.clock.Now(), berlin)
		for _, slug := range []string{plain, shielded} {
			f.habit(t, slug, "Walk", start)
		}
		// Two done days, then a missed one.
		for d := 0; d < 2; d++ {
			for _, slug := range []string{plain, shielded} {
				if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: slug, Habit: "walk"}); err != nil {
					t.Fatal(err)
				}
			}
			f.clock.Add(24 * time.Hour)
		}
		f.clock.Add(24 * time.Hour)
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
		var streak [2]int
		for i, slug := range []string{plain, shielded} {
			today, err := f.svc.Today(ctx, slug)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range today.Habits {
				if h.Habit.Slug == "walk" {
					streak[i] = h.Streak.Current
				}
			}
		}
		if streak[0] != 0 || streak[1] != 2 {
			t.Fatalf("after 2 done days and a miss: streak %d plain, %d with lck_n1 (want 0 and 2)", streak[0], streak[1])
		}
	})
}

// TestDistanceCountsAsActiveMinutes: a run logged in kilometres feeds the
// score's activity component (5 km at 6 min/km = the 30-minute target).
func TestDistanceCountsAsActiveMinutes(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 10, 9, 0, 0, 0, berlin))
	ctx := context.Background()
	f.person(t, "Runa")
	if _, err := f.svc.LogActivity(ctx, app.ActivityInput{Person: "runa", Type: "run", Amount: 5, Source: domain.SourceManual}); err != nil {
		t.Fatal(err)
	}
	today, err := f.svc.Today(ctx, "runa")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range today.Score.Score.Contributors {
		if c.Component == domain.ComponentActivity {
			if !c.Present || c.Value != 100 {
				t.Fatalf("activity after a 5 km run: %+v", c)
			}
			return
		}
	}
	t.Fatal("no activity contributor")
}

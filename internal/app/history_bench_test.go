package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/postgres"
)

// history is a person with days of history: 10 habits (one a counter) and
// 5 activities a day, every day closed by the rollover, as they would be
// after that many days of real use.
type history struct {
	svc    *app.Service
	clock  *clock
	person string
	today  domain.Day
}

var benchActivities = []string{"walk", "reading", "deep_work", "meditation", "workout"}

func newHistory(b *testing.B, days int) *history {
	b.Helper()
	ctx := context.Background()
	tree, err := character.Default()
	if err != nil {
		b.Fatal(err)
	}
	today := domain.NewDay(2026, time.March, 10)
	start := today.Add(-days)
	h := &history{clock: &clock{t: start.Start(berlin).Add(time.Hour)}, today: today, person: "bench"}
	h.svc = app.New(app.Options{Store: postgres.NewStore(dbtest.New(b)), Logger: zerolog.Nop(), Now: h.clock.Now,
		Location: func() *time.Location { return berlin }, Tree: tree})
	if _, err := h.svc.CreatePerson(ctx, app.PersonInput{Name: "Bench"}); err != nil {
		b.Fatal(err)
	}
	for i := range 10 {
		in := app.HabitInput{Name: fmt.Sprintf("Habit %d", i), Schedule: domain.Schedule{Kind: domain.ScheduleDaily}, Start: start}
		if i == 0 {
			in.Name, in.Target = "Water", domain.Target{Kind: domain.TargetAtLeast, Value: 1000, Unit: "ml"}
		}
		if _, err := h.svc.CreateHabit(ctx, h.person, in); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for d := start; d.Before(today); d = d.Add(1) {
		for i := range 10 {
			if rng.Float64() > 0.85 {
				continue
			}
			h.clock.Set(d.Start(berlin).Add(time.Duration(8+i) * time.Hour))
			in := app.CheckInInput{Person: h.person, Habit: fmt.Sprintf("Habit %d", i), Source: domain.SourceManual}
			if i == 0 {
				in.Habit, in.Quantity = "Water", 1000
			}
			if _, err := h.svc.CheckIn(ctx, in); err != nil {
				b.Fatalf("%s: %v", d, err)
			}
		}
		for i, typ := range benchActivities {
			h.clock.Set(d.Start(berlin).Add(time.Duration(12+i) * time.Hour))
			if _, err := h.svc.LogActivity(ctx, app.ActivityInput{Person: h.person, Type: typ, Amount: 30, Source: domain.SourceManual}); err != nil {
				b.Fatalf("%s: %v", d, err)
			}
		}
		h.clock.Set(d.Add(1).Start(berlin).Add(time.Minute))
		if err := h.svc.Rollover(ctx); err != nil {
			b.Fatal(err)
		}
	}
	h.clock.Set(today.Start(berlin).Add(9 * time.Hour))
	return h
}

// BenchmarkHistoryCost measures one check-in's full cost (the write and
// everything derived from it: day, streak, strength, XP, achievements,
// score) and one read of today's score, for a person with 30 days and with
// two years of history, in the same run. Work is incremental when the
// ratios stay near 1; the issue allows at most 2.
//
//	go test -run '^$' -bench HistoryCost -benchtime 200x ./internal/app/
func BenchmarkHistoryCost(b *testing.B) {
	ctx := context.Background()
	short, long := newHistory(b, 30), newHistory(b, 730)
	checkIn := func(h *history) time.Duration {
		h.clock.Add(time.Second)
		t0 := time.Now()
		if _, err := h.svc.CheckIn(ctx, app.CheckInInput{Person: h.person, Habit: "Water", Quantity: 1, Source: domain.SourceAPI}); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	today := func(h *history) time.Duration {
		t0 := time.Now()
		if _, err := h.svc.Today(ctx, h.person); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var cShort, cLong, tShort, tLong time.Duration
	b.ResetTimer()
	for b.Loop() {
		// Alternate so drift of a noisy machine hits both alike.
		cShort += checkIn(short)
		cLong += checkIn(long)
		tShort += today(short)
		tLong += today(long)
	}
	n := float64(b.N)
	b.ReportMetric(float64(cShort.Microseconds())/n, "checkin_30d_us")
	b.ReportMetric(float64(cLong.Microseconds())/n, "checkin_2y_us")
	b.ReportMetric(float64(cLong)/float64(cShort), "checkin_2y/30d")
	b.ReportMetric(float64(tShort.Microseconds())/n, "today_30d_us")
	b.ReportMetric(float64(tLong.Microseconds())/n, "today_2y_us")
	b.ReportMetric(float64(tLong)/float64(tShort), "today_2y/30d")
}

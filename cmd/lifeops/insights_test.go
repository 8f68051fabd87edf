package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/insights"
	"github.com/lifeops/lifeops/internal/jobs"
	"github.com/lifeops/lifeops/internal/postgres"
)

// heard counts insights_changed events.
type heard struct {
	mu sync.Mutex
	n  int
}

func (h *heard) Publish(_ context.Context, evs []domain.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range evs {
		if ev.Kind == app.EventInsightsChanged {
			h.n++
		}
	}
}

func (h *heard) count() int { h.mu.Lock(); defer h.mu.Unlock(); return h.n }

// TestInsightsJobRunsOnceAcrossReplicas: two replicas on one database each
// schedule the nightly insights job; at 03:30 one of them refreshes, once.
func TestInsightsJobRunsOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	store := postgres.NewStore(pool)
	if _, err := pool.Exec(ctx, `INSERT INTO people (slug, name, color) VALUES ('ana', 'Ana', '#336699')`); err != nil {
		t.Fatal(err)
	}
	loc := time.UTC
	start := time.Date(2026, 6, 10, 3, 29, 0, 0, loc)
	var sinks [2]*heard
	var mu sync.Mutex
	ran := map[string]jobs.Outcome{}
	for i := range sinks {
		sinks[i] = &heard{}
		ins := app.NewInsights(app.InsightsOptions{Store: store, Analyzer: insights.Analyzer{}, Sinks: []app.EventSink{sinks[i]},
			Location: func() *time.Location { return loc }})
		clock := clockwork.NewFakeClockAt(start)
		owner := fmt.Sprint("replica", i)
		r := jobs.New(jobs.Options{Pool: pool, Clock: clock, Location: loc, Owner: owner, OnReport: func(rep jobs.Report) {
			mu.Lock()
			defer mu.Unlock()
			ran[rep.Owner] = rep.Outcome
		}})
		if err := r.Add(insightsJob(ins, loc)); err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Stop(context.Background()) })
		if err := clock.BlockUntilContext(ctx, 1); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Minute)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(ran)
		mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("both replicas did not attempt the 03:30 slot: %v", ran)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ran["replica0"] == ran["replica1"] || (ran["replica0"] != jobs.OutcomeRan && ran["replica1"] != jobs.OutcomeRan) {
		t.Errorf("outcomes %v: want one run and one skip", ran)
	}
	if got := sinks[0].count() + sinks[1].count(); got != 1 {
		t.Errorf("insights refreshed %d times across two replicas, want once (outcomes %v)", got, ran)
	}
}

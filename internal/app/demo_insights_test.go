package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/insights"
)

// TestDemoHouseholdShowsItsPlantedInsights: the demo history plants three
// relationships (docs/insights.md), and the Insights page finds each with
// its lag.
func TestDemoHouseholdShowsItsPlantedInsights(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 9, 0, 0))
	ctx := context.Background()
	if err := f.svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	ins := app.NewInsights(app.InsightsOptions{Store: f.store, Analyzer: insights.Analyzer{}, Now: f.clock.Now, Location: func() *time.Location { return berlin }})
	want := []struct {
		person, a, b string
		lag          int
	}{
		{"alex", "habit.", "ring.sleep", 1},        // the phone in bed, then the night's sleep
		{"alex", "activity.meditation", "mood", 0}, // meditation days
		{"sam", "activity.walk", "ring.readiness", 1},
	}
	total := 0
	for _, person := range []string{"alex", "sam"} {
		res, err := ins.Analyze(ctx, person)
		if err != nil {
			t.Fatal(err)
		}
		total += len(res.Insights)
		for _, in := range res.Insights {
			t.Logf("%s: %s (q %.2g)", person, in.Sentence(), in.Q)
		}
		for _, w := range want {
			if w.person != person {
				continue
			}
			found := false
			for _, in := range res.Insights {
				if strings.HasPrefix(in.A.Key, w.a) && in.B.Key == w.b && in.Lag == w.lag {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no %s… → %s at lag %d among %d insights (%d pairs)", person, w.a, w.b, w.lag, len(res.Insights), res.Pairs)
			}
		}
	}
	if total < 3 {
		t.Errorf("the demo shows %d insights, want at least 3", total)
	}
}

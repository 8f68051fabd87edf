package discovery_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/insights"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
)

// TestTopInsightFollowsTheNightlyRefresh: the insight sensor shows what the
// analysis found when the bridge started, keeps it while facts arrive (the
// analysis is cached, not redone every refresh), and changes when the
// nightly refresh says insights changed.
func TestTopInsightFollowsTheNightlyRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newBridgeEnv(t)
	pid, _ := e.personWithHabit(t, "Alex", "Water")
	ins := app.NewInsights(app.InsightsOptions{Store: e.store, Analyzer: insights.Analyzer{},
		Location: func() *time.Location { return time.UTC }})
	bridge := e.startBridge(t, discovery.BridgeOptions{Insights: ins})
	ins.AddSink(bridge)
	obs := mqtttest.NewObserver(t, e.url, e.root+"/#")
	state := fmt.Sprintf("%s/%d/insights/top/state", e.base, pid)
	obs.WaitPayload(5*time.Second, state, "No insight yet")

	// Readiness planted on the night before's sleep score.
	r := rand.New(rand.NewPCG(9, 9))
	today := domain.DayOf(time.Now(), time.UTC)
	prev := 0.0
	for i := 60; i >= 1; i-- {
		sleep := 60 + 35*r.Float64()
		ready := 40 + 0.6*prev + 3*r.NormFloat64()
		if i == 60 {
			ready = 80
		}
		prev = sleep
		if err := e.store.BiometricsPut(ctx, pid, app.Biometrics{Day: today.Add(-i), Sleep: &sleep, Readiness: &ready}); err != nil {
			t.Fatal(err)
		}
	}
	// A change elsewhere rereads the person but keeps the cached insights.
	if _, _, err := e.svc.LogMood(ctx, app.MoodInput{Person: "alex", Value: 6, Source: domain.SourceManual}); err != nil {
		t.Fatal(err)
	}
	obs.WaitPayload(5*time.Second, fmt.Sprintf("%s/%d/mood/state", e.base, pid), "6")
	for _, m := range obs.Messages() {
		if m.Topic == state && string(m.Payload) != "No insight yet" {
			t.Fatalf("insights recomputed without a refresh: %s", m.Payload)
		}
	}

	if err := ins.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	got := obs.WaitFor(5*time.Second, "the new top insight", func(m mqtttest.Received) bool {
		return m.Topic == state && strings.HasPrefix(string(m.Payload), "The day after days with sleep score of")
	})
	if !strings.Contains(string(got.Payload), "readiness score was") || !strings.Contains(string(got.Payload), "lag 1 day") {
		t.Errorf("top insight %q", got.Payload)
	}
	attrs := obs.WaitFor(5*time.Second, "the top five", func(m mqtttest.Received) bool {
		return m.Topic == fmt.Sprintf("%s/%d/insights/top/attributes", e.base, pid) && strings.Contains(string(m.Payload), `"pairs_tested"`) &&
			strings.Contains(string(m.Payload), "readiness")
	})
	t.Logf("%s", attrs.Payload)
}

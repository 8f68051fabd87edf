package discovery_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
)

// TestVacationSwitchOnPauses: HA's vacation switch works on the pause
// resource, and a pause made through the app turns the switch on (its
// pause_changed event reaches the bridge).
func TestVacationSwitchOnPauses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newBridgeEnv(t)
	pid, _ := e.personWithHabit(t, "Vera", "Walk")
	e.startBridge(t, discovery.BridgeOptions{})
	obs := mqtttest.NewObserver(t, e.url, e.root+"/#")
	state := fmt.Sprintf("%s/%d/vacation/state", e.base, pid)
	set := fmt.Sprintf("%s/%d/vacation/set", e.base, pid)
	obs.WaitPayload(5*time.Second, state, "OFF")

	obs.Reset()
	obs.Publish(set, false, "ON")
	obs.WaitPayload(5*time.Second, state, "ON")
	list, err := e.svc.Pauses(ctx, "vera")
	if err != nil || len(list) != 1 || list[0].Value.Reason != domain.PauseVacation || list[0].Value.Until.IsZero() {
		t.Fatalf("pauses after the switch turned on: %+v, %v", list, err)
	}
	obs.Reset()
	obs.Publish(set, false, "OFF")
	obs.WaitPayload(5*time.Second, state, "OFF")
	if list, _ = e.svc.Pauses(ctx, "vera"); len(list) != 0 {
		t.Fatalf("pauses after the switch turned off: %+v", list)
	}

	// A vacation made through the API shows on the switch at once, and
	// ending it early turns the switch off.
	obs.Reset()
	p, err := e.svc.Pause(ctx, app.PauseInput{Person: "vera", Reason: domain.PauseVacation})
	if err != nil {
		t.Fatal(err)
	}
	obs.WaitPayload(5*time.Second, state, "ON")
	yesterday := e.svc.CurrentDay().Add(-1)
	if _, err := e.svc.UpdatePause(ctx, "vera", p.Value.ID, app.PauseChange{Until: &yesterday}, 0); err == nil {
		t.Fatal("ending a pause before it began was accepted")
	}
	obs.Reset()
	if err := e.svc.DeletePause(ctx, "vera", p.Value.ID, p.Version); err != nil {
		t.Fatal(err)
	}
	obs.WaitPayload(5*time.Second, state, "OFF")
}

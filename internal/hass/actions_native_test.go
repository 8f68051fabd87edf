package hass_test

import (
	"context"
	"testing"

	"github.com/lifeops/lifeops/internal/hass"
)

// TestActionsTakeNativeNumbers: HA renders a script's "{{ habit }}" to the
// number 12 when the habit is named by id; the action must still work.
func TestActionsTakeNativeNumbers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, caller, results := actionsFixture(t)
	habits, err := svc.Habits(ctx, "alex")
	if err != nil || len(habits) == 0 {
		t.Fatalf("habits: %v", err)
	}
	data := map[string]any{"person": "alex", "habit": habits[0].Value.ID, "note": 42, "request_id": "n1"}
	if err := caller.FireEvent(ctx, hass.EventCheckIn, data); err != nil {
		t.Fatal(err)
	}
	if r := await(t, results, "n1"); !r.OK {
		t.Fatalf("check-in by numeric habit id: %+v", r)
	}
	today, err := svc.Today(ctx, "alex")
	if err != nil {
		t.Fatal(err)
	}
	if n := today.Habits[0].Result.CheckIns; n != 1 {
		t.Fatalf("check-ins: %d", n)
	}
}

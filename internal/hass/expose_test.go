package hass

import (
	"context"
	"testing"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/hass/hatest"
)

func TestExposerFindsEntitiesByUniqueID(t *testing.T) {
	fake, c := start(t, hatest.Options{}, nil)
	run(t, c)
	connected(t, c)
	// The person renamed one entity in HA; another integration happens to
	// use a LifeOps-looking unique id; the level entity does not exist yet.
	fake.Register(hatest.RegistryEntry{EntityID: "sensor.my_score", Platform: "mqtt", UniqueID: "lifeops_1_life_score"})
	fake.Register(hatest.RegistryEntry{EntityID: "sensor.other", Platform: "template", UniqueID: "lifeops_1_mood"})
	want := func(context.Context) ([]string, error) {
		return []string{"lifeops_1_life_score", "lifeops_1_level", "lifeops_1_mood"}, nil
	}
	e := NewExposer(c, want, 0, zerolog.Nop())
	if n, err := e.Expose(t.Context()); err != nil || n != 1 {
		t.Fatalf("first round: %d, %v", n, err)
	}
	fake.Register(hatest.RegistryEntry{EntityID: "sensor.lifeops_rita_level", Platform: "mqtt", UniqueID: "lifeops_1_level"})
	if n, err := e.Expose(t.Context()); err != nil || n != 1 {
		t.Fatalf("second round: %d, %v", n, err)
	}
	if n, err := e.Expose(t.Context()); err != nil || n != 0 {
		t.Fatalf("third round exposed again: %d, %v", n, err)
	}
	got := fake.Exposed()
	if !got["sensor.my_score"][Assistant] || !got["sensor.lifeops_rita_level"][Assistant] || got["sensor.other"] != nil || len(got) != 2 {
		t.Errorf("exposed %v", got)
	}
}

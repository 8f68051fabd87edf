package discovery_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/lifeops/lifeops/internal/discovery"
)

func TestGoldenCatalog(t *testing.T) {
	t.Parallel()
	b, err := json.MarshalIndent(discovery.NewCatalog(fixture()), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "catalog", append(b, '\n'))
}

// TestCatalogListsEveryAnnouncedEntity: the catalog and the configs come
// from one builder; every default_entity_id announced is listed once.
func TestCatalogListsEveryAnnouncedEntity(t *testing.T) {
	t.Parallel()
	h := fixture()
	cat := discovery.NewCatalog(h)
	announced := 0
	for _, m := range discovery.Configs(h) {
		var p struct {
			Components map[string]struct {
				Platform        string `json:"platform"`
				DefaultEntityID string `json:"default_entity_id"`
			} `json:"components"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Components {
			announced++
			e, ok := cat.Entity(c.DefaultEntityID)
			if !ok || string(e.Platform) != c.Platform {
				t.Errorf("%s (%s) is announced but the catalog has %+v", c.DefaultEntityID, c.Platform, e)
			}
		}
	}
	if announced != len(cat.Entities) || announced < 30 {
		t.Errorf("announced %d entities, the catalog lists %d", announced, len(cat.Entities))
	}
	if _, ok := cat.Entity("sensor.lifeops_alex_no_such"); ok {
		t.Error("Entity found an id nobody announced")
	}
	// Attributes come from the state builder and the event mapping, not a
	// list kept beside them: spot-check the ones the HA files lean on.
	for id, attr := range map[string]string{
		"sensor.lifeops_alex_life_score":          "explanation",
		"sensor.lifeops_alex_water_streak":        "at_risk",
		"sensor.lifeops_alex_next_routine_item":   "due",
		"sensor.lifeops_sam_routine_progress":     "total",
		"event.lifeops_alex_events":               "level",
		"select.lifeops_alex_allocate_stat_point": "options",
		"number.lifeops_alex_drink_amount":        "step",
	} {
		e, _ := cat.Entity(id)
		if !slices.Contains(e.Attributes, attr) {
			t.Errorf("%s attributes %v lack %s", id, e.Attributes, attr)
		}
	}
	for _, et := range discovery.EventTypes() {
		if _, ok := cat.EventTypes[et]; !ok {
			t.Errorf("event type %s missing from the catalog", et)
		}
	}
	if got := cat.EventTypes[discovery.EventLevelUp]; !slices.Equal(got, []string{"level", "message", "points", "total_xp"}) {
		t.Errorf("level_up data keys %v", got)
	}
}

package discovery

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/locale"
)

// Catalog is what a household can name of LifeOps in Home Assistant: every
// entity id the discovery configs of a household seed, the attributes each
// entity carries, and the event entity's event types with their data keys.
// The files under homeassistant/ are checked against it, so it is built from
// the same code that builds the payloads, never written by hand.
type Catalog struct {
	Entities []CatalogEntity `json:"entities"`
	// EventTypes maps each event type of the person's event entity to the
	// data keys LifeOps sends with it (they become attributes in HA).
	EventTypes map[EventType][]string `json:"event_types"`
}

// CatalogEntity is one entity LifeOps announces.
type CatalogEntity struct {
	EntityID string   `json:"entity_id"`
	Platform Platform `json:"platform"`
	// Person is the person's slug; empty for the household device.
	Person string `json:"person,omitempty"`
	Name   string `json:"name"`
	// Attributes are the keys of the entity's JSON attributes plus the ones
	// HA derives from its config (friendly_name, unit_of_measurement,
	// event_type, options, …), sorted.
	Attributes []string    `json:"attributes"`
	EventTypes []EventType `json:"event_types,omitempty"`
}

// Entity returns the catalog entry of entityID.
func (c Catalog) Entity(entityID string) (CatalogEntity, bool) {
	for _, e := range c.Entities {
		if e.EntityID == entityID {
			return e, true
		}
	}
	return CatalogEntity{}, false
}

// NewCatalog lists what Configs(h) announces. h should pass Validate.
func NewCatalog(h Household) Catalog {
	attrKeys := sampleAttributes(h)
	eventKeys := sampleEventData()
	var all []string
	for _, keys := range eventKeys {
		all = append(all, keys...)
	}
	cat := Catalog{EventTypes: eventKeys}
	for i, d := range devices(h) {
		person := ""
		if i > 0 {
			person = h.People[i-1].Slug
		}
		for _, c := range d.payload.Components {
			keys := []string{"friendly_name"}
			if c.Icon != "" {
				keys = append(keys, "icon")
			}
			if c.DeviceClass != "" {
				keys = append(keys, "device_class")
			}
			if c.StateClass != "" {
				keys = append(keys, "state_class")
			}
			if c.Unit != "" {
				keys = append(keys, "unit_of_measurement")
			}
			if len(c.Options) > 0 {
				keys = append(keys, "options")
			}
			if c.Platform == PlatformNumber {
				keys = append(keys, "min", "max", "step", "mode")
			}
			if c.Platform == PlatformEvent {
				keys = append(keys, "event_type", "event_types")
				keys = append(keys, all...)
			}
			if c.JSONAttributesTopic != "" {
				keys = append(keys, attrKeys[c.JSONAttributesTopic]...)
			}
			cat.Entities = append(cat.Entities, CatalogEntity{
				EntityID: c.DefaultEntityID, Platform: c.Platform, Person: person,
				Name: c.Name, Attributes: uniqueSorted(keys), EventTypes: c.EventTypes,
			})
		}
	}
	sort.Slice(cat.Entities, func(i, j int) bool { return cat.Entities[i].EntityID < cat.Entities[j].EntityID })
	return cat
}

// sampleAttributes runs States on a snapshot of h with every value known,
// so each attributes topic carries all the keys it can, and returns the
// keys by topic.
func sampleAttributes(h Household) map[string][]string {
	snap := Snapshot{BaseTopic: h.BaseTopic}
	mood := 5
	for _, p := range h.People {
		ps := PersonState{
			PersonID:  p.ID,
			LifeScore: &LifeScore{Value: 50, Contributors: []Contributor{{}}, Freshness: []Freshness{{}}},
			Routine:   RoutineState{Done: 1, Total: 2, Next: &NextItem{ItemID: 1, Title: "x", Due: time.Unix(0, 0)}},
			Mood:      &mood,
			Insights:  &InsightsState{Top: []InsightState{{}}},
		}
		for _, s := range Stats() {
			ps.Stats = append(ps.Stats, StatState{Stat: s, Breakdown: []StatPart{{}}})
		}
		for _, hb := range p.Habits {
			hs := HabitState{HabitID: hb.ID}
			if hb.Amount != nil {
				hs.Logged = new(float64)
			}
			ps.Habits = append(ps.Habits, hs)
		}
		for _, g := range p.Goals {
			ps.Goals = append(ps.Goals, GoalState{GoalID: g.ID, Projected: "2026-01-31"})
		}
		snap.People = append(snap.People, ps)
	}
	msgs, err := States(snap)
	if err != nil {
		// Only finite sample numbers go in.
		panic("discovery: catalog sample states: " + err.Error())
	}
	out := map[string][]string{}
	for _, m := range msgs {
		var obj map[string]json.RawMessage
		if json.Unmarshal(m.Payload, &obj) != nil {
			continue // a plain state, not attributes
		}
		for k := range obj {
			out[m.Topic] = append(out[m.Topic], k)
		}
	}
	return out
}

// sampleEventData feeds eventFor a domain event of every kind with all its
// data set and collects the keys each event type carries.
func sampleEventData() map[EventType][]string {
	out := map[EventType][]string{}
	for _, t := range EventTypes() {
		out[t] = []string{}
	}
	kinds := []domain.EventKind{domain.EventActivityLogged, domain.EventCheckIn, domain.EventLevelUp,
		domain.EventAchievementUnlocked, domain.EventStreakExtended, domain.EventStreakBroken,
		domain.EventStreakMilestone, domain.EventScoreChanged, domain.EventDefinitionsChanged, domain.EventGoalMilestone}
	for _, k := range kinds {
		ev, ok := EventFor(domain.Event{Kind: k, PersonID: 1,
			Activity: &domain.ActivityLoggedData{}, CheckIn: &domain.CheckInData{}, LevelUp: &domain.LevelUpData{},
			Achievement: &domain.AchievementUnlockedData{}, Streak: &domain.StreakData{Milestone: 7}, Score: &domain.ScoreChangedData{}, Goal: &domain.GoalMilestoneData{}}, locale.For(locale.English))
		if !ok {
			continue
		}
		for key := range ev.Data {
			out[ev.Type] = append(out[ev.Type], key)
		}
		out[ev.Type] = uniqueSorted(out[ev.Type])
	}
	return out
}

func uniqueSorted(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// Household reads the household as the bridge announces it right now: the
// people, their habits, today's routine items and the stat-tree nodes they
// can put a point in. NewCatalog(h) then lists what HA shows of it.
func (b *Bridge) Household(ctx context.Context) (Household, error) {
	h, _, err := b.read(ctx)
	return h, err
}

package hass

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
)

// SensorLister takes a source's whole list of sensors (the app's
// ListSensors).
type SensorLister interface {
	ListSensors(ctx context.Context, source string, entries []app.CatalogEntry) (app.CatalogChange, error)
}

// sourceHA names Home Assistant's entities in the catalog, as in readings.
const sourceHA = "ha"

// ListEntitiesOnConnect makes c tell lister every entity HA has, after each
// (re)connection: HA announces no entity list on its own, and an entity
// removed while LifeOps was away is only noticed by asking again. A
// failure is logged; the next connection asks again.
func ListEntitiesOnConnect(c *Client, lister SensorLister, log zerolog.Logger) {
	c.OnConnect(func(ctx context.Context) {
		states, err := c.GetStates(ctx)
		if err != nil {
			log.Warn().Err(err).Msg("home assistant get_states: the sensor list is not refreshed")
			return
		}
		res, err := lister.ListSensors(ctx, sourceHA, CatalogEntries(states))
		if err != nil {
			log.Warn().Err(err).Msg("home assistant entities not listed")
			return
		}
		log.Debug().Int("entities", len(states)).Int("added", res.Added).Int("changed", res.Changed).
			Int("removed", res.Removed).Msg("home assistant entities listed")
	})
}

// CatalogEntries maps get_states' answer to catalog entries: the entity
// id, its friendly name, unit and device class, its state and since when.
func CatalogEntries(states []State) []app.CatalogEntry {
	out := make([]app.CatalogEntry, 0, len(states))
	for _, s := range states {
		out = append(out, app.CatalogEntry{
			Sensor: s.EntityID, Name: attrText(s.Attributes, "friendly_name"),
			Unit: attrText(s.Attributes, "unit_of_measurement"), DeviceClass: attrText(s.Attributes, "device_class"),
			State: s.State, StateAt: s.LastChanged,
		})
	}
	return out
}

func attrText(attrs map[string]any, key string) string {
	s, _ := attrs[key].(string)
	return s
}

package hass

import (
	"context"
	"time"

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

// coreRunning is get_config's state once HA has started; older HA sends
// no state at all.
const coreRunning = "RUNNING"

// EntityListOptions configure ListEntitiesOnConnect. Lister is required.
type EntityListOptions struct {
	Lister SensorLister
	Logger zerolog.Logger
	// StartPoll is how often HA is asked whether it has finished starting
	// before its entities are listed; 0 is 5 s.
	StartPoll time.Duration
	// OnConfig, when set, is handed each connection's first get_config
	// answer, so that what else reads HA's configuration (its time zone,
	// its language) does not ask again.
	OnConfig func(Config)
}

// ListEntitiesOnConnect makes c tell the lister every entity HA has after
// each (re)connection: HA announces no entity list on its own, and an
// entity removed while LifeOps was away is only noticed by asking again.
//
// HA's WebSocket API is up early in its start, before most integrations
// have made their entities: a list taken then would drop entities that
// are only late. So it waits until get_config says RUNNING (asking every
// StartPoll) and lists then. A failure is logged; the next connection
// asks again.
func ListEntitiesOnConnect(c *Client, o EntityListOptions) {
	if o.StartPoll <= 0 {
		o.StartPoll = 5 * time.Second
	}
	c.OnConnect(func(ctx context.Context) {
		// Hooks run one after another: the wait for RUNNING must not
		// hold up those after it (the entity feed, the exposer).
		go listWhenRunning(ctx, c, o)
	})
}

// listWhenRunning waits until HA runs and hands its entities to o.Lister.
func listWhenRunning(ctx context.Context, c *Client, o EntityListOptions) {
	log := o.Logger
	for first := true; ; first = false {
		cfg, err := c.GetConfig(ctx)
		if err != nil {
			log.Warn().Err(err).Msg("home assistant get_config: its entities are not listed")
			return
		}
		if first && o.OnConfig != nil {
			o.OnConfig(cfg)
		}
		if cfg.State == "" || cfg.State == coreRunning {
			break
		}
		log.Debug().Str("ha_state", cfg.State).Msg("home assistant is starting: its entities are listed once it runs")
		select {
		case <-ctx.Done():
			return
		case <-time.After(o.StartPoll):
		}
	}
	states, err := c.GetStates(ctx)
	if err != nil {
		log.Warn().Err(err).Msg("home assistant get_states: the sensor list is not refreshed")
		return
	}
	res, err := o.Lister.ListSensors(ctx, sourceHA, CatalogEntries(states))
	if err != nil {
		log.Warn().Err(err).Msg("home assistant entities not listed")
		return
	}
	log.Debug().Int("entities", len(states)).Int("added", res.Added).Int("changed", res.Changed).
		Int("removed", res.Removed).Msg("home assistant entities listed")
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

package hass

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/rs/zerolog"
)

// Assistant is the Assist pipeline LifeOps exposes its entities to.
const Assistant = "conversation"

// RegistryEntry is the part of an entity registry entry LifeOps reads.
type RegistryEntry struct {
	EntityID string `json:"entity_id"`
	Platform string `json:"platform"`
	UniqueID string `json:"unique_id"`
}

// EntityRegistry lists HA's entity registry.
func (c *Client) EntityRegistry(ctx context.Context) ([]RegistryEntry, error) {
	raw, err := c.Call(ctx, "config/entity_registry/list", nil)
	if err != nil {
		return nil, fmt.Errorf("entity registry: %w", err)
	}
	var out []RegistryEntry
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("entity registry: %w", err)
	}
	return out, nil
}

// Exposer keeps LifeOps' main sensors exposed to Assist, so voice can ask
// for a life score or a level. It finds the entities by their MQTT
// unique_ids in the entity registry, because people may have renamed the
// entity ids. New people's entities are picked up on the next round.
type Exposer struct {
	client    *Client
	uniqueIDs func(ctx context.Context) ([]string, error)
	log       zerolog.Logger
	every     time.Duration
	done      []string // entity ids already exposed on this connection
}

// NewExposer exposes the entities whose unique_ids uniqueIDs lists, after
// every (re)connect and then every interval.
func NewExposer(client *Client, uniqueIDs func(ctx context.Context) ([]string, error), every time.Duration, log zerolog.Logger) *Exposer {
	if every <= 0 {
		every = 10 * time.Minute
	}
	return &Exposer{client: client, uniqueIDs: uniqueIDs, log: log, every: every}
}

// Run works until ctx ends.
func (e *Exposer) Run(ctx context.Context) {
	connected := make(chan struct{}, 1)
	e.client.OnConnect(func(context.Context) {
		select {
		case connected <- struct{}{}:
		default:
		}
	})
	tick := time.NewTicker(e.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-connected:
			e.done = nil // HA may have restarted with a different registry
		case <-tick.C:
		}
		if e.client.Status().State != LinkOK {
			continue
		}
		n, err := e.Expose(ctx)
		if err != nil {
			e.log.Warn().Err(err).Msg("exposing entities to Assist")
		} else if n > 0 {
			e.log.Info().Int("entities", n).Msg("exposed to Assist")
		}
	}
}

// Expose exposes what is not exposed yet and returns how many it exposed.
// Entities MQTT discovery has not created yet are skipped until a later
// round.
func (e *Exposer) Expose(ctx context.Context) (int, error) {
	want, err := e.uniqueIDs(ctx)
	if err != nil {
		return 0, err
	}
	reg, err := e.client.EntityRegistry(ctx)
	if err != nil {
		return 0, err
	}
	var ids []string
	for _, r := range reg {
		if r.Platform == "mqtt" && slices.Contains(want, r.UniqueID) && !slices.Contains(e.done, r.EntityID) {
			ids = append(ids, r.EntityID)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	slices.Sort(ids)
	if err := e.client.ExposeEntity(ctx, ids, Assistant, true); err != nil {
		return 0, err
	}
	e.done = append(e.done, ids...)
	return len(ids), nil
}

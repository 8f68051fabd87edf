package hass

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/domain"
)

// CalDAVPlatform is the integration that makes HA's entities of LifeOps'
// CalDAV collections.
const CalDAVPlatform = "caldav"

// CalDAVRefresher makes Home Assistant read a person's LifeOps to-do lists
// and calendar again soon after something changed in LifeOps (a check-in
// from a button, an evidence rule, a to-do, the day's rollover): HA polls
// CalDAV only every 15 minutes. It finds the entities in HA's entity
// registry by the collection ids their unique ids end with (people may
// rename entity ids) and calls homeassistant.update_entity on them.
type CalDAVRefresher struct {
	client      *Client
	collections func(personID int64) []string
	log         zerolog.Logger
	settle      time.Duration

	mu      sync.Mutex
	pending map[int64]bool
	kick    chan struct{}
}

// NewCalDAVRefresher refreshes the entities of the collections
// collections(personID) names; settle (default 2 s) gathers a burst of
// changes into one call.
func NewCalDAVRefresher(client *Client, collections func(personID int64) []string, settle time.Duration, log zerolog.Logger) *CalDAVRefresher {
	if settle <= 0 {
		settle = 2 * time.Second
	}
	return &CalDAVRefresher{client: client, collections: collections, log: log, settle: settle,
		pending: map[int64]bool{}, kick: make(chan struct{}, 1)}
}

// Publish implements app.EventSink: it notes whose day changed and never
// blocks.
func (r *CalDAVRefresher) Publish(_ context.Context, events []domain.Event) {
	ids := make([]int64, 0, len(events))
	for _, ev := range events {
		ids = append(ids, ev.PersonID)
	}
	r.Refresh(ids...)
}

// Refresh asks for people's entities to be refreshed soon (a new day
// changes every Today list without an event of its own). It never blocks.
func (r *CalDAVRefresher) Refresh(personIDs ...int64) {
	r.mu.Lock()
	for _, id := range personIDs {
		if id > 0 {
			r.pending[id] = true
		}
	}
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run refreshes until ctx ends.
func (r *CalDAVRefresher) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.kick:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.settle):
		}
		r.mu.Lock()
		people := make([]int64, 0, len(r.pending))
		for id := range r.pending {
			people = append(people, id)
		}
		clear(r.pending)
		r.mu.Unlock()
		if err := r.refresh(ctx, people); err != nil && ctx.Err() == nil {
			// The next poll of HA's (15 minutes) shows the change anyway.
			r.log.Debug().Err(err).Msg("caldav entities not refreshed")
		}
	}
}

func (r *CalDAVRefresher) refresh(ctx context.Context, people []int64) error {
	if r.client.Status().State != LinkOK {
		return nil
	}
	var suffixes []string
	for _, id := range people {
		for _, c := range r.collections(id) {
			suffixes = append(suffixes, "-"+c)
		}
	}
	entries, err := r.client.EntityRegistry(ctx)
	if err != nil {
		return err
	}
	var ids []string
	for _, e := range entries {
		if e.Platform != CalDAVPlatform {
			continue
		}
		if slices.ContainsFunc(suffixes, func(s string) bool { return strings.HasSuffix(e.UniqueID, s) }) {
			ids = append(ids, e.EntityID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	return r.client.CallService(ctx, "homeassistant", "update_entity", map[string]any{"entity_id": ids}, nil)
}

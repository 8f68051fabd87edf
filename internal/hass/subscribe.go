package hass

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
)

// subscription is a registration that outlives connections: it is issued
// again on every new session. Exactly one of events and entities is set.
type subscription struct {
	eventType string
	entityIDs []string
	events    *eventQueue
	entities  *entityQueue

	// cache holds the entities' full states. Only the reader of the live
	// session touches it, and sessions never overlap.
	cache map[string]*State
}

func (sub *subscription) String() string {
	if sub.entities != nil {
		if len(sub.entityIDs) == 0 {
			return "entities (all)"
		}
		return "entities " + strings.Join(sub.entityIDs, ",")
	}
	if sub.eventType == "" {
		return "events (all)"
	}
	return "events " + sub.eventType
}

func (sub *subscription) command() (string, any) {
	if sub.entities != nil {
		if len(sub.entityIDs) == 0 {
			return "subscribe_entities", nil
		}
		return "subscribe_entities", map[string]any{"entity_ids": sub.entityIDs}
	}
	if sub.eventType == "" {
		return "subscribe_events", nil
	}
	return "subscribe_events", map[string]any{"event_type": sub.eventType}
}

// apply folds an entity event into the cache. The first event after a
// (re)subscribe is HA's full dump: entities missing from it were removed
// while we were away, and entities that did not change are not reported
// again.
func (sub *subscription) apply(payload json.RawMessage, initial bool) ([]EntityChange, error) {
	if !initial {
		return applyEntityEvent(sub.cache, payload)
	}
	prev := sub.cache
	sub.cache = make(map[string]*State, len(prev))
	dump, err := applyEntityEvent(sub.cache, payload)
	changes := dump[:0]
	for _, ch := range dump {
		ch.Old = prev[ch.EntityID]
		if !sameState(ch.Old, ch.New) {
			changes = append(changes, ch)
		}
	}
	for id, old := range prev {
		if _, ok := sub.cache[id]; !ok {
			changes = append(changes, EntityChange{EntityID: id, Old: old})
		}
	}
	return changes, err
}

// SubscribeEvents registers fn for HA bus events of eventType (empty means
// every event, which on a real home is a firehose: prefer a type). The
// subscription lasts for the client's life and is re-issued after every
// reconnect; events fired while disconnected are lost (HA does not buffer).
// fn runs on its own goroutine, one event at a time; see the package doc for
// what happens when it falls behind.
func (c *Client) SubscribeEvents(eventType string, fn func(Event)) {
	if fn == nil {
		panic("hass: SubscribeEvents with a nil handler")
	}
	sub := &subscription{eventType: eventType}
	sub.events = &eventQueue{max: c.opts.EventQueue, fn: fn, c: c}
	c.register(sub)
}

// SubscribeEntities registers fn for state changes of entityIDs (empty
// means all entities) through subscribe_entities, decoding HA's compressed
// stream into full states. The first call per entity has Old == nil; after a
// reconnect only entities that changed meanwhile are reported.
func (c *Client) SubscribeEntities(entityIDs []string, fn func(EntityChange)) {
	if fn == nil {
		panic("hass: SubscribeEntities with a nil handler")
	}
	sub := &subscription{
		entityIDs: append([]string(nil), entityIDs...),
		cache:     make(map[string]*State),
	}
	sub.entities = &entityQueue{fn: fn, c: c, pending: make(map[string]*EntityChange)}
	c.register(sub)
}

func (c *Client) register(sub *subscription) {
	c.mu.Lock()
	c.subs = append(c.subs, sub)
	s := c.sess
	c.mu.Unlock()
	if s == nil {
		return // the next session issues it
	}
	s.goIfOpen(func() {
		ctx, cancel := context.WithTimeout(s.ctx, c.opts.HandshakeTimeout)
		defer cancel()
		if err := s.subscribe(ctx, sub); err != nil && s.ctx.Err() == nil {
			c.log.Error().Err(err).Msg("home assistant refused a subscription")
		}
	})
}

// eventQueue is a bounded FIFO drained by a goroutine that exists only while
// there is work, so idle subscriptions cost nothing.
type eventQueue struct {
	c       *Client
	fn      func(Event)
	max     int
	mu      sync.Mutex
	items   []Event
	running bool
}

// push never blocks: it reports false when the queue is full and the event
// was dropped.
func (q *eventQueue) push(ev Event) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) >= q.max {
		return false
	}
	q.items = append(q.items, ev)
	if !q.running {
		q.running = true
		q.c.handlers.Go(q.drain)
	}
	return true
}

func (q *eventQueue) drain() {
	for {
		q.mu.Lock()
		batch := q.items
		q.items = nil
		if len(batch) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		for _, ev := range batch {
			q.c.safely(ev.EventType, func() { q.fn(ev) })
		}
	}
}

// entityQueue coalesces per entity: memory is bounded by the number of
// subscribed entities however fast HA sends.
type entityQueue struct {
	c       *Client
	fn      func(EntityChange)
	mu      sync.Mutex
	pending map[string]*EntityChange
	order   []string
	running bool
}

func (q *entityQueue) push(ch EntityChange) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if p, ok := q.pending[ch.EntityID]; ok {
		p.New = ch.New // keep the Old the handler last saw
		return
	}
	q.pending[ch.EntityID] = &ch
	q.order = append(q.order, ch.EntityID)
	if !q.running {
		q.running = true
		q.c.handlers.Go(q.drain)
	}
}

func (q *entityQueue) drain() {
	for {
		q.mu.Lock()
		if len(q.order) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		batch := make([]EntityChange, 0, len(q.order))
		for _, id := range q.order {
			batch = append(batch, *q.pending[id])
			delete(q.pending, id)
		}
		q.order = q.order[:0]
		q.mu.Unlock()
		for _, ch := range batch {
			if ch.Old == nil && ch.New == nil {
				continue // added and removed before the handler looked
			}
			q.c.safely(ch.EntityID, func() { q.fn(ch) })
		}
	}
}

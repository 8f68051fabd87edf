package hass

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// Observer takes sensor readings (the app's Service, or the sensors
// package's storing ingester in front of it).
type Observer interface {
	Observe(ctx context.Context, readings []app.Reading) error
}

// FeedOptions configure an EntityFeed.
type FeedOptions struct {
	// Entities lists the sensor keys wanted (the app's SensorInterest),
	// read at start and after a reconnect; in between the list comes with
	// the app's sensor_interest_changed events (Publish). Keys that are
	// not HA entity ids (zigbee2mqtt/…, esphome/…) are ignored.
	Entities func(ctx context.Context) ([]string, error)
	Observer Observer
	Logger   zerolog.Logger
	// Queue bounds the readings waiting for the observer (default 256).
	// When it is full the feed waits, so the client's per-entity queue
	// coalesces instead: HA's socket reader never waits on the observer.
	Queue int
}

// EntityFeed keeps a subscribe_entities subscription equal to the entities
// evidence rules read, and hands their state changes to an Observer as
// readings with Source "ha". Nothing is dropped for lack of room: a full
// queue holds up the client's entity queue, which merges changes per
// entity (the observer then sees an entity's latest state with its
// last_changed).
type EntityFeed struct {
	client  *Client
	opts    FeedOptions
	log     zerolog.Logger
	queue   chan app.Reading
	refresh chan struct{}
	done    chan struct{} // closed when Run ends; releases handlers waiting for room

	mu      sync.Mutex
	pending []string // the list a sensor_interest_changed event brought
	hasPend bool
	current []string
	wanted  map[string]bool // current as a set, for handle
	sub     *subscription
	runOnce sync.Once
}

// NewEntityFeed returns a feed that does nothing until Run.
func NewEntityFeed(client *Client, o FeedOptions) *EntityFeed {
	if o.Queue <= 0 {
		o.Queue = 256
	}
	if o.Entities == nil || o.Observer == nil {
		panic("hass: EntityFeed needs Entities and Observer")
	}
	return &EntityFeed{client: client, opts: o, log: o.Logger, queue: make(chan app.Reading, o.Queue),
		refresh: make(chan struct{}, 1), done: make(chan struct{})}
}

// entityID is an HA entity id: <domain>.<object_id>.
var entityID = regexp.MustCompile(`^[a-z0-9_]+\.[a-z0-9_]+$`)

// feedRetry is how soon the feed reads its list again when a read failed.
const feedRetry = 5 * time.Second

// Refresh asks the feed to re-read its entity list soon. It never blocks.
func (f *EntityFeed) Refresh() {
	select {
	case f.refresh <- struct{}{}:
	default:
	}
}

// Publish implements app.EventSink: sensor_interest_changed carries the
// whole list of sensors the app reads now; the subscription follows it
// without reading anything.
func (f *EntityFeed) Publish(_ context.Context, events []domain.Event) {
	for _, ev := range events {
		if ev.Kind == domain.EventSensorInterestChanged && ev.Interest != nil {
			f.mu.Lock()
			f.pending, f.hasPend = slices.Clone(ev.Interest.Sensors), true
			f.mu.Unlock()
			f.Refresh()
		}
	}
}

// Entities is the entity list currently subscribed, sorted.
func (f *EntityFeed) Entities() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.current)
}

// Run keeps the subscription and delivers readings until ctx ends; then it
// unsubscribes and returns once the observer is idle. Run once.
func (f *EntityFeed) Run(ctx context.Context) {
	ran := false
	f.runOnce.Do(func() { ran = true })
	if !ran {
		return
	}
	defer close(f.done)
	f.client.OnConnect(func(context.Context) { f.Refresh() })
	var wg sync.WaitGroup
	wg.Go(func() { f.deliver(ctx) })
	defer wg.Wait()
	var retry <-chan time.Time
	if !f.sync(ctx) {
		retry = time.After(feedRetry)
	}
	for {
		select {
		case <-ctx.Done():
			f.mu.Lock()
			sub := f.sub
			f.sub, f.current, f.wanted = nil, nil, nil
			f.mu.Unlock()
			if sub != nil {
				uctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_ = f.client.unregister(uctx, sub) // the connection may already be gone
				cancel()
			}
			return
		case <-f.refresh:
		case <-retry:
		}
		retry = nil
		if !f.sync(ctx) {
			retry = time.After(feedRetry)
		}
	}
}

// sync makes the subscription match the wanted list (the one an event
// brought, else read): the new one is made before the old one ends, so no
// change falls in between. It reports false when the list could not be read.
func (f *EntityFeed) sync(ctx context.Context) bool {
	f.mu.Lock()
	keys, announced := f.pending, f.hasPend
	f.pending, f.hasPend = nil, false
	f.mu.Unlock()
	if !announced {
		var err error
		if keys, err = f.opts.Entities(ctx); err != nil {
			if ctx.Err() == nil {
				f.log.Warn().Err(err).Msg("evidence entities; keeping the current subscription")
			}
			return false
		}
	}
	want := make([]string, 0, len(keys))
	for _, k := range keys {
		if entityID.MatchString(k) {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)
	f.mu.Lock()
	if slices.Equal(want, f.current) && (f.sub != nil) == (len(want) > 0) {
		f.mu.Unlock()
		return true
	}
	old := f.sub
	f.current, f.sub = want, nil
	f.wanted = make(map[string]bool, len(want))
	for _, k := range want {
		f.wanted[k] = true
	}
	if len(want) > 0 {
		// An empty list would mean every entity: never ask for that.
		f.sub = f.client.subscribeEntities(want, f.handle)
	}
	f.mu.Unlock()
	f.log.Info().Strs("entity_ids", want).Msg("evidence entities subscribed")
	if old != nil {
		if err := f.client.unregister(ctx, old); err != nil && ctx.Err() == nil {
			f.log.Debug().Err(err).Msg("unsubscribe old evidence entities")
		}
	}
	return true
}

// handle runs on the client's entity-queue goroutine, never on the reader.
func (f *EntityFeed) handle(ch EntityChange) {
	f.mu.Lock()
	wanted := f.wanted[ch.EntityID]
	f.mu.Unlock()
	if !wanted {
		return // from a subscription being replaced
	}
	r := app.Reading{Source: "ha", Sensor: ch.EntityID, State: StateUnavailable, At: time.Now()}
	if ch.New != nil {
		r.State, r.At = ch.New.State, ch.New.LastChanged
		if r.At.IsZero() {
			r.At = ch.New.LastUpdated
		}
	}
	select {
	case f.queue <- r:
	case <-f.done:
	}
}

// deliver hands queued readings to the observer in batches. A failed batch
// is retried a few times (Observe is idempotent), then logged and left.
func (f *EntityFeed) deliver(ctx context.Context) {
	for {
		var batch []app.Reading
		select {
		case <-ctx.Done():
			return
		case r := <-f.queue:
			batch = append(batch, r)
		}
	more:
		for len(batch) < cap(f.queue) {
			select {
			case r := <-f.queue:
				batch = append(batch, r)
			default:
				break more
			}
		}
		f.observe(ctx, batch)
	}
}

func (f *EntityFeed) observe(ctx context.Context, batch []app.Reading) {
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := f.opts.Observer.Observe(ctx, batch)
		var v *domain.ValidationError
		if errors.As(err, &v) {
			return struct{}{}, backoff.Permanent(err) // the same batch fails the same way
		}
		return struct{}{}, err
	}, backoff.WithBackOff(&backoff.ExponentialBackOff{InitialInterval: 500 * time.Millisecond, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: 8 * time.Second}),
		backoff.WithMaxTries(5), backoff.WithMaxElapsedTime(0))
	if err != nil && ctx.Err() == nil {
		f.log.Error().Err(err).Int("readings", len(batch)).Msg("evidence readings not observed")
	}
}

// subscribeEntities is SubscribeEntities returning the registration, so it
// can end.
func (c *Client) subscribeEntities(entityIDs []string, fn func(EntityChange)) *subscription {
	sub := &subscription{entityIDs: slices.Clone(entityIDs), cache: make(map[string]*State)}
	sub.entities = &entityQueue{fn: fn, c: c, pending: make(map[string]*EntityChange)}
	c.register(sub)
	return sub
}

// unregister ends a subscription: it is no longer re-issued after a
// reconnect, and on the live connection HA is told to stop sending it.
func (c *Client) unregister(ctx context.Context, sub *subscription) error {
	c.mu.Lock()
	c.subs = slices.DeleteFunc(c.subs, func(s *subscription) bool { return s == sub })
	s := c.sess
	c.mu.Unlock()
	if s == nil {
		return nil
	}
	var id int64
	s.mu.Lock()
	for k, b := range s.bindings {
		if b.sub == sub {
			id = k
			delete(s.bindings, k)
		}
	}
	s.mu.Unlock()
	if id == 0 {
		return nil
	}
	_, err := s.request(ctx, "unsubscribe_events", map[string]any{"subscription": id})
	return err
}

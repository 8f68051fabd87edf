package sensors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/rs/zerolog"
)

// Ingester defaults.
const (
	DefaultQueueSize   = 100_000
	DefaultBatchSize   = 10_000
	DefaultMinInterval = 100 * time.Millisecond
	DefaultMinBackoff  = 100 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
)

// ErrQueueFull is returned by Observe when the ingester's queue has no room.
var ErrQueueFull = errors.New("sensors: ingest queue full")

// IngesterOptions configure an Ingester. Store is required.
type IngesterOptions struct {
	Store Store
	// Observer, when set, hears of each batch's readings, in the order
	// they were added, while the batch is written: what a reading
	// completes does not wait for the reading to be stored (the rules keep
	// their own state, and a check-in they make is kept once per rule and
	// day however often a reading comes). A lone reading (a button, a
	// door) is observed first and written after: on a small machine its
	// write, run beside the rules, only slows them. A batch holding an
	// MQTT message sent again (DUP) is observed after its commit instead,
	// without the readings the store recognised as stored before; so is a
	// batch whose early observation failed, with the readings it stored.
	Observer Observer
	Logger   zerolog.Logger
	// QueueSize bounds the readings waiting to be written; Add refuses a
	// message that does not fit whole. Default 100,000: a minute of a very
	// busy house, or a long database outage of a quiet one.
	QueueSize int
	// BatchSize bounds the rows of one write. Default 10,000.
	BatchSize int
	// MinInterval spaces writes while readings keep coming: when the last
	// batch or the queue holds more than one reading, the next write waits
	// until MinInterval has passed since the last one, so a burst becomes a
	// few large batches instead of many small ones; a lone reading after a
	// quiet spell or after another lone reading is written at once. It is
	// capped at one second. Default 100 ms.
	MinInterval time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts to write a
	// batch the database refused. Defaults 100 ms and 30 s.
	MinBackoff, MaxBackoff time.Duration
}

// IngesterStats are counters for metrics.
type IngesterStats struct {
	QueueDepth    int    // readings waiting to be written
	QueueCapacity int    // IngesterOptions.QueueSize
	Received      uint64 // readings accepted by Add
	Dropped       uint64 // readings refused because the queue was full
	Stored        uint64 // readings stored (they changed their sensor's state)
	Unchanged     uint64 // readings written but not stored: the state they repeat is stored already
	Redelivered   uint64 // MQTT messages the store recognised as sent again after being stored
	Batches       uint64 // committed writes
	WriteErrors   uint64 // failed write attempts (each is retried)
	ObserveErrors uint64 // batches the Observer did not take, after the commit either (not retried again: the readings are stored)
}

// Ingester writes readings to the Store in batches. Add never blocks: it
// appends to a bounded queue that one goroutine writes out. A write that
// fails is retried with backoff, the batch kept, until it succeeds or the
// ingester stops; meanwhile the queue fills and, once full, refuses new
// readings (counted in Dropped).
type Ingester struct {
	o   IngesterOptions
	log zerolog.Logger

	mu     sync.Mutex
	buf    []Reading
	closed bool // Stop was called: nothing more is accepted
	wake   chan struct{}
	// queued and written count readings ever queued and committed; acks
	// wait for written to reach their mark (AddAcked).
	queued, written uint64
	acks            []pendingAck
	// dels are the MQTT deliveries of queued readings, in queue order.
	dels []queuedDelivery

	received, dropped, stored, unchanged, redelivered, batches, writeErrs, observeErrs atomic.Uint64

	life      sync.Mutex
	started   bool
	stopped   bool
	stopping  chan struct{}
	done      chan struct{}
	cancelRun context.CancelFunc
}

var _ Observer = (*Ingester)(nil)

// AckFlush is how many acknowledgements may wait for a batch before it is
// written without lingering.
const AckFlush = 10

type pendingAck struct {
	upTo uint64
	ack  func()
}

// queuedDelivery places a delivery's readings in the queue's numbering:
// the from-th to the (to-1)-th reading ever queued, counting from 0.
type queuedDelivery struct {
	from, to uint64
	d        Delivery
}

// ackWaiting is the number of acknowledgements waiting for a write.
func (i *Ingester) ackWaiting() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return len(i.acks)
}

// committed records that n more readings are stored and acknowledges the
// messages whose readings all are.
func (i *Ingester) committed(n int) {
	i.mu.Lock()
	i.written += uint64(n)
	d := 0
	for d < len(i.dels) && i.dels[d].to <= i.written {
		d++
	}
	i.dels = append(i.dels[:0], i.dels[d:]...)
	k := 0
	for k < len(i.acks) && i.acks[k].upTo <= i.written {
		k++
	}
	due := append([]pendingAck(nil), i.acks[:k]...)
	i.acks = append(i.acks[:0], i.acks[k:]...)
	i.mu.Unlock()
	for _, a := range due {
		a.ack()
	}
}

// NewIngester checks o and returns an ingester that is not yet running;
// Add works before Start (readings wait in the queue).
func NewIngester(o IngesterOptions) (*Ingester, error) {
	if o.Store == nil {
		return nil, errors.New("sensors ingester: a Store is required")
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.MinInterval <= 0 {
		o.MinInterval = DefaultMinInterval
	}
	o.MinInterval = min(o.MinInterval, time.Second)
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	return &Ingester{
		o:        o,
		log:      o.Logger,
		wake:     make(chan struct{}, 1),
		stopping: make(chan struct{}),
		done:     make(chan struct{}),
	}, nil
}

// Add queues readings for writing and reports whether they fit; it never
// blocks. The readings of one call are queued whole or not at all. After
// Stop nothing fits.
func (i *Ingester) Add(readings ...Reading) bool { return i.AddAcked(nil, readings...) }

// AddAcked is Add that calls ack (when not nil) once every one of readings
// is committed, so an MQTT message is acknowledged to the broker only when
// nothing of it can be lost any more. Batches are written in queue order,
// so the readings queued up to a mark are committed once the count of
// written readings reaches it. With acknowledgements waiting, a batch is
// written without lingering once AckFlush of them are pending, well below
// the broker's in-flight window (Mosquitto's default is 20), which would
// otherwise stop the stream until the linger ends.
func (i *Ingester) AddAcked(ack func(), readings ...Reading) bool {
	return i.add(nil, ack, readings)
}

// AddDelivered is AddAcked for the readings of one MQTT message: d (its
// First and N are filled in here) goes to the store with them, in the same
// batch and transaction, so a redelivery of a message already stored is
// recognised and not stored again. The readings of one message are never
// split between batches.
func (i *Ingester) AddDelivered(d Delivery, ack func(), readings ...Reading) bool {
	return i.add(&d, ack, readings)
}

func (i *Ingester) add(d *Delivery, ack func(), readings []Reading) bool {
	if len(readings) == 0 {
		if ack != nil {
			ack()
		}
		return true
	}
	i.mu.Lock()
	if i.closed || len(i.buf)+len(readings) > i.o.QueueSize {
		i.mu.Unlock()
		if n := i.dropped.Add(uint64(len(readings))); n == uint64(len(readings)) || n/1000 != (n-uint64(len(readings)))/1000 {
			i.log.Warn().Uint64("dropped", n).Int("queue", i.o.QueueSize).Msg("sensor readings dropped: ingest queue full")
		}
		return false
	}
	i.buf = append(i.buf, readings...)
	if d != nil {
		i.dels = append(i.dels, queuedDelivery{from: i.queued, to: i.queued + uint64(len(readings)), d: *d})
	}
	i.queued += uint64(len(readings))
	if ack != nil {
		i.acks = append(i.acks, pendingAck{upTo: i.queued, ack: ack})
	}
	i.mu.Unlock()
	i.received.Add(uint64(len(readings)))
	select {
	case i.wake <- struct{}{}:
	default:
	}
	return true
}

// Observe queues readings from another feed (Home Assistant's entities):
// they are stored like any other and then handed to the Observer.
func (i *Ingester) Observe(_ context.Context, readings []Reading) error {
	if !i.Add(readings...) {
		return ErrQueueFull
	}
	return nil
}

// Stats returns the ingester's counters.
func (i *Ingester) Stats() IngesterStats {
	i.mu.Lock()
	depth := len(i.buf)
	i.mu.Unlock()
	return IngesterStats{
		QueueDepth: depth, QueueCapacity: i.o.QueueSize,
		Received: i.received.Load(), Dropped: i.dropped.Load(),
		Stored: i.stored.Load(), Unchanged: i.unchanged.Load(), Redelivered: i.redelivered.Load(), Batches: i.batches.Load(),
		WriteErrors: i.writeErrs.Load(), ObserveErrors: i.observeErrs.Load(),
	}
}

// Start runs the writer until Stop.
func (i *Ingester) Start(ctx context.Context) error {
	i.life.Lock()
	defer i.life.Unlock()
	if i.stopped {
		return errors.New("sensors ingester: stopped")
	}
	if i.started {
		return errors.New("sensors ingester: already started")
	}
	i.started = true
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	i.cancelRun = cancel
	go i.run(runCtx)
	return nil
}

// Stop writes what is queued and stops. When ctx ends first (the database
// is down, say) the writer gives up and the readings still queued are lost;
// their number is logged. Stopping twice, or an ingester never started, is
// fine.
func (i *Ingester) Stop(ctx context.Context) error {
	i.mu.Lock()
	i.closed = true
	i.mu.Unlock()
	i.life.Lock()
	if i.stopped || !i.started {
		i.stopped = true
		i.life.Unlock()
		return nil
	}
	i.stopped = true
	i.life.Unlock()
	close(i.stopping)
	select {
	case <-i.done:
		return nil
	case <-ctx.Done():
	}
	i.cancelRun()
	<-i.done
	i.mu.Lock()
	lost := len(i.buf)
	i.mu.Unlock()
	if lost > 0 {
		return fmt.Errorf("sensors ingester stop: %d readings not written: %w", lost, ctx.Err())
	}
	return nil
}

func (i *Ingester) run(ctx context.Context) {
	defer close(i.done)
	defer i.cancelRun()
	var last time.Time
	lastSize := 0
	stopping := false
	for {
		if i.depth() == 0 {
			if stopping {
				return
			}
			select {
			case <-i.wake:
			case <-i.stopping:
				stopping = true
				continue
			case <-ctx.Done():
				return
			}
		}
		if !stopping && (lastSize > 1 || i.depth() > 1) && lastSize < i.o.BatchSize && i.ackWaiting() < AckFlush {
			// Readings keep coming: wait for the rest of the interval since
			// the last write, or until a full batch is queued, so a stream
			// becomes a few large batches. A lone reading after a lone
			// reading (a door, a button) is written at once, and so is the
			// tail of a backlog (the last batch was full).
			stopping = i.linger(ctx, last.Add(i.o.MinInterval))
			if ctx.Err() != nil {
				return
			}
		}
		batch, dels := i.take()
		if len(batch) == 0 {
			continue
		}
		last, lastSize = time.Now(), len(batch)
		if !i.write(ctx, batch, dels) {
			return
		}
	}
}

// linger waits until deadline or a full batch; true when Stop came first.
func (i *Ingester) linger(ctx context.Context, deadline time.Time) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for i.depth() < i.o.BatchSize && i.ackWaiting() < AckFlush {
		select {
		case <-t.C:
			return false
		case <-i.wake: // more readings: is a batch full?
		case <-i.stopping:
			return true
		case <-ctx.Done():
			return false
		}
	}
	return false
}

func (i *Ingester) depth() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return len(i.buf)
}

// take removes up to BatchSize readings from the head of the queue, more
// when a message's readings would otherwise be split, and returns them
// with the deliveries they came in. The batch is owned by the writer from
// here on: it is written or, when the ingester stops before that, counted
// as lost.
func (i *Ingester) take() ([]Reading, []Delivery) {
	i.mu.Lock()
	defer i.mu.Unlock()
	n := min(len(i.buf), i.o.BatchSize)
	if n == 0 {
		return nil, nil
	}
	// buf[0] is the reading numbered start; deliveries before it are
	// committed and gone from dels.
	start := i.queued - uint64(len(i.buf))
	end := start + uint64(n)
	var dels []Delivery
	for _, q := range i.dels {
		if q.from >= end {
			break
		}
		end = max(end, q.to) // the whole message, or none of it
		d := q.d
		d.First, d.N = int(q.from-start), int(q.to-q.from)
		dels = append(dels, d)
	}
	n = int(end - start)
	batch := make([]Reading, n)
	copy(batch, i.buf)
	rest := copy(i.buf, i.buf[n:])
	clear(i.buf[rest:])
	i.buf = i.buf[:rest]
	if cap(i.buf) > 4*i.o.BatchSize && rest < i.o.BatchSize {
		// Give back the memory of a burst.
		i.buf = append(make([]Reading, 0, i.o.BatchSize), i.buf...)
	}
	return batch, dels
}

// write stores batch, retrying with capped, jittered exponential backoff
// for as long as it takes, while the Observer hears of it; false when ctx
// ended first.
func (i *Ingester) write(ctx context.Context, batch []Reading, dels []Delivery) bool {
	early := i.observeEarly(ctx, batch, dels)
	defer func() {
		if early != nil {
			<-early
		}
	}()
	attempt := 0
	redelivered := 0
	stored, err := backoff.Retry(ctx, func() ([]Reading, error) {
		attempt++
		stored, n, err := i.o.Store.ReadingsInsertDelivered(ctx, batch, dels)
		if err != nil {
			i.writeErrs.Add(1)
		}
		redelivered = n
		return stored, err
	}, backoff.WithBackOff(&backoff.ExponentialBackOff{
		InitialInterval: i.o.MinBackoff, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: i.o.MaxBackoff,
	}), backoff.WithMaxElapsedTime(0), backoff.WithNotify(func(err error, wait time.Duration) {
		i.log.Warn().Err(err).Int("attempt", attempt).Int("readings", len(batch)).Dur("retry_in", wait).Msg("sensor readings not written; retrying")
	}))
	if err != nil {
		i.requeue(batch)
		return false
	}
	i.committed(len(batch))
	i.batches.Add(1)
	if redelivered > 0 {
		i.redelivered.Add(uint64(redelivered))
		i.log.Info().Int("redelivered", redelivered).Msg("mqtt messages sent again after they were stored: not stored twice")
	}
	i.stored.Add(uint64(len(stored)))
	i.unchanged.Add(uint64(len(batch) - len(stored)))
	if attempt > 1 {
		i.log.Info().Int("attempts", attempt).Int("readings", len(batch)).Msg("sensor readings written after retries")
	}
	if early != nil {
		err := <-early
		early = nil
		if err == nil {
			return true
		}
		i.log.Debug().Err(err).Int("readings", len(batch)).Msg("evidence rules did not take the readings while they were written; again after the commit")
	}
	i.observe(ctx, stored)
	return true
}

// observeEarly hands batch to the Observer in the background, a lone
// reading at once, and returns where its outcome comes; nil when the batch
// is observed after its commit (no Observer, or a message in it was sent
// again).
func (i *Ingester) observeEarly(ctx context.Context, batch []Reading, dels []Delivery) chan error {
	if i.o.Observer == nil {
		return nil
	}
	for _, d := range dels {
		if d.Duplicate {
			return nil
		}
	}
	done := make(chan error, 1)
	if len(batch) == 1 {
		// A lone reading first, then its write: run beside the rules'
		// transaction, the write would only share the machine with the
		// press that waits for the rules.
		done <- i.o.Observer.Observe(ctx, batch)
		return done
	}
	go func() { done <- i.o.Observer.Observe(ctx, batch) }()
	return done
}

// requeue puts an unwritten batch back at the head of the queue so Stop
// can count it.
func (i *Ingester) requeue(batch []Reading) {
	i.mu.Lock()
	i.buf = append(batch, i.buf...)
	i.mu.Unlock()
}

func (i *Ingester) observe(ctx context.Context, stored []Reading) {
	if i.o.Observer == nil || len(stored) == 0 {
		return
	}
	if err := i.o.Observer.Observe(ctx, stored); err != nil {
		i.observeErrs.Add(1)
		i.log.Error().Err(err).Int("readings", len(stored)).Msg("evidence rules did not take the stored readings")
	}
}

package sensors

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

var _ app.EventSink = (*Source)(nil)

// Message is a received MQTT message (the same fields as mqtt.Message, so
// main converts one into the other).
type Message struct {
	Topic     string
	Payload   []byte
	Retained  bool
	Duplicate bool   // MQTT's DUP flag: a redelivery
	PacketID  uint16 // kept by a redelivery
	QoS       byte
	// Ack acknowledges the message to the broker; nil when it needs none.
	// The source calls it once the message is safe: its readings
	// committed, or nothing in it to keep.
	Ack func()
}

func (m Message) ack() {
	if m.Ack != nil {
		m.Ack()
	}
}

// MessageHandler handles one message; it must not block.
type MessageHandler = func(ctx context.Context, m Message)

// Subscriber is the MQTT client as far as the source needs it: a
// subscription that is kept, and re-made after every reconnect, on a
// persistent session (so QoS 1 messages that arrive while LifeOps is away
// are delivered when it is back).
type Subscriber interface {
	Subscribe(ctx context.Context, filter string, qos byte, h MessageHandler) error
	Unsubscribe(ctx context.Context, filter string) error
}

// Sink takes parsed readings without blocking (*Ingester is one).
type Sink interface {
	// AddAcked queues readings and calls ack once they are all committed;
	// false (and no call) when they do not fit.
	AddAcked(ack func(), readings ...Reading) bool
	// AddDelivered is AddAcked for the readings of the MQTT message d,
	// stored together with d's key so that a redelivery is recognised.
	AddDelivered(d Delivery, ack func(), readings ...Reading) bool
}

// retryRules is how soon the source asks for the sensors again when the
// first read failed (the database was not there yet).
const retryRules = 5 * time.Second

// SourceOptions configure a Source. Subscriber, Selection and Sink are
// required.
type SourceOptions struct {
	Subscriber Subscriber
	Selection  *Selection
	Sink       Sink
	// Rules lists the sensors LifeOps reads, once at start; later changes
	// come as sensor_interest_changed events (Publish). Nil means the
	// allow-list alone.
	Rules SensorSource
	// Catalog, when set, is told the keys Zigbee2MQTT's devices expose
	// each time its retained bridge/devices arrives (at every connect, and
	// when a device joins, leaves or is renamed).
	Catalog Catalog
	// Z2MBase is Zigbee2MQTT's base topic; empty leaves Zigbee2MQTT out.
	Z2MBase string
	// ESPHome subscribes to the nodes the selection names. There is no
	// wildcard subscription for ESPHome: "+/+/+/state" on a shared broker
	// would deliver every device's every state to LifeOps.
	ESPHome bool
	// ClientID is the MQTT session's client id. With it, each QoS 1
	// message's readings are stored with the message's key (client id,
	// packet id, digest of topic and payload; see app.Delivery), so a
	// message the broker sends again after a crash is stored once. Empty:
	// no keys, and a message committed in the instant before a crash can
	// be stored twice.
	ClientID string
	// ShareGroup, when set, makes the subscriptions that carry readings
	// shared ones ($share/<group>/…): the broker hands each message to
	// one subscriber of the group, so replicas of one household handle
	// each reading once. What is retained and read at start (Zigbee2MQTT's
	// bridge topics and availability, ESPHome's status) stays a plain
	// subscription, since a shared one gets no retained messages.
	ShareGroup string
	Logger     zerolog.Logger
	// Now stamps readings; nil is time.Now.
	Now func() time.Time
}

// SourceStats are counters for metrics.
type SourceStats struct {
	// Malformed counts refused payloads by topic kind and reason.
	Malformed map[Kind]map[Reason]uint64
	// Unselected counts messages of devices nobody selected (not parsed).
	Unselected uint64
	// Dropped counts messages the sink had no room for.
	Dropped uint64
}

// Source subscribes to Zigbee2MQTT and ESPHome topics, parses the messages
// of selected devices and hands their readings to the sink. Handlers run on
// the MQTT client's worker and never block: parsing is bounded by the
// payload limits and the sink's Add does not wait.
type Source struct {
	o   SourceOptions
	log zerolog.Logger
	z2m *Z2M

	statsMu    sync.Mutex
	malformed  map[Kind]map[Reason]uint64
	unselected uint64
	dropped    uint64

	subMu sync.Mutex
	nodes []string // ESPHome nodes subscribed

	refresh   chan struct{}
	listed    chan struct{} // bridge/devices was read: tell the catalog
	pendMu    sync.Mutex
	pending   []string // the list a sensor_interest_changed event brought, not applied yet
	hasPend   bool
	loaded    bool // the rules' sensors were read at least once (loop only)
	life      sync.Mutex
	started   bool
	stopped   bool
	cancelRun context.CancelFunc
	wg        sync.WaitGroup
}

// NewSource checks o and returns a source that is not yet subscribed.
func NewSource(o SourceOptions) (*Source, error) {
	var problems []error
	if o.Subscriber == nil {
		problems = append(problems, errors.New("a Subscriber is required"))
	}
	if o.Selection == nil {
		problems = append(problems, errors.New("a Selection is required"))
	}
	if o.Sink == nil {
		problems = append(problems, errors.New("a Sink is required"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("sensors source: %w", err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Source{o: o, log: o.Logger, malformed: map[Kind]map[Reason]uint64{}, refresh: make(chan struct{}, 1), listed: make(chan struct{}, 1)}
	if o.Z2MBase != "" {
		s.z2m = NewZ2M(o.Z2MBase)
	}
	return s, nil
}

// Z2M is the source's Zigbee2MQTT parser (nil when Zigbee2MQTT is off).
func (s *Source) Z2M() *Z2M { return s.z2m }

// Start reads the sensors LifeOps reads once, subscribes, and keeps the
// selection equal to what sensor_interest_changed events announce until
// Stop. A broker that is not connected yet is fine: the client
// makes the subscriptions when it connects.
func (s *Source) Start(ctx context.Context) error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.started || s.stopped {
		return errors.New("sensors source: start called twice or after stop")
	}
	s.started = true
	if err := s.loadRules(ctx); err != nil {
		// The allow-list works without the rules; the loop retries.
		s.log.Warn().Err(err).Msg("evidence rule sensors not read yet")
	} else {
		s.loaded = true
	}
	if s.z2m != nil {
		filters := []string{s.z2m.Base() + "/#"}
		if s.o.ShareGroup != "" {
			base := s.z2m.Base()
			filters = []string{s.shared(base + "/#"), base + "/bridge/#", base + "/+/availability"}
		}
		for _, filter := range filters {
			if err := s.o.Subscriber.Subscribe(ctx, filter, 1, s.handleZ2M); err != nil {
				s.log.Warn().Err(err).Str("topic", filter).Msg("subscribe failed; retried on the next connect")
			}
		}
	}
	s.syncNodes(ctx)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancelRun = cancel
	s.wg.Go(func() { s.loop(runCtx) })
	return nil
}

// Stop ends the refresh loop. Subscriptions end with the MQTT client.
func (s *Source) Stop(context.Context) error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.stopped || !s.started {
		s.stopped = true
		return nil
	}
	s.stopped = true
	s.cancelRun()
	s.wg.Wait()
	return nil
}

// Refresh asks for the sensors to be read again soon; it never blocks.
func (s *Source) Refresh() {
	select {
	case s.refresh <- struct{}{}:
	default:
	}
}

// Publish implements app.EventSink: sensor_interest_changed carries the
// whole list of sensors LifeOps reads now, which the selection takes
// without reading anything (on the loop, since subscribing may wait).
func (s *Source) Publish(_ context.Context, events []domain.Event) {
	for _, ev := range events {
		if ev.Kind == domain.EventSensorInterestChanged && ev.Interest != nil {
			s.pendMu.Lock()
			s.pending, s.hasPend = slices.Clone(ev.Interest.Sensors), true
			s.pendMu.Unlock()
			s.Refresh()
		}
	}
}

func (s *Source) loop(ctx context.Context) {
	var retry <-chan time.Time
	if !s.loaded && s.o.Rules != nil {
		retry = time.After(retryRules)
	}
	var relist <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-retry:
			retry = nil
		case <-s.refresh:
		case <-s.listed:
			relist = s.listSensors(ctx)
			continue
		case <-relist:
			relist = s.listSensors(ctx)
			continue
		}
		s.pendMu.Lock()
		keys, announced := s.pending, s.hasPend
		s.pending, s.hasPend = nil, false
		s.pendMu.Unlock()
		switch {
		case announced:
			s.o.Selection.SetRuleSensors(keys)
			s.loaded = true
		default:
			// Asked without an announcement (Refresh), or the first read
			// failed: read the list.
			if err := s.loadRules(ctx); err != nil {
				s.log.Warn().Err(err).Msg("evidence rule sensors not refreshed")
				if !s.loaded {
					retry = time.After(retryRules)
				}
				continue
			}
			s.loaded = true
		}
		s.syncNodes(ctx)
	}
}

// listSensors tells the catalog what the devices learnt last expose. The
// parser holds the latest list, so a failure is retried with whatever is
// latest then; it returns when to try again (nil: done).
func (s *Source) listSensors(ctx context.Context) <-chan time.Time {
	if s.o.Catalog == nil || s.z2m == nil {
		return nil
	}
	entries, ok := s.z2m.Catalog()
	if !ok {
		return nil
	}
	res, err := s.o.Catalog.ListSensors(ctx, SourceZigbee2MQTT, entries)
	if err != nil {
		s.log.Warn().Err(err).Msg("zigbee2mqtt properties not listed; retrying")
		return time.After(retryRules)
	}
	s.log.Debug().Int("sensors", len(entries)).Int("added", res.Added).Int("changed", res.Changed).
		Int("removed", res.Removed).Msg("zigbee2mqtt properties listed")
	return nil
}

func (s *Source) loadRules(ctx context.Context) error {
	if s.o.Rules == nil {
		return nil
	}
	keys, err := s.o.Rules.SensorInterest(ctx)
	if err != nil {
		return fmt.Errorf("sensor interest: %w", err)
	}
	s.o.Selection.SetRuleSensors(keys)
	return nil
}

// syncNodes subscribes to the ESPHome nodes the selection names now and
// unsubscribes from the ones it no longer does.
func (s *Source) syncNodes(ctx context.Context) {
	if !s.o.ESPHome {
		return
	}
	s.subMu.Lock()
	defer s.subMu.Unlock()
	want := s.o.Selection.Nodes()
	for _, n := range s.nodes {
		if !slices.Contains(want, n) {
			for _, f := range s.esphomeFilters(n) {
				if err := s.o.Subscriber.Unsubscribe(ctx, f); err != nil {
					s.log.Warn().Err(err).Str("topic", f).Msg("unsubscribe failed")
				}
			}
		}
	}
	for _, n := range want {
		if !slices.Contains(s.nodes, n) {
			for _, f := range s.esphomeFilters(n) {
				if err := s.o.Subscriber.Subscribe(ctx, f, 1, s.handleESPHome); err != nil {
					s.log.Warn().Err(err).Str("topic", f).Msg("subscribe failed; retried on the next connect")
				}
			}
		}
	}
	s.nodes = want
}

func (s *Source) esphomeFilters(node string) []string {
	return []string{node + "/status", s.shared(node + "/+/+/state")}
}

// shared is filter as a shared subscription of ShareGroup (filter itself
// without one).
func (s *Source) shared(filter string) string {
	if s.o.ShareGroup == "" {
		return filter
	}
	return "$share/" + s.o.ShareGroup + "/" + filter
}

// Stats returns the source's counters.
func (s *Source) Stats() SourceStats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	m := make(map[Kind]map[Reason]uint64, len(s.malformed))
	for k, rs := range s.malformed {
		m[k] = make(map[Reason]uint64, len(rs))
		for r, n := range rs {
			m[k][r] = n
		}
	}
	return SourceStats{Malformed: m, Unselected: s.unselected, Dropped: s.dropped}
}

// delivery is m's key, when it has one: a QoS 1 or 2 message on a session
// with a client id. Whether it was stored before is decided by the store,
// in the transaction that would store it again: a process that died after
// that commit and before the PUBACK left remembers nothing of it.
func (s *Source) delivery(m Message) (Delivery, bool) {
	if m.QoS == 0 || m.PacketID == 0 || s.o.ClientID == "" {
		return Delivery{}, false
	}
	h := fnv.New64a()
	h.Write([]byte(m.Topic))
	h.Write([]byte{0})
	h.Write(m.Payload)
	return Delivery{ClientID: s.o.ClientID, PacketID: m.PacketID, Digest: int64(h.Sum64()), Duplicate: m.Duplicate}, true
}

// handleZ2M and handleESPHome acknowledge a message at once when there is
// nothing in it to keep, else when the ingester has committed its readings
// (emit).
func (s *Source) handleZ2M(_ context.Context, m Message) {
	topic, payload := m.Topic, m.Payload
	t, ok := s.z2m.Classify(topic)
	if !ok || t.Kind == KindIgnored {
		m.ack()
		return
	}
	if t.Kind != KindZ2MDevices && !s.o.Selection.Device(SourceZigbee2MQTT, t.Device) {
		s.count(func() { s.unselected++ })
		m.ack()
		return
	}
	readings, err := s.z2m.Decode(t, payload, s.o.Now())
	if err != nil {
		s.refused(topic, err)
		m.ack()
		return
	}
	if t.Kind == KindZ2MDevices {
		s.log.Info().Int("devices", len(s.z2m.Devices())).Msg("zigbee2mqtt devices learnt")
		select {
		case s.listed <- struct{}{}:
		default: // one is pending; it reads the latest list
		}
		m.ack()
		return
	}
	s.emit(SourceZigbee2MQTT, t.Device, readings, m)
}

func (s *Source) handleESPHome(_ context.Context, m Message) {
	topic, payload := m.Topic, m.Payload
	t, ok := ClassifyESPHome(topic)
	if !ok {
		m.ack()
		return
	}
	if !s.o.Selection.Device(SourceESPHome, t.Node) {
		s.count(func() { s.unselected++ })
		m.ack()
		return
	}
	readings, err := DecodeESPHome(t, payload, s.o.Now())
	if err != nil {
		s.refused(topic, err)
		m.ack()
		return
	}
	s.emit(SourceESPHome, t.Node, readings, m)
}

func (s *Source) emit(source, device string, readings []Reading, m Message) {
	keep := readings[:0]
	for _, r := range readings {
		if s.o.Selection.Sensor(source, device, r.Sensor) {
			keep = append(keep, r)
		}
	}
	if len(keep) == 0 {
		m.ack()
		return
	}
	var added bool
	if d, ok := s.delivery(m); ok {
		added = s.o.Sink.AddDelivered(d, m.Ack, keep...)
	} else {
		added = s.o.Sink.AddAcked(m.Ack, keep...)
	}
	if !added {
		// Lost either way: held, it would block the broker's in-flight
		// window for the whole session.
		m.ack()
		s.count(func() { s.dropped++ })
	}
}

func (s *Source) refused(topic string, err error) {
	var me *MalformedError
	if !errors.As(err, &me) {
		me = &MalformedError{Kind: KindIgnored, Reason: ReasonWrongType, Detail: err.Error()}
	}
	var n uint64
	s.count(func() {
		if s.malformed[me.Kind] == nil {
			s.malformed[me.Kind] = map[Reason]uint64{}
		}
		s.malformed[me.Kind][me.Reason]++
		n = s.malformed[me.Kind][me.Reason]
	})
	// A device that sends garbage sends it again and again: log the first
	// few of each kind and reason, then every hundredth.
	if n <= 10 || n%100 == 0 {
		s.log.Warn().Str("topic", topic).Str("kind", string(me.Kind)).Str("reason", string(me.Reason)).
			Str("detail", me.Detail).Uint64("count", n).Msg("malformed sensor payload refused")
	}
}

func (s *Source) count(f func()) {
	s.statsMu.Lock()
	f()
	s.statsMu.Unlock()
}

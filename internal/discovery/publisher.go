package discovery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Transport is what the Publisher needs from an MQTT client. *mqtt.Client
// satisfies it; subscriptions must survive reconnects (the client re-makes
// them), and handlers must not run on the network callback.
type Transport interface {
	Publish(ctx context.Context, topic string, qos byte, retain bool, payload []byte) error
	Subscribe(ctx context.Context, filter string, qos byte, h func(ctx context.Context, topic string, payload []byte, retained bool)) error
	Unsubscribe(ctx context.Context, filter string) error
}

// Defaults for zero-valued PublisherOptions fields.
const (
	DefaultMaxJitter      = 2 * time.Second
	DefaultCleanupWindow  = time.Second
	DefaultPublishTimeout = 30 * time.Second
)

// PublisherOptions configures a Publisher. Transport is required.
type PublisherOptions struct {
	Transport Transport
	Logger    zerolog.Logger
	// Jitter is the pause before re-announcing after HA's birth message, so a
	// restarting HA is not hit by every publisher at once. Default: uniform
	// in [0, 2 s).
	Jitter func() time.Duration
	// CleanupWindow is how long Start collects retained configs left by an
	// earlier run. Default 1 s.
	CleanupWindow time.Duration
	// PublishTimeout bounds one background re-announce. Default 30 s.
	PublishTimeout time.Duration
}

// Publisher keeps HA's view of LifeOps current: it announces the discovery
// configs and states, re-announces them when HA's MQTT integration restarts
// (birth `online` on <prefix>/status) and when LifeOps reconnects (wire
// Reannounce to the MQTT client's OnConnect), removes what disappeared, and
// at start-up clears configs an earlier run left behind.
type Publisher struct {
	t      Transport
	log    zerolog.Logger
	jitter func() time.Duration
	window time.Duration
	budget time.Duration

	birth   chan struct{} // capacity 1: births coalesce
	connect chan struct{} // capacity 1: connects coalesce

	mu        sync.Mutex // held while publishing, so batches never interleave
	current   Household  // what should be announced
	announced *Household // what HA last got in full; nil before the first success
	states    []Message  // last states, re-sent after a re-announce
	// sent is the payload the broker last took for each state topic, so a
	// sync publishes only what changed; nil means "send everything".
	sent map[string]string
	// patches counts PatchStates calls; patched is the count at each
	// topic's last patch, so a read older than a patch does not undo it.
	patches uint64
	patched map[string]uint64
	started bool
	stopped bool
	runCtx  context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// NewPublisher returns a Publisher; nothing is sent before Start.
func NewPublisher(opts PublisherOptions) (*Publisher, error) {
	if opts.Transport == nil {
		return nil, errors.New("discovery publisher: transport must not be nil")
	}
	if opts.Jitter == nil {
		opts.Jitter = func() time.Duration { return rand.N(DefaultMaxJitter) }
	}
	if opts.CleanupWindow <= 0 {
		opts.CleanupWindow = DefaultCleanupWindow
	}
	if opts.PublishTimeout <= 0 {
		opts.PublishTimeout = DefaultPublishTimeout
	}
	return &Publisher{
		t:       opts.Transport,
		log:     opts.Logger.With().Str("component", "discovery").Logger(),
		jitter:  opts.Jitter,
		window:  opts.CleanupWindow,
		budget:  opts.PublishTimeout,
		birth:   make(chan struct{}, 1),
		connect: make(chan struct{}, 1),
	}, nil
}

// Start subscribes to HA's birth topic, clears stale LifeOps configs (those
// retained on the broker that h no longer has; this takes CleanupWindow),
// announces h and starts the re-announce loop. A broker that is down is not
// an error: announcing happens again on every connect. Start fails on an
// invalid household or when ctx ends.
func (p *Publisher) Start(ctx context.Context, h Household) error {
	if err := h.Validate(); err != nil {
		return err
	}
	p.mu.Lock()
	if p.started || p.stopped {
		p.mu.Unlock()
		return errors.New("discovery publisher: already started")
	}
	p.started = true
	p.current = h
	p.runCtx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.mu.Unlock()

	if err := p.t.Subscribe(ctx, BirthTopic(h.Prefix), 1, p.onBirth); err != nil {
		p.log.Warn().Err(err).Str("topic", BirthTopic(h.Prefix)).Msg("subscribe to HA birth failed; retried on reconnect")
	}
	if err := p.cleanup(ctx, h); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("discovery start: %w", err)
		}
		p.log.Warn().Err(err).Msg("stale config cleanup incomplete")
	}
	if err := p.announce(ctx); err != nil {
		p.log.Warn().Err(err).Msg("announce failed; retried on reconnect")
	}
	p.wg.Add(1)
	go p.loop()
	return nil
}

// Stop ends the re-announce loop and waits for it until ctx ends. It does not
// remove anything from HA: entities become unavailable through LifeOps'
// availability topic. Stopping twice is fine.
func (p *Publisher) Stop(ctx context.Context) error {
	p.mu.Lock()
	if p.stopped || !p.started {
		p.stopped = true
		p.mu.Unlock()
		return nil
	}
	p.stopped = true
	p.mu.Unlock()
	p.cancel()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("discovery publisher stop: %w", ctx.Err())
	}
}

// Update announces a changed household: first the removals HA needs for what
// is gone, then the new configs and every state. A household HA already has
// is not sent again. If publishing fails the change is announced on the next
// connect or HA birth.
func (p *Publisher) Update(ctx context.Context, h Household) error {
	if err := h.Validate(); err != nil {
		return err
	}
	p.mu.Lock()
	p.current = h
	same := p.announced != nil && reflect.DeepEqual(*p.announced, h)
	p.mu.Unlock()
	if same {
		return nil
	}
	return p.announce(ctx)
}

// SetStates publishes the current states (retained) and remembers them for
// re-announces. Topics the previous states had and s has not (a removed
// habit) are cleared so the broker does not keep replaying them.
func (p *Publisher) SetStates(ctx context.Context, s Snapshot) error {
	return p.SetStatesReadAt(ctx, s, p.PatchMark())
}

// PatchMark is the point, among PatchStates calls, that a read starting now
// is at; hand it to SetStatesReadAt with what the read found.
func (p *Publisher) PatchMark() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.patches
}

// SetStatesReadAt is SetStates for a snapshot whose read began at mark: a
// topic patched since then keeps its patch, which is newer than the read
// (whoever patched it has asked for another read).
func (p *Publisher) SetStatesReadAt(ctx context.Context, s Snapshot, mark uint64) error {
	msgs, err := States(s)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, m := range msgs {
		if p.patched[m.Topic] > mark {
			if j := slices.IndexFunc(p.states, func(s Message) bool { return s.Topic == m.Topic }); j >= 0 {
				msgs[i] = p.states[j]
			}
		}
	}
	keep := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		keep[m.Topic] = true
	}
	var out []Message
	for _, m := range p.states {
		if !keep[m.Topic] {
			out = append(out, ClearMessage(m.Topic))
			delete(p.patched, m.Topic)
		}
	}
	for _, m := range msgs {
		if prev, ok := p.sent[m.Topic]; !ok || prev != string(m.Payload) {
			out = append(out, m)
		}
	}
	p.states = msgs
	return p.publishStates(ctx, out)
}

// PatchStates publishes a few states ahead of the next SetStates, when an
// event already says what they became (a streak grew): people see the
// change without waiting for a full read. Only topics the last SetStates
// had are patched, so a patch cannot bring back a removed entity; a patch
// that repeats what the broker has is not sent. The next SetStates, read
// after the change, is the judge: it sends whatever still differs.
func (p *Publisher) PatchStates(ctx context.Context, msgs []Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.patches++
	if p.patched == nil {
		p.patched = map[string]uint64{}
	}
	var out []Message
	for _, m := range msgs {
		i := slices.IndexFunc(p.states, func(s Message) bool { return s.Topic == m.Topic })
		if i < 0 {
			continue
		}
		p.states[i] = m
		p.patched[m.Topic] = p.patches
		if prev, ok := p.sent[m.Topic]; !ok || prev != string(m.Payload) {
			out = append(out, m)
		}
	}
	return p.publishStates(ctx, out)
}

// publishStates sends state messages and remembers what the broker took;
// after a failure everything is sent again next time. p.mu is held.
func (p *Publisher) publishStates(ctx context.Context, msgs []Message) error {
	if err := p.publishAll(ctx, msgs); err != nil {
		p.sent = nil
		return err
	}
	if p.sent == nil {
		p.sent = make(map[string]string, len(msgs))
	}
	for _, m := range msgs {
		if len(m.Payload) == 0 {
			delete(p.sent, m.Topic)
		} else {
			p.sent[m.Topic] = string(m.Payload)
		}
	}
	return nil
}

// PublishEvent fires e on the person's event entity.
func (p *Publisher) PublishEvent(ctx context.Context, personID int64, e Event) error {
	p.mu.Lock()
	base := p.current.BaseTopic
	p.mu.Unlock()
	m, err := EventMessage(base, personID, e)
	if err != nil {
		return err
	}
	if err := p.t.Publish(ctx, m.Topic, 1, m.Retain, m.Payload); err != nil {
		return fmt.Errorf("person %d event %s: %w", personID, e.Type, err)
	}
	return nil
}

// Reannounce asks for configs and states to be published again without
// jitter; it never blocks. Register it with the MQTT client's OnConnect.
func (p *Publisher) Reannounce() {
	select {
	case p.connect <- struct{}{}:
	default:
	}
}

func (p *Publisher) onBirth(_ context.Context, _ string, payload []byte, _ bool) {
	if strings.TrimSpace(string(payload)) != HABirthOnline {
		return
	}
	select {
	case p.birth <- struct{}{}:
	default:
	}
}

func (p *Publisher) loop() {
	defer p.wg.Done()
	for {
		var why string
		select {
		case <-p.runCtx.Done():
			return
		case <-p.connect:
			why = "mqtt connect"
		case <-p.birth:
			why = "home assistant birth"
			d := p.jitter()
			select {
			case <-p.runCtx.Done():
				return
			case <-time.After(d):
			}
		}
		ctx, cancel := context.WithTimeout(p.runCtx, p.budget)
		err := p.announce(ctx)
		cancel()
		if err != nil {
			p.log.Warn().Err(err).Str("reason", why).Msg("re-announce failed")
			continue
		}
		p.log.Debug().Str("reason", why).Msg("re-announced discovery and states")
	}
}

// announce publishes the removals from what HA last got, the configs, then
// the states.
func (p *Publisher) announce(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var msgs []Message
	if p.announced != nil {
		msgs = Removals(*p.announced, p.current)
	}
	msgs = append(msgs, Configs(p.current)...)
	if err := p.publishAll(ctx, msgs); err != nil {
		return err
	}
	h := p.current
	p.announced = &h
	// A re-announce follows a reconnect or HA's restart: send every state.
	p.sent = nil
	return p.publishStates(ctx, p.states)
}

// publishAll sends msgs in order and stops at the first failure: a later
// message may depend on an earlier one (a removal before its config).
func (p *Publisher) publishAll(ctx context.Context, msgs []Message) error {
	for _, m := range msgs {
		if err := p.t.Publish(ctx, m.Topic, 1, m.Retain, m.Payload); err != nil {
			return fmt.Errorf("discovery publish: %w", err)
		}
	}
	return nil
}

// cleanup collects the retained device configs on the broker for
// CleanupWindow and clears the LifeOps ones that h does not produce.
func (p *Publisher) cleanup(ctx context.Context, h Household) error {
	var (
		mu    sync.Mutex
		found []string
	)
	status := StatusTopic(h.BaseTopic)
	collect := func(_ context.Context, topic string, payload []byte, retained bool) {
		if retained && len(payload) > 0 && isOurs(topic, payload, status) {
			mu.Lock()
			found = append(found, topic)
			mu.Unlock()
		}
	}
	filter := DeviceConfigFilter(h.Prefix)
	if err := p.t.Subscribe(ctx, filter, 1, collect); err != nil {
		return fmt.Errorf("subscribe %s: %w", filter, err)
	}
	timer := time.NewTimer(p.window)
	select {
	case <-timer.C:
	case <-ctx.Done():
		timer.Stop()
	}
	// Unsubscribe even when ctx ended, or the handler keeps seeing our own configs.
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := p.t.Unsubscribe(uctx, filter); err != nil {
		p.log.Warn().Err(err).Str("topic", filter).Msg("unsubscribe after cleanup failed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	want := map[string]bool{}
	for _, m := range Configs(h) {
		want[m.Topic] = true
	}
	mu.Lock()
	stale := append([]string(nil), found...)
	mu.Unlock()
	var msgs []Message
	seen := map[string]bool{}
	for _, topic := range stale {
		if !want[topic] && !seen[topic] {
			seen[topic] = true
			msgs = append(msgs, ClearMessage(topic))
			p.log.Info().Str("topic", topic).Msg("clearing stale discovery config")
		}
	}
	return p.publishAll(ctx, msgs)
}

// isOurs recognises a config an earlier LifeOps run published for this
// installation: a lifeops_ object id, origin LifeOps, and our availability
// topic (so two installations sharing a broker leave each other alone).
// Abbreviated keys are accepted in case an older version used them.
func isOurs(topic string, payload []byte, status string) bool {
	parts := strings.Split(topic, "/")
	if len(parts) < 3 || !strings.HasPrefix(parts[len(parts)-2], "lifeops_") {
		return false
	}
	var cfg struct {
		Origin *struct {
			Name string `json:"name"`
		} `json:"origin"`
		O *struct {
			Name string `json:"name"`
		} `json:"o"`
		AvailabilityTopic string `json:"availability_topic"`
		AvtyT             string `json:"avty_t"`
	}
	if err := json.NewDecoder(bytes.NewReader(payload)).Decode(&cfg); err != nil {
		return false
	}
	name := ""
	switch {
	case cfg.Origin != nil:
		name = cfg.Origin.Name
	case cfg.O != nil:
		name = cfg.O.Name
	}
	avty := cfg.AvailabilityTopic
	if avty == "" {
		avty = cfg.AvtyT
	}
	return name == originName && avty == status
}

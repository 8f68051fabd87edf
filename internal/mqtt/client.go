// Package mqtt wraps the Eclipse Paho client with the behaviour LifeOps relies
// on and Paho leaves to its users: an availability topic with a last will and a
// birth message on every connect, subscriptions that the wrapper owns and
// re-makes after every reconnect, message handlers that run on a worker the
// client owns (never on Paho's callback), publishes that are bounded in flight
// and fail honestly when the connection is not there, and a status for
// readiness checks.
//
// It knows nothing of Home Assistant; the discovery package builds on it.
package mqtt

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"
)

// Availability payloads published at <BaseTopic>/status.
const (
	PayloadOnline  = "online"
	PayloadOffline = "offline"
)

// Defaults for zero-valued Options fields.
const (
	DefaultQueueSize            = 1024
	DefaultMaxInFlight          = 64
	DefaultKeepAlive            = 30 * time.Second
	DefaultConnectTimeout       = 10 * time.Second
	DefaultMaxReconnectInterval = 30 * time.Second
)

// Errors returned by the client. Match them with errors.Is.
var (
	// ErrNotConnected means there is no open connection to the broker right now.
	ErrNotConnected = errors.New("mqtt: not connected")
	// ErrConnectionLost means the connection dropped while a publish or
	// subscribe waited for the broker's acknowledgement. A QoS 1 publish may
	// still be delivered after the reconnect (Paho retries it from its store).
	ErrConnectionLost = errors.New("mqtt: connection lost before acknowledgement")
	// ErrClosed means the client is not running: Start was not called or Stop was.
	ErrClosed = errors.New("mqtt: client not running")
	// ErrStarted means Start was called twice.
	ErrStarted = errors.New("mqtt: client already started")
)

// Options configures a Client. URL and BaseTopic are required.
type Options struct {
	// URL of the broker: tcp://, mqtt://, ssl://, tls://, mqtts://, ws:// or wss://.
	URL      string
	Username string
	Password string
	// ClientID must be stable across restarts: the session is persistent
	// (clean session false), so QoS 1 messages that arrive while LifeOps is
	// briefly away are delivered when it comes back. Two processes must not
	// share one id: the broker disconnects the older connection for the
	// newer (MQTT-3.1.4-2), and two replicas that reconnect automatically
	// take the id from each other in a loop. Replicas get distinct ids from
	// DefaultClientID. Default: DefaultClientID(BaseTopic, "").
	ClientID string
	// BaseTopic is the root of LifeOps' own topics; availability is published
	// at <BaseTopic>/status.
	BaseTopic string
	Logger    zerolog.Logger
	// QueueSize bounds received messages waiting for their handler; when the
	// queue is full new messages are dropped and counted. Default 1024.
	QueueSize int
	// MaxInFlight bounds concurrent publishes waiting for the broker. Default 64.
	MaxInFlight int
	// KeepAlive, ConnectTimeout and MaxReconnectInterval tune Paho; zero means
	// the package default.
	KeepAlive            time.Duration
	ConnectTimeout       time.Duration
	MaxReconnectInterval time.Duration
}

// Handler receives one message on the client's worker goroutine. It may block
// briefly and may publish; a slow handler delays the messages queued behind it.
// The payload is the handler's own copy.
//
// It is an alias, not a defined type, so that ports in other packages can name
// the same function type without importing this package.
type Handler = func(ctx context.Context, topic string, payload []byte, retained bool)

// Message is a received message with what MQTT says about its delivery.
type Message struct {
	Topic    string
	Payload  []byte // the handler's own copy
	Retained bool
	// Duplicate is MQTT's DUP flag: the broker sent this QoS 1 or 2 message
	// before, on this session, without seeing our acknowledgement. With
	// PacketID it lets a consumer drop what it already took.
	Duplicate bool
	// PacketID is the broker's packet identifier (0 for QoS 0); a redelivery
	// keeps the original's.
	PacketID uint16
	QoS      byte
	// Ack acknowledges the message to the broker (once; later calls do
	// nothing). A MessageHandler must call it when the message is safe:
	// handled, or stored. Until then the broker keeps it for this
	// persistent session and sends it again after a crash. nil for a
	// message that needs no acknowledgement.
	Ack func()
}

// MessageHandler is Handler with the delivery details; see SubscribeMessages.
type MessageHandler = func(ctx context.Context, m Message)

// Status is the connection state for readiness checks.
type Status struct {
	// Connected is true when a connection to the broker is open.
	Connected bool
	// LastError is the last connection error, nil when none happened yet.
	LastError error
	// Since is when Connected last changed (zero before the first connect).
	Since time.Time
}

// Stats are counters for metrics.
type Stats struct {
	QueueDepth    int    // received messages waiting for their handler
	QueueCapacity int    // Options.QueueSize
	Dropped       uint64 // received messages dropped because the queue was full
	InFlight      int    // publishes waiting for the broker
}

type subscription struct {
	qos     byte
	handler Handler
	message MessageHandler // set instead of handler by SubscribeMessages
}

type delivery struct {
	sub Handler
	msg MessageHandler
	m   Message
}

// Client is a connection to one broker. Create it with New, then Start it;
// Subscribe and OnConnect may be called before or after Start.
type Client struct {
	opts   Options
	log    zerolog.Logger
	paho   paho.Client
	status string // <base>/status

	queue    chan delivery
	dropped  atomic.Uint64
	inflight chan struct{} // semaphore

	connected chan struct{} // signalled by Paho's OnConnect; capacity 1 so connects coalesce

	mu        sync.Mutex
	subs      map[string]subscription
	hooks     []func()
	lostHooks []func()      // run when the connection drops
	lost      chan struct{} // closed when the current connection drops
	ready     chan struct{} // closed once online is published and subscriptions are back
	up        bool
	lastErr   error
	since     time.Time
	started   bool
	stopped   bool
	runCtx    context.Context
	cancelRun context.CancelFunc
	wg        sync.WaitGroup
}

// New checks opts and returns a client that is not yet connected.
func New(opts Options) (*Client, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = DefaultKeepAlive
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.MaxReconnectInterval <= 0 {
		opts.MaxReconnectInterval = DefaultMaxReconnectInterval
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID(opts.BaseTopic, "")
	}
	c := &Client{
		opts:      opts,
		log:       opts.Logger.With().Str("component", "mqtt").Logger(),
		status:    opts.BaseTopic + "/status",
		queue:     make(chan delivery, opts.QueueSize),
		inflight:  make(chan struct{}, opts.MaxInFlight),
		connected: make(chan struct{}, 1),
		subs:      make(map[string]subscription),
		lost:      closedChan(),
		ready:     make(chan struct{}),
	}

	po := paho.NewClientOptions().
		AddBroker(opts.URL).
		SetClientID(opts.ClientID).
		SetUsername(opts.Username).
		SetPassword(opts.Password).
		SetCleanSession(false).
		SetStore(newCopyingStore()).
		// The wrapper re-makes subscriptions itself; Paho's resume would
		// replay them from its store a second time.
		SetResumeSubs(false).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).
		SetMaxReconnectInterval(opts.MaxReconnectInterval).
		SetKeepAlive(opts.KeepAlive).
		SetConnectTimeout(opts.ConnectTimeout).
		SetWill(c.status, PayloadOffline, 1, true).
		SetOnConnectHandler(c.onConnect).
		SetConnectionLostHandler(c.onConnectionLost).
		// Messages the broker kept for our persistent session can arrive
		// between CONNACK and our SUBSCRIBE, before Paho knows a route for
		// them; they land here and are matched against our own table.
		SetDefaultPublishHandler(c.onUnrouted).
		// A QoS 1 message is acknowledged when it is safe (see
		// Message.Ack), not when it arrives: a crash before then gets it
		// redelivered.
		SetAutoAckDisabled(true)
	c.paho = paho.NewClient(po)
	return c, nil
}

// DefaultClientID is the client id of the replica on host serving base
// topic base: "lifeops-<base>-<host>", or "lifeops-<base>" without a host
// (the id of LifeOps before replicas had their own). A host name is stable
// across restarts of one machine, container or add-on, which the persistent
// session needs, and differs between replicas on different hosts.
// Characters outside letters, digits, '-', '_' and '.' become '-'; an id
// longer than 64 characters is cut to 55 and ends in a hash of base and
// host, so ids that differ anywhere stay distinct.
func DefaultClientID(base, host string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
				return r
			}
			return '-'
		}, s)
	}
	id := "lifeops-" + clean(base)
	if host != "" {
		id += "-" + clean(host)
	}
	const most = 64
	if len(id) > most {
		h := fnv.New32a()
		h.Write([]byte(base))
		h.Write([]byte{0})
		h.Write([]byte(host))
		id = fmt.Sprintf("%s-%08x", id[:most-9], h.Sum32())
	}
	return id
}

// ClientID is the client id the client connects with.
func (c *Client) ClientID() string { return c.opts.ClientID }

func (o Options) validate() error {
	var problems []string
	if o.URL == "" {
		problems = append(problems, "url: must not be empty")
	} else if u, err := url.Parse(o.URL); err != nil {
		problems = append(problems, fmt.Sprintf("url: %v", err))
	} else {
		switch u.Scheme {
		case "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss":
		default:
			problems = append(problems, fmt.Sprintf("url (%s): scheme must be tcp, mqtt, ssl, tls, mqtts, ws or wss", o.URL))
		}
		if u.Host == "" {
			problems = append(problems, fmt.Sprintf("url (%s): must name a host", o.URL))
		}
	}
	if o.BaseTopic == "" {
		problems = append(problems, "base_topic: must not be empty")
	} else if strings.ContainsAny(o.BaseTopic, "+#") || strings.HasPrefix(o.BaseTopic, "/") || strings.HasSuffix(o.BaseTopic, "/") {
		problems = append(problems, fmt.Sprintf("base_topic (%s): must not contain + or # or start or end with /", o.BaseTopic))
	}
	if len(problems) > 0 {
		return fmt.Errorf("mqtt options: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Start begins connecting in the background and returns; the client keeps
// retrying until Stop, so a broker that is down at start-up is not an error.
// Use WaitConnected to wait for the first connection.
func (c *Client) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return ErrClosed
	}
	if c.started {
		return ErrStarted
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.started = true
	// The run context outlives Start's ctx on purpose: it is the client's
	// lifetime and ends with Stop.
	c.runCtx, c.cancelRun = context.WithCancel(context.WithoutCancel(ctx))
	c.wg.Add(2)
	go c.deliver()
	go c.connectLoop()
	c.paho.Connect() // with ConnectRetry the token completes only once connected; nothing to wait for
	c.log.Info().Str("url", c.opts.URL).Str("client_id", c.opts.ClientID).Msg("mqtt connecting")
	return nil
}

// Stop publishes offline at <base>/status (a clean disconnect does not fire
// the broker's last will), disconnects, and waits for the client's goroutines
// until ctx ends. Stopping twice, or a client never started, is fine.
func (c *Client) Stop(ctx context.Context) error {
	c.mu.Lock()
	if c.stopped || !c.started {
		c.stopped = true
		c.mu.Unlock()
		return nil
	}
	c.stopped = true
	c.mu.Unlock()

	var errs []error
	if _, open := c.connection(); open {
		if err := c.publish(ctx, c.status, 1, true, []byte(PayloadOffline)); err != nil {
			errs = append(errs, fmt.Errorf("publish offline: %w", err))
		}
	}
	c.paho.Disconnect(250)

	c.mu.Lock()
	c.markDown(nil)
	c.mu.Unlock()
	c.cancelRun()
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("mqtt stop: waiting for workers: %w", ctx.Err()))
	}
	c.log.Info().Msg("mqtt stopped")
	return errors.Join(errs...)
}

// WaitConnected blocks until the client is connected, has published online
// and re-made its subscriptions, or ctx ends.
func (c *Client) WaitConnected(ctx context.Context) error {
	for {
		c.mu.Lock()
		ready := c.ready
		c.mu.Unlock()
		select {
		case <-ready:
			// Paho reports a loss on its own goroutine, so ready can still be
			// closed for a connection that has just gone; the socket decides.
			if c.paho.IsConnectionOpen() {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("mqtt wait connected: %w", ctx.Err())
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("mqtt wait connected: %w", ctx.Err())
		}
	}
}

// OnConnect registers fn to run after every connect, once online is published
// and subscriptions are back. Hooks run in registration order on a goroutine
// the client owns; they may publish but should not block for long.
func (c *Client) OnConnect(fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks = append(c.hooks, fn)
}

// Status reports the connection state for /readyz.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Status{Connected: c.up && c.paho.IsConnectionOpen(), LastError: c.lastErr, Since: c.since}
}

// Stats returns counters for metrics.
func (c *Client) Stats() Stats {
	return Stats{
		QueueDepth:    len(c.queue),
		QueueCapacity: cap(c.queue),
		Dropped:       c.dropped.Load(),
		InFlight:      len(c.inflight),
	}
}

// Subscribe records a subscription and, when connected, makes it now; either
// way it is made again after every reconnect. Subscribing to the same filter
// again replaces its handler. An error means the broker refused or did not
// answer in time; the subscription stays recorded and is retried on the next
// connect.
func (c *Client) Subscribe(ctx context.Context, filter string, qos byte, h Handler) error {
	if err := validFilter(filter); err != nil {
		return err
	}
	if qos > 2 {
		return fmt.Errorf("subscribe %q: qos %d: must be 0, 1 or 2", filter, qos)
	}
	if h == nil {
		return fmt.Errorf("subscribe %q: handler must not be nil", filter)
	}
	return c.addSubscription(ctx, filter, subscription{qos: qos, handler: h})
}

// SubscribeMessages is Subscribe for a handler that wants the delivery
// details (the DUP flag and packet id of a QoS 1 redelivery).
func (c *Client) SubscribeMessages(ctx context.Context, filter string, qos byte, h MessageHandler) error {
	if err := validFilter(filter); err != nil {
		return err
	}
	if qos > 2 {
		return fmt.Errorf("subscribe %q: qos %d: must be 0, 1 or 2", filter, qos)
	}
	if h == nil {
		return fmt.Errorf("subscribe %q: handler must not be nil", filter)
	}
	return c.addSubscription(ctx, filter, subscription{qos: qos, message: h})
}

func (c *Client) addSubscription(ctx context.Context, filter string, sub subscription) error {
	qos := sub.qos
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return ErrClosed
	}
	c.subs[filter] = sub
	c.mu.Unlock()
	if _, open := c.connection(); !open {
		return nil // the connect loop subscribes it once the connection is ready
	}
	return c.subscribe(ctx, filter, qos)
}

// connection is the current connection's loss signal and whether it is
// open. Paho reports a connection open before onConnect has run; until
// then the loss signal is the previous connection's, already closed, so
// the connection counts as not open yet.
func (c *Client) connection() (lost chan struct{}, open bool) {
	c.mu.Lock()
	lost = c.lost
	c.mu.Unlock()
	select {
	case <-lost:
		return lost, false
	default:
	}
	return lost, c.paho.IsConnectionOpen()
}

// Unsubscribe forgets a subscription and, when connected, tells the broker.
func (c *Client) Unsubscribe(ctx context.Context, filter string) error {
	c.mu.Lock()
	_, ok := c.subs[filter]
	delete(c.subs, filter)
	c.mu.Unlock()
	if _, open := c.connection(); !ok || !open {
		return nil
	}
	if err := c.wait(ctx, c.paho.Unsubscribe(filter)); err != nil {
		return fmt.Errorf("unsubscribe %q: %w", filter, err)
	}
	return nil
}

// Publish sends payload and waits for the broker's acknowledgement (QoS 1 and
// 2) or for the write (QoS 0), bounded by ctx. It fails with ErrNotConnected
// instead of queueing while the connection is down: Paho would report a QoS 0
// publish made while reconnecting as sent although it never was.
func (c *Client) Publish(ctx context.Context, topic string, qos byte, retain bool, payload []byte) error {
	c.mu.Lock()
	running := c.started && !c.stopped
	c.mu.Unlock()
	if !running {
		return ErrClosed
	}
	if err := c.publish(ctx, topic, qos, retain, payload); err != nil {
		return fmt.Errorf("publish %s: %w", topic, err)
	}
	return nil
}

func (c *Client) publish(ctx context.Context, topic string, qos byte, retain bool, payload []byte) error {
	if qos > 2 {
		return fmt.Errorf("qos %d: must be 0, 1 or 2", qos)
	}
	if topic == "" || strings.ContainsAny(topic, "+#") {
		return fmt.Errorf("topic %q: must be non-empty without wildcards", topic)
	}
	select {
	case c.inflight <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.inflight }()

	lost, open := c.connection()
	if !open {
		return ErrNotConnected
	}
	if err := c.waitOn(ctx, lost, c.paho.Publish(topic, qos, retain, payload)); err != nil {
		return err
	}
	// A QoS 0 publish that raced with a connection loss completes "successfully"
	// without being written; the connection is the only witness.
	select {
	case <-lost:
		if qos == 0 {
			return ErrNotConnected
		}
	default:
	}
	return nil
}

func (c *Client) subscribe(ctx context.Context, filter string, qos byte) error {
	cb := func(_ paho.Client, m paho.Message) { c.enqueueFor(filter, m) }
	if err := c.wait(ctx, c.paho.Subscribe(filter, qos, cb)); err != nil {
		return fmt.Errorf("subscribe %q: %w", filter, err)
	}
	return nil
}

func (c *Client) wait(ctx context.Context, t paho.Token) error {
	c.mu.Lock()
	lost := c.lost
	c.mu.Unlock()
	return c.waitOn(ctx, lost, t)
}

func (c *Client) waitOn(ctx context.Context, lost <-chan struct{}, t paho.Token) error {
	select {
	case <-t.Done():
		return t.Error()
	case <-lost:
		// The token may have completed just before the loss was noticed.
		select {
		case <-t.Done():
			return t.Error()
		default:
			return ErrConnectionLost
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// onConnect runs on a goroutine Paho starts; it only records the new
// connection and wakes the connect loop.
func (c *Client) onConnect(cl paho.Client) {
	c.mu.Lock()
	if c.stopped || !cl.IsConnectionOpen() {
		c.mu.Unlock()
		return
	}
	c.lost = make(chan struct{})
	// A new connection is not ready until the connect loop has re-made its
	// subscriptions, even if the loss of the previous one was not seen yet.
	select {
	case <-c.ready:
		c.ready = make(chan struct{})
	default:
	}
	if !c.up {
		c.up = true
		c.since = time.Now()
	}
	c.mu.Unlock()
	select {
	case c.connected <- struct{}{}:
	default:
	}
}

// OnConnectionLost registers fn to run when the connection drops. It runs
// on Paho's callback goroutine and must not block.
func (c *Client) OnConnectionLost(fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lostHooks = append(c.lostHooks, fn)
}

func (c *Client) onConnectionLost(_ paho.Client, err error) {
	c.mu.Lock()
	c.markDown(err)
	hooks := append([]func(){}, c.lostHooks...)
	c.mu.Unlock()
	for _, h := range hooks {
		h()
	}
	c.log.Warn().Err(err).Msg("mqtt connection lost")
}

// markDown must be called with mu held.
func (c *Client) markDown(err error) {
	select {
	case <-c.lost:
	default:
		close(c.lost)
	}
	select {
	case <-c.ready:
		c.ready = make(chan struct{})
	default:
	}
	if c.up {
		c.up = false
		c.since = time.Now()
	}
	if err != nil {
		c.lastErr = err
	}
}

// connectLoop announces availability, re-makes subscriptions and runs hooks
// after each connect. It runs apart from Paho's callbacks because all of that
// waits on the broker.
func (c *Client) connectLoop() {
	defer c.wg.Done()
	for {
		select {
		case <-c.runCtx.Done():
			return
		case <-c.connected:
		}
		c.afterConnect()
	}
}

func (c *Client) afterConnect() {
	ctx, cancel := context.WithTimeout(c.runCtx, c.opts.ConnectTimeout)
	defer cancel()
	if err := c.publish(ctx, c.status, 1, true, []byte(PayloadOnline)); err != nil {
		c.log.Warn().Err(err).Str("topic", c.status).Msg("mqtt publish online failed")
		return // the next connect tries again
	}
	c.mu.Lock()
	subs := make(map[string]byte, len(c.subs))
	for f, s := range c.subs {
		subs[f] = s.qos
	}
	c.mu.Unlock()
	for f, qos := range subs {
		if err := c.subscribe(ctx, f, qos); err != nil {
			c.log.Warn().Err(err).Str("topic", f).Msg("mqtt resubscribe failed")
			return
		}
	}
	c.mu.Lock()
	if !c.up {
		c.mu.Unlock()
		return
	}
	select {
	case <-c.ready:
	default:
		close(c.ready)
	}
	hooks := append([]func(){}, c.hooks...)
	c.mu.Unlock()
	c.log.Info().Int("subscriptions", len(subs)).Msg("mqtt connected")
	for _, h := range hooks {
		h()
	}
}

// enqueueFor hands a message to the worker; it runs on Paho's router and must
// never block.
func (c *Client) enqueueFor(filter string, m paho.Message) {
	c.mu.Lock()
	s, ok := c.subs[filter]
	c.mu.Unlock()
	if !ok {
		m.Ack() // unsubscribed while the message was on its way
		return
	}
	c.enqueue(s, m)
}

func (c *Client) onUnrouted(_ paho.Client, m paho.Message) {
	c.mu.Lock()
	var hs []subscription
	for f, s := range c.subs {
		if Match(f, m.Topic()) {
			hs = append(hs, s)
		}
	}
	c.mu.Unlock()
	if len(hs) == 0 {
		m.Ack()
		return
	}
	// Several subscriptions share one acknowledgement: it goes when the
	// last of them is done with the message.
	ack := m.Ack
	if len(hs) > 1 {
		var left atomic.Int32
		left.Store(int32(len(hs)))
		ack = func() {
			if left.Add(-1) == 0 {
				m.Ack()
			}
		}
	}
	for _, s := range hs {
		c.enqueueAck(s, m, ack)
	}
}

func (c *Client) enqueue(s subscription, m paho.Message) { c.enqueueAck(s, m, m.Ack) }

func (c *Client) enqueueAck(s subscription, m paho.Message, ack func()) {
	var once sync.Once
	d := delivery{
		sub: s.handler,
		msg: s.message,
		m: Message{
			Topic:     m.Topic(),
			Payload:   append([]byte(nil), m.Payload()...),
			Retained:  m.Retained(),
			Duplicate: m.Duplicate(),
			PacketID:  m.MessageID(),
			QoS:       m.Qos(),
			Ack:       func() { once.Do(ack) },
		},
	}
	select {
	case c.queue <- d:
	default:
		// Lost either way; held, it would block the broker's in-flight
		// window for the whole session.
		d.m.Ack()
		if n := c.dropped.Add(1); n == 1 || n%100 == 0 {
			c.log.Warn().Str("topic", d.m.Topic).Uint64("dropped", n).Msg("mqtt handler queue full, message dropped")
		}
	}
}

func (c *Client) deliver() {
	defer c.wg.Done()
	for {
		select {
		case <-c.runCtx.Done():
			return
		case d := <-c.queue:
			c.handle(d)
		}
	}
}

func (c *Client) handle(d delivery) {
	defer func() {
		if r := recover(); r != nil {
			d.m.Ack() // it will fail the same way again
			c.log.Error().Str("topic", d.m.Topic).Interface("panic", r).Msg("mqtt handler panicked")
		}
	}()
	if d.msg != nil {
		d.msg(c.runCtx, d.m) // acknowledges itself, when the message is safe
		return
	}
	d.sub(c.runCtx, d.m.Topic, d.m.Payload, d.m.Retained)
	d.m.Ack()
}

func closedChan() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}

// EndSession ends the broker's session of o.ClientID: it connects with that
// id and a clean session and disconnects at once, so the broker forgets the
// session's subscriptions and the messages waiting for it (MQTT 3.1.1,
// 3.1.2.4). A client connected with that id is disconnected by it. Of o it
// uses URL, Username, Password, ClientID and ConnectTimeout.
func EndSession(ctx context.Context, o Options) error {
	if o.ClientID == "" {
		return errors.New("end mqtt session: a client id is required")
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	c := paho.NewClient(paho.NewClientOptions().AddBroker(o.URL).SetClientID(o.ClientID).
		SetUsername(o.Username).SetPassword(o.Password).SetCleanSession(true).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(o.ConnectTimeout))
	t := c.Connect()
	select {
	case <-t.Done():
	case <-ctx.Done():
		return fmt.Errorf("end mqtt session %s: %w", o.ClientID, ctx.Err())
	}
	if err := t.Error(); err != nil {
		return fmt.Errorf("end mqtt session %s: %w", o.ClientID, err)
	}
	c.Disconnect(100)
	return nil
}

package hass

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/coder/websocket"
	"github.com/rs/zerolog"
)

var (
	// ErrDisconnected means there was no live connection to HA, or it was lost
	// while a command waited for its result. The command may or may not have
	// run; retry only what is safe to repeat.
	ErrDisconnected = errors.New("home assistant disconnected")
	// ErrAuthInvalid means HA (or the Supervisor proxy) refused the token.
	ErrAuthInvalid = errors.New("home assistant auth invalid")
	// ErrStopped means the client was stopped, or started twice.
	ErrStopped = errors.New("home assistant client stopped")
)

// ResultError is a command HA answered with success=false. Code is one of
// HA's error codes (not_found, invalid_format, home_assistant_error,
// service_validation_error, unknown_command, …); treat unknown codes as
// generic failures.
type ResultError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *ResultError) Error() string {
	return fmt.Sprintf("home assistant error %s: %s", e.Code, e.Message)
}

// LinkState is the client's connection state, as /readyz shows it.
type LinkState string

// Connection states.
const (
	LinkConnecting  LinkState = "connecting"
	LinkOK          LinkState = "ok"
	LinkDown        LinkState = "down"
	LinkAuthInvalid LinkState = "auth_invalid"
)

// Status is a snapshot of the connection's health.
type Status struct {
	State         LinkState
	LastError     string    // why the last connection failed or ended
	HAVersion     string    // from auth_ok; empty until the first login
	Since         time.Time // when State last changed
	Connects      int       // successful logins so far
	DroppedEvents uint64    // events dropped because a handler's queue was full
}

// Options configure a Client. Zero durations and sizes take the defaults.
type Options struct {
	// URL of the WebSocket API: ws://<host>:8123/api/websocket, or
	// ws://supervisor/core/websocket inside an add-on.
	URL string
	// Token is a long-lived access token, or SUPERVISOR_TOKEN via the proxy.
	Token  string
	Logger zerolog.Logger
	// HTTPClient dials the upgrade request; nil means http.DefaultClient.
	HTTPClient *http.Client

	MinBackoff       time.Duration // first reconnect delay; default 500 ms
	MaxBackoff       time.Duration // cap of the exponential backoff; default 30 s
	AuthRetry        time.Duration // delay after auth_invalid; default 5 min
	PingInterval     time.Duration // app-level ping; default 30 s
	PingTimeout      time.Duration // no pong within this → reconnect; default 10 s
	HandshakeTimeout time.Duration // dial + auth + supported_features; default 10 s
	WriteTimeout     time.Duration // one frame write; default 10 s
	ReadLimit        int64         // largest frame accepted; default 64 MiB
	EventQueue       int           // per SubscribeEvents handler; default 1024
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.MinBackoff, 500*time.Millisecond)
	def(&o.MaxBackoff, 30*time.Second)
	def(&o.AuthRetry, 5*time.Minute)
	def(&o.PingInterval, 30*time.Second)
	def(&o.PingTimeout, 10*time.Second)
	def(&o.HandshakeTimeout, 10*time.Second)
	def(&o.WriteTimeout, 10*time.Second)
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = o.MinBackoff
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = 64 << 20
	}
	if o.EventQueue <= 0 {
		o.EventQueue = 1024
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
}

func (o *Options) validate() error {
	var v invalid
	if o.URL == "" {
		v.add("url", "must not be empty")
	} else if u, err := url.Parse(o.URL); err != nil {
		v.add("url", err.Error())
	} else if u.Scheme != "ws" && u.Scheme != "wss" && u.Scheme != "http" && u.Scheme != "https" {
		v.add("url", fmt.Sprintf("scheme of %q must be ws, wss, http or https", o.URL))
	}
	if o.Token == "" {
		v.add("token", "must not be empty")
	}
	return v.err()
}

// Client is a long-lived, self-healing connection to Home Assistant. Create
// it with New, register subscriptions and hooks, then Start it.
type Client struct {
	opts Options
	log  zerolog.Logger

	mu        sync.Mutex
	started   bool
	sess      *session // the live, logged-in connection; nil while down
	ready     chan struct{}
	subs      []*subscription
	onConnect []func(context.Context)
	onLink    []func(up bool)
	status    Status

	cancel   context.CancelFunc
	stopOnce sync.Once
	done     chan struct{} // closed when the connection loop has ended

	handlers sync.WaitGroup // subscription queue drainers
	dropped  atomic.Uint64
}

// New returns a client that does nothing until Start.
func New(opts Options) *Client {
	opts.defaults()
	return &Client{
		opts:   opts,
		log:    opts.Logger.With().Str("component", "hass").Logger(),
		ready:  make(chan struct{}),
		done:   make(chan struct{}),
		status: Status{State: LinkDown, LastError: "not started"},
	}
}

// Start validates the options and starts connecting in the background; it
// does not wait for HA (see WaitConnected). Cancelling ctx ends the
// connection loop like Stop does; call Stop to wait for it.
func (c *Client) Start(ctx context.Context) error {
	if err := c.opts.validate(); err != nil {
		return fmt.Errorf("home assistant client: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return fmt.Errorf("start: %w", ErrStopped)
	}
	c.started = true
	runCtx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	go c.run(runCtx)
	return nil
}

// Stop closes the connection, fails calls in flight with ErrDisconnected and
// waits for the connection loop and running handlers, or for ctx. Calling it
// again (or without Start) is safe and waits again.
func (c *Client) Stop(ctx context.Context) error {
	c.mu.Lock()
	started := c.started
	c.started = true // a Start after Stop must fail
	c.mu.Unlock()
	if !started {
		c.stopOnce.Do(func() { close(c.done) })
		return nil
	}
	c.stopOnce.Do(func() { c.cancel() })
	select {
	case <-c.done:
	case <-ctx.Done():
		return fmt.Errorf("stop home assistant client: %w", ctx.Err())
	}
	idle := make(chan struct{})
	go func() { c.handlers.Wait(); close(idle) }()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop home assistant client: handlers still running: %w", ctx.Err())
	}
}

// Status returns the connection's health for /readyz and diagnostics.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.status
	s.DroppedEvents = c.dropped.Load()
	return s
}

// WaitConnected blocks until the client is logged in to HA or ctx ends.
func (c *Client) WaitConnected(ctx context.Context) error {
	c.mu.Lock()
	ready := c.ready
	c.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for home assistant: %w", ctx.Err())
	}
}

// OnConnect registers fn to run after every successful (re)connect, once
// the subscriptions have been re-issued. fn runs on a goroutine owned by the
// connection; its ctx ends with the connection.
func (c *Client) OnConnect(fn func(ctx context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onConnect = append(c.onConnect, fn)
}

// OnLinkChange registers fn to run whenever the link comes up (logged in)
// or goes down, so a diagnostic follows at once rather than at its next
// poll. fn runs on the connection loop and must not block.
func (c *Client) OnLinkChange(fn func(up bool)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onLink = append(c.onLink, fn)
}

func (c *Client) setStatus(state LinkState, err error) {
	c.mu.Lock()
	wasUp := c.status.State == LinkOK
	if c.status.State != state {
		c.status.Since = time.Now()
	}
	c.status.State = state
	if err != nil {
		c.status.LastError = err.Error()
	}
	hooks := append([](func(bool))(nil), c.onLink...)
	c.mu.Unlock()
	if wasUp && state != LinkOK {
		c.linkChanged(hooks, false)
	}
}

func (c *Client) linkChanged(hooks []func(bool), up bool) {
	for _, fn := range hooks {
		c.safely("on_link_change", func() { fn(up) })
	}
}

// run is the connection loop: connect, serve until the link dies, wait, repeat.
// It never gives up; HA restarts and updates take minutes.
func (c *Client) run(ctx context.Context) {
	defer close(c.done)
	delays := reconnectBackOff(c.opts.MinBackoff, c.opts.MaxBackoff)
	for {
		loggedIn, err := c.connectAndServe(ctx)
		if ctx.Err() != nil {
			c.setStatus(LinkDown, ErrStopped)
			return
		}
		if loggedIn {
			delays.Reset()
		}
		var wait time.Duration
		if errors.Is(err, ErrAuthInvalid) {
			c.setStatus(LinkAuthInvalid, err)
			wait = c.opts.AuthRetry
			c.log.Error().Err(err).Dur("retry_in", wait).Msg("home assistant refused the token")
		} else {
			c.setStatus(LinkDown, err)
			wait = delays.NextBackOff()
			c.log.Warn().Err(err).Dur("retry_in", wait).Msg("home assistant connection lost")
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			c.setStatus(LinkDown, ErrStopped)
			return
		case <-t.C:
		}
	}
}

// reconnectBackOff is capped exponential backoff with jitter (±50 %), so
// that many add-ons restarted with HA do not reconnect in lockstep.
func reconnectBackOff(lo, hi time.Duration) *backoff.ExponentialBackOff {
	b := &backoff.ExponentialBackOff{InitialInterval: lo, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: hi}
	b.Reset()
	return b
}

// connectAndServe runs one connection from dial to its end. loggedIn tells
// the loop whether auth succeeded (which resets the backoff).
func (c *Client) connectAndServe(ctx context.Context) (loggedIn bool, err error) {
	c.mu.Lock()
	if c.status.State != LinkAuthInvalid {
		c.mu.Unlock()
		c.setStatus(LinkConnecting, nil)
	} else {
		c.mu.Unlock()
	}

	hctx, cancel := context.WithTimeout(ctx, c.opts.HandshakeTimeout)
	defer cancel()
	conn, _, err := websocket.Dial(hctx, c.opts.URL, &websocket.DialOptions{HTTPClient: c.opts.HTTPClient})
	if err != nil {
		return false, fmt.Errorf("dial %s: %w", c.opts.URL, err)
	}
	// Coalesced bursts and get_states easily pass coder/websocket's 32 KiB default.
	conn.SetReadLimit(c.opts.ReadLimit)
	version, err := authenticate(hctx, conn, c.opts.Token)
	if err != nil {
		conn.CloseNow()
		return false, err
	}

	s := newSession(ctx, c, conn)
	s.wg.Go(s.readLoop)
	defer s.teardown()

	_, err = s.request(hctx, "supported_features", map[string]any{
		"features": map[string]int{"coalesce_messages": 1},
	})
	var rerr *ResultError
	if err != nil && !errors.As(err, &rerr) { // an old HA without the command still works
		return true, fmt.Errorf("supported_features: %w", err)
	}

	subs, hooks := c.activate(s, version)
	defer c.deactivate(s)
	c.mu.Lock()
	linkHooks := append([](func(bool))(nil), c.onLink...)
	c.mu.Unlock()
	c.linkChanged(linkHooks, true)
	c.log.Info().Str("ha_version", version).Int("subscriptions", len(subs)).Msg("connected to home assistant")
	for _, sub := range subs {
		if err := s.subscribe(hctx, sub); err != nil {
			if errors.Is(err, ErrDisconnected) || hctx.Err() != nil {
				return true, err
			}
			c.log.Error().Err(err).Msg("home assistant refused a subscription")
		}
	}
	if len(hooks) > 0 {
		s.goIfOpen(func() {
			for _, fn := range hooks {
				c.safely("on_connect", func() { fn(s.ctx) })
			}
		})
	}
	s.goIfOpen(s.pingLoop)

	select {
	case <-s.done:
		return true, s.cause()
	case <-ctx.Done():
		c.deactivate(s) // no new calls while closing
		// The reader is still running, so it reads HA's close frame and
		// Close's handshake completes.
		_ = conn.Close(websocket.StatusNormalClosure, "lifeops stopping")
		return true, ErrStopped
	}
}

// activate publishes s as the live session and snapshots, under the same
// lock, the subscriptions to issue on it: a Subscribe call either lands in
// this snapshot or sees c.sess set and issues itself, never both.
func (c *Client) activate(s *session, version string) ([]*subscription, []func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sess = s
	close(c.ready)
	c.status.State = LinkOK
	c.status.Since = time.Now()
	c.status.HAVersion = version
	c.status.Connects++
	return append([]*subscription(nil), c.subs...), append([](func(context.Context))(nil), c.onConnect...)
}

func (c *Client) deactivate(s *session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == s {
		c.sess = nil
		c.ready = make(chan struct{})
	}
}

func (c *Client) current() *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

// safely runs user code (handlers, hooks) so that its panic cannot take the
// HA link down with it.
func (c *Client) safely(what string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error().Str("handler", what).Interface("panic", r).Msg("home assistant handler panicked")
		}
	}()
	fn()
}

// authenticate runs HA's auth phase; it is strictly sequential, so it reads
// inline before the reader goroutine exists.
func authenticate(ctx context.Context, conn *websocket.Conn, token string) (string, error) {
	m, err := readOne(ctx, conn)
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	if m.Type != "auth_required" {
		return "", fmt.Errorf("auth: expected auth_required, got %q", m.Type)
	}
	b, err := jsonMarshal(map[string]string{"type": "auth", "access_token": token})
	if err != nil {
		return "", err
	}
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	m, err = readOne(ctx, conn)
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	switch m.Type {
	case "auth_ok":
		return m.HAVersion, nil
	case "auth_invalid":
		return "", fmt.Errorf("%w: %s", ErrAuthInvalid, m.Message)
	default:
		return "", fmt.Errorf("auth: expected auth_ok, got %q", m.Type)
	}
}

func readOne(ctx context.Context, conn *websocket.Conn) (message, error) {
	_, b, err := conn.Read(ctx)
	if err != nil {
		return message{}, err
	}
	msgs, err := decodeFrame(b)
	if err != nil {
		return message{}, err
	}
	if len(msgs) != 1 {
		return message{}, fmt.Errorf("%w: %d messages in an auth frame", ErrMalformedFrame, len(msgs))
	}
	return msgs[0], nil
}

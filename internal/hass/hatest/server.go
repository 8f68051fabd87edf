// Package hatest is a scriptable fake Home Assistant WebSocket API for tests.
//
// It speaks the protocol as HA Core does, closely enough that the official
// JavaScript client (home-assistant-js-websocket) runs against it: the auth
// phase on /api/websocket and on the Supervisor proxy path /core/websocket,
// supported_features with HA's coalescing writer (up to 256 queued messages
// per array frame), ping/pong, get_states, get_config, subscribe_events,
// unsubscribe_events, subscribe_entities in HA's exact compressed format,
// call_service, fire_event, homeassistant/expose_entity, and HA's id_reuse,
// invalid_format and unknown_command errors. Like HA it cancels a client
// whose send queue reaches MaxPending messages or stays above PeakPending for
// PeakTime.
//
// Tests drive it with SetState, RemoveState, FireEvent, Burst and DropAll,
// and inspect it with Calls, Commands, Delivered, Connections and
// MaxQueueDepth. Commands it does not implement (render_template,
// subscribe_trigger, get_services, …) answer unknown_command.
package hatest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// HA's limits (homeassistant/components/websocket_api/const.py, 2025/26).
const (
	DefaultMaxPending  = 4096
	DefaultPeakPending = 1024
	DefaultPeakTime    = 10 * time.Second
	coalesceLimit      = 256
)

// Paths the fake serves.
const (
	CorePath       = "/api/websocket"
	SupervisorPath = "/core/websocket"
)

// Error is a failed result, as HA sends it. A ServiceHandler returns one to
// make call_service fail with that code.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ServiceCall is one call_service the fake received.
type ServiceCall struct {
	Conn        int // connection number, from 1
	Domain      string
	Service     string
	ServiceData map[string]any
	Target      map[string]any
	Context     Context
}

// Command is one command the fake accepted (valid id, known or not).
type Command struct {
	Conn int
	ID   int64
	Type string
}

// Delivery is one subscribe_events event the fake wrote, whole, to a live
// socket.
type Delivery struct {
	Conn         int
	Subscription int64
	EventType    string
	Data         json.RawMessage
}

// Options configure a Server; zero values take HA's defaults.
type Options struct {
	Token       string        // accepted access token; default "test-token"
	HAVersion   string        // sent in auth_required/auth_ok; default "2026.8.0"
	UserID      string        // context.user_id of commands; default "hatest-user"
	TimeZone    string        // get_config time_zone; default "Europe/Amsterdam"
	Language    string        // get_config language; default "en"
	AuthTimeout time.Duration // default 10 s
	MaxPending  int           // default DefaultMaxPending
	PeakPending int           // default DefaultPeakPending
	PeakTime    time.Duration // default DefaultPeakTime
	// Now stamps states and events; default time.Now.
	Now func() time.Time
	// ServiceHandler answers call_service (after it is recorded). It runs on
	// its own goroutine, as HA runs services as tasks, so it may block. A
	// returned *Error becomes that error result. Default: succeed with a null
	// response.
	ServiceHandler func(ctx context.Context, call ServiceCall) (response any, err error)
	// Services are what get_services lists, by domain; default:
	// persistent_notification.create/dismiss and notify.persistent_notification.
	// call_service does not check against it (HA would answer not_found;
	// script that with ServiceHandler).
	Services map[string][]string
	// OnCommand is called after each accepted command was handled, outside
	// the fake's locks, so a test can react (drop the socket, change state).
	OnCommand func(Command)
	// Listen hears every event fired on the bus, whoever is connected, as
	// a script's wait_for_trigger inside HA does. It runs under the fake's
	// lock: it must not block or call the fake.
	Listen func(eventType string, data json.RawMessage)
}

// Server is the fake. Its zero value is not usable; call New or Start.
type Server struct {
	opts Options
	hs   *httptest.Server

	// mu plays HA's event loop: state changes, subscriptions and fan-out are
	// serialized through it, so every client sees one consistent order.
	mu          sync.Mutex
	states      map[string]*State
	order       []string
	conns       map[*conn]struct{}
	nextConn    int
	connections int
	lastLogin   time.Time
	calls       []ServiceCall
	commands    []Command
	exposed     map[string]map[string]bool
	registry    []RegistryEntry
	refuseAuth  bool
	ignorePing  bool
	coreState   string // get_config's state; "" is RUNNING
	ctxSeq      uint64
	closed      bool

	stats     sync.Mutex
	maxDepth  int
	frames    int
	arrays    int
	delivered []Delivery

	wg sync.WaitGroup
}

// New returns a fake HA; serve it with ServeHTTP (see Start).
func New(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = "test-token"
	}
	if opts.HAVersion == "" {
		opts.HAVersion = "2026.8.0"
	}
	if opts.UserID == "" {
		opts.UserID = "hatest-user"
	}
	if opts.TimeZone == "" {
		opts.TimeZone = "Europe/Amsterdam"
	}
	if opts.Language == "" {
		opts.Language = "en"
	}
	if opts.AuthTimeout <= 0 {
		opts.AuthTimeout = 10 * time.Second
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = DefaultMaxPending
	}
	if opts.PeakPending <= 0 {
		opts.PeakPending = DefaultPeakPending
	}
	if opts.PeakTime <= 0 {
		opts.PeakTime = DefaultPeakTime
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{
		opts:    opts,
		states:  map[string]*State{},
		conns:   map[*conn]struct{}{},
		exposed: map[string]map[string]bool{},
	}
}

// Start serves a new fake on a loopback port and closes it when the test ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := New(opts)
	s.hs = httptest.NewServer(s)
	tb.Cleanup(s.Close)
	return s
}

// URL is the base URL (http://127.0.0.1:port), as the JS client wants it.
func (s *Server) URL() string { return s.hs.URL }

// WebSocketURL is HA Core's endpoint.
func (s *Server) WebSocketURL() string { return "ws" + strings.TrimPrefix(s.hs.URL, "http") + CorePath }

// SupervisorURL is the Supervisor proxy's endpoint.
func (s *Server) SupervisorURL() string {
	return "ws" + strings.TrimPrefix(s.hs.URL, "http") + SupervisorPath
}

// Close drops every connection, stops the HTTP server and waits for the
// fake's goroutines. Calling it again is safe.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.DropAll()
	if s.hs != nil {
		s.hs.Close()
	}
	s.wg.Wait()
}

// ServeHTTP upgrades CorePath and SupervisorPath and runs the connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != CorePath && r.URL.Path != SupervisorPath {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	ws.SetReadLimit(-1)
	s.serve(r.Context(), ws, r.URL.Path == SupervisorPath)
}

// --- test controls -------------------------------------------------------

// SetState sets an entity like hass.states.async_set with a fresh context:
// nothing is sent when state and attributes are unchanged; last_changed
// moves only when the state string changes.
func (s *Server) SetState(entityID, state string, attrs map[string]any) {
	s.SetStateContext(entityID, state, attrs, Context{})
}

// SetStateContext is SetState with a given context (an empty ID gets a
// fresh one), to exercise compressed contexts with parent_id or user_id.
func (s *Server) SetStateContext(entityID, state string, attrs map[string]any, ctx Context) {
	norm, err := normalize(attrs)
	if err != nil {
		panic(fmt.Sprintf("hatest: attributes of %s: %v", entityID, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setLocked(entityID, state, norm, ctx)
}

func (s *Server) setLocked(entityID, state string, attrs map[string]any, ctx Context) {
	now := s.opts.Now().UTC().Truncate(time.Microsecond)
	if ctx.ID == "" {
		ctx.ID = s.newContextID()
	}
	old, exists := s.states[entityID]
	cur := &State{EntityID: entityID, State: state, Attributes: attrs, LastChanged: now, LastUpdated: now, Context: ctx}
	if exists {
		sameAttrs := len(old.Attributes) == len(attrs) && stateDiff(old, cur).Plus.A == nil
		if old.State == state && sameAttrs {
			return // HA fires state_reported, which no subscription here sees
		}
		if old.State == state {
			cur.LastChanged = old.LastChanged
		}
	} else {
		s.order = append(s.order, entityID)
	}
	s.states[entityID] = cur
	var oldPtr *State
	if exists {
		oldPtr = old
	}
	s.fanOutStateChanged(entityID, oldPtr, cur, now, ctx)
}

// RemoveState removes an entity (subscribe_entities sends "r").
func (s *Server) RemoveState(entityID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.states[entityID]
	if !ok {
		return
	}
	delete(s.states, entityID)
	for i, id := range s.order {
		if id == entityID {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	s.fanOutStateChanged(entityID, old, nil, s.opts.Now().UTC(), Context{ID: s.newContextID()})
}

// State returns a copy of an entity's current state.
func (s *Server) State(entityID string) (State, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[entityID]
	if !ok {
		return State{}, false
	}
	return cloneState(st), true
}

// FireEvent fires an event on the fake's bus, as HA itself would
// (origin LOCAL, no user). It returns how many subscriptions it was queued
// for; see Delivered for what actually reached a socket.
func (s *Server) FireEvent(eventType string, data any) int {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(fmt.Sprintf("hatest: event data: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fireLocked(eventType, raw, Context{ID: s.newContextID()})
}

// FireEventAs fires an event whose context names userID, as an event a
// person's own device sends (a tapped notification action) arrives.
func (s *Server) FireEventAs(eventType string, data any, userID string) int {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(fmt.Sprintf("hatest: event data: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fireLocked(eventType, raw, Context{ID: s.newContextID(), UserID: userID})
}

// Listeners is how many live subscriptions an event of eventType would
// reach now.
func (s *Server) Listeners(eventType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		for _, sub := range c.subs {
			if !sub.entities && (sub.eventType == "" || sub.eventType == eventType) {
				n++
			}
		}
	}
	return n
}

// BurstEntities are the entities Burst changes.
const BurstEntities = 10

// Burst makes n state changes as fast as the fake can, round-robin over
// sensor.hatest_burst_0 … _9; change i sets state strconv.Itoa(i).
func (s *Server) Burst(n int) {
	for i := range n {
		s.SetState("sensor.hatest_burst_"+strconv.Itoa(i%BurstEntities), strconv.Itoa(i),
			map[string]any{"unit_of_measurement": "count", "friendly_name": "Burst"})
	}
}

// DropAll closes every socket abruptly (no close frame), like a crashed HA
// or a dropped network, and returns how many it closed.
func (s *Server) DropAll() int {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.drop()
	}
	return len(conns)
}

// SetRefuseAuth makes the fake answer auth_invalid to every token.
func (s *Server) SetRefuseAuth(refuse bool) {
	s.mu.Lock()
	s.refuseAuth = refuse
	s.mu.Unlock()
}

// SetCoreState sets what get_config answers as HA's state: NOT_RUNNING,
// STARTING while integrations load (the WebSocket API is up early, so a
// client can connect while entities are still missing), RUNNING (the
// default), STOPPING.
func (s *Server) SetCoreState(state string) {
	s.mu.Lock()
	s.coreState = state
	s.mu.Unlock()
}

// SetIgnorePing makes the fake swallow pings, as a hung HA would.
func (s *Server) SetIgnorePing(ignore bool) {
	s.mu.Lock()
	s.ignorePing = ignore
	s.mu.Unlock()
}

// Connections is how many connections have logged in so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// LastLogin is when the fake last accepted a token (zero if never).
func (s *Server) LastLogin() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastLogin
}

// Live is how many logged-in connections are open now.
func (s *Server) Live() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Calls returns the call_service commands received, in order.
func (s *Server) Calls() []ServiceCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ServiceCall(nil), s.calls...)
}

// Commands returns every accepted command, in order.
func (s *Server) Commands() []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Command(nil), s.commands...)
}

// RegistryEntry is one entity registry entry, as config/entity_registry/list
// shows it (the fields LifeOps reads; HA sends more).
type RegistryEntry struct {
	EntityID string `json:"entity_id"`
	Platform string `json:"platform"`
	UniqueID string `json:"unique_id"`
}

// Register adds an entity registry entry, as an integration (MQTT discovery)
// would when it creates an entity.
func (s *Server) Register(e RegistryEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registry = append(s.registry, e)
}

// Exposed returns entity → assistant → exposed, from expose_entity.
func (s *Server) Exposed() map[string]map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]map[string]bool, len(s.exposed))
	for k, v := range s.exposed {
		m := make(map[string]bool, len(v))
		for a, b := range v {
			m[a] = b
		}
		out[k] = m
	}
	return out
}

// MaxQueueDepth is the deepest any connection's send queue has been.
func (s *Server) MaxQueueDepth() int {
	s.stats.Lock()
	defer s.stats.Unlock()
	return s.maxDepth
}

// Frames returns how many frames were written after auth, and how many of
// them were coalesced arrays.
func (s *Server) Frames() (frames, arrays int) {
	s.stats.Lock()
	defer s.stats.Unlock()
	return s.frames, s.arrays
}

// Delivered returns the subscribe_events events of eventType (all when
// empty) that were written whole to a live socket.
func (s *Server) Delivered(eventType string) []Delivery {
	s.stats.Lock()
	defer s.stats.Unlock()
	var out []Delivery
	for _, d := range s.delivered {
		if eventType == "" || d.EventType == eventType {
			out = append(out, d)
		}
	}
	return out
}

// newContextID makes ULID-shaped (26 character) ids that sort by creation.
func (s *Server) newContextID() string {
	s.ctxSeq++
	return fmt.Sprintf("01HATEST%018d", s.ctxSeq)
}

// --- fan-out (called with s.mu held) ------------------------------------

func (s *Server) fanOutStateChanged(entityID string, old, cur *State, fired time.Time, ctx Context) {
	data, err := json.Marshal(struct {
		EntityID string `json:"entity_id"`
		OldState *State `json:"old_state"`
		NewState *State `json:"new_state"`
	}{entityID, old, cur})
	if err != nil {
		panic(err)
	}
	s.fireAtLocked("state_changed", data, ctx, fired)

	var payload []byte
	for c := range s.conns {
		for id, sub := range c.subs {
			if !sub.entities || !sub.wants(entityID) {
				continue
			}
			if payload == nil {
				payload = entityPayload(old, cur)
			}
			c.enqueue(eventMessage(id, payload), nil)
		}
	}
}

// entityPayload is _forward_entity_changes: "a" for an added entity,
// "r" for a removed one, else "c" with the diff.
func entityPayload(old, cur *State) []byte {
	var v any
	switch {
	case old == nil:
		v = map[string]any{"a": map[string]compressed{cur.EntityID: compress(cur)}}
	case cur == nil:
		v = map[string]any{"r": []string{old.EntityID}}
	default:
		v = map[string]any{"c": map[string]diff{cur.EntityID: stateDiff(old, cur)}}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (s *Server) fireLocked(eventType string, data json.RawMessage, ctx Context) int {
	return s.fireAtLocked(eventType, data, ctx, s.opts.Now().UTC())
}

func (s *Server) fireAtLocked(eventType string, data json.RawMessage, ctx Context, fired time.Time) int {
	if len(data) == 0 || string(data) == "null" {
		data = json.RawMessage("{}")
	}
	if s.opts.Listen != nil {
		s.opts.Listen(eventType, data)
	}
	var ev []byte
	n := 0
	for c := range s.conns {
		for id, sub := range c.subs {
			if sub.entities || (sub.eventType != "" && sub.eventType != eventType) {
				continue
			}
			if ev == nil {
				var err error
				ev, err = json.Marshal(struct {
					EventType string          `json:"event_type"`
					Data      json.RawMessage `json:"data"`
					Origin    string          `json:"origin"`
					TimeFired string          `json:"time_fired"`
					Context   Context         `json:"context"`
				}{eventType, data, "LOCAL", isoformat(fired), ctx})
				if err != nil {
					panic(err)
				}
			}
			c.enqueue(eventMessage(id, ev), &Delivery{Conn: c.num, Subscription: id, EventType: eventType, Data: data})
			n++
		}
	}
	return n
}

func eventMessage(id int64, event []byte) []byte {
	b := make([]byte, 0, len(event)+48)
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"type":"event","event":`...)
	b = append(b, event...)
	return append(b, '}')
}

package hass

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// session is one logged-in connection. Ids start at 1 on every connection,
// as HA expects.
type session struct {
	c    *Client
	conn *websocket.Conn
	ctx  context.Context // ends with the connection
	stop context.CancelFunc
	wg   sync.WaitGroup // reader, pinger, on-connect hooks, late subscribes
	done chan struct{}  // closed when the reader has exited

	// wmu makes "take the next id" and "write the frame" one step: if two
	// goroutines took 7 and 8 and 8 reached HA first, HA would reject 7 as
	// id_reuse and its caller would wait forever.
	wmu    sync.Mutex
	lastID int64

	mu       sync.Mutex
	closed   bool
	err      error
	pending  map[int64]chan message
	bindings map[int64]*binding
}

// binding is a subscription as issued on one session. Only the reader
// touches it after the subscribe command was written.
type binding struct {
	sub     *subscription
	initial bool // the next event is subscribe_entities' full dump
}

func newSession(parent context.Context, c *Client, conn *websocket.Conn) *session {
	ctx, stop := context.WithCancel(parent)
	return &session{
		c: c, conn: conn, ctx: ctx, stop: stop,
		done:     make(chan struct{}),
		pending:  make(map[int64]chan message),
		bindings: make(map[int64]*binding),
	}
}

// send allocates the next id and writes the command under one lock. reply
// (buffered, 1) receives the answer; bind registers a subscription before
// the frame leaves, so no event can arrive ahead of its binding.
func (s *session) send(msgType string, fields any, bind *binding) (int64, chan message, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	id := s.lastID + 1
	frame, err := encodeCommand(id, msgType, fields)
	if err != nil {
		return 0, nil, err
	}
	reply := make(chan message, 1)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, nil, fmt.Errorf("%s: %w", msgType, ErrDisconnected)
	}
	s.pending[id] = reply
	if bind != nil {
		s.bindings[id] = bind
	}
	s.mu.Unlock()
	s.lastID = id

	wctx, cancel := context.WithTimeout(s.ctx, s.c.opts.WriteTimeout)
	err = s.conn.Write(wctx, websocket.MessageText, frame)
	cancel()
	if err != nil {
		s.forget(id)
		s.fail(fmt.Errorf("write %s: %w", msgType, err))
		return 0, nil, fmt.Errorf("%s: %w", msgType, ErrDisconnected)
	}
	return id, reply, nil
}

// request sends a command and waits for its result (or pong).
func (s *session) request(ctx context.Context, msgType string, fields any) (json.RawMessage, error) {
	return s.requestBound(ctx, msgType, fields, nil)
}

func (s *session) requestBound(ctx context.Context, msgType string, fields any, bind *binding) (json.RawMessage, error) {
	id, reply, err := s.send(msgType, fields, bind)
	if err != nil {
		return nil, err
	}
	var m message
	select {
	case m = <-reply:
	case <-s.done:
		select { // the answer may have beaten the disconnect
		case m = <-reply:
		default:
			return nil, fmt.Errorf("%s: %w", msgType, ErrDisconnected)
		}
	case <-ctx.Done():
		s.forget(id)
		return nil, fmt.Errorf("%s: %w", msgType, ctx.Err())
	}
	if m.Type == "result" && !m.Success {
		if m.Error == nil {
			m.Error = &ResultError{Code: "unknown_error", Message: "no error in failed result"}
		}
		if bind != nil {
			s.unbind(id)
		}
		return nil, fmt.Errorf("%s: %w", msgType, m.Error)
	}
	return m.Result, nil
}

func (s *session) forget(id int64) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
}

func (s *session) unbind(id int64) {
	s.mu.Lock()
	delete(s.bindings, id)
	s.mu.Unlock()
}

// subscribe issues sub on this session and waits for HA's result.
func (s *session) subscribe(ctx context.Context, sub *subscription) error {
	msgType, fields := sub.command()
	_, err := s.requestBound(ctx, msgType, fields, &binding{sub: sub, initial: sub.entities != nil})
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", sub, err)
	}
	return nil
}

// goIfOpen runs fn on a goroutine the session waits for, unless the session
// has already ended (then the next session will cover it).
func (s *session) goIfOpen(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.wg.Go(fn)
}

// fail records why the session is ending (first cause wins) and drops the
// socket, which ends the reader and with it the session.
func (s *session) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.conn.CloseNow()
}

func (s *session) cause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *session) teardown() {
	s.stop()
	s.conn.CloseNow()
	s.wg.Wait()
}

// readLoop is the connection's only reader. It decodes, completes waiting
// calls and queues events; anything slow happens elsewhere.
func (s *session) readLoop() {
	defer func() {
		s.mu.Lock()
		s.closed = true
		s.pending = nil
		s.mu.Unlock()
		close(s.done)
	}()
	for {
		typ, b, err := s.conn.Read(s.ctx)
		if err != nil {
			s.fail(fmt.Errorf("read: %w", err))
			return
		}
		if typ != websocket.MessageText {
			s.c.log.Warn().Msg("home assistant sent a binary frame; ignored")
			continue
		}
		msgs, err := decodeFrame(b)
		if err != nil {
			s.c.log.Warn().Err(err).Int("bytes", len(b)).Msg("home assistant sent a malformed frame")
		}
		for i := range msgs {
			s.dispatch(&msgs[i])
		}
	}
}

func (s *session) dispatch(m *message) {
	switch m.Type {
	case "result", "pong":
		s.mu.Lock()
		reply := s.pending[m.ID]
		delete(s.pending, m.ID)
		s.mu.Unlock()
		if reply != nil {
			reply <- *m
		}
	case "event":
		s.mu.Lock()
		b := s.bindings[m.ID]
		s.mu.Unlock()
		if b != nil {
			s.deliver(b, m.Event)
		}
	default:
		s.c.log.Debug().Str("type", m.Type).Int64("id", m.ID).Msg("unexpected home assistant message")
	}
}

func (s *session) deliver(b *binding, payload json.RawMessage) {
	sub := b.sub
	if sub.events != nil {
		var ev Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			s.c.log.Warn().Err(err).Msg("home assistant sent a malformed event")
			return
		}
		if !sub.events.push(ev) {
			if n := s.c.dropped.Add(1); n == 1 || n%1000 == 0 {
				s.c.log.Warn().Str("event_type", ev.EventType).Uint64("dropped_total", n).
					Msg("event handler too slow; dropping events")
			}
		}
		return
	}
	initial := b.initial
	b.initial = false
	changes, err := sub.apply(payload, initial)
	if err != nil {
		s.c.log.Warn().Err(err).Msg("home assistant sent a malformed entity event")
	}
	for _, ch := range changes {
		sub.entities.push(ch)
	}
}

func (s *session) pingLoop() {
	t := time.NewTicker(s.c.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.done:
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(s.ctx, s.c.opts.PingTimeout)
		_, err := s.request(pctx, "ping", nil)
		cancel()
		if err != nil {
			if s.ctx.Err() == nil {
				s.fail(fmt.Errorf("no pong within %s: %w", s.c.opts.PingTimeout, err))
			}
			return
		}
	}
}

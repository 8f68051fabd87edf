package hatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

type subscription struct {
	entities  bool
	eventType string          // subscribe_events filter; empty = all
	entityIDs map[string]bool // subscribe_entities filter; nil = all
}

func (sub subscription) wants(entityID string) bool {
	return sub.entityIDs == nil || sub.entityIDs[entityID]
}

type outMsg struct {
	data     []byte
	delivery *Delivery
}

// conn is one logged-in client. Fields marked (s.mu) belong to the event loop.
type conn struct {
	s      *Server
	num    int
	ws     *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc

	lastID int64                  // (s.mu)
	subs   map[int64]subscription // (s.mu)

	qmu       sync.Mutex
	queue     []outMsg
	coalesceW bool        // writer's copy of coalesce
	peak      *time.Timer // running while the queue is above PeakPending
	wake      chan struct{}
}

func (s *Server) serve(parent context.Context, ws *websocket.Conn, supervisor bool) {
	defer ws.CloseNow()
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	if !s.authenticate(ctx, ws, supervisor) {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.nextConn++
	c := &conn{s: s, num: s.nextConn, ws: ws, ctx: ctx, cancel: cancel,
		subs: map[int64]subscription{}, wake: make(chan struct{}, 1)}
	s.conns[c] = struct{}{}
	s.mu.Unlock()

	var writer sync.WaitGroup
	writer.Go(c.writeLoop)
	c.readLoop()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	cancel()
	ws.CloseNow()
	writer.Wait()
	c.qmu.Lock()
	if c.peak != nil {
		c.peak.Stop()
	}
	c.qmu.Unlock()
}

// authenticate runs HA's auth phase (auth.py); the Supervisor proxy does the
// same with its own wording.
func (s *Server) authenticate(ctx context.Context, ws *websocket.Conn, supervisor bool) bool {
	send := func(v any) bool {
		b, _ := json.Marshal(v)
		return ws.Write(ctx, websocket.MessageText, b) == nil
	}
	if !send(map[string]string{"type": "auth_required", "ha_version": s.opts.HAVersion}) {
		return false
	}
	actx, cancel := context.WithTimeout(ctx, s.opts.AuthTimeout)
	typ, b, err := ws.Read(actx)
	cancel()
	if err != nil || typ != websocket.MessageText {
		return false
	}
	var msg struct {
		Type        string `json:"type"`
		AccessToken string `json:"access_token"`
		APIPassword string `json:"api_password"`
	}
	if err := json.Unmarshal(b, &msg); err != nil || msg.Type != "auth" {
		send(map[string]string{"type": "auth_invalid", "message": "Auth message incorrectly formatted"})
		return false
	}
	token := msg.AccessToken
	if token == "" && supervisor {
		token = msg.APIPassword
	}
	s.mu.Lock()
	refuse := s.refuseAuth
	s.mu.Unlock()
	if refuse || token != s.opts.Token {
		reason := "Invalid access token or password"
		if supervisor {
			reason = "Invalid access"
		}
		send(map[string]string{"type": "auth_invalid", "message": reason})
		ws.Close(websocket.StatusPolicyViolation, "")
		return false
	}
	// Counted and stamped before auth_ok goes out, so that nothing the
	// client does because of this login can come before it.
	s.mu.Lock()
	s.connections++
	s.lastLogin = time.Now()
	s.mu.Unlock()
	return send(map[string]string{"type": "auth_ok", "ha_version": s.opts.HAVersion})
}

func (c *conn) drop() {
	c.cancel()
	c.ws.CloseNow()
}

// enqueue adds one message to the send queue and applies HA's slow-consumer
// rules. Called with s.mu held, so per-connection order is the loop's order.
func (c *conn) enqueue(data []byte, d *Delivery) {
	c.qmu.Lock()
	c.queue = append(c.queue, outMsg{data: data, delivery: d})
	depth := len(c.queue)
	cancel := depth >= c.s.opts.MaxPending
	if depth > c.s.opts.PeakPending && c.peak == nil {
		c.peak = time.AfterFunc(c.s.opts.PeakTime, c.peakExpired)
	}
	c.qmu.Unlock()
	c.s.stats.Lock()
	c.s.maxDepth = max(c.s.maxDepth, depth)
	c.s.stats.Unlock()
	if cancel {
		c.drop() // HA: "Client unable to keep up with pending messages"
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// peakExpired is HA's PENDING_MSG_PEAK_TIME check: still above the peak
// after PeakTime means the client cannot keep up.
func (c *conn) peakExpired() {
	c.qmu.Lock()
	above := len(c.queue) > c.s.opts.PeakPending
	c.peak = nil
	c.qmu.Unlock()
	if above {
		c.drop()
	}
}

// writeLoop is HA's _writer: when coalescing is on and more than one
// message waits, up to 256 go out as one JSON array.
func (c *conn) writeLoop() {
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.wake:
		}
		for {
			c.qmu.Lock()
			n := len(c.queue)
			if n == 0 {
				c.qmu.Unlock()
				break
			}
			k := 1
			if c.coalesceW {
				k = min(n, coalesceLimit)
			}
			batch := make([]outMsg, k)
			copy(batch, c.queue)
			c.queue = append(c.queue[:0], c.queue[k:]...)
			if len(c.queue) <= c.s.opts.PeakPending && c.peak != nil {
				c.peak.Stop()
				c.peak = nil
			}
			c.qmu.Unlock()

			frame := batch[0].data
			if k > 1 {
				parts := make([][]byte, k)
				for i, m := range batch {
					parts[i] = m.data
				}
				frame = append(append([]byte{'['}, bytes.Join(parts, []byte{','})...), ']')
			}
			if err := c.ws.Write(c.ctx, websocket.MessageText, frame); err != nil {
				c.drop()
				return
			}
			c.s.stats.Lock()
			c.s.frames++
			if k > 1 {
				c.s.arrays++
			}
			for _, m := range batch {
				if m.delivery != nil {
					c.s.delivered = append(c.s.delivered, *m.delivery)
				}
			}
			c.s.stats.Unlock()
		}
	}
}

// readLoop handles commands like connection.py's async_handle. A binary
// frame or invalid JSON closes the connection, as in HA's http.py.
func (c *conn) readLoop() {
	for {
		typ, b, err := c.ws.Read(c.ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			return
		}
		var raw json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) > 0 && raw[0] == '[' {
			var msgs []json.RawMessage
			if err := json.Unmarshal(raw, &msgs); err != nil {
				return
			}
			for _, m := range msgs {
				c.handle(m)
			}
			continue
		}
		c.handle(raw)
	}
}

func (c *conn) handle(raw json.RawMessage) {
	s := c.s
	var msg map[string]json.RawMessage
	if err := json.Unmarshal(raw, &msg); err != nil {
		s.mu.Lock()
		c.sendError(0, "invalid_format", "Message incorrectly formatted.")
		s.mu.Unlock()
		return
	}
	var id int64
	var msgType string
	idOK := json.Unmarshal(msg["id"], &id) == nil && id >= 1 && isInteger(msg["id"])
	typeOK := json.Unmarshal(msg["type"], &msgType) == nil && len(msg["type"]) > 0 && msg["type"][0] == '"'
	s.mu.Lock()
	if !idOK || !typeOK {
		if !idOK {
			id = 0
		}
		c.sendError(id, "invalid_format", "Message incorrectly formatted.")
		s.mu.Unlock()
		return
	}
	if id <= c.lastID {
		c.sendError(id, "id_reuse", "Identifier values have to increase.")
		s.mu.Unlock()
		return
	}
	handler, ok := handlerFor(msgType)
	if !ok {
		c.sendError(id, "unknown_command", "Unknown command.")
		s.mu.Unlock()
		return
	}
	c.lastID = id
	cmd := Command{Conn: c.num, ID: id, Type: msgType}
	s.commands = append(s.commands, cmd)
	handler(c, id, msg)
	s.mu.Unlock()
	if s.opts.OnCommand != nil {
		s.opts.OnCommand(cmd)
	}
}

func isInteger(raw json.RawMessage) bool {
	return len(raw) > 0 && !bytes.ContainsAny(raw, ".eE")
}

// --- replies (s.mu held) -------------------------------------------------

func (c *conn) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	c.enqueue(b, nil)
}

func (c *conn) sendResult(id int64, result any) {
	c.send(struct {
		ID      int64  `json:"id"`
		Type    string `json:"type"`
		Success bool   `json:"success"`
		Result  any    `json:"result"`
	}{id, "result", true, result})
}

func (c *conn) sendError(id int64, code, message string) {
	c.send(struct {
		ID      int64  `json:"id"`
		Type    string `json:"type"`
		Success bool   `json:"success"`
		Error   Error  `json:"error"`
	}{id, "result", false, Error{Code: code, Message: message}})
}

// field decodes msg[key] into dst; absent is fine unless required. It sends
// HA's voluptuous-style invalid_format and reports false on failure.
func (c *conn) field(id int64, msg map[string]json.RawMessage, key string, required bool, dst any) bool {
	raw, ok := msg[key]
	if !ok {
		if required {
			c.sendError(id, "invalid_format",
				fmt.Sprintf("Message incorrectly formatted: required key not provided @ data['%s']", key))
			return false
		}
		return true
	}
	if err := json.Unmarshal(raw, dst); err != nil || string(raw) == "null" {
		c.sendError(id, "invalid_format",
			fmt.Sprintf("Message incorrectly formatted: expected a valid value for dictionary value @ data['%s']", key))
		return false
	}
	return true
}

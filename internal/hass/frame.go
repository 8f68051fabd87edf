package hass

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrMalformedFrame means HA sent a frame that is neither a JSON object nor a
// JSON array of objects.
var ErrMalformedFrame = errors.New("malformed frame")

// message is every field of every server → client message LifeOps reads.
// Fields a given type does not use stay zero.
type message struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	Success   bool            `json:"success"`
	Result    json.RawMessage `json:"result"`
	Error     *ResultError    `json:"error"`
	Event     json.RawMessage `json:"event"`
	HAVersion string          `json:"ha_version"`
	Message   string          `json:"message"`
}

// decodeFrame splits one text frame into messages. With coalescing on, HA
// sends a JSON array when several messages were queued and a bare object
// otherwise, so the first non-space byte decides. A bad element of an array
// does not spoil its neighbours: the good ones are returned with the error.
func decodeFrame(b []byte) ([]message, error) {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrMalformedFrame)
	}
	switch b[0] {
	case '{':
		var m message
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformedFrame, err)
		}
		return []message{m}, nil
	case '[':
		var raws []json.RawMessage
		if err := json.Unmarshal(b, &raws); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformedFrame, err)
		}
		msgs := make([]message, 0, len(raws))
		var errs []error
		for i, raw := range raws {
			var m message
			if err := json.Unmarshal(raw, &m); err != nil {
				errs = append(errs, fmt.Errorf("element %d: %w", i, err))
				continue
			}
			msgs = append(msgs, m)
		}
		if len(errs) > 0 {
			return msgs, fmt.Errorf("%w: %w", ErrMalformedFrame, errors.Join(errs...))
		}
		return msgs, nil
	default:
		return nil, fmt.Errorf("%w: starts with %q", ErrMalformedFrame, b[0])
	}
}

// encodeCommand builds `{...fields,"id":N,"type":T}`. id and type go last
// because HA's JSON decoder keeps the last duplicate key, so a stray "id" in
// fields can never override the id we allocated.
func encodeCommand(id int64, msgType string, fields any) ([]byte, error) {
	typ, err := json.Marshal(msgType)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 0, 64)
	buf = append(buf, '{')
	if fields != nil {
		body, err := json.Marshal(fields)
		if err != nil {
			return nil, fmt.Errorf("encode %s fields: %w", msgType, err)
		}
		body = bytes.TrimSpace(body)
		switch {
		case bytes.Equal(body, []byte("null")):
		case len(body) < 2 || body[0] != '{':
			return nil, fmt.Errorf("encode %s fields: must be a JSON object, got %.20s", msgType, body)
		case len(body) > 2:
			buf = append(buf, body[1:len(body)-1]...)
			buf = append(buf, ',')
		}
	}
	buf = append(buf, `"id":`...)
	buf = fmt.Appendf(buf, "%d", id)
	buf = append(buf, `,"type":`...)
	buf = append(buf, typ...)
	buf = append(buf, '}')
	return buf, nil
}

package hatest

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"time"
)

// Context is HA's context; an empty ParentID or UserID is sent as null.
type Context struct {
	ID       string
	ParentID string
	UserID   string
}

// MarshalJSON writes the context as HA does, with nulls for empty members.
func (c Context) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]*string{"id": &c.ID, "parent_id": nullable(c.ParentID), "user_id": nullable(c.UserID)})
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// State is one entity's state in the fake's state machine.
type State struct {
	EntityID    string
	State       string
	Attributes  map[string]any
	LastChanged time.Time
	LastUpdated time.Time
	Context     Context
}

// MarshalJSON writes the full form used by get_states and state_changed.
func (s State) MarshalJSON() ([]byte, error) {
	attrs := s.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	return json.Marshal(struct {
		EntityID    string         `json:"entity_id"`
		State       string         `json:"state"`
		Attributes  map[string]any `json:"attributes"`
		LastChanged string         `json:"last_changed"`
		LastUpdated string         `json:"last_updated"`
		Context     Context        `json:"context"`
	}{s.EntityID, s.State, attrs, isoformat(s.LastChanged), isoformat(s.LastUpdated), s.Context})
}

// isoformat mimics Python's datetime.isoformat for UTC: microseconds only
// when non-zero, offset spelled +00:00.
func isoformat(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05+00:00")
	}
	return t.Format("2006-01-02T15:04:05.000000+00:00")
}

func timestamp(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

// compressedContext is a bare id when parent_id and user_id are both null.
func compressedContext(c Context) any {
	if c.ParentID == "" && c.UserID == "" {
		return c.ID
	}
	return c
}

type compressed struct {
	S  string         `json:"s"`
	A  map[string]any `json:"a"`
	C  any            `json:"c"`
	LC float64        `json:"lc"`
	LU *float64       `json:"lu,omitempty"`
}

// compress is State.as_compressed_state: lu only when it differs from lc.
func compress(s *State) compressed {
	c := compressed{S: s.State, A: s.Attributes, C: compressedContext(s.Context), LC: timestamp(s.LastChanged)}
	if c.A == nil {
		c.A = map[string]any{}
	}
	if !s.LastUpdated.Equal(s.LastChanged) {
		lu := timestamp(s.LastUpdated)
		c.LU = &lu
	}
	return c
}

type diffPlus struct {
	S  *string        `json:"s,omitempty"`
	LC *float64       `json:"lc,omitempty"`
	LU *float64       `json:"lu,omitempty"`
	C  any            `json:"c,omitempty"`
	A  map[string]any `json:"a,omitempty"`
}

type diffMinus struct {
	A []string `json:"a"`
}

type diff struct {
	Plus diffPlus `json:"+"`
	//lint:ignore SA5008 HA's key is literally "-"; encoding/json documents the tag "-," for that name
	Minus *diffMinus `json:"-,omitempty"`
}

// stateDiff follows core's _state_diff member by member.
func stateDiff(old, cur *State) diff {
	var d diff
	if old.State != cur.State {
		d.Plus.S = &cur.State
	}
	if !old.LastChanged.Equal(cur.LastChanged) {
		lc := timestamp(cur.LastChanged)
		d.Plus.LC = &lc
	} else if !old.LastUpdated.Equal(cur.LastUpdated) {
		lu := timestamp(cur.LastUpdated)
		d.Plus.LU = &lu
	}
	ctx := map[string]*string{}
	if old.Context.ParentID != cur.Context.ParentID {
		ctx["parent_id"] = nullable(cur.Context.ParentID)
	}
	if old.Context.UserID != cur.Context.UserID {
		ctx["user_id"] = nullable(cur.Context.UserID)
	}
	if old.Context.ID != cur.Context.ID {
		if len(ctx) > 0 {
			ctx["id"] = &cur.Context.ID
		} else {
			d.Plus.C = cur.Context.ID
		}
	}
	if len(ctx) > 0 {
		d.Plus.C = ctx
	}
	added := map[string]any{}
	for k, v := range cur.Attributes {
		if ov, ok := old.Attributes[k]; !ok || !reflect.DeepEqual(ov, v) {
			added[k] = v
		}
	}
	if len(added) > 0 {
		d.Plus.A = added
	}
	var removed []string
	for k := range old.Attributes {
		if _, ok := cur.Attributes[k]; !ok {
			removed = append(removed, k)
		}
	}
	if len(removed) > 0 {
		slices.Sort(removed)
		d.Minus = &diffMinus{A: removed}
	}
	return d
}

// normalize round-trips attributes through JSON so that comparisons see
// what a client would see (ints become float64, structs become maps).
func normalize(attrs map[string]any) (map[string]any, error) {
	if attrs == nil {
		return map[string]any{}, nil
	}
	b, err := json.Marshal(attrs)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func cloneState(s *State) State {
	c := *s
	c.Attributes = maps.Clone(s.Attributes)
	return c
}

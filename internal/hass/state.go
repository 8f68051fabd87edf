package hass

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HA's placeholder states. They are not values and must never reach a score
// as a number.
const (
	StateUnknown     = "unknown"
	StateUnavailable = "unavailable"
)

var (
	// ErrNotAvailable means an entity is "unknown" or "unavailable".
	ErrNotAvailable = errors.New("state not available")
	// ErrNotNumeric means an available state is not a finite number.
	ErrNotNumeric = errors.New("state not numeric")
)

// Context is HA's context of a state change, event or service call.
// ParentID and UserID are empty when HA sends null.
type Context struct {
	ID       string `json:"id"`
	ParentID string `json:"parent_id"`
	UserID   string `json:"user_id"`
}

// State is the full state of one entity, as get_states returns it and as
// SubscribeEntities rebuilds it from HA's compressed stream. Attributes is
// shared with other copies of the same state: treat it as read-only.
type State struct {
	EntityID    string         `json:"entity_id"`
	State       string         `json:"state"`
	Attributes  map[string]any `json:"attributes"`
	LastChanged time.Time      `json:"last_changed"`
	LastUpdated time.Time      `json:"last_updated"`
	Context     Context        `json:"context"`
}

// Available reports whether the state is a real value, not HA's "unknown"
// or "unavailable".
func (s State) Available() bool { return available(s.State) }

// Float parses the state as a number. It returns ErrNotAvailable for
// "unknown"/"unavailable" and ErrNotNumeric for anything else that is not a
// finite number.
func (s State) Float() (float64, error) {
	f, err := ParseNumber(s.State)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", s.EntityID, err)
	}
	return f, nil
}

// ParseNumber parses a numeric HA state string, refusing "unknown",
// "unavailable" (ErrNotAvailable), NaN, infinities and text (ErrNotNumeric).
func ParseNumber(state string) (float64, error) {
	if !available(state) {
		return 0, fmt.Errorf("state %q: %w", state, ErrNotAvailable)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(state), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("state %q: %w", state, ErrNotNumeric)
	}
	return f, nil
}

func available(state string) bool {
	return state != StateUnknown && state != StateUnavailable
}

// EntityChange is one entity's move from Old to New. Old is nil the first
// time the subscription sees the entity; New is nil when HA removed it.
// When a handler falls behind, several changes of one entity are merged into
// one EntityChange (oldest Old, newest New).
type EntityChange struct {
	EntityID string
	Old      *State
	New      *State
}

// Event is one HA bus event from subscribe_events.
type Event struct {
	EventType string          `json:"event_type"`
	Data      json.RawMessage `json:"data"`
	Origin    string          `json:"origin"`
	TimeFired time.Time       `json:"time_fired"`
	Context   Context         `json:"context"`
}

// compressedState is one entity in subscribe_entities' "a" map and the "+"
// half of a "c" diff. Pointers tell "absent" from "zero".
type compressedState struct {
	S  *string         `json:"s"`
	A  map[string]any  `json:"a"`
	C  json.RawMessage `json:"c"`
	LC *float64        `json:"lc"`
	LU *float64        `json:"lu"`
}

type entityDiff struct {
	Plus compressedState `json:"+"`
	//lint:ignore SA5008 HA's key is literally "-"; encoding/json documents the tag "-," for that name
	Minus removedAttrs `json:"-,"`
}

type removedAttrs struct {
	A []string `json:"a"`
}

type entityEvent struct {
	A map[string]compressedState `json:"a"`
	C map[string]entityDiff      `json:"c"`
	R []string                   `json:"r"`
}

// applyEntityEvent folds one subscribe_entities event into cache and
// returns the changes it made, in entity id order. It never mutates a State
// or attribute map already in the cache: handlers may still hold them.
func applyEntityEvent(cache map[string]*State, payload json.RawMessage) ([]EntityChange, error) {
	var ev entityEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("entity event: %w", err)
	}
	var changes []EntityChange
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(ev.A)) {
		cs := ev.A[id]
		st := &State{EntityID: id, Attributes: cs.A}
		if st.Attributes == nil {
			st.Attributes = map[string]any{}
		}
		if cs.S != nil {
			st.State = *cs.S
		}
		ctx, err := mergeContext(Context{}, cs.C)
		if err != nil {
			errs = append(errs, fmt.Errorf("entity %s: %w", id, err))
			continue
		}
		st.Context = ctx
		if cs.LC != nil {
			st.LastChanged = unixFloat(*cs.LC)
			st.LastUpdated = st.LastChanged
		}
		if cs.LU != nil {
			st.LastUpdated = unixFloat(*cs.LU)
		}
		changes = append(changes, EntityChange{EntityID: id, Old: cache[id], New: st})
		cache[id] = st
	}
	for _, id := range slices.Sorted(maps.Keys(ev.C)) {
		d := ev.C[id]
		old, ok := cache[id]
		if !ok {
			errs = append(errs, fmt.Errorf("entity %s: change for an entity never added", id))
			continue
		}
		st := *old
		if d.Plus.S != nil {
			st.State = *d.Plus.S
		}
		if len(d.Plus.A) > 0 || len(d.Minus.A) > 0 {
			attrs := make(map[string]any, len(old.Attributes)+len(d.Plus.A))
			maps.Copy(attrs, old.Attributes)
			maps.Copy(attrs, d.Plus.A)
			for _, k := range d.Minus.A {
				delete(attrs, k)
			}
			st.Attributes = attrs
		}
		ctx, err := mergeContext(old.Context, d.Plus.C)
		if err != nil {
			errs = append(errs, fmt.Errorf("entity %s: %w", id, err))
			continue
		}
		st.Context = ctx
		// HA sends lc when last_changed moved (last_updated moved with it),
		// otherwise lu alone.
		if d.Plus.LC != nil {
			st.LastChanged = unixFloat(*d.Plus.LC)
			st.LastUpdated = st.LastChanged
		} else if d.Plus.LU != nil {
			st.LastUpdated = unixFloat(*d.Plus.LU)
		}
		changes = append(changes, EntityChange{EntityID: id, Old: old, New: &st})
		cache[id] = &st
	}
	for _, id := range ev.R {
		old, ok := cache[id]
		if !ok {
			continue
		}
		delete(cache, id)
		changes = append(changes, EntityChange{EntityID: id, Old: old})
	}
	return changes, errors.Join(errs...)
}

// mergeContext applies a compressed context: a bare string replaces only
// the id (HA sends it that way when parent_id and user_id did not change, or
// are both null in a full state); an object carries only changed members.
func mergeContext(base Context, raw json.RawMessage) (Context, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return base, nil
	}
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &base.ID); err != nil {
			return base, fmt.Errorf("context: %w", err)
		}
		return base, nil
	}
	var members map[string]*string
	if err := json.Unmarshal(raw, &members); err != nil {
		return base, fmt.Errorf("context: %w", err)
	}
	for k, v := range members {
		val := ""
		if v != nil {
			val = *v
		}
		switch k {
		case "id":
			base.ID = val
		case "parent_id":
			base.ParentID = val
		case "user_id":
			base.UserID = val
		}
	}
	return base, nil
}

// unixFloat turns HA's float seconds into a UTC time at microsecond
// precision, which is all HA keeps; rounding hides float noise.
func unixFloat(f float64) time.Time {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return time.Time{}
	}
	sec := math.Floor(f)
	us := math.Round((f - sec) * 1e6)
	return time.Unix(int64(sec), int64(us)*1e3).UTC()
}

// sameState reports whether a and b are the same revision of an entity, so
// a re-sent initial dump after a reconnect does not look like a change.
func sameState(a, b *State) bool {
	return a != nil && b != nil && a.State == b.State &&
		a.LastChanged.Equal(b.LastChanged) && a.LastUpdated.Equal(b.LastUpdated) &&
		a.Context == b.Context
}

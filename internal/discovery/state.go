package discovery

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// Snapshot is the current state of everything the entities show.
type Snapshot struct {
	BaseTopic   string
	People      []PersonState
	Connections Connections
}

// Connections are the household device's diagnostics.
type Connections struct {
	HomeAssistant Connection
	Oura          Connection
	Database      Connection
}

// ConnState is a connection's state as the diagnostics show it.
type ConnState string

// Connection states. The binary sensor is ON for ConnOK, OFF for ConnDown,
// and unknown for ConnNotConfigured (nothing to connect to is not a
// failure); the "status" attribute names the state in words.
const (
	ConnOK            ConnState = "ok"
	ConnDown          ConnState = "down"
	ConnNotConfigured ConnState = "not_configured"
)

// Connection is one connection's diagnostic.
type Connection struct {
	State ConnState
	Error string    // why it is down, when it is
	Since time.Time // when it entered State; zero: not known
}

// PersonState is one person's current values. Pointers are nil when the
// value is not known yet; the entity then shows "unknown".
type PersonState struct {
	PersonID      int64
	LifeScore     *LifeScore
	Level         int
	XP            int64
	XPToNextLevel int64
	UnspentPoints int
	// NextRespecAt is the earliest time of the next respec (zero: now),
	// an attribute of the unspent-points entity.
	NextRespecAt time.Time
	// Stats by stat; a stat missing here is published as unknown.
	Stats   []StatState
	Habits  []HabitState
	Routine RoutineState
	Mood    *int
	// OuraLastSync is zero when the person has never synced.
	OuraLastSync time.Time
	// Oura is the person's ring connection, shown as the attributes of
	// the last-sync entity.
	Oura     OuraState
	Vacation bool
	// Insights are the person's strongest insights; nil: not known.
	Insights *InsightsState
	// Goals are the person's active goals' progress.
	Goals []GoalState
}

// OuraState is a person's Oura connection.
type OuraState struct {
	Connected    bool
	NeedsReauth  bool   // Oura refused the authorization: connect again
	ReauthReason string // why, when NeedsReauth
	LastError    string // the last sync's failure, empty after a success
}

// LifeScore is today's Daily Life Score with what it is made of.
type LifeScore struct {
	Value        float64
	Contributors []Contributor
	Explanation  string
	Freshness    []Freshness
}

// Contributor is one input of the Life Score.
type Contributor struct {
	Name   string  `json:"name"`
	Score  float64 `json:"score"`  // the input's own 0–100 score
	Weight float64 `json:"weight"` // its share of the total, 0–1
	Points float64 `json:"points"` // what it adds to the Life Score
}

// Freshness says how current one data source is.
type Freshness struct {
	Source    string    `json:"source"`
	UpdatedAt time.Time `json:"updated_at"`
	Stale     bool      `json:"stale"`
}

// StatState is a stat's value and where it comes from.
type StatState struct {
	Stat      Stat
	Value     int
	Breakdown []StatPart
}

// StatPart is one source of stat points (base, level, tree node, buff).
type StatPart struct {
	Source string `json:"source"`
	Points int    `json:"points"`
}

// HabitState is one habit's streak.
type HabitState struct {
	HabitID   int64
	Streak    int     // days
	Best      int     // days
	Strength  float64 // habit strength, 0–1
	AtRisk    bool    // the streak breaks unless the habit is done today
	DoneToday bool    // the goal is met today (negative habit: no slip yet)
	// Logged is today's counted total of a quantity habit (its number
	// entity's state); nil for a yes/no habit.
	Logged *float64
}

// RoutineState is today's routine progress.
type RoutineState struct {
	Done, Total int
	Next        *NextItem // nil when nothing is left today
}

// NextItem is the next routine item due today.
type NextItem struct {
	ItemID int64
	Title  string
	Due    time.Time
}

// States builds the retained state and attribute messages for s. An error
// means a value JSON cannot carry (NaN or ±Inf).
func States(s Snapshot) ([]Message, error) {
	var msgs []Message
	raw := func(topic, payload string) {
		msgs = append(msgs, Message{Topic: topic, Payload: []byte(payload), Retain: true})
	}
	var errs []error
	attrs := func(topic string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", topic, err))
			return
		}
		msgs = append(msgs, Message{Topic: topic, Payload: b, Retain: true})
	}

	c := s.Connections
	for _, conn := range []struct {
		key string
		c   Connection
	}{{"ha", c.HomeAssistant}, {"oura", c.Oura}, {"database", c.Database}} {
		state := PayloadOff
		switch conn.c.State {
		case ConnOK:
			state = PayloadOn
		case ConnNotConfigured:
			state = PayloadNone
		}
		raw(connectionStateTopic(s.BaseTopic, conn.key), state)
		status := conn.c.State
		if status == "" {
			status = ConnDown
		}
		var since any // null: not known
		if !conn.c.Since.IsZero() {
			since = conn.c.Since.UTC().Format(time.RFC3339)
		}
		attrs(connectionAttributesTopic(s.BaseTopic, conn.key), map[string]any{"status": status, "error": conn.c.Error, "since": since})
	}

	for _, p := range s.People {
		t := topicsFor(s.BaseTopic, p.PersonID)
		if ls := p.LifeScore; ls != nil {
			raw(t.state("life_score"), formatFloat(ls.Value))
			attrs(t.attributes("life_score"), map[string]any{
				"contributors": orEmpty(ls.Contributors),
				"explanation":  ls.Explanation,
				"freshness":    orEmpty(ls.Freshness),
			})
		} else {
			raw(t.state("life_score"), PayloadNone)
			attrs(t.attributes("life_score"), map[string]any{})
		}
		raw(t.state("level"), strconv.Itoa(p.Level))
		raw(t.state("xp"), strconv.FormatInt(p.XP, 10))
		raw(t.state("xp_to_next_level"), strconv.FormatInt(p.XPToNextLevel, 10))
		raw(t.state("unspent_points"), strconv.Itoa(p.UnspentPoints))
		var nextRespec any // null: a respec is possible now
		if !p.NextRespecAt.IsZero() {
			nextRespec = p.NextRespecAt.UTC().Format(time.RFC3339)
		}
		attrs(t.attributes("unspent_points"), map[string]any{"next_respec_at": nextRespec})
		for _, stat := range Stats() {
			key := t.stat(stat)
			i := slices.IndexFunc(p.Stats, func(st StatState) bool { return st.Stat == stat })
			if i < 0 {
				raw(t.state(key), PayloadNone)
				attrs(t.attributes(key), map[string]any{"stat": stat})
				continue
			}
			st := p.Stats[i]
			raw(t.state(key), strconv.Itoa(st.Value))
			attrs(t.attributes(key), map[string]any{"stat": stat, "breakdown": orEmpty(st.Breakdown)})
		}
		for _, hb := range p.Habits {
			key := t.habit(hb.HabitID, "streak")
			msgs = append(msgs, streakStateMessage(s.BaseTopic, p.PersonID, hb.HabitID, hb.Streak))
			attrs(t.attributes(key), map[string]any{
				"habit_id": hb.HabitID,
				"best":     hb.Best,
				"strength": hb.Strength,
				"at_risk":  hb.AtRisk,
			})
			raw(t.state(t.habit(hb.HabitID, "done_today")), onOff(hb.DoneToday))
			if hb.Logged != nil {
				raw(t.state(t.habit(hb.HabitID, "amount")), formatFloat(*hb.Logged))
			}
		}
		r := p.Routine
		progress := PayloadNone
		if r.Total > 0 {
			progress = formatFloat(math.Round(float64(r.Done)*1000/float64(r.Total)) / 10)
		}
		raw(t.state("routine/progress"), progress)
		attrs(t.attributes("routine/progress"), map[string]any{"done": r.Done, "total": r.Total})
		if r.Next != nil {
			raw(t.state("routine/next_item"), r.Next.Title)
			attrs(t.attributes("routine/next_item"), map[string]any{"item_id": r.Next.ItemID, "due": r.Next.Due})
		} else {
			raw(t.state("routine/next_item"), PayloadNone)
			attrs(t.attributes("routine/next_item"), map[string]any{})
		}
		if p.Mood != nil {
			raw(t.state("mood"), strconv.Itoa(*p.Mood))
		} else {
			raw(t.state("mood"), PayloadNone)
		}
		if p.OuraLastSync.IsZero() {
			raw(t.state("oura/last_sync"), PayloadNone)
		} else {
			raw(t.state("oura/last_sync"), p.OuraLastSync.Format(time.RFC3339))
		}
		attrs(t.attributes("oura/last_sync"), map[string]any{"connected": p.Oura.Connected, "needs_reauth": p.Oura.NeedsReauth,
			"reauth_reason": p.Oura.ReauthReason, "last_error": p.Oura.LastError})
		raw(t.state("vacation"), onOff(p.Vacation))
		insightMessages(t, p.Insights, raw, attrs)
		goalMessages(t, p.Goals, raw, attrs)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("discovery states: %w", errors.Join(errs...))
	}
	return msgs, nil
}

// streakStateMessage is a habit's streak sensor state. States builds it from
// a full read, and the bridge from a streak event ahead of that read, so
// both must agree to the byte.
func streakStateMessage(base string, personID, habitID int64, streak int) Message {
	t := topicsFor(base, personID)
	return Message{Topic: t.state(t.habit(habitID, "streak")), Payload: []byte(strconv.Itoa(streak)), Retain: true}
}

// Event is something that happened to a person, fired on their event entity.
type Event struct {
	Type EventType
	// Data becomes the event's attributes in HA; "event_type" is reserved.
	Data map[string]any
}

// EventMessage builds the message that fires e on the person's event entity.
// It is not retained: a replayed event would fire again.
func EventMessage(base string, personID int64, e Event) (Message, error) {
	if !slices.Contains(EventTypes(), e.Type) {
		return Message{}, fmt.Errorf("event type %q: must be one of %v", e.Type, EventTypes())
	}
	if _, ok := e.Data["event_type"]; ok {
		return Message{}, fmt.Errorf("event %s data: key event_type is reserved", e.Type)
	}
	body := make(map[string]any, len(e.Data)+1)
	for k, v := range e.Data {
		body[k] = v
	}
	body["event_type"] = e.Type
	b, err := json.Marshal(body)
	if err != nil {
		return Message{}, fmt.Errorf("event %s data: %w", e.Type, err)
	}
	return Message{Topic: topicsFor(base, personID).events(), Payload: b}, nil
}

func onOff(b bool) string {
	if b {
		return PayloadOn
	}
	return PayloadOff
}

func formatFloat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return PayloadNone
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// orEmpty keeps an absent list a JSON [] rather than null, which templates
// iterating over the attribute would trip on.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

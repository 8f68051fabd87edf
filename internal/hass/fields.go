package hass

import (
	"encoding/json"
	"reflect"
	"strings"
)

// ActionField is one data field of an action event.
type ActionField struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
	// Doc says what the field holds, for the scripts' field descriptions.
	Doc string `json:"doc"`
}

// RequestIDField is accepted by every action and echoed in its ResultEvent.
const RequestIDField = "request_id"

// ActionFields lists, for each event of ActionEvents, the data fields the
// decoder reads (request_id, accepted by all, is not repeated). The files
// under homeassistant/ that fire the events are checked against it, and a
// test checks it against the decoder.
func ActionFields() map[string][]ActionField {
	person := ActionField{"person", true, "the person's slug"}
	at := ActionField{"at", false, "when it happened (RFC 3339); default now"}
	note := ActionField{"note", false, "a free-text note"}
	return map[string][]ActionField{
		EventLogActivity: {person,
			{"activity", true, "the activity type, e.g. run"},
			{"duration_min", false, "minutes (this or quantity is required)"},
			{"quantity", false, "an amount in the activity's unit (this or duration_min is required)"},
			note, at},
		EventCheckIn: {person,
			{"habit", true, "the habit's id, slug or name"},
			{"quantity", false, "an amount towards the habit's target"},
			note, at},
		EventCompleteRoutineItem: {person,
			{"item", true, "the item's id or title in today's timeline"},
			{"status", false, "done (default) or skipped"}},
		EventAllocateStatPoint: {person,
			{"node", true, "the stat-tree node id"}},
		EventLogMood: {person,
			{"value", true, "mood from 1 to 9"},
			note, at},
		EventPause: {person,
			{"reason", true, "vacation, sick or rest"},
			{"until", true, "the last paused day, e.g. 2026-12-24"},
			{"from", false, "the first paused day; default today"},
			{"habit", false, "pause only this habit; default all"}},
		EventCompleteTodo: {person,
			{"todo", true, "the to-do's id or title"},
			{"status", false, "done (default) or open (reopens it)"}},
	}
}

// ResultFields are the data keys of a ResultEvent.
func ResultFields() []string { return []string{"action", "error", "ok", RequestIDField} }

// numbersAsText turns JSON numbers in the text fields of an action's data
// into strings. Home Assistant renders templates to native types, so a
// script's habit: "{{ habit }}" arrives as 12, not "12", when the habit is
// given by id; the decoder would otherwise refuse the whole action. Data
// that is not a JSON object is returned as it is, for the decoder to refuse.
func numbersAsText(data []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || m == nil {
		return data
	}
	changed := false
	rt := reflect.TypeFor[actionData]()
	for i := range rt.NumField() {
		f := rt.Field(i)
		if f.Type.Kind() != reflect.String {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		v, ok := m[name]
		if !ok || len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
			continue
		}
		var n json.Number
		if json.Unmarshal(v, &n) != nil {
			continue
		}
		m[name], _ = json.Marshal(n.String())
		changed = true
	}
	if !changed {
		return data
	}
	out, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return out
}

package hass

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/lifeops/lifeops/internal/domain"
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
	person := ActionField{"person", true, "the person's name, slug or id"}
	at := ActionField{"at", false, "when it happened (RFC 3339); default now"}
	note := ActionField{"note", false, "a free-text note"}
	return map[string][]ActionField{
		EventLogActivity: {person,
			{"activity", true, "the activity, by name or key, e.g. walking or deep work"},
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

// decodeAction reads an action's data field by field, so a field of the
// wrong type is named with its value and the type it should have, instead
// of the whole action being refused. Numbers in text fields are taken as
// text (see numbersAsText); fields LifeOps does not know are ignored.
func decodeAction(data []byte) (actionData, error) {
	var d actionData
	var m map[string]json.RawMessage
	if err := json.Unmarshal(numbersAsText(data), &m); err != nil || m == nil {
		return d, domain.Invalid("data", nil, "must be an object of the action's fields, like {\"person\": \"anna\", \"habit\": \"water\"}")
	}
	var v domain.ValidationError
	rv := reflect.ValueOf(&d).Elem()
	rt := rv.Type()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		raw, ok := m[name]
		if !ok || string(raw) == "null" {
			continue
		}
		if err := json.Unmarshal(raw, rv.Field(i).Addr().Interface()); err != nil {
			v.Add(name, domain.Verbatim(raw), expected(name, rt.Field(i).Type))
		}
	}
	return d, v.Err()
}

// expected says in words what a field of type t holds.
func expected(name string, t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case name == "value":
		return "must be a whole number from 1 to 9"
	case name == "duration_min":
		return "must be a number of minutes, e.g. 30 (without quotes)"
	case t.Kind() == reflect.Float64:
		return "must be a number, e.g. 0.5 (without quotes)"
	case t.Kind() == reflect.Int:
		return "must be a whole number"
	}
	for _, f := range allFields() {
		if f.Name == name {
			return "must be text: " + f.Doc
		}
	}
	return "must be text"
}

// allFields is every action's fields, each once.
func allFields() []ActionField {
	var out []ActionField
	seen := map[string]bool{}
	for _, ev := range ActionEvents() {
		for _, f := range ActionFields()[ev] {
			if !seen[f.Name] {
				seen[f.Name] = true
				out = append(out, f)
			}
		}
	}
	return out
}

package hass

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestActionFieldsMatchTheDecoder: the published field list and the decoder
// must name the same fields, or a script would send a field nobody reads.
func TestActionFieldsMatchTheDecoder(t *testing.T) {
	t.Parallel()
	decoded := map[string]bool{}
	rt := reflect.TypeFor[actionData]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		decoded[name] = true
	}
	listed := map[string]bool{RequestIDField: true}
	fields := ActionFields()
	for _, ev := range ActionEvents() {
		fs, ok := fields[ev]
		if !ok {
			t.Errorf("ActionFields has no entry for %s", ev)
		}
		seen := map[string]bool{}
		for _, f := range fs {
			if seen[f.Name] {
				t.Errorf("%s lists %s twice", ev, f.Name)
			}
			seen[f.Name] = true
			listed[f.Name] = true
			if !decoded[f.Name] {
				t.Errorf("%s field %s is not decoded by actionData", ev, f.Name)
			}
			if f.Doc == "" {
				t.Errorf("%s field %s has no doc", ev, f.Name)
			}
		}
		if !seen["person"] {
			t.Errorf("%s does not take person", ev)
		}
	}
	if len(fields) != len(ActionEvents()) {
		t.Errorf("ActionFields has %d events, ActionEvents %d", len(fields), len(ActionEvents()))
	}
	for name := range decoded {
		if !listed[name] {
			t.Errorf("actionData decodes %s, which no action lists", name)
		}
	}
	r := ResultFields()
	if !sort.StringsAreSorted(r) || !slices.Contains(r, RequestIDField) {
		t.Errorf("ResultFields %v", r)
	}
}

func TestNumbersAsText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"person":"alex","habit":12,"quantity":1.5,"value":7,"note":-3,"request_id":5}`,
			`{"habit":"12","note":"-3","person":"alex","quantity":1.5,"request_id":5,"value":7}`},
		{`{"person":"alex","habit":"Water"}`, `{"person":"alex","habit":"Water"}`},
		{`{"item":null,"until":true}`, `{"item":null,"until":true}`},
		{`[1,2]`, `[1,2]`},
		{`not json`, `not json`},
	}
	for _, tt := range tests {
		if got := string(numbersAsText([]byte(tt.in))); got != tt.want {
			t.Errorf("numbersAsText(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

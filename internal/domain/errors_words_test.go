package domain

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestFieldLabelSaysListPositionsInWords(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"quantity":                     "quantity",
		"schedule.weekdays":            "schedule.weekdays",
		"items[0].anchor.at":           "Item 1's time",
		"items[2].title":               "Item 3's title",
		"items[1].duration_min":        "Item 2's duration in minutes",
		"stats[2]":                     "stats entry 3",
		"custom[0].stats[1]":           "Custom 1's stats entry 2",
		"action.quantity":              "action.quantity",
		"items[x].title":               "items[x].title",
		"steps[0].checklist[1].answer": "Step 1's checklist 2's answer",
	} {
		if got := FieldLabel(path); got != want {
			t.Errorf("FieldLabel(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestSayLeavesNoInternalWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
		ok   bool
	}{
		{Invalid("quantity", "lots", "must be a number"), `quantity "lots" must be a number.`, true},
		{Invalid("value", 5.5, "must be a whole number"), `value 5.5 must be a whole number.`, true},
		{Invalid("habit", Verbatim(`["read"]`), "must be text"), `habit ["read"] must be text.`, true},
		{Invalid("duration_min", nil, "is required"), `duration_min is required.`, true},
		{Invalid("stats[2]", "XYZ", "must be one of STR, INT"), `stats entry 3 ("XYZ") must be one of STR, INT.`, true},
		{fmt.Errorf("node %q: %w", "xyz_9", fmt.Errorf("node %q: unknown stat-tree node: %w", "xyz_9", ErrNotFound)), `Node "xyz_9": unknown stat-tree node was not found.`, true},
		{fmt.Errorf("slug %q is taken by another person: %w", "anna", ErrConflict), `Slug "anna" is taken by another person.`, true},
		{fmt.Errorf("wrapped: %w", Stale(`Habit "Read"`, 1, 999)), `Habit "Read" changed since you loaded it (version 1 now, you sent 999); reload and try again.`, true},
		{NotFound("No person is called %q", "zoe"), `No person is called "zoe".`, true},
		{errors.New("pq: connection refused"), "", false},
	}
	for _, tt := range tests {
		got, ok := Say(tt.err)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Say(%v) = %q %v, want %q %v", tt.err, got, ok, tt.want, tt.ok)
		}
	}
	r := &Refusal{Kind: ErrConflict, Text: "x", Cause: ErrInvalidTransition}
	if !errors.Is(r, ErrConflict) || !errors.Is(r, ErrInvalidTransition) {
		t.Error("a Refusal does not match its kind and cause")
	}
}

func TestFindPersonAsPeopleSayNames(t *testing.T) {
	t.Parallel()
	people := []Person{{ID: 1, Name: "Anna Lee", Slug: "anna"}, {ID: 2, Name: "Ben", Slug: "ben"}, {ID: 3, Name: "ben", Slug: "ben_2"}, {ID: 4, Name: "Cy", Slug: "cy"}}
	for ref, want := range map[string]int64{"anna": 1, "ANNA": 1, "anna lee": 1, " Anna Lee ": 1, "1": 1, "ben": 2, "BEN_2": 3, "3": 3, "4": 4, "cy": 4} {
		p, err := FindPerson(people, ref)
		if err != nil || p.ID != want {
			t.Errorf("FindPerson(%q) = %d %v, want %d", ref, p.ID, err, want)
		}
	}
	_, err := FindPerson(people, "zoe")
	if text, _ := Say(err); !errors.Is(err, ErrNotFound) || text != `No person is called "zoe"; the household has Anna Lee (anna), Ben (ben), ben (ben_2), Cy (cy).` {
		t.Errorf("zoe: %q", text)
	}
	_, err = FindPerson(people, "BEN")
	if text, _ := Say(err); !errors.Is(err, ErrConflict) || !strings.HasPrefix(text, `2 people are called "BEN" (Ben (ben), ben (ben_2)); name one by slug.`) {
		t.Errorf("BEN: %q", text)
	}
}

func TestCatalogueResolvesSpokenNames(t *testing.T) {
	t.Parallel()
	var c Catalogue
	for ref, want := range map[string]string{"walk": "walk", "Walking": "walk", "deep work": "deep_work", "Deep Work": "deep_work",
		"deep-work": "deep_work", "  focus   time ": "deep_work", "Social time": "social", "jogging": "run"} {
		if t2, ok := c.Resolve(ref); !ok || t2.Key != want {
			t.Errorf("Resolve(%q) = %q %v, want %q", ref, t2.Key, ok, want)
		}
	}
	if _, ok := c.Resolve("swimming"); ok {
		t.Error("swimming resolved")
	}
	for _, bt := range c.Types() {
		if len(bt.Aliases) == 0 {
			t.Errorf("the built-in %s has no aliases", bt.Key)
		}
		for _, a := range bt.Aliases {
			if o, _ := c.Resolve(a); o.Key != bt.Key {
				t.Errorf("alias %q of %s resolves to %s", a, bt.Key, o.Key)
			}
		}
	}
	renamed, err := c.Rename("walk", "Spaziergang", []string{"spazieren"})
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := renamed.Resolve("SPAZIEREN"); w.Key != "walk" {
		t.Error("a household alias does not resolve")
	}
	if _, ok := renamed.Resolve("walking"); ok {
		t.Error("a replaced alias still resolves")
	}
	if _, err := c.Rename("walk", "", []string{"jogging"}); err == nil || !strings.Contains(err.Error(), "Run (run)") {
		t.Errorf("an alias of run given to walk: %v", err)
	}
}

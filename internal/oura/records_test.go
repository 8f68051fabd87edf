package oura_test

import (
	"testing"

	"github.com/lifeops/lifeops/internal/oura"
)

func TestMainSleep(t *testing.T) {
	t.Parallel()
	p := func(id, day, typ string, total int) oura.SleepPeriodDoc {
		d := oura.SleepPeriodDoc{ID: id, Day: day, TotalSleepDuration: &total, TimeInBed: total + 600}
		if typ != "" {
			d.Type = &typ
		}
		return d
	}
	noTotal := oura.SleepPeriodDoc{ID: "in-bed-only", Day: "2024-11-11", TimeInBed: 9 * 3600}
	tests := []struct {
		name    string
		periods []oura.SleepPeriodDoc
		want    string // "" means none
	}{
		{"long_sleep wins over a longer nap", []oura.SleepPeriodDoc{p("nap", "2024-11-11", "sleep", 4*3600), p("night", "2024-11-11", "long_sleep", 3*3600+60)}, "night"},
		{"no long_sleep: the longest", []oura.SleepPeriodDoc{p("a", "2024-11-11", "sleep", 3000), p("b", "2024-11-11", "late_nap", 5000), p("c", "2024-11-11", "sleep", 4000)}, "b"},
		{"deleted and rest never count", []oura.SleepPeriodDoc{p("del", "2024-11-11", "deleted", 9*3600), p("rest", "2024-11-11", "rest", 8*3600), p("ok", "2024-11-11", "sleep", 1800)}, "ok"},
		{"other days ignored", []oura.SleepPeriodDoc{p("yesterday", "2024-11-10", "long_sleep", 8*3600)}, ""},
		{"time in bed when total is missing", []oura.SleepPeriodDoc{p("short", "2024-11-11", "", 3600), noTotal}, "in-bed-only"},
		{"nothing", nil, ""},
	}
	for _, tc := range tests {
		got, ok := oura.MainSleep(tc.periods, "2024-11-11")
		if ok != (tc.want != "") || got.ID != tc.want {
			t.Errorf("%s: got %q (ok %v), want %q", tc.name, got.ID, ok, tc.want)
		}
	}
}

func TestMainSleepRecordedNights(t *testing.T) {
	t.Parallel()
	var docs []oura.Document
	for i, raw := range recorded(t, "multiple_sleep.200.json") {
		docs = append(docs, oura.Document{ID: string(rune('a' + i)), Raw: raw})
	}
	periods, err := oura.Decode[oura.SleepPeriodDoc](docs)
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]bool{}
	for _, p := range periods {
		days[p.Day] = true
	}
	for d := range days {
		main, ok := oura.MainSleep(periods, d)
		hasLong := false
		for _, p := range periods {
			if p.Day == d && *p.Type == oura.SleepTypeLongSleep {
				hasLong = true
			}
		}
		switch {
		case !ok:
			// Only rejected periods that day.
			for _, p := range periods {
				if p.Day == d && *p.Type != oura.SleepTypeRest && *p.Type != oura.SleepTypeDeleted {
					t.Errorf("%s: no main sleep although period %s counts", d, p.ID)
				}
			}
		case main.Day != d:
			t.Errorf("%s: picked a period of %s", d, main.Day)
		case hasLong && *main.Type != oura.SleepTypeLongSleep:
			t.Errorf("%s: picked %s over a long_sleep", d, *main.Type)
		}
	}
}

package domain

import (
	"encoding/json"
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestDayLengthOnDSTChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone string
		day  Day
		want time.Duration
	}{
		{"Europe/Berlin", NewDay(2025, time.March, 30), 23 * time.Hour},
		{"Europe/Berlin", NewDay(2025, time.October, 26), 25 * time.Hour},
		{"Europe/Berlin", NewDay(2025, time.October, 27), 24 * time.Hour},
		{"America/New_York", NewDay(2025, time.March, 9), 23 * time.Hour},
		{"America/New_York", NewDay(2025, time.November, 2), 25 * time.Hour},
		{"America/New_York", NewDay(2025, time.July, 4), 24 * time.Hour},
		// Santiago skips local midnight when it springs forward: the day
		// starts at 01:00 and still has 23 hours.
		{"America/Santiago", NewDay(2025, time.September, 7), 23 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.day.String(), func(t *testing.T) {
			t.Parallel()
			loc := mustLoc(t, tt.zone)
			start, end := tt.day.Start(loc), tt.day.End(loc)
			if got := end.Sub(start); got != tt.want {
				t.Errorf("length = %v, want %v", got, tt.want)
			}
			if DayOf(start, loc) != tt.day {
				t.Errorf("DayOf(Start) = %v, want %v", DayOf(start, loc), tt.day)
			}
			if DayOf(start.Add(-time.Nanosecond), loc) != tt.day.Add(-1) {
				t.Errorf("the instant before Start is not the previous day")
			}
			if DayOf(end.Add(-time.Nanosecond), loc) != tt.day {
				t.Errorf("the instant before End is not the day")
			}
		})
	}
}

func TestDayOfAroundMidnight(t *testing.T) {
	t.Parallel()
	for _, zone := range []string{"Europe/Berlin", "America/New_York"} {
		loc := mustLoc(t, zone)
		for _, d := range []Day{NewDay(2025, time.March, 30), NewDay(2025, time.October, 26), NewDay(2025, time.March, 9), NewDay(2025, time.November, 1)} {
			y, m, dd := d.Year, d.Month, d.Day
			late := time.Date(y, m, dd, 23, 59, 59, 0, loc)
			next := time.Date(y, m, dd+1, 0, 0, 0, 0, loc)
			if got := DayOf(late, loc); got != d {
				t.Errorf("%s %v 23:59:59 → %v, want %v", zone, d, got, d)
			}
			if got := DayOf(next, loc); got != d.Add(1) {
				t.Errorf("%s %v+1 00:00:00 → %v, want %v", zone, d, got, d.Add(1))
			}
			// The same instants in UTC belong to other days in UTC: the zone matters.
			if zone == "America/New_York" && DayOf(late, time.UTC) == d {
				t.Errorf("%s: 23:59:59 local should be the next day in UTC", zone)
			}
		}
	}
}

func TestDayArithmeticAndJSON(t *testing.T) {
	t.Parallel()
	d := NewDay(2024, time.February, 28)
	if got := d.Add(1); got != NewDay(2024, time.February, 29) {
		t.Errorf("leap day: %v", got)
	}
	if got := d.Add(2); got != NewDay(2024, time.March, 1) {
		t.Errorf("after leap day: %v", got)
	}
	if got := NewDay(2025, time.January, 1).Sub(NewDay(2024, time.January, 1)); got != 366 {
		t.Errorf("Sub over a leap year = %d, want 366", got)
	}
	if got := d.Add(-400).Add(400); got != d {
		t.Errorf("Add round trip = %v", got)
	}
	if got := NewDay(2025, time.March, 30).Weekday(); got != time.Sunday {
		t.Errorf("weekday = %v", got)
	}
	if !d.Before(d.Add(1)) || !d.Add(1).After(d) || d.Before(d) {
		t.Error("ordering")
	}
	b, err := json.Marshal(struct{ D Day }{d})
	if err != nil || string(b) != `{"D":"2024-02-28"}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	var back struct{ D Day }
	if err := json.Unmarshal(b, &back); err != nil || back.D != d {
		t.Fatalf("unmarshal = %v, %v", back.D, err)
	}
	if err := json.Unmarshal([]byte(`{"D":"2024-13-01"}`), &back); err == nil {
		t.Error("month 13 accepted")
	}
}

func TestClockTime(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want ClockTime
		ok   bool
	}{
		{"00:00", 0, true}, {"06:30", Clock(6, 30), true}, {"23:59", Clock(23, 59), true}, {"24:00", Clock(24, 0), true},
		{"24:01", 0, false}, {"7:00", 0, false}, {"12:60", 0, false}, {"ab:cd", 0, false}, {"-1:30", 0, false}, {"+1:00", 0, false}, {" 1:00", 0, false},
	} {
		got, err := ParseClock(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseClock(%q) = %v, %v", tt.in, got, err)
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("String() = %q, want %q", got.String(), tt.in)
		}
	}
}

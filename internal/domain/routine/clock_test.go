package routine

import (
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAtAcrossDSTChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		zone  string
		day   domain.Day
		clock domain.ClockTime
		want  string // UTC
	}{
		{"plain day", "Europe/Berlin", domain.NewDay(2026, time.March, 28), domain.Clock(2, 30), "2026-03-28T01:30:00Z"},
		{"before the spring gap", "Europe/Berlin", domain.NewDay(2026, time.March, 29), domain.Clock(1, 59), "2026-03-29T00:59:00Z"},
		{"spring gap start moves to the jump", "Europe/Berlin", domain.NewDay(2026, time.March, 29), domain.Clock(2, 0), "2026-03-29T01:00:00Z"},
		{"inside the spring gap moves to the jump", "Europe/Berlin", domain.NewDay(2026, time.March, 29), domain.Clock(2, 30), "2026-03-29T01:00:00Z"},
		{"after the spring gap", "Europe/Berlin", domain.NewDay(2026, time.March, 29), domain.Clock(3, 0), "2026-03-29T01:00:00Z"},
		{"after the spring gap, later", "Europe/Berlin", domain.NewDay(2026, time.March, 29), domain.Clock(3, 30), "2026-03-29T01:30:00Z"},
		{"repeated hour takes the first", "Europe/Berlin", domain.NewDay(2026, time.October, 25), domain.Clock(2, 30), "2026-10-25T00:30:00Z"},
		{"repeated hour start", "Europe/Berlin", domain.NewDay(2026, time.October, 25), domain.Clock(2, 0), "2026-10-25T00:00:00Z"},
		{"before the repeat", "Europe/Berlin", domain.NewDay(2026, time.October, 25), domain.Clock(1, 30), "2026-10-24T23:30:00Z"},
		{"after the repeat", "Europe/Berlin", domain.NewDay(2026, time.October, 25), domain.Clock(3, 0), "2026-10-25T02:00:00Z"},
		{"midnight of a fall-back day", "Europe/Berlin", domain.NewDay(2026, time.October, 25), 0, "2026-10-24T22:00:00Z"},
		{"end of a 25-hour day", "Europe/Berlin", domain.NewDay(2026, time.October, 25), domain.Clock(24, 0), "2026-10-25T23:00:00Z"},
		{"New York spring gap", "America/New_York", domain.NewDay(2026, time.March, 8), domain.Clock(2, 30), "2026-03-08T07:00:00Z"},
		{"New York repeated hour", "America/New_York", domain.NewDay(2026, time.November, 1), domain.Clock(1, 30), "2026-11-01T05:30:00Z"},
		// Santiago jumps from 24:00 to 01:00, so its midnight does not exist.
		{"Santiago skipped midnight", "America/Santiago", domain.NewDay(2026, time.September, 6), 0, "2026-09-06T04:00:00Z"},
		{"Santiago inside the gap", "America/Santiago", domain.NewDay(2026, time.September, 6), domain.Clock(0, 30), "2026-09-06T04:00:00Z"},
		{"Santiago repeated hour", "America/Santiago", domain.NewDay(2026, time.April, 4), domain.Clock(23, 30), "2026-04-05T02:30:00Z"},
		{"UTC", "UTC", domain.NewDay(2026, time.March, 29), domain.Clock(2, 30), "2026-03-29T02:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoc(t, tt.zone)
			got := At(tt.day, tt.clock, loc)
			if want := utc(tt.want); !got.Equal(want) {
				t.Errorf("At(%s, %s) = %s (%s), want %s", tt.day, tt.clock, got.UTC().Format(time.RFC3339), got.In(loc), tt.want)
			}
			if tt.clock < domain.Clock(24, 0) && domain.DayOf(got, loc) != tt.day {
				t.Errorf("At(%s, %s) = %s falls on another day", tt.day, tt.clock, got.In(loc))
			}
		})
	}
}

func TestPlannedTime(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	day := domain.NewDay(2026, time.June, 10)
	wake := utc("2026-06-10T04:40:00Z") // 06:40 CEST
	yesterday := utc("2026-06-09T04:40:00Z")
	clock := Item{Anchor: Anchor{Kind: AnchorClock, At: domain.Clock(7, 15)}}
	after := Item{Anchor: Anchor{Kind: AnchorWake, OffsetMin: 30}}
	before := Item{Anchor: Anchor{Kind: AnchorWake, OffsetMin: -10}}
	spring := domain.NewDay(2026, time.March, 29)
	tests := []struct {
		name string
		item Item
		day  domain.Day
		wake *time.Time
		def  domain.ClockTime
		want string
	}{
		{"clock ignores wake-up", clock, day, &wake, DefaultWake, "2026-06-10T05:15:00Z"},
		{"after measured wake-up", after, day, &wake, DefaultWake, "2026-06-10T05:10:00Z"},
		{"before measured wake-up", before, day, &wake, DefaultWake, "2026-06-10T04:30:00Z"},
		{"no measurement: the default", after, day, nil, domain.Clock(6, 0), "2026-06-10T04:30:00Z"},
		{"yesterday's wake-up does not count", after, day, &yesterday, domain.Clock(6, 0), "2026-06-10T04:30:00Z"},
		// The offset is elapsed time: 01:30 CET plus 90 minutes crosses the
		// jump and lands at 04:00 CEST.
		{"offset across the spring jump", Item{Anchor: Anchor{Kind: AnchorWake, OffsetMin: 90}}, spring, nil, domain.Clock(1, 30), "2026-03-29T02:00:00Z"},
		{"default wake-up in the gap", after, spring, nil, domain.Clock(2, 30), "2026-03-29T01:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := PlannedTime(tt.item, tt.day, berlin, tt.wake, tt.def)
			if want := utc(tt.want); !got.Equal(want) {
				t.Errorf("PlannedTime = %s (%s), want %s", got.UTC().Format(time.RFC3339), got.In(berlin), tt.want)
			}
		})
	}
}

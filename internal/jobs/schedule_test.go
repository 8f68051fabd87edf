package jobs

import (
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestScheduleNext(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	tests := []struct {
		name  string
		s     Schedule
		after string
		want  string
	}{
		{"midnight before spring forward", Daily(0, berlin), "2026-03-28T12:00:00Z", "2026-03-28T23:00:00Z"},
		{"midnight after spring forward", Daily(0, berlin), "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"},
		{"midnight before fall back", Daily(0, berlin), "2026-10-24T21:00:00Z", "2026-10-24T22:00:00Z"},
		{"midnight after fall back", Daily(0, berlin), "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"},
		{"02:30 skipped: runs at the jump", Daily(domain.Clock(2, 30), berlin), "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
		{"02:30 repeated: first occurrence", Daily(domain.Clock(2, 30), berlin), "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},
		{"02:30 repeated: never the second", Daily(domain.Clock(2, 30), berlin), "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
		{"strictly after", Daily(domain.Clock(7, 0), time.UTC), "2026-06-10T07:00:00Z", "2026-06-11T07:00:00Z"},
		{"every minute", Every(time.Minute), "2026-06-10T07:00:30Z", "2026-06-10T07:01:00Z"},
		{"every minute from a full minute", Every(time.Minute), "2026-06-10T07:01:00Z", "2026-06-10T07:02:00Z"},
		{"oura: night is hourly", OuraSlots(berlin), "2026-06-10T00:10:00Z", "2026-06-10T01:00:00Z"},    // 02:10 → 03:00 CEST
		{"oura: first morning slot", OuraSlots(berlin), "2026-06-10T02:00:00Z", "2026-06-10T03:00:00Z"}, // 04:00 → 05:00
		{"oura: quarter hours in the morning", OuraSlots(berlin), "2026-06-10T03:00:00Z", "2026-06-10T03:15:00Z"},
		{"oura: last quarter", OuraSlots(berlin), "2026-06-10T09:30:00Z", "2026-06-10T09:45:00Z"}, // 11:30 → 11:45
		{"oura: back to hourly at noon", OuraSlots(berlin), "2026-06-10T09:45:00Z", "2026-06-10T10:00:00Z"},
		{"oura: hourly afternoon", OuraSlots(berlin), "2026-06-10T10:00:00Z", "2026-06-10T11:00:00Z"},
		{"oura: across the spring gap", OuraSlots(berlin), "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"},                           // 01:00 CET → 03:00 CEST
		{"oura: Kathmandu quarter offsets", OuraSlots(mustLoc(t, "Asia/Kathmandu")), "2026-06-10T00:00:00Z", "2026-06-10T00:15:00Z"}, // 05:45 → 06:00
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.s.Next(utc(tt.after)); !got.Equal(utc(tt.want)) {
				t.Errorf("Next(%s) = %s, want %s", tt.after, got.UTC().Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestOuraSlotsPerDay(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	day := domain.NewDay(2026, time.June, 10)
	var n int
	for s := OuraSlots(berlin).Next(day.Start(berlin).Add(-time.Second)); s.Before(day.End(berlin)); s = OuraSlots(berlin).Next(s) {
		n++
	}
	// 00:00–04:00 and 12:00–23:00 hourly (5 + 12), 05:00–11:45 quarterly (28).
	if n != 45 {
		t.Errorf("%d Oura slots in a day, want 45", n)
	}
}

func TestLastSlot(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	tests := []struct {
		name string
		s    Schedule
		now  string
		want string
	}{
		{"on the slot", Every(time.Minute), "2026-06-10T07:01:00Z", "2026-06-10T07:01:00Z"},
		{"late within the minute", Every(time.Minute), "2026-06-10T07:01:59.9Z", "2026-06-10T07:01:00Z"},
		{"midnight, a little late", Daily(0, berlin), "2026-06-09T22:00:00.3Z", "2026-06-09T22:00:00Z"},
		{"midnight, hours late", Daily(0, berlin), "2026-06-10T09:00:00Z", "2026-06-09T22:00:00Z"},
		{"after a fall-back day", Daily(0, berlin), "2026-10-25T23:30:00Z", "2026-10-25T23:00:00Z"},
		{"oura in the night", OuraSlots(berlin), "2026-06-10T00:59:00Z", "2026-06-10T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := lastSlot(tt.s, utc(tt.now))
			if !ok || !got.Equal(utc(tt.want)) {
				t.Errorf("lastSlot(%s) = %s, %v; want %s", tt.now, got.UTC().Format(time.RFC3339Nano), ok, tt.want)
			}
		})
	}
	if _, ok := lastSlot(ScheduleFunc(func(time.Time) time.Time { return time.Time{} }), utc("2026-06-10T00:00:00Z")); ok {
		t.Error("a schedule that never runs has a last slot")
	}
}

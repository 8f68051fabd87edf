package oura_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // DST tests must not depend on the machine's zoneinfo

	"github.com/lifeops/lifeops/internal/oura"
	"github.com/lifeops/lifeops/internal/oura/ouratest"
)

// memSink upserts by (collection, id) like the PostgreSQL sink will.
type memSink struct {
	mu    sync.Mutex
	docs  map[oura.Collection]map[string]oura.Document
	calls int
	fail  error
}

var _ oura.Sink = (*memSink)(nil)

func (s *memSink) UpsertDocuments(_ context.Context, _ int64, coll oura.Collection, docs []oura.Document) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.calls++
	if s.docs == nil {
		s.docs = map[oura.Collection]map[string]oura.Document{}
	}
	if s.docs[coll] == nil {
		s.docs[coll] = map[string]oura.Document{}
	}
	for _, d := range docs {
		s.docs[coll][d.ID] = d
	}
	return nil
}

func TestSyncFullHistoryInWindows(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	fake.SetCase("daily_readiness", "full_history")
	fake.SetCase("daily_sleep", "full_history")
	fake.Forbid("workout") // scope not granted: skipped, not fatal
	store := newMemStore()
	connect(fake, store, 1)
	sink := &memSink{}
	s := &oura.Syncer{
		Fetcher:     newClient(t, fake, store, nil),
		Sink:        sink,
		Collections: []oura.Collection{oura.DailyReadiness, oura.DailySleep, oura.Workout},
	}
	// 2018-10-10 … 2024-11-12 is the recorded history; 30-day windows must
	// meet without gaps or the count falls short.
	rep, err := s.Sync(t.Context(), 1, day("2018-10-01"), day("2024-11-30"))
	if err != nil {
		t.Fatal(err)
	}
	for _, coll := range []oura.Collection{oura.DailyReadiness, oura.DailySleep} {
		if n := len(sink.docs[coll]); n != 2141 {
			t.Errorf("%s: %d documents stored, want 2141", coll, n)
		}
		if rep.Documents[coll] != 2141 {
			t.Errorf("%s: report says %d, want 2141 (windows overlapped)", coll, rep.Documents[coll])
		}
	}
	if !errors.Is(rep.Skipped[oura.Workout], oura.ErrForbidden) {
		t.Errorf("workout: %v, want skipped as forbidden", rep.Skipped[oura.Workout])
	}
	workoutCalls := 0
	for _, r := range fake.Requests() {
		if r.Path == "/v2/usercollection/workout" {
			workoutCalls++
		}
	}
	if workoutCalls != 1 {
		t.Errorf("workout asked %d times, want once then skipped", workoutCalls)
	}
}

func TestSyncStopsOnStoreError(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	store := newMemStore()
	connect(fake, store, 1)
	boom := errors.New("disk full")
	s := &oura.Syncer{Fetcher: newClient(t, fake, store, nil), Sink: &memSink{fail: boom}}
	if _, err := s.Sync(t.Context(), 1, day("2024-11-01"), day("2024-11-30")); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if _, err := s.Sync(t.Context(), 1, day("2024-11-30"), day("2024-11-01")); err == nil {
		t.Fatal("reversed range accepted")
	}
}

func TestSyncRange(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// 23:30 UTC is already the next day in Berlin.
	now := time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC)
	tests := []struct {
		name       string
		lastSynced time.Time
		backfill   int
		from, to   string
	}{
		{"first sync: default 90-day backfill", time.Time{}, 0, "2025-12-12", "2026-03-11"},
		{"first sync: 7 days", time.Time{}, 7, "2026-03-05", "2026-03-11"},
		{"incremental: from the day before the last synced day", day("2026-03-09"), 0, "2026-03-08", "2026-03-11"},
		{"synced today already", day("2026-03-11"), 0, "2026-03-10", "2026-03-11"},
		{"down for a year: no more than a backfill", day("2025-01-01"), 0, "2025-12-12", "2026-03-11"},
	}
	for _, tc := range tests {
		from, to := oura.SyncRange(now, berlin, tc.lastSynced, tc.backfill)
		if got := from.Format(time.DateOnly) + ".." + to.Format(time.DateOnly); got != tc.from+".."+tc.to {
			t.Errorf("%s: %s, want %s..%s", tc.name, got, tc.from, tc.to)
		}
	}
}

func TestNextSync(t *testing.T) {
	t.Parallel()
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	berlin, ny, kolkata := load("Europe/Berlin"), load("America/New_York"), load("Asia/Kolkata")
	at := func(loc *time.Location, s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name    string
		now     time.Time
		arrived bool
		want    time.Time
	}{
		{"morning, no sleep yet: next quarter", at(berlin, "2026-06-01 07:02:10"), false, at(berlin, "2026-06-01 07:15:00")},
		{"on a quarter: the next one", at(berlin, "2026-06-01 07:15:00"), false, at(berlin, "2026-06-01 07:30:00")},
		{"morning, sleep arrived: hourly", at(berlin, "2026-06-01 07:02:10"), true, at(berlin, "2026-06-01 08:00:00")},
		{"before 05:00: the 05:00 poll", at(berlin, "2026-06-01 04:20:00"), false, at(berlin, "2026-06-01 05:00:00")},
		{"04:50: quarter would be 05:00", at(berlin, "2026-06-01 04:50:00"), false, at(berlin, "2026-06-01 05:00:00")},
		{"11:50: last morning quarter is 11:45, so noon hourly", at(berlin, "2026-06-01 11:50:00"), false, at(berlin, "2026-06-01 12:00:00")},
		{"afternoon, no sleep: hourly", at(berlin, "2026-06-01 15:40:00"), false, at(berlin, "2026-06-01 16:00:00")},
		{"late evening: hourly across midnight", at(berlin, "2026-06-01 23:59:59"), false, at(berlin, "2026-06-02 00:00:00")},
		// Spring forward, Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST.
		{"spring forward: 01:30 → 03:00 (02:00 does not exist)", at(berlin, "2026-03-29 01:30:00"), true,
			time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)}, // 03:00 CEST: half an hour of real time later
		{"spring forward morning quarters", at(berlin, "2026-03-29 05:50:00"), false, at(berlin, "2026-03-29 06:00:00")},
		// Fall back, Berlin 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:xx happens twice.
		{"fall back: first 02:30 → second 02:00", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), true,
			time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)},
		{"fall back: second 02:30 → 03:00 CET", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), true,
			time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC)},
		{"fall back morning quarters", at(berlin, "2026-10-25 06:05:00"), false, at(berlin, "2026-10-25 06:15:00")},
		// New York, 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.
		{"NY spring forward morning", at(ny, "2026-03-08 05:00:00"), false, at(ny, "2026-03-08 05:15:00")},
		{"NY fall back, first 01:59:59 EDT", time.Date(2026, 11, 1, 5, 59, 59, 0, time.UTC), true,
			time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)}, // 01:00 EST
		// Half-hour offset: local full hours are at :30 UTC.
		{"Kolkata hourly", at(kolkata, "2026-06-01 14:10:00"), true, at(kolkata, "2026-06-01 15:00:00")},
		{"Kolkata morning quarter", at(kolkata, "2026-06-01 06:01:00"), false, at(kolkata, "2026-06-01 06:15:00")},
	}
	for _, tc := range tests {
		got := oura.NextSync(tc.now, tc.now.Location(), tc.arrived)
		if !got.Equal(tc.want) {
			t.Errorf("%s: got %s, want %s", tc.name, got.In(tc.now.Location()), tc.want.In(tc.now.Location()))
		}
		if !got.After(tc.now) || got.Sub(tc.now) > time.Hour {
			t.Errorf("%s: %s is not within the next hour of %s", tc.name, got, tc.now)
		}
	}
	// A whole fall-back day with sleep never arriving: quarters in the
	// morning window, hourly elsewhere, the repeated hour polled twice.
	now := at(berlin, "2026-10-25 00:00:00")
	end := at(berlin, "2026-10-26 00:00:00")
	polls, morning := 0, 0
	for t0 := now; t0.Before(end); t0 = oura.NextSync(t0, berlin, false) {
		polls++
		if h := t0.In(berlin).Hour(); h >= 5 && h < 12 {
			morning++
		}
	}
	// 25 real hours: 05:00–11:45 is 28 quarters; the other 18 real hours are hourly.
	if morning != 28 || polls != 28+18 {
		t.Errorf("fall-back day: %d polls, %d in the morning; want %d and 28", polls, morning, 28+18)
	}
}

func TestSyncHeartRateByLocalDays(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	store := newMemStore()
	connect(fake, store, 1)
	sink := &memSink{}
	ny, _ := time.LoadLocation("America/New_York")
	s := &oura.Syncer{Fetcher: newClient(t, fake, store, nil), Sink: sink, Collections: []oura.Collection{oura.Heartrate}, Location: ny}
	if _, err := s.Sync(t.Context(), 1, day("2024-01-01"), day("2024-12-31")); err != nil {
		t.Fatal(err)
	}
	want := len(recorded(t, "multiple_heart_rate.200.json"))
	if got := len(sink.docs[oura.Heartrate]); got != want {
		t.Errorf("%d heart-rate rows stored, want %d (ids must be unique, windows must meet)", got, want)
	}
	for _, r := range fake.Requests() {
		if !strings.Contains(r.Query, "T00%3A00%3A00-0") {
			t.Errorf("window %s does not start at local midnight", r.Query)
		}
	}
}

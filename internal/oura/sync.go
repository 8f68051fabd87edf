package oura

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// Sink receives fetched documents. Upserting by (person, collection, id) must
// be idempotent: windows overlap by design and every sync re-reads a day.
type Sink interface {
	UpsertDocuments(ctx context.Context, personID int64, coll Collection, docs []Document) error
}

// WindowSink is a Sink that takes a whole window at once, every
// collection's documents together, so it can apply them in one transaction
// (a day's sleep periods and its daily sleep belong together).
type WindowSink interface {
	Sink
	UpsertWindow(ctx context.Context, personID int64, docs map[Collection][]Document) error
}

// Fetcher is what the Syncer needs from Oura; *Client implements it.
type Fetcher interface {
	Documents(ctx context.Context, personID int64, coll Collection, from, to time.Time) ([]Document, error)
}

var _ Fetcher = (*Client)(nil)

// Sync defaults.
const (
	DefaultWindowDays   = 30 // the spec suggests 1–3-month windows for history
	DefaultBackfillDays = 90
)

// Syncer copies one person's Oura documents into a Sink, window by window.
type Syncer struct {
	Fetcher     Fetcher
	Sink        Sink
	Collections []Collection   // nil: DefaultCollections
	WindowDays  int            // 0: DefaultWindowDays
	Location    *time.Location // the household's zone, for heart-rate day boundaries; nil: UTC
}

// SyncReport says what a Sync did.
type SyncReport struct {
	Documents map[Collection]int   // documents handed to the sink
	Skipped   map[Collection]error // collections Oura refused (scope not granted: 403)
}

// Sync fetches the days from..to (inclusive, calendar dates) of every
// collection and hands each window's documents to the sink. Windows run
// newest first, so a long backfill shows today's numbers early. A 403 on one
// collection (the person did not grant that scope) skips that collection and
// carries on; anything else stops the sync and is returned, with what was
// stored so far kept (upserts make a re-run safe).
func (s *Syncer) Sync(ctx context.Context, personID int64, from, to time.Time) (SyncReport, error) {
	rep := SyncReport{Documents: map[Collection]int{}, Skipped: map[Collection]error{}}
	from, to = dateOf(from), dateOf(to)
	if to.Before(from) {
		return rep, domain.Invalid("to", to.Format(time.DateOnly), "must not be before from")
	}
	colls := s.Collections
	if colls == nil {
		colls = DefaultCollections()
	}
	window := s.WindowDays
	if window <= 0 {
		window = DefaultWindowDays
	}
	ws, whole := s.Sink.(WindowSink)
	for _, w := range windows(from, to, window) {
		batch := map[Collection][]Document{}
		for _, coll := range colls {
			if _, skipped := rep.Skipped[coll]; skipped {
				continue
			}
			wFrom, wTo := w[0], w[1]
			if coll.kind() == kindTimeSeries {
				wFrom, wTo = s.localDay(wFrom), s.localDay(wTo.AddDate(0, 0, 1)).Add(-time.Second)
			}
			docs, err := s.Fetcher.Documents(ctx, personID, coll, wFrom, wTo)
			if errors.Is(err, ErrForbidden) {
				rep.Skipped[coll] = err
				continue
			}
			if err != nil {
				return rep, fmt.Errorf("oura sync person %d %s %s..%s: %w", personID, coll,
					wFrom.Format(time.DateOnly), w[1].Format(time.DateOnly), err)
			}
			if len(docs) == 0 {
				continue
			}
			if whole {
				batch[coll] = docs
				continue
			}
			if err := s.Sink.UpsertDocuments(ctx, personID, coll, docs); err != nil {
				return rep, fmt.Errorf("oura sync person %d %s: store: %w", personID, coll, err)
			}
			rep.Documents[coll] += len(docs)
		}
		if len(batch) == 0 {
			continue
		}
		if err := ws.UpsertWindow(ctx, personID, batch); err != nil {
			return rep, fmt.Errorf("oura sync person %d %s..%s: store: %w", personID,
				w[0].Format(time.DateOnly), w[1].Format(time.DateOnly), err)
		}
		for coll, docs := range batch {
			rep.Documents[coll] += len(docs)
		}
	}
	return rep, nil
}

// localDay is the instant the calendar date d starts in the household's zone.
func (s *Syncer) localDay(d time.Time) time.Time {
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// windows splits from..to into inclusive windows of at most size days,
// newest first.
func windows(from, to time.Time, size int) [][2]time.Time {
	var out [][2]time.Time
	for end := to; !end.Before(from); {
		start := end.AddDate(0, 0, -(size - 1))
		if start.Before(from) {
			start = from
		}
		out = append(out, [2]time.Time{start, end})
		end = start.AddDate(0, 0, -1)
	}
	return out
}

// dateOf keeps the calendar date of t (in t's own location) at midnight UTC,
// so date arithmetic never meets a DST gap.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// SyncRange is the range the next sync should cover, as calendar dates in
// loc: a backfill of backfillDays (DefaultBackfillDays when 0) ending today
// when nothing was synced yet (lastSynced zero), else from the day before the
// last synced day, because Oura revises the latest day after the fact
// (late sleep, daytime activity).
func SyncRange(now time.Time, loc *time.Location, lastSynced time.Time, backfillDays int) (from, to time.Time) {
	if backfillDays <= 0 {
		backfillDays = DefaultBackfillDays
	}
	to = dateOf(now.In(loc))
	if lastSynced.IsZero() {
		return to.AddDate(0, 0, -(backfillDays - 1)), to
	}
	from = dateOf(lastSynced).AddDate(0, 0, -1)
	if from.After(to) {
		from = to
	}
	if earliest := to.AddDate(0, 0, -(backfillDays - 1)); from.Before(earliest) {
		// Down longer than a backfill: a backfill is all we would keep anyway.
		from = earliest
	}
	return from, to
}

// Poll window for last night's sleep, local time: Oura only has it after the
// person opens the app, usually in the morning.
const (
	morningStartHour = 5
	morningEndHour   = 12
)

// NextSync is when to poll Oura next: every 15 minutes from 05:00 to 12:00
// local time while today's sleep has not arrived, otherwise at the next full
// hour. Times are local wall-clock quarter and full hours; they are found by
// stepping in absolute time, so a repeated autumn hour is polled and a
// skipped spring hour is not waited for.
func NextSync(now time.Time, loc *time.Location, todaySleepArrived bool) time.Time {
	local := now.In(loc)
	if !todaySleepArrived {
		q := nextBoundary(local, 15*time.Minute)
		if h := q.Hour(); h >= morningStartHour && h < morningEndHour {
			return q
		}
	}
	return nextBoundary(local, time.Hour)
}

// nextBoundary is the first instant after t whose local wall clock is a
// multiple of step (15 min or 1 h) past the local hour. Every zone offset in
// use is a multiple of 15 minutes, so adding the local remainder lands on a
// local boundary.
func nextBoundary(t time.Time, step time.Duration) time.Time {
	sinceHour := time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
	return t.Add(step - sinceHour%step)
}

package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// scheduleJSON is a routine schedule as stored in routines.schedule.
type scheduleJSON struct {
	Kind   routine.ScheduleKind `json:"kind"`
	Days   []time.Weekday       `json:"days,omitempty"`
	Every  int                  `json:"every,omitempty"`
	Anchor string               `json:"anchor,omitempty"` // YYYY-MM-DD
	RRule  string               `json:"rrule,omitempty"`
}

func encodeSchedule(s routine.Schedule) ([]byte, error) {
	j := scheduleJSON{Kind: s.Kind, Days: s.Days, Every: s.Every, RRule: s.RRule}
	if !s.Anchor.IsZero() {
		j.Anchor = s.Anchor.String()
	}
	return json.Marshal(j)
}

func decodeSchedule(raw []byte) (routine.Schedule, error) {
	var j scheduleJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return routine.Schedule{}, fmt.Errorf("routine schedule: %w", err)
	}
	s := routine.Schedule{Kind: j.Kind, Days: j.Days, Every: j.Every, RRule: j.RRule}
	if j.Anchor != "" {
		d, err := domain.ParseDay(j.Anchor)
		if err != nil {
			return s, fmt.Errorf("routine schedule: %w", err)
		}
		s.Anchor = d
	}
	return s, nil
}

const routineColumns = "id, person_id, name, schedule, version"

func scanRoutine(row pgx.Row) (app.Versioned[routine.Routine], error) {
	var v app.Versioned[routine.Routine]
	var raw []byte
	if err := row.Scan(&v.Value.ID, &v.Value.PersonID, &v.Value.Name, &raw, &v.Version); err != nil {
		return v, err
	}
	var err error
	v.Value.Schedule, err = decodeSchedule(raw)
	return v, err
}

const itemColumns = "id, routine_id, title, anchor_kind, anchor_at, offset_min, duration_min, checklist, xp, habit_id, grace_min"

func scanItem(row pgx.Row) (routineID int64, it routine.Item, err error) {
	var at int
	err = row.Scan(&it.ID, &routineID, &it.Title, &it.Anchor.Kind, &at, &it.Anchor.OffsetMin, &it.DurationMin,
		&it.Checklist, &it.XP, &it.HabitID, &it.GraceMin)
	it.Anchor.At = domain.ClockTime(at)
	return routineID, it, err
}

// loadItems fills in the live items of routines, in their order.
func (s *Store) loadItems(ctx context.Context, routines []app.Versioned[routine.Routine]) error {
	if len(routines) == 0 {
		return nil
	}
	ids := make([]int64, len(routines))
	at := make(map[int64]int, len(routines))
	for i, r := range routines {
		ids[i], at[r.Value.ID] = r.Value.ID, i
		routines[i].Value.Items = nil
	}
	rows, err := s.q.Query(ctx, "SELECT "+itemColumns+` FROM routine_items
		WHERE routine_id = ANY($1) AND archived_at IS NULL ORDER BY routine_id, position`, ids)
	if err != nil {
		return fmt.Errorf("routine items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		rid, it, err := scanItem(rows)
		if err != nil {
			return fmt.Errorf("routine items: %w", err)
		}
		r := &routines[at[rid]].Value
		r.Items = append(r.Items, it)
	}
	return rows.Err()
}

func checklistOf(it routine.Item) []string {
	if it.Checklist == nil {
		return []string{}
	}
	return it.Checklist
}

func (s *Store) insertItem(ctx context.Context, routineID int64, pos int, it routine.Item) (int64, error) {
	var id int64
	err := s.q.QueryRow(ctx, `INSERT INTO routine_items
		(routine_id, position, title, anchor_kind, anchor_at, offset_min, duration_min, checklist, xp, habit_id, grace_min)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		routineID, pos, it.Title, it.Anchor.Kind, int(it.Anchor.At), it.Anchor.OffsetMin, it.DurationMin,
		checklistOf(it), it.XP, it.HabitID, it.Grace()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert routine item %q: %w", it.Title, err)
	}
	return id, nil
}

// RoutineInsert implements app.RoutineStore.
func (s *Store) RoutineInsert(ctx context.Context, r routine.Routine) (routine.Routine, error) {
	sched, err := encodeSchedule(r.Schedule)
	if err != nil {
		return r, err
	}
	if err := s.q.QueryRow(ctx, "INSERT INTO routines (person_id, name, schedule) VALUES ($1, $2, $3) RETURNING id",
		r.PersonID, r.Name, sched).Scan(&r.ID); err != nil {
		return r, fmt.Errorf("insert routine: %w", err)
	}
	r.Items = append([]routine.Item(nil), r.Items...)
	for i := range r.Items {
		if r.Items[i].ID, err = s.insertItem(ctx, r.ID, i, r.Items[i]); err != nil {
			return r, err
		}
	}
	return r, nil
}

// RoutineGet implements app.RoutineStore.
func (s *Store) RoutineGet(ctx context.Context, personID, id int64) (app.Versioned[routine.Routine], error) {
	v, err := scanRoutine(s.q.QueryRow(ctx, "SELECT "+routineColumns+
		" FROM routines WHERE person_id = $1 AND id = $2 AND archived_at IS NULL", personID, id))
	if err != nil {
		return v, notFound(err, fmt.Sprintf("routine %d", id))
	}
	list := []app.Versioned[routine.Routine]{v}
	err = s.loadItems(ctx, list)
	return list[0], err
}

// RoutineList implements app.RoutineStore.
func (s *Store) RoutineList(ctx context.Context, personID int64) ([]app.Versioned[routine.Routine], error) {
	rows, err := s.q.Query(ctx, "SELECT "+routineColumns+" FROM routines WHERE person_id = $1 AND archived_at IS NULL ORDER BY id", personID)
	if err != nil {
		return nil, fmt.Errorf("list routines: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Versioned[routine.Routine], error) { return scanRoutine(r) })
	if err != nil {
		return nil, fmt.Errorf("list routines: %w", err)
	}
	return list, s.loadItems(ctx, list)
}

// RoutineUpdate implements app.RoutineStore.
func (s *Store) RoutineUpdate(ctx context.Context, r routine.Routine, version int) (routine.Routine, int, error) {
	sched, err := encodeSchedule(r.Schedule)
	if err != nil {
		return r, 0, err
	}
	var next int
	err = s.q.QueryRow(ctx, `UPDATE routines SET name = $3, schedule = $4, version = version + 1, updated_at = now()
		WHERE person_id = $1 AND id = $2 AND version = $5 AND archived_at IS NULL RETURNING version`,
		r.PersonID, r.ID, r.Name, sched, version).Scan(&next)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, gerr := s.RoutineGet(ctx, r.PersonID, r.ID); gerr != nil {
			return r, 0, gerr
		}
		return r, 0, fmt.Errorf("routine %d changed meanwhile: %w", r.ID, domain.ErrPrecondition)
	}
	if err != nil {
		return r, 0, fmt.Errorf("update routine %d: %w", r.ID, err)
	}
	r.Items = append([]routine.Item(nil), r.Items...)
	keep := make([]int64, 0, len(r.Items))
	for i, it := range r.Items {
		if it.ID == 0 {
			if r.Items[i].ID, err = s.insertItem(ctx, r.ID, i, it); err != nil {
				return r, 0, err
			}
		} else {
			tag, err := s.q.Exec(ctx, `UPDATE routine_items SET position = $3, title = $4, anchor_kind = $5, anchor_at = $6,
				offset_min = $7, duration_min = $8, checklist = $9, xp = $10, habit_id = $11, grace_min = $12
				WHERE routine_id = $1 AND id = $2 AND archived_at IS NULL`,
				r.ID, it.ID, i, it.Title, it.Anchor.Kind, int(it.Anchor.At), it.Anchor.OffsetMin, it.DurationMin,
				checklistOf(it), it.XP, it.HabitID, it.Grace())
			if err != nil {
				return r, 0, fmt.Errorf("update routine item %d: %w", it.ID, err)
			}
			if tag.RowsAffected() == 0 {
				return r, 0, fmt.Errorf("routine %d has no item %d: %w", r.ID, it.ID, domain.ErrNotFound)
			}
		}
		keep = append(keep, r.Items[i].ID)
	}
	if _, err := s.q.Exec(ctx, `UPDATE routine_items SET archived_at = now()
		WHERE routine_id = $1 AND archived_at IS NULL AND NOT (id = ANY($2))`, r.ID, keep); err != nil {
		return r, 0, fmt.Errorf("retire routine items: %w", err)
	}
	return r, next, nil
}

// RoutineDelete implements app.RoutineStore.
func (s *Store) RoutineDelete(ctx context.Context, personID, id int64) error {
	tag, err := s.q.Exec(ctx, "UPDATE routines SET archived_at = now() WHERE person_id = $1 AND id = $2 AND archived_at IS NULL", personID, id)
	if err != nil {
		return fmt.Errorf("delete routine %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("routine %d: %w", id, domain.ErrNotFound)
	}
	if _, err := s.q.Exec(ctx, "UPDATE routine_items SET archived_at = now() WHERE routine_id = $1 AND archived_at IS NULL", id); err != nil {
		return fmt.Errorf("delete routine %d: %w", id, err)
	}
	return nil
}

const entryColumns = `item_id, day, person_id, routine_id, routine_name, title, planned, duration_min, grace_min, xp,
	habit_id, status, snoozed_until, reminded_at, completed_at, source, check_in_id`

func scanEntry(row pgx.Row) (app.TimelineEntry, error) {
	var e app.TimelineEntry
	var snoozed, reminded, completed *time.Time
	var checkIn *int64
	err := row.Scan(&e.ItemID, &e.Day, &e.PersonID, &e.RoutineID, &e.RoutineName, &e.Title, &e.Planned, &e.DurationMin,
		&e.GraceMin, &e.XP, &e.HabitID, &e.Status, &snoozed, &reminded, &completed, &e.Source, &checkIn)
	e.SnoozedUntil, e.RemindedAt, e.CompletedAt = deref(snoozed), deref(reminded), deref(completed)
	if checkIn != nil {
		e.CheckInID = *checkIn
	}
	return e, err
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func collectEntries(rows pgx.Rows, err error) ([]app.TimelineEntry, error) {
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.TimelineEntry, error) { return scanEntry(r) })
}

const timelineDaySQL = "SELECT " + entryColumns + " FROM timeline_entries WHERE person_id = $1 AND day = $2 ORDER BY planned, routine_id, item_id"

// TimelineDay implements app.RoutineStore.
func (s *Store) TimelineDay(ctx context.Context, personID int64, day domain.Day, lock bool) ([]app.TimelineEntry, error) {
	q := timelineDaySQL
	if lock {
		q += " FOR UPDATE"
	}
	return collectEntries(s.q.Query(ctx, q, personID, day))
}

// TimelineOpen implements app.RoutineStore.
func (s *Store) TimelineOpen(ctx context.Context, since domain.Day, until time.Time) ([]app.TimelineEntry, error) {
	return collectEntries(s.q.Query(ctx, "SELECT "+entryColumns+` FROM timeline_entries
		WHERE status IN ('pending', 'snoozed') AND day >= $1 AND planned <= $2
		ORDER BY planned, routine_id, item_id FOR UPDATE`, since, until))
}

// TimelineApply implements app.RoutineStore, in one round trip.
func (s *Store) TimelineApply(ctx context.Context, c routine.Changes) error {
	b := &pgx.Batch{}
	for _, e := range c.Insert {
		b.Queue(`INSERT INTO timeline_entries (item_id, day, person_id, routine_id, routine_name, title, planned,
			duration_min, grace_min, xp, habit_id, status)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (item_id, day) DO NOTHING`,
			e.ItemID, e.Day, e.PersonID, e.RoutineID, e.RoutineName, e.Title, e.Planned, e.DurationMin, e.GraceMin, e.XP, e.HabitID, e.Status)
	}
	for _, e := range c.Update {
		b.Queue(`UPDATE timeline_entries SET routine_id = $3, routine_name = $4, title = $5, planned = $6, duration_min = $7,
			grace_min = $8, xp = $9, habit_id = $10, updated_at = now()
			WHERE item_id = $1 AND day = $2 AND status IN ('pending', 'snoozed')`,
			e.ItemID, e.Day, e.RoutineID, e.RoutineName, e.Title, e.Planned, e.DurationMin, e.GraceMin, e.XP, e.HabitID)
	}
	for _, k := range c.Delete {
		b.Queue("DELETE FROM timeline_entries WHERE item_id = $1 AND day = $2 AND status IN ('pending', 'snoozed')", k.ItemID, k.Day)
	}
	if b.Len() == 0 {
		return nil
	}
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("apply timeline changes: %w", err)
	}
	return nil
}

// TimelineUpdate implements app.RoutineStore.
func (s *Store) TimelineUpdate(ctx context.Context, e app.TimelineEntry) error {
	tag, err := s.q.Exec(ctx, `UPDATE timeline_entries SET status = $3, snoozed_until = $4, reminded_at = $5,
		completed_at = $6, source = $7, check_in_id = $8, updated_at = now() WHERE item_id = $1 AND day = $2`,
		e.ItemID, e.Day, e.Status, nullTime(e.SnoozedUntil), nullTime(e.RemindedAt), nullTime(e.CompletedAt),
		string(e.Source), nullID(e.CheckInID))
	if err != nil {
		return fmt.Errorf("update timeline entry %d on %s: %w", e.ItemID, e.Day, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("timeline entry %d on %s: %w", e.ItemID, e.Day, domain.ErrNotFound)
	}
	return nil
}

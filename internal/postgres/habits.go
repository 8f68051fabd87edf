package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

const habitColumns = `h.id, h.person_id, h.slug, h.name, h.kind, h.schedule, h.target, h.time_window, h.start_day,
	h.archived_at IS NOT NULL, h.version, h.limit_spans`

func scanHabit(row pgx.Row) (app.Versioned[app.StoredHabit], error) {
	var v app.Versioned[app.StoredHabit]
	h := &v.Value
	var schedule, target, window, spans []byte
	var start domain.Day
	err := row.Scan(&h.ID, &h.PersonID, &h.Slug, &h.Name, &h.Kind, &schedule, &target, &window, &start, &h.Archived, &v.Version, &spans)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(spans, &h.LimitSpans); err != nil {
		return v, fmt.Errorf("habit %d limit spans: %w", h.ID, err)
	}
	h.Start = start
	if err := json.Unmarshal(schedule, &h.Schedule); err != nil {
		return v, fmt.Errorf("habit %d schedule: %w", h.ID, err)
	}
	if err := json.Unmarshal(target, &h.Target); err != nil {
		return v, fmt.Errorf("habit %d target: %w", h.ID, err)
	}
	if window != nil {
		if err := json.Unmarshal(window, &h.Window); err != nil {
			return v, fmt.Errorf("habit %d window: %w", h.ID, err)
		}
	}
	return v, nil
}

// spansJSON is a habit's limit spans as stored: never null.
func spansJSON(spans []domain.LimitSpan) ([]byte, error) {
	if spans == nil {
		spans = []domain.LimitSpan{}
	}
	return json.Marshal(spans)
}

// HabitLimitSpansPut implements app.HabitStore.
func (s *Store) HabitLimitSpansPut(ctx context.Context, id int64, spans []domain.LimitSpan) error {
	b, err := spansJSON(spans)
	if err != nil {
		return err
	}
	_, err = s.q.Exec(ctx, "UPDATE habits SET limit_spans = $2 WHERE id = $1", id, b)
	return err
}

func windowJSON(w domain.TimeWindow) ([]byte, error) {
	if w.IsZero() {
		return nil, nil
	}
	return json.Marshal(w)
}

// HabitInsert implements app.HabitStore.
func (s *Store) HabitInsert(ctx context.Context, h domain.Habit, slug string) (domain.Habit, error) {
	schedule, err := json.Marshal(h.Schedule)
	if err != nil {
		return h, err
	}
	target, err := json.Marshal(h.Target)
	if err != nil {
		return h, err
	}
	window, err := windowJSON(h.Window)
	if err != nil {
		return h, err
	}
	spans, err := spansJSON(h.LimitSpans)
	if err != nil {
		return h, err
	}
	err = s.q.QueryRow(ctx, `
		INSERT INTO habits (person_id, slug, name, kind, schedule, target, time_window, start_day, limit_spans)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		h.PersonID, slug, h.Name, h.Kind, schedule, target, window, h.Start, spans).Scan(&h.ID)
	if uniqueViolation(err, "habits_person_id_slug_key") {
		return h, fmt.Errorf("habit slug %q is taken: %w", slug, domain.ErrConflict)
	}
	if err != nil {
		return h, fmt.Errorf("insert habit: %w", err)
	}
	return h, s.loadPauses(ctx, &h)
}

func (s *Store) loadPauses(ctx context.Context, h *domain.Habit) error {
	rows, err := s.q.Query(ctx, `
		SELECT `+pauseColumns+` FROM pauses
		 WHERE person_id = $1 AND (habit_id IS NULL OR habit_id = $2) ORDER BY from_day`, h.PersonID, h.ID)
	if err != nil {
		return fmt.Errorf("habit %d pauses: %w", h.ID, err)
	}
	h.Pauses, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Pause, error) {
		v, err := scanPause(r)
		return v.Value, err
	})
	return err
}

const pauseColumns = "id, coalesce(habit_id, 0), reason, from_day, until_day, version"

func scanPause(row pgx.Row) (app.Versioned[domain.Pause], error) {
	var v app.Versioned[domain.Pause]
	p := &v.Value
	err := row.Scan(&p.ID, &p.HabitID, &p.Reason, &p.From, &p.Until, &v.Version)
	return v, err
}

// HabitGet implements app.HabitStore: ref is an id, a slug or a name
// (case-insensitive), in that order. The habit and its pauses come in one
// round trip.
func (s *Store) HabitGet(ctx context.Context, personID int64, ref string, lock bool) (app.Versioned[app.StoredHabit], error) {
	var v app.Versioned[app.StoredHabit]
	var found bool
	b := &pgx.Batch{}
	queueHabit(b, "$1", personID, ref, lock, &v, &found)
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return v, fmt.Errorf("habit %q: %w", ref, err)
	}
	if !found {
		return v, fmt.Errorf("habit %q: %w", ref, domain.ErrNotFound)
	}
	return v, nil
}

// queueHabit queues the reads of HabitGet: the habit ref of the person
// whose id is person (an SQL expression over personArg, its $1), locked
// when lock, and its pauses into v; found says whether there is such a
// habit.
func queueHabit(b *pgx.Batch, person string, personArg any, ref string, lock bool, v *app.Versioned[app.StoredHabit], found *bool) {
	forUpdate := ""
	if lock {
		forUpdate = " FOR UPDATE OF h"
	}
	where := "h.person_id = " + person + " AND h.id = $2"
	var refArg any = ref
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		refArg = id
	} else {
		where = "h.id = (SELECT id FROM habits WHERE person_id = " + person + ` AND (slug = $2 OR lower(name) = lower($2))
			ORDER BY archived_at IS NOT NULL, slug = $2 DESC, id LIMIT 1)`
	}
	b.Queue("SELECT "+habitColumns+" FROM habits h WHERE "+where+forUpdate, personArg, refArg).QueryRow(func(row pgx.Row) error {
		var err error
		*v, err = scanHabit(row)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		*found = err == nil
		return err
	})
	b.Queue(`SELECT `+pauseColumns+` FROM pauses
		WHERE person_id = `+person+` AND (habit_id IS NULL OR habit_id = (SELECT h.id FROM habits h WHERE `+where+`)) ORDER BY from_day`,
		personArg, refArg).Query(func(rows pgx.Rows) error {
		var err error
		v.Value.Pauses, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Pause, error) {
			p, err := scanPause(r)
			return p.Value, err
		})
		return err
	})
}

// HabitList implements app.HabitStore: active habits, oldest first, with
// the person's pauses in the same round trip (a person-wide pause is every
// habit's, a habit's own only its).
func (s *Store) HabitList(ctx context.Context, personID int64) ([]app.Versioned[app.StoredHabit], error) {
	var list []app.Versioned[app.StoredHabit]
	var pauses []domain.Pause
	b := &pgx.Batch{}
	b.Queue("SELECT "+habitColumns+" FROM habits h WHERE person_id = $1 AND archived_at IS NULL ORDER BY id", personID).Query(func(rows pgx.Rows) error {
		var err error
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Versioned[app.StoredHabit], error) { return scanHabit(r) })
		return err
	})
	b.Queue("SELECT "+pauseColumns+" FROM pauses WHERE person_id = $1 ORDER BY from_day", personID).Query(func(rows pgx.Rows) error {
		var err error
		pauses, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Pause, error) {
			v, err := scanPause(r)
			return v.Value, err
		})
		return err
	})
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("list habits: %w", err)
	}
	for i := range list {
		h := &list[i].Value.Habit
		h.Pauses = []domain.Pause{}
		for _, p := range pauses {
			if p.HabitID == 0 || p.HabitID == h.ID {
				h.Pauses = append(h.Pauses, p)
			}
		}
	}
	return list, nil
}

// HabitUpdate implements app.HabitStore.
func (s *Store) HabitUpdate(ctx context.Context, h app.StoredHabit, version int) (int, error) {
	schedule, err := json.Marshal(h.Schedule)
	if err != nil {
		return 0, err
	}
	target, err := json.Marshal(h.Target)
	if err != nil {
		return 0, err
	}
	window, err := windowJSON(h.Window)
	if err != nil {
		return 0, err
	}
	spans, err := spansJSON(h.LimitSpans)
	if err != nil {
		return 0, err
	}
	var next int
	err = s.q.QueryRow(ctx, `
		UPDATE habits SET slug = $2, name = $3, kind = $4, schedule = $5, target = $6, time_window = $7, start_day = $8,
		       limit_spans = $10, version = version + 1, updated_at = now()
		 WHERE id = $1 AND version = $9 RETURNING version`,
		h.ID, h.Slug, h.Name, h.Kind, schedule, target, window, h.Start, version, spans).Scan(&next)
	switch {
	case uniqueViolation(err, "habits_person_id_slug_key"):
		return 0, fmt.Errorf("habit slug %q is taken: %w", h.Slug, domain.ErrConflict)
	case errors.Is(err, pgx.ErrNoRows):
		return 0, fmt.Errorf("habit %d changed meanwhile: %w", h.ID, domain.ErrPrecondition)
	case err != nil:
		return 0, fmt.Errorf("update habit %d: %w", h.ID, err)
	}
	// Days the new definition no longer covers must not linger.
	if _, err := s.q.Exec(ctx, "DELETE FROM habit_days WHERE habit_id = $1 AND day < $2", h.ID, h.Start); err != nil {
		return 0, err
	}
	return next, nil
}

// HabitArchive implements app.HabitStore. The habit's day rows from from
// on go: an archived habit keeps its days before and counts on no day after
// them.
func (s *Store) HabitArchive(ctx context.Context, id int64, from domain.Day) error {
	if _, err := s.q.Exec(ctx, "UPDATE habits SET archived_at = coalesce(archived_at, now()), version = version + 1 WHERE id = $1", id); err != nil {
		return err
	}
	_, err := s.q.Exec(ctx, "DELETE FROM habit_days WHERE habit_id = $1 AND day >= $2", id, from)
	return err
}

// HabitsArchived implements app.HabitStore.
func (s *Store) HabitsArchived(ctx context.Context, personID int64) ([]app.Versioned[app.StoredHabit], error) {
	rows, err := s.q.Query(ctx, habitsArchivedSQL, personID)
	if err != nil {
		return nil, fmt.Errorf("list archived habits: %w", err)
	}
	return collectHabits(rows)
}

const habitsArchivedSQL = "SELECT " + habitColumns + " FROM habits h WHERE person_id = $1 AND archived_at IS NOT NULL ORDER BY id"

func collectHabits(rows pgx.Rows) ([]app.Versioned[app.StoredHabit], error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Versioned[app.StoredHabit], error) { return scanHabit(r) })
}

// HabitUnarchive implements app.HabitStore.
func (s *Store) HabitUnarchive(ctx context.Context, id int64) error {
	_, err := s.q.Exec(ctx, "UPDATE habits SET archived_at = NULL, version = version + 1, updated_at = now() WHERE id = $1 AND archived_at IS NOT NULL", id)
	return err
}

// PauseInsert implements app.HabitStore.
func (s *Store) PauseInsert(ctx context.Context, personID int64, p domain.Pause) (app.Versioned[domain.Pause], error) {
	v, err := scanPause(s.q.QueryRow(ctx, `
		INSERT INTO pauses (person_id, habit_id, reason, from_day, until_day) VALUES ($1, $2, $3, $4, $5)
		RETURNING `+pauseColumns, personID, nullID(p.HabitID), p.Reason, p.From, p.Until))
	if err != nil {
		return v, fmt.Errorf("insert pause: %w", err)
	}
	return v, nil
}

// PauseGet implements app.HabitStore.
func (s *Store) PauseGet(ctx context.Context, personID, id int64) (app.Versioned[domain.Pause], error) {
	v, err := scanPause(s.q.QueryRow(ctx, "SELECT "+pauseColumns+" FROM pauses WHERE person_id = $1 AND id = $2", personID, id))
	if err != nil {
		return v, notFound(err, "pause "+strconv.FormatInt(id, 10))
	}
	return v, nil
}

// PauseList implements app.HabitStore: newest start first.
func (s *Store) PauseList(ctx context.Context, personID int64) ([]app.Versioned[domain.Pause], error) {
	rows, err := s.q.Query(ctx, "SELECT "+pauseColumns+" FROM pauses WHERE person_id = $1 ORDER BY from_day DESC, id DESC", personID)
	if err != nil {
		return nil, fmt.Errorf("list pauses: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Versioned[domain.Pause], error) { return scanPause(r) })
}

// PauseUpdate implements app.HabitStore.
func (s *Store) PauseUpdate(ctx context.Context, p domain.Pause, version int) (int, error) {
	var next int
	err := s.q.QueryRow(ctx, `
		UPDATE pauses SET reason = $2, from_day = $3, until_day = $4, version = version + 1, updated_at = now()
		 WHERE id = $1 AND version = $5 RETURNING version`, p.ID, p.Reason, p.From, p.Until, version).Scan(&next)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, fmt.Errorf("pause %d changed meanwhile: %w", p.ID, domain.ErrPrecondition)
	case err != nil:
		return 0, fmt.Errorf("update pause %d: %w", p.ID, err)
	}
	return next, nil
}

// PauseDelete implements app.HabitStore.
func (s *Store) PauseDelete(ctx context.Context, id int64) error {
	if _, err := s.q.Exec(ctx, "DELETE FROM pauses WHERE id = $1", id); err != nil {
		return fmt.Errorf("delete pause %d: %w", id, err)
	}
	return nil
}

// habitDayJSON is how streak and strength state are stored.
type habitDayState struct {
	Streak   domain.StreakState   `json:"streak"`
	Strength domain.StrengthState `json:"strength"`
	CheckIns int                  `json:"check_ins"`
	AtRisk   bool                 `json:"at_risk"`
}

const habitDayColumns = "day, status, value, completion, streak, final"

func scanHabitDay(row pgx.Row) (app.HabitDay, error) {
	var d app.HabitDay
	var state []byte
	err := row.Scan(&d.Day, &d.Result.Status, &d.Result.Value, &d.Result.Completion, &state, &d.Final)
	if err != nil {
		return d, err
	}
	var st habitDayState
	if err := json.Unmarshal(state, &st); err != nil {
		return d, fmt.Errorf("habit day %s state: %w", d.Day, err)
	}
	d.Result.Day, d.Result.CheckIns, d.Result.AtRisk = d.Day, st.CheckIns, st.AtRisk
	d.Streak, d.Strength = st.Streak, st.Strength
	return d, nil
}

// HabitDayBefore implements app.HabitStore.
func (s *Store) HabitDayBefore(ctx context.Context, habitID int64, day domain.Day) (app.HabitDay, bool, error) {
	d, err := scanHabitDay(s.q.QueryRow(ctx, "SELECT "+habitDayColumns+" FROM habit_days WHERE habit_id = $1 AND day < $2 ORDER BY day DESC LIMIT 1", habitID, day))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, false, nil
	}
	return d, err == nil, err
}

// habitDaysFromSQL reads a habit's latest row before $2 and its rows from
// $2 to $3.
const habitDaysFromSQL = `(SELECT ` + habitDayColumns + ` FROM habit_days WHERE habit_id = $1 AND day < $2 ORDER BY day DESC LIMIT 1)
		UNION ALL (SELECT ` + habitDayColumns + ` FROM habit_days WHERE habit_id = $1 AND day BETWEEN $2 AND $3) ORDER BY day`

func collectHabitDaysFrom(rows pgx.Rows, from domain.Day) (app.HabitDay, bool, []app.HabitDay, error) {
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.HabitDay, error) { return scanHabitDay(r) })
	if err != nil || len(all) == 0 || !all[0].Day.Before(from) {
		return app.HabitDay{}, false, all, err
	}
	return all[0], true, all[1:], nil
}

// HabitDaysUpsert implements app.HabitStore in one round trip, or none in
// a transaction: the rows go with its next statement.
func (s *Store) HabitDaysUpsert(ctx context.Context, habitID int64, rows []app.HabitDay) error {
	if len(rows) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, r := range rows {
		state, err := json.Marshal(habitDayState{Streak: r.Streak, Strength: r.Strength, CheckIns: r.Result.CheckIns, AtRisk: r.Result.AtRisk})
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO habit_days (habit_id, day, status, value, completion, streak, strength, final)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (habit_id, day) DO UPDATE SET status = EXCLUDED.status, value = EXCLUDED.value,
			  completion = EXCLUDED.completion, streak = EXCLUDED.streak, strength = EXCLUDED.strength, final = EXCLUDED.final`,
			habitID, r.Day, r.Result.Status, r.Result.Value, r.Result.Completion, state, r.Strength.Score, r.Final)
	}
	return s.later(ctx, fmt.Sprintf("habit %d days", habitID), b)
}

// HabitDays implements app.HabitStore.
func (s *Store) HabitDays(ctx context.Context, habitID int64, from, to domain.Day) ([]app.HabitDay, error) {
	rows, err := s.q.Query(ctx, "SELECT "+habitDayColumns+" FROM habit_days WHERE habit_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day", habitID, from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.HabitDay, error) { return scanHabitDay(r) })
}

// HabitDaysOfPerson implements app.HabitStore.
func (s *Store) HabitDaysOfPerson(ctx context.Context, personID int64, day domain.Day) (map[int64]app.HabitDay, error) {
	rows, err := s.q.Query(ctx, habitDaysOfPersonSQL, personID, day)
	if err != nil {
		return nil, err
	}
	return collectHabitDaysOfPerson(rows)
}

// habitDaysOfPersonSQL reads archived habits too: their days up to the
// archiving count as they were (archiving removes the days from then on).
const habitDaysOfPersonSQL = `
	SELECT d.habit_id, d.day, d.status, d.value, d.completion, d.streak, d.final
	  FROM habit_days d JOIN habits h ON h.id = d.habit_id
	 WHERE h.person_id = $1 AND d.day = $2`

func collectHabitDaysOfPerson(rows pgx.Rows) (map[int64]app.HabitDay, error) {
	defer rows.Close()
	out := map[int64]app.HabitDay{}
	for rows.Next() {
		var id int64
		var d app.HabitDay
		var state []byte
		if err := rows.Scan(&id, &d.Day, &d.Result.Status, &d.Result.Value, &d.Result.Completion, &state, &d.Final); err != nil {
			return nil, err
		}
		var st habitDayState
		if err := json.Unmarshal(state, &st); err != nil {
			return nil, err
		}
		d.Result.Day, d.Result.CheckIns, d.Result.AtRisk = d.Day, st.CheckIns, st.AtRisk
		d.Streak, d.Strength = st.Streak, st.Strength
		out[id] = d
	}
	return out, rows.Err()
}

// PausesEnd implements app.HabitStore.
func (s *Store) PausesEnd(ctx context.Context, personID int64, reason domain.PauseReason, day domain.Day) error {
	if _, err := s.q.Exec(ctx, `DELETE FROM pauses WHERE person_id = $1 AND habit_id IS NULL AND reason = $2 AND from_day >= $3`,
		personID, reason, day); err != nil {
		return err
	}
	_, err := s.q.Exec(ctx, `UPDATE pauses SET until_day = $3::date - 1, version = version + 1, updated_at = now()
		WHERE person_id = $1 AND habit_id IS NULL AND reason = $2 AND (until_day IS NULL OR until_day >= $3)`, personID, reason, day)
	return err
}

// PauseActive implements app.HabitStore.
func (s *Store) PauseActive(ctx context.Context, personID int64, reason domain.PauseReason, day domain.Day) (bool, error) {
	var active bool
	err := s.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pauses WHERE person_id = $1 AND habit_id IS NULL AND reason = $2
		AND $3 >= from_day AND (until_day IS NULL OR $3 <= until_day))`, personID, reason, day).Scan(&active)
	return active, err
}

package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// --- check-ins ---

const checkInColumns = "id, habit_id, person_id, at, quantity, source, note, created_at"

func scanCheckIn(row pgx.Row) (domain.CheckIn, error) {
	var c domain.CheckIn
	err := row.Scan(&c.ID, &c.HabitID, &c.PersonID, &c.At, &c.Quantity, &c.Source, &c.Note, &c.Recorded)
	return c, err
}

// CheckInInsert implements app.CheckInStore: in a transaction the insert
// goes with the next statement (laterRow).
func (s *Store) CheckInInsert(ctx context.Context, c *domain.CheckIn, day domain.Day, key string) error {
	return s.laterRow(ctx, `
		INSERT INTO check_ins (habit_id, person_id, at, day, quantity, source, note, idempotency_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, now())) RETURNING id, created_at`,
		[]any{c.HabitID, c.PersonID, c.At, day, c.Quantity, c.Source, c.Note, nullIfEmpty(key), nullTime(c.Recorded)},
		func(row pgx.Row) error {
			err := row.Scan(&c.ID, &c.Recorded)
			if uniqueViolation(err, "check_ins_person_id_idempotency_key_key") {
				return fmt.Errorf("idempotency key %q is in use: %w", key, domain.ErrConflict)
			}
			return err
		})
}

// FoldSources implements app.CheckInStore: CheckIns, the days paid per
// check-in and the awards, pipelined in one batch.
func (s *Store) FoldSources(ctx context.Context, personID, habitID int64, checkInsFrom, from, to domain.Day, kinds, sources []string) (app.FoldSources, error) {
	b := &pgx.Batch{}
	src := queueFoldSources(b, personID, habitID, checkInsFrom, from, to, kinds, sources)
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return app.FoldSources{}, fmt.Errorf("habit %d fold sources: %w", habitID, err)
	}
	return *src, nil
}

// HabitFold implements app.CheckInStore: HabitDaysFrom and FoldSources in
// one batch.
func (s *Store) HabitFold(ctx context.Context, personID, habitID int64, rowsFrom, checkInsFrom, from, to domain.Day, kinds, sources []string) (app.HabitFold, error) {
	var f app.HabitFold
	b := &pgx.Batch{}
	b.Queue(habitDaysFromSQL, habitID, rowsFrom, to).Query(func(rows pgx.Rows) (err error) {
		f.Before, f.OK, f.Rows, err = collectHabitDaysFrom(rows, rowsFrom)
		return err
	})
	src := queueFoldSources(b, personID, habitID, checkInsFrom, from, to, kinds, sources)
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return app.HabitFold{}, fmt.Errorf("habit %d fold: %w", habitID, err)
	}
	f.Sources = *src
	return f, nil
}

// queueFoldSources queues FoldSources' reads into b; what they read is in
// the answer once b was sent.
func queueFoldSources(b *pgx.Batch, personID, habitID int64, checkInsFrom, from, to domain.Day, kinds, sources []string) *app.FoldSources {
	src := &app.FoldSources{Paid: map[domain.Day]bool{}, Awards: map[string]int{}, Earned: map[domain.Day]int{}}
	b.Queue("SELECT "+checkInColumns+" FROM check_ins WHERE habit_id = $1 AND day BETWEEN $2 AND $3 ORDER BY at, id", habitID, checkInsFrom, to).
		Query(func(rows pgx.Rows) (err error) {
			src.CheckIns, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.CheckIn, error) { return scanCheckIn(r) })
			return err
		})
	b.Queue(`SELECT DISTINCT c.day FROM check_ins c
		JOIN xp_ledger l ON l.person_id = c.person_id AND l.source_kind = 'check_in' AND l.source_id = c.id::text
		WHERE c.habit_id = $1 AND c.day BETWEEN $2 AND $3`, habitID, from, to).Query(func(rows pgx.Rows) error {
		days, err := pgx.CollectRows(rows, pgx.RowTo[domain.Day])
		for _, d := range days {
			src.Paid[d] = true
		}
		return err
	})
	b.Queue(`SELECT source_kind, source_id, amount FROM xp_ledger WHERE person_id = $1 AND source_kind = ANY($2) AND source_id = ANY($3)`,
		personID, kinds, sources).Query(func(rows pgx.Rows) error {
		var kind, source string
		var amount int
		_, err := pgx.ForEachRow(rows, []any{&kind, &source, &amount}, func() error {
			src.Awards[app.AwardKey(kind, source)] = amount
			return nil
		})
		return err
	})
	b.Queue(`SELECT day, sum(amount) FROM xp_ledger WHERE person_id = $1 AND day BETWEEN $2 AND $3 AND `+underCeiling+`
		GROUP BY day`, personID, from, to).Query(func(rows pgx.Rows) error {
		var day domain.Day
		var earned int
		_, err := pgx.ForEachRow(rows, []any{&day, &earned}, func() error {
			src.Earned[day] = earned
			return nil
		})
		return err
	})
	return src
}

// CheckInByKey implements app.CheckInStore.
func (s *Store) CheckInByKey(ctx context.Context, personID int64, key string) (domain.CheckIn, bool, error) {
	c, err := scanCheckIn(s.q.QueryRow(ctx, "SELECT "+checkInColumns+" FROM check_ins WHERE person_id = $1 AND idempotency_key = $2", personID, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, false, nil
	}
	return c, err == nil, err
}

// CheckInTarget implements app.CheckInStore: the person, the habit (locked)
// with its pauses, the check-in of the key, the person's totals (locked)
// and nodes in one round trip, when the person is named by id or slug; a
// person named by name is found first.
func (s *Store) CheckInTarget(ctx context.Context, personRef, habitRef, key string) (app.CheckInTarget, error) {
	var t app.CheckInTarget
	cond, arg := "slug = $1", any(personRef)
	if id, err := strconv.ParseInt(personRef, 10, 64); err == nil {
		cond, arg = "id = $1", id
	}
	person := "(SELECT id FROM people WHERE " + cond + ")"
	var personFound, habitFound bool
	b := &pgx.Batch{}
	b.Queue("SELECT "+personColumns+" FROM people WHERE "+cond, arg).QueryRow(func(row pgx.Row) error {
		var err error
		t.Person, err = scanPerson(row)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		personFound = err == nil
		return err
	})
	queueHabit(b, person, arg, habitRef, true, &t.Habit, &habitFound)
	if key != "" {
		b.Queue("SELECT "+checkInColumns+" FROM check_ins WHERE person_id = "+person+" AND idempotency_key = $2", arg, key).QueryRow(func(row pgx.Row) error {
			var err error
			t.Prior, err = scanCheckIn(row)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			t.Replay = err == nil
			return err
		})
	}
	// The person's totals, locked as ProgressGet locks them in a
	// transaction, and their nodes: the check-in needs both.
	lock := ""
	if s.inTx {
		lock = " FOR UPDATE"
	}
	b.Queue(progressSQL+person+lock, arg).QueryRow(func(row pgx.Row) error {
		var err error
		t.Progress, err = scanProgress(row)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // no such person: found out above
		}
		return err
	})
	b.Queue(strings.Replace(allocationsSQL, "$1", person, 1), arg).Query(func(rows pgx.Rows) error {
		var err error
		t.Nodes, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return t, fmt.Errorf("check-in of %q by %q: %w", habitRef, personRef, err)
	}
	if !personFound {
		p, err := s.PersonGet(ctx, personRef)
		if err != nil {
			return t, err
		}
		return s.CheckInTarget(ctx, strconv.FormatInt(p.Value.ID, 10), habitRef, key)
	}
	if !habitFound {
		return t, fmt.Errorf("habit %q: %w", habitRef, domain.ErrNotFound)
	}
	return t, nil
}

// CheckInGet implements app.CheckInStore.
func (s *Store) CheckInGet(ctx context.Context, personID, id int64) (domain.CheckIn, error) {
	c, err := scanCheckIn(s.q.QueryRow(ctx, "SELECT "+checkInColumns+" FROM check_ins WHERE person_id = $1 AND id = $2", personID, id))
	return c, notFound(err, fmt.Sprintf("check-in %d", id))
}

// CheckInDelete implements app.CheckInStore.
func (s *Store) CheckInDelete(ctx context.Context, id int64) error {
	_, err := s.q.Exec(ctx, "DELETE FROM check_ins WHERE id = $1", id)
	return err
}

// CheckIns implements app.CheckInStore.
func (s *Store) CheckIns(ctx context.Context, habitID int64, from, to domain.Day) ([]domain.CheckIn, error) {
	rows, err := s.q.Query(ctx, "SELECT "+checkInColumns+" FROM check_ins WHERE habit_id = $1 AND day BETWEEN $2 AND $3 ORDER BY at, id", habitID, from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.CheckIn, error) { return scanCheckIn(r) })
}

// CheckInPage implements app.CheckInStore.
func (s *Store) CheckInPage(ctx context.Context, personID int64, q app.CheckInQuery) ([]domain.CheckIn, error) {
	rows, err := s.q.Query(ctx, "SELECT "+checkInColumns+` FROM check_ins
		WHERE person_id = $1 AND ($2 = 0 OR habit_id = $2) AND ($3::date IS NULL OR day >= $3) AND ($4::date IS NULL OR day <= $4)
		  AND ($5 = 0 OR id < $5)
		ORDER BY id DESC LIMIT $6`, personID, q.HabitID, q.From, q.To, q.Before, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("page check-ins: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.CheckIn, error) { return scanCheckIn(r) })
}

// --- activities ---

const activityColumns = "id, person_id, type, amount, at, note, source, xp, created_at"

func scanActivity(row pgx.Row) (domain.Activity, error) {
	var a domain.Activity
	err := row.Scan(&a.ID, &a.PersonID, &a.Type, &a.Amount, &a.At, &a.Note, &a.Source, &a.XP, &a.Recorded)
	return a, err
}

// ActivityInsert implements app.ActivityStore.
func (s *Store) ActivityInsert(ctx context.Context, a domain.Activity, day domain.Day, key, externalID string) (domain.Activity, error) {
	err := s.q.QueryRow(ctx, `
		INSERT INTO activities (person_id, type, amount, at, day, note, source, idempotency_key, xp, external_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, coalesce($10, now())) RETURNING id, created_at`,
		a.PersonID, a.Type, a.Amount, a.At, day, a.Note, a.Source, nullIfEmpty(key), nullIfEmpty(externalID), nullTime(a.Recorded)).Scan(&a.ID, &a.Recorded)
	switch {
	case uniqueViolation(err, "activities_person_id_idempotency_key_key"):
		return a, fmt.Errorf("idempotency key %q is in use: %w", key, domain.ErrConflict)
	case uniqueViolation(err, "activities_external"):
		return a, fmt.Errorf("%s activity %q was logged already: %w", a.Source, externalID, domain.ErrConflict)
	}
	return a, err
}

// ActivityByKey implements app.ActivityStore.
func (s *Store) ActivityByKey(ctx context.Context, personID int64, key string) (domain.Activity, bool, error) {
	a, err := scanActivity(s.q.QueryRow(ctx, "SELECT "+activityColumns+" FROM activities WHERE person_id = $1 AND idempotency_key = $2", personID, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, false, nil
	}
	return a, err == nil, err
}

// ActivityGet implements app.ActivityStore.
func (s *Store) ActivityGet(ctx context.Context, personID, id int64) (domain.Activity, error) {
	a, err := scanActivity(s.q.QueryRow(ctx, "SELECT "+activityColumns+" FROM activities WHERE person_id = $1 AND id = $2", personID, id))
	return a, notFound(err, fmt.Sprintf("activity %d", id))
}

// ActivityDelete implements app.ActivityStore.
func (s *Store) ActivityDelete(ctx context.Context, id int64) error {
	_, err := s.q.Exec(ctx, "DELETE FROM activities WHERE id = $1", id)
	return err
}

// ActivitiesOfDay implements app.ActivityStore.
func (s *Store) ActivitiesOfDay(ctx context.Context, personID int64, day domain.Day, typ string) ([]domain.Activity, error) {
	rows, err := s.q.Query(ctx, "SELECT "+activityColumns+` FROM activities
		WHERE person_id = $1 AND day = $2 AND ($3 = '' OR type = $3) ORDER BY at, id`, personID, day, typ)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Activity, error) { return scanActivity(r) })
}

// ActivitySetXP implements app.ActivityStore.
func (s *Store) ActivitySetXP(ctx context.Context, id int64, xp int) error {
	_, err := s.q.Exec(ctx, "UPDATE activities SET xp = $2 WHERE id = $1", id, xp)
	return err
}

// ActivityPage implements app.ActivityStore.
func (s *Store) ActivityPage(ctx context.Context, personID int64, before int64, limit int) ([]domain.Activity, error) {
	rows, err := s.q.Query(ctx, "SELECT "+activityColumns+` FROM activities
		WHERE person_id = $1 AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3`, personID, before, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Activity, error) { return scanActivity(r) })
}

// ActivityTypesCustom implements app.ActivityStore.
func (s *Store) ActivityTypesCustom(ctx context.Context) ([]domain.ActivityType, error) {
	rows, err := s.q.Query(ctx, activityTypesSQL)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanActivityType)
}

const activityTypesSQL = "SELECT key, name, unit, xp_per_unit, full_units_per_day, category, stats FROM activity_types ORDER BY key"

func scanActivityType(r pgx.CollectableRow) (domain.ActivityType, error) {
	t := domain.ActivityType{Custom: true}
	var stats []string
	err := r.Scan(&t.Key, &t.Name, &t.Unit, &t.XPPerUnit, &t.FullUnitsPerDay, &t.Category, &stats)
	for _, st := range stats {
		t.Stats = append(t.Stats, domain.Stat(st))
	}
	return t, err
}

// ActivityTypeInsert implements app.ActivityStore.
func (s *Store) ActivityTypeInsert(ctx context.Context, t domain.ActivityType) error {
	stats := make([]string, len(t.Stats))
	for i, st := range t.Stats {
		stats[i] = string(st)
	}
	_, err := s.q.Exec(ctx, `INSERT INTO activity_types (key, name, unit, xp_per_unit, full_units_per_day, category, stats)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.Key, t.Name, t.Unit, t.XPPerUnit, t.FullUnitsPerDay, t.Category, stats)
	if uniqueViolation(err, "") {
		return fmt.Errorf("activity type %q exists already: %w", t.Key, domain.ErrConflict)
	}
	return err
}

// ActivityTypeNames implements app.ActivityStore.
func (s *Store) ActivityTypeNames(ctx context.Context) ([]domain.TypeNames, error) {
	rows, err := s.q.Query(ctx, "SELECT key, name, aliases FROM activity_type_names ORDER BY key")
	if err != nil {
		return nil, fmt.Errorf("activity type names: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.TypeNames, error) {
		var n domain.TypeNames
		err := r.Scan(&n.Key, &n.Name, &n.Aliases)
		return n, err
	})
}

// ActivityTypeNamesPut implements app.ActivityStore.
func (s *Store) ActivityTypeNamesPut(ctx context.Context, n domain.TypeNames) error {
	aliases := n.Aliases
	if aliases == nil {
		aliases = []string{}
	}
	_, err := s.q.Exec(ctx, `INSERT INTO activity_type_names (key, name, aliases) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET name = excluded.name, aliases = excluded.aliases, updated_at = now()`, n.Key, n.Name, aliases)
	if err != nil {
		return fmt.Errorf("activity type names of %q: %w", n.Key, err)
	}
	return nil
}

// amountsSQL sums a person's activities by day and type over a range.
const amountsSQL = `SELECT day, type, sum(amount) FROM activities
	WHERE person_id = $1 AND day BETWEEN $2 AND $3 GROUP BY day, type`

func collectAmounts(rows pgx.Rows) (map[domain.Day]map[string]float64, error) {
	defer rows.Close()
	out := map[domain.Day]map[string]float64{}
	for rows.Next() {
		var d domain.Day
		var typ string
		var amount float64
		if err := rows.Scan(&d, &typ, &amount); err != nil {
			return nil, err
		}
		if out[d] == nil {
			out[d] = map[string]float64{}
		}
		out[d][typ] = amount
	}
	return out, rows.Err()
}

// --- moods ---

// MoodInsert implements app.MoodStore: with a key already used it returns
// the stored mood and false.
func (s *Store) MoodInsert(ctx context.Context, m domain.Mood, day domain.Day, key string) (domain.Mood, bool, error) {
	err := s.q.QueryRow(ctx, `INSERT INTO moods (person_id, at, day, value, note, idempotency_key)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (person_id, idempotency_key) DO NOTHING RETURNING id`,
		m.PersonID, m.At, day, m.Value, m.Note, nullIfEmpty(key)).Scan(&m.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		err = s.q.QueryRow(ctx, "SELECT id, at, value, note FROM moods WHERE person_id = $1 AND idempotency_key = $2",
			m.PersonID, key).Scan(&m.ID, &m.At, &m.Value, &m.Note)
		return m, false, err
	}
	return m, err == nil, err
}

// MoodPage implements app.MoodStore.
func (s *Store) MoodPage(ctx context.Context, personID int64, from, to domain.Day, before int64, limit int) ([]domain.Mood, error) {
	rows, err := s.q.Query(ctx, `SELECT id, at, value, note FROM moods
		WHERE person_id = $1 AND ($2::date IS NULL OR day >= $2) AND ($3::date IS NULL OR day <= $3) AND ($4 = 0 OR id < $4)
		ORDER BY id DESC LIMIT $5`, personID, from, to, before, limit)
	if err != nil {
		return nil, fmt.Errorf("page moods: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Mood, error) {
		m := domain.Mood{PersonID: personID}
		err := r.Scan(&m.ID, &m.At, &m.Value, &m.Note)
		return m, err
	})
}

// MoodLatest implements app.MoodStore.
func (s *Store) MoodLatest(ctx context.Context, personID int64, day domain.Day) (domain.Mood, bool, error) {
	return scanMoodLatest(s.q.QueryRow(ctx, moodLatestSQL, personID, day), personID)
}

const moodLatestSQL = "SELECT id, at, value, note FROM moods WHERE person_id = $1 AND day = $2 ORDER BY at DESC, id DESC LIMIT 1"

func scanMoodLatest(row pgx.Row, personID int64) (domain.Mood, bool, error) {
	m := domain.Mood{PersonID: personID}
	err := row.Scan(&m.ID, &m.At, &m.Value, &m.Note)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, false, nil
	}
	return m, err == nil, err
}

// --- achievements ---

// AchievementsUnlocked implements app.AchievementStore.
func (s *Store) AchievementsUnlocked(ctx context.Context, personID int64) (map[string]time.Time, error) {
	rows, err := s.q.Query(ctx, unlockedSQL, personID)
	if err != nil {
		return nil, err
	}
	return collectUnlocked(rows)
}

const unlockedSQL = "SELECT key, unlocked_at FROM achievement_unlocks WHERE person_id = $1"

func collectUnlocked(rows pgx.Rows) (map[string]time.Time, error) {
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var k string
		var at time.Time
		if err := rows.Scan(&k, &at); err != nil {
			return nil, err
		}
		out[k] = at
	}
	return out, rows.Err()
}

// AchievementUnlock implements app.AchievementStore.
func (s *Store) AchievementUnlock(ctx context.Context, personID int64, key string, at time.Time, fromHistory bool) (bool, error) {
	tag, err := s.q.Exec(ctx, `INSERT INTO achievement_unlocks (person_id, key, unlocked_at, from_history) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, personID, key, at, fromHistory)
	return tag.RowsAffected() == 1, err
}

// AchievementsFromHistory implements app.AchievementStore.
func (s *Store) AchievementsFromHistory(ctx context.Context, personID int64) (map[string]bool, error) {
	rows, err := s.q.Query(ctx, "SELECT key FROM achievement_unlocks WHERE person_id = $1 AND from_history", personID)
	if err != nil {
		return nil, err
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out, err
}

// AchievementsCustom implements app.AchievementStore.
func (s *Store) AchievementsCustom(ctx context.Context) ([]domain.Achievement, error) {
	rows, err := s.q.Query(ctx, customAchievementsSQL)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanCustomAchievement)
}

const customAchievementsSQL = "SELECT definition FROM achievements ORDER BY key"

func scanCustomAchievement(r pgx.CollectableRow) (domain.Achievement, error) {
	var b []byte
	var a domain.Achievement
	if err := r.Scan(&b); err != nil {
		return a, err
	}
	err := json.Unmarshal(b, &a)
	a.Custom = true
	return a, err
}

// AchievementSources implements app.AchievementStore: the reads of
// AchievementsCustom, AchievementsUnlocked, HabitDaysOfPerson and
// ScoreHistory, pipelined in one batch.
func (s *Store) AchievementSources(ctx context.Context, personID int64, today, scoresFrom, scoresTo domain.Day) (app.AchievementSources, error) {
	var src app.AchievementSources
	b := &pgx.Batch{}
	queueAchievementSources(b, &src, personID, scoresFrom, scoresTo)
	b.Queue(habitDaysOfPersonSQL, personID, today).Query(func(rows pgx.Rows) (err error) {
		src.HabitDays, err = collectHabitDaysOfPerson(rows)
		return err
	})
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return app.AchievementSources{}, fmt.Errorf("achievement sources of person %d: %w", personID, err)
	}
	return src, nil
}

// OwnHistory implements app.AchievementStore.
func (s *Store) OwnHistory(ctx context.Context, personID int64, before, to domain.Day) (app.OwnHistory, error) {
	h := app.OwnHistory{LastDay: map[int64]domain.Day{}, CheckIns: map[int64][]app.DatedCheckIn{}}
	b := &pgx.Batch{}
	b.Queue(habitsArchivedSQL, personID).Query(func(rows pgx.Rows) (err error) {
		h.Archived, err = collectHabits(rows)
		return err
	})
	b.Queue(`SELECT DISTINCT ON (d.habit_id) d.habit_id, d.day FROM habit_days d JOIN habits h ON h.id = d.habit_id
		WHERE h.person_id = $1 AND h.archived_at IS NOT NULL AND d.day < $2 ORDER BY d.habit_id, d.day DESC`, personID, before).
		Query(func(rows pgx.Rows) error {
			var id int64
			var day domain.Day
			_, err := pgx.ForEachRow(rows, []any{&id, &day}, func() error {
				h.LastDay[id] = day
				return nil
			})
			return err
		})
	b.Queue("SELECT day, "+checkInColumns+" FROM check_ins WHERE person_id = $1 AND day <= $2 ORDER BY habit_id, at, id", personID, to).
		Query(func(rows pgx.Rows) error {
			var c app.DatedCheckIn
			_, err := pgx.ForEachRow(rows, []any{&c.Day, &c.ID, &c.HabitID, &c.PersonID, &c.At, &c.Quantity, &c.Source, &c.Note, &c.Recorded},
				func() error {
					h.CheckIns[c.HabitID] = append(h.CheckIns[c.HabitID], c)
					return nil
				})
			return err
		})
	b.Queue(xpLedgerSQL, personID).Query(func(rows pgx.Rows) (err error) {
		h.Ledger, err = collectXPLedger(rows)
		return err
	})
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return app.OwnHistory{}, fmt.Errorf("own history of person %d: %w", personID, err)
	}
	return h, nil
}

// queueAchievementSources queues the reads of the achievement sources,
// all but today's habit rows, into b.
func queueAchievementSources(b *pgx.Batch, src *app.AchievementSources, personID int64, scoresFrom, scoresTo domain.Day) {
	b.Queue(customAchievementsSQL).Query(func(rows pgx.Rows) (err error) {
		src.Custom, err = pgx.CollectRows(rows, scanCustomAchievement)
		return err
	})
	b.Queue(unlockedSQL, personID).Query(func(rows pgx.Rows) (err error) {
		src.Unlocked, err = collectUnlocked(rows)
		return err
	})
	b.Queue(scoreHistorySQL, personID, scoresFrom, scoresTo).Query(func(rows pgx.Rows) (err error) {
		src.Scores, err = pgx.CollectRows(rows, scanStoredScore)
		return err
	})
}

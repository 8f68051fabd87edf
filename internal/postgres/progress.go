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
	"github.com/lifeops/lifeops/internal/domain/character"
)

// underCeiling selects the ledger rows that count toward their day's
// daily XP ceiling (app's underCeiling): achievements stand outside it.
const underCeiling = "source_kind <> 'achievement'"

// XPAward implements app.ProgressStore. The day's sum is read from the
// statement's snapshot, which does not hold the row it inserts: what the
// day earned before this award.
func (s *Store) XPAward(ctx context.Context, personID int64, day domain.Day, kind, source string, amount int) (bool, int, error) {
	var added bool
	var earned int
	err := s.q.QueryRow(ctx, `WITH ins AS (INSERT INTO xp_ledger (person_id, day, source_kind, source_id, amount) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (person_id, source_kind, source_id) DO NOTHING RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM ins), (SELECT coalesce(sum(amount), 0) FROM xp_ledger WHERE person_id = $1 AND day = $2 AND `+underCeiling+`)`,
		personID, day, kind, source, amount).Scan(&added, &earned)
	if err != nil {
		return false, 0, fmt.Errorf("award %s %s: %w", kind, source, err)
	}
	return added, earned, nil
}

// XPAdd implements app.ProgressStore: the insert goes with the next
// statement, and a unique violation fails the transaction there.
func (s *Store) XPAdd(ctx context.Context, personID int64, day domain.Day, kind, source string, amount int) error {
	return s.laterExec(ctx, fmt.Sprintf("award %s %s", kind, source),
		"INSERT INTO xp_ledger (person_id, day, source_kind, source_id, amount) VALUES ($1, $2, $3, $4, $5)",
		personID, day, kind, source, amount)
}

// XPRevoke implements app.ProgressStore.
func (s *Store) XPRevoke(ctx context.Context, personID int64, kind, source string) (int, domain.Day, error) {
	var amount int
	var day domain.Day
	err := s.q.QueryRow(ctx, "DELETE FROM xp_ledger WHERE person_id = $1 AND source_kind = $2 AND source_id = $3 RETURNING amount, day",
		personID, kind, source).Scan(&amount, &day)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, day, nil
	}
	return amount, day, err
}

// XPDayTotal implements app.ProgressStore.
func (s *Store) XPDayTotal(ctx context.Context, personID int64, day domain.Day) (int, error) {
	var total int
	err := s.q.QueryRow(ctx, "SELECT coalesce(sum(amount), 0) FROM xp_ledger WHERE person_id = $1 AND day = $2 AND "+underCeiling, personID, day).Scan(&total)
	return total, err
}

// ProgressGet implements app.ProgressStore. Inside a transaction it locks
// the row: every change of a person's totals goes through it, which makes it
// the person's serialisation point. The use case holds the row it read
// until it commits (app's unit), so it reads it once.
func (s *Store) ProgressGet(ctx context.Context, personID int64) (app.Progress, error) {
	q := progressSQL + "$1"
	if s.inTx {
		q += " FOR UPDATE"
	}
	p, err := scanProgress(s.q.QueryRow(ctx, q, personID))
	return p, notFound(err, fmt.Sprintf("progress of person %d", personID))
}

const progressSQL = `SELECT total_xp, check_ins, activities, mood_logs, perfect_days, longest_streak, activity_counts, activity_amounts, growth
		FROM person_progress WHERE person_id = `

func scanProgress(row pgx.Row) (app.Progress, error) {
	var p app.Progress
	var counts, amounts []byte
	var growth []float64
	if err := row.Scan(&p.TotalXP, &p.CheckIns, &p.Activities, &p.MoodLogs, &p.PerfectDays, &p.LongestStreak, &counts, &amounts, &growth); err != nil {
		return p, err
	}
	if err := json.Unmarshal(counts, &p.ActivityCounts); err != nil {
		return p, err
	}
	if err := json.Unmarshal(amounts, &p.ActivityAmounts); err != nil {
		return p, err
	}
	copy(p.Growth[:], growth)
	return p, nil
}

// ProgressPut implements app.ProgressStore.
func (s *Store) ProgressPut(ctx context.Context, personID int64, p app.Progress) error {
	counts, err := json.Marshal(nonNil(p.ActivityCounts))
	if err != nil {
		return err
	}
	amounts, err := json.Marshal(nonNil(p.ActivityAmounts))
	if err != nil {
		return err
	}
	// The row exists from the person's creation on (and is locked by
	// ProgressGet in a use case), so the update can wait for the commit.
	return s.laterExec(ctx, fmt.Sprintf("person %d progress", personID), `UPDATE person_progress SET total_xp = $2, check_ins = $3, activities = $4, mood_logs = $5,
		perfect_days = $6, longest_streak = $7, activity_counts = $8, activity_amounts = $9, growth = $10, updated_at = now()
		WHERE person_id = $1`, personID, p.TotalXP, p.CheckIns, p.Activities, p.MoodLogs, p.PerfectDays, p.LongestStreak,
		counts, amounts, p.Growth[:])
}

func nonNil[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}

// --- scores and biometrics ---

// ScoreGet implements app.ScoreStore.
func (s *Store) ScoreGet(ctx context.Context, personID int64, day domain.Day) (app.StoredScore, bool, error) {
	sc := app.StoredScore{Day: day}
	var result []byte
	err := s.q.QueryRow(ctx, "SELECT result, final FROM daily_scores WHERE person_id = $1 AND day = $2", personID, day).Scan(&result, &sc.Final)
	if errors.Is(err, pgx.ErrNoRows) {
		return sc, false, nil
	}
	if err != nil {
		return sc, false, err
	}
	return sc, true, json.Unmarshal(result, &sc.Score)
}

// ScorePut implements app.ScoreStore. The CTE reads the row as it was
// before the statement, so the replaced score comes back with the write.
func (s *Store) ScorePut(ctx context.Context, personID int64, sc app.StoredScore) (app.StoredScore, bool, error) {
	prev := app.StoredScore{Day: sc.Day}
	result, err := json.Marshal(sc.Score)
	if err != nil {
		return prev, false, err
	}
	var score *float64
	if sc.Score.HasData {
		v := float64(sc.Score.Score)
		score = &v
	}
	var old []byte
	var final *bool
	err = s.q.QueryRow(ctx, `WITH old AS (SELECT result, final FROM daily_scores WHERE person_id = $1 AND day = $2),
		up AS (INSERT INTO daily_scores (person_id, day, score, result, final, computed_at) VALUES ($1, $2, $3, $4, $5, now())
		  ON CONFLICT (person_id, day) DO UPDATE SET score = EXCLUDED.score, result = EXCLUDED.result, final = EXCLUDED.final, computed_at = now())
		SELECT (SELECT result FROM old), (SELECT final FROM old)`,
		personID, sc.Day, score, result, sc.Final).Scan(&old, &final)
	if err != nil || old == nil {
		return prev, false, err
	}
	prev.Final = final != nil && *final
	return prev, true, json.Unmarshal(old, &prev.Score)
}

// ScoreSet implements app.ScoreStore: the write waits for the
// transaction's next statement.
func (s *Store) ScoreSet(ctx context.Context, personID int64, sc app.StoredScore) error {
	result, err := json.Marshal(sc.Score)
	if err != nil {
		return err
	}
	var score *float64
	if sc.Score.HasData {
		v := float64(sc.Score.Score)
		score = &v
	}
	return s.laterExec(ctx, fmt.Sprintf("score of person %d on %s", personID, sc.Day),
		`INSERT INTO daily_scores (person_id, day, score, result, final, computed_at) VALUES ($1, $2, $3, $4, $5, now())
		  ON CONFLICT (person_id, day) DO UPDATE SET score = EXCLUDED.score, result = EXCLUDED.result, final = EXCLUDED.final, computed_at = now()`,
		personID, sc.Day, score, result, sc.Final)
}

// ScoreHistory implements app.ScoreStore.
func (s *Store) ScoreHistory(ctx context.Context, personID int64, from, to domain.Day) ([]app.StoredScore, error) {
	rows, err := s.q.Query(ctx, scoreHistorySQL, personID, from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanStoredScore)
}

const scoreHistorySQL = "SELECT day, result, final FROM daily_scores WHERE person_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day"

func scanStoredScore(r pgx.CollectableRow) (app.StoredScore, error) {
	var sc app.StoredScore
	var result []byte
	if err := r.Scan(&sc.Day, &result, &sc.Final); err != nil {
		return sc, err
	}
	return sc, json.Unmarshal(result, &sc.Score)
}

// Biometrics implements app.ScoreStore.
func (s *Store) Biometrics(ctx context.Context, personID int64, from, to domain.Day) ([]app.Biometrics, error) {
	rows, err := s.q.Query(ctx, biometricsSQL, personID, from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanBiometrics)
}

const biometricsSQL = `SELECT day, sleep_score, readiness_score, activity_score, sleep_end, updated_at
	FROM daily_biometrics WHERE person_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day`

func scanBiometrics(r pgx.CollectableRow) (app.Biometrics, error) {
	var b app.Biometrics
	err := r.Scan(&b.Day, &b.Sleep, &b.Readiness, &b.Activity, &b.SleepEnd, &b.UpdatedAt)
	return b, err
}

// BiometricsPut implements app.ScoreStore; a nil field keeps what was stored.
func (s *Store) BiometricsPut(ctx context.Context, personID int64, b app.Biometrics) error {
	_, err := s.q.Exec(ctx, `INSERT INTO daily_biometrics (person_id, day, sleep_score, readiness_score, activity_score, sleep_end, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now()))
		ON CONFLICT (person_id, day) DO UPDATE SET
		  sleep_score = coalesce(EXCLUDED.sleep_score, daily_biometrics.sleep_score),
		  readiness_score = coalesce(EXCLUDED.readiness_score, daily_biometrics.readiness_score),
		  activity_score = coalesce(EXCLUDED.activity_score, daily_biometrics.activity_score),
		  sleep_end = coalesce(EXCLUDED.sleep_end, daily_biometrics.sleep_end),
		  updated_at = EXCLUDED.updated_at`, personID, b.Day, b.Sleep, b.Readiness, b.Activity, b.SleepEnd, nullTime(b.UpdatedAt))
	return err
}

// HouseholdWeights implements app.ScoreStore: stored weights over the
// defaults, component by component.
func (s *Store) HouseholdWeights(ctx context.Context) (domain.ScoreWeights, error) {
	return scanWeights(s.q.QueryRow(ctx, weightsSQL))
}

const weightsSQL = "SELECT score_weights FROM household WHERE id = 1"

func scanWeights(row pgx.Row) (domain.ScoreWeights, error) {
	w := domain.DefaultScoreWeights()
	var raw []byte
	if err := row.Scan(&raw); err != nil {
		return w, fmt.Errorf("household weights: %w", err)
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return w, fmt.Errorf("household weights: %w", err)
	}
	return w, nil
}

// ScoreSources implements app.ScoreStore: the reads of Biometrics,
// ActivityTypesCustom, the activity amounts, HabitDaysOfPerson,
// TimelineDay, MoodLatest and HouseholdWeights, pipelined in one batch.
func (s *Store) ScoreSources(ctx context.Context, personID int64, from, day domain.Day) (app.ScoreSources, error) {
	var src app.ScoreSources
	b := &pgx.Batch{}
	queueScoreSources(b, &src, personID, from, day)
	b.Queue(habitDaysOfPersonSQL, personID, day).Query(func(rows pgx.Rows) (err error) {
		src.HabitDays, err = collectHabitDaysOfPerson(rows)
		return err
	})
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return app.ScoreSources{}, fmt.Errorf("score sources of person %d on %s: %w", personID, day, err)
	}
	return src, nil
}

// queueScoreSources queues the reads of a day's score sources, all but
// its habit rows, into b.
func queueScoreSources(b *pgx.Batch, src *app.ScoreSources, personID int64, from, day domain.Day) {
	b.Queue(biometricsSQL, personID, from, day).Query(func(rows pgx.Rows) (err error) {
		src.Biometrics, err = pgx.CollectRows(rows, scanBiometrics)
		return err
	})
	b.Queue(activityTypesSQL).Query(func(rows pgx.Rows) (err error) {
		src.CustomTypes, err = pgx.CollectRows(rows, scanActivityType)
		return err
	})
	b.Queue(amountsSQL, personID, from, day).Query(func(rows pgx.Rows) (err error) {
		src.Amounts, err = collectAmounts(rows)
		return err
	})
	b.Queue(timelineDaySQL, personID, day).Query(func(rows pgx.Rows) (err error) {
		src.Timeline, err = collectEntries(rows, nil)
		return err
	})
	b.Queue(moodLatestSQL, personID, day).QueryRow(func(row pgx.Row) error {
		m, ok, err := scanMoodLatest(row, personID)
		if ok {
			src.Mood = &m
		}
		return err
	})
	b.Queue(weightsSQL).QueryRow(func(row pgx.Row) (err error) {
		src.Weights, err = scanWeights(row)
		return err
	})
}

// HouseholdWeightsPut implements app.ScoreStore.
func (s *Store) HouseholdWeightsPut(ctx context.Context, w domain.ScoreWeights) error {
	raw, err := json.Marshal(w)
	if err != nil {
		return err
	}
	if _, err := s.q.Exec(ctx, "UPDATE household SET score_weights = $1 WHERE id = 1", raw); err != nil {
		return fmt.Errorf("household weights: %w", err)
	}
	return nil
}

// --- character ---

// Allocations implements app.CharacterStore.
func (s *Store) Allocations(ctx context.Context, personID int64) ([]string, error) {
	rows, err := s.q.Query(ctx, allocationsSQL, personID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

const allocationsSQL = "SELECT node FROM allocations WHERE person_id = $1 ORDER BY allocated_at, node"

// AllocationInsert implements app.CharacterStore.
func (s *Store) AllocationInsert(ctx context.Context, personID int64, node string, at time.Time) error {
	_, err := s.q.Exec(ctx, "INSERT INTO allocations (person_id, node, allocated_at) VALUES ($1, $2, $3)", personID, node, at)
	if uniqueViolation(err, "") {
		return fmt.Errorf("node %q is allocated already: %w", node, domain.ErrConflict)
	}
	return err
}

// AllocationsClear implements app.CharacterStore.
func (s *Store) AllocationsClear(ctx context.Context, personID int64) error {
	_, err := s.q.Exec(ctx, "DELETE FROM allocations WHERE person_id = $1", personID)
	return err
}

// LastRespec implements app.CharacterStore (zero time: never). Respecs
// that refunded nothing (recorded by earlier releases) start no cooldown.
func (s *Store) LastRespec(ctx context.Context, personID int64) (time.Time, error) {
	var at *time.Time
	if err := s.q.QueryRow(ctx, "SELECT max(at) FROM respecs WHERE person_id = $1 AND refunded > 0", personID).Scan(&at); err != nil || at == nil {
		return time.Time{}, err
	}
	return *at, nil
}

// RespecInsert implements app.CharacterStore.
func (s *Store) RespecInsert(ctx context.Context, personID int64, at time.Time, refunded int) error {
	_, err := s.q.Exec(ctx, "INSERT INTO respecs (person_id, at, refunded) VALUES ($1, $2, $3)", personID, at, refunded)
	return err
}

// GrowthDay implements app.CharacterStore.
func (s *Store) GrowthDay(ctx context.Context, personID int64, day domain.Day) (character.StatValues, error) {
	var g character.StatValues
	var vals []float64
	err := s.q.QueryRow(ctx, "SELECT growth FROM stat_growth_days WHERE person_id = $1 AND day = $2", personID, day).Scan(&vals)
	if errors.Is(err, pgx.ErrNoRows) {
		return g, nil
	}
	copy(g[:], vals)
	return g, err
}

// GrowthDayPut implements app.CharacterStore.
func (s *Store) GrowthDayPut(ctx context.Context, personID int64, day domain.Day, g character.StatValues) error {
	_, err := s.q.Exec(ctx, `INSERT INTO stat_growth_days (person_id, day, growth) VALUES ($1, $2, $3)
		ON CONFLICT (person_id, day) DO UPDATE SET growth = EXCLUDED.growth`, personID, day, g[:])
	return err
}

// ScoreLastFinal implements app.ScoreStore.
func (s *Store) ScoreLastFinal(ctx context.Context) (domain.Day, error) {
	var d domain.Day
	err := s.q.QueryRow(ctx, `SELECT min(last) FROM (SELECT max(day) AS last FROM daily_scores WHERE final GROUP BY person_id) p`).Scan(&d)
	return d, err
}

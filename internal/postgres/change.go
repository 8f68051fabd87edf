package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
)

// ChangeSources implements app.ChangeStore: the person's totals (locked,
// first, when asked), the day's score sources and stored score, the
// achievement sources and the person's goals, pipelined in one batch. The
// day's habit rows are read once for the score and the achievements.
func (s *Store) ChangeSources(ctx context.Context, personID int64, q app.ChangeQuery) (app.ChangeSources, error) {
	var cs app.ChangeSources
	b := &pgx.Batch{}
	if q.Progress {
		sql := progressSQL + "$1"
		if s.inTx {
			sql += " FOR UPDATE"
		}
		b.Queue(sql, personID).QueryRow(func(row pgx.Row) (err error) {
			cs.Progress, err = scanProgress(row)
			return notFound(err, fmt.Sprintf("progress of person %d", personID))
		})
	}
	queueScoreSources(b, &cs.Score, personID, q.ScoreFrom, q.Day)
	b.Queue(habitDaysOfPersonSQL, personID, q.Day).Query(func(rows pgx.Rows) (err error) {
		cs.Score.HabitDays, err = collectHabitDaysOfPerson(rows)
		return err
	})
	b.Queue("SELECT result, final FROM daily_scores WHERE person_id = $1 AND day = $2", personID, q.Day).QueryRow(func(row pgx.Row) error {
		cs.Stored.Score.Day = q.Day
		var result []byte
		err := row.Scan(&result, &cs.Stored.Score.Final)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		cs.Stored.Had = true
		return json.Unmarshal(result, &cs.Stored.Score.Score)
	})
	queueAchievementSources(b, &cs.Achievements, personID, q.ScoresFrom, q.ScoresTo)
	b.Queue(goalListSQL, personID).Query(func(rows pgx.Rows) (err error) {
		cs.Goals, err = collectGoals(rows)
		return err
	})
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return app.ChangeSources{}, fmt.Errorf("what a change of person %d on %s reads: %w", personID, q.Day, err)
	}
	cs.Achievements.HabitDays = cs.Score.HabitDays
	return cs, nil
}

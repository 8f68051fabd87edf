package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

const goalColumns = `id, person_id, name, kind, COALESCE(activity_type, ''), COALESCE(habit_id, 0), COALESCE(metric, ''),
	COALESCE(threshold, 0), target, period, from_day, until_day, milestones, version`

func scanGoal(row pgx.Row) (app.Versioned[domain.Goal], error) {
	var v app.Versioned[domain.Goal]
	g := &v.Value
	var milestones []int16
	err := row.Scan(&g.ID, &g.PersonID, &g.Name, &g.Kind, &g.Activity, &g.HabitID, &g.Metric,
		&g.Threshold, &g.Target, &g.Period, &g.From, &g.Until, &milestones, &v.Version)
	g.Milestones = make([]int, len(milestones))
	for i, m := range milestones {
		g.Milestones[i] = int(m)
	}
	return v, err
}

func milestoneArray(ms []int) []int16 {
	out := make([]int16, len(ms))
	for i, m := range ms {
		out[i] = int16(m)
	}
	return out
}

// GoalInsert implements app.GoalStore.
func (s *Store) GoalInsert(ctx context.Context, g domain.Goal) (app.Versioned[domain.Goal], error) {
	v, err := scanGoal(s.q.QueryRow(ctx, `
		INSERT INTO goals (person_id, name, kind, activity_type, habit_id, metric, threshold, target, period, from_day, until_day, milestones)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, NULLIF($6, ''), NULLIF($7::double precision, 0), $8, $9, $10, $11, $12)
		RETURNING `+goalColumns,
		g.PersonID, g.Name, g.Kind, g.Activity, nullID(g.HabitID), g.Metric, g.Threshold, g.Target, g.Period, g.From, g.Until, milestoneArray(g.Milestones)))
	if err != nil {
		return v, fmt.Errorf("insert goal: %w", err)
	}
	return v, nil
}

// GoalGet implements app.GoalStore.
func (s *Store) GoalGet(ctx context.Context, personID, id int64) (app.Versioned[domain.Goal], error) {
	v, err := scanGoal(s.q.QueryRow(ctx, "SELECT "+goalColumns+" FROM goals WHERE person_id = $1 AND id = $2", personID, id))
	if err != nil {
		return v, notFound(err, "goal "+strconv.FormatInt(id, 10))
	}
	return v, nil
}

// GoalList implements app.GoalStore: latest period end first.
func (s *Store) GoalList(ctx context.Context, personID int64) ([]app.Versioned[domain.Goal], error) {
	rows, err := s.q.Query(ctx, goalListSQL, personID)
	if err != nil {
		return nil, fmt.Errorf("list goals: %w", err)
	}
	return collectGoals(rows)
}

const goalListSQL = "SELECT " + goalColumns + " FROM goals WHERE person_id = $1 ORDER BY until_day DESC, id DESC"

func collectGoals(rows pgx.Rows) ([]app.Versioned[domain.Goal], error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Versioned[domain.Goal], error) { return scanGoal(r) })
}

// GoalUpdate implements app.GoalStore. Only what a goal may change after
// it was created is written.
func (s *Store) GoalUpdate(ctx context.Context, g domain.Goal, version int) (int, error) {
	var next int
	err := s.q.QueryRow(ctx, `
		UPDATE goals SET name = $2, target = $3, threshold = NULLIF($4::double precision, 0), milestones = $5,
		       version = version + 1, updated_at = now()
		 WHERE id = $1 AND version = $6 RETURNING version`,
		g.ID, g.Name, g.Target, g.Threshold, milestoneArray(g.Milestones), version).Scan(&next)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, fmt.Errorf("goal %d changed meanwhile: %w", g.ID, domain.ErrPrecondition)
	case err != nil:
		return 0, fmt.Errorf("update goal %d: %w", g.ID, err)
	}
	return next, nil
}

// GoalDelete implements app.GoalStore; the goal's milestones go with it.
func (s *Store) GoalDelete(ctx context.Context, id int64) error {
	if _, err := s.q.Exec(ctx, "DELETE FROM goals WHERE id = $1", id); err != nil {
		return fmt.Errorf("delete goal %d: %w", id, err)
	}
	return nil
}

// GoalMilestones implements app.GoalStore.
func (s *Store) GoalMilestones(ctx context.Context, personID int64) ([]app.GoalMilestone, error) {
	rows, err := s.q.Query(ctx, `
		SELECT m.goal_id, m.percent, m.day, m.xp, m.reached_at
		  FROM goal_milestones m JOIN goals g ON g.id = m.goal_id
		 WHERE g.person_id = $1 ORDER BY m.goal_id, m.percent`, personID)
	if err != nil {
		return nil, fmt.Errorf("goal milestones: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.GoalMilestone, error) {
		var m app.GoalMilestone
		var pct int16
		err := r.Scan(&m.GoalID, &pct, &m.Day, &m.XP, &m.At)
		m.Percent = int(pct)
		return m, err
	})
}

// GoalMilestoneInsert implements app.GoalStore.
func (s *Store) GoalMilestoneInsert(ctx context.Context, m app.GoalMilestone) error {
	_, err := s.q.Exec(ctx, `INSERT INTO goal_milestones (goal_id, percent, day, xp, reached_at) VALUES ($1, $2, $3, $4, $5)`,
		m.GoalID, m.Percent, m.Day, m.XP, m.At)
	if err != nil {
		return fmt.Errorf("goal %d milestone %d: %w", m.GoalID, m.Percent, err)
	}
	return nil
}

// ActivityDayTotals implements app.GoalStore.
func (s *Store) ActivityDayTotals(ctx context.Context, personID int64, typ string, from, to domain.Day) ([]domain.GoalSample, error) {
	rows, err := s.q.Query(ctx, `
		SELECT day, sum(amount) FROM activities
		 WHERE person_id = $1 AND type = $2 AND day BETWEEN $3 AND $4
		 GROUP BY day ORDER BY day`, personID, typ, from, to)
	if err != nil {
		return nil, fmt.Errorf("activity totals: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.GoalSample, error) {
		var s domain.GoalSample
		err := r.Scan(&s.Day, &s.Value)
		return s, err
	})
}

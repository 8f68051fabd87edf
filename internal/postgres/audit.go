package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// AuditSnapshot implements app.AuditStore. It must be the transaction's
// first statement.
func (s *Store) AuditSnapshot(ctx context.Context) error {
	if !s.inTx {
		return fmt.Errorf("audit snapshot: needs a transaction")
	}
	if _, err := s.q.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return fmt.Errorf("audit snapshot: %w", err)
	}
	return nil
}

// XPLedger implements app.AuditStore.
func (s *Store) XPLedger(ctx context.Context, personID int64) ([]app.XPEntry, error) {
	rows, err := s.q.Query(ctx, xpLedgerSQL, personID)
	if err != nil {
		return nil, fmt.Errorf("xp ledger of person %d: %w", personID, err)
	}
	return collectXPLedger(rows)
}

const xpLedgerSQL = `SELECT day, source_kind, source_id, amount FROM xp_ledger
		WHERE person_id = $1 ORDER BY source_kind, source_id`

func collectXPLedger(rows pgx.Rows) ([]app.XPEntry, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.XPEntry, error) {
		var e app.XPEntry
		err := r.Scan(&e.Day, &e.Kind, &e.Source, &e.Amount)
		return e, err
	})
}

// FactCounts implements app.AuditStore: the running totals' counters
// counted from the fact tables themselves.
func (s *Store) FactCounts(ctx context.Context, personID int64) (app.Progress, error) {
	p := app.Progress{ActivityCounts: map[string]int64{}, ActivityAmounts: map[string]float64{}}
	err := s.q.QueryRow(ctx, `SELECT (SELECT count(*) FROM check_ins WHERE person_id = $1 AND source <> 'import'),
		(SELECT count(*) FROM activities WHERE person_id = $1),
		(SELECT count(*) FROM moods WHERE person_id = $1)`, personID).Scan(&p.CheckIns, &p.Activities, &p.MoodLogs)
	if err != nil {
		return p, fmt.Errorf("fact counts of person %d: %w", personID, err)
	}
	rows, err := s.q.Query(ctx, "SELECT type, count(*), sum(amount) FROM activities WHERE person_id = $1 GROUP BY type", personID)
	if err != nil {
		return p, fmt.Errorf("activity counts of person %d: %w", personID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ string
		var n int64
		var sum float64
		if err := rows.Scan(&typ, &n, &sum); err != nil {
			return p, err
		}
		p.ActivityCounts[typ], p.ActivityAmounts[typ] = n, sum
	}
	return p, rows.Err()
}

// ActivityDays implements app.AuditStore.
func (s *Store) ActivityDays(ctx context.Context, personID int64) ([]app.ActivityDay, error) {
	rows, err := s.q.Query(ctx, "SELECT DISTINCT day, type FROM activities WHERE person_id = $1 ORDER BY day, type", personID)
	if err != nil {
		return nil, fmt.Errorf("activity days of person %d: %w", personID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.ActivityDay, error) {
		var d app.ActivityDay
		err := r.Scan(&d.Day, &d.Type)
		return d, err
	})
}

// GrowthDays implements app.AuditStore: the stored growth of every day, and
// the days that have biometrics (readiness grows stats too).
func (s *Store) GrowthDays(ctx context.Context, personID int64) (map[domain.Day]character.StatValues, []domain.Day, error) {
	rows, err := s.q.Query(ctx, "SELECT day, growth FROM stat_growth_days WHERE person_id = $1", personID)
	if err != nil {
		return nil, nil, fmt.Errorf("growth days of person %d: %w", personID, err)
	}
	out := map[domain.Day]character.StatValues{}
	for rows.Next() {
		var d domain.Day
		var vals []float64
		if err := rows.Scan(&d, &vals); err != nil {
			rows.Close()
			return nil, nil, err
		}
		var g character.StatValues
		copy(g[:], vals)
		out[d] = g
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = s.q.Query(ctx, "SELECT day FROM daily_biometrics WHERE person_id = $1 ORDER BY day", personID)
	if err != nil {
		return nil, nil, fmt.Errorf("biometric days of person %d: %w", personID, err)
	}
	days, err := pgx.CollectRows(rows, pgx.RowTo[domain.Day])
	return out, days, err
}

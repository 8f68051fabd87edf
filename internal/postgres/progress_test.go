package postgres_test

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/postgres"
)

// storeWithPerson is a store on a fresh database holding one person, Anna,
// whose id it returns; the pool is the store's.
func storeWithPerson(t *testing.T) (*pgxpool.Pool, *postgres.Store, int64) {
	t.Helper()
	pool := dbtest.New(t)
	var person int64
	if err := pool.QueryRow(t.Context(), "INSERT INTO people (name, slug, color) VALUES ('Anna', 'anna', '#112233') RETURNING id").Scan(&person); err != nil {
		t.Fatal(err)
	}
	return pool, postgres.NewStore(pool), person
}

// TestXPAdd: an award added without an answer goes with the transaction's
// next statement, which sees it; one whose source has an award already
// fails the transaction, so an award the app wrongly took for new is never
// paid twice, and nothing of that transaction stays.
func TestXPAdd(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool, s, person := storeWithPerson(t)
	day := domain.NewDay(2026, 3, 10)
	ledger := func() (rows, sum int) {
		t.Helper()
		if err := pool.QueryRow(ctx, "SELECT count(*), coalesce(sum(amount), 0) FROM xp_ledger WHERE person_id = $1", person).Scan(&rows, &sum); err != nil {
			t.Fatal(err)
		}
		return rows, sum
	}

	err := s.InTx(ctx, func(tx app.Store) error {
		if err := tx.XPAdd(ctx, person, day, "routine_item", "1:2026-03-10", 40); err != nil {
			return err
		}
		earned, err := tx.XPDayTotal(ctx, person, day)
		if err != nil {
			return err
		}
		if earned != 40 {
			t.Errorf("the day earned %d after the award, want 40: the next statement did not carry it", earned)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows, sum := ledger(); rows != 1 || sum != 40 {
		t.Fatalf("ledger: %d rows, %d XP after one award, want 1 and 40", rows, sum)
	}

	err = s.InTx(ctx, func(tx app.Store) error {
		if _, _, err := tx.XPAward(ctx, person, day, "todo", "7", 10); err != nil {
			return err
		}
		return tx.XPAdd(ctx, person, day, "routine_item", "1:2026-03-10", 40)
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("adding an award whose source has one: %v, want a unique violation", err)
	}
	if rows, sum := ledger(); rows != 1 || sum != 40 {
		t.Fatalf("ledger: %d rows, %d XP after the failed transaction, want 1 and 40 as before", rows, sum)
	}
}

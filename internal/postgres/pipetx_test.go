package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lifeops/lifeops/internal/dbtest"
)

func countingPool(t *testing.T) (*pgxpool.Pool, *dbtest.RoundTrips) {
	t.Helper()
	trips := &dbtest.RoundTrips{}
	pool := dbtest.Traced(t, trips, func(cfg *pgxpool.Config) {
		cfg.MaxConns = 1 // a connection left in a transaction would show
	})
	if _, err := pool.Exec(context.Background(), `CREATE TABLE pipe (k int PRIMARY KEY, v text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return pool, trips
}

// TestPipeTxRoundTrips: BEGIN goes with the first statement, writes that
// wait go with the next one or with COMMIT; each kind of read sees them.
func TestPipeTxRoundTrips(t *testing.T) {
	ctx := context.Background()
	pool, trips := countingPool(t)
	s := NewStore(pool)
	before := trips.N()
	err := runTx(ctx, pool, func(tx *pipeTx) error {
		st := &Store{pool: pool, q: tx, inTx: true}
		if err := st.laterExec(ctx, "one", `INSERT INTO pipe VALUES (1, 'a')`); err != nil {
			return err
		}
		// Query with what waited: BEGIN and the insert go with it.
		rows, err := tx.Query(ctx, `SELECT v FROM pipe ORDER BY k`)
		if err != nil {
			return err
		}
		vs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(vs) != 1 || vs[0] != "a" {
			t.Errorf("query after a waiting insert: %v, %v", vs, err)
		}
		// QueryRow with what waited, and pgx's no-rows.
		if err := st.laterExec(ctx, "two", `INSERT INTO pipe VALUES (2, 'b')`); err != nil {
			return err
		}
		var v string
		if err := tx.QueryRow(ctx, `SELECT v FROM pipe WHERE k = 3`).Scan(&v); !errors.Is(err, pgx.ErrNoRows) {
			t.Errorf("no row: %v, want pgx.ErrNoRows", err)
		}
		// A batch read in order after what waited, and one with callbacks.
		if err := st.laterExec(ctx, "three", `INSERT INTO pipe VALUES (3, 'c')`); err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(`SELECT count(*) FROM pipe`)
		br := tx.SendBatch(ctx, b)
		var n int
		if err := br.QueryRow().Scan(&n); err != nil || n != 3 {
			t.Errorf("batch after a waiting insert: %d, %v", n, err)
		}
		if err := br.Close(); err != nil {
			return err
		}
		if err := st.laterExec(ctx, "four", `INSERT INTO pipe VALUES (4, 'd')`); err != nil {
			return err
		}
		b = &pgx.Batch{}
		b.Queue(`SELECT count(*) FROM pipe`).QueryRow(func(row pgx.Row) error { return row.Scan(&n) })
		if err := tx.SendBatch(ctx, b).Close(); err != nil || n != 4 {
			t.Errorf("batch with a callback after a waiting insert: %d, %v", n, err)
		}
		// Exec with what waited; the last write goes with COMMIT.
		if err := st.laterExec(ctx, "five", `INSERT INTO pipe VALUES (5, 'e')`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE pipe SET v = upper(v) WHERE k = 5`); err != nil {
			return err
		}
		return st.laterExec(ctx, "six", `INSERT INTO pipe VALUES (6, 'f')`)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Query, QueryRow, two batches, Exec, and COMMIT with the last insert.
	if got := trips.N() - before; got != 6 {
		t.Errorf("%d round trips, want 6", got)
	}
	var vs string
	if err := s.q.QueryRow(ctx, `SELECT string_agg(v, '' ORDER BY k) FROM pipe`).Scan(&vs); err != nil || vs != "abcdEf" {
		t.Errorf("stored %q, %v; want abcdEf", vs, err)
	}
}

// TestPipeTxFailedWriteUndoesAll: a write that waited and fails fails the
// statement it went with, or the commit; nothing of the transaction stays,
// and the connection goes back to the pool out of any transaction.
func TestPipeTxFailedWriteUndoesAll(t *testing.T) {
	ctx := context.Background()
	pool, _ := countingPool(t)
	if _, err := pool.Exec(ctx, `INSERT INTO pipe VALUES (1, 'a')`); err != nil {
		t.Fatal(err)
	}
	for _, at := range []string{"read", "commit"} {
		err := runTx(ctx, pool, func(tx *pipeTx) error {
			st := &Store{pool: pool, q: tx, inTx: true}
			if _, err := tx.Exec(ctx, `INSERT INTO pipe VALUES (2, 'b')`); err != nil {
				return err
			}
			if err := st.laterExec(ctx, "dup", `INSERT INTO pipe VALUES (1, 'again')`); err != nil {
				return err
			}
			if at == "read" {
				var n int
				return tx.QueryRow(ctx, `SELECT count(*) FROM pipe`).Scan(&n)
			}
			return nil
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
			t.Errorf("failed write at %s: %v, want the unique violation", at, err)
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pipe`).Scan(&n); err != nil || n != 1 {
			t.Errorf("after a failed write at %s: %d rows, %v; want 1", at, n, err)
		}
	}
	// A transaction that sent nothing commits nothing and costs nothing.
	if err := runTx(ctx, pool, func(*pipeTx) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// TestPipeTxLaterRow: a write whose answer is read after the next
// statement goes with it; its scan runs as that statement's batch is read
// (a read, a batch of the caller's, or the commit), and an error it returns
// fails that statement and undoes the transaction.
func TestPipeTxLaterRow(t *testing.T) {
	ctx := context.Background()
	pool, trips := countingPool(t)
	errTaken := errors.New("key taken")
	insert := func(st *Store, k int, v string, got *string) error {
		return st.laterRow(ctx, `INSERT INTO pipe VALUES ($1, $2) RETURNING v || '!'`, []any{k, v}, func(row pgx.Row) error {
			err := row.Scan(got)
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "23505" {
				return errTaken
			}
			return err
		})
	}
	before := trips.N()
	var a, b, c string
	err := runTx(ctx, pool, func(tx *pipeTx) error {
		st := &Store{pool: pool, q: tx, inTx: true}
		if err := insert(st, 1, "a", &a); err != nil {
			return err
		}
		if a != "" {
			t.Errorf("the answer was read before the next statement: %q", a)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM pipe`).Scan(&n); err != nil || n != 1 || a != "a!" {
			t.Errorf("read after the waiting insert: %d rows, answer %q, %v; want 1 and a!", n, a, err)
		}
		if err := insert(st, 2, "b", &b); err != nil {
			return err
		}
		batch := &pgx.Batch{}
		batch.Queue(`SELECT count(*) FROM pipe`).QueryRow(func(row pgx.Row) error { return row.Scan(&n) })
		if err := tx.SendBatch(ctx, batch).Close(); err != nil || n != 2 || b != "b!" {
			t.Errorf("batch after the waiting insert: %d rows, answer %q, %v; want 2 and b!", n, b, err)
		}
		return insert(st, 3, "c", &c) // answered with the commit
	})
	if err != nil || c != "c!" {
		t.Fatalf("commit: answer %q, %v", c, err)
	}
	if got := trips.N() - before; got != 3 {
		t.Errorf("%d round trips, want 3 (read, batch, commit)", got)
	}
	// The scan's error fails the statement the insert went with, and
	// nothing of the transaction stays.
	var again string
	err = runTx(ctx, pool, func(tx *pipeTx) error {
		st := &Store{pool: pool, q: tx, inTx: true}
		if _, err := tx.Exec(ctx, `INSERT INTO pipe VALUES (4, 'd')`); err != nil {
			return err
		}
		if err := insert(st, 1, "again", &again); err != nil {
			return err
		}
		var n int
		return tx.QueryRow(ctx, `SELECT count(*) FROM pipe`).Scan(&n)
	})
	if !errors.Is(err, errTaken) {
		t.Errorf("a waiting insert that conflicts: %v, want its scan's error", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pipe`).Scan(&n); err != nil || n != 3 {
		t.Errorf("after the failed transaction: %d rows, %v; want 3", n, err)
	}
}

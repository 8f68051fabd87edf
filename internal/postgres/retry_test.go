package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lifeops/lifeops/internal/dbtest"
)

// TestTransactionAfterEveryBackendTerminated: when the server has ended
// every connection the pool holds (a restart, a failover, an administrator
// terminating LifeOps' backends), the next transaction opens a fresh
// connection at its second attempt, not after spending one backoff step on
// each dead connection left idle in the pool.
func TestTransactionAfterEveryBackendTerminated(t *testing.T) {
	ctx := context.Background()
	const conns = 8
	pool := dbtest.Traced(t, nil, func(cfg *pgxpool.Config) {
		cfg.MaxConns = conns
		// The pool pings a connection idle for a second before handing it
		// out; a slow machine must not let that hide what retry does.
		cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	})
	admin, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	// Hold every connection at once, then give them back: the pool keeps
	// all of them idle.
	var held []*pgxpool.Conn
	var pids []int64
	for range conns {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		pids = append(pids, int64(c.Conn().PgConn().PID()))
	}
	for _, c := range held {
		c.Release()
	}
	var n int
	if err := admin.QueryRow(ctx, "SELECT count(pg_terminate_backend(pid)) FROM unnest($1::int[]) AS pid", pids).Scan(&n); err != nil || n != conns {
		t.Fatalf("terminated %d of %d backends: %v", n, conns, err)
	}

	attempts := 0
	began := time.Now()
	err = runTx(ctx, pool, func(tx *pipeTx) error {
		attempts++
		_, err := tx.Exec(ctx, "SELECT 1")
		return err
	})
	took := time.Since(began)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d attempts in %v", attempts, took.Round(time.Millisecond))
	if attempts > 2 {
		t.Errorf("the transaction took %d attempts (%v) after every backend was terminated, want at most 2: the dead one, then a fresh one", attempts, took.Round(time.Millisecond))
	}
}
